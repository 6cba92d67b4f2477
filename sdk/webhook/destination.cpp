// Webhook destinations: the strict URL parser, the IP classifier and the SSRF
// guard (see webhook_dispatcher.h, section "URLs").
//
// The parser accepts what a merchant types for a webhook receiver and nothing
// that different URL parsers read differently: hosts are LDH DNS names, strict
// dotted-quad IPv4 literals or bracketed IPv6 literals. The numeric shorthands
// that inet_aton and browsers accept ("127.1", "0x7f.0.0.1", "2130706433",
// "0177.0.0.1") are refused: they are classic ways of writing a loopback or
// metadata address that a naive filter does not recognise.
//
// The classifier follows the IANA special-purpose address registries
// (RFC 6890 and successors). IPv6 forms that carry an IPv4 address (mapped,
// compatible, NAT64, 6to4, Teredo) are classified by that IPv4 address, so
// "::ffff:169.254.169.254" is metadata like the address it embeds.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "usd1pay/encoding.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {
namespace {

constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxHostBytes = 253;
constexpr std::size_t kMaxLabelBytes = 63;

Status bad_url(const std::string& what, std::size_t pos) {
  return Status(ErrorCode::kInvalidArgument,
                "webhook url: " + what + " at position " + std::to_string(pos));
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// RFC 3986 characters allowed in a path or query (unreserved, sub-delims,
// ':', '@', '/', '?', and '%' starting a percent-encoding).
bool path_char_ok(char c) {
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':  // unreserved
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':  // sub-delims
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
    case '/':
    case '?':
    case '%': return true;
    default: return false;
  }
}

// True when the label looks like a number to a WHATWG / inet_aton parser
// ("127", "0x7f", "0X", "017"): such a last label makes the host an IPv4
// address to them, whatever the other labels say.
bool numeric_label(std::string_view label) {
  if (label.empty()) return false;
  if (label.size() >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
    for (char c : label.substr(2)) {
      if (hex_digit_value(c) < 0) return false;
    }
    return true;
  }
  return std::all_of(label.begin(), label.end(), is_digit);
}

// Strict dotted quad: four decimal parts 0..255 without leading zeros.
bool strict_dotted_quad(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    int value = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 4) {
      value = value * 10 + (s[i] - '0');
      ++i;
    }
    const std::size_t len = i - start;
    if (len == 0 || len > 3 || value > 255 || (len > 1 && s[start] == '0')) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
  return parts == 4;
}

Status parse_host(std::string_view host, std::size_t at, WebhookUrl& out) {
  if (host.empty()) return bad_url("missing host", at);
  if (host.size() > kMaxHostBytes) {
    return bad_url("host longer than " + std::to_string(kMaxHostBytes) + " bytes", at);
  }
  if (host.back() == '.') {
    return bad_url("host ends with '.' (write the name without the trailing dot)",
                   at + host.size() - 1);
  }
  // The last label decides whether other parsers read the host as IPv4.
  const std::size_t last_dot = host.rfind('.');
  const std::string_view last =
      last_dot == std::string_view::npos ? host : host.substr(last_dot + 1);
  if (numeric_label(last)) {
    if (!strict_dotted_quad(host)) {
      return bad_url("host \"" + std::string(host) +
                         "\" is not a dotted-quad IPv4 address (four decimal parts 0..255 "
                         "without leading zeros; short, octal and hex forms are refused because "
                         "they are used to disguise internal addresses)",
                     at);
    }
    out.host = std::string(host);
    return Status();
  }
  std::size_t label_start = 0;
  out.host.clear();
  out.host.reserve(host.size());
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      const std::size_t len = i - label_start;
      if (len == 0) return bad_url("empty label in the host", at + i);
      if (len > kMaxLabelBytes) {
        return bad_url("host label longer than " + std::to_string(kMaxLabelBytes) + " bytes",
                       at + label_start);
      }
      if (host[label_start] == '-') return bad_url("host label starts with '-'", at + label_start);
      if (host[i - 1] == '-') return bad_url("host label ends with '-'", at + i - 1);
      label_start = i + 1;
      if (i < host.size()) out.host.push_back('.');
      continue;
    }
    const char c = host[i];
    if (!is_alpha(c) && !is_digit(c) && c != '-') {
      return bad_url("bad character " + quote_char(c) +
                         " in the host (letters, digits, '-' and '.'; write international names "
                         "in their xn-- form)",
                     at + i);
    }
    out.host.push_back(to_lower(c));
  }
  return Status();
}

