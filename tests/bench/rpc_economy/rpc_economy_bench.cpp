// bench.rpc_economy: how many JSON-RPC calls the Tracker spends per scanned
// block on a real node (ganache 7, EVM JSON-RPC backend), with many open
// intents, beside the naive per-address approach (one balanceOf eth_call per
// open address per block).
//
// Usage: bench_rpc_economy [--intents N] [--blocks B] [--every K]
//   N open intents (xpub-derived addresses, created through the Processor on
//   a SQLite store with synchronous NORMAL); B new blocks, every K-th holding
//   a real token transfer to one of the intents, the others empty (evm_mine).
// Three cadences are measured, each over B blocks:
//   follow   the tracker polls after every new block (the same cadence as
//            the naive approach: its worst case, one block per poll);
//   follow2  the tracker polls after every second new block (a poll interval
//            of about two block times);
//   catchup  the B blocks are mined first, then the tracker polls until it
//            is caught up (a host that polls less often than blocks come).
// The naive approach's cost is computed (N calls per block, by definition);
// the time of one balanceOf call is measured on a sample of the addresses to
// show what N of them would take per block (extrapolated, and said so).
// Calls are JSON-RPC calls (every call of a batch counted, as providers bill
// them); requests are HTTP round trips.
// Output: lines "FOLLOW ...", "FOLLOW2 ...", "CATCHUP ...", "NAIVE ..." with key=value
// figures (run.py parses them), then the RATIO line of the follow cadence.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/ganache.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/config.h"
#include "usd1pay/evm_rpc.h"
#include "usd1pay/intent.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"

namespace {

using nlohmann::json;
using usd1pay::testing::GanacheNode;
using Steady = std::chrono::steady_clock;

constexpr const char* kXpub =
    "xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54"
    "JoNXVsXFYSYwHsnJxqP";
constexpr const char* kTransferSelector = "a9059cbb";   // transfer(address,uint256)
constexpr const char* kMintSelector = "40c10f19";       // mint(address,uint256)
constexpr const char* kBalanceOfSelector = "70a08231";  // balanceOf(address)

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_rpc_economy: %s\n", what.c_str());
  std::exit(1);
}

double ms_since(Steady::time_point t0) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
}

std::string word_of_address(const std::string& address) {
  std::string hex = address.substr(2);
  std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return std::string(24, '0') + hex;
}

std::string word_of_amount(usd1pay::Uint128 v) {
  char buf[65];
  std::snprintf(buf, sizeof buf, "%032x%016" PRIx64 "%016" PRIx64, 0U, v.hi(), v.lo());
  return buf;
}

class Node {
 public:
  explicit Node(const GanacheNode& node) : node_(node) {}

  json rpc(const std::string& method, const json& params = json::array()) const {
    const std::string body = node_.rpc(method, params.dump());
    if (body.empty()) die(method + ": no answer from ganache");
    json r = json::parse(body);
    if (r.contains("error")) die(method + ": " + r["error"].dump());
    return r["result"];
  }

  std::uint64_t head() const {
    return std::stoull(rpc("eth_blockNumber").get<std::string>().substr(2), nullptr, 16);
  }

  void send(const std::string& from, const std::string& token, const char* selector,
            const std::string& to, usd1pay::Uint128 amount) const {
    json tx = {
        {"from", from},
        {"to", token},
        {"gas", "0x30000"},
        {"data", "0x" + std::string(selector) + word_of_address(to) + word_of_amount(amount)}};
    rpc("eth_sendTransaction", json::array({tx}));  // eager: mined in its own block
  }

 private:
  const GanacheNode& node_;
};

struct Args {
  std::size_t intents = 10000;
  std::uint64_t blocks = 200;
  std::uint64_t every = 4;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) die("missing value after " + k);
    const std::uint64_t v = std::strtoull(argv[++i], nullptr, 10);
    if (v == 0) die("bad value for " + k);
    if (k == "--intents") {
      a.intents = static_cast<std::size_t>(v);
    } else if (k == "--blocks") {
      a.blocks = v;
    } else if (k == "--every") {
      a.every = v;
    } else {
      die("unknown option " + k);
    }
  }
  return a;
}

struct Window {
  usd1pay::RpcStats rpc;
  std::uint64_t blocks = 0;
  std::uint64_t polls = 0;
  std::uint64_t detected = 0;
  double ms = 0;
};

