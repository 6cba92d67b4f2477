// EvmRpcBackend against a hostile JSON-RPC server: an httplib::Server on
// 127.0.0.1 that plays a small EVM node and misbehaves on demand (malformed
// JSON, wrong types, absurd numbers, truncated / huge / slow bodies, JSON-RPC
// errors, 5xx, 429, range limits, the wrong chain). Every case must end in a
// clear error or a complete, exact answer: never a crash or a bogus transfer.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "chain/evm_rpc_decode.h"
#include "usd1pay/evm_rpc.h"

namespace usd1pay {
namespace {

using evm_rpc_internal::to_quantity;
using nlohmann::json;

constexpr const char* kToken = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
constexpr const char* kAlice = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

std::string hash_of(std::uint64_t n, char salt = 'a') {
  std::string digits = to_quantity(n).substr(2);
  return "0x" + std::string(63 - digits.size(), salt) + "f" + digits;
}

std::string word(std::uint64_t v) {
  std::string d = to_quantity(v).substr(2);
  return "0x" + std::string(64 - d.size(), '0') + d;
}

std::string addr_topic(const std::string& a) {
  return evm_rpc_internal::address_topic(a);
}

json block_json(std::uint64_t n, char salt = 'a') {
  return {{"number", to_quantity(n)},
          {"hash", hash_of(n, salt)},
          {"parentHash", n == 0 ? std::string("0x") + std::string(64, '0') : hash_of(n - 1, salt)},
          {"timestamp", to_quantity(1700000000 + n * 12)},
          {"transactions", json::array()}};
}

json log_json(std::uint64_t block, std::uint32_t index, std::uint64_t amount) {
  return {{"address", "0x5fbdb2315678afecb367f032d93f642f64180aa3"},
          {"topics", json::array({std::string(evm_rpc_internal::kTransferTopic),
                                  addr_topic("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
                                  addr_topic(kAlice)})},
          {"data", word(amount)},
          {"blockNumber", to_quantity(block)},
          {"blockHash", hash_of(block)},
          {"transactionHash", hash_of(block * 1000 + index, 'c')},
          {"logIndex", to_quantity(index)},
          {"removed", false}};
}

// The node: answers each call through `answer` (default: a chain of 1000
// blocks, chain id 1337, the logs in `logs`, refusing ranges above
// `max_range`). `raw` overrides everything when set.
class FakeNode {
 public:
  FakeNode() {
    server_.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests_;
      std::function<void(const httplib::Request&, httplib::Response&)> raw;
      {
        std::lock_guard<std::mutex> lock(mu_);
        raw = raw_;
      }
      if (raw) {
        raw(req, res);
        return;
      }
      res.set_content(answer_body(json::parse(req.body)).dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeNode() {
    server_.stop();
    thread_.join();
  }
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void set_raw(std::function<void(const httplib::Request&, httplib::Response&)> raw) {
    std::lock_guard<std::mutex> lock(mu_);
    raw_ = std::move(raw);
  }
  json answer_body(const json& request) {
    if (request.is_array()) {
      json out = json::array();
      for (const auto& call : request) out.push_back(answer_one(call));
      return out;
    }
    return answer_one(request);
  }
  json answer_one(const json& call) {
    json reply = {{"jsonrpc", "2.0"}, {"id", call["id"]}};
    const std::string method = call["method"];
    const json& params = call["params"];
    std::lock_guard<std::mutex> lock(mu_);
    if (override_) {
      auto r = override_(method, params);
      if (r) {
        for (auto& [k, v] : r->items()) reply[k] = v;
        return reply;
      }
    }
    if (method == "eth_chainId") {
      reply["result"] = to_quantity(chain_id);
    } else if (method == "eth_getBlockByNumber") {
      const std::string tag = params[0];
      std::uint64_t n = tag == "latest"      ? head
                        : tag == "safe"      ? head - 5
                        : tag == "finalized" ? head - 10
                                             : 0;
      if (tag.rfind("0x", 0) == 0) n = std::stoull(tag.substr(2), nullptr, 16);
      reply["result"] = n > head ? json(nullptr) : block_json(n, salt);
    } else if (method == "eth_getLogs") {
      ++log_calls;
      std::uint64_t from =
          std::stoull(params[0]["fromBlock"].get<std::string>().substr(2), nullptr, 16);
      std::uint64_t to =
          std::stoull(params[0]["toBlock"].get<std::string>().substr(2), nullptr, 16);
      if (to - from + 1 > max_range) {
        reply["error"] = {{"code", -32005}, {"message", "query returned more than 10000 results"}};
        return reply;
      }
      json out = json::array();
      for (const auto& l : logs) {
        std::uint64_t b = std::stoull(l["blockNumber"].get<std::string>().substr(2), nullptr, 16);
        if (b >= from && b <= to) out.push_back(l);
      }
      reply["result"] = out;
    } else {
      reply["error"] = {{"code", -32601}, {"message", "method not found"}};
    }
    return reply;
  }

  // Per-call override: return a JSON object of members ("result"/"error")
  // to use, or nullopt for the default.
  std::function<std::optional<json>(const std::string&, const json&)> override_;
  std::uint64_t chain_id = 1337;
  std::uint64_t head = 1000;
  std::uint64_t max_range = 1000000;
  char salt = 'a';
  json logs = json::array();
  std::atomic<int> requests_{0};
  int log_calls = 0;
  std::mutex mu_;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::function<void(const httplib::Request&, httplib::Response&)> raw_;
};

EvmRpcOptions options_for(const FakeNode& node) {
  EvmRpcOptions o;
  o.chain_id = "eip155:1337";
  o.url = node.url();
  o.backoff_base = std::chrono::milliseconds(1);
  o.backoff_max = std::chrono::milliseconds(20);
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.read_timeout = std::chrono::milliseconds(2000);
  return o;
}

std::unique_ptr<ChainBackend> make(const EvmRpcOptions& o) {
  auto b = make_evm_rpc_backend(o);
  EXPECT_TRUE(b.ok()) << to_string(b.status());
  return std::move(b).value();
}

TransfersParams range(std::uint64_t from, std::uint64_t to) {
  TransfersParams p;
  p.from_block = from;
  p.to_block = to;
  p.tokens = {kToken};
  return p;
}

TEST(EvmRpcServerTest, HeadsInOneBatchWithChainIdCheck) {
  FakeNode node;
  auto backend = make(options_for(node));
  auto heads = backend->heads({});
  ASSERT_TRUE(heads.ok()) << to_string(heads.status());
  EXPECT_EQ(heads->latest, (BlockRef{1000, hash_of(1000), hash_of(999), 1700000000 + 12000}));
  ASSERT_TRUE(heads->safe.has_value());
  EXPECT_EQ(heads->safe->number, 995U);
  ASSERT_TRUE(heads->finalized.has_value());
  EXPECT_EQ(heads->finalized->number, 990U);
  auto stats = rpc_stats(*backend);
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->requests, 1U);
  EXPECT_EQ(stats->calls, 4U);  // eth_chainId + 3 tags
  // The chain id is checked once.
  ASSERT_TRUE(backend->heads({}).ok());
  EXPECT_EQ(rpc_stats(*backend)->calls, 7U);
  EXPECT_EQ(node.requests_.load(), 2);
}

TEST(EvmRpcServerTest, HeadsWithoutTagsAsksForLatestOnly) {
  FakeNode node;
  std::atomic<int> tag_calls{0};
  node.override_ = [&tag_calls](const std::string& m, const json& params) -> std::optional<json> {
    if (m == "eth_getBlockByNumber" && (params[0] == "safe" || params[0] == "finalized")) {
      ++tag_calls;
    }
    return std::nullopt;
  };
  auto backend = make(options_for(node));
  HeadsParams p;
  p.include_tags = false;
  auto heads = backend->heads(p);
  ASSERT_TRUE(heads.ok()) << to_string(heads.status());
  EXPECT_EQ(heads->latest.number, 1000U);
  EXPECT_FALSE(heads->safe.has_value());
  EXPECT_FALSE(heads->finalized.has_value());
  EXPECT_EQ(tag_calls.load(), 0);
  EXPECT_EQ(rpc_stats(*backend)->calls, 2U);  // eth_chainId + latest
  ASSERT_TRUE(backend->heads(p).ok());
  EXPECT_EQ(rpc_stats(*backend)->calls, 3U);  // latest only
  EXPECT_EQ(tag_calls.load(), 0);
}

TEST(EvmRpcServerTest, NodeWithoutSafeAndFinalizedTagsLeavesThemAbsent) {
  FakeNode node;
  node.override_ = [](const std::string& m, const json& params) -> std::optional<json> {
    if (m == "eth_getBlockByNumber" && (params[0] == "safe" || params[0] == "finalized")) {
      return json{{"error", {{"code", -32000}, {"message", "unknown block"}}}};
    }
    return std::nullopt;
  };
  auto backend = make(options_for(node));
  auto heads = backend->heads({});
  ASSERT_TRUE(heads.ok()) << to_string(heads.status());
  EXPECT_EQ(heads->latest.number, 1000U);
  EXPECT_FALSE(heads->safe.has_value());
  EXPECT_FALSE(heads->finalized.has_value());
}

TEST(EvmRpcServerTest, WrongChainIsAnErrorNamingBothIds) {
  FakeNode node;
  node.chain_id = 5;
  auto backend = make(options_for(node));
  auto heads = backend->heads({});
  ASSERT_FALSE(heads.ok());
  EXPECT_EQ(heads.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(heads.status().message().find("eip155:5"), std::string::npos)
      << heads.status().message();
  EXPECT_NE(heads.status().message().find("eip155:1337"), std::string::npos);
  auto transfers = backend->transfers(range(1, 10));
  EXPECT_EQ(transfers.status().code(), ErrorCode::kFailedPrecondition);
}

TEST(EvmRpcServerTest, MalformedJsonIsUnavailable) {
  FakeNode node;
  node.set_raw([](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"number\":", "application/json");
  });
  auto backend = make(options_for(node));
  auto b = backend->block({5});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(b.status().message().find("not valid JSON"), std::string::npos) << b.status().message();
}

TEST(EvmRpcServerTest, DeeplyNestedJsonIsRefusedWithoutRecursion) {
  FakeNode node;
  node.set_raw([](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100000, '[') + std::string(100000, ']'), "application/json");
  });
  auto backend = make(options_for(node));
  auto b = backend->block({5});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("nested deeper"), std::string::npos) << b.status().message();
}

struct BadBlockCase {
  const char* name;
  const char* key;
  json value;
  ErrorCode code;
  const char* fragment;
};

TEST(EvmRpcServerTest, BadBlockFieldsNameTheField) {
  const BadBlockCase cases[] = {
      {"number as integer", "number", 5, ErrorCode::kUnavailable,
       "result.number: expected a hex quantity string, got number"},
      {"number > 2^64", "number", "0x10000000000000000", ErrorCode::kOutOfRange,
       "result.number: quantity 0x10000000000000000 does not fit 64 bits"},
      {"leading zero", "number", "0x05", ErrorCode::kUnavailable,
       "result.number: hex quantity with a leading zero"},
      {"empty quantity", "timestamp", "0x", ErrorCode::kUnavailable,
       "result.timestamp: expected hex digits after 0x"},
      {"timestamp > 2^63", "timestamp", "0x8000000000000000", ErrorCode::kOutOfRange,
       "result.timestamp: above 2^63-1"},
      {"short hash", "hash", "0x1234", ErrorCode::kUnavailable,
       "result.hash: expected a 32-byte hash (64 hex digits), got 4 digits"},
      {"null parent", "parentHash", nullptr, ErrorCode::kUnavailable,
       "result.parentHash: expected a 32-byte hash, got null"},
      {"bad hex", "hash", "0x" + std::string(63, '0') + "g", ErrorCode::kUnavailable,
       "result.hash: bad character 'g' at position 65"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeNode node;
    node.override_ = [&c](const std::string& m, const json& params) -> std::optional<json> {
      if (m != "eth_getBlockByNumber") return std::nullopt;
      json b = block_json(std::stoull(params[0].get<std::string>().substr(2), nullptr, 16));
      b[c.key] = c.value;
      return json{{"result", b}};
    };
    auto backend = make(options_for(node));
    auto b = backend->block({5});
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.status().code(), c.code) << b.status().message();
    EXPECT_NE(b.status().message().find(c.fragment), std::string::npos) << b.status().message();
    EXPECT_NE(b.status().message().find("eth_getBlockByNumber(5)"), std::string::npos)
        << b.status().message();
  }
}

TEST(EvmRpcServerTest, BlockAboveHeadIsNotFound) {
  FakeNode node;
  auto backend = make(options_for(node));
  auto b = backend->block({1001});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), ErrorCode::kNotFound);
  auto ok = backend->block({1000});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->hash, hash_of(1000));
}

