// Private to the chain module: strict decoding of EVM JSON-RPC answers,
// callable without a network (unit tests, the rpc fuzzer).
//
// Every function refuses what a careless decoder would turn into a zero or a
// guess. Errors are kUnavailable (the node sent something malformed) except
// numbers too large for their field, which are kOutOfRange; messages start
// with the field's path as given by the caller ("result[2].topics[1]: ...").
//
// Formats (Ethereum JSON-RPC spec, "hex encoding"):
//   quantity  "0x" + hex digits, no leading zeros, "0x0" for zero;
//   data      "0x" + an even number of hex digits (a fixed number here);
//   topic     32 bytes; an address topic has 12 leading zero bytes.
// Hex digits of either case are accepted; hashes are reported lowercase,
// addresses in EIP-55.
#ifndef USD1PAY_SDK_CHAIN_EVM_RPC_DECODE_H
#define USD1PAY_SDK_CHAIN_EVM_RPC_DECODE_H

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/amount.h"
#include "usd1pay/chain_backend.h"
#include "usd1pay/status.h"

namespace usd1pay::evm_rpc_internal {

/// keccak256("Transfer(address,address,uint256)").
inline constexpr std::string_view kTransferTopic =
    "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

/// Deepest nesting of arrays / objects accepted in a response.
inline constexpr int kMaxJsonDepth = 16;

// ---- scalar fields; `field` names the value in messages ----

/// A quantity fitting 64 bits.
Result<std::uint64_t> parse_quantity(const nlohmann::json& value, const std::string& field);
Result<std::uint64_t> parse_quantity_text(std::string_view text, const std::string& field);
/// "0x" + 64 hex digits, returned lowercase.
Result<std::string> parse_hash32(const nlohmann::json& value, const std::string& field);
/// "0x" + 40 hex digits, returned in EIP-55.
Result<std::string> parse_address(const nlohmann::json& value, const std::string& field);
/// A 32-byte topic holding an address (12 zero bytes first), in EIP-55.
Result<std::string> parse_address_topic(const nlohmann::json& value, const std::string& field);
/// A 32-byte big-endian uint256 word; kOutOfRange above 2^128-1.
Result<Uint128> parse_uint256_word(const nlohmann::json& value, const std::string& field);

/// The 32-byte topic of an address: "0x" + 24 zeros + 40 lowercase digits.
/// `address` must be "0x" + 40 hex digits.
std::string address_topic(std::string_view address);
/// "0x" + lowercase hex without leading zeros.
std::string to_quantity(std::uint64_t value);

// ---- JSON-RPC envelopes ----

/// The outcome of one call: a result or a JSON-RPC error object.
// nlohmann::json's moves only assert invariants; they do not throw.
struct RpcReply {  // NOLINT(bugprone-exception-escape)
  bool ok = false;
  nlohmann::json result;
  std::int64_t error_code = 0;
  std::string error_message;
};

/// Parses a response body strictly (valid UTF-8 JSON, depth <= kMaxJsonDepth).
/// `method` names the call(s) in messages.
Result<nlohmann::json> parse_body(std::string_view body, const std::string& method);

/// The replies to a request of `count` calls with ids 1..count: a single
/// object when count == 1 and the request was not a batch, otherwise an array
/// holding each id exactly once. A lone error object with id null answering a
/// batch applies to every call. Replies are returned in id order.
Result<std::vector<RpcReply>> decode_replies(const nlohmann::json& body, std::size_t count,
                                             bool batch, const std::string& method);

// ---- objects ----

/// A block object of eth_getBlockByNumber (number, hash, parentHash,
/// timestamp). `field` is e.g. "eth_getBlockByNumber(latest).result".
Result<BlockRef> decode_block(const nlohmann::json& block, const std::string& field);

/// One decoded Transfer log.
struct DecodedLog {
  TokenTransfer transfer;
  bool removed = false;
  bool has_block_time = false;  ///< the node sent blockTimestamp
};

/// What the logs must match: the range and tokens asked for.
struct LogFilter {
  std::string chain;                ///< CAIP-2 id put in each transfer
  std::uint64_t from_block = 0;     ///< inclusive
  std::uint64_t to_block = 0;       ///< inclusive
  std::vector<std::string> tokens;  ///< EIP-55; empty accepts any token
};

/// The result array of eth_getLogs (field "eth_getLogs.result"): every log
/// decoded, `removed: true` ones kept with removed set. A log of another token
/// or outside the range, a topic0 other than Transfer, or a wrong number of
/// topics is an error.
Result<std::vector<DecodedLog>> decode_logs(const nlohmann::json& logs, const LogFilter& filter);

// ---- whole bodies (fuzzing, tests) ----

/// A single (non-batch) eth_getLogs response body → transfers, removed ones
/// dropped, in (block, log index) order.
Result<std::vector<TokenTransfer>> decode_logs_response(std::string_view body,
                                                        const LogFilter& filter);
/// A single eth_getBlockByNumber response body; kNotFound for a null result.
Result<BlockRef> decode_block_response(std::string_view body);

}  // namespace usd1pay::evm_rpc_internal

#endif  // USD1PAY_SDK_CHAIN_EVM_RPC_DECODE_H
