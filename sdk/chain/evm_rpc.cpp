// The EVM JSON-RPC chain backend (see usd1pay/evm_rpc.h).
#include "usd1pay/evm_rpc.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <utility>

#include "chain/evm_rpc_decode.h"
#include "chain/json_rpc.h"
#include "usd1pay/address.h"
#include "usd1pay/chain.h"

namespace usd1pay {
namespace {

using evm_rpc_internal::address_topic;
using evm_rpc_internal::BatchOutcome;
using evm_rpc_internal::decode_block;
using evm_rpc_internal::decode_logs;
using evm_rpc_internal::JsonRpcClient;
using evm_rpc_internal::LogFilter;
using evm_rpc_internal::RpcCall;
using evm_rpc_internal::RpcReply;
using evm_rpc_internal::to_quantity;
using nlohmann::json;

// Headers fetched per batch request when collecting block times.
constexpr std::size_t kHeadersPerBatch = 500;

Status node_error(const std::string& what, const RpcReply& reply) {
  return Status(ErrorCode::kUnavailable, "evm_rpc: " + what + ": node error " +
                                             std::to_string(reply.error_code) + ": " +
                                             reply.error_message);
}

Status prefixed(const Status& s) {
  if (s.ok()) return s;
  return Status(s.code(), "evm_rpc: " + s.message());
}

// A node's refusal of a range: too many results, a block range limit, a
// response size limit. Providers word it differently; matched loosely.
bool is_range_refusal(const RpcReply& reply) {
  std::string m = reply.error_message;
  std::transform(m.begin(), m.end(), m.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  static const char* const kHints[] = {
      "too many",  "block range",   "limit exceeded", "range limit",  "response size", "exceed",
      "more than", "query timeout", "too large",      "range is too", "max results"};
  if (reply.error_code == -32005) return true;
  for (const char* hint : kHints) {
    if (m.find(hint) != std::string::npos) return true;
  }
  return false;
}

class EvmRpcBackend final : public ChainBackend {
 public:
  EvmRpcBackend(EvmRpcOptions options, evm_rpc_internal::ParsedUrl url, std::uint64_t chain_number)
      : options_(std::move(options)),
        chain_number_(chain_number),
        client_(options_, std::move(url)),
        range_(std::clamp<std::uint64_t>(options_.initial_block_range, 1,
                                         std::max<std::uint64_t>(options_.max_block_range, 1))),
        chain_checked_(!options_.check_chain_id) {}

  std::string chain_id() const override { return options_.chain_id; }

  Result<ChainHeads> heads(const HeadsParams& p) override {
    std::lock_guard<std::mutex> lock(mu_);
    const char* tags[] = {"latest", "safe", "finalized"};
    const std::size_t wanted = p.include_tags ? 3 : 1;
    std::vector<RpcCall> calls;
    for (std::size_t i = 0; i < wanted; ++i) {
      calls.push_back({"eth_getBlockByNumber", json::array({tags[i], false})});
    }
    auto replies =
        send(std::move(calls), p.include_tags ? "eth_getBlockByNumber(latest, safe, finalized)"
                                              : "eth_getBlockByNumber(latest)");
    if (!replies.ok()) return replies.status();
    ChainHeads out;
    for (std::size_t i = 0; i < wanted; ++i) {
      const RpcReply& r = (*replies)[i];
      const std::string what = std::string("eth_getBlockByNumber(") + tags[i] + ")";
      if (!r.ok || r.result.is_null()) {
        if (i == 0) {
          if (!r.ok) return node_error(what, r);
          return Status(ErrorCode::kUnavailable, "evm_rpc: " + what + ": null result");
        }
        continue;  // the node has no such tag
      }
      auto block = decode_block(r.result, what + ".result");
      if (!block.ok()) return prefixed(block.status());
      if (i == 0) {
        out.latest = std::move(block).value();
      } else if (i == 1) {
        out.safe = std::move(block).value();
      } else {
        out.finalized = std::move(block).value();
      }
    }
    // A node whose safe / finalized head is above its latest is lying.
    for (const auto* tag : {&out.safe, &out.finalized}) {
      if (*tag && (*tag)->number > out.latest.number) {
        return Status(ErrorCode::kUnavailable,
                      "evm_rpc: eth_getBlockByNumber: a safe/finalized block (" +
                          std::to_string((*tag)->number) + ") above the latest (" +
                          std::to_string(out.latest.number) + ")");
      }
    }
    return out;
  }

  Result<BlockRef> block(const BlockParams& p) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string what = "eth_getBlockByNumber(" + std::to_string(p.number) + ")";
    auto replies =
        send({{"eth_getBlockByNumber", json::array({to_quantity(p.number), false})}}, what);
    if (!replies.ok()) return replies.status();
    const RpcReply& r = (*replies)[0];
    if (!r.ok) return node_error(what, r);
    if (r.result.is_null()) {
      return Status(ErrorCode::kNotFound,
                    "evm_rpc: block " + std::to_string(p.number) + ": not found (above the head?)");
    }
    auto block = decode_block(r.result, what + ".result");
    if (!block.ok()) return prefixed(block.status());
    if (block->number != p.number) {
      return Status(ErrorCode::kUnavailable, "evm_rpc: " + what + ".result.number: got block " +
                                                 std::to_string(block->number));
    }
    return block;
  }

  Result<TransfersResult> transfers(const TransfersParams& p) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (p.from_block > p.to_block) {
      return Status(ErrorCode::kInvalidArgument,
                    "evm_rpc: transfers: from_block " + std::to_string(p.from_block) +
                        " is above to_block " + std::to_string(p.to_block));
    }
    if (p.tokens.empty()) {
      return Status(ErrorCode::kInvalidArgument, "evm_rpc: transfers: no tokens given");
    }
    LogFilter filter;
    filter.chain = options_.chain_id;
    json addresses = json::array();
    for (std::size_t i = 0; i < p.tokens.size(); ++i) {
      auto info = validate_address(ChainFamily::kEvm, p.tokens[i]);
      if (!info.ok()) {
        return info.status().with_context("evm_rpc: transfers: tokens[" + std::to_string(i) + "]");
      }
      filter.tokens.push_back(info->canonical);
      std::string lower = info->canonical;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
      addresses.push_back(lower);
    }
    json recipients = nullptr;
    if (!p.recipients.empty()) {
      recipients = json::array();
      for (std::size_t i = 0; i < p.recipients.size(); ++i) {
        auto info = validate_address(ChainFamily::kEvm, p.recipients[i]);
        if (!info.ok()) {
          return info.status().with_context("evm_rpc: transfers: recipients[" + std::to_string(i) +
                                            "]");
        }
        recipients.push_back(address_topic(info->canonical));
      }
    }
    json topics = json::array({std::string(evm_rpc_internal::kTransferTopic), nullptr});
    if (!recipients.is_null()) topics.push_back(recipients);

    TransfersResult out;
    std::map<std::uint64_t, BlockRef> blocks;
    // The caller's header of to_block replaces the eth_getBlockByNumber that
    // would ride along with the last eth_getLogs. Logs of that block must
    // then carry its hash (checked below with the others): a chain that moved
    // since the caller read the header is refused, never mixed.
    const bool known_last =
        p.known_last_block.has_value() && p.known_last_block->number == p.to_block;
    if (known_last) {
      auto h = evm_rpc_internal::parse_hash32(p.known_last_block->hash,
                                              "transfers: known_last_block.hash");
      if (!h.ok() || *h != p.known_last_block->hash) {
        return Status(ErrorCode::kInvalidArgument,
                      "evm_rpc: transfers: known_last_block.hash: expected \"0x\" + 64 lowercase "
                      "hex digits");
      }
      blocks[p.to_block] = *p.known_last_block;
    }
    std::vector<TokenTransfer> found;
    std::uint64_t cur = p.from_block;
    while (true) {
      const std::uint64_t size = range_.load(std::memory_order_relaxed);
      const std::uint64_t end = (p.to_block - cur < size - 1) ? p.to_block : cur + (size - 1);
      std::vector<RpcCall> calls;
      calls.push_back({"eth_getLogs", json::array({json{{"fromBlock", to_quantity(cur)},
                                                        {"toBlock", to_quantity(end)},
                                                        {"address", addresses},
                                                        {"topics", topics}}})});
      const bool last = end == p.to_block;
      if (last && !known_last) {
        calls.push_back({"eth_getBlockByNumber", json::array({to_quantity(end), false})});
      }
      const std::string what =
          "eth_getLogs(" + std::to_string(cur) + ".." + std::to_string(end) + ")";
      bool too_large = false;
      auto replies = send(std::move(calls), what, &too_large);
      const bool refused =
          too_large || (replies.ok() && !(*replies)[0].ok && is_range_refusal((*replies)[0]));
      if (refused) {
        if (end == cur) {
          if (!replies.ok()) return replies.status();
          return Status(ErrorCode::kUnavailable,
                        "evm_rpc: " + what +
                            ": the node refuses even one block: " + (*replies)[0].error_message);
        }
        range_.store(std::max<std::uint64_t>((end - cur + 1) / 2, 1), std::memory_order_relaxed);
        client_.count_split();
        continue;
      }
      if (!replies.ok()) return replies.status();
      const RpcReply& logs_reply = (*replies)[0];
      if (!logs_reply.ok) return node_error(what, logs_reply);
      filter.from_block = cur;
      filter.to_block = end;
      auto logs = decode_logs(logs_reply.result, filter);
      if (!logs.ok()) return prefixed(logs.status());
      for (auto& d : *logs) {
        if (!d.removed) found.push_back(std::move(d.transfer));
      }
      if (last && !known_last) {
        const RpcReply& head_reply = (*replies)[1];
        const std::string head_what = "eth_getBlockByNumber(" + std::to_string(end) + ")";
        if (!head_reply.ok) return node_error(head_what, head_reply);
        if (head_reply.result.is_null()) {
          return Status(ErrorCode::kNotFound,
                        "evm_rpc: block " + std::to_string(end) + ": not found (above the head?)");
        }
        auto head = decode_block(head_reply.result, head_what + ".result");
        if (!head.ok()) return prefixed(head.status());
        if (head->number != end) {
          return Status(ErrorCode::kUnavailable, "evm_rpc: " + head_what +
                                                     ".result.number: got block " +
                                                     std::to_string(head->number));
        }
        blocks[end] = std::move(head).value();
      }
      // Grow back after a chunk accepted at full size.
      if (end - cur + 1 == size) {
        range_.store(std::min(size * 2, std::max<std::uint64_t>(options_.max_block_range, 1)),
                     std::memory_order_relaxed);
      }
      if (last) break;
      cur = end + 1;
    }

    // Block times (and hashes to cross-check) of the blocks with transfers.
    std::vector<std::uint64_t> wanted;
    for (const auto& t : found) {
      if (blocks.count(t.block_number) == 0 &&
          (wanted.empty() || wanted.back() != t.block_number)) {
        wanted.push_back(t.block_number);
      }
    }
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    std::size_t per_batch = kHeadersPerBatch;
    for (std::size_t i = 0; i < wanted.size();) {
      std::vector<RpcCall> calls;
      const std::size_t n = std::min(per_batch, wanted.size() - i);
      for (std::size_t j = 0; j < n; ++j) {
        calls.push_back({"eth_getBlockByNumber", json::array({to_quantity(wanted[i + j]), false})});
      }
      bool too_large = false;
      auto replies =
          send(std::move(calls), "eth_getBlockByNumber(blocks with transfers)", &too_large);
      if (too_large && n > 1) {
        per_batch = n / 2;  // the answer did not fit max_response_bytes
        continue;
      }
      if (!replies.ok()) return replies.status();
      for (std::size_t j = 0; j < n; ++j) {
        const RpcReply& r = (*replies)[j];
        const std::string what = "eth_getBlockByNumber(" + std::to_string(wanted[i + j]) + ")";
        if (!r.ok) return node_error(what, r);
        if (r.result.is_null()) {
          return Status(ErrorCode::kUnavailable,
                        "evm_rpc: " + what + ": block with transfers vanished (reorg?); retry");
        }
        auto b = decode_block(r.result, what + ".result");
        if (!b.ok()) return prefixed(b.status());
        if (b->number != wanted[i + j]) {
          return Status(ErrorCode::kUnavailable, "evm_rpc: " + what + ".result.number: got block " +
                                                     std::to_string(b->number));
        }
        blocks[wanted[i + j]] = std::move(b).value();
      }
      i += n;
    }
    for (auto& t : found) {
      const BlockRef& b = blocks.at(t.block_number);
      if (b.hash != t.block_hash) {
        return Status(ErrorCode::kUnavailable,
                      "evm_rpc: the chain reorganised during the scan (block " +
                          std::to_string(t.block_number) + ": log says " + t.block_hash +
                          ", header says " + b.hash + "); retry");
      }
      t.block_time = b.timestamp;
    }
    std::sort(found.begin(), found.end(), [](const TokenTransfer& a, const TokenTransfer& b) {
      return std::tie(a.block_number, a.log_index) < std::tie(b.block_number, b.log_index);
    });
    for (std::size_t i = 1; i < found.size(); ++i) {
      if (found[i].block_number == found[i - 1].block_number &&
          found[i].log_index == found[i - 1].log_index) {
        return Status(ErrorCode::kUnavailable, "evm_rpc: eth_getLogs: two logs at block " +
                                                   std::to_string(found[i].block_number) +
                                                   " log index " +
                                                   std::to_string(found[i].log_index));
      }
    }
    out.transfers = std::move(found);
    for (auto& [number, ref] : blocks) out.blocks.push_back(std::move(ref));
    return out;
  }

