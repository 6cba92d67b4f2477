#include "usd1pay/address.h"

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>

#include "usd1pay/encoding.h"

namespace usd1pay {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper_body(std::string s) {
  for (std::size_t i = 2; i < s.size(); ++i) {
    s[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
  }
  return s;
}

// ---- EVM (EIP-55) ----

// The examples of the EIP-55 specification: each is its own checksummed
// spelling, including the two that happen to be all caps and all lowercase.
const char* const kEip55Examples[] = {
    "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
};

TEST(EvmAddressTest, Eip55ExamplesAreChecksummed) {
  for (const char* a : kEip55Examples) {
    const auto r = validate_address(ChainFamily::kEvm, a);
    ASSERT_TRUE(r.ok()) << a << ": " << r.status().message();
    EXPECT_EQ(r->family, ChainFamily::kEvm);
    EXPECT_EQ(r->canonical, a);
    EXPECT_TRUE(r->checksummed) << a;
    // Strict mode accepts them.
    EXPECT_TRUE(validate_address(ChainFamily::kEvm, a, AddressOptions{true}).ok()) << a;
    // evm_checksum_address spells the bytes the same way.
    const Bytes bytes = hex_decode(a, HexPrefix::kRequire).value();
    std::array<std::uint8_t, 20> arr{};
    std::copy(bytes.begin(), bytes.end(), arr.begin());
    EXPECT_EQ(evm_checksum_address(arr), a);
  }
}

TEST(EvmAddressTest, SingleCaseSpellingsAreValidWithoutChecksum) {
  const std::string a = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  for (const std::string& input : {lower(a), upper_body(a)}) {
    const auto r = validate_address(ChainFamily::kEvm, input);
    ASSERT_TRUE(r.ok()) << input << ": " << r.status().message();
    EXPECT_EQ(r->canonical, a) << input;
    EXPECT_FALSE(r->checksummed) << input;
  }
  // The all-caps example of the spec, lowercased: no longer its EIP-55 spelling.
  const auto r = validate_address(ChainFamily::kEvm, "0x52908400098527886e0f7030069857d2e4169ee7");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->canonical, "0x52908400098527886E0F7030069857D2E4169EE7");
  EXPECT_FALSE(r->checksummed);
}

TEST(EvmAddressTest, DigitsOnlyIsItsOwnChecksum) {
  const auto r = validate_address(ChainFamily::kEvm, "0x1234567890123456789012345678901234567890",
                                  AddressOptions{true});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->checksummed);
  EXPECT_EQ(r->canonical, "0x1234567890123456789012345678901234567890");
}

TEST(EvmAddressTest, ChecksumOfZeroAndAllOnes) {
  EXPECT_EQ(evm_checksum_address({}), "0x0000000000000000000000000000000000000000");
  std::array<std::uint8_t, 20> ff{};
  ff.fill(0xff);
  EXPECT_EQ(evm_checksum_address(ff), "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF");
}

struct Rejection {
  ChainFamily family;
  std::string input;
  bool strict;
  ErrorCode code;
  std::string message;  // the whole message
};

void PrintTo(const Rejection& r, std::ostream* os) {
  *os << "family " << static_cast<int>(r.family) << " input \"" << r.input << "\"";
}

class AddressRejectionTest : public ::testing::TestWithParam<Rejection> {};

TEST_P(AddressRejectionTest, SaysWhatAndWhere) {
  const Rejection& c = GetParam();
  const auto r = validate_address(c.family, c.input, AddressOptions{c.strict});
  ASSERT_FALSE(r.ok()) << c.input;
  EXPECT_EQ(r.status().code(), c.code) << c.input;
  EXPECT_EQ(r.status().message(), c.message) << c.input;
}

const std::string kGood = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

