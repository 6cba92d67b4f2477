// BIP-32 watch-only derivation: BIP-32's published test vectors (the public
// derivation steps and the serialization of every key), RIPEMD-160's published
// vectors, and every rejection with its code and message.
#include "usd1pay/hd.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "address/hd_ripemd160.h"
#include "usd1pay/address.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"

namespace usd1pay {
namespace {

// ---- RIPEMD-160 (vectors from the RIPEMD-160 paper's appendix) ----

TEST(Ripemd160Test, PublishedVectors) {
  struct Case {
    std::string input;
    const char* digest;
  };
  const std::vector<Case> cases = {
      {"", "9c1185a5c5e9fc54612808977ee8f548b2258d31"},
      {"a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe"},
      {"abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"},
      {"message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36"},
      {"abcdefghijklmnopqrstuvwxyz", "f71c27109c692c1b56bbdceb5b9d2865b3708dbc"},
      // 56 bytes: the padding needs a second block.
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "12a053384a9c0c88e405a06c27dcf49ada62eb2b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "b0e20b6e3116640286ed3a87a5713079b21f5189"},
      {"1234567890123456789012345678901234567890"
       "1234567890123456789012345678901234567890",
       "9b752e45573d4b39f4dbd3323cab82bf63326bfb"},
      {std::string(1000000, 'a'), "52783243c1697bdbe16d37f97f68f08325dc1528"},
      // Block boundaries (digests from `openssl dgst -ripemd160`).
      {std::string(55, 'x'), "c35538a4ab9792cab98479aa3ae2cc435c699b64"},
      {std::string(64, 'x'), "bab3f04cc25d952a882718636600f5b22307ac41"},
      {std::string(119, 'x'), "96e1ae9b6b79fa79e7eb3097e35b64399176d7e0"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(hex_encode(hd_detail::ripemd160(ByteView::of(c.input))), c.digest)
        << "input of " << c.input.size() << " bytes";
  }
}

// ---- BIP-32 test vectors ----

// Test vector 1 (seed 000102030405060708090a0b0c0d0e0f).
const char* const kV1[] = {
    // m
    "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TM"
    "g7usUDFdp6W1EGMcet8",
    // m/0H
    "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5"
    "ski8PX9rL2dZXvgGDnw",
    // m/0H/1
    "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2"
    "AxYysAA7xmALppuCkwQ",
    // m/0H/1/2H
    "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4tr"
    "krX7x7DogT5Uv6fcLW5",
    // m/0H/1/2H/2
    "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7"
    "fe5JnJ7dh8zL4fiyLHV",
    // m/0H/1/2H/2/1000000000
    "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXE"
    "YBVPamhGW6cFJodrTHy",
};
const std::uint32_t kV1Index[] = {0, 0x80000000U, 1, 0x80000002U, 2, 1000000000};

// Test vector 2 (seed fffcf9f6...4542).
const char* const kV2[] = {
    // m
    "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJ"
    "Y47LJhkJ8UB7WEGuduB",
    // m/0
    "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7a"
    "p6r1D3tgFxHmwMkQTPH",
    // m/0/2147483647H
    "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaD"
    "MBU4Zn9h8LZNnBC5y4a",
    // m/0/2147483647H/1
    "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537"
    "wTfunKau47EL2dhHKon",
    // m/0/2147483647H/1/2147483646H
    "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRja"
    "DMzQLcgJvLJuZZvRcEL",
    // m/0/2147483647H/1/2147483646H/2
    "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb9"
    "rXpVGyy3bdW6EEgAtqt",
};
const std::uint32_t kV2Index[] = {0, 0, 0xFFFFFFFFU, 1, 0xFFFFFFFEU, 2};

// Test vector 3 (leading zeros in the private key): both steps are hardened,
// so only serialization and fingerprints are checked.
const char* const kV3[] = {
    "xpub661MyMwAqRbcEZVB4dScxMAdx6d4nFc9nvyvH3v4gJL378CSRZiYmhRoP7mBy6gSPSCYk6SzXPTf3ND1cZAceL7S"
    "fJ1Z3GC8vBgp2epUt13",
    "xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPP"
    "LPxSb7gwQN3ih19Zm4Y",
};
const std::uint32_t kV3Index[] = {0, 0x80000000U};

ExtendedPublicKey must_parse(const std::string& text) {
  auto r = ExtendedPublicKey::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return *std::move(r);
}

template <std::size_t N>
void check_chain(const char* const (&chain)[N], const std::uint32_t (&index)[N]) {
  for (std::size_t i = 0; i < N; ++i) {
    SCOPED_TRACE(chain[i]);
    const ExtendedPublicKey key = must_parse(chain[i]);
    EXPECT_EQ(key.to_string(), chain[i]);
    EXPECT_EQ(key.depth(), i);
    EXPECT_EQ(key.child_number(), index[i]);
    EXPECT_FALSE(key.is_testnet());
    if (i == 0) {
      EXPECT_EQ(key.parent_fingerprint(), (std::array<std::uint8_t, 4>{}));
      continue;
    }
    const ExtendedPublicKey parent = must_parse(chain[i - 1]);
    // Every child names its parent by the parent's HASH160 fingerprint.
    EXPECT_EQ(key.parent_fingerprint(), parent.fingerprint());
    if (index[i] < 0x80000000U) {
      const auto child = parent.derive_child(index[i]);
      ASSERT_TRUE(child.ok()) << child.status().message();
      EXPECT_EQ(child->to_string(), chain[i]);
      EXPECT_TRUE(*child == key);
    }
  }
}

TEST(HdTest, Bip32Vector1PublicSteps) {
  check_chain(kV1, kV1Index);
}
TEST(HdTest, Bip32Vector2PublicSteps) {
  check_chain(kV2, kV2Index);
}
TEST(HdTest, Bip32Vector3Serialization) {
  check_chain(kV3, kV3Index);
}

TEST(HdTest, Bip32Vector1MasterFingerprint) {
  // BIP-32 vector 1 gives the master key's identifier 3442193e1bb70916e914552172cd4e2dbc9df811.
  EXPECT_EQ(hex_encode(must_parse(kV1[0]).fingerprint()), "3442193e");
}

TEST(HdTest, DerivePathWalksSeveralSteps) {
  const ExtendedPublicKey from = must_parse(kV1[3]);
  const auto r = from.derive_path("2/1000000000");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->to_string(), kV1[5]);
  const auto self = from.derive_path("");
  ASSERT_TRUE(self.ok());
  EXPECT_TRUE(*self == from);
  const auto one = from.derive_path("2");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->to_string(), kV1[4]);
  // Leading zeros are the same number.
  const auto padded = from.derive_path("02/001000000000");
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->to_string(), kV1[5]);
}