TEST(EvmRpcServerTest, HugeAmountIsOutOfRangeAndNoTransferIsReported) {
  FakeNode node;
  json bad = log_json(10, 0, 1);
  bad["data"] = "0x0000000000000000000000000000000100000000000000000000000000000000";  // 2^128
  node.logs = json::array({log_json(9, 0, 5), bad});
  auto backend = make(options_for(node));
  auto r = backend->transfers(range(1, 20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("eth_getLogs.result[1].data: amount above 2^128-1"),
            std::string::npos)
      << r.status().message();
}

TEST(EvmRpcServerTest, TransfersAreExactSortedAndTimed) {
  FakeNode node;
  json removed = log_json(12, 3, 999);
  removed["removed"] = true;
  node.logs =
      json::array({log_json(15, 1, 7), log_json(12, 4, 1000000), removed, log_json(15, 0, 3)});
  node.logs[0]["data"] =
      "0x00000000000000000000000000000000ffffffffffffffffffffffffffffffff";  // 2^128-1
  auto backend = make(options_for(node));
  auto r = backend->transfers(range(10, 20));
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->transfers.size(), 3U);
  EXPECT_EQ(r->transfers[0].block_number, 12U);
  EXPECT_EQ(r->transfers[0].log_index, 4U);
  EXPECT_EQ(r->transfers[0].amount, Uint128(1000000));
  EXPECT_EQ(r->transfers[0].block_time, 1700000000 + 12 * 12);
  EXPECT_EQ(r->transfers[0].token, kToken);
  EXPECT_EQ(r->transfers[0].to, kAlice);
  EXPECT_EQ(r->transfers[0].from, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  EXPECT_EQ(r->transfers[0].chain, "eip155:1337");
  EXPECT_EQ(r->transfers[0].tx_hash, hash_of(12004, 'c'));
  EXPECT_EQ(r->transfers[1].log_index, 0U);
  EXPECT_EQ(r->transfers[1].amount, Uint128(3));
  EXPECT_EQ(r->transfers[2].amount, Uint128::max());
  EXPECT_EQ(r->transfers[2].block_hash, hash_of(15));
  // Blocks learned: the two with transfers and the last of the range.
  ASSERT_EQ(r->blocks.size(), 3U);
  EXPECT_EQ(r->blocks[0].number, 12U);
  EXPECT_EQ(r->blocks[1].number, 15U);
  EXPECT_EQ(r->blocks[2].number, 20U);
  // chainId + logs + header of 20 in one request, then one batch of 2 headers.
  EXPECT_EQ(rpc_stats(*backend)->requests, 2U);
  EXPECT_EQ(rpc_stats(*backend)->calls, 5U);
}

TEST(EvmRpcServerTest, BadLogsNameTheField) {
  struct Case {
    const char* key;
    json value;
    ErrorCode code;
    const char* fragment;
  };
  const Case cases[] = {
      {"address", "0x5fbdb2315678afecb367f032d93f642f64180aa4", ErrorCode::kUnavailable,
       "result[0].address: 0x5FbDB2315678AFECb367f032D93f642f64180aA4 is not a token that was "
       "asked for"},
      {"address", 42, ErrorCode::kUnavailable,
       "result[0].address: expected a 20-byte address, got number"},
      {"topics", json::array({std::string(evm_rpc_internal::kTransferTopic), addr_topic(kAlice)}),
       ErrorCode::kUnavailable, "result[0].topics: expected 3 topics"},
      {"data", "0x", ErrorCode::kUnavailable,
       "result[0].data: expected a 32-byte uint256 (64 hex digits), got 0 digits"},
      {"blockNumber", "0x64", ErrorCode::kUnavailable,
       "result[0].blockNumber: block 100 is outside 10..20"},
      {"blockNumber", "0x1" + std::string(16, '0'), ErrorCode::kOutOfRange, "does not fit 64 bits"},
      {"logIndex", "0x100000000", ErrorCode::kOutOfRange, "result[0].logIndex: above 2^32-1"},
      {"logIndex", nullptr, ErrorCode::kUnavailable,
       "result[0].logIndex: expected a hex quantity string, got null"},
      {"blockHash", nullptr, ErrorCode::kUnavailable,
       "result[0].blockHash: expected a 32-byte hash, got null"},
      {"removed", "false", ErrorCode::kUnavailable, "result[0].removed: expected a boolean"},
      {"transactionHash", "0xZZ", ErrorCode::kUnavailable, "result[0].transactionHash"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fragment);
    FakeNode node;
    json l = log_json(15, 0, 1);
    l[c.key] = c.value;
    node.logs = json::array({l});
    if (std::string(c.key) == "blockNumber") {
      node.override_ = [l](const std::string& m, const json&) -> std::optional<json> {
        if (m == "eth_getLogs") return json{{"result", json::array({l})}};
        return std::nullopt;
      };
    }
    auto backend = make(options_for(node));
    auto r = backend->transfers(range(10, 20));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code) << r.status().message();
    EXPECT_NE(r.status().message().find(c.fragment), std::string::npos) << r.status().message();
  }
}

