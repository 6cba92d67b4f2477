// usd1pay's address rules judged against independent implementations:
// ethers 6 (EIP-55), tronweb 6 (TRON base58check) and @solana/web3.js
// (Solana base58 public keys), via tests/peers/address_oracle.js.
#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "support/node_oracle.h"
#include "usd1pay/address.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"

namespace usd1pay {
namespace {

using nlohmann::json;

std::vector<json> ask_oracle(const std::vector<json>& requests) {
  return testing::ask_node_oracle("address_oracle.js", requests);
}

template <std::size_t N>
std::array<std::uint8_t, N> random_bytes(std::mt19937_64& rng) {
  std::array<std::uint8_t, N> b{};
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

std::string flip_case_of_one_letter(const std::string& a, std::mt19937_64& rng) {
  std::vector<std::size_t> letters;
  for (std::size_t i = 2; i < a.size(); ++i) {
    if (std::isalpha(static_cast<unsigned char>(a[i])) != 0) letters.push_back(i);
  }
  if (letters.empty()) return {};
  std::string s = a;
  const std::size_t i = letters[rng() % letters.size()];
  s[i] = static_cast<char>(std::islower(static_cast<unsigned char>(s[i])) != 0
                               ? std::toupper(static_cast<unsigned char>(s[i]))
                               : std::tolower(static_cast<unsigned char>(s[i])));
  return s;
}

TEST(AddressOracleTest, EvmAgreesWithEthersOnEveryVariant) {
  std::mt19937_64 rng(20240601);
  std::vector<std::string> inputs;
  for (int n = 0; n < 2000; ++n) {
    const auto bytes = random_bytes<20>(rng);
    const std::string checksummed = evm_checksum_address(bytes);
    const std::string lower = hex_encode(bytes, true);
    std::string upper = lower;
    for (std::size_t i = 2; i < upper.size(); ++i) {
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
    }
    inputs.push_back(checksummed);
    inputs.push_back(lower);
    inputs.push_back(upper);
    const std::string flipped = flip_case_of_one_letter(checksummed, rng);
    if (!flipped.empty()) inputs.push_back(flipped);
    // Malformed: a non-hex character, one digit short, one digit long.
    std::string bad = checksummed;
    bad[2 + rng() % 40] = "gGzZ O"[rng() % 6];
    inputs.push_back(bad);
    inputs.push_back(checksummed.substr(0, 41));
    inputs.push_back(checksummed + "0");
  }
  std::vector<json> requests;
  for (const auto& s : inputs) requests.push_back({{"op", "evm"}, {"input", s}});
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), inputs.size());

  std::size_t valid = 0;
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto mine = validate_address(ChainFamily::kEvm, inputs[i]);
    const bool theirs = answers[i]["isAddress"].get<bool>();
    // Every input here has the 0x prefix: usd1pay valid <=> ethers isAddress,
    // and then the canonical form is ethers' getAddress.
    ASSERT_EQ(mine.ok(), theirs) << inputs[i] << ": " << mine.status().message();
    if (mine.ok()) {
      ++valid;
      EXPECT_EQ(mine->canonical, answers[i]["getAddress"].get<std::string>()) << inputs[i];
      // checksummed <=> spelled exactly as ethers spells it.
      EXPECT_EQ(mine->checksummed, inputs[i] == answers[i]["getAddress"].get<std::string>())
          << inputs[i];
    } else if (mine.status().code() == ErrorCode::kChecksumMismatch) {
      ++mismatches;
    }
  }
  // The variants really exercised both sides.
  EXPECT_GE(valid, 6000u);
  EXPECT_GE(mismatches, 1900u);
}

TEST(AddressOracleTest, EvmWithoutPrefixIsADocumentedDifference) {
  // ethers accepts bare hex; usd1pay refuses it (docs/addresses.md).
  std::mt19937_64 rng(7);
  std::vector<std::string> inputs;
  for (int n = 0; n < 50; ++n)
    inputs.push_back(evm_checksum_address(random_bytes<20>(rng)).substr(2));
  std::vector<json> requests;
  for (const auto& s : inputs) requests.push_back({{"op", "evm"}, {"input", s}});
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_TRUE(answers[i]["isAddress"].get<bool>()) << inputs[i];
    const auto mine = validate_address(ChainFamily::kEvm, inputs[i]);
    ASSERT_FALSE(mine.ok());
    EXPECT_EQ(mine.status().message(), "address: missing 0x prefix");
  }
}

