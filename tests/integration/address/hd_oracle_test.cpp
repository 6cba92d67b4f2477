// usd1pay's BIP-32 public derivation judged against ethers 6 (HDNodeWallet)
// and tronweb 6, via tests/peers/hd_oracle.js. The account keys are made by
// ethers from seeds (m/44'/60'/0', depth 3, as a wallet exports them), so no
// key in this test comes from usd1pay.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "support/node_oracle.h"
#include "usd1pay/address.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hd.h"

namespace usd1pay {
namespace {

using nlohmann::json;

constexpr int kIndexes = 1000;
constexpr const char* kAccountPath = "m/44'/60'/0'";

std::vector<json> ask_oracle(const std::vector<json>& requests) {
  return testing::ask_node_oracle("hd_oracle.js", requests);
}

std::string with_version(const std::string& key, std::uint32_t version) {
  auto raw = base58check_decode(key);
  EXPECT_TRUE(raw.ok()) << key;
  Bytes p = *raw;
  for (std::size_t i = 0; i < 4; ++i) {
    p[i] = static_cast<std::uint8_t>(version >> (24U - 8U * i));
  }
  return base58check_encode(p);
}

std::string random_seed_hex(std::mt19937_64& rng) {
  std::array<std::uint8_t, 32> seed{};
  for (auto& b : seed) b = static_cast<std::uint8_t>(rng());
  return hex_encode(seed);
}

// Account keys made by ethers: two from fixed seeds (reproducible) and one
// from createRandom (a fresh key each run; it is printed when a check fails).
std::vector<std::string> ethers_accounts() {
  std::mt19937_64 rng(0xB1732);
  const auto answers = ask_oracle({
      {{"op", "account"}, {"seed", random_seed_hex(rng)}, {"path", kAccountPath}},
      {{"op", "account"}, {"seed", random_seed_hex(rng)}, {"path", kAccountPath}},
      {{"op", "random_account"}, {"path", kAccountPath}},
  });
  std::vector<std::string> keys;
  for (const auto& a : answers) keys.push_back(a.at("xpub").get<std::string>());
  return keys;
}

struct Case {
  std::string xpub_for_usd1pay;  // what usd1pay parses (xpub or tpub)
  bool testnet;
};

TEST(HdOracleTest, EvmAddressesAndChildKeysAgreeWithEthers) {
  const auto accounts = ethers_accounts();
  ASSERT_EQ(accounts.size(), 3U);
  // ethers writes every extended public key with mainnet version bytes; the
  // same key re-versioned as a tpub is the testnet case (ethers reads both).
  std::vector<Case> cases = {
      {accounts[0], false}, {with_version(accounts[1], 0x043587CFU), true}, {accounts[2], false}};
  std::vector<int> indexes;
  for (int i = 0; i < kIndexes; ++i) indexes.push_back(i);
  indexes.push_back(0x7FFFFFFF);  // the largest non-hardened index

  std::vector<json> requests;
  for (const auto& c : cases) {
    requests.push_back(
        {{"op", "derive"}, {"xpub", c.xpub_for_usd1pay}, {"prefix", "0"}, {"indexes", indexes}});
  }
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), cases.size());

  std::size_t compared = 0;
  for (std::size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE("account key " + cases[k].xpub_for_usd1pay);
    const auto account = ExtendedPublicKey::parse(cases[k].xpub_for_usd1pay);
    ASSERT_TRUE(account.ok()) << account.status().message();
    EXPECT_EQ(account->depth(), 3);
    EXPECT_EQ(account->is_testnet(), cases[k].testnet);
    EXPECT_EQ(account->to_string(), cases[k].xpub_for_usd1pay);
    const auto& children = answers[k].at("children");
    ASSERT_EQ(children.size(), indexes.size());
    const auto base = account->derive_child(0);
    ASSERT_TRUE(base.ok());
    for (std::size_t n = 0; n < indexes.size(); ++n) {
      const auto i = static_cast<std::uint32_t>(indexes[n]);
      const std::string path = "0/" + std::to_string(i);
      const auto child = account->derive_path(path);
      ASSERT_TRUE(child.ok()) << path << ": " << child.status().message();
      EXPECT_EQ(child->evm_address(), children[n].at("address").get<std::string>()) << path;
      // ethers spells every public key as an xpub.
      EXPECT_EQ(with_version(child->to_string(), 0x0488B21EU),
                children[n].at("xpub").get<std::string>())
          << path;
      EXPECT_EQ(child->is_testnet(), cases[k].testnet);
      EXPECT_EQ(child->depth(), 5);
      // The two ways to reach a child agree.
      const auto direct = base->derive_child(i);
      ASSERT_TRUE(direct.ok());
      EXPECT_TRUE(*direct == *child) << path;
      ++compared;
    }
  }
  EXPECT_EQ(compared, cases.size() * indexes.size());
}

TEST(HdOracleTest, TronAddressesAgreeWithTronWeb) {
  const auto accounts = ethers_accounts();
  ASSERT_EQ(accounts.size(), 3U);
  std::vector<json> requests;
  std::vector<std::vector<std::string>> ours(accounts.size());
  for (std::size_t k = 0; k < accounts.size(); ++k) {
    const auto account = ExtendedPublicKey::parse(accounts[k]);
    ASSERT_TRUE(account.ok()) << account.status().message();
    const auto base = account->derive_child(0);
    ASSERT_TRUE(base.ok());
    json hex = json::array();
    json addresses = json::array();
    for (std::uint32_t i = 0; i < kIndexes; ++i) {
      const auto child = base->derive_child(i);
      ASSERT_TRUE(child.ok());
      hex.push_back(hex_encode(child->evm_account()));
      ours[k].push_back(child->tron_address());
      addresses.push_back(ours[k].back());
    }
    // Bad spellings must be refused by TronWeb too, or "valid" means nothing.
    std::string broken = ours[k][0];
    broken[10] = broken[10] == 'A' ? 'B' : 'A';
    addresses.push_back(broken);
    requests.push_back({{"op", "tron"}, {"accounts", hex}, {"addresses", addresses}});
  }
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), accounts.size());
  for (std::size_t k = 0; k < accounts.size(); ++k) {
    SCOPED_TRACE("account key " + accounts[k]);
    const auto& from_hex = answers[k].at("fromHex");
    const auto& valid = answers[k].at("isAddress");
    ASSERT_EQ(from_hex.size(), ours[k].size());
    ASSERT_EQ(valid.size(), ours[k].size() + 1);
    for (std::size_t i = 0; i < ours[k].size(); ++i) {
      EXPECT_EQ(ours[k][i], from_hex[i].get<std::string>()) << "index " << i;
      EXPECT_TRUE(valid[i].get<bool>()) << ours[k][i];
      EXPECT_EQ(ours[k][i][0], 'T');
      // usd1pay's own validator agrees as well.
      EXPECT_TRUE(validate_address(ChainFamily::kTron, ours[k][i]).ok()) << ours[k][i];
    }
    EXPECT_FALSE(valid[ours[k].size()].get<bool>());
  }
}

}  // namespace
}  // namespace usd1pay