TEST(EvmRpcServerTest, ReorgBetweenLogsAndHeadersIsDetected) {
  FakeNode node;
  node.logs = json::array({log_json(12, 0, 5)});
  node.salt = 'b';  // headers now disagree with the logs' block hashes
  auto backend = make(options_for(node));
  auto r = backend->transfers(range(10, 20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("reorganised during the scan (block 12"), std::string::npos)
      << r.status().message();
}

// The caller's header of to_block (the latest heads() returned) replaces the
// eth_getBlockByNumber that rides along with the last eth_getLogs.
TEST(EvmRpcServerTest, KnownLastBlockSavesTheHeaderCall) {
  FakeNode node;
  std::atomic<int> header_calls{0};
  node.override_ = [&header_calls](const std::string& m, const json&) -> std::optional<json> {
    if (m == "eth_getBlockByNumber") ++header_calls;
    return std::nullopt;
  };
  node.logs = json::array({log_json(20, 2, 5), log_json(18, 0, 7)});
  auto backend = make(options_for(node));
  ASSERT_TRUE(backend->heads({}).ok());  // first contact (eth_chainId) out of the way
  const std::uint64_t calls0 = rpc_stats(*backend)->calls;
  header_calls = 0;
  TransfersParams p = range(20, 20);
  p.known_last_block = BlockRef{20, hash_of(20), hash_of(19), 1700000000 + 20 * 12};
  auto r = backend->transfers(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->transfers.size(), 1U);
  EXPECT_EQ(r->transfers[0].block_time, 1700000000 + 20 * 12);  // from the known header
  ASSERT_EQ(r->blocks.size(), 1U);
  EXPECT_EQ(r->blocks[0], *p.known_last_block);
  EXPECT_EQ(header_calls.load(), 0);
  EXPECT_EQ(rpc_stats(*backend)->calls - calls0, 1U);  // eth_getLogs only
  // A longer range: only the header of the other block with a transfer.
  p = range(15, 20);
  p.known_last_block = BlockRef{20, hash_of(20), hash_of(19), 1700000000 + 20 * 12};
  r = backend->transfers(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->transfers.size(), 2U);
  EXPECT_EQ(r->transfers[0].block_time, 1700000000 + 18 * 12);
  EXPECT_EQ(header_calls.load(), 1);
  EXPECT_EQ(rpc_stats(*backend)->calls - calls0, 3U);
  // A known block that is not to_block is ignored: the header is fetched.
  p = range(15, 19);
  p.known_last_block = BlockRef{20, hash_of(20), hash_of(19), 0};
  r = backend->transfers(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->blocks.size(), 2U);
  EXPECT_EQ(r->blocks.back().number, 19U);
  EXPECT_EQ(r->blocks.back().hash, hash_of(19));
}

TEST(EvmRpcServerTest, KnownLastBlockReplacedSinceIsRefusedNeverMixed) {
  FakeNode node;
  node.logs = json::array({log_json(20, 0, 5)});
  auto backend = make(options_for(node));
  TransfersParams p = range(19, 20);
  p.known_last_block = BlockRef{20, hash_of(20, 'e'), hash_of(19), 1700000000};  // an old 20
  auto r = backend->transfers(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("reorganised during the scan (block 20"), std::string::npos)
      << r.status().message();
  // A malformed known hash is the caller's error.
  for (const std::string& bad :
       {std::string("0x1234"), hash_of(20).substr(0, 65) + "A", std::string("")}) {
    SCOPED_TRACE(bad);
    p.known_last_block = BlockRef{20, bad, "", 0};
    r = backend->transfers(p);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("known_last_block.hash"), std::string::npos)
        << r.status().message();
  }
}