  RpcStats stats() const { return client_.stats(); }
  std::uint64_t block_range() const { return range_.load(std::memory_order_relaxed); }

 private:
  // Sends the calls (with eth_chainId first until the chain is checked) and
  // returns the replies to `calls` in order.
  Result<std::vector<RpcReply>> send(std::vector<RpcCall> calls, const std::string& what,
                                     bool* too_large = nullptr) {
    const bool check = !chain_checked_;
    if (check) calls.insert(calls.begin(), RpcCall{"eth_chainId", json::array()});
    BatchOutcome outcome = client_.call(calls, what);
    if (too_large != nullptr) *too_large = outcome.too_large;
    if (!outcome.status.ok()) return prefixed(outcome.status);
    if (check) {
      const RpcReply& r = outcome.replies[0];
      if (!r.ok) return node_error("eth_chainId", r);
      auto id = evm_rpc_internal::parse_quantity(r.result, "eth_chainId.result");
      if (!id.ok()) return prefixed(id.status());
      if (*id != chain_number_) {
        return Status(ErrorCode::kFailedPrecondition,
                      "evm_rpc: wrong chain: the node answers eth_chainId " + to_quantity(*id) +
                          " (eip155:" + std::to_string(*id) + "), the config says " +
                          options_.chain_id);
      }
      chain_checked_ = true;
      outcome.replies.erase(outcome.replies.begin());
    }
    return std::move(outcome.replies);
  }

