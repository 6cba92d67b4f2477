// QR encoding through libqrencode, and the text renderers (SVG, terminal).
#include "usd1pay/qr.h"

#include <qrencode.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "request/qr_internal.h"

namespace usd1pay {
namespace {

QRecLevel to_qrencode(QrErrorCorrection level) {
  switch (level) {
    case QrErrorCorrection::kLow: return QR_ECLEVEL_L;
    case QrErrorCorrection::kMedium: return QR_ECLEVEL_M;
    case QrErrorCorrection::kQuartile: return QR_ECLEVEL_Q;
    case QrErrorCorrection::kHigh: return QR_ECLEVEL_H;
  }
  return QR_ECLEVEL_M;
}

// libqrencode's reentrancy is a build option (pthread) that its header cannot
// tell us about; an uncontended lock costs far less than one encode.
std::mutex& qrencode_mutex() {
  static std::mutex m;
  return m;
}

struct QrcodeDeleter {
  void operator()(QRcode* q) const noexcept { QRcode_free(q); }
};

// Appends the decimal digits of a non-negative value at `p`; returns the end.
// The renderers format thousands of small numbers, so this avoids
// std::to_string's allocation per number.
char* put_uint(char* p, unsigned v) {
  char tmp[10];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

char* put_str(char* p, const char* s, std::size_t n) {
  std::memcpy(p, s, n);
  return p + n;
}

template <std::size_t N>
char* put_lit(char* p, const char (&s)[N]) {
  return put_str(p, s, N - 1);
}

}  // namespace

const char* qr_error_correction_name(QrErrorCorrection level) noexcept {
  switch (level) {
    case QrErrorCorrection::kLow: return "L";
    case QrErrorCorrection::kMedium: return "M";
    case QrErrorCorrection::kQuartile: return "Q";
    case QrErrorCorrection::kHigh: return "H";
  }
  return "?";
}

std::size_t qr_capacity_bytes(QrErrorCorrection level) noexcept {
  // ISO/IEC 18004 table 7, version 40, byte mode.
  switch (level) {
    case QrErrorCorrection::kLow: return 2953;
    case QrErrorCorrection::kMedium: return 2331;
    case QrErrorCorrection::kQuartile: return 1663;
    case QrErrorCorrection::kHigh: return 1273;
  }
  return 0;
}

Result<QrCode> encode_qr(std::string_view payload, QrErrorCorrection level) {
  if (payload.empty()) return Status(ErrorCode::kInvalidArgument, "qr: payload is empty");
  const std::size_t capacity = qr_capacity_bytes(level);
  if (capacity == 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "qr: unknown error correction level " + std::to_string(static_cast<int>(level)));
  }
  // Checked here rather than left to libqrencode's ERANGE so that the message
  // can give both byte counts, and so that the int conversion below is safe.
  if (payload.size() > capacity) {
    return Status(ErrorCode::kOutOfRange, "qr: payload of " + std::to_string(payload.size()) +
                                              " bytes exceeds the " + std::to_string(capacity) +
                                              "-byte capacity at error correction " +
                                              qr_error_correction_name(level));
  }

  std::unique_ptr<QRcode, QrcodeDeleter> q;
  int err = 0;
  {
    const std::lock_guard<std::mutex> lock(qrencode_mutex());
    errno = 0;
    // Byte mode for the whole payload (see qr.h); version 0 asks for the
    // smallest version that fits.
    q.reset(QRcode_encodeData(static_cast<int>(payload.size()),
                              reinterpret_cast<const unsigned char*>(payload.data()), 0,
                              to_qrencode(level)));
    err = errno;
  }
  if (!q) {
    const std::string where = "qr: libqrencode failed on " + std::to_string(payload.size()) +
                              " bytes at error correction " + qr_error_correction_name(level);
    switch (err) {
      case ERANGE: return Status(ErrorCode::kOutOfRange, where + ": payload too large");
      case EINVAL: return Status(ErrorCode::kInvalidArgument, where + ": invalid input");
      case ENOMEM: return Status(ErrorCode::kInternal, where + ": out of memory");
      default: return Status(ErrorCode::kInternal, where + ": " + std::strerror(err));
    }
  }
  if (q->version < 1 || q->version > 40 || q->width != 17 + 4 * q->version) {
    return Status(ErrorCode::kInternal, "qr: libqrencode returned version " +
                                            std::to_string(q->version) + " with width " +
                                            std::to_string(q->width));
  }