// A node's answer with a key twice (nlohmann would keep the last one) is
// refused naming the key, in heads(), block() and transfers(); nothing of it
// is used.
TEST(EvmRpcServerTest, DuplicateKeysInAnAnswerAreRefused) {
  FakeNode node;
  node.logs = json::array({log_json(15, 0, 5)});
  auto backend = make(options_for(node));
  ASSERT_TRUE(backend->heads({}).ok());
  // Serialise the normal answer, then repeat one member of one object.
  auto duplicate = [&node](const std::string& member, const std::string& again) {
    node.set_raw([&node, member, again](const httplib::Request& req, httplib::Response& res) {
      std::string body = node.answer_body(json::parse(req.body)).dump();
      const auto at = body.find(member);
      if (at != std::string::npos) body.insert(at, again + ",");
      res.set_content(body, "application/json");
    });
  };
  duplicate("\"hash\":", "\"hash\":\"" + hash_of(1000, 'e') + "\"");
  auto heads = backend->heads({});
  ASSERT_FALSE(heads.ok());
  EXPECT_EQ(heads.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(heads.status().message().find("response has the key \"[0].result.hash\" twice"),
            std::string::npos)
      << heads.status().message();
  auto block = backend->block({7});
  ASSERT_FALSE(block.ok());
  EXPECT_NE(block.status().message().find("\"result.hash\" twice"), std::string::npos)
      << block.status().message();
  duplicate("\"data\":", "\"data\":\"" + word(5000000) + "\"");
  auto r = backend->transfers(range(10, 20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("\"[0].result[0].data\" twice"), std::string::npos)
      << r.status().message();
  node.set_raw(nullptr);
  r = backend->transfers(range(10, 20));
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->transfers.size(), 1U);
}

TEST(EvmRpcServerTest, RangeLimitsSplitAdaptivelyAndResultsAreComplete) {
  FakeNode node;
  node.max_range = 100;
  json logs = json::array();
  for (std::uint64_t b = 1; b <= 999; b += 50) logs.push_back(log_json(b, 1, b));
  node.logs = logs;
  auto o = options_for(node);
  o.initial_block_range = 1000;
  o.max_block_range = 1000;
  auto backend = make(o);
  auto r = backend->transfers(range(0, 999));
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->transfers.size(), 20U);
  for (std::size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(r->transfers[i].block_number, 1 + 50 * i);
    EXPECT_EQ(r->transfers[i].amount, Uint128(1 + 50 * i));
  }
  auto stats = rpc_stats(*backend);
  EXPECT_GE(stats->range_splits, 4U);  // 1000 -> 500 -> 250 -> 125 -> 62
  EXPECT_LE(*rpc_block_range(*backend), 125U);
  EXPECT_GE(*rpc_block_range(*backend), 62U);
}