Status parse_ipv6_host(std::string_view inside, std::size_t at, WebhookUrl& out) {
  if (inside.empty()) return bad_url("empty IPv6 address", at);
  const std::size_t zone = inside.find('%');
  if (zone != std::string_view::npos) {
    return bad_url("IPv6 zone identifiers ('%') are not supported", at + zone);
  }
  for (std::size_t i = 0; i < inside.size(); ++i) {
    const char c = inside[i];
    if (hex_digit_value(c) < 0 && c != ':' && c != '.') {
      return bad_url("bad character " + quote_char(c) + " in the IPv6 address", at + i);
    }
  }
  in6_addr addr{};
  const std::string text(inside);
  if (inside.size() > INET6_ADDRSTRLEN || inet_pton(AF_INET6, text.c_str(), &addr) != 1) {
    return bad_url("\"" + text + "\" is not an IPv6 address", at);
  }
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (inet_ntop(AF_INET6, &addr, buf.data(), buf.size()) == nullptr) {
    return bad_url("\"" + text + "\" is not an IPv6 address", at);
  }
  out.host = buf.data();  // canonical (RFC 5952) form
  return Status();
}

// ---- classification ----

std::uint32_t v4_of(const std::uint8_t* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

bool in_v4(std::uint32_t a, std::uint32_t net, int bits) {
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (a & mask) == net;
}

constexpr std::uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

IpClass classify_v4(std::uint32_t a) {
  // Exact addresses first: cloud metadata services inside larger ranges.
  if (a == ip4(169, 254, 169, 254) ||  // AWS, GCP, Azure, OpenStack, DigitalOcean, ...
      a == ip4(169, 254, 170, 2) ||    // AWS ECS task metadata
      a == ip4(100, 100, 100, 200) ||  // Alibaba Cloud
      a == ip4(192, 0, 0, 192)) {      // Oracle Cloud (classic)
    return IpClass::kMetadata;
  }
  if (a == ip4(255, 255, 255, 255)) return IpClass::kReserved;  // limited broadcast
  struct Range {
    std::uint32_t net;
    int bits;
    IpClass cls;
  };
  static constexpr Range kRanges[] = {
      {ip4(0, 0, 0, 0), 8, IpClass::kUnspecified},     // "this network"
      {ip4(10, 0, 0, 0), 8, IpClass::kPrivate},        // RFC 1918
      {ip4(100, 64, 0, 0), 10, IpClass::kShared},      // RFC 6598 carrier-grade NAT
      {ip4(127, 0, 0, 0), 8, IpClass::kLoopback},      // RFC 1122
      {ip4(169, 254, 0, 0), 16, IpClass::kLinkLocal},  // RFC 3927
      {ip4(172, 16, 0, 0), 12, IpClass::kPrivate},     // RFC 1918
      {ip4(192, 0, 0, 0), 24, IpClass::kReserved},     // RFC 6890 IETF protocol assignments
      {ip4(192, 0, 2, 0), 24, IpClass::kReserved},     // RFC 5737 TEST-NET-1
      {ip4(192, 88, 99, 0), 24, IpClass::kReserved},   // RFC 7526 6to4 relay anycast
      {ip4(192, 168, 0, 0), 16, IpClass::kPrivate},    // RFC 1918
      {ip4(198, 18, 0, 0), 15, IpClass::kReserved},    // RFC 2544 benchmarking
      {ip4(198, 51, 100, 0), 24, IpClass::kReserved},  // RFC 5737 TEST-NET-2
      {ip4(203, 0, 113, 0), 24, IpClass::kReserved},   // RFC 5737 TEST-NET-3
      {ip4(224, 0, 0, 0), 4, IpClass::kMulticast},     // RFC 5771
      {ip4(240, 0, 0, 0), 4, IpClass::kReserved},      // RFC 1112 future use
  };
  for (const auto& r : kRanges) {
    if (in_v4(a, r.net, r.bits)) return r.cls;
  }
  return IpClass::kPublic;
}

bool prefix_is(const std::uint8_t* b, std::initializer_list<std::uint8_t> prefix) {
  std::size_t i = 0;
  for (std::uint8_t p : prefix) {
    if (b[i++] != p) return false;
  }
  return true;
}

bool all_zero(const std::uint8_t* b, std::size_t n) {
  return std::all_of(b, b + n, [](std::uint8_t x) { return x == 0; });
}

IpClass classify_v6(const std::uint8_t* b) {
  if (all_zero(b, 16)) return IpClass::kUnspecified;             // ::
  if (all_zero(b, 15) && b[15] == 1) return IpClass::kLoopback;  // ::1
  // IPv4 embedded in the last 32 bits.
  if (all_zero(b, 10) && b[10] == 0xff && b[11] == 0xff)
    return classify_v4(v4_of(b + 12));  // mapped
  if (all_zero(b, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0) {
    return classify_v4(v4_of(b + 12));  // ::ffff:0:a.b.c.d (SIIT, RFC 7915)
  }
  if (all_zero(b, 12)) return classify_v4(v4_of(b + 12));  // IPv4-compatible (deprecated)
  if (prefix_is(b, {0x00, 0x64, 0xff, 0x9b}) && all_zero(b + 4, 8)) {
    return classify_v4(v4_of(b + 12));  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052)
  }
  if (prefix_is(b, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01})) {
    return IpClass::kPrivate;  // 64:ff9b:1::/48 local-use NAT64 (RFC 8215)
  }
  if (prefix_is(b, {0x01, 0x00}) && all_zero(b + 2, 6)) return IpClass::kReserved;  // 100::/64
  if (prefix_is(b, {0x20, 0x02})) return classify_v4(v4_of(b + 2));  // 6to4 2002::/16
  if (prefix_is(b, {0x20, 0x01, 0x00, 0x00})) {
    // Teredo 2001::/32: the client's IPv4 address, bits inverted, in the last 32 bits.
    return classify_v4(~v4_of(b + 12));
  }
  if (prefix_is(b, {0x20, 0x01, 0x0d, 0xb8})) return IpClass::kReserved;  // 2001:db8::/32 docs
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02) {
    return IpClass::kReserved;  // 2001::/23 IETF protocol assignments (benchmarking, ORCHID, ...)
  }
  if (b[0] == 0x3f && b[1] == 0xff && b[2] < 0x10) return IpClass::kReserved;  // 3fff::/20 docs
  if (b[0] == 0x5f && b[1] == 0x00) return IpClass::kReserved;  // 5f00::/16 SRv6 SIDs
  if (prefix_is(b, {0xfd, 0x00, 0x0e, 0xc2}) && all_zero(b + 4, 10) && b[14] == 0x02 &&
      b[15] == 0x54) {
    return IpClass::kMetadata;  // fd00:ec2::254 (AWS, IPv6)
  }
  if ((b[0] & 0xfe) == 0xfc) return IpClass::kPrivate;                    // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return IpClass::kLinkLocal;  // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return IpClass::kPrivate;    // fec0::/10 site-local
  if (b[0] == 0xff) return IpClass::kMulticast;                           // ff00::/8
  if ((b[0] & 0xe0) != 0x20) return IpClass::kReserved;  // outside 2000::/3 global unicast
  return IpClass::kPublic;
}

}  // namespace

