// usd1pay: the EVM JSON-RPC chain backend.
//
// Talks to any EVM node (geth, erigon, a hosted provider, ganache) over
// JSON-RPC 2.0 on HTTP or HTTPS. Only the URL named in the options is ever
// contacted; only http:// and https:// URLs are accepted; HTTPS verifies the
// server certificate unless verify_tls is false.
//
// Calls used:
//   heads()      one batch: eth_getBlockByNumber "latest", "safe", "finalized"
//                (a node that refuses the tags leaves safe / finalized absent);
//   block(n)     eth_getBlockByNumber(n) (kNotFound when the node has no block n);
//   transfers()  one batch per chunk of the range: eth_getLogs with the ERC-20
//                Transfer topic (0xddf252ad...), the token contracts and, when
//                given, the recipients as topic[2]; plus the header of the
//                range's last block. Block times come from the logs'
//                blockTimestamp when the node sends it, otherwise from one
//                more batch fetching the headers of the blocks with transfers.
//   eth_chainId  batched with the first call (check_chain_id): a node of
//                another chain is kFailedPrecondition naming both ids.
//
// Ranges adapt: when the node refuses a range (too many results, block range
// or response size limits, or the answer exceeds max_response_bytes) the chunk
// is halved and retried, the smaller size remembered, and grown back (x2 up to
// max_block_range) after each accepted chunk.
//
// Transport failures (connection refused or reset, timeouts, HTTP 5xx, HTTP
// 429) are retried max_retries times with exponential backoff and full jitter
// (random in [0, min(backoff_max, backoff_base * 2^attempt)]); a 429's
// Retry-After (seconds) is waited instead when longer, capped at backoff_max.
// JSON-RPC errors are not retried (they are answers, not outages). read_timeout
// bounds each whole response, not only each read, so a server trickling bytes
// cannot hold a call forever.
//
// Answers are parsed strictly: hex quantities "0x" + lowercase-or-uppercase
// hex digits without leading zeros ("0x0" for zero) fitting 64 bits; hashes
// "0x" + 64 hex digits (reported lowercase); addresses reported in EIP-55;
// Transfer amounts as 32-byte words, kOutOfRange above 2^128-1. A malformed
// answer is kUnavailable naming the method and the field
// ("evm_rpc: eth_getLogs: result[3].topics[2]: expected 32 bytes with 12
// leading zero bytes"), never a crash, a zero or a skipped transfer.
//
// Errors: kInvalidArgument for bad options; kUnavailable when the node cannot
// be reached, fails, or answers malformed data; kFailedPrecondition for a
// wrong chain id; kNotFound for a block above the head.
//
// OWNERSHIP: the factory returns a backend the caller owns.
// THREAD SAFETY: a backend serialises its calls (one request at a time, so
// calls from several threads are safe but not concurrent); rpc_stats() may be
// read from any thread at any time.
#ifndef USD1PAY_EVM_RPC_H
#define USD1PAY_EVM_RPC_H

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "usd1pay/chain_backend.h"
#include "usd1pay/status.h"

namespace usd1pay {

struct EvmRpcOptions {
  /// CAIP-2 id, "eip155:<chain id>".
  std::string chain_id;
  /// "http://host[:port][/path]" or "https://...". Nothing else is contacted.
  std::string url;
  std::chrono::milliseconds connect_timeout{5000};
  /// Bounds each whole response (headers and body).
  std::chrono::milliseconds read_timeout{15000};
  /// Retries after the first attempt on transport errors, 5xx, 429.
  int max_retries = 4;
  std::chrono::milliseconds backoff_base{250};
  std::chrono::milliseconds backoff_max{8000};
  /// Reading stops beyond this many (decompressed) bytes of a response.
  std::size_t max_response_bytes = std::size_t{32} * 1024 * 1024;
  /// Blocks per eth_getLogs call at the start; shrinks and grows adaptively.
  std::uint64_t initial_block_range = 2000;
  std::uint64_t max_block_range = 10000;
  /// HTTPS: verify the server certificate (against ca_file when given,
  /// otherwise the system store).
  bool verify_tls = true;
  std::string ca_file;
  /// Check eth_chainId against chain_id before trusting any answer.
  bool check_chain_id = true;
  /// Extra request headers (e.g. an API key), sent with every request.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Counters since the backend was made. `requests` are HTTP requests sent
/// (retries included), `calls` JSON-RPC calls (each call of a batch counts),
/// `retries` requests repeated after a transport failure, `range_splits`
/// eth_getLogs ranges halved after the node refused them.
struct RpcStats {
  std::uint64_t requests = 0;
  std::uint64_t calls = 0;
  std::uint64_t retries = 0;
  std::uint64_t range_splits = 0;
};

/// Makes the backend. Checks the options (kInvalidArgument naming the field)
/// but does not contact the node: the first call does, so a host may start
/// while its node is down.
Result<std::unique_ptr<ChainBackend>> make_evm_rpc_backend(EvmRpcOptions options);

/// The counters of a backend made by make_evm_rpc_backend; nullopt for any
/// other ChainBackend.
std::optional<RpcStats> rpc_stats(const ChainBackend& backend);

/// The block range the backend will ask for next (after adaptation); nullopt
/// for any other ChainBackend.
std::optional<std::uint64_t> rpc_block_range(const ChainBackend& backend);

/// Options from a chain's "backend" settings object in the config, e.g.
///   {"url": "https://eth.example/v3/KEY", "connect_timeout_ms": 5000,
///    "read_timeout_ms": 15000, "max_retries": 4, "backoff_base_ms": 250,
///    "backoff_max_ms": 8000, "max_response_bytes": 33554432,
///    "initial_block_range": 2000, "max_block_range": 10000,
///    "verify_tls": true, "ca_file": "/etc/ssl/x.pem", "check_chain_id": true,
///    "headers": {"X-Api-Key": "..."}}
/// Only "url" is required. Unknown keys and wrong types are kInvalidArgument
/// naming the key ("evm_rpc: backend.read_timeout_ms: expected an integer
/// 1..3600000").
Result<EvmRpcOptions> evm_rpc_options_from_json(std::string_view chain_id,
                                                std::string_view backend_settings_json);

}  // namespace usd1pay

#endif  // USD1PAY_EVM_RPC_H
