// usd1pay qr
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "usd1pay/qr.h"

namespace usd1pay::cli {
namespace {

struct QrArgs {
  std::string format = "terminal";
  std::string ec = "M";
  std::string out;
  std::string style = "dark";
  int quiet_zone = QrOptions::kDefaultQuietZone;
  int module_px = 8;
  std::string payload;
};

QrErrorCorrection parse_ec(const std::string& ec) {
  if (ec == "L") return QrErrorCorrection::kLow;
  if (ec == "M") return QrErrorCorrection::kMedium;
  if (ec == "Q") return QrErrorCorrection::kQuartile;
  return QrErrorCorrection::kHigh;  // "H"; CLI11 checked the set
}

QrTerminalStyle parse_style(const std::string& style) {
  if (style == "light") return QrTerminalStyle::kForLightBackground;
  if (style == "ansi") return QrTerminalStyle::kAnsiBlackOnWhite;
  return QrTerminalStyle::kForDarkBackground;
}

// Writes next to the target and renames, so a reader never sees half a file.
Status write_file_atomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status(ErrorCode::kIo, "qr: cannot write " + tmp);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      std::remove(tmp.c_str());
      return Status(ErrorCode::kIo, "qr: write failed: " + tmp);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return Status(ErrorCode::kIo, "qr: cannot rename to " + path + ": " + ec.message());
  }
  return Status();
}

int run_qr(QrArgs args) {
  if (args.payload == "-") {
    std::ostringstream all;
    all << std::cin.rdbuf();
    args.payload = all.str();
    while (!args.payload.empty() && (args.payload.back() == '\n' || args.payload.back() == '\r')) {
      args.payload.pop_back();
    }
  }
  const auto code = encode_qr(args.payload, parse_ec(args.ec));
  if (!code.ok()) {
    return fail(code.status());
  }
  QrOptions options;
  options.quiet_zone = args.quiet_zone;
  options.png_module_pixels = args.module_px;
  options.terminal_style = parse_style(args.style);

  std::string bytes;
  if (args.format == "svg") {
    bytes = render_svg(*code, options);
  } else if (args.format == "png") {
    if (args.out.empty() && ::isatty(STDOUT_FILENO)) {
      throw UsageError("refusing to write PNG bytes to a terminal; use --out FILE or a pipe");
    }
    const auto png = render_png(*code, options);
    if (!png.ok()) {
      return fail(png.status());
    }
    bytes.assign(png->begin(), png->end());
  } else {
    bytes = render_terminal(*code, options);
  }

  if (args.out.empty()) {
    std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::cout.flush();
    return std::cout ? kExitOk : kExitInvalid;
  }
  const Status written = write_file_atomically(args.out, bytes);
  if (!written.ok()) {
    return fail(written);
  }
  return kExitOk;
}

}  // namespace

void add_qr_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<QrArgs>();
  auto* qr = app.add_subcommand(
      "qr",
      "Render PAYLOAD (a payment URI or address) as a QR code: SVG, PNG, or UTF-8\n"
      "half blocks for a terminal. The quiet zone of 4 modules is included.");
  qr->add_option("--format", args->format, "svg | png | terminal (default terminal)")
      ->check(CLI::IsMember({"svg", "png", "terminal"}));
  qr->add_option("--ec", args->ec, "Error correction L | M | Q | H (default M)")
      ->check(CLI::IsMember({"L", "M", "Q", "H"}));
  qr->add_option("--out", args->out, "Write to FILE (atomically) instead of stdout");
  qr->add_option("--style", args->style,
                 "terminal: dark (light glyphs for dark terminals, default) | light | ansi")
      ->check(CLI::IsMember({"dark", "light", "ansi"}));
  qr->add_option("--quiet-zone", args->quiet_zone, "Light modules around the code (default 4)")
      ->check(CLI::Range(0, QrOptions::kMaxQuietZone));
  qr->add_option("--module-px", args->module_px, "png: pixels per module (default 8)")
      ->check(CLI::Range(1, QrOptions::kMaxPngModulePixels));
  qr->add_option("payload", args->payload, "Text to encode, or - to read it from stdin")
      ->required();
  qr->callback([args, exit_code] { *exit_code = run_qr(*args); });
}

}  // namespace usd1pay::cli