INSTANTIATE_TEST_SUITE_P(
    Evm, AddressRejectionTest,
    ::testing::Values(
        Rejection{ChainFamily::kEvm, "", false, ErrorCode::kInvalidArgument, "address: empty"},
        Rejection{ChainFamily::kEvm, std::string(129, 'a'), false, ErrorCode::kInvalidArgument,
                  "address: too long (129 characters, at most 128 accepted)"},
        Rejection{ChainFamily::kEvm, kGood.substr(2), false, ErrorCode::kInvalidArgument,
                  "address: missing 0x prefix"},
        Rejection{ChainFamily::kEvm, "0X" + kGood.substr(2), false, ErrorCode::kInvalidArgument,
                  "address: missing 0x prefix (found '0X'; the x must be lowercase)"},
        Rejection{ChainFamily::kEvm, " " + kGood, false, ErrorCode::kInvalidArgument,
                  "address: bad character ' ' at position 0"},
        Rejection{ChainFamily::kEvm, kGood + " ", false, ErrorCode::kInvalidArgument,
                  "address: wrong length (43 characters, expected 42)"},
        Rejection{ChainFamily::kEvm, "vitalik.eth", false, ErrorCode::kUnsupported,
                  "address: ENS names are not supported; resolve the name to a 0x address first"},
        Rejection{ChainFamily::kEvm, "0x", false, ErrorCode::kInvalidArgument,
                  "address: wrong length (2 characters, expected 42)"},
        Rejection{ChainFamily::kEvm, kGood.substr(0, 41), false, ErrorCode::kInvalidArgument,
                  "address: wrong length (41 characters, expected 42)"},
        Rejection{ChainFamily::kEvm, kGood + "00", false, ErrorCode::kInvalidArgument,
                  "address: wrong length (44 characters, expected 42)"},
        Rejection{ChainFamily::kEvm, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", false,
                  ErrorCode::kInvalidArgument, "address: bad character 'g' at position 41"},
        Rejection{ChainFamily::kEvm, "0x5aAeb6053F3E94O9b9A09f33669435E7Ef1BeAed", false,
                  ErrorCode::kInvalidArgument, "address: bad character 'O' at position 16"},
        Rejection{ChainFamily::kEvm, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1Be\nAd", false,
                  ErrorCode::kInvalidArgument, "address: bad character byte 0x0a at position 39"},
        // One letter's case flipped.
        Rejection{ChainFamily::kEvm, "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", false,
                  ErrorCode::kChecksumMismatch,
                  "address: EIP-55 checksum does not match (first wrong case at position 3)"},
        Rejection{ChainFamily::kEvm, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", false,
                  ErrorCode::kChecksumMismatch,
                  "address: EIP-55 checksum does not match (first wrong case at position 41)"},
        // Strict mode: no checksum at all.
        Rejection{ChainFamily::kEvm, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", true,
                  ErrorCode::kChecksumMismatch,
                  "address: no EIP-55 checksum (all lowercase); strict mode requires the "
                  "checksummed spelling"},
        Rejection{ChainFamily::kEvm, "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", true,
                  ErrorCode::kChecksumMismatch,
                  "address: no EIP-55 checksum (all uppercase); strict mode requires the "
                  "checksummed spelling"}));

// ---- TRON ----

