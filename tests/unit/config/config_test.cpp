#include "usd1pay/config.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/address.h"
#include "usd1pay/status.h"

namespace usd1pay {
namespace {

using nlohmann::json;

// The account-level key (m/44'/60'/0') of the well-known test mnemonic "test
// test ... junk", exported by ethers; its 0/0 child is 0xf39Fd6e5...2266.
const char* const kXpub =
    "xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54Jo"
    "NXVsXFYSYwHsnJxqP";
const char* const kEvmToken = "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA";
const char* const kEvmToken2 = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";  // EIP-55 example
const char* const kSolMint = "6N4DoZFyhkdHb8qMYeACVH7Hi3C1LEHJ8aQw1drUFX5Z";
const char* const kSolMerchant = "3Koo8UGnRrxpiK1hMaXeqmw7L9DxWmcexfuVrW28hML7";
const char* const kSolChain = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";

std::string tron_address(std::uint8_t fill) {
  std::array<std::uint8_t, 20> account{};
  account.fill(fill);
  return tron_address_from_account(account);
}

// A small valid config: one EVM chain with the xpub strategy.
json base() {
  return json{
      {"store", {{"path", "usd1pay.db"}}},
      {"chains",
       json::array({json{
           {"id", "eip155:1337"},
           {"backend", "sim"},
           {"tokens",
            json::array({json{{"symbol", "USD1"}, {"contract", kEvmToken}, {"decimals", 18}}})},
           {"strategy", "xpub"},
           {"xpub", kXpub},
       }})},
  };
}

json solana_chain() {
  return json{
      {"id", kSolChain},
      {"backend", "sim"},
      {"tokens", json::array({json{{"symbol", "USD1"}, {"contract", kSolMint}, {"decimals", 6}}})},
      {"strategy", "reference"},
      {"merchant_address", kSolMerchant},
  };
}

json tron_chain() {
  return json{
      {"id", "tron:0x2b6653dc"},
      {"backend", "sim"},
      {"tokens",
       json::array({json{{"symbol", "USD1"}, {"contract", tron_address(7)}, {"decimals", 18}}})},
      {"strategy", "xpub"},
      {"xpub", kXpub},
  };
}

Result<Config> parse(const json& doc) {
  return Config::parse(doc.dump());
}

// ---- good configs ----

TEST(ConfigTest, MinimalConfigGetsTheDocumentedDefaults) {
  const auto r = parse(base());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Config& c = *r;
  EXPECT_EQ(c.source, "<string>");
  EXPECT_EQ(c.version, 1);
  EXPECT_EQ(c.store.path, "usd1pay.db");
  EXPECT_EQ(c.store.synchronous, StoreConfig::Synchronous::kFull);
  EXPECT_EQ(c.store.busy_timeout_ms, 5000);
  ASSERT_EQ(c.chains.size(), 1u);
  const ChainConfig& chain = c.chains[0];
  EXPECT_EQ(chain.id.to_string(), "eip155:1337");
  EXPECT_EQ(chain.family, ChainFamily::kEvm);
  EXPECT_EQ(chain.backend, "sim");
  EXPECT_EQ(chain.backend_json, "{}");
  // No finality key: the default for local devnets (docs/chains.md).
  EXPECT_EQ(chain.finality.kind, FinalityConfig::Kind::kConfirmations);
  EXPECT_EQ(chain.finality.confirmations, 3u);
  EXPECT_EQ(chain.strategy, DepositStrategy::kXpub);
  EXPECT_EQ(chain.xpub, kXpub);
  EXPECT_EQ(chain.derivation_path, "0");
  EXPECT_EQ(chain.merchant_address, "");
  EXPECT_FALSE(chain.start_block.has_value());  // the tracker's own default
  ASSERT_EQ(chain.tokens.size(), 1u);
  EXPECT_EQ(chain.tokens[0].symbol, "USD1");
  EXPECT_EQ(chain.tokens[0].contract, kEvmToken);
  EXPECT_EQ(chain.tokens[0].decimals, 18u);
  EXPECT_EQ(c.default_chain, "eip155:1337");
  EXPECT_EQ(c.default_token, "USD1");
  EXPECT_EQ(c.default_expiry_seconds, 900);
  EXPECT_EQ(c.underpayment_tolerance, "0.00");
  EXPECT_EQ(c.metadata_max_bytes, 4096u);
  EXPECT_EQ(c.actor, "api");
  EXPECT_TRUE(c.webhooks.empty());
  const WebhookDeliveryConfig& d = c.webhook_delivery;
  EXPECT_EQ(d.retry_schedule_seconds,
            (std::vector<std::int64_t>{5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400}));
  EXPECT_EQ(d.jitter, 0.1);
  EXPECT_EQ(d.workers, 4u);
  EXPECT_EQ(d.max_in_flight_per_endpoint, 2u);
  EXPECT_EQ(d.connect_timeout_ms, 5000);
  EXPECT_EQ(d.request_timeout_ms, 20000);
  EXPECT_EQ(d.lease_ms, 60000);
  EXPECT_FALSE(d.allow_private_destinations);
  EXPECT_TRUE(d.verify_tls);
  EXPECT_EQ(d.ca_file, "");
}

// The per-chain defaults of docs/chains.md are applied when `finality` is
// absent; a present key (even an empty object) is used as written.
TEST(ConfigTest, FinalityDefaultsPerChainWhenTheKeyIsAbsent) {
  using K = FinalityConfig::Kind;
  struct Case {
    const char* id;
    K kind;
    std::uint32_t confirmations;  // when kind is kConfirmations
  };
  const Case cases[] = {
      {"eip155:1", K::kFinalized, 0},         {"eip155:10", K::kFinalized, 0},
      {"eip155:56", K::kFinalized, 0},        {"eip155:137", K::kFinalized, 0},
      {"eip155:8453", K::kFinalized, 0},      {"eip155:42161", K::kFinalized, 0},
      {"eip155:11155111", K::kFinalized, 0},  {"eip155:1337", K::kConfirmations, 3},
      {"eip155:31337", K::kConfirmations, 3}, {"eip155:5", K::kConfirmations, 12},
      {"eip155:100", K::kConfirmations, 12},  {"eip155:13370", K::kConfirmations, 12},
      {"eip155:11", K::kConfirmations, 12},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.id);
    const FinalityConfig d = default_finality_for(*ChainId::parse(c.id));
    EXPECT_EQ(d.kind, c.kind);
    if (c.kind == K::kConfirmations) {
      EXPECT_EQ(d.confirmations, c.confirmations);
    }
    json doc = base();
    doc["chains"][0]["id"] = c.id;
    doc["default_chain"] = c.id;
    const auto r = parse(doc);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->chains[0].finality, d);
  }
  {
    json doc = base();
    doc["chains"][0] = tron_chain();
    const auto r = parse(doc);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->chains[0].finality.kind, K::kConfirmations);
    EXPECT_EQ(r->chains[0].finality.confirmations, 19u);
  }
  for (const char* sol : {kSolChain, "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"}) {
    SCOPED_TRACE(sol);
    json doc = base();
    doc["chains"][0] = solana_chain();
    doc["chains"][0]["id"] = sol;
    const auto r = parse(doc);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->chains[0].finality.kind, K::kFinalized);
  }
  // Written policies win over the default, in both directions.
  {
    json doc = base();
    doc["chains"][0]["id"] = "eip155:1";
    doc["chains"][0]["finality"] = {{"kind", "confirmations"}, {"confirmations", 64}};
    const auto r = parse(doc);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->chains[0].finality.kind, K::kConfirmations);
    EXPECT_EQ(r->chains[0].finality.confirmations, 64u);
    doc["chains"][0]["finality"] = json::object();  // present: kind confirmations, 12
    const auto e = parse(doc);
    ASSERT_TRUE(e.ok()) << e.status().message();
    EXPECT_EQ(e->chains[0].finality.kind, K::kConfirmations);
    EXPECT_EQ(e->chains[0].finality.confirmations, 12u);
    doc["chains"][0]["id"] = "eip155:100";
    doc["chains"][0]["finality"] = {{"kind", "safe"}};
    const auto s = parse(doc);
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(s->chains[0].finality.kind, K::kSafe);
  }
}

