// Webhook destinations: the strict URL parser (good and bad URLs with the
// position of the fault), the IP classifier at the edges of every range and
// through every IPv6 form that embeds an IPv4 address, and the SSRF guard.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {
namespace {

struct Good {
  const char* url;
  const char* scheme;
  const char* host;
  int port;
  const char* path;
};

TEST(WebhookUrlTest, ParsesGoodUrls) {
  const Good cases[] = {
      {"https://shop.example/hooks/usd1", "https", "shop.example", 443, "/hooks/usd1"},
      {"http://shop.example", "http", "shop.example", 80, "/"},
      {"HTTPS://Shop.EXAMPLE:8443/x?y=1&z=%2F", "https", "shop.example", 8443, "/x?y=1&z=%2F"},
      {"https://shop.example?token=abc", "https", "shop.example", 443, "/?token=abc"},
      {"http://127.0.0.1:1/", "http", "127.0.0.1", 1, "/"},
      {"http://203.0.113.9:65535/in", "http", "203.0.113.9", 65535, "/in"},
      {"http://[::1]:8080/h", "http", "::1", 8080, "/h"},
      {"https://[2001:DB8:0:0:0:0:0:1]/h", "https", "2001:db8::1", 443, "/h"},
      {"https://[::ffff:192.0.2.1]/", "https", "::ffff:192.0.2.1", 443, "/"},
      {"https://xn--bcher-kva.example/", "https", "xn--bcher-kva.example", 443, "/"},
      {"https://a-b.c-d.example/", "https", "a-b.c-d.example", 443, "/"},
      {"https://123.example/", "https", "123.example", 443, "/"},
      {"https://localhost/", "https", "localhost", 443, "/"},
      {"https://shop.example/a:b@c!$'()*+,;=-._~", "https", "shop.example", 443,
       "/a:b@c!$'()*+,;=-._~"},
  };
  for (const auto& c : cases) {
    auto u = parse_webhook_url(c.url);
    ASSERT_TRUE(u.ok()) << c.url << ": " << u.status().message();
    EXPECT_EQ(u->scheme, c.scheme) << c.url;
    EXPECT_EQ(u->host, c.host) << c.url;
    EXPECT_EQ(u->port, c.port) << c.url;
    EXPECT_EQ(u->path_and_query, c.path) << c.url;
  }
}

TEST(WebhookUrlTest, LongestAllowedHostAndUrl) {
  const std::string label(63, 'a');
  const std::string host = label + "." + label + "." + label + "." + std::string(61, 'b');
  ASSERT_EQ(host.size(), 253u);
  auto u = parse_webhook_url("https://" + host + "/");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->host, host);
  std::string url = "https://shop.example/";
  url += std::string(2048 - url.size(), 'p');
  EXPECT_TRUE(parse_webhook_url(url).ok());
  url += "p";
  auto too_long = parse_webhook_url(url);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().message(), "webhook url: longer than 2048 bytes (2049)");
  auto long_host = parse_webhook_url("https://" + host + "b/");
  ASSERT_FALSE(long_host.ok());
  EXPECT_EQ(long_host.status().message(), "webhook url: host longer than 253 bytes at position 8");
  auto long_label = parse_webhook_url("https://" + label + "a.example/");
  ASSERT_FALSE(long_label.ok());
  EXPECT_EQ(long_label.status().message(),
            "webhook url: host label longer than 63 bytes at position 8");
}

struct Bad {
  const char* url;
  const char* message;  // the whole message
};

