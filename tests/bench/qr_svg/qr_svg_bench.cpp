// usd1pay side of bench.qr_svg: encode_qr + render_svg of one payload in a loop
// for a fixed time after a warm-up. Prints "ops_per_sec=<x> wall_ops_per_sec=<y>
// version=<v> svg_bytes=<n>"; exits non-zero when encoding fails.
//
// ops_per_sec is per second of this process's CPU time: the machine is shared,
// and wall time would measure the neighbours' load as much as this code. The
// peer measures the same way (process.cpuUsage, all its threads included).
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "usd1pay/qr.h"

namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// One unit of work, as the peer does it: text in, SVG document out.
std::size_t once(const std::string& payload) {
  auto code = usd1pay::encode_qr(payload, usd1pay::QrErrorCorrection::kMedium);
  if (!code.ok()) {
    std::fprintf(stderr, "encode_qr: %s\n", usd1pay::to_string(code.status()).c_str());
    std::exit(1);
  }
  return usd1pay::render_svg(*code).size();
}

// Runs `once` until `seconds` of CPU time have passed; returns iterations and
// the CPU and wall time spent. Clocks are read once per batch so that they do
// not weigh on the loop.
std::size_t run_for(const std::string& payload, double seconds, double* cpu, double* wall,
                    std::size_t* sink) {
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  std::size_t n = 0;
  for (;;) {
    for (int i = 0; i < 64; ++i) *sink += once(payload);
    n += 64;
    *cpu = cpu_seconds() - cpu_start;
    *wall = std::chrono::duration<double>(Clock::now() - start).count();
    if (*cpu >= seconds) return n;
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
  double cpu = 0, wall = 0;
  run_for(payload, warmup, &cpu, &wall, &sink);
  const std::size_t n = run_for(payload, seconds, &cpu, &wall, &sink);
  const auto code = usd1pay::encode_qr(payload, usd1pay::QrErrorCorrection::kMedium);
  std::printf("ops_per_sec=%.1f wall_ops_per_sec=%.1f version=%d svg_bytes=%zu sink=%zu\n",
              static_cast<double>(n) / cpu, static_cast<double>(n) / wall, code->version(),
              usd1pay::render_svg(*code).size(), sink);
  return 0;
}