  EvmRpcOptions options_;
  std::uint64_t chain_number_;
  std::mutex mu_;
  JsonRpcClient client_;
  std::atomic<std::uint64_t> range_;
  bool chain_checked_;
};

Status bad_option(const std::string& key, const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, "evm_rpc: backend." + key + ": " + what);
}

}  // namespace

Result<std::unique_ptr<ChainBackend>> make_evm_rpc_backend(EvmRpcOptions options) {
  auto id = ChainId::parse(options.chain_id);
  if (!id.ok()) return id.status().with_context("evm_rpc: chain_id");
  if (id->ns != "eip155") {
    return Status(ErrorCode::kInvalidArgument,
                  "evm_rpc: chain_id: expected an eip155:<n> chain, got " + options.chain_id);
  }
  auto number = id->evm_chain_id();
  if (!number.ok()) return number.status().with_context("evm_rpc: chain_id");
  auto url = evm_rpc_internal::parse_url(options.url);
  if (!url.ok()) return prefixed(url.status());
  if (options.connect_timeout.count() <= 0) return bad_option("connect_timeout", "must be > 0");
  if (options.read_timeout.count() <= 0) return bad_option("read_timeout", "must be > 0");
  if (options.max_retries < 0 || options.max_retries > 100) {
    return bad_option("max_retries", "expected 0..100");
  }
  if (options.backoff_base.count() < 0 || options.backoff_max.count() < 0) {
    return bad_option("backoff", "must not be negative");
  }
  if (options.max_response_bytes < 1024) return bad_option("max_response_bytes", "below 1024");
  if (options.initial_block_range == 0) return bad_option("initial_block_range", "must be > 0");
  if (options.max_block_range == 0) return bad_option("max_block_range", "must be > 0");
  for (const auto& [name, value] : options.headers) {
    if (name.empty() || name.find_first_of(":\r\n ") != std::string::npos) {
      return bad_option("headers", "bad header name \"" + name.substr(0, 40) + "\"");
    }
    if (value.find_first_of("\r\n") != std::string::npos) {
      return bad_option("headers." + name, "line break in the value");
    }
  }
  std::uint64_t n = *number;
  return std::unique_ptr<ChainBackend>(
      std::make_unique<EvmRpcBackend>(std::move(options), std::move(url).value(), n));
}

