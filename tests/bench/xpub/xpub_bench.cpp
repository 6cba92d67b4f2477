// Deposit-address derivation speed of usd1pay.
//
//   bench_xpub run XPUB N   derives child 0 of XPUB once, then children
//                           0..N-1 of it and each one's EIP-55 address; prints
//                           "OPS <addresses/s>" and "CHECK <address of N-1>"
//
// run.py compares the CHECK address with the peer's, so that a wrong result
// cannot pass as a fast one.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "usd1pay/hd.h"

namespace {

int run(const std::string& xpub, std::uint32_t n) {
  const auto account = usd1pay::ExtendedPublicKey::parse(xpub);
  if (!account.ok()) {
    std::cerr << "bench_xpub: " << account.status().message() << "\n";
    return 1;
  }
  const auto base = account->derive_child(0);
  if (!base.ok()) {
    std::cerr << "bench_xpub: " << base.status().message() << "\n";
    return 1;
  }
  std::string last;
  std::size_t chars = 0;
  const auto pass = [&](std::uint32_t count) {
    for (std::uint32_t i = 0; i < count; ++i) {
      const auto child = base->derive_child(i);
      if (!child.ok()) {
        std::cerr << "bench_xpub: child " << i << ": " << child.status().message() << "\n";
        return false;
      }
      last = child->evm_address();
      chars += last.size();
    }
    return true;
  };
  // A short warm-up, then the whole run, timed.
  if (!pass(n < 1000 ? n : 1000)) return 1;
  const auto start = std::chrono::steady_clock::now();
  if (!pass(n)) return 1;
  const std::chrono::duration<double> secs = std::chrono::steady_clock::now() - start;
  if (chars == 0) return 1;
  std::printf("OPS %.0f\nCHECK %s\n", static_cast<double>(n) / secs.count(), last.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "run" && argc == 4)
    return run(argv[2], static_cast<std::uint32_t>(std::stoul(argv[3])));
  std::cerr << "usage: bench_xpub run XPUB N\n";
  return 2;
}