TEST(EvmRpcServerTest, RangeGrowsBackAfterSuccesses) {
  FakeNode node;
  auto o = options_for(node);
  o.initial_block_range = 10;
  o.max_block_range = 80;
  auto backend = make(o);
  ASSERT_TRUE(backend->transfers(range(0, 99)).ok());
  EXPECT_EQ(*rpc_block_range(*backend), 80U);  // 10, 20, 40, 80 (then capped)
  EXPECT_EQ(node.log_calls, 4);                // 0-9, 10-29, 30-69, 70-99
}

TEST(EvmRpcServerTest, OneBlockRefusedIsAnError) {
  FakeNode node;
  node.max_range = 0;
  auto backend = make(options_for(node));
  auto r = backend->transfers(range(5, 8));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("refuses even one block"), std::string::npos)
      << r.status().message();
}

TEST(EvmRpcServerTest, JsonRpcErrorIsNotRetried) {
  FakeNode node;
  node.override_ = [](const std::string& m, const json&) -> std::optional<json> {
    if (m == "eth_getBlockByNumber") {
      return json{{"error", {{"code", -32602}, {"message", "invalid argument 0"}}}};
    }
    return std::nullopt;
  };
  auto backend = make(options_for(node));
  auto b = backend->block({3});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(
      b.status().message().find("eth_getBlockByNumber(3): node error -32602: invalid argument 0"),
      std::string::npos)
      << b.status().message();
  EXPECT_EQ(rpc_stats(*backend)->retries, 0U);
  EXPECT_EQ(node.requests_.load(), 1);
}