Result<WebhookUrl> parse_webhook_url(std::string_view url) {
  if (url.empty()) return Status(ErrorCode::kInvalidArgument, "webhook url: empty");
  if (url.size() > kMaxUrlBytes) {
    return Status(ErrorCode::kInvalidArgument, "webhook url: longer than " +
                                                   std::to_string(kMaxUrlBytes) + " bytes (" +
                                                   std::to_string(url.size()) + ")");
  }
  for (std::size_t i = 0; i < url.size(); ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c >= 0x7f) return bad_url("bad character " + quote_char(url[i]), i);
  }
  WebhookUrl out;
  std::size_t i = 0;
  while (i < url.size() && (is_alpha(url[i]) || is_digit(url[i]) || url[i] == '+' ||
                            url[i] == '-' || url[i] == '.')) {
    out.scheme.push_back(to_lower(url[i]));
    ++i;
  }
  if (url.substr(i, 3) != "://" || (out.scheme != "http" && out.scheme != "https")) {
    return bad_url("expected http:// or https://", 0);
  }
  out.port = out.scheme == "https" ? 443 : 80;
  i += 3;
  const std::size_t fragment = url.find('#');
  if (fragment != std::string_view::npos)
    return bad_url("a fragment ('#') is not allowed", fragment);

  const std::size_t authority_start = i;
  const std::size_t authority_end = std::min(url.find_first_of("/?", i), url.size());
  const std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  const std::size_t at_sign = authority.find('@');
  if (at_sign != std::string_view::npos) {
    return bad_url("user info ('@') is not allowed (put credentials in the path or a header)",
                   authority_start + at_sign);
  }
  std::string_view port;
  std::size_t port_at = 0;
  if (!authority.empty() && authority[0] == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return bad_url("unterminated '[' in the host", authority_start);
    }
    USD1PAY_RETURN_IF_ERROR(
        parse_ipv6_host(authority.substr(1, close - 1), authority_start + 1, out));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        return bad_url("expected ':' or '/' after the IPv6 address", authority_start + close + 1);
      }
      port = after.substr(1);
      port_at = authority_start + close + 2;
    }
  } else {
    const std::size_t colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    USD1PAY_RETURN_IF_ERROR(parse_host(host, authority_start, out));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      port_at = authority_start + colon + 1;
    }
  }
  if (port_at != 0) {
    if (port.empty()) return bad_url("empty port", port_at);
    std::uint32_t value = 0;
    for (std::size_t k = 0; k < port.size(); ++k) {
      if (!is_digit(port[k]))
        return bad_url("bad character " + quote_char(port[k]) + " in the port", port_at + k);
      if (k >= 5) return bad_url("port out of range 1..65535", port_at);
      value = value * 10 + static_cast<std::uint32_t>(port[k] - '0');
    }
    if (value < 1 || value > 65535) return bad_url("port out of range 1..65535", port_at);
    out.port = static_cast<std::uint16_t>(value);
  }

  const std::string_view rest = url.substr(authority_end);
  for (std::size_t k = 0; k < rest.size(); ++k) {
    const char c = rest[k];
    if (!path_char_ok(c)) {
      return bad_url("bad character " + quote_char(c) + " in the path (percent-encode it)",
                     authority_end + k);
    }
    if (c == '%' && (k + 2 >= rest.size() || hex_digit_value(rest[k + 1]) < 0 ||
                     hex_digit_value(rest[k + 2]) < 0)) {
      return bad_url("'%' not followed by two hex digits", authority_end + k);
    }
  }
  out.path_and_query = rest.empty() || rest[0] == '?' ? "/" + std::string(rest) : std::string(rest);
  return out;
}

