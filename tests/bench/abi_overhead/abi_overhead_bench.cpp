// The C++ side of bench.abi_overhead: intent create + get through
// usd1pay::Processor directly, the baseline that the Python binding (through
// the C ABI and ctypes, py_side.py) is compared with.
//
//   bench_abi_overhead CONFIG N
//       opens a Processor on the configuration file CONFIG (the same file
//       py_side.py opens: same chain, strategy, store and synchronous
//       setting), then N x (create_intent; get_intent of the id it returned)
//
// Prints "OPS <create+get pairs per second>" (timing only the loop) and
// "P50_NS <the median time of one pair>", and checks
// every answer (the got intent has the created id, order and amount) and that
// exactly N intents exist afterwards, so a wrong result cannot pass as a fast
// one.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "usd1pay/config.h"
#include "usd1pay/intent.h"

namespace {

int fail(const std::string& what) {
  std::cerr << "bench_abi_overhead: " << what << "\n";
  return 1;
}

int run(const std::string& config_path, long n) {
  auto config = usd1pay::Config::load(config_path);
  if (!config.ok()) return fail(config.status().message());
  usd1pay::ProcessorOptions options;
  options.config = *config;
  auto opened = usd1pay::Processor::open(std::move(options));
  if (!opened.ok()) return fail(opened.status().message());
  usd1pay::Processor& processor = **opened;

  usd1pay::CreateIntentRequest req;
  req.amount = "25.00";
  req.metadata_json = R"({"cart":"c-1","terminal":"pos-7"})";
  std::vector<std::int64_t> pair_ns;
  pair_ns.reserve(static_cast<std::size_t>(n));
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    const auto pair_start = std::chrono::steady_clock::now();
    req.order_id = "order-" + std::to_string(i);
    req.idempotency_key = "key-" + std::to_string(i);
    auto created = processor.create_intent(req);
    if (!created.ok()) return fail(created.status().message());
    auto got = processor.get_intent(created->id);
    if (!got.ok()) return fail(got.status().message());
    if (got->id != created->id || got->order_id != req.order_id ||
        got->amount.to_string_fixed(2) != "25.00") {
      return fail("get_intent returned another intent for " + created->id);
    }
    pair_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now() - pair_start)
                          .count());
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  usd1pay::IntentListRequest all;
  all.limit = 1000;
  long count = 0;
  for (;;) {
    auto page = processor.list_intents(all);
    if (!page.ok()) return fail(page.status().message());
    count += static_cast<long>(page->intents.size());
    if (page->next_cursor.empty()) break;
    all.cursor = page->next_cursor;
  }
  if (count != n) return fail(std::to_string(count) + " intents for " + std::to_string(n));
  const auto mid = pair_ns.begin() + static_cast<std::ptrdiff_t>(pair_ns.size() / 2);
  std::nth_element(pair_ns.begin(), mid, pair_ns.end());
  std::printf("OPS %.0f\nP50_NS %lld\n", static_cast<double>(n) / secs,
              static_cast<long long>(*mid));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3) {
    const long n = std::strtol(argv[2], nullptr, 10);
    if (n > 0) return run(argv[1], n);
  }
  std::cerr << "usage: bench_abi_overhead CONFIG N\n";
  return 2;
}
