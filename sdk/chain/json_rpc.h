// Private to the chain module: a JSON-RPC 2.0 client over cpp-httplib with
// retries, backoff with full jitter, a whole-response deadline and a hard cap
// on response size (see evm_rpc.h for the policy).
#ifndef USD1PAY_SDK_CHAIN_JSON_RPC_H
#define USD1PAY_SDK_CHAIN_JSON_RPC_H

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "chain/evm_rpc_decode.h"
#include "usd1pay/evm_rpc.h"
#include "usd1pay/status.h"

namespace httplib {
class Client;
enum class Error;
}  // namespace httplib

namespace usd1pay::evm_rpc_internal {

/// The parts of an http(s) URL. Errors name the problem ("url: ...").
struct ParsedUrl {
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< as written (brackets kept for IPv6)
  int port = 0;
  std::string path;  ///< "/" when absent; query kept
};
Result<ParsedUrl> parse_url(std::string_view url);

struct RpcCall {
  std::string method;
  nlohmann::json params;  ///< an array
};

/// A request's outcome: replies in call order, or a transport failure.
struct BatchOutcome {
  Status status;           ///< not OK: the request failed as a whole
  bool too_large = false;  ///< the response exceeded max_response_bytes
  std::vector<RpcReply> replies;
};

class JsonRpcClient {
 public:
  /// `options.url` must have passed parse_url.
  JsonRpcClient(const EvmRpcOptions& options, ParsedUrl url);
  ~JsonRpcClient();
  JsonRpcClient(const JsonRpcClient&) = delete;
  JsonRpcClient& operator=(const JsonRpcClient&) = delete;

  /// Sends the calls as one request (a batch when more than one), retrying
  /// transport failures. `label` names the request in messages.
  BatchOutcome call(const std::vector<RpcCall>& calls, const std::string& label);

  RpcStats stats() const;
  void count_split() { range_splits_.fetch_add(1, std::memory_order_relaxed); }

 private:
  struct Attempt {
    Status status;
    bool retryable = false;
    bool too_large = false;
    long retry_after_ms = -1;
    std::string body;
  };
  Attempt attempt(const std::string& payload, const std::string& label);
  /// A transport failure in words ("TLS verification failed: ...").
  std::string describe_error(httplib::Error err) const;
  void reset_client();

  EvmRpcOptions options_;
  ParsedUrl url_;
  std::unique_ptr<httplib::Client> client_;
  std::mt19937_64 rng_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::uint64_t> range_splits_{0};
};

}  // namespace usd1pay::evm_rpc_internal

#endif  // USD1PAY_SDK_CHAIN_JSON_RPC_H