std::string_view ip_class_name(IpClass c) noexcept {
  switch (c) {
    case IpClass::kPublic: return "public";
    case IpClass::kLoopback: return "loopback";
    case IpClass::kPrivate: return "private";
    case IpClass::kLinkLocal: return "link-local";
    case IpClass::kMetadata: return "metadata";
    case IpClass::kShared: return "shared";
    case IpClass::kUnspecified: return "unspecified";
    case IpClass::kMulticast: return "multicast";
    case IpClass::kReserved: return "reserved";
  }
  return "unknown";
}

Result<IpClass> classify_ip(std::string_view literal) {
  const std::string text(literal);
  if (literal.size() <= INET6_ADDRSTRLEN) {
    in_addr v4{};
    if (literal.find(':') == std::string_view::npos && strict_dotted_quad(literal) &&
        inet_pton(AF_INET, text.c_str(), &v4) == 1) {
      std::uint8_t b[4];
      std::memcpy(b, &v4, 4);
      return classify_v4(v4_of(b));
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
      std::uint8_t b[16];
      std::memcpy(b, &v6, 16);
      return classify_v6(b);
    }
  }
  return Status(ErrorCode::kInvalidArgument,
                "ip address: \"" + text.substr(0, 64) + "\" is not an IPv4 or IPv6 literal");
}

Result<CheckedDestination> check_destination(const WebhookUrl& url,
                                             const DestinationPolicy& policy) {
  CheckedDestination out;
  out.url = url;
  // An IP literal is its own (only) address.
  auto literal = classify_ip(url.host);
  if (literal.ok()) {
    if (*literal != IpClass::kPublic && !policy.allow_private_destinations) {
      return Status(ErrorCode::kFailedPrecondition,
                    "webhook url: host " + url.host + " is not a public address (" +
                        std::string(ip_class_name(*literal)) +
                        "); refused (set allow_private_destinations to allow)");
    }
    out.addresses.push_back(url.host);
    return out;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(url.host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    return Status(ErrorCode::kUnavailable,
                  "webhook url: host " + url.host + " does not resolve (" + gai_strerror(rc) + ")");
  }
  std::vector<std::string> addresses;
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    const void* src = nullptr;
    if (ai->ai_family == AF_INET) {
      src = &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr;
    } else if (ai->ai_family == AF_INET6) {
      src = &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr;
    } else {
      continue;
    }
    if (inet_ntop(ai->ai_family, src, buf.data(), buf.size()) == nullptr) continue;
    std::string address = buf.data();
    if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
      addresses.push_back(std::move(address));
    }
  }
  freeaddrinfo(res);
  if (addresses.empty()) {
    return Status(ErrorCode::kUnavailable,
                  "webhook url: host " + url.host + " resolves to no IPv4 or IPv6 address");
  }
  for (const auto& address : addresses) {
    auto cls = classify_ip(address);
    if (!cls.ok()) return cls.status().with_context("webhook url: host " + url.host);
    if (*cls != IpClass::kPublic && !policy.allow_private_destinations) {
      return Status(ErrorCode::kFailedPrecondition,
                    "webhook url: host " + url.host + " resolves to " + address + " (" +
                        std::string(ip_class_name(*cls)) +
                        "); refused (set allow_private_destinations to allow)");
    }
  }
  out.addresses = std::move(addresses);
  return out;
}

}  // namespace usd1pay
