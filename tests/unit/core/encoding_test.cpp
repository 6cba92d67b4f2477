#include "usd1pay/encoding.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace usd1pay {
namespace {

Bytes B(std::initializer_list<int> v) {
  Bytes b;
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
  return b;
}

struct Rejection {
  const char* input;
  ErrorCode code;
  const char* message;  // the whole message
};

TEST(QuoteCharTest, PrintableAndNot) {
  EXPECT_EQ(quote_char('g'), "'g'");
  EXPECT_EQ(quote_char(' '), "' '");
  EXPECT_EQ(quote_char('\n'), "byte 0x0a");
  EXPECT_EQ(quote_char('\xff'), "byte 0xff");
}

// ---- hex ----

TEST(HexTest, EncodesLowercase) {
  EXPECT_EQ(hex_encode(Bytes{}), "");
  EXPECT_EQ(hex_encode(B({0x00, 0xab, 0xCD, 0xff})), "00abcdff");
  EXPECT_EQ(hex_encode(B({0x01, 0xfe}), true), "0x01fe");
  EXPECT_EQ(hex_encode(Bytes{}, true), "0x");
}

TEST(HexTest, DecodesEitherCase) {
  EXPECT_EQ(hex_decode("00abCDfF").value(), B({0x00, 0xab, 0xcd, 0xff}));
  EXPECT_EQ(hex_decode("").value(), Bytes{});
  EXPECT_EQ(hex_decode("0x01fe", HexPrefix::kOptional).value(), B({0x01, 0xfe}));
  EXPECT_EQ(hex_decode("01fe", HexPrefix::kOptional).value(), B({0x01, 0xfe}));
  EXPECT_EQ(hex_decode("0x01fe", HexPrefix::kRequire).value(), B({0x01, 0xfe}));
  EXPECT_EQ(hex_decode("0x", HexPrefix::kRequire).value(), Bytes{});
}

TEST(HexTest, RoundTripsRandomBytes) {
  std::mt19937 rng(1);
  for (int n = 0; n < 100; ++n) {
    Bytes b(static_cast<std::size_t>(n));
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    EXPECT_EQ(hex_decode(hex_encode(b)).value(), b);
    EXPECT_EQ(hex_decode(hex_encode(b, true), HexPrefix::kRequire).value(), b);
  }
}

TEST(HexTest, Rejections) {
  const struct {
    const char* input;
    HexPrefix prefix;
    const char* message;
  } cases[] = {
      {"0g", HexPrefix::kRefuse, "hex: bad character 'g' at position 1"},
      {"0x00", HexPrefix::kRefuse, "hex: bad character 'x' at position 1"},
      {"0X00", HexPrefix::kOptional, "hex: bad character 'X' at position 1"},
      {"0x0z", HexPrefix::kOptional, "hex: bad character 'z' at position 3"},
      {"abc", HexPrefix::kRefuse, "hex: odd number of digits (3)"},
      {"0xabc", HexPrefix::kRequire, "hex: odd number of digits (3)"},
      {"abcd", HexPrefix::kRequire, "hex: missing 0x prefix"},
      {"", HexPrefix::kRequire, "hex: missing 0x prefix"},
      {"ab cd", HexPrefix::kRefuse, "hex: bad character ' ' at position 2"},
      {"ab\n", HexPrefix::kRefuse, "hex: bad character byte 0x0a at position 2"},
  };
  for (const auto& c : cases) {
    const auto r = hex_decode(c.input, c.prefix);
    ASSERT_FALSE(r.ok()) << c.input;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << c.input;
    EXPECT_EQ(r.status().message(), c.message) << c.input;
  }
}

// ---- base58 ----

// Vectors from the Bitcoin Core base58 test data (base58_encode_decode.json).
struct Base58Case {
  const char* hex;
  const char* b58;
};
const Base58Case kBase58Cases[] = {
    {"", ""},
    {"61", "2g"},
    {"626262", "a3gV"},
    {"636363", "aPEr"},
    {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
    {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
    {"516b6fcd0f", "ABnLTmg"},
    {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
    {"572e4794", "3EFU7m"},
    {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
    {"10c8511e", "Rt5zm"},
    {"00000000000000000000", "1111111111"},
    {"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
     "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
};

TEST(Base58Test, KnownVectors) {
  for (const auto& c : kBase58Cases) {
    const Bytes bytes = hex_decode(c.hex).value();
    EXPECT_EQ(base58_encode(bytes), c.b58) << c.hex;
    const auto decoded = base58_decode(c.b58);
    ASSERT_TRUE(decoded.ok()) << c.b58 << ": " << decoded.status().message();
    EXPECT_EQ(hex_encode(*decoded), c.hex) << c.b58;
  }
}

TEST(Base58Test, RoundTripsRandomBytesWithLeadingZeros) {
  std::mt19937 rng(2);
  for (int n = 0; n < 300; ++n) {
    Bytes b(static_cast<std::size_t>(rng() % 70));
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    const std::size_t zeros = rng() % 4;
    for (std::size_t i = 0; i < zeros && i < b.size(); ++i) b[i] = 0;
    const std::string s = base58_encode(b);
    EXPECT_EQ(base58_decode(s).value(), b) << s;
  }
}

TEST(Base58Test, Rejections) {
  const Rejection cases[] = {
      {"0", ErrorCode::kInvalidArgument, "base58: bad character '0' at position 0"},
      {"abcO", ErrorCode::kInvalidArgument, "base58: bad character 'O' at position 3"},
      {"11I", ErrorCode::kInvalidArgument, "base58: bad character 'I' at position 2"},
      {"1l", ErrorCode::kInvalidArgument, "base58: bad character 'l' at position 1"},
      {"ab+", ErrorCode::kInvalidArgument, "base58: bad character '+' at position 2"},
      {" 2g", ErrorCode::kInvalidArgument, "base58: bad character ' ' at position 0"},
  };
  for (const auto& c : cases) {
    const auto r = base58_decode(c.input);
    ASSERT_FALSE(r.ok()) << c.input;
    EXPECT_EQ(r.status().code(), c.code) << c.input;
    EXPECT_EQ(r.status().message(), c.message) << c.input;
  }
  EXPECT_EQ(base58_find_invalid("2g0"), 2u);
  EXPECT_EQ(base58_find_invalid("2g"), std::string_view::npos);
}

TEST(Base58CheckTest, BitcoinAddress) {
  // The Bitcoin genesis coinbase address: version 0x00 + HASH160.
  const Bytes payload = hex_decode("0062e907b15cbf27d5425399ebf6f0fb50ebb88f18").value();
  EXPECT_EQ(base58check_encode(payload), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
  EXPECT_EQ(base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa").value(), payload);
}

TEST(Base58CheckTest, Rejections) {
  const Rejection cases[] = {
      // Last character changed: the checksum no longer verifies.
      {"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", ErrorCode::kChecksumMismatch,
       "base58check: checksum does not match"},
      {"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0", ErrorCode::kInvalidArgument,
       "base58check: bad character '0' at position 33"},
      {"2g", ErrorCode::kInvalidArgument, "base58check: too short (1 bytes, need at least 4)"},
      {"", ErrorCode::kInvalidArgument, "base58check: too short (0 bytes, need at least 4)"},
  };
  for (const auto& c : cases) {
    const auto r = base58check_decode(c.input);
    ASSERT_FALSE(r.ok()) << c.input;
    EXPECT_EQ(r.status().code(), c.code) << c.input;
    EXPECT_EQ(r.status().message(), c.message) << c.input;
  }
}

TEST(Base58CheckTest, EmptyPayloadRoundTrips) {
  const std::string s = base58check_encode(Bytes{});
  EXPECT_EQ(base58check_decode(s).value(), Bytes{});
}

// ---- base64 ----

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(base64_encode(ByteView::of(plain)), encoded);
    const auto d = base64_decode(encoded);
    ASSERT_TRUE(d.ok()) << encoded;
    EXPECT_EQ(std::string(d->begin(), d->end()), plain);
  }
  EXPECT_EQ(base64_encode(B({0xfb, 0xff, 0xbf})), "+/+/");
  EXPECT_EQ(base64_decode("+/+/").value(), B({0xfb, 0xff, 0xbf}));
}

TEST(Base64Test, RoundTripsRandomBytes) {
  std::mt19937 rng(3);
  for (int n = 0; n < 200; ++n) {
    Bytes b(static_cast<std::size_t>(n % 50));
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    EXPECT_EQ(base64_decode(base64_encode(b)).value(), b);
  }
}

TEST(Base64Test, Rejections) {
  const Rejection cases[] = {
      {"Zg=", ErrorCode::kInvalidArgument, "base64: length 3 is not a multiple of 4"},
      {"Zg", ErrorCode::kInvalidArgument, "base64: length 2 is not a multiple of 4"},
      {"Zm9v\n", ErrorCode::kInvalidArgument, "base64: length 5 is not a multiple of 4"},
      {"Zm-v", ErrorCode::kInvalidArgument, "base64: bad character '-' at position 2"},
      {"Zm_v", ErrorCode::kInvalidArgument, "base64: bad character '_' at position 2"},
      {"Zm 9", ErrorCode::kInvalidArgument, "base64: bad character ' ' at position 2"},
      {"Z===", ErrorCode::kInvalidArgument, "base64: misplaced padding at position 1"},
      {"====", ErrorCode::kInvalidArgument, "base64: misplaced padding at position 0"},
      {"Zg==Zm9v", ErrorCode::kInvalidArgument, "base64: misplaced padding at position 2"},
      {"Zh==", ErrorCode::kInvalidArgument,
       "base64: non-zero unused bits in the character at position 1"},
      {"Zm9=", ErrorCode::kInvalidArgument,
       "base64: non-zero unused bits in the character at position 2"},
  };
  for (const auto& c : cases) {
    const auto r = base64_decode(c.input);
    ASSERT_FALSE(r.ok()) << c.input;
    EXPECT_EQ(r.status().code(), c.code) << c.input;
    EXPECT_EQ(r.status().message(), c.message) << c.input;
  }
}

TEST(Utf8Test, FindInvalidUtf8) {
  constexpr auto npos = std::string_view::npos;
  EXPECT_EQ(find_invalid_utf8(""), npos);
  EXPECT_EQ(find_invalid_utf8("abc \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), npos);
  // U+007F, U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF.
  EXPECT_EQ(find_invalid_utf8("\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80"
                              "\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
            npos);
  EXPECT_EQ(find_invalid_utf8("\x80"), 0u);
  EXPECT_EQ(find_invalid_utf8("a\xc3"), 1u);               // truncated
  EXPECT_EQ(find_invalid_utf8("ab\xe0\x80\x80"), 2u);      // overlong 3-byte
  EXPECT_EQ(find_invalid_utf8("\xc1\xbf"), 0u);            // overlong 2-byte
  EXPECT_EQ(find_invalid_utf8("\xed\xa0\x80"), 0u);        // surrogate
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);    // > U+10FFFF
  EXPECT_EQ(find_invalid_utf8("ab\xf5\x80\x80\x80"), 2u);  // lead byte above F4
  EXPECT_EQ(find_invalid_utf8("\xf0\x9f\x98"), 0u);        // truncated 4-byte
  EXPECT_EQ(find_invalid_utf8("\xe2\x28\xa1"), 0u);        // bad continuation
}

// ASCII is skipped eight bytes at a time: a bad byte (or a valid multi-byte
// sequence) at, before and after every word boundary is still found.
TEST(Utf8Test, FindInvalidUtf8AfterLongAsciiRuns) {
  constexpr auto npos = std::string_view::npos;
  for (std::size_t prefix = 0; prefix <= 25; ++prefix) {
    for (std::size_t suffix = 0; suffix <= 9; ++suffix) {
      const std::string head(prefix, 'a');
      const std::string tail(suffix, 'z');
      EXPECT_EQ(find_invalid_utf8(head + tail), npos) << prefix << "+" << suffix;
      EXPECT_EQ(find_invalid_utf8(head + "\x80" + tail), prefix) << prefix << "+" << suffix;
      EXPECT_EQ(find_invalid_utf8(head + "\xff" + tail), prefix) << prefix << "+" << suffix;
      EXPECT_EQ(find_invalid_utf8(head + "\xc3\xa9" + tail), npos) << prefix << "+" << suffix;
      EXPECT_EQ(find_invalid_utf8(head + "\xc3\xa9" + tail + "\xc3"), prefix + 2 + suffix)
          << prefix << "+" << suffix;  // truncated at the very end
      EXPECT_EQ(find_invalid_utf8(head + "\xf0\x9f\x98\x80" + tail + "\xed\xa0\x80"),
                prefix + 4 + suffix)
          << prefix << "+" << suffix;
    }
  }
  // A NUL is ASCII.
  EXPECT_EQ(find_invalid_utf8(std::string_view("abcdefgh\0ijklmnop", 17)), npos);
}

}  // namespace
}  // namespace usd1pay
