// The character-level helpers behind both payment URI formats.
#include "request/uri_text.h"

#include <gtest/gtest.h>

#include <string>

namespace usd1pay::uri {
namespace {

TEST(UriTextTest, PercentEncodeKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode(" +&=?/#%:@"), "%20%2B%26%3D%3F%2F%23%25%3A%40");
  EXPECT_EQ(percent_encode("\xe2\x82\xac"), "%E2%82%AC");  // U+20AC EURO SIGN
  EXPECT_EQ(percent_encode(std::string("\0", 1)), "%00");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(UriTextTest, PercentDecodeMapsEachByteToItsSource) {
  auto d = percent_decode("a%20b%e2%82%ACc", 10, false, "'x'");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->text,
            "a b\xe2\x82\xac"
            "c");
  EXPECT_EQ(d->origin, (std::vector<std::size_t>{10, 11, 14, 15, 18, 21, 24}));
}

TEST(UriTextTest, PlusIsSpaceOnlyWhenAskedFor) {
  EXPECT_EQ(percent_decode("a+b%2B", 0, true, "'x'")->text, "a b+");
  EXPECT_EQ(percent_decode("a+b%2B", 0, false, "'x'")->text, "a+b+");
}

TEST(UriTextTest, PercentDecodeRejections) {
  struct Case {
    const char* raw;
    const char* message;
  };
  const Case cases[] = {
      {"%", "uri: bad percent-encoding '%' in 'x' at position 100"},
      {"ab%4", "uri: bad percent-encoding '%4' in 'x' at position 102"},
      {"%G1", "uri: bad percent-encoding '%G1' in 'x' at position 100"},
      {"%1G", "uri: bad percent-encoding '%1G' in 'x' at position 100"},
      {"ok%FF", "uri: invalid UTF-8 in 'x' at position 102"},
      {"%C3%28", "uri: invalid UTF-8 in 'x' at position 100"},        // bad continuation
      {"%C0%AF", "uri: invalid UTF-8 in 'x' at position 100"},        // overlong '/'
      {"%E0%80%AF", "uri: invalid UTF-8 in 'x' at position 100"},     // overlong, 3 bytes
      {"%ED%A0%80", "uri: invalid UTF-8 in 'x' at position 100"},     // surrogate U+D800
      {"%F4%90%80%80", "uri: invalid UTF-8 in 'x' at position 100"},  // above U+10FFFF
      {"%F0%9F%8D", "uri: invalid UTF-8 in 'x' at position 100"},     // truncated
      {"a%80", "uri: invalid UTF-8 in 'x' at position 101"},          // lone continuation
  };
  for (const auto& c : cases) {
    auto d = percent_decode(c.raw, 100, false, "'x'");
    ASSERT_FALSE(d.ok()) << c.raw;
    EXPECT_EQ(d.status().code(), ErrorCode::kInvalidArgument) << c.raw;
    EXPECT_EQ(d.status().message(), c.message) << c.raw;
  }
}

TEST(UriTextTest, UriCharacters) {
  EXPECT_TRUE(check_uri_characters("solana:abc?x=1&y=%20+!$'()*,;@/:~._-").ok());
  struct Case {
    std::string uri;
    const char* message;
  };
  const Case cases[] = {
      {"a b", "uri: bad character ' ' at position 1"},
      {"ab#c", "uri: bad character '#' at position 2"},
      {"x[0]", "uri: bad character '[' at position 1"},
      {"\xc3\xa9", "uri: bad character byte 0xc3 at position 0"},
      {std::string("a\0", 2), "uri: bad character byte 0x00 at position 1"},
      {"a\"", "uri: bad character '\"' at position 1"},
      {"a<", "uri: bad character '<' at position 1"},
      {"a\\", "uri: bad character '\\' at position 1"},
  };
  for (const auto& c : cases) {
    const Status s = check_uri_characters(c.uri);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << c.uri;
    EXPECT_EQ(s.message(), c.message) << c.uri;
  }
}

TEST(UriTextTest, SplitQuery) {
  auto p = split_query("a=1&b=&c==x", 5);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ((*p)[0].key, "a");
  EXPECT_EQ((*p)[0].value, "1");
  EXPECT_EQ((*p)[0].key_pos, 5u);
  EXPECT_EQ((*p)[0].value_pos, 7u);
  EXPECT_EQ((*p)[1].value, "");
  EXPECT_EQ((*p)[2].value, "=x");
  EXPECT_EQ((*p)[2].value_pos, 14u);

  EXPECT_EQ(split_query("", 5).status().message(), "uri: empty parameter at position 5");
  EXPECT_EQ(split_query("a=1&", 5).status().message(), "uri: empty parameter at position 9");
  EXPECT_EQ(split_query("a=1&&b=2", 5).status().message(), "uri: empty parameter at position 9");
  EXPECT_EQ(split_query("a=1&b", 5).status().message(),
            "uri: parameter 'b' has no '=' at position 9");
  EXPECT_EQ(split_query("=1", 5).status().message(),
            "uri: parameter with empty name at position 5");
  EXPECT_EQ(split_query("=1", 5).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace usd1pay::uri