TEST(WebhookUrlTest, RefusesBadUrlsNamingThePosition) {
  const Bad cases[] = {
      {"", "webhook url: empty"},
      {"ftp://shop.example/", "webhook url: expected http:// or https:// at position 0"},
      {"shop.example/hook", "webhook url: expected http:// or https:// at position 0"},
      {"https:/shop.example/", "webhook url: expected http:// or https:// at position 0"},
      {"https://shop.example/a b", "webhook url: bad character ' ' at position 22"},
      {"https://shop.example/\x7f", "webhook url: bad character byte 0x7f at position 21"},
      {"https://shöp.example/", "webhook url: bad character byte 0xc3 at position 10"},
      {"https://shop.example/\n", "webhook url: bad character byte 0x0a at position 21"},
      {"https://shop.example/#top", "webhook url: a fragment ('#') is not allowed at position 21"},
      {"https://user:pw@shop.example/",
       "webhook url: user info ('@') is not allowed (put credentials in the path or a header) "
       "at position 15"},
      {"https:///hook", "webhook url: missing host at position 8"},
      {"https://:443/", "webhook url: missing host at position 8"},
      {"https://shop.example:/", "webhook url: empty port at position 21"},
      {"https://shop.example:0/", "webhook url: port out of range 1..65535 at position 21"},
      {"https://shop.example:65536/", "webhook url: port out of range 1..65535 at position 21"},
      {"https://shop.example:123456/", "webhook url: port out of range 1..65535 at position 21"},
      {"https://shop.example:8a/", "webhook url: bad character 'a' in the port at position 22"},
      {"https://shop.example:80:80/", "webhook url: bad character ':' in the port at position 23"},
      {"https://shop.example./",
       "webhook url: host ends with '.' (write the name without the "
       "trailing dot) at position 20"},
      {"https://shop..example/", "webhook url: empty label in the host at position 13"},
      {"https://.shop.example/", "webhook url: empty label in the host at position 8"},
      {"https://-shop.example/", "webhook url: host label starts with '-' at position 8"},
      {"https://shop-.example/", "webhook url: host label ends with '-' at position 12"},
      {"https://shop_1.example/",
       "webhook url: bad character '_' in the host (letters, digits, '-' and '.'; write "
       "international names in their xn-- form) at position 12"},
      {"https://shop.example\\@evil.example/",
       "webhook url: user info ('@') is not allowed (put credentials in the path or a header) "
       "at position 21"},
      {"https://shop.example/a\\b",
       "webhook url: bad character '\\' in the path (percent-encode it) at position 22"},
      {"https://shop.example/a|b",
       "webhook url: bad character '|' in the path (percent-encode it) at position 22"},
      {"https://shop.example/%zz",
       "webhook url: '%' not followed by two hex digits at position 21"},
      {"https://shop.example/a%4",
       "webhook url: '%' not followed by two hex digits at position 22"},
      {"https://[::1", "webhook url: unterminated '[' in the host at position 8"},
      {"https://[]/", "webhook url: empty IPv6 address at position 9"},
      {"https://[fe80::1%25eth0]/",
       "webhook url: IPv6 zone identifiers ('%') are not supported at position 16"},
      {"https://[::1]x/", "webhook url: expected ':' or '/' after the IPv6 address at position 13"},
      {"https://[12345::1]/", "webhook url: \"12345::1\" is not an IPv6 address at position 9"},
      {"https://[::g]/", "webhook url: bad character 'g' in the IPv6 address at position 11"},
      {"https://[1.2.3.4]/", "webhook url: \"1.2.3.4\" is not an IPv6 address at position 9"},
  };
  for (const auto& c : cases) {
    auto u = parse_webhook_url(c.url);
    ASSERT_FALSE(u.ok()) << c.url;
    EXPECT_EQ(u.status().code(), ErrorCode::kInvalidArgument) << c.url;
    EXPECT_EQ(u.status().message(), c.message) << c.url;
  }
}