TEST(EvmRpcServerTest, ServerErrorsAreRetriedAndCounted) {
  FakeNode node;
  std::atomic<int> failures{2};
  node.set_raw([&](const httplib::Request& req, httplib::Response& res) {
    if (failures-- > 0) {
      res.status = 502;
      res.set_content("bad gateway", "text/plain");
      return;
    }
    res.set_content(node.answer_body(json::parse(req.body)).dump(), "application/json");
  });
  auto backend = make(options_for(node));
  auto b = backend->block({7});
  ASSERT_TRUE(b.ok()) << to_string(b.status());
  EXPECT_EQ(b->number, 7U);
  auto stats = rpc_stats(*backend);
  EXPECT_EQ(stats->retries, 2U);
  EXPECT_EQ(stats->requests, 3U);
}

TEST(EvmRpcServerTest, RetriesRunOut) {
  FakeNode node;
  node.set_raw([](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  auto o = options_for(node);
  o.max_retries = 2;
  auto backend = make(o);
  auto b = backend->block({7});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(b.status().message().find("after 3 attempts"), std::string::npos)
      << b.status().message();
  EXPECT_NE(b.status().message().find("HTTP 503"), std::string::npos);
  EXPECT_EQ(node.requests_.load(), 3);
}

TEST(EvmRpcServerTest, ClientErrorStatusIsNotRetried) {
  FakeNode node;
  node.set_raw([](const httplib::Request&, httplib::Response& res) { res.status = 401; });
  auto backend = make(options_for(node));
  auto b = backend->block({7});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("HTTP 401"), std::string::npos) << b.status().message();
  EXPECT_EQ(node.requests_.load(), 1);
}

TEST(EvmRpcServerTest, TooManyRequestsHonoursRetryAfter) {
  FakeNode node;
  std::atomic<int> failures{1};
  node.set_raw([&](const httplib::Request& req, httplib::Response& res) {
    if (failures-- > 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      return;
    }
    res.set_content(node.answer_body(json::parse(req.body)).dump(), "application/json");
  });
  auto o = options_for(node);
  o.backoff_max = std::chrono::milliseconds(5000);
  auto backend = make(o);
  auto start = std::chrono::steady_clock::now();
  auto b = backend->block({7});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(b.ok()) << to_string(b.status());
  EXPECT_GE(elapsed, std::chrono::milliseconds(950));
  EXPECT_LT(elapsed, std::chrono::milliseconds(4000));
  EXPECT_EQ(rpc_stats(*backend)->retries, 1U);
}

TEST(EvmRpcServerTest, HugeBodyStopsAtTheCapWithBoundedMemory) {
  FakeNode node;
  std::atomic<std::size_t> sent{0};
  node.set_raw([&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json", [&](std::size_t, httplib::DataSink& sink) {
      static const std::string chunk(64 * 1024, ' ');
      if (sent > (std::size_t{512} << 20)) return false;  // give up after 512 MiB
      sent += chunk.size();
      return sink.write(chunk.data(), chunk.size());
    });
  });
  auto o = options_for(node);
  o.max_response_bytes = 1 << 20;
  o.max_retries = 0;
  auto backend = make(o);
  auto b = backend->block({7});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(b.status().message().find("response larger than 1048576 bytes"), std::string::npos)
      << b.status().message();
  EXPECT_LT(sent.load(), std::size_t{64} << 20);
}

