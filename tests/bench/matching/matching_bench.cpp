// bench.matching: how fast the tracker matches transfers to watched addresses
// and how much memory a watched address costs.
//
// Setup: N watched EIP-55 addresses (N = 1,000,000; 100,000 with --smoke),
// each an intent slot in the tracker's WatchList; a stream of transfers whose
// recipients are half watched, half not (a busy token's traffic is mostly
// other people's). One match = key the recipient string (hex decode of the
// 20 account bytes) + probe the table + read the slot's intent id.
// Peer: std::unordered_map<std::string, std::string> address -> intent id,
// the naive approach, on the same strings in the same run. Memory: the
// watch list's own capacity math (table slots + intent slots); the peer's
// by a counting allocator (nodes, buckets, and string heap blocks).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "tracker/tracker_watch.h"
#include "usd1pay/address.h"
#include "usd1pay/store.h"

namespace {

// Bytes requested from the global allocator (the peer's memory).
std::size_t g_allocated = 0;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// Counts every allocation of the process (used only around building the peer).
void* operator new(std::size_t n) {
  g_allocated += n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

int main(int argc, char** argv) {
  bool smoke = false;
  for (int i = 1; i < argc; ++i) smoke = smoke || std::strcmp(argv[i], "--smoke") == 0;
  const std::size_t n = smoke ? 100000 : 1000000;
  const std::size_t lookups = smoke ? 2000000 : 20000000;

  std::mt19937_64 rng(42);
  auto random_address = [&] {
    std::array<std::uint8_t, 20> b{};
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return usd1pay::evm_checksum_address(b);
  };
  std::vector<std::string> watched(n);
  for (auto& a : watched) a = random_address();
  std::vector<std::string> stream;
  stream.reserve(1 << 16);
  for (std::size_t i = 0; i < (1U << 16); ++i) {
    stream.push_back((i % 2 == 0) ? watched[rng() % n] : random_address());
  }

  // usd1pay: the tracker's watch list.
  usd1pay::tracker_internal::WatchList list({usd1pay::ChainFamily::kEvm});
  list.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    usd1pay::IntentRow row;
    row.id = "pi_" + std::string(24, 'a');
    std::snprintf(&row.id[3], 25, "%024zu", i);
    row.strategy = "xpub";
    row.deposit_address = watched[i];
    list.add(row, 0);
  }
  if (list.size() != n) {
    std::fprintf(stderr, "matching: watch list holds %zu of %zu\n", list.size(), n);
    return 1;
  }
  const double ours_bytes = static_cast<double>(list.memory_bytes()) / static_cast<double>(n);

  std::size_t hits = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < lookups; ++i) {
    const std::string& to = stream[i & 0xffff];
    usd1pay::tracker_internal::AccountKey key{};
    if (!usd1pay::tracker_internal::evm_address_key(to, &key)) continue;
    list.index().for_each(key,
                          [&](std::uint32_t v) { hits += list.slot(v).id_len != 0 ? 1U : 0U; });
  }
  const double ours_rate = static_cast<double>(lookups) / seconds_since(t0);

  // Peer: std::unordered_map<std::string, std::string>.
  g_allocated = 0;
  std::size_t peer_hits = 0;
  double peer_rate = 0;
  double peer_bytes = 0;
  {
    std::unordered_map<std::string, std::string> peer;
    peer.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "pi_%024zu", i);
      peer.emplace(watched[i], std::string(id));
    }
    peer_bytes = static_cast<double>(g_allocated) / static_cast<double>(n);
    const std::vector<std::string>& pstream = stream;
    t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < lookups; ++i) {
      auto it = peer.find(pstream[i & 0xffff]);
      if (it != peer.end()) peer_hits += it->second.empty() ? 0U : 1U;
    }
    peer_rate = static_cast<double>(lookups) / seconds_since(t0);
  }
  if (hits != peer_hits || hits == 0) {
    std::fprintf(stderr, "matching: the two sides disagree (%zu vs %zu hits)\n", hits, peer_hits);
    return 1;
  }
  std::printf("watched addresses: %zu, transfers matched: %zu (half to watched addresses)\n", n,
              lookups);
  std::printf("usd1pay watch list: %.0f matches/s, %.1f bytes/address\n", ours_rate, ours_bytes);
  std::printf("std::unordered_map<string,string>: %.0f matches/s, %.1f bytes/address\n", peer_rate,
              peer_bytes);
  std::printf(
      "RATIO matching: usd1pay %.0f matches/s, std::unordered_map<string> %.0f matches/s, "
      "ratio %.2f (goal >= 5,000,000/s absolute, <= 200 B/address; usd1pay %.1f B/address, "
      "peer %.1f B/address)\n",
      ours_rate, peer_rate, ours_rate / peer_rate, ours_bytes, peer_bytes);
  return 0;
}
