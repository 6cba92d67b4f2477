// Test support: driving a GanacheNode (ganache.h) over raw JSON-RPC, and
// ERC-20 calls encoded by hand, for the integration tests that pay on a real
// local chain. The contract itself is compiled and deployed by
// tests/peers/erc20.js (solc + ethers), driven by erc20_commands().
//
// Every helper reports a failed call as a gtest failure (ADD_FAILURE /
// EXPECT) and returns an empty value, so a test goes on to fail where it
// checks the result.
//
// THREAD SAFETY: as GanacheNode: one thread drives a node.
#ifndef USD1PAY_TESTS_SUPPORT_GANACHE_RPC_H
#define USD1PAY_TESTS_SUPPORT_GANACHE_RPC_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/ganache.h"
#include "support/subprocess.h"
#include "usd1pay/amount.h"

namespace usd1pay::testing {

/// keccak256("transfer(address,uint256)")[0..4].
inline constexpr const char* kErc20TransferSelector = "a9059cbb";
/// keccak256("mint(address,uint256)")[0..4] of tests/peers/contracts/TestToken.sol.
inline constexpr const char* kErc20MintSelector = "40c10f19";

/// A JSON-RPC quantity ("0x1a") as a number.
inline std::uint64_t hex_quantity(const nlohmann::json& v) {
  return std::stoull(v.get<std::string>().substr(2), nullptr, 16);
}

/// An address as a 32-byte ABI word (64 lowercase hex digits).
inline std::string abi_word_of_address(const std::string& address) {
  std::string hex = address.substr(2);
  std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return std::string(24, '0') + hex;
}

/// An amount as a 32-byte ABI word (64 hex digits).
inline std::string abi_word_of_amount(Uint128 v) {
  char buf[65];
  std::snprintf(buf, sizeof buf, "%032x%016" PRIx64 "%016" PRIx64, 0U, v.hi(), v.lo());
  return buf;
}

/// Runs tests/peers/erc20.js against the node with the commands (one JSON
/// object each, see its header); one answer per command, in order.
inline std::vector<nlohmann::json> erc20_commands(const GanacheNode& node,
                                                  const std::vector<nlohmann::json>& commands) {
  std::string input;
  for (const auto& c : commands) input += c.dump() + "\n";
  auto r = run_node_peer("erc20.js", {node.url()}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> out;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    out.push_back(nlohmann::json::parse(line));
    EXPECT_FALSE(out.back().contains("error")) << out.back().dump();
  }
  EXPECT_EQ(out.size(), commands.size()) << r.out << r.err;
  return out;
}

/// A mined transaction.
struct SentTx {
  std::string tx_hash;  ///< "" when it was not sent
  std::uint64_t block_number = 0;
};

/// Raw JSON-RPC on a running node.
class GanacheRpc {
 public:
  explicit GanacheRpc(const GanacheNode& node) : node_(node) {}

  /// The call's "result"; null (and a test failure) on no answer or an error.
  nlohmann::json call(const std::string& method,
                      const nlohmann::json& params = nlohmann::json::array()) const {
    const std::string body = node_.rpc(method, params.dump());
    if (body.empty()) {
      ADD_FAILURE() << method << ": no answer";
      return nullptr;
    }
    nlohmann::json r = nlohmann::json::parse(body);
    if (r.contains("error")) {
      ADD_FAILURE() << method << ": " << r["error"].dump();
      return nullptr;
    }
    return r["result"];
  }

  std::uint64_t head() const { return hex_quantity(call("eth_blockNumber")); }

  /// The latest block's timestamp, Unix seconds.
  std::int64_t head_time() const {
    nlohmann::json b = call("eth_getBlockByNumber", {"latest", false});
    return static_cast<std::int64_t>(hex_quantity(b["timestamp"]));
  }

  void mine(int n = 1) const {
    for (int i = 0; i < n; ++i) call("evm_mine");
  }

  std::vector<std::string> accounts() const {
    return call("eth_accounts").get<std::vector<std::string>>();
  }

  /// `selector`(to, amount) on `token` from the unlocked account `from`; with
  /// --miner.instamine eager the answer comes after its block is mined. The
  /// receipt must say success.
  SentTx token_call(const std::string& from, const std::string& token, const char* selector,
                    const std::string& to, Uint128 amount) const {
    nlohmann::json tx = {{"from", from},
                         {"to", token},
                         {"gas", "0x30000"},
                         {"data", "0x" + std::string(selector) + abi_word_of_address(to) +
                                      abi_word_of_amount(amount)}};
    nlohmann::json hash = call("eth_sendTransaction", nlohmann::json::array({tx}));
    if (!hash.is_string()) return {};
    nlohmann::json receipt = call("eth_getTransactionReceipt", nlohmann::json::array({hash}));
    EXPECT_EQ(receipt["status"], "0x1") << receipt.dump();
    return {hash.get<std::string>(), hex_quantity(receipt["blockNumber"])};
  }

 private:
  const GanacheNode& node_;
};

}  // namespace usd1pay::testing

#endif