TEST(EvmRpcServerTest, HugeDeclaredLengthIsRefusedBeforeReading) {
  FakeNode node;
  node.set_raw([](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(std::size_t{1} << 40, "application/json",
                             [](std::size_t, std::size_t, httplib::DataSink& sink) {
                               static const std::string chunk(4096, ' ');
                               return sink.write(chunk.data(), chunk.size());
                             });
  });
  auto o = options_for(node);
  o.max_response_bytes = 1 << 20;
  auto backend = make(o);
  auto b = backend->block({7});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("response larger than"), std::string::npos)
      << b.status().message();
}

TEST(EvmRpcServerTest, OversizedLogsAnswerSplitsTheRange) {
  FakeNode node;
  json logs = json::array();
  for (std::uint64_t b = 0; b < 64; ++b) logs.push_back(log_json(b, 0, b + 1));
  node.logs = logs;
  auto o = options_for(node);
  o.max_response_bytes = 8 * 1024;  // about 15 logs
  auto backend = make(o);
  auto r = backend->transfers(range(0, 63));
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->transfers.size(), 64U);
  EXPECT_GE(rpc_stats(*backend)->range_splits, 2U);
}

TEST(EvmRpcServerTest, TruncatedBodyIsUnavailable) {
  FakeNode node;
  node.set_raw([](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(1000, "application/json",
                             [](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               if (offset > 0) return false;  // hang up half way
                               const std::string part = R"({"jsonrpc":"2.0","id":1,"result":{"nu)";
                               return sink.write(part.data(), part.size());
                             });
  });
  auto o = options_for(node);
  o.max_retries = 1;
  auto backend = make(o);
  auto b = backend->block({7});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(rpc_stats(*backend)->retries, 1U) << b.status().message();
}

TEST(EvmRpcServerTest, SlowBodyHitsTheReadDeadline) {
  FakeNode node;
  node.set_raw([](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "application/json", [](std::size_t offset, httplib::DataSink& sink) {
          if (offset > 200) return false;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          return sink.write(" ", 1);  // one byte at a time: each read is quick
        });
  });
  auto o = options_for(node);
  o.read_timeout = std::chrono::milliseconds(400);
  o.connect_timeout = std::chrono::milliseconds(400);
  o.max_retries = 0;
  auto backend = make(o);
  auto start = std::chrono::steady_clock::now();
  auto b = backend->block({7});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(b.status().message().find("not complete within 400 ms"), std::string::npos)
      << b.status().message();
  EXPECT_LT(elapsed, std::chrono::milliseconds(3000));
}

TEST(EvmRpcServerTest, BatchAnswerWithMissingOrDuplicateIdsIsRefused) {
  FakeNode node;
  node.set_raw([&](const httplib::Request& req, httplib::Response& res) {
    json out = node.answer_body(json::parse(req.body));
    out[1]["id"] = out[0]["id"];
    res.set_content(out.dump(), "application/json");
  });
  auto backend = make(options_for(node));
  auto h = backend->heads({});
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("duplicate id"), std::string::npos) << h.status().message();
}