  const auto n = static_cast<std::size_t>(q->width);
  std::vector<std::uint8_t> modules(n * n);
  // libqrencode packs flags for its own use into the upper bits; bit 0 is the
  // colour.
  for (std::size_t i = 0; i < n * n; ++i) {
    modules[i] = static_cast<std::uint8_t>(q->data[i] & 1U);
  }
  return QrCode(q->version, q->width, level, std::move(modules));
}

std::string render_svg(const QrCode& code, const QrOptions& options) {
  const QrOptions o = qr_internal::clamped(options);
  const int size = code.size();
  const auto total = static_cast<unsigned>(size + 2 * o.quiet_zone);
  const auto quiet = static_cast<unsigned>(o.quiet_zone);

  // Upper bound, so that the writer below needs no bounds checks: at most
  // ceil(size / 2) runs per row, each "M<x> <y>h<n>v1h-<n>z" with numbers of at
  // most 3 digits (total <= 177 + 128), plus the fixed parts.
  const std::size_t runs_bound =
      static_cast<std::size_t>(size) * static_cast<std::size_t>((size + 1) / 2);
  std::string out;
  out.resize(320 + runs_bound * 20);
  char* const begin = out.data();
  char* p = begin;

  p = put_lit(p, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
  p = put_uint(p, total);
  *p++ = ' ';
  p = put_uint(p, total);
  *p++ = '"';
  if (o.svg_size_px > 0) {
    p = put_lit(p, " width=\"");
    p = put_uint(p, static_cast<unsigned>(o.svg_size_px));
    p = put_lit(p, "\" height=\"");
    p = put_uint(p, static_cast<unsigned>(o.svg_size_px));
    *p++ = '"';
  }
  p = put_lit(p, " shape-rendering=\"crispEdges\"><rect width=\"");
  p = put_uint(p, total);
  p = put_lit(p, "\" height=\"");
  p = put_uint(p, total);
  p = put_lit(p, "\" fill=\"#fff\"/><path fill=\"#000\" d=\"");

  const std::uint8_t* row = code.modules().data();
  for (int y = 0; y < size; ++y, row += size) {
    int x = 0;
    while (x < size) {
      if (row[x] == 0) {
        ++x;
        continue;
      }
      const int start = x;
      while (x < size && row[x] != 0) ++x;
      const auto run = static_cast<unsigned>(x - start);
      *p++ = 'M';
      p = put_uint(p, static_cast<unsigned>(start) + quiet);
      *p++ = ' ';
      p = put_uint(p, static_cast<unsigned>(y) + quiet);
      *p++ = 'h';
      p = put_uint(p, run);
      p = put_lit(p, "v1h-");
      p = put_uint(p, run);
      *p++ = 'z';
    }
  }
  p = put_lit(p, "\"/></svg>\n");
  out.resize(static_cast<std::size_t>(p - begin));
  return out;
}

std::string render_terminal(const QrCode& code, const QrOptions& options) {
  const QrOptions o = qr_internal::clamped(options);
  const int quiet = o.quiet_zone;
  const int total = code.size() + 2 * quiet;
  const int lines = (total + 1) / 2;
  // Which modules the glyphs draw: the light ones when the terminal's own
  // dark background is to stand in for the dark modules.
  const bool ink_is_dark = o.terminal_style != QrTerminalStyle::kForDarkBackground;
  const bool ansi = o.terminal_style == QrTerminalStyle::kAnsiBlackOnWhite;
  static constexpr char kOn[] = "\x1b[30;107m";
  static constexpr char kOff[] = "\x1b[0m";

  std::string out;
  // 3 bytes per glyph (UTF-8), newline, SGR codes.
  out.reserve(static_cast<std::size_t>(lines) * (static_cast<std::size_t>(total) * 3 + 16));
  for (int line = 0; line < lines; ++line) {
    const int top_y = 2 * line - quiet;
    const int bottom_y = top_y + 1;
    const bool bottom_exists = 2 * line + 1 < total;
    if (ansi) out.append(kOn, sizeof kOn - 1);
    for (int col = 0; col < total; ++col) {
      const int x = col - quiet;
      const bool top = code.dark(x, top_y) == ink_is_dark;
      // Past the last row, the missing half is light.
      const bool bottom_dark = bottom_exists && code.dark(x, bottom_y);
      const bool bottom = bottom_dark == ink_is_dark;
      if (top && bottom) {
        out.append("\xe2\x96\x88");  // U+2588 FULL BLOCK
      } else if (top) {
        out.append("\xe2\x96\x80");  // U+2580 UPPER HALF BLOCK
      } else if (bottom) {
        out.append("\xe2\x96\x84");  // U+2584 LOWER HALF BLOCK
      } else {
        out.push_back(' ');
      }
    }
    if (ansi) out.append(kOff, sizeof kOff - 1);
    out.push_back('\n');
  }
  return out;
}

}  // namespace usd1pay