TEST(AddressOracleTest, TronAgreesWithTronWeb) {
  std::mt19937_64 rng(99);
  constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::vector<std::string> addresses;
  std::vector<std::string> hexes;
  std::vector<std::string> corrupted;
  for (int n = 0; n < 1000; ++n) {
    const auto account = random_bytes<20>(rng);
    addresses.push_back(tron_address_from_account(account));
    hexes.push_back("41" + hex_encode(account));
    std::string c = addresses.back();
    const std::size_t pos = rng() % c.size();
    char replacement = c[pos];
    while (replacement == c[pos]) replacement = kAlphabet[rng() % 58];
    c[pos] = replacement;
    corrupted.push_back(c);
  }
  std::vector<json> requests;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    requests.push_back({{"op", "tron_from_hex"}, {"hex", hexes[i]}});
    requests.push_back({{"op", "tron"}, {"input", addresses[i]}});
    requests.push_back({{"op", "tron"}, {"input", corrupted[i]}});
    requests.push_back({{"op", "tron"}, {"input", hexes[i]}});
  }
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), requests.size());
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    EXPECT_EQ(addresses[i], answers[4 * i]["address"].get<std::string>()) << hexes[i];
    EXPECT_TRUE(answers[4 * i + 1]["isAddress"].get<bool>()) << addresses[i];
    const auto mine = validate_address(ChainFamily::kTron, addresses[i]);
    ASSERT_TRUE(mine.ok()) << addresses[i] << ": " << mine.status().message();
    EXPECT_EQ(mine->canonical, addresses[i]);

    const auto bad = validate_address(ChainFamily::kTron, corrupted[i]);
    EXPECT_FALSE(bad.ok()) << corrupted[i];
    EXPECT_FALSE(answers[4 * i + 2]["isAddress"].get<bool>()) << corrupted[i];

    EXPECT_TRUE(answers[4 * i + 3]["isAddress"].get<bool>()) << hexes[i];
    const auto from_hex = validate_address(ChainFamily::kTron, hexes[i]);
    ASSERT_TRUE(from_hex.ok()) << hexes[i] << ": " << from_hex.status().message();
    EXPECT_EQ(from_hex->canonical, addresses[i]);
  }
}

TEST(AddressOracleTest, SolanaAgreesWithWeb3js) {
  std::mt19937_64 rng(5);
  std::vector<std::string> keys_hex;
  std::vector<std::string> mine_b58;
  std::vector<std::string> invalid;
  for (int n = 0; n < 1000; ++n) {
    auto key = random_bytes<32>(rng);
    // Some keys with leading zero bytes, spelled with leading '1's.
    const std::size_t zeros = n % 10 == 0 ? rng() % 4 : 0;
    for (std::size_t i = 0; i < zeros; ++i) key[i] = 0;
    keys_hex.push_back(hex_encode(key));
    const auto mine = validate_address(ChainFamily::kSolana, base58_encode(key));
    ASSERT_TRUE(mine.ok()) << mine.status().message();
    mine_b58.push_back(mine->canonical);
    const std::string& s = mine_b58.back();
    invalid.push_back(s.substr(0, s.size() - 2));  // too few bytes
    invalid.push_back(s + "zz");                   // too many bytes
    std::string with_bad = s;
    with_bad[rng() % s.size()] = "0OIl"[rng() % 4];
    invalid.push_back(with_bad);
  }
  std::vector<json> requests;
  for (std::size_t i = 0; i < keys_hex.size(); ++i) {
    requests.push_back({{"op", "solana_bytes"}, {"hex", keys_hex[i]}});
    requests.push_back({{"op", "solana"}, {"input", mine_b58[i]}});
  }
  for (const auto& s : invalid) requests.push_back({{"op", "solana"}, {"input", s}});
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), requests.size());
  for (std::size_t i = 0; i < keys_hex.size(); ++i) {
    EXPECT_EQ(mine_b58[i], answers[2 * i]["base58"].get<std::string>()) << keys_hex[i];
    EXPECT_TRUE(answers[2 * i + 1]["valid"].get<bool>()) << mine_b58[i];
  }
  for (std::size_t i = 0; i < invalid.size(); ++i) {
    const auto& answer = answers[2 * keys_hex.size() + i];
    const auto mine = validate_address(ChainFamily::kSolana, invalid[i]);
    EXPECT_EQ(mine.ok(), answer["valid"].get<bool>()) << invalid[i];
    EXPECT_FALSE(mine.ok()) << invalid[i];
  }
}

TEST(AddressOracleTest, Keccak256AgreesWithEthersOnEveryLengthUpTo600) {
  std::mt19937_64 rng(11);
  std::vector<Bytes> inputs;
  for (std::size_t len = 0; len <= 600; ++len) {
    Bytes b(len);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    inputs.push_back(std::move(b));
  }
  std::vector<json> requests;
  for (const auto& b : inputs) requests.push_back({{"op", "keccak"}, {"hex", hex_encode(b)}});
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(hex_encode(keccak256(inputs[i]), true), answers[i]["digest"].get<std::string>())
        << "length " << i;
  }
}

}  // namespace
}  // namespace usd1pay