std::optional<RpcStats> rpc_stats(const ChainBackend& backend) {
  const auto* evm = dynamic_cast<const EvmRpcBackend*>(&backend);
  if (evm == nullptr) return std::nullopt;
  return evm->stats();
}

std::optional<std::uint64_t> rpc_block_range(const ChainBackend& backend) {
  const auto* evm = dynamic_cast<const EvmRpcBackend*>(&backend);
  if (evm == nullptr) return std::nullopt;
  return evm->block_range();
}

Result<EvmRpcOptions> evm_rpc_options_from_json(std::string_view chain_id,
                                                std::string_view backend_settings_json) {
  json doc;
  try {
    doc = json::parse(backend_settings_json.begin(), backend_settings_json.end());
  } catch (const json::parse_error& e) {
    return Status(ErrorCode::kInvalidArgument,
                  "evm_rpc: backend: not valid JSON (byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {
    return Status(ErrorCode::kInvalidArgument, "evm_rpc: backend: not valid JSON");
  }
  if (!doc.is_object()) return bad_option("", "expected an object");
  EvmRpcOptions o;
  o.chain_id = std::string(chain_id);
  auto integer = [&](const std::string& key, const json& v, std::int64_t lo,
                     std::int64_t hi) -> Result<std::int64_t> {
    if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi ||
        (v.is_number_unsigned() &&
         v.get<std::uint64_t>() >
             static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))) {
      return bad_option(key, "expected an integer " + std::to_string(lo) + ".." +
                                 std::to_string(hi) + ", got " + v.dump().substr(0, 40));
    }
    return v.get<std::int64_t>();
  };
  bool have_url = false;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    constexpr std::int64_t kHour = 3600000;
    if (key == "url") {
      if (!v.is_string()) return bad_option(key, "expected a string");
      o.url = v.get<std::string>();
      have_url = true;
    } else if (key == "connect_timeout_ms" || key == "read_timeout_ms" ||
               key == "backoff_base_ms" || key == "backoff_max_ms") {
      auto ms = integer(key, v, key.rfind("backoff", 0) == 0 ? 0 : 1, kHour);
      if (!ms.ok()) return ms.status();
      std::chrono::milliseconds d(*ms);
      if (key == "connect_timeout_ms") o.connect_timeout = d;
      if (key == "read_timeout_ms") o.read_timeout = d;
      if (key == "backoff_base_ms") o.backoff_base = d;
      if (key == "backoff_max_ms") o.backoff_max = d;
    } else if (key == "max_retries") {
      auto n = integer(key, v, 0, 100);
      if (!n.ok()) return n.status();
      o.max_retries = static_cast<int>(*n);
    } else if (key == "max_response_bytes") {
      auto n = integer(key, v, 1024, std::int64_t{1} << 32);
      if (!n.ok()) return n.status();
      o.max_response_bytes = static_cast<std::size_t>(*n);
    } else if (key == "initial_block_range" || key == "max_block_range") {
      auto n = integer(key, v, 1, 1000000);
      if (!n.ok()) return n.status();
      (key == "initial_block_range" ? o.initial_block_range : o.max_block_range) =
          static_cast<std::uint64_t>(*n);
    } else if (key == "verify_tls" || key == "check_chain_id") {
      if (!v.is_boolean()) return bad_option(key, "expected true or false");
      (key == "verify_tls" ? o.verify_tls : o.check_chain_id) = v.get<bool>();
    } else if (key == "ca_file") {
      if (!v.is_string()) return bad_option(key, "expected a string");
      o.ca_file = v.get<std::string>();
    } else if (key == "headers") {
      if (!v.is_object()) return bad_option(key, "expected an object of strings");
      for (auto h = v.begin(); h != v.end(); ++h) {
        if (!h.value().is_string()) return bad_option(key + "." + h.key(), "expected a string");
        o.headers.emplace_back(h.key(), h.value().get<std::string>());
      }
    } else {
      return bad_option(key, "unknown key");
    }
  }
  if (!have_url) return bad_option("url", "missing");
  if (o.initial_block_range > o.max_block_range) {
    return bad_option("initial_block_range", "above max_block_range");
  }
  auto url = evm_rpc_internal::parse_url(o.url);
  if (!url.ok()) return url.status().with_context("evm_rpc: backend");
  return o;
}

}  // namespace usd1pay