TEST(EvmRpcServerTest, UnreachableNodeIsUnavailable) {
  // A port that was free a moment ago: bound, then closed without listening.
  int port = 0;
  {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    socklen_t len = sizeof sa;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
    port = ntohs(sa.sin_port);
    ::close(fd);
  }
  EvmRpcOptions o;
  o.chain_id = "eip155:1337";
  o.url = "http://127.0.0.1:" + std::to_string(port);
  o.max_retries = 1;
  o.backoff_base = std::chrono::milliseconds(1);
  auto backend = make(o);
  auto h = backend->heads({});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(rpc_stats(*backend)->retries, 1U);
}

TEST(EvmRpcServerTest, HeadersFromOptionsAreSent) {
  FakeNode node;
  std::string seen;
  node.set_raw([&](const httplib::Request& req, httplib::Response& res) {
    seen = req.get_header_value("X-Api-Key");
    res.set_content(node.answer_body(json::parse(req.body)).dump(), "application/json");
  });
  auto o = options_for(node);
  o.headers = {{"X-Api-Key", "k123"}};
  auto backend = make(o);
  ASSERT_TRUE(backend->block({1}).ok());
  EXPECT_EQ(seen, "k123");
}

TEST(EvmRpcOptionsTest, FactoryRefusesBadOptions) {
  struct Case {
    const char* chain;
    const char* url;
    const char* fragment;
  };
  const Case cases[] = {
      {"eip155:1", "ftp://x", "url: expected http:// or https://"},
      {"eip155:1", "http://", "url: missing host"},
      {"eip155:1", "http://user:pw@host/", "credentials in the URL"},
      {"eip155:1", "http://host:99999/", "port out of range"},
      {"eip155:1", "http://ho st/", "url: bad character ' '"},
      {"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "http://h/", "expected an eip155:<n> chain"},
  };
  for (const auto& c : cases) {
    EvmRpcOptions o;
    o.chain_id = c.chain;
    o.url = c.url;
    auto b = make_evm_rpc_backend(o);
    ASSERT_FALSE(b.ok()) << c.url;
    EXPECT_EQ(b.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(b.status().message().find(c.fragment), std::string::npos) << b.status().message();
  }
}

TEST(EvmRpcOptionsTest, FromJson) {
  auto o = evm_rpc_options_from_json(
      "eip155:1",
      R"({"url":"https://eth.example/v3/KEY","read_timeout_ms":1000,"max_retries":0,
          "initial_block_range":50,"max_block_range":500,"verify_tls":false,
          "headers":{"X-Api-Key":"abc"}})");
  ASSERT_TRUE(o.ok()) << to_string(o.status());
  EXPECT_EQ(o->chain_id, "eip155:1");
  EXPECT_EQ(o->url, "https://eth.example/v3/KEY");
  EXPECT_EQ(o->read_timeout, std::chrono::milliseconds(1000));
  EXPECT_EQ(o->connect_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(o->max_retries, 0);
  EXPECT_EQ(o->initial_block_range, 50U);
  EXPECT_EQ(o->max_block_range, 500U);
  EXPECT_FALSE(o->verify_tls);
  ASSERT_EQ(o->headers.size(), 1U);
  EXPECT_EQ(o->headers[0].second, "abc");

  const std::pair<const char*, const char*> bad[] = {
      {R"({"url":"http://h/","read_timout_ms":5})", "backend.read_timout_ms: unknown key"},
      {R"({"read_timeout_ms":5})", "backend.url: missing"},
      {R"({"url":"http://h/","read_timeout_ms":"5"})",
       "backend.read_timeout_ms: expected an integer 1..3600000, got \"5\""},
      {R"({"url":"http://h/","max_retries":-1})",
       "backend.max_retries: expected an integer 0..100"},
      {R"({"url":"http://h/","verify_tls":1})", "backend.verify_tls: expected true or false"},
      {R"({"url":"http://h/","headers":{"a":1}})", "backend.headers.a: expected a string"},
      {R"({"url":"gopher://h/"})", "url: expected http:// or https://"},
      {R"({"url":"http://h/","initial_block_range":20,"max_block_range":10})",
       "initial_block_range: above max_block_range"},
      {R"([1])", "expected an object"},
      {R"({"url":)", "not valid JSON"},
  };
  for (const auto& [text, fragment] : bad) {
    auto r = evm_rpc_options_from_json("eip155:1", text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace usd1pay