TEST(HdTest, LargestNonHardenedIndexDerives) {
  const ExtendedPublicKey m = must_parse(kV2[0]);
  const auto a = m.derive_child(0x7FFFFFFFU);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->child_number(), 0x7FFFFFFFU);
  const auto b = m.derive_path("2147483647");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(*a == *b);
  EXPECT_FALSE(*a == m);
  EXPECT_TRUE(*a != m);
}

// The account xpub of the widely used test mnemonic "abandon ... about" at
// m/44'/60'/0'; its first receiving address m/44'/60'/0'/0/0 is the well-known
// 0x9858EfFD232B4033E47d90003D41EC34EcaEda94.
constexpr const char* kAbandonAccount =
    "xpub6DCoCpSuQZB2jawqnGMEPS63ePKWkwWPH4TU45Q7LPXWuNd8TMtVxRrgjtEshuqpK3mdhaWHPFsBngh5GFZaM6si3y"
    "ZdUsT8ddYM3PwnATt";

TEST(HdTest, EvmAddressOfKnownKey) {
  const ExtendedPublicKey account = must_parse(kAbandonAccount);
  EXPECT_EQ(account.depth(), 3);
  EXPECT_EQ(account.child_number(), 0x80000000U);
  const auto first = account.derive_path("0/0");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->evm_address(), "0x9858EfFD232B4033E47d90003D41EC34EcaEda94");
  EXPECT_EQ(hex_encode(first->evm_account(), true), "0x9858effd232b4033e47d90003d41ec34ecaeda94");
  // TRON: 0x41 + the same 20 bytes, base58check.
  const auto tron = first->tron_address();
  EXPECT_EQ(tron, tron_address_from_account(first->evm_account()));
  const auto decoded = base58check_decode(tron);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 21U);
  EXPECT_EQ((*decoded)[0], 0x41);
  EXPECT_EQ(hex_encode(ByteView(decoded->data() + 1, 20)), hex_encode(first->evm_account()));
  const auto second = account.derive_path("0/1");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->evm_address(), "0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0");
  // Vector 1's m/0H/1 (address computed by ethers 6.17 from the same seed).
  EXPECT_EQ(must_parse(kV1[2]).evm_address(), "0x29379f45F515C494483298225d1B347F73D1babF");
}

// ---- rejections ----

// Re-encodes `xpub` with other version bytes (and optionally other edits to
// the 78-byte payload) and a valid checksum.
Bytes payload_of(const std::string& xpub) {
  auto raw = base58check_decode(xpub);
  EXPECT_TRUE(raw.ok());
  return *raw;
}