struct TronPair {
  const char* hex;
  const char* base58;
};
// Checked against TronWeb.address.fromHex (tronweb 6.5.1).
const TronPair kTronPairs[] = {
    {"41a614f803b6fd780986a42c78ec9c7f77e6ded13c", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"},  // USDT
    {"410000000000000000000000000000000000000000", "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb"},
    {"41ffffffffffffffffffffffffffffffffffffffff", "TZJozAg1ruapycCicgz31GxvYJ1FraLjZa"},
};

TEST(TronAddressTest, KnownPairs) {
  for (const auto& p : kTronPairs) {
    const auto b58 = validate_address(ChainFamily::kTron, p.base58);
    ASSERT_TRUE(b58.ok()) << p.base58 << ": " << b58.status().message();
    EXPECT_EQ(b58->family, ChainFamily::kTron);
    EXPECT_EQ(b58->canonical, p.base58);
    EXPECT_TRUE(b58->checksummed);

    for (const std::string& hex : {std::string(p.hex), upper_body(p.hex)}) {
      const auto h = validate_address(ChainFamily::kTron, hex);
      ASSERT_TRUE(h.ok()) << hex << ": " << h.status().message();
      EXPECT_EQ(h->canonical, p.base58);
      EXPECT_FALSE(h->checksummed);
    }

    const Bytes bytes = hex_decode(p.hex).value();
    std::array<std::uint8_t, 20> account{};
    std::copy(bytes.begin() + 1, bytes.end(), account.begin());
    EXPECT_EQ(tron_address_from_account(account), p.base58);
  }
}

TEST(TronAddressTest, StrictModeDoesNotApply) {
  // Strict mode is about EIP-55; base58check always carries its checksum.
  EXPECT_TRUE(validate_address(ChainFamily::kTron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                               AddressOptions{true})
                  .ok());
}

// A correct base58check of 25 bytes whose version byte is 0x42.
std::string wrong_version_address() {
  Bytes payload = hex_decode("42a614f803b6fd780986a42c78ec9c7f77e6ded13c").value();
  return base58check_encode(payload);
}

INSTANTIATE_TEST_SUITE_P(
    Tron, AddressRejectionTest,
    ::testing::Values(
        Rejection{ChainFamily::kTron, "", false, ErrorCode::kInvalidArgument, "address: empty"},
        Rejection{ChainFamily::kTron, std::string(65, 'T'), false, ErrorCode::kInvalidArgument,
                  "address: wrong length (65 characters, expected 34, or 42 for hex)"},
        Rejection{ChainFamily::kTron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", false,
                  ErrorCode::kChecksumMismatch, "address: base58check checksum does not match"},
        Rejection{ChainFamily::kTron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj60", false,
                  ErrorCode::kInvalidArgument, "address: bad character '0' at position 33"},
        Rejection{ChainFamily::kTron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLjlt", false,
                  ErrorCode::kInvalidArgument, "address: bad character 'l' at position 32"},
        Rejection{ChainFamily::kTron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzg", false,
                  ErrorCode::kInvalidArgument, "address: decodes to 22 bytes, expected 25"},
        Rejection{ChainFamily::kTron, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", false,
                  ErrorCode::kInvalidArgument, "address: decodes to 32 bytes, expected 25"},
        // A Bitcoin address: valid base58check, version byte 0x00.
        Rejection{ChainFamily::kTron, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", false,
                  ErrorCode::kInvalidArgument, "address: wrong version byte 0x00, expected 0x41"},
        Rejection{ChainFamily::kTron, wrong_version_address(), false, ErrorCode::kInvalidArgument,
                  "address: wrong version byte 0x42, expected 0x41"},
        Rejection{ChainFamily::kTron, "42a614f803b6fd780986a42c78ec9c7f77e6ded13c", false,
                  ErrorCode::kInvalidArgument, "address: wrong version byte 0x42, expected 0x41"},
        Rejection{ChainFamily::kTron, "0x41a614f803b6fd780986a42c78ec9c7f77e6ded13c", false,
                  ErrorCode::kInvalidArgument, "address: TRON hex addresses start with 41, not 0x"},
        Rejection{ChainFamily::kTron, "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c", false,
                  ErrorCode::kInvalidArgument,
                  "address: TRON hex addresses start with 41, not 0x"}));

// ---- Solana ----

TEST(SolanaAddressTest, KnownAddresses) {
  const std::pair<const char*, const char*> cases[] = {
      {"11111111111111111111111111111111",
       "0000000000000000000000000000000000000000000000000000000000000000"},
      {"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
       "06ddf6e1d765a193d9cbe146ceeb79ac1cb485ed5f5b37913a8cf5857eff00a9"},
      {"JEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFG",
       "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
  };
  for (const auto& [b58, hex] : cases) {
    const auto r = validate_address(ChainFamily::kSolana, b58);
    ASSERT_TRUE(r.ok()) << b58 << ": " << r.status().message();
    EXPECT_EQ(r->family, ChainFamily::kSolana);
    EXPECT_EQ(r->canonical, b58);
    EXPECT_FALSE(r->checksummed);
    EXPECT_EQ(hex_encode(base58_decode(b58).value()), hex);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Solana, AddressRejectionTest,
    ::testing::Values(
        Rejection{ChainFamily::kSolana, "", false, ErrorCode::kInvalidArgument, "address: empty"},
        Rejection{ChainFamily::kSolana, "1111111111111111111111111111111", false,
                  ErrorCode::kInvalidArgument,
                  "address: wrong length (31 characters, expected 32 to 44)"},
        Rejection{ChainFamily::kSolana, std::string(45, 'z'), false, ErrorCode::kInvalidArgument,
                  "address: wrong length (45 characters, expected 32 to 44)"},
        Rejection{ChainFamily::kSolana, std::string(44, 'z'), false, ErrorCode::kInvalidArgument,
                  "address: decodes to 33 bytes, expected 32"},
        Rejection{ChainFamily::kSolana, std::string(32, '2'), false, ErrorCode::kInvalidArgument,
                  "address: decodes to 23 bytes, expected 32"},
        Rejection{ChainFamily::kSolana, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0", false,
                  ErrorCode::kInvalidArgument, "address: bad character '0' at position 42"},
        Rejection{ChainFamily::kSolana, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DO", false,
                  ErrorCode::kInvalidArgument, "address: bad character 'O' at position 42"},
        Rejection{ChainFamily::kSolana, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", false,
                  ErrorCode::kInvalidArgument, "address: bad character '0' at position 0"},
        Rejection{ChainFamily::kSolana, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D ", false,
                  ErrorCode::kInvalidArgument, "address: bad character ' ' at position 42"}));

TEST(AddressTest, UnknownFamilyIsRejected) {
  const auto r = validate_address(static_cast<ChainFamily>(7), "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "address: unknown chain family 7");
}

}  // namespace
}  // namespace usd1pay