TEST(WebhookUrlTest, RefusesNumericShorthandsForIpv4) {
  // What inet_aton / browsers read as 127.0.0.1, 169.254.169.254, ...
  for (const char* host :
       {"127.1", "127.0.1", "0x7f.1", "0x7f.0.0.1", "0177.0.0.1", "2130706433", "0x7f000001",
        "127.000.000.001", "017700000001", "169.254.43518", "1.2.3.4.5", "256.1.1.1", "1.2.3",
        "shop.0x10", "shop.example.123", "01.2.3.4", "1.2.3.04", "0x", "1.2.3.0x0"}) {
    auto u = parse_webhook_url(std::string("http://") + host + "/");
    ASSERT_FALSE(u.ok()) << host;
    EXPECT_EQ(u.status().message(),
              std::string("webhook url: host \"") + host +
                  "\" is not a dotted-quad IPv4 address (four decimal parts 0..255 without "
                  "leading zeros; short, octal and hex forms are refused because they are used to "
                  "disguise internal addresses) at position 7")
        << host;
  }
  for (const char* host : {"0.0.0.0", "255.255.255.255", "10.0.0.1", "1.2.3.4"}) {
    auto u = parse_webhook_url(std::string("http://") + host + "/");
    ASSERT_TRUE(u.ok()) << host << ": " << u.status().message();
    EXPECT_EQ(u->host, host);
  }
}

// ---------------------------------------------------------------- classes

struct Classified {
  const char* ip;
  IpClass cls;
};

void expect_classes(const std::vector<Classified>& cases) {
  for (const auto& c : cases) {
    auto got = classify_ip(c.ip);
    ASSERT_TRUE(got.ok()) << c.ip << ": " << got.status().message();
    EXPECT_EQ(ip_class_name(*got), ip_class_name(c.cls)) << c.ip;
  }
}

TEST(ClassifyIpTest, Ipv4RangesAtTheirEdges) {
  expect_classes({
      {"0.0.0.0", IpClass::kUnspecified},
      {"0.255.255.255", IpClass::kUnspecified},
      {"1.0.0.0", IpClass::kPublic},
      {"9.255.255.255", IpClass::kPublic},
      {"10.0.0.0", IpClass::kPrivate},
      {"10.255.255.255", IpClass::kPrivate},
      {"11.0.0.0", IpClass::kPublic},
      {"100.63.255.255", IpClass::kPublic},
      {"100.64.0.0", IpClass::kShared},
      {"100.127.255.255", IpClass::kShared},
      {"100.128.0.0", IpClass::kPublic},
      {"126.255.255.255", IpClass::kPublic},
      {"127.0.0.0", IpClass::kLoopback},
      {"127.0.0.1", IpClass::kLoopback},
      {"127.255.255.255", IpClass::kLoopback},
      {"128.0.0.0", IpClass::kPublic},
      {"169.253.255.255", IpClass::kPublic},
      {"169.254.0.0", IpClass::kLinkLocal},
      {"169.254.169.253", IpClass::kLinkLocal},
      {"169.254.169.254", IpClass::kMetadata},
      {"169.254.169.255", IpClass::kLinkLocal},
      {"169.254.170.2", IpClass::kMetadata},
      {"169.254.255.255", IpClass::kLinkLocal},
      {"169.255.0.0", IpClass::kPublic},
      {"172.15.255.255", IpClass::kPublic},
      {"172.16.0.0", IpClass::kPrivate},
      {"172.31.255.255", IpClass::kPrivate},
      {"172.32.0.0", IpClass::kPublic},
      {"191.255.255.255", IpClass::kPublic},
      {"192.0.0.0", IpClass::kReserved},
      {"192.0.0.192", IpClass::kMetadata},
      {"192.0.0.255", IpClass::kReserved},
      {"192.0.1.0", IpClass::kPublic},
      {"192.0.2.0", IpClass::kReserved},
      {"192.0.2.255", IpClass::kReserved},
      {"192.0.3.0", IpClass::kPublic},
      {"192.88.99.0", IpClass::kReserved},
      {"192.88.99.255", IpClass::kReserved},
      {"192.167.255.255", IpClass::kPublic},
      {"192.168.0.0", IpClass::kPrivate},
      {"192.168.255.255", IpClass::kPrivate},
      {"192.169.0.0", IpClass::kPublic},
      {"198.17.255.255", IpClass::kPublic},
      {"198.18.0.0", IpClass::kReserved},
      {"198.19.255.255", IpClass::kReserved},
      {"198.20.0.0", IpClass::kPublic},
      {"198.51.100.0", IpClass::kReserved},
      {"198.51.100.255", IpClass::kReserved},
      {"203.0.112.255", IpClass::kPublic},
      {"203.0.113.0", IpClass::kReserved},
      {"203.0.113.255", IpClass::kReserved},
      {"203.0.114.0", IpClass::kPublic},
      {"100.100.100.200", IpClass::kMetadata},
      {"100.100.100.201", IpClass::kShared},
      {"223.255.255.255", IpClass::kPublic},
      {"224.0.0.0", IpClass::kMulticast},
      {"239.255.255.255", IpClass::kMulticast},
      {"240.0.0.0", IpClass::kReserved},
      {"255.255.255.254", IpClass::kReserved},
      {"255.255.255.255", IpClass::kReserved},
      {"8.8.8.8", IpClass::kPublic},
      {"93.184.216.34", IpClass::kPublic},
  });
}