std::string with_version(const std::string& xpub, std::uint32_t version) {
  Bytes p = payload_of(xpub);
  p[0] = static_cast<std::uint8_t>(version >> 24U);
  p[1] = static_cast<std::uint8_t>(version >> 16U);
  p[2] = static_cast<std::uint8_t>(version >> 8U);
  p[3] = static_cast<std::uint8_t>(version);
  return base58check_encode(p);
}

void expect_error(const std::string& text, ErrorCode code, const std::string& fragment) {
  const auto r = ExtendedPublicKey::parse(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.status().code(), code) << r.status().message();
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().rfind("hd: ", 0), 0U) << r.status().message();
}

TEST(HdTest, TpubParsesAndDerivesLikeXpub) {
  const std::string tpub = with_version(kV1[1], 0x043587CFU);
  EXPECT_EQ(tpub.substr(0, 4), "tpub");
  const ExtendedPublicKey t = must_parse(tpub);
  EXPECT_TRUE(t.is_testnet());
  EXPECT_EQ(t.to_string(), tpub);
  EXPECT_FALSE(t == must_parse(kV1[1]));  // same key, other network
  const auto child = t.derive_child(1);
  ASSERT_TRUE(child.ok());
  EXPECT_TRUE(child->is_testnet());
  EXPECT_EQ(child->to_string(), with_version(kV1[2], 0x043587CFU));
  EXPECT_EQ(child->evm_address(), must_parse(kV1[2]).evm_address());
}

TEST(HdTest, RefusesExtendedPrivateKeys) {
  // BIP-32 vector 1's m/0H as published.
  expect_error(
      "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7Xn"
      "xHrnYeSvkzY7d2bhkJ7",
      ErrorCode::kInvalidArgument,
      "0x0488ade4 (an extended private key, xprv; usd1pay is watch-only");
  expect_error(with_version(kV1[1], 0x04358394U), ErrorCode::kInvalidArgument,
               "0x04358394 (an extended private key, tprv; usd1pay is watch-only");
  expect_error(with_version(kV1[1], 0x04B2430CU), ErrorCode::kInvalidArgument, "zprv");
  // An xpub version with private-key data (0x00 || 32-byte key).
  Bytes p = payload_of(kV1[1]);
  p[45] = 0x00;
  expect_error(base58check_encode(p), ErrorCode::kInvalidArgument,
               "byte 45 starts with 0x00, the private-key form; usd1pay is watch-only");
}

TEST(HdTest, RefusesOtherVersions) {
  expect_error(with_version(kV1[1], 0x049D7CB2U), ErrorCode::kUnsupported,
               "unsupported version bytes 0x049d7cb2 (ypub)");
  expect_error(with_version(kV1[1], 0x04B24746U), ErrorCode::kUnsupported,
               "unsupported version bytes 0x04b24746 (zpub)");
  expect_error(with_version(kV1[1], 0x01020304U), ErrorCode::kUnsupported,
               "unsupported version bytes 0x01020304; usd1pay takes xpub");
}

TEST(HdTest, RefusesBadCharactersWithPosition) {
  std::string s = kV1[1];
  s[5] = '0';
  expect_error(s, ErrorCode::kInvalidArgument, "bad character '0' at position 5");
  s = kV1[1];
  s[110] = 'l';
  expect_error(s, ErrorCode::kInvalidArgument, "bad character 'l' at position 110");
  expect_error(std::string(" ") + kV1[1], ErrorCode::kInvalidArgument,
               "bad character ' ' at position 0");
  expect_error(std::string(kV1[1]) + "\n", ErrorCode::kInvalidArgument,
               "bad character byte 0x0a at position 111");
  expect_error("", ErrorCode::kInvalidArgument, "empty extended public key");
}

TEST(HdTest, RefusesWrongLength) {
  Bytes p = payload_of(kV1[1]);
  p.pop_back();
  expect_error(base58check_encode(p), ErrorCode::kInvalidArgument,
               "decodes to 81 bytes; expected 78 + a 4-byte checksum");
  p = payload_of(kV1[1]);
  p.push_back(0);
  expect_error(base58check_encode(p), ErrorCode::kInvalidArgument, "decodes to 83 bytes");
  expect_error("1", ErrorCode::kInvalidArgument, "decodes to 1 bytes");
  expect_error(std::string(300, 'x'), ErrorCode::kInvalidArgument,
               "300 characters long; expected 111");
}

