// EIP-55 validation speed of usd1pay.
//
//   bench_eip55 generate N FILE   writes N checksummed addresses, one per line,
//                                 from a fixed seed (the same set every run)
//   bench_eip55 run FILE          validates every line; prints "OPS <ops/s>"
//
// Every address must come back valid and checksummed, so that the work cannot
// be skipped and a wrong result cannot pass as a fast one.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "usd1pay/address.h"

namespace {

int generate(std::size_t n, const char* path) {
  std::mt19937_64 rng(0x55);
  std::ofstream out(path);
  for (std::size_t i = 0; i < n; ++i) {
    std::array<std::uint8_t, 20> bytes{};
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    out << usd1pay::evm_checksum_address(bytes) << '\n';
  }
  return out ? 0 : 1;
}

int run(const char* path) {
  std::ifstream in(path);
  std::vector<std::string> addresses;
  for (std::string line; std::getline(in, line);) addresses.push_back(line);
  if (addresses.empty()) {
    std::cerr << "bench_eip55: no addresses in " << path << "\n";
    return 1;
  }
  std::size_t checksummed = 0;
  const auto pass = [&] {
    for (const auto& a : addresses) {
      const auto r = usd1pay::validate_address(usd1pay::ChainFamily::kEvm, a);
      if (!r.ok()) {
        std::cerr << "bench_eip55: " << a << ": " << r.status().message() << "\n";
        return false;
      }
      if (r->checksummed) ++checksummed;
    }
    return true;
  };
  // A short warm-up, then the whole set once, timed.
  const std::size_t all = addresses.size();
  addresses.resize(std::min<std::size_t>(all, 10000));
  if (!pass()) return 1;
  std::ifstream again(path);
  addresses.clear();
  for (std::string line; std::getline(again, line);) addresses.push_back(line);
  checksummed = 0;
  const auto start = std::chrono::steady_clock::now();
  if (!pass()) return 1;
  const std::chrono::duration<double> secs = std::chrono::steady_clock::now() - start;
  if (checksummed != all) {
    std::cerr << "bench_eip55: only " << checksummed << " of " << all << " checksummed\n";
    return 1;
  }
  std::printf("OPS %.0f\n", static_cast<double>(all) / secs.count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "generate" && argc == 4) return generate(std::stoul(argv[2]), argv[3]);
  if (cmd == "run" && argc == 3) return run(argv[2]);
  std::cerr << "usage: bench_eip55 generate N FILE | bench_eip55 run FILE\n";
  return 2;
}