TEST(ClassifyIpTest, Ipv6Ranges) {
  expect_classes({
      {"::", IpClass::kUnspecified},
      {"::1", IpClass::kLoopback},
      {"::2", IpClass::kUnspecified},  // IPv4-compatible ::0.0.0.2
      {"2606:4700::1111", IpClass::kPublic},
      {"2000::", IpClass::kPublic},
      {"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", IpClass::kPublic},
      {"3fff::", IpClass::kReserved},  // documentation (RFC 9637)
      {"3fff:0fff:ffff:ffff:ffff:ffff:ffff:ffff", IpClass::kReserved},
      {"3fff:1000::", IpClass::kPublic},
      {"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", IpClass::kReserved},  // outside 2000::/3
      {"4000::1", IpClass::kReserved},
      {"2001:db8::", IpClass::kReserved},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", IpClass::kReserved},
      {"2001:db9::", IpClass::kPublic},
      {"2001:2::1", IpClass::kReserved},   // benchmarking
      {"2001:10::1", IpClass::kReserved},  // ORCHID
      {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", IpClass::kReserved},
      {"2001:200::1", IpClass::kPublic},
      {"100::", IpClass::kReserved},  // discard-only
      {"100::ffff:ffff:ffff:ffff", IpClass::kReserved},
      {"5f00::1", IpClass::kReserved},
      {"fc00::", IpClass::kPrivate},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", IpClass::kPrivate},
      {"fd00:ec2::254", IpClass::kMetadata},
      {"fd00:ec2::253", IpClass::kPrivate},
      {"fe80::", IpClass::kLinkLocal},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", IpClass::kLinkLocal},
      {"fec0::1", IpClass::kPrivate},  // site-local (deprecated)
      {"ff00::", IpClass::kMulticast},
      {"ff02::1", IpClass::kMulticast},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", IpClass::kMulticast},
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", IpClass::kReserved},
      {"64:ff9b:1::1", IpClass::kPrivate},  // local-use NAT64
  });
}

TEST(ClassifyIpTest, Ipv6FormsEmbeddingIpv4AreClassifiedByTheIpv4Address) {
  expect_classes({
      // IPv4-mapped
      {"::ffff:127.0.0.1", IpClass::kLoopback},
      {"::ffff:7f00:1", IpClass::kLoopback},
      {"::ffff:169.254.169.254", IpClass::kMetadata},
      {"::ffff:10.1.2.3", IpClass::kPrivate},
      {"::ffff:0.0.0.0", IpClass::kUnspecified},
      {"::ffff:8.8.8.8", IpClass::kPublic},
      // SIIT ::ffff:0:a.b.c.d
      {"::ffff:0:127.0.0.1", IpClass::kLoopback},
      {"::ffff:0:8.8.8.8", IpClass::kPublic},
      // IPv4-compatible (deprecated)
      {"::127.0.0.1", IpClass::kLoopback},
      {"::169.254.169.254", IpClass::kMetadata},
      {"::8.8.8.8", IpClass::kPublic},
      // NAT64 well-known prefix
      {"64:ff9b::127.0.0.1", IpClass::kLoopback},
      {"64:ff9b::a9fe:a9fe", IpClass::kMetadata},
      {"64:ff9b::192.168.1.1", IpClass::kPrivate},
      {"64:ff9b::8.8.8.8", IpClass::kPublic},
      // 6to4
      {"2002:7f00:1::", IpClass::kLoopback},
      {"2002:a9fe:a9fe::1", IpClass::kMetadata},
      {"2002:0a00:0001::", IpClass::kPrivate},
      {"2002:0808:0808::1", IpClass::kPublic},
      // Teredo: the client address is the last 32 bits inverted
      {"2001:0:4136:e378:8000:63bf:80ff:fffe", IpClass::kLoopback},  // ~80fffffe = 127.0.0.1
      {"2001:0:4136:e378:8000:63bf:f7f7:f7f7", IpClass::kPublic},    // ~f7f7f7f7 = 8.8.8.8
  });
}

TEST(ClassifyIpTest, RefusesWhatIsNotAnIpLiteral) {
  for (const char* bad : {"", "localhost", "127.1", "0x7f.0.0.1", "01.2.3.4", "1.2.3.4 ", "[::1]",
                          "fe80::1%eth0", "::g", "1.2.3.256", "12345::"}) {
    auto got = classify_ip(bad);
    ASSERT_FALSE(got.ok()) << bad;
    EXPECT_EQ(got.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(got.status().message(),
              std::string("ip address: \"") + bad + "\" is not an IPv4 or IPv6 literal");
  }
}

TEST(ClassifyIpTest, NamesEveryClass) {
  EXPECT_EQ(ip_class_name(IpClass::kPublic), "public");
  EXPECT_EQ(ip_class_name(IpClass::kLoopback), "loopback");
  EXPECT_EQ(ip_class_name(IpClass::kPrivate), "private");
  EXPECT_EQ(ip_class_name(IpClass::kLinkLocal), "link-local");
  EXPECT_EQ(ip_class_name(IpClass::kMetadata), "metadata");
  EXPECT_EQ(ip_class_name(IpClass::kShared), "shared");
  EXPECT_EQ(ip_class_name(IpClass::kUnspecified), "unspecified");
  EXPECT_EQ(ip_class_name(IpClass::kMulticast), "multicast");
  EXPECT_EQ(ip_class_name(IpClass::kReserved), "reserved");
}

// ---------------------------------------------------------------- the guard

WebhookUrl url_of(const std::string& text) {
  auto u = parse_webhook_url(text);
  EXPECT_TRUE(u.ok()) << text << ": " << u.status().message();
  return *u;
}

TEST(CheckDestinationTest, LiteralsAreRefusedByClassUnlessAllowed) {
  const DestinationPolicy strict;
  DestinationPolicy allow;
  allow.allow_private_destinations = true;
  const Bad cases[] = {
      {"http://169.254.169.254/latest/meta-data/",
       "webhook url: host 169.254.169.254 is not a public address (metadata); refused (set "
       "allow_private_destinations to allow)"},
      {"http://127.0.0.1:8080/",
       "webhook url: host 127.0.0.1 is not a public address (loopback); refused "
       "(set allow_private_destinations to allow)"},
      {"http://[::1]/",
       "webhook url: host ::1 is not a public address (loopback); refused (set "
       "allow_private_destinations to allow)"},
      {"http://[::ffff:169.254.169.254]/",
       "webhook url: host ::ffff:169.254.169.254 is not a public address (metadata); refused (set "
       "allow_private_destinations to allow)"},
      {"http://[64:ff9b::a00:1]/",
       "webhook url: host 64:ff9b::a00:1 is not a public address (private); "
       "refused (set allow_private_destinations to allow)"},
      {"http://10.0.0.1/",
       "webhook url: host 10.0.0.1 is not a public address (private); refused (set "
       "allow_private_destinations to allow)"},
      {"http://[fe80::1]/",
       "webhook url: host fe80::1 is not a public address (link-local); refused (set "
       "allow_private_destinations to allow)"},
      {"http://100.64.0.1/",
       "webhook url: host 100.64.0.1 is not a public address (shared); refused (set "
       "allow_private_destinations to allow)"},
      {"http://0.0.0.0/",
       "webhook url: host 0.0.0.0 is not a public address (unspecified); refused (set "
       "allow_private_destinations to allow)"},
      {"http://224.0.0.1/",
       "webhook url: host 224.0.0.1 is not a public address (multicast); refused (set "
       "allow_private_destinations to allow)"},
      {"http://192.0.2.1/",
       "webhook url: host 192.0.2.1 is not a public address (reserved); refused (set "
       "allow_private_destinations to allow)"},
  };
  for (const auto& c : cases) {
    const WebhookUrl u = url_of(c.url);
    auto refused = check_destination(u, strict);
    ASSERT_FALSE(refused.ok()) << c.url;
    EXPECT_EQ(refused.status().code(), ErrorCode::kFailedPrecondition) << c.url;
    EXPECT_EQ(refused.status().message(), c.message) << c.url;
    auto allowed = check_destination(u, allow);
    ASSERT_TRUE(allowed.ok()) << c.url << ": " << allowed.status().message();
    EXPECT_EQ(allowed->addresses, std::vector<std::string>{u.host});
    EXPECT_EQ(allowed->url.host, u.host);
  }
}

TEST(CheckDestinationTest, PublicLiteralPassesWithoutResolving) {
  auto d = check_destination(url_of("https://93.184.216.34:8443/in"), DestinationPolicy{});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->addresses, std::vector<std::string>{"93.184.216.34"});
  EXPECT_EQ(d->url.port, 8443);
  EXPECT_EQ(d->url.path_and_query, "/in");
  auto v6 = check_destination(url_of("https://[2606:4700::1111]/"), DestinationPolicy{});
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->addresses, std::vector<std::string>{"2606:4700::1111"});
}