TEST(HdTest, RefusesBadChecksum) {
  auto raw = base58_decode(kV1[1]);
  ASSERT_TRUE(raw.ok());
  raw->back() ^= 0x01;
  expect_error(base58_encode(*raw), ErrorCode::kChecksumMismatch, "checksum does not match");
  // One mistyped character: same length, wrong checksum.
  std::string s = kV1[1];
  s[50] = s[50] == 'a' ? 'b' : 'a';
  expect_error(s, ErrorCode::kChecksumMismatch, "checksum");
}

TEST(HdTest, RefusesInvalidPoints) {
  Bytes p = payload_of(kV1[1]);
  p[45] = 0x04;
  expect_error(base58check_encode(p), ErrorCode::kInvalidArgument,
               "public key prefix 0x04 at byte 45 is not 0x02 or 0x03");
  p[45] = 0x05;
  expect_error(base58check_encode(p), ErrorCode::kInvalidArgument, "prefix 0x05");
  // BIP-32 vector 5: x = 7 is not on the curve.
  p = payload_of(kV1[1]);
  std::fill(p.begin() + 45, p.end(), 0);
  p[45] = 0x02;
  p[77] = 0x07;
  expect_error(base58check_encode(p), ErrorCode::kInvalidArgument, "is not a point on secp256k1");
  // x = the field prime p is not a field element.
  const auto big = hex_decode("02fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
  ASSERT_TRUE(big.ok());
  p = payload_of(kV1[1]);
  std::copy(big->begin(), big->end(), p.begin() + 45);
  expect_error(base58check_encode(p), ErrorCode::kInvalidArgument, "is not a point on secp256k1");
}

TEST(HdTest, RefusesInconsistentMasterKeys) {
  Bytes p = payload_of(kV1[0]);
  p[5] = 0x01;  // parent fingerprint
  expect_error(base58check_encode(p), ErrorCode::kInvalidArgument,
               "depth 0 (a master key) with a non-zero parent fingerprint 01000000");
  p = payload_of(kV1[0]);
  p[12] = 0x01;  // child number
  expect_error(base58check_encode(p), ErrorCode::kInvalidArgument,
               "depth 0 (a master key) with a non-zero child number 1");
}

TEST(HdTest, RefusesHardenedIndex) {
  const ExtendedPublicKey key = must_parse(kV1[1]);
  for (const std::uint32_t i : {0x80000000U, 0xFFFFFFFFU}) {
    const auto r = key.derive_child(i);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("index " + std::to_string(i) + " is hardened"),
              std::string::npos)
        << r.status().message();
  }
}

TEST(HdTest, RefusesBadPaths) {
  const ExtendedPublicKey key = must_parse(kV1[1]);
  struct Case {
    const char* path;
    const char* fragment;
  };
  const Case cases[] = {
      {"m/0", "is absolute (starts with 'm' at position 0)"},
      {"M", "is absolute"},
      {"0'", "hardened marker ''' at position 1"},
      {"0/1h", "hardened marker 'h' at position 3"},
      {"0/1H", "hardened marker 'H' at position 3"},
      {"0/x", "bad character 'x' at position 2"},
      {"-1", "bad character '-' at position 0"},
      {" 0", "bad character ' ' at position 0"},
      {"0/1 ", "bad character ' ' at position 3"},
      {"0//1", "empty path component at position 2"},
      {"/0", "empty path component at position 0"},
      {"0/", "empty path component at position 2"},
      {"/", "empty path component at position 0"},
      {"0/2147483648", "index at position 2 in path is >= 2^31"},
      {"99999999999999999999999", "index at position 0 in path is >= 2^31"},
  };
  for (const auto& c : cases) {
    const auto r = key.derive_path(c.path);
    ASSERT_FALSE(r.ok()) << c.path;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << c.path;
    EXPECT_NE(r.status().message().find(c.fragment), std::string::npos)
        << c.path << ": " << r.status().message();
  }
}

TEST(HdTest, DepthIsLimitedTo255) {
  Bytes p = payload_of(kV1[2]);
  p[4] = 254;
  const ExtendedPublicKey deep = must_parse(base58check_encode(p));
  const auto last = deep.derive_path("7");
  ASSERT_TRUE(last.ok()) << last.status().message();
  EXPECT_EQ(last->depth(), 255);
  const auto parsed = ExtendedPublicKey::parse(last->to_string());
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(*parsed == *last);
  const auto none = last->derive_child(0);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), ErrorCode::kOutOfRange);
  EXPECT_NE(none.status().message().find("depth 255"), std::string::npos);
  const auto too_deep = deep.derive_path("0/0");
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.status().code(), ErrorCode::kOutOfRange);
  EXPECT_NE(too_deep.status().message().find("too deep at position 2"), std::string::npos)
      << too_deep.status().message();
}

}  // namespace
}  // namespace usd1pay
