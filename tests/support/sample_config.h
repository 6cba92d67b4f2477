// Test support: the sample shop configuration the tracker, checkout and
// webhook tests run on: a simulated EVM chain with USD1 at 6 decimals and
// xpub deposit addresses. Header-only (nlohmann/json and usd1pay/config.h).
#ifndef USD1PAY_TESTS_SUPPORT_SAMPLE_CONFIG_H
#define USD1PAY_TESTS_SUPPORT_SAMPLE_CONFIG_H

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>

#include "usd1pay/config.h"

namespace usd1pay::testing {

inline constexpr const char* kXpub =
    "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5"
    "ski8PX9rL2dZXvgGDnw";
inline constexpr const char* kChain = "eip155:1337";
inline constexpr const char* kToken = "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA";
inline constexpr const char* kCustomer = "0x1111111111111111111111111111111111111111";

/// 3 confirmations.
inline nlohmann::json three_confirmations() {
  return {{"kind", "confirmations"}, {"confirmations", 3}};
}

/// One "chains" entry: a sim EVM chain `id` with USD1 at `token` (6
/// decimals), xpub strategy on kXpub, path "0".
inline nlohmann::json sim_evm_chain_json(const std::string& id, const std::string& token,
                                         nlohmann::json finality = three_confirmations()) {
  return {{"id", id},
          {"backend", "sim"},
          {"finality", std::move(finality)},
          {"tokens", {{{"symbol", "USD1"}, {"contract", token}, {"decimals", 6}}}},
          {"strategy", "xpub"},
          {"xpub", kXpub},
          {"derivation_path", "0"}};
}

/// The whole config: the store at `store_path`, the one chain kChain (see
/// sim_evm_chain_json), USD1 by default, no underpayment tolerance.
inline nlohmann::json sim_shop_config_json(const std::string& store_path) {
  return {{"version", 1},
          {"store", {{"path", store_path}}},
          {"chains", {sim_evm_chain_json(kChain, kToken)}},
          {"default_chain", kChain},
          {"default_token", "USD1"},
          {"underpayment_tolerance", "0.00"}};
}

/// Config::parse of the JSON; throws std::runtime_error with its message
/// when it is refused (failing the calling test).
inline Config parse_config_or_throw(const nlohmann::json& config) {
  auto parsed = Config::parse(config.dump());
  if (!parsed.ok()) throw std::runtime_error(parsed.status().message());
  return *parsed;
}

}  // namespace usd1pay::testing

#endif