int run(int argc, char** argv) {
  using namespace usd1pay;
  const Args args = parse_args(argc, argv);
  if (GanacheNode::cli_path().empty()) die("ganache is not installed under tests/peers");
  GanacheNode ganache;
  if (auto err = ganache.start(); !err.empty()) die(err);
  Node node(ganache);

  // The token (solc + ethers through erc20.js) and a funded customer.
  auto deployed = testing::run_node_peer("erc20.js", {ganache.url()},
                                         R"({"op":"deploy","decimals":6,"symbol":"USD6"})"
                                         "\n");
  if (deployed.exit_code != 0) die("erc20.js deploy: " + deployed.err);
  const std::string token = json::parse(deployed.out)["address"];
  const auto accounts = node.rpc("eth_accounts").get<std::vector<std::string>>();
  node.send(accounts[0], token, kMintSelector, accounts[1], Uint128(1000000000000000ULL));

  json cj = {{"version", 1},
             {"store", {{"path", "bench.db"}, {"synchronous", "normal"}}},
             {"chains",
              {{{"id", GanacheNode::chain_id()},
                {"backend", "evm-rpc"},
                {"backend_settings", {{"url", ganache.url()}}},
                {"finality", {{"kind", "confirmations"}, {"confirmations", 3}}},
                {"tokens", {{{"symbol", "USD6"}, {"contract", token}, {"decimals", 6}}}},
                {"strategy", "xpub"},
                {"xpub", kXpub},
                {"derivation_path", "0"}}}},
             {"default_chain", GanacheNode::chain_id()},
             {"default_token", "USD6"},
             {"default_expiry_seconds", 604800}};
  auto config = Config::parse(cj.dump());
  if (!config.ok()) die(config.status().message());
  testing::TempDir dir;
  config->store.path = dir.file("bench.db");
  auto opened = open_sqlite_store({dir.file("bench.db"), true, SqliteSynchronous::kNormal, 5000});
  if (!opened.ok()) die(opened.status().message());
  std::shared_ptr<Store> store(std::move(*opened));
  ProcessorOptions po;
  po.config = *config;
  po.store = store;
  auto processor = Processor::open(po);
  if (!processor.ok()) die(processor.status().message());

  const auto t_create = Steady::now();
  std::vector<PaymentIntent> intents;
  intents.reserve(args.intents);
  for (std::size_t i = 0; i < args.intents; ++i) {
    CreateIntentRequest r;
    r.order_id = "order-" + std::to_string(i);
    r.amount = "1.00";
    auto created = (*processor)->create_intent(r);
    if (!created.ok()) die(created.status().message());
    intents.push_back(std::move(*created));
  }
  std::printf("SETUP intents=%zu create_ms=%.0f\n", args.intents, ms_since(t_create));

  TrackerOptions to;
  to.config = *config;
  to.store = store;
  to.start_block = node.head() + 1;
  auto tracker = Tracker::open(std::move(to));
  if (!tracker.ok()) die(tracker.status().message());
  Tracker& t = **tracker;
  auto backend = t.backend(GanacheNode::chain_id());
  auto poll = [&] {
    auto r = t.poll_once();
    if (!r.ok()) die(r.status().message());
    if (!r->ok()) die(r->first_error().message());
    return r->caught_up();
  };
  poll();  // first contact (eth_chainId) and the watch index, outside the windows
  std::printf("SETUP watched_addresses=%zu\n", t.stats().watched_addresses);

  std::size_t next_intent = 0;
  auto make_block = [&](std::uint64_t b) {
    if (b % args.every == 0) {
      const PaymentIntent& i = intents[next_intent++ % intents.size()];
      node.send(accounts[1], token, kTransferSelector, i.deposit_address,
                i.amount_due.base_units());
    } else {
      node.rpc("evm_mine");
    }
  };
  auto measure = [&](auto&& body) {
    const RpcStats r0 = *rpc_stats(*backend);
    const TrackerStats s0 = t.stats();
    const auto t0 = Steady::now();
    body();
    Window w;
    w.ms = ms_since(t0);
    const RpcStats r1 = *rpc_stats(*backend);
    const TrackerStats s1 = t.stats();
    w.rpc.requests = r1.requests - r0.requests;
    w.rpc.calls = r1.calls - r0.calls;
    w.rpc.retries = r1.retries - r0.retries;
    w.blocks = s1.blocks_scanned - s0.blocks_scanned;
    w.polls = s1.polls - s0.polls;
    w.detected = s1.payments_detected - s0.payments_detected;
    return w;
  };
  auto report = [&](const char* name, const Window& w) {
    const double blocks = static_cast<double>(std::max<std::uint64_t>(w.blocks, 1));
    std::printf("%s blocks=%" PRIu64 " polls=%" PRIu64 " requests=%" PRIu64 " calls=%" PRIu64
                " retries=%" PRIu64 " detected=%" PRIu64
                " calls_per_block=%.3f requests_per_block=%.3f tracker_ms_per_block=%.2f\n",
                name, w.blocks, w.polls, w.rpc.requests, w.rpc.calls, w.rpc.retries, w.detected,
                static_cast<double>(w.rpc.calls) / blocks,
                static_cast<double>(w.rpc.requests) / blocks, w.ms / blocks);
  };

  // follow: one poll per new block (the time measured is the tracker's only).
  double follow_tracker_ms = 0;
  Window follow;
  {
    const RpcStats r0 = *rpc_stats(*backend);
    const TrackerStats s0 = t.stats();
    for (std::uint64_t b = 0; b < args.blocks; ++b) {
      make_block(b);
      const auto t0 = Steady::now();
      poll();
      follow_tracker_ms += ms_since(t0);
    }
    const RpcStats r1 = *rpc_stats(*backend);
    const TrackerStats s1 = t.stats();
    follow.rpc.requests = r1.requests - r0.requests;
    follow.rpc.calls = r1.calls - r0.calls;
    follow.rpc.retries = r1.retries - r0.retries;
    follow.blocks = s1.blocks_scanned - s0.blocks_scanned;
    follow.polls = s1.polls - s0.polls;
    follow.detected = s1.payments_detected - s0.payments_detected;
    follow.ms = follow_tracker_ms;
  }
  report("FOLLOW", follow);

  // follow2: one poll per two new blocks.
  const Window follow2 = measure([&] {
    for (std::uint64_t b = 0; b < args.blocks; ++b) {
      make_block(b);
      if (b % 2 == 1 || b + 1 == args.blocks) poll();
    }
  });
  report("FOLLOW2", follow2);

  // catchup: B blocks first, then poll until caught up.
  for (std::uint64_t b = 0; b < args.blocks; ++b) make_block(b);
  const Window catchup = measure([&] {
    for (int i = 0; i < 100 && !poll(); ++i) {
    }
  });
  report("CATCHUP", catchup);

  // naive: one balanceOf per open address per block. Calls are N per block
  // by definition; the time is measured on a sample and extrapolated.
  const std::size_t sample = std::min<std::size_t>(intents.size(), 200);
  const auto t_naive = Steady::now();
  for (std::size_t i = 0; i < sample; ++i) {
    json call = {{"to", token},
                 {"data", "0x" + std::string(kBalanceOfSelector) +
                              word_of_address(intents[i].deposit_address)}};
    node.rpc("eth_call", json::array({call, "latest"}));
  }
  const double ms_per_call = ms_since(t_naive) / static_cast<double>(sample);
  std::printf(
      "NAIVE open_addresses=%zu calls_per_block=%zu (computed) sampled_calls=%zu "
      "ms_per_call=%.3f extrapolated_ms_per_block=%.0f (measured sample x %zu)\n",
      intents.size(), intents.size(), sample, ms_per_call,
      ms_per_call * static_cast<double>(intents.size()), intents.size());
  const double ours = static_cast<double>(follow.rpc.calls) /
                      static_cast<double>(std::max<std::uint64_t>(follow.blocks, 1));
  std::printf(
      "RATIO rpc_economy: usd1pay %.2f calls/block, per-address polling %zu calls/block, ratio "
      "%.0f (goal <= 1.5 calls/block) [follow: one poll per new block; one poll per 2 blocks: "
      "%.3f calls/block; catch-up: %.3f calls/block]\n",
      ours, intents.size(), static_cast<double>(intents.size()) / ours,
      static_cast<double>(follow2.rpc.calls) /
          static_cast<double>(std::max<std::uint64_t>(follow2.blocks, 1)),
      static_cast<double>(catchup.rpc.calls) /
          static_cast<double>(std::max<std::uint64_t>(catchup.blocks, 1)));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_rpc_economy: %s\n", e.what());
    return 1;
  }
}