TEST(ConfigTest, EveryKeyIsRead) {
  json doc = base();
  doc["version"] = 1;
  doc["store"] = {
      {"path", "/var/lib/usd1pay/pay.db"}, {"synchronous", "normal"}, {"busy_timeout_ms", 250}};
  doc["chains"][0]["backend"] = "evm-rpc";
  doc["chains"][0]["backend_settings"] = {{"url", "http://127.0.0.1:8545"}, {"poll_ms", 500}};
  doc["chains"][0]["finality"] = {{"kind", "confirmations"}, {"confirmations", 3}};
  doc["chains"][0]["derivation_path"] = "1/7";
  doc["chains"][0]["start_block"] = 19000000;
  doc["chains"][0]["tokens"].push_back(
      {{"symbol", "USDX"}, {"contract", kEvmToken2}, {"decimals", 6}});
  doc["chains"].push_back(solana_chain());
  doc["chains"].push_back(tron_chain());
  doc["default_chain"] = kSolChain;
  doc["default_token"] = "USD1";
  doc["default_expiry_seconds"] = 3600;
  doc["underpayment_tolerance"] = "0.05";
  doc["metadata_max_bytes"] = 0;
  doc["actor"] = "pos-terminal:7@shop.example";
  doc["webhooks"] = json::array({json{{"url", "https://shop.example/hooks"},
                                      {"events", {"intent.succeeded", "intent.*"}},
                                      {"secret", "whsec_abc"},
                                      {"description", "main shop"},
                                      {"enabled", false}},
                                 json{{"url", "http://127.0.0.1:9000"}}});
  doc["webhook_delivery"] = {{"retry_schedule", {1, 2, 604800}},
                             {"jitter", 0.25},
                             {"workers", 8},
                             {"max_in_flight_per_endpoint", 8},
                             {"connect_timeout_ms", 100},
                             {"request_timeout_ms", 1000},
                             {"lease_ms", 1101},
                             {"allow_private_destinations", true},
                             {"verify_tls", true},
                             {"ca_file", "/etc/ssl/shop-ca.pem"}};
  const auto r = Config::parse(doc.dump(2), "test.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Config& c = *r;
  EXPECT_EQ(c.source, "test.json");
  EXPECT_EQ(c.store.path, "/var/lib/usd1pay/pay.db");
  EXPECT_EQ(c.store.synchronous, StoreConfig::Synchronous::kNormal);
  EXPECT_EQ(c.store.busy_timeout_ms, 250);
  ASSERT_EQ(c.chains.size(), 3u);
  EXPECT_EQ(c.chains[0].backend, "evm-rpc");
  EXPECT_EQ(json::parse(c.chains[0].backend_json), doc["chains"][0]["backend_settings"]);
  EXPECT_EQ(c.chains[0].finality.confirmations, 3u);
  EXPECT_EQ(c.chains[0].derivation_path, "1/7");
  EXPECT_EQ(c.chains[0].start_block, std::optional<std::uint64_t>(19000000));
  EXPECT_FALSE(c.chains[1].start_block.has_value());  // per chain
  ASSERT_EQ(c.chains[0].tokens.size(), 2u);
  EXPECT_EQ(c.chains[0].tokens[1].decimals, 6u);
  EXPECT_EQ(c.chains[1].family, ChainFamily::kSolana);
  EXPECT_EQ(c.chains[1].strategy, DepositStrategy::kReference);
  EXPECT_EQ(c.chains[1].merchant_address, kSolMerchant);
  EXPECT_EQ(c.chains[1].tokens[0].contract, kSolMint);
  EXPECT_EQ(c.chains[2].family, ChainFamily::kTron);
  EXPECT_EQ(c.chains[2].tokens[0].contract, tron_address(7));
  EXPECT_EQ(c.default_chain, kSolChain);
  EXPECT_EQ(c.default_expiry_seconds, 3600);
  EXPECT_EQ(c.underpayment_tolerance, "0.05");
  EXPECT_EQ(c.metadata_max_bytes, 0u);
  EXPECT_EQ(c.actor, "pos-terminal:7@shop.example");
  ASSERT_EQ(c.webhooks.size(), 2u);
  EXPECT_EQ(c.webhooks[0].url, "https://shop.example/hooks");
  EXPECT_EQ(c.webhooks[0].events, (std::vector<std::string>{"intent.succeeded", "intent.*"}));
  EXPECT_EQ(c.webhooks[0].secret, "whsec_abc");
  EXPECT_EQ(c.webhooks[0].description, "main shop");
  EXPECT_FALSE(c.webhooks[0].enabled);
  EXPECT_TRUE(c.webhooks[1].enabled);
  EXPECT_TRUE(c.webhooks[1].events.empty());
  const WebhookDeliveryConfig& d = c.webhook_delivery;
  EXPECT_EQ(d.retry_schedule_seconds, (std::vector<std::int64_t>{1, 2, 604800}));
  EXPECT_EQ(d.jitter, 0.25);
  EXPECT_EQ(d.workers, 8u);
  EXPECT_EQ(d.max_in_flight_per_endpoint, 8u);
  EXPECT_EQ(d.connect_timeout_ms, 100);
  EXPECT_EQ(d.request_timeout_ms, 1000);
  EXPECT_EQ(d.lease_ms, 1101);
  EXPECT_TRUE(d.allow_private_destinations);
  EXPECT_TRUE(d.verify_tls);
  EXPECT_EQ(d.ca_file, "/etc/ssl/shop-ca.pem");

  EXPECT_EQ(c.find_chain("eip155:1337"), &c.chains[0]);
  EXPECT_EQ(c.find_chain(kSolChain), &c.chains[1]);
  EXPECT_EQ(c.find_chain("eip155:1"), nullptr);
  EXPECT_EQ(c.find_chain("eip155:13370"), nullptr);
  EXPECT_EQ(c.find_chain("eip155"), nullptr);
  EXPECT_EQ(c.chains[0].find_token("USDX"), &c.chains[0].tokens[1]);
  EXPECT_EQ(c.chains[0].find_token("usdx"), nullptr);  // case-sensitive
  EXPECT_EQ(c.chains[0].find_token(""), nullptr);
}

struct GoodCase {
  const char* name;
  std::function<void(json&)> edit;
  std::function<void(const Config&)> check;
};

TEST(ConfigTest, GoodConfigs) {
  const GoodCase cases[] = {
      {"another EIP-55 contract",
       [](json& d) { d["chains"][0]["tokens"][0]["contract"] = kEvmToken2; },
       [](const Config& c) { EXPECT_EQ(c.chains[0].tokens[0].contract, kEvmToken2); }},
      {"TRON contract in hex form is stored as base58check",
       [](json& d) {
         d["chains"][0] = tron_chain();
         d["chains"][0]["tokens"][0]["contract"] = "41" + std::string(40, 'a');
       },
       [](const Config& c) {
         std::array<std::uint8_t, 20> a{};
         a.fill(0xaa);
         EXPECT_EQ(c.chains[0].tokens[0].contract, tron_address_from_account(a));
       }},
      {"finalized finality",
       [](json& d) {
         d["chains"][0]["finality"] = {{"kind", "finalized"}};
       },
       [](const Config& c) {
         EXPECT_EQ(c.chains[0].finality.kind, FinalityConfig::Kind::kFinalized);
       }},
      {"safe finality on EVM",
       [](json& d) {
         d["chains"][0]["finality"] = {{"kind", "safe"}};
       },
       [](const Config& c) { EXPECT_EQ(c.chains[0].finality.kind, FinalityConfig::Kind::kSafe); }},
      {"confirmations without kind",
       [](json& d) {
         d["chains"][0]["finality"] = {{"confirmations", 1}};
       },
       [](const Config& c) { EXPECT_EQ(c.chains[0].finality.confirmations, 1u); }},
      {"confirmations at the upper bound",
       [](json& d) {
         d["chains"][0]["finality"] = {{"confirmations", 10000}};
       },
       [](const Config& c) { EXPECT_EQ(c.chains[0].finality.confirmations, 10000u); }},
      {"empty finality object keeps the default",
       [](json& d) { d["chains"][0]["finality"] = json::object(); },
       [](const Config& c) { EXPECT_EQ(c.chains[0].finality.confirmations, 12u); }},
      {"static strategy on EVM",
       [](json& d) {
         d["chains"][0].erase("xpub");
         d["chains"][0]["strategy"] = "static";
         d["chains"][0]["merchant_address"] = kEvmToken2;
       },
       [](const Config& c) {
         EXPECT_EQ(c.chains[0].strategy, DepositStrategy::kStatic);
         EXPECT_EQ(c.chains[0].merchant_address, kEvmToken2);
         EXPECT_EQ(c.chains[0].xpub, "");
       }},
      {"static strategy on Solana",
       [](json& d) {
         d["chains"][0] = solana_chain();
         d["chains"][0]["strategy"] = "static";
       },
       [](const Config& c) { EXPECT_EQ(c.chains[0].strategy, DepositStrategy::kStatic); }},
      {"static strategy on TRON",
       [](json& d) {
         d["chains"][0] = tron_chain();
         d["chains"][0].erase("xpub");
         d["chains"][0]["strategy"] = "static";
         d["chains"][0]["merchant_address"] = tron_address(9);
       },
       [](const Config& c) { EXPECT_EQ(c.chains[0].merchant_address, tron_address(9)); }},
      {"empty derivation path (children of the xpub itself)",
       [](json& d) { d["chains"][0]["derivation_path"] = ""; },
       [](const Config& c) { EXPECT_EQ(c.chains[0].derivation_path, ""); }},
      {"decimals 0 and 38 with a whole tolerance",
       [](json& d) {
         d["chains"][0]["tokens"][0]["decimals"] = 0;
         d["chains"][0]["tokens"].push_back(
             {{"symbol", "U38"}, {"contract", kEvmToken2}, {"decimals", 38}});
         d["underpayment_tolerance"] = "1";
       },
       [](const Config& c) {
         EXPECT_EQ(c.chains[0].tokens[0].decimals, 0u);
         EXPECT_EQ(c.chains[0].tokens[1].decimals, 38u);
         EXPECT_EQ(c.underpayment_tolerance, "1.00");
       }},
      {"tolerance is normalised", [](json& d) { d["underpayment_tolerance"] = "00.050000"; },
       [](const Config& c) { EXPECT_EQ(c.underpayment_tolerance, "0.05"); }},
      {"tolerance at its limit", [](json& d) { d["underpayment_tolerance"] = "10.00"; },
       [](const Config& c) { EXPECT_EQ(c.underpayment_tolerance, "10.00"); }},
      {"tolerance with 6 decimals fits a 6-decimal token",
       [](json& d) {
         d["chains"].push_back(solana_chain());
         d["underpayment_tolerance"] = "0.000001";
       },
       [](const Config& c) { EXPECT_EQ(c.underpayment_tolerance, "0.000001"); }},
      {"expiry bounds", [](json& d) { d["default_expiry_seconds"] = 60; },
       [](const Config& c) { EXPECT_EQ(c.default_expiry_seconds, 60); }},
      {"expiry upper bound", [](json& d) { d["default_expiry_seconds"] = 604800; },
       [](const Config& c) { EXPECT_EQ(c.default_expiry_seconds, 604800); }},
      {"default token other than the first",
       [](json& d) {
         d["chains"][0]["tokens"].push_back(
             {{"symbol", "USDX"}, {"contract", kEvmToken2}, {"decimals", 6}});
         d["default_token"] = "USDX";
       },
       [](const Config& c) { EXPECT_EQ(c.default_token, "USDX"); }},
      {"default chain defaults to the first one",
       [](json& d) { d["chains"].insert(d["chains"].begin(), solana_chain()); },
       [](const Config& c) {
         EXPECT_EQ(c.default_chain, kSolChain);
         EXPECT_EQ(c.default_token, "USD1");
       }},
      {"same symbol on two chains", [](json& d) { d["chains"].push_back(tron_chain()); },
       [](const Config& c) { EXPECT_EQ(c.chains.size(), 2u); }},
      {"empty webhook list", [](json& d) { d["webhooks"] = json::array(); },
       [](const Config& c) { EXPECT_TRUE(c.webhooks.empty()); }},
      {"UTF-8 in a description",
       [](json& d) {
         d["webhooks"] = json::array({json{{"url", "https://x"}, {"description", "caf\u00e9"}}});
       },
       [](const Config& c) { EXPECT_EQ(c.webhooks[0].description, "caf\u00e9"); }},
      {"backend settings keep nested values",
       [](json& d) {
         d["chains"][0]["backend_settings"] = {{"a", {{"b", {1, 2}}}}};
       },
       [](const Config& c) { EXPECT_EQ(c.chains[0].backend_json, R"({"a":{"b":[1,2]}})"); }},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    json doc = base();
    tc.edit(doc);
    const auto r = parse(doc);
    ASSERT_TRUE(r.ok()) << r.status().message();
    tc.check(*r);
  }
}

// ---- bad configs ----

struct BadCase {
  std::function<void(json&)> edit;
  ErrorCode code;
  const char* fragment;  // the whole message must contain it
};

TEST(ConfigTest, EveryErrorNamesItsKeyPath) {
  const std::string lower_token = "0x46f55d6933f9bf2cbf96565eac0e91c3577f32fa";
  const std::string bad_checksum = "0x46F55d6933f9bF2CbF96565EaC0E91C3577f32fA";
  const BadCase cases[] = {
      // top level
      {[](json& d) { d["chain"] = json::array(); }, ErrorCode::kInvalidArgument,
       "config: unknown key 'chain' (did you mean 'chains'?)"},
      {[](json& d) { d["colour"] = 1; }, ErrorCode::kInvalidArgument,
       "config: unknown key 'colour' (known keys: version, store, chains"},
      {[](json& d) { d["default_expiry"] = 1; }, ErrorCode::kInvalidArgument,
       "did you mean 'default_expiry_seconds'?"},
      {[](json& d) { d.erase("store"); }, ErrorCode::kInvalidArgument,
       "config: store: missing required key"},
      {[](json& d) { d.erase("chains"); }, ErrorCode::kInvalidArgument,
       "config: chains: missing required key"},
      {[](json& d) { d["chains"] = json::object(); }, ErrorCode::kInvalidArgument,
       "config: chains: expected an array, found an object"},
      {[](json& d) { d["chains"] = json::array(); }, ErrorCode::kInvalidArgument,
       "config: chains: at least one chain is needed"},
      {[](json& d) { d["version"] = 2; }, ErrorCode::kUnsupported,
       "config: version: 2 is not supported"},
      {[](json& d) { d["version"] = "1"; }, ErrorCode::kInvalidArgument,
       "config: version: expected an integer, found a string"},
      {[](json& d) { d["default_chain"] = "eip155:1"; }, ErrorCode::kInvalidArgument,
       "config: default_chain: no chain 'eip155:1' is configured (configured: eip155:1337)"},
      {[](json& d) { d["default_chain"] = 1337; }, ErrorCode::kInvalidArgument,
       "config: default_chain: expected a string, found an integer"},
      {[](json& d) { d["default_token"] = "usd1"; }, ErrorCode::kInvalidArgument,
       "config: default_token: no token 'usd1' on the default chain eip155:1337 (its tokens: "
       "USD1)"},
      {[](json& d) { d["default_expiry_seconds"] = 59; }, ErrorCode::kOutOfRange,
       "config: default_expiry_seconds: 59 is not between 60 and 604800"},
      {[](json& d) { d["default_expiry_seconds"] = 604801; }, ErrorCode::kOutOfRange,
       "config: default_expiry_seconds: 604801 is not between 60 and 604800"},
      {[](json& d) { d["default_expiry_seconds"] = -1; }, ErrorCode::kOutOfRange,
       "config: default_expiry_seconds: -1 is not between"},
      {[](json& d) { d["default_expiry_seconds"] = 900.0; }, ErrorCode::kInvalidArgument,
       "config: default_expiry_seconds: expected an integer, found a number with a fraction"},
      {[](json& d) { d["default_expiry_seconds"] = json::parse("18446744073709551615"); },
       ErrorCode::kOutOfRange, "config: default_expiry_seconds: 18446744073709551615 is not"},
      {[](json& d) { d["underpayment_tolerance"] = 0.05; }, ErrorCode::kInvalidArgument,
       "config: underpayment_tolerance: expected a string (money is an exact decimal string"},
      {[](json& d) { d["underpayment_tolerance"] = 0; }, ErrorCode::kInvalidArgument,
       "config: underpayment_tolerance: expected a string"},
      {[](json& d) { d["underpayment_tolerance"] = "-0.01"; }, ErrorCode::kInvalidArgument,
       "config: underpayment_tolerance: amount: negative"},
      {[](json& d) { d["underpayment_tolerance"] = "1e-2"; }, ErrorCode::kInvalidArgument,
       "config: underpayment_tolerance: amount:"},
      {[](json& d) { d["underpayment_tolerance"] = "10.01"; }, ErrorCode::kOutOfRange,
       "config: underpayment_tolerance: 10.01 is more than the limit of 10.00"},
      {[](json& d) { d["underpayment_tolerance"] = "0.0000000000000000001"; },
       ErrorCode::kOutOfRange, "config: underpayment_tolerance: amount:"},
      {[](json& d) {
         d["chains"].push_back(solana_chain());
         d["underpayment_tolerance"] = "0.0000001";
       },
       ErrorCode::kOutOfRange,
       "config: underpayment_tolerance: 0.0000001 is not exact in USD1 with 6 decimals "
       "(chains[1].tokens[0])"},
      {[](json& d) { d["metadata_max_bytes"] = 65537; }, ErrorCode::kOutOfRange,
       "config: metadata_max_bytes: 65537 is not between 0 and 65536"},
      {[](json& d) { d["actor"] = ""; }, ErrorCode::kInvalidArgument,
       "config: actor: must be 1 to 64 characters long, not 0"},
      {[](json& d) { d["actor"] = "api key"; }, ErrorCode::kInvalidArgument,
       "config: actor: bad character ' ' at position 3"},
      {[](json& d) { d["actor"] = "api\n"; }, ErrorCode::kInvalidArgument,
       "config: actor: control character byte 0x0a at position 3"},
      // store
      {[](json& d) { d["store"] = "usd1pay.db"; }, ErrorCode::kInvalidArgument,
       "config: store: expected an object, found a string"},
      {[](json& d) { d["store"].erase("path"); }, ErrorCode::kInvalidArgument,
       "config: store.path: missing required key"},
      {[](json& d) { d["store"]["path"] = ""; }, ErrorCode::kInvalidArgument,
       "config: store.path: must not be empty"},
      {[](json& d) { d["store"]["path"] = std::string("a\0b", 3); }, ErrorCode::kInvalidArgument,
       "config: store.path: control character byte 0x00 at position 1"},
      {[](json& d) { d["store"]["synchronous"] = "off"; }, ErrorCode::kInvalidArgument,
       "config: store.synchronous: 'off' is not one of: full, normal"},
      {[](json& d) { d["store"]["busy_timeout_ms"] = 600001; }, ErrorCode::kOutOfRange,
       "config: store.busy_timeout_ms: 600001 is not between 0 and 600000"},
      {[](json& d) { d["store"]["sync"] = "full"; }, ErrorCode::kInvalidArgument,
       "config: store: unknown key 'sync'"},
      // chains
      {[](json& d) { d["chains"][0] = "eip155:1"; }, ErrorCode::kInvalidArgument,
       "config: chains[0]: expected an object, found a string"},
      {[](json& d) { d["chains"][0].erase("id"); }, ErrorCode::kInvalidArgument,
       "config: chains[0].id: missing required key"},
      {[](json& d) { d["chains"][0]["id"] = "eip155"; }, ErrorCode::kInvalidArgument,
       "config: chains[0].id: "},
      {[](json& d) { d["chains"][0]["id"] = "cosmos:hub"; }, ErrorCode::kUnsupported,
       "config: chains[0].id: "},
      {[](json& d) { d["chains"].push_back(d["chains"][0]); }, ErrorCode::kInvalidArgument,
       "config: chains[1].id: duplicate chain 'eip155:1337' (also chains[0])"},
      {[](json& d) { d["chains"][0]["backend"] = "ganache"; }, ErrorCode::kUnsupported,
       "config: chains[0].backend: unknown backend 'ganache' (known: sim, evm-rpc)"},
      {[](json& d) { d["chains"][0].erase("backend"); }, ErrorCode::kInvalidArgument,
       "config: chains[0].backend: missing required key"},
      {[](json& d) {
         d["chains"][0] = solana_chain();
         d["chains"][0]["backend"] = "evm-rpc";
       },
       ErrorCode::kUnsupported, "config: chains[0].backend: 'evm-rpc' serves EVM chains only"},
      {[](json& d) { d["chains"][0]["backend_settings"] = "http://x"; },
       ErrorCode::kInvalidArgument,
       "config: chains[0].backend_settings: expected an object, found a string"},
      {[](json& d) { d["chains"][0]["rpc_url"] = "http://x"; }, ErrorCode::kInvalidArgument,
       "config: chains[0]: unknown key 'rpc_url'"},
      {[](json& d) { d["chains"][0]["confirmations"] = 3; }, ErrorCode::kInvalidArgument,
       "config: chains[0]: unknown key 'confirmations'"},
      // finality
      {[](json& d) { d["chains"][0]["finality"] = 3; }, ErrorCode::kInvalidArgument,
       "config: chains[0].finality: expected an object, found an integer"},
      {[](json& d) {
         d["chains"][0]["finality"] = {{"confirmations", 0}};
       },
       ErrorCode::kOutOfRange, "config: chains[0].finality.confirmations: 0 is not between 1"},
      {[](json& d) {
         d["chains"][0]["finality"] = {{"confirmations", 10001}};
       },
       ErrorCode::kOutOfRange, "config: chains[0].finality.confirmations: 10001 is not"},
      {[](json& d) {
         d["chains"][0]["finality"] = {{"confirmations", "3"}};
       },
       ErrorCode::kInvalidArgument,
       "config: chains[0].finality.confirmations: expected an integer, found a string"},
      {[](json& d) {
         d["chains"][0]["finality"] = {{"kind", "latest"}};
       },
       ErrorCode::kInvalidArgument,
       "config: chains[0].finality.kind: 'latest' is not one of: confirmations, finalized, safe"},
      {[](json& d) {
         d["chains"][0]["finality"] = {{"kind", "finalized"}, {"confirmations", 3}};
       },
       ErrorCode::kInvalidArgument,
       "config: chains[0].finality.confirmations: only with kind 'confirmations', not 'finalized'"},
      {[](json& d) {
         d["chains"][0] = solana_chain();
         d["chains"][0]["finality"] = {{"kind", "safe"}};
       },
       ErrorCode::kUnsupported, "config: chains[0].finality.kind: 'safe' is an EVM block tag"},
      {[](json& d) {
         d["chains"][0]["finality"] = {{"knd", "safe"}};
       },
       ErrorCode::kInvalidArgument,
       "config: chains[0].finality: unknown key 'knd' (did you mean 'kind'?)"},
      // tokens
      {[](json& d) { d["chains"][0].erase("tokens"); }, ErrorCode::kInvalidArgument,
       "config: chains[0].tokens: missing required key"},
      {[](json& d) { d["chains"][0]["tokens"] = json::array(); }, ErrorCode::kInvalidArgument,
       "config: chains[0].tokens: at least one token is needed"},
      {[](json& d) { d["chains"][0]["tokens"][0] = "USD1"; }, ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[0]: expected an object, found a string"},
      {[](json& d) { d["chains"][0]["tokens"][0].erase("symbol"); }, ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[0].symbol: missing required key"},
      {[](json& d) { d["chains"][0]["tokens"][0]["symbol"] = ""; }, ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[0].symbol: must be 1 to 16 characters long, not 0"},
      {[](json& d) { d["chains"][0]["tokens"][0]["symbol"] = "USD 1"; },
       ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[0].symbol: bad character ' ' at position 3"},
      {[](json& d) { d["chains"][0]["tokens"][0]["symbol"] = "USD1USD1USD1USD1X"; },
       ErrorCode::kInvalidArgument, "must be 1 to 16 characters long, not 17"},
      {[](json& d) { d["chains"][0]["tokens"][0].erase("contract"); }, ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[0].contract: missing required key"},
      {[](json& d) { d["chains"][0]["tokens"][0]["contract"] = ""; }, ErrorCode::kUnsupported,
       "config: chains[0].tokens[0].contract: must name the token contract"},
      {[lower_token](json& d) { d["chains"][0]["tokens"][0]["contract"] = lower_token; },
       ErrorCode::kChecksumMismatch,
       "config: chains[0].tokens[0].contract: address: no EIP-55 checksum"},
      {[bad_checksum](json& d) { d["chains"][0]["tokens"][0]["contract"] = bad_checksum; },
       ErrorCode::kChecksumMismatch, "config: chains[0].tokens[0].contract: address: "},
      {[](json& d) { d["chains"][0]["tokens"][0]["contract"] = kSolMint; },
       ErrorCode::kInvalidArgument, "config: chains[0].tokens[0].contract: address: "},
      {[](json& d) {
         d["chains"][0] = solana_chain();
         d["chains"][0]["tokens"][0]["contract"] = kEvmToken;
       },
       ErrorCode::kInvalidArgument, "config: chains[0].tokens[0].contract: address: "},
      {[](json& d) {
         d["chains"][0] = solana_chain();
         d["chains"][0]["tokens"][0].erase("contract");
         d["chains"][0]["tokens"][0]["mint"] = kSolMint;
       },
       ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[0].mint: unknown key 'mint' (write the mint address under "
       "'contract'"},
      {[](json& d) { d["chains"][0]["tokens"][0].erase("decimals"); }, ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[0].decimals: missing required key"},
      {[](json& d) { d["chains"][0]["tokens"][0]["decimals"] = 39; }, ErrorCode::kOutOfRange,
       "config: chains[0].tokens[0].decimals: 39 is not between 0 and 38"},
      {[](json& d) { d["chains"][0]["tokens"][0]["decimals"] = -1; }, ErrorCode::kOutOfRange,
       "config: chains[0].tokens[0].decimals: -1 is not between 0 and 38"},
      {[](json& d) { d["chains"][0]["tokens"][0]["decimals"] = "18"; }, ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[0].decimals: expected an integer, found a string"},
      {[](json& d) { d["chains"][0]["tokens"][0]["decimal"] = 18; }, ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[0]: unknown key 'decimal' (did you mean 'decimals'?)"},
      {[](json& d) {
         d["chains"][0]["tokens"].push_back(
             {{"symbol", "usd1"}, {"contract", kEvmToken2}, {"decimals", 6}});
       },
       ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[1].symbol: duplicate symbol 'usd1' (also chains[0].tokens[0]"},
      {[](json& d) {
         d["chains"][0]["tokens"].push_back(
             {{"symbol", "USDX"}, {"contract", kEvmToken}, {"decimals", 18}});
       },
       ErrorCode::kInvalidArgument,
       "config: chains[0].tokens[1].contract: duplicate contract "
       "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA (also chains[0].tokens[0])"},
      // strategies
      {[](json& d) { d["chains"][0].erase("strategy"); }, ErrorCode::kInvalidArgument,
       "config: chains[0].strategy: missing required key"},
      {[](json& d) { d["chains"][0]["strategy"] = "hd"; }, ErrorCode::kInvalidArgument,
       "config: chains[0].strategy: 'hd' is not one of: xpub, reference, static"},
      {[](json& d) { d["chains"][0].erase("xpub"); }, ErrorCode::kInvalidArgument,
       "config: chains[0].xpub: missing required key"},
      {[](json& d) { d["chains"][0]["xpub"] = std::string(kXpub).substr(0, 100) + "1"; },
       ErrorCode::kInvalidArgument, "config: chains[0].xpub: "},
      {[](json& d) {
         std::string x = kXpub;
         x[50] = x[50] == 'a' ? 'b' : 'a';
         d["chains"][0]["xpub"] = x;
       },
       ErrorCode::kChecksumMismatch, "config: chains[0].xpub: "},
      {[](json& d) { d["chains"][0]["derivation_path"] = "m/0"; }, ErrorCode::kInvalidArgument,
       "config: chains[0].derivation_path: "},
      {[](json& d) { d["chains"][0]["derivation_path"] = "0'"; }, ErrorCode::kInvalidArgument,
       "config: chains[0].derivation_path: "},
      {[](json& d) { d["chains"][0]["derivation_path"] = "2147483648"; },
       ErrorCode::kInvalidArgument, "config: chains[0].derivation_path: "},
      {[](json& d) { d["chains"][0]["merchant_address"] = kEvmToken2; },
       ErrorCode::kInvalidArgument,
       "config: chains[0].merchant_address: not used with strategy 'xpub'"},
      {[](json& d) {
         d["chains"][0] = solana_chain();
         d["chains"][0]["strategy"] = "xpub";
         d["chains"][0]["xpub"] = kXpub;
       },
       ErrorCode::kUnsupported,
       "config: chains[0].strategy: 'xpub' needs secp256k1 keys (EVM, TRON); Solana keys are "
       "ed25519"},
      {[](json& d) {
         d["chains"][0]["strategy"] = "reference";
         d["chains"][0].erase("xpub");
       },
       ErrorCode::kUnsupported,
       "config: chains[0].strategy: 'reference' keys exist only in Solana Pay"},
      {[](json& d) { d["chains"][0]["strategy"] = "static"; }, ErrorCode::kInvalidArgument,
       "config: chains[0].xpub: only with strategy 'xpub', not 'static'"},
      {[](json& d) {
         d["chains"][0] = solana_chain();
         d["chains"][0]["derivation_path"] = "0";
       },
       ErrorCode::kInvalidArgument,
       "config: chains[0].derivation_path: only with strategy 'xpub', not 'reference'"},
      {[](json& d) {
         d["chains"][0] = solana_chain();
         d["chains"][0].erase("merchant_address");
       },
       ErrorCode::kInvalidArgument, "config: chains[0].merchant_address: missing required key"},
      {[](json& d) {
         d["chains"][0].erase("xpub");
         d["chains"][0]["strategy"] = "static";
         d["chains"][0]["merchant_address"] = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
       },
       ErrorCode::kChecksumMismatch,
       "config: chains[0].merchant_address: address: no EIP-55 checksum"},
      {[](json& d) {
         d["chains"][0] = solana_chain();
         d["chains"][0]["merchant_address"] = "3Koo8UGnRrxpiK1hMaXeqmw7L9DxWmcexfuVrW28hML0";
       },
       ErrorCode::kInvalidArgument, "config: chains[0].merchant_address: address: "},
      {[](json& d) {
         d["chains"][0] = tron_chain();
         d["chains"][0]["tokens"][0]["contract"] = kEvmToken;
       },
       ErrorCode::kInvalidArgument, "config: chains[0].tokens[0].contract: address: "},
      // errors deeper in the array name the right element
      {[](json& d) {
         d["chains"].push_back(solana_chain());
         d["chains"][1]["tokens"].push_back({{"symbol", "X"}, {"contract", kSolMerchant}});
       },
       ErrorCode::kInvalidArgument, "config: chains[1].tokens[1].decimals: missing required key"},
      // webhooks
      {[](json& d) { d["webhooks"] = json::object(); }, ErrorCode::kInvalidArgument,
       "config: webhooks: expected an array, found an object"},
      {[](json& d) { d["webhooks"] = json::array({json::object()}); }, ErrorCode::kInvalidArgument,
       "config: webhooks[0].url: missing required key"},
      {[](json& d) {
         d["webhooks"] = json::array({json{{"url", "ftp://x"}}});
       },
       ErrorCode::kInvalidArgument,
       "config: webhooks[0].url: 'ftp://x' must start with https:// or http://"},
      {[](json& d) {
         d["webhooks"] = json::array({json{{"url", "https:///path"}}});
       },
       ErrorCode::kInvalidArgument, "config: webhooks[0].url: 'https:///path' has no host"},
      {[](json& d) {
         d["webhooks"] = json::array({json{{"url", "https://a b"}}});
       },
       ErrorCode::kInvalidArgument, "config: webhooks[0].url: bad character ' ' at position 9"},
      {[](json& d) {
         d["webhooks"] = json::array({json{{"url", "https://x"}, {"events", "*"}}});
       },
       ErrorCode::kInvalidArgument,
       "config: webhooks[0].events: expected an array, found a string"},
      {[](json& d) {
         d["webhooks"] = json::array({json{{"url", "https://x"}, {"events", {"intent.*", 3}}}});
       },
       ErrorCode::kInvalidArgument,
       "config: webhooks[0].events[1]: expected a string, found an integer"},
      {[](json& d) {
         d["webhooks"] = json::array({json{{"url", "https://x"}, {"events", {"Intent.Created"}}}});
       },
       ErrorCode::kInvalidArgument,
       "config: webhooks[0].events[0]: bad character 'I' at position 0"},
      {[](json& d) {
         d["webhooks"] = json::array({json{{"url", "https://x"}, {"enabled", "yes"}}});
       },
       ErrorCode::kInvalidArgument,
       "config: webhooks[0].enabled: expected true or false, found a string"},
      {[](json& d) {
         d["webhooks"] = json::array({json{{"url", "https://x"}}, json{{"uri", "https://y"}}});
       },
       ErrorCode::kInvalidArgument, "config: webhooks[1]: unknown key 'uri' (did you mean 'url'?)"},
      // webhook_delivery
      {[](json& d) { d["webhook_delivery"] = json::array(); }, ErrorCode::kInvalidArgument,
       "config: webhook_delivery: expected an object, found an array"},
      {[](json& d) {
         d["webhook_delivery"] = {{"retries", json::array({5})}};
       },
       ErrorCode::kInvalidArgument, "config: webhook_delivery: unknown key 'retries'"},
      {[](json& d) {
         d["webhook_delivery"] = {{"worker", 4}};
       },
       ErrorCode::kInvalidArgument,
       "config: webhook_delivery: unknown key 'worker' (did you mean 'workers'?)"},
      {[](json& d) {
         d["webhook_delivery"] = {{"retry_schedule", json::array()}};
       },
       ErrorCode::kInvalidArgument,
       "config: webhook_delivery.retry_schedule: at least one delay is needed"},
      {[](json& d) {
         d["webhook_delivery"] = {{"retry_schedule", 5}};
       },
       ErrorCode::kInvalidArgument,
       "config: webhook_delivery.retry_schedule: expected an array, found an integer"},
      {[](json& d) {
         d["webhook_delivery"] = {{"retry_schedule", json(std::vector<int>(51, 5))}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.retry_schedule: 51 delays, more than the limit of 50"},
      {[](json& d) {
         d["webhook_delivery"] = {{"retry_schedule", {5, 0}}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.retry_schedule[1]: 0 is not between 1 and 604800"},
      {[](json& d) {
         d["webhook_delivery"] = {{"retry_schedule", {5, -5}}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.retry_schedule[1]: -5 is not between 1 and 604800"},
      {[](json& d) {
         d["webhook_delivery"] = {{"retry_schedule", {604801}}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.retry_schedule[0]: 604801 is not between 1 and 604800"},
      {[](json& d) {
         d["webhook_delivery"] = {{"retry_schedule", {json::parse("18446744073709551615")}}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.retry_schedule[0]: 18446744073709551615 is not between"},
      {[](json& d) {
         d["webhook_delivery"] = {{"retry_schedule", {5, 2.5}}};
       },
       ErrorCode::kInvalidArgument,
       "config: webhook_delivery.retry_schedule[1]: expected an integer (seconds), found a number "
       "with a fraction"},
      {[](json& d) {
         d["webhook_delivery"] = {{"retry_schedule", {"5s"}}};
       },
       ErrorCode::kInvalidArgument,
       "config: webhook_delivery.retry_schedule[0]: expected an integer (seconds), found a string"},
      {[](json& d) {
         d["webhook_delivery"] = {{"jitter", 0.51}};
       },
       ErrorCode::kOutOfRange, "config: webhook_delivery.jitter: 0.51 is not between 0 and 0.5"},
      {[](json& d) {
         d["webhook_delivery"] = {{"jitter", -0.1}};
       },
       ErrorCode::kOutOfRange, "config: webhook_delivery.jitter: -0.1 is not between 0 and 0.5"},
      {[](json& d) {
         d["webhook_delivery"] = {{"jitter", 1}};
       },
       ErrorCode::kOutOfRange, "config: webhook_delivery.jitter: 1 is not between 0 and 0.5"},
      {[](json& d) {
         d["webhook_delivery"] = {{"jitter", "0.1"}};
       },
       ErrorCode::kInvalidArgument,
       "config: webhook_delivery.jitter: expected a number (a ratio such as 0.1), found a string"},
      {[](json& d) {
         d["webhook_delivery"] = {{"workers", 0}};
       },
       ErrorCode::kOutOfRange, "config: webhook_delivery.workers: 0 is not between 1 and 256"},
      {[](json& d) {
         d["webhook_delivery"] = {{"workers", 257}};
       },
       ErrorCode::kOutOfRange, "config: webhook_delivery.workers: 257 is not between 1 and 256"},
      {[](json& d) {
         d["webhook_delivery"] = {{"workers", 4.0}};
       },
       ErrorCode::kInvalidArgument,
       "config: webhook_delivery.workers: expected an integer, found a number with a fraction"},
      {[](json& d) {
         d["webhook_delivery"] = {{"max_in_flight_per_endpoint", 0}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.max_in_flight_per_endpoint: 0 is not between 1 and 256"},
      {[](json& d) {
         d["webhook_delivery"] = {{"max_in_flight_per_endpoint", 5}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.max_in_flight_per_endpoint: 5 is more than workers (4)"},
      {[](json& d) {
         d["webhook_delivery"] = {{"workers", 2}, {"max_in_flight_per_endpoint", 3}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.max_in_flight_per_endpoint: 3 is more than workers (2)"},
      {[](json& d) {
         d["webhook_delivery"] = {{"connect_timeout_ms", 99}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.connect_timeout_ms: 99 is not between 100 and 60000"},
      {[](json& d) {
         d["webhook_delivery"] = {{"request_timeout_ms", 999}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.request_timeout_ms: 999 is not between 1000 and 60000"},
      {[](json& d) {
         d["webhook_delivery"] = {{"request_timeout_ms", 60001}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.request_timeout_ms: 60001 is not between 1000 and 60000"},
      {[](json& d) {
         d["webhook_delivery"] = {{"lease_ms", 3600001}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.lease_ms: 3600001 is not between 1000 and 3600000"},
      {[](json& d) {
         d["webhook_delivery"] = {{"lease_ms", 25000}};
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.lease_ms: 25000 must be more than connect_timeout_ms + "
       "request_timeout_ms (25000)"},
      {[](json& d) {
         d["webhook_delivery"] = {{"request_timeout_ms", 60000}};  // 5000 + 60000 > 60000
       },
       ErrorCode::kOutOfRange,
       "config: webhook_delivery.lease_ms: 60000 must be more than connect_timeout_ms + "
       "request_timeout_ms (65000)"},
      {[](json& d) {
         d["webhook_delivery"] = {{"allow_private_destinations", "yes"}};
       },
       ErrorCode::kInvalidArgument,
       "config: webhook_delivery.allow_private_destinations: expected true or false, found a "
       "string"},
      {[](json& d) {
         d["webhook_delivery"] = {{"verify_tls", 0}};
       },
       ErrorCode::kInvalidArgument,
       "config: webhook_delivery.verify_tls: expected true or false, found an integer"},
      {[](json& d) {
         d["webhook_delivery"] = {{"ca_file", 1}};
       },
       ErrorCode::kInvalidArgument,
       "config: webhook_delivery.ca_file: expected a string, found an integer"},
      {[](json& d) {
         d["webhook_delivery"] = {{"ca_file", "ca.pem"}, {"verify_tls", false}};
       },
       ErrorCode::kInvalidArgument, "config: webhook_delivery.ca_file: only with verify_tls true"},
  };
  std::size_t i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE("case " + std::to_string(i++) + ": " + tc.fragment);
    json doc = base();
    tc.edit(doc);
    const auto r = parse(doc);
    ASSERT_FALSE(r.ok()) << doc.dump();
    EXPECT_EQ(r.status().code(), tc.code) << r.status().message();
    EXPECT_NE(r.status().message().find(tc.fragment), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().rfind("config: ", 0), 0u) << r.status().message();
  }
}

// A chain's `start_block`, written as literal JSON text (so that spellings
// such as 1e6, 100.0 and integers beyond 64 bits reach the reader as written)
// on the chain at `index` of a two-chain config.
Result<Config> parse_with_start_block(const std::string& literal, std::size_t index = 0) {
  json doc = base();
  doc["chains"].push_back(solana_chain());
  doc["chains"][index]["start_block"] = "@START@";
  std::string text = doc.dump();
  const std::string marker = "\"@START@\"";
  text.replace(text.find(marker), marker.size(), literal);
  return Config::parse(text);
}

TEST(ConfigTest, StartBlockIsABlockNumberOfItsChain) {
  struct Good {
    std::string literal;
    std::uint64_t value;
  };
  const Good good[] = {{"0", 0},
                       {"1", 1},
                       {"19000000", 19000000},
                       {"9007199254740991", 9007199254740991u}};  // 2^53-1
  for (const auto& tc : good) {
    SCOPED_TRACE(tc.literal);
    for (const std::size_t index : {0u, 1u}) {
      const auto r = parse_with_start_block(tc.literal, index);
      ASSERT_TRUE(r.ok()) << r.status().message();
      // Only the chain that has the key gets it.
      EXPECT_EQ(r->chains[index].start_block, std::optional<std::uint64_t>(tc.value));
      EXPECT_FALSE(r->chains[1 - index].start_block.has_value());
    }
  }

  const std::string range =
      " (0..9007199254740991; 2^53-1 is the largest integer every JSON reader holds exactly)";
  struct Bad {
    std::string literal;
    std::size_t index;
    ErrorCode code;
    std::string message;
  };
  const Bad bad[] = {
      {"-1", 0, ErrorCode::kOutOfRange,
       "config: chains[0].start_block: -1 is not a block number of eip155:1337" + range},
      {"-9223372036854775808", 0, ErrorCode::kOutOfRange,
       "config: chains[0].start_block: -9223372036854775808 is not a block number of "
       "eip155:1337" +
           range},
      {"9007199254740992", 0, ErrorCode::kOutOfRange,
       "config: chains[0].start_block: 9007199254740992 is not a block number of eip155:1337" +
           range},
      {"18446744073709551615", 1, ErrorCode::kOutOfRange,
       "config: chains[1].start_block: 18446744073709551615 is not a block number of " +
           std::string(kSolChain) + range},
      // Beyond 64 bits the JSON reader holds a float: still out of range,
      // not "a fraction".
      {"18446744073709551616", 0, ErrorCode::kOutOfRange,
       "config: chains[0].start_block: 1.8446744073709552e+19 is not a block number of "
       "eip155:1337" +
           range},
      {"-1e30", 0, ErrorCode::kOutOfRange,
       "config: chains[0].start_block: -1e+30 is not a block number of eip155:1337" + range},
      {"\"100\"", 0, ErrorCode::kInvalidArgument,
       "config: chains[0].start_block: expected an integer (a block number of eip155:1337), "
       "found a string"},
      {"100.0", 1, ErrorCode::kInvalidArgument,
       "config: chains[1].start_block: expected an integer (a block number of " +
           std::string(kSolChain) + "), found a number with a fraction or exponent"},
      {"1e6", 0, ErrorCode::kInvalidArgument,
       "config: chains[0].start_block: expected an integer (a block number of eip155:1337), "
       "found a number with a fraction or exponent"},
      {"0.5", 0, ErrorCode::kInvalidArgument,
       "config: chains[0].start_block: expected an integer (a block number of eip155:1337), "
       "found a number with a fraction or exponent"},
      {"-0.5", 0, ErrorCode::kInvalidArgument,
       "config: chains[0].start_block: expected an integer (a block number of eip155:1337), "
       "found a number with a fraction or exponent"},
      {"null", 0, ErrorCode::kInvalidArgument,
       "config: chains[0].start_block: expected an integer (a block number of eip155:1337), "
       "found null"},
      {"true", 0, ErrorCode::kInvalidArgument,
       "config: chains[0].start_block: expected an integer (a block number of eip155:1337), "
       "found a boolean"},
      {"[100]", 0, ErrorCode::kInvalidArgument,
       "config: chains[0].start_block: expected an integer (a block number of eip155:1337), "
       "found an array"},
      {"{\"eip155:1337\": 100}", 0, ErrorCode::kInvalidArgument,
       "config: chains[0].start_block: expected an integer (a block number of eip155:1337), "
       "found an object"},
  };
  for (const auto& tc : bad) {
    SCOPED_TRACE(tc.literal);
    const auto r = parse_with_start_block(tc.literal, tc.index);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), tc.code) << r.status().message();
    EXPECT_EQ(r.status().message(), tc.message);
  }

  // A misspelt key is named as such, on chains of every family.
  json doc = base();
  doc["chains"][0]["start_blok"] = 5;
  auto r = parse(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "config: chains[0]: unknown key 'start_blok' (did you mean 'start_block'?)");
  doc = base();
  doc["chains"][0]["startblock"] = 5;
  r = parse(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "config: chains[0]: unknown key 'startblock' (did you mean 'start_block'?)");
  // It belongs to a chain, not to the document or to finality.
  doc = base();
  doc["start_block"] = 5;
  r = parse(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("config: unknown key 'start_block'", 0), 0u)
      << r.status().message();
  doc = base();
  doc["chains"][0]["finality"] = {{"kind", "confirmations"}, {"start_block", 5}};
  r = parse(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("config: chains[0].finality: unknown key 'start_block'", 0),
            0u)
      << r.status().message();
}

// Errors found by the parser itself, before any key is looked at.
TEST(ConfigTest, DocumentErrors) {
  struct Case {
    std::string text;
    ErrorCode code;
    std::string fragment;
  };
  const Case cases[] = {
      {"", ErrorCode::kInvalidArgument, "config: JSON syntax error at line 1, column 1"},
      {"{\n  \"store\": {\"path\": \"x\"},\n  \"chains\": [1,]\n}", ErrorCode::kInvalidArgument,
       "config: JSON syntax error at line 3, column 16"},
      {"{\"a\": 1} x", ErrorCode::kInvalidArgument,
       "config: JSON syntax error at line 1, column 10"},
      {"{\"a\": \"\xff\"}", ErrorCode::kInvalidArgument, "config: JSON syntax error at line 1"},
      // nlohmann would stop at the NUL and take the document before it.
      {std::string("{\"version\": 1}\n\0{\"x\": 1}", 18), ErrorCode::kInvalidArgument,
       "config: NUL byte at line 2, column 1"},
      {"[]", ErrorCode::kInvalidArgument,
       "config: the document must be a JSON object, found an array"},
      {"\"x\"", ErrorCode::kInvalidArgument,
       "config: the document must be a JSON object, found a string"},
      {R"({"store": {"path": "a", "path": "b"}})", ErrorCode::kInvalidArgument,
       "config: store.path: duplicate key"},
      {R"({"chains": [{"id": "x"}, {"tokens": [{"symbol": "A", "symbol": "B"}]}]})",
       ErrorCode::kInvalidArgument, "config: chains[1].tokens[0].symbol: duplicate key"},
      {R"({"chains": [1, [2, 3], {"x": {"y": 1, "y": 2}}]})", ErrorCode::kInvalidArgument,
       "config: chains[2].x.y: duplicate key"},
      {R"({"a": 1, "a": 1})", ErrorCode::kInvalidArgument, "config: a: duplicate key"},
      // A number beyond a double: nlohmann throws out_of_range, without a place.
      {R"({"store": {"busy_timeout_ms": 1e999}})", ErrorCode::kInvalidArgument,
       "config: store.busy_timeout_ms: number 1e999 is beyond the range of a double"},
      {R"({"chains": [{"start_block": 5}, {"tokens": [1, -2E+400]}]})", ErrorCode::kInvalidArgument,
       "config: chains[1].tokens[1]: number -2E+400 is beyond the range of a double"},
      {"-1e999", ErrorCode::kInvalidArgument,
       "config: number -1e999 is beyond the range of a double"},
      {std::string(40, '[') + std::string(40, ']'), ErrorCode::kInvalidArgument,
       "nested more than 32 levels deep"},
      {std::string(100000, '['), ErrorCode::kInvalidArgument, "nested more than 32 levels deep"},
      {std::string((1u << 20) + 1, ' '), ErrorCode::kOutOfRange,
       "config: document is 1048577 bytes, more than the limit of 1048576"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.fragment);
    const auto r = Config::parse(tc.text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), tc.code) << r.status().message();
    EXPECT_NE(r.status().message().find(tc.fragment), std::string::npos) << r.status().message();
  }
  // The document is depth 0, chains 1, a chain 2, backend_settings 3: 28
  // objects wrapped around an empty one inside it reach depth 31, the deepest
  // allowed.
  for (const int wraps : {28, 29}) {
    json inner = json::object();
    for (int i = 0; i < wraps; ++i) inner = json{{"n", inner}};
    json doc = base();
    doc["chains"][0]["backend_settings"] = inner;
    const auto r = parse(doc);
    if (wraps == 28) {
      EXPECT_TRUE(r.ok()) << r.status().message();
    } else {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(r.status().message().find("config: chains[0].backend_settings.n.n."),
                std::string::npos)
          << r.status().message();
      EXPECT_NE(r.status().message().find(": nested more than 32 levels deep"), std::string::npos)
          << r.status().message();
    }
  }
}

TEST(ConfigTest, MessagesNameTheSourceWhenGiven) {
  json doc = base();
  doc["store"]["path"] = 5;
  const auto r = Config::parse(doc.dump(), "/etc/usd1pay.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "config: /etc/usd1pay.json: store.path: expected a string, found an integer");
}

TEST(ConfigTest, UnknownKeyHintsAreShownOnlyForNearMisses) {
  json doc = base();
  doc["chains"][0]["stratgy"] = "xpub";
  auto r = parse(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "config: chains[0]: unknown key 'stratgy' (did you mean 'strategy'?)");
  doc = base();
  doc["chains"][0]["zzz"] = 1;
  r = parse(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "config: chains[0]: unknown key 'zzz' (known keys: id, backend, backend_settings, "
            "finality, start_block, tokens, strategy, xpub, derivation_path, merchant_address)");
  // An unknown key is reported before a missing one, so the typo is named.
  doc = base();
  doc["store"] = {{"paht", "x.db"}};
  r = parse(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "config: store: unknown key 'paht' (did you mean 'path'?)");
}

// ---- files ----

TEST(ConfigLoadTest, SampleFileLoads) {
  const std::string sample = testing::required_env("USD1PAY_SOURCE_DIR") + "/samples/usd1pay.json";
  const auto r = Config::load(sample);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Config& c = *r;
  EXPECT_EQ(c.source, sample);
  EXPECT_EQ(c.store.path, testing::required_env("USD1PAY_SOURCE_DIR") + "/samples/usd1pay.db");
  ASSERT_EQ(c.chains.size(), 2u);
  EXPECT_EQ(c.default_chain, "eip155:1337");
  const ChainConfig* devnet = c.find_chain("eip155:1337");
  ASSERT_NE(devnet, nullptr);
  EXPECT_EQ(devnet->backend, "sim");
  EXPECT_EQ(devnet->strategy, DepositStrategy::kXpub);
  EXPECT_EQ(devnet->finality.confirmations, 3u);
  ASSERT_NE(devnet->find_token("USD1"), nullptr);
  EXPECT_EQ(devnet->find_token("USD1")->decimals, 18u);
  const ChainConfig& solana = c.chains[1];
  EXPECT_EQ(solana.family, ChainFamily::kSolana);
  EXPECT_EQ(solana.strategy, DepositStrategy::kReference);
  EXPECT_EQ(solana.tokens[0].decimals, 6u);
  EXPECT_EQ(c.default_expiry_seconds, 900);
  EXPECT_EQ(c.underpayment_tolerance, "0.00");
}

// Every setting of a Config as text, to compare two configurations whole.
std::string describe(const Config& c) {
  std::string out = c.store.path + "|" + std::to_string(static_cast<int>(c.store.synchronous)) +
                    "|" + std::to_string(c.store.busy_timeout_ms) + "|" + c.default_chain + "|" +
                    c.default_token + "|" + std::to_string(c.default_expiry_seconds) + "|" +
                    c.underpayment_tolerance + "|" + std::to_string(c.metadata_max_bytes) + "|" +
                    c.actor + "\n";
  for (const auto& ch : c.chains) {
    out += ch.id.to_string() + "|" + ch.backend + "|" + ch.backend_json + "|" +
           std::to_string(static_cast<int>(ch.finality.kind)) + "|" +
           std::to_string(ch.finality.confirmations) + "|" +
           std::to_string(static_cast<int>(ch.strategy)) + "|" + ch.xpub + "|" +
           ch.derivation_path + "|" + ch.merchant_address + "|" +
           (ch.start_block ? std::to_string(*ch.start_block) : "-") + "\n";
    for (const auto& t : ch.tokens) {
      out += "  " + t.symbol + "|" + t.contract + "|" + std::to_string(t.decimals) + "\n";
    }
  }
  const WebhookDeliveryConfig& d = c.webhook_delivery;
  for (const auto s : d.retry_schedule_seconds) out += std::to_string(s) + ",";
  out += "|" + std::to_string(d.jitter) + "|" + std::to_string(d.workers) + "|" +
         std::to_string(d.max_in_flight_per_endpoint) + "|" + std::to_string(d.connect_timeout_ms) +
         "|" + std::to_string(d.request_timeout_ms) + "|" + std::to_string(d.lease_ms) + "|" +
         (d.allow_private_destinations ? "private" : "public") + "|" +
         (d.verify_tls ? "tls" : "no-tls") + "|" + d.ca_file + "\n";
  for (const auto& w : c.webhooks) {
    out += w.url + "|" + w.secret + "|" + w.description + "|" + (w.enabled ? "on" : "off");
    for (const auto& e : w.events) out += "|" + e;
    out += "\n";
  }
  return out;
}

TEST(ConfigLoadTest, CommentedSampleLoadsToTheSameConfiguration) {
  const std::string dir = testing::required_env("USD1PAY_SOURCE_DIR") + "/samples/";
  const auto plain = Config::load(dir + "usd1pay.json");
  const auto commented = Config::load(dir + "usd1pay.commented.jsonc");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ASSERT_TRUE(commented.ok()) << commented.status().message();
  EXPECT_EQ(describe(*commented), describe(*plain));
  EXPECT_EQ(commented->chains.size(), 2u);
}

TEST(ConfigParseTest, CommentsAreAllowedAndAnUnterminatedOneIsASyntaxError) {
  json doc = base();
  const std::string text = doc.dump(2);
  const std::string with_comments =
      "// leading comment\n" + text.substr(0, 1) + " /* block */ " + text.substr(1);
  const auto r = Config::parse(with_comments);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(describe(*r), describe(*Config::parse(text)));

  const auto bad = Config::parse("/* never closed\n" + text);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("line"), std::string::npos) << bad.status().message();
}

TEST(ConfigLoadTest, RelativeStorePathIsBesideTheFile) {
  testing::TempDir dir;
  json doc = base();
  testing::write_file(dir.file("a.json"), doc.dump());
  auto r = Config::load(dir.file("a.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->store.path, dir.file("usd1pay.db"));

  doc["store"]["path"] = "../x/./db.sqlite";
  testing::write_file(dir.file("b.json"), doc.dump());
  r = Config::load(dir.file("b.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string parent = dir.path().substr(0, dir.path().rfind('/'));
  EXPECT_EQ(r->store.path, parent + "/x/db.sqlite");

  for (const std::string kept : {"/abs/db.sqlite", ":memory:"}) {
    doc["store"]["path"] = kept;
    testing::write_file(dir.file("c.json"), doc.dump());
    r = Config::load(dir.file("c.json"));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->store.path, kept);
  }
}

TEST(ConfigLoadTest, RelativeCaFileIsBesideTheFile) {
  testing::TempDir dir;
  json doc = base();
  doc["webhook_delivery"] = {{"ca_file", "certs/../ca.pem"}};
  testing::write_file(dir.file("a.json"), doc.dump());
  auto r = Config::load(dir.file("a.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->webhook_delivery.ca_file, dir.file("ca.pem"));
  // parse() has no directory: the path stays as written.
  r = Config::parse(doc.dump());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->webhook_delivery.ca_file, "certs/../ca.pem");

  doc["webhook_delivery"] = {{"ca_file", "/etc/ssl/ca.pem"}};
  testing::write_file(dir.file("b.json"), doc.dump());
  r = Config::load(dir.file("b.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->webhook_delivery.ca_file, "/etc/ssl/ca.pem");
  // An empty ca_file means the system's bundle and is not made into a path.
  doc["webhook_delivery"] = {{"ca_file", ""}};
  testing::write_file(dir.file("c.json"), doc.dump());
  r = Config::load(dir.file("c.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->webhook_delivery.ca_file, "");
}

TEST(ConfigLoadTest, FileErrors) {
  testing::TempDir dir;
  auto r = Config::load(dir.file("missing.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kIo);
  EXPECT_EQ(r.status().message(), "config: cannot open " + dir.file("missing.json"));

  r = Config::load(dir.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kIo);
  EXPECT_EQ(r.status().message(), "config: " + dir.path() + " is a directory, not a file");

  testing::write_file(dir.file("big.json"), std::string((1u << 20) + 1, ' '));
  r = Config::load(dir.file("big.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kIo);
  EXPECT_NE(r.status().message().find(dir.file("big.json") + " is larger than 1048576 bytes"),
            std::string::npos);

  testing::write_file(dir.file("bad.json"), "{\n  \"store\": {\"path\": 1}\n}\n");
  r = Config::load(dir.file("bad.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "config: " + dir.file("bad.json") +
                                      ": store.path: expected a string, found an integer");
}

TEST(ConfigTest, Names) {
  EXPECT_STREQ(deposit_strategy_name(DepositStrategy::kXpub), "xpub");
  EXPECT_STREQ(deposit_strategy_name(DepositStrategy::kReference), "reference");
  EXPECT_STREQ(deposit_strategy_name(DepositStrategy::kStatic), "static");
  EXPECT_STREQ(finality_kind_name(FinalityConfig::Kind::kConfirmations), "confirmations");
  EXPECT_STREQ(finality_kind_name(FinalityConfig::Kind::kFinalized), "finalized");
  EXPECT_STREQ(finality_kind_name(FinalityConfig::Kind::kSafe), "safe");
}

}  // namespace
}  // namespace usd1pay
