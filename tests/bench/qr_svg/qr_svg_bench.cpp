// usd1pay side of bench.qr_svg: encode_qr + render_svg of one payload in a loop
// for a fixed time after a warm-up. Prints "ops_per_sec=<x> version=<v>
// svg_bytes=<n>"; exits non-zero when encoding fails.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "usd1pay/qr.h"

namespace {

using Clock = std::chrono::steady_clock;

// One unit of work, as the peer does it: text in, SVG document out.
std::size_t once(const std::string& payload) {
  auto code = usd1pay::encode_qr(payload, usd1pay::QrErrorCorrection::kMedium);
  if (!code.ok()) {
    std::fprintf(stderr, "encode_qr: %s\n", usd1pay::to_string(code.status()).c_str());
    std::exit(1);
  }
  return usd1pay::render_svg(*code).size();
}

// Runs `once` until `seconds` have passed; returns iterations and the elapsed
// time. The clock is read once per batch so that it does not weigh on the loop.
std::size_t run_for(const std::string& payload, double seconds, double* elapsed,
                    std::size_t* sink) {
  const auto start = Clock::now();
  std::size_t n = 0;
  for (;;) {
    for (int i = 0; i < 64; ++i) *sink += once(payload);
    n += 64;
    *elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (*elapsed >= seconds) return n;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string payload;
  double seconds = 5.0, warmup = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--payload") == 0) {
      payload = argv[i + 1];
    } else if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = std::atof(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--warmup") == 0) {
      warmup = std::atof(argv[i + 1]);
    } else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (payload.empty() || seconds <= 0) {
    std::fprintf(stderr, "usage: bench_qr_svg --payload TEXT [--seconds S] [--warmup S]\n");
    return 2;
  }
  std::size_t sink = 0;
  double elapsed = 0;
  run_for(payload, warmup, &elapsed, &sink);
  const std::size_t n = run_for(payload, seconds, &elapsed, &sink);
  const auto code = usd1pay::encode_qr(payload, usd1pay::QrErrorCorrection::kMedium);
  std::printf("ops_per_sec=%.1f version=%d svg_bytes=%zu sink=%zu\n",
              static_cast<double>(n) / elapsed, code->version(), usd1pay::render_svg(*code).size(),
              sink);
  return 0;
}