TEST(CheckDestinationTest, NameResolvingToLoopbackIsRefusedByDefault) {
  const WebhookUrl u = url_of("http://localhost:9/hook");
  auto refused = check_destination(u, DestinationPolicy{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kFailedPrecondition);
  const std::string m = refused.status().message();
  // localhost resolves to 127.0.0.1 and / or ::1, whichever the resolver gives first.
  const bool named = m == "webhook url: host localhost resolves to 127.0.0.1 (loopback); refused "
                          "(set allow_private_destinations to allow)" ||
                     m == "webhook url: host localhost resolves to ::1 (loopback); refused (set "
                          "allow_private_destinations to allow)";
  EXPECT_TRUE(named) << m;

  DestinationPolicy allow;
  allow.allow_private_destinations = true;
  auto allowed = check_destination(u, allow);
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  ASSERT_FALSE(allowed->addresses.empty());
  for (const auto& a : allowed->addresses) {
    auto cls = classify_ip(a);
    ASSERT_TRUE(cls.ok()) << a;
    EXPECT_EQ(*cls, IpClass::kLoopback) << a;
  }
  EXPECT_EQ(allowed->url.host, "localhost");
}

TEST(CheckDestinationTest, NameThatDoesNotResolveIsUnavailable) {
  // ".invalid" is guaranteed never to resolve (RFC 6761).
  auto d = check_destination(url_of("https://nothing.invalid/"), DestinationPolicy{});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(d.status().message().rfind("webhook url: host nothing.invalid does not resolve (", 0),
            0u)
      << d.status().message();
}

}  // namespace
}  // namespace usd1pay
