// usd1pay: QR codes for payment requests, rendered as SVG, PNG or terminal text.
//
// Encoding (ISO/IEC 18004 QR Code Model 2, via libqrencode): the whole payload
// is one 8-bit byte-mode segment, at the smallest version (1..40) that holds
// it at the requested error-correction level. Byte mode keeps lowercase
// payment URIs ("ethereum:0x…", "solana:…") and any byte value, NUL included,
// exact, and makes the capacity a plain byte count (qr_capacity_bytes), so a
// caller can know before encoding whether a payload fits. An empty payload is
// refused (a payment QR with nothing in it is a bug upstream); so is a payload
// above the capacity at the level, with kOutOfRange and both byte counts:
//   "qr: payload of 3000 bytes exceeds the 2953-byte capacity at error correction L"
//
// Rendering: every renderer draws the symbol with a light quiet zone of
// QrOptions::quiet_zone modules on each side (4 by default, as the QR spec
// requires; fewer may not scan). Dark modules are black, light ones white.
//   - render_svg: a scalable SVG whose viewBox is in modules, one white
//     background rect, one black path of merged horizontal runs,
//     shape-rendering="crispEdges", no external references.
//   - render_png: a 1-bit grayscale PNG in memory, png_module_pixels pixels
//     per module.
//   - render_terminal: UTF-8 text of half blocks (U+2580 ▀, U+2584 ▄,
//     U+2588 █ and space), two module rows per line; each line is
//     size() + 2 * quiet_zone columns wide. A typical 120-character EIP-681
//     URI at level M is version 7 or 8 (45 or 49 modules), so 53..57 columns:
//     it fits an 80-column terminal. The three block characters are "East
//     Asian ambiguous" width: terminals set to a CJK locale may draw them two
//     columns wide.
// QrOptions values outside their documented range are clamped to it, so that
// a renderer always draws something scannable-shaped; see each field.
//
// Ownership: QrCode and every rendering are plain values owned by the caller.
//
// THREAD SAFETY: QrCode is an immutable value. encode_qr may be called from
// any number of threads: the libqrencode installed here is built with pthread
// support (its reentrancy depends on that build option), and encode_qr also
// serialises its calls into libqrencode with a process-wide mutex so that a
// build without it stays correct. Code outside usd1pay that calls libqrencode
// directly is not covered by that mutex. The renderers are pure functions.
#ifndef USD1PAY_QR_H
#define USD1PAY_QR_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "usd1pay/status.h"

namespace usd1pay {

/// Share of the symbol that can be damaged and still decode: L ~7%, M ~15%,
/// Q ~25%, H ~30%. Higher levels make a larger symbol for the same payload.
enum class QrErrorCorrection { kLow, kMedium, kQuartile, kHigh };

/// The letter of a level as the QR spec names it: "L", "M", "Q" or "H".
const char* qr_error_correction_name(QrErrorCorrection level) noexcept;

/// The largest payload, in bytes, that fits a version-40 symbol in byte mode at
/// `level`: L 2953, M 2331, Q 1663, H 1273.
std::size_t qr_capacity_bytes(QrErrorCorrection level) noexcept;

/// How render_terminal maps modules to glyphs.
enum class QrTerminalStyle {
  /// Glyphs draw the light modules: for the usual light-on-dark terminal, whose
  /// dark background then shows through as the dark modules.
  kForDarkBackground,
  /// Glyphs draw the dark modules: for a dark-on-light terminal (or paper).
  kForLightBackground,
  /// Glyphs draw the dark modules, and each line sets black on bright white
  /// with ANSI SGR codes ("\x1b[30;107m" … "\x1b[0m"), whatever the theme.
  kAnsiBlackOnWhite,
};

struct QrOptions {
  static constexpr int kDefaultQuietZone = 4;
  static constexpr int kMaxQuietZone = 64;
  static constexpr int kMaxPngModulePixels = 256;

  /// Light modules around the symbol on each side; clamped to [0, 64].
  int quiet_zone = kDefaultQuietZone;
  /// PNG only: pixels per module side; clamped to [1, 256].
  int png_module_pixels = 8;
  /// SVG only: when > 0, the width and height attributes in CSS pixels;
  /// otherwise they are omitted and the SVG fills its container.
  int svg_size_px = 0;
  /// Terminal only.
  QrTerminalStyle terminal_style = QrTerminalStyle::kForDarkBackground;
};

/// An encoded symbol: a square of size() x size() modules, without quiet zone.
class QrCode {
 public:
  /// 1..40.
  [[nodiscard]] int version() const noexcept { return version_; }
  /// Modules per side: 17 + 4 * version().
  [[nodiscard]] int size() const noexcept { return size_; }
  [[nodiscard]] QrErrorCorrection error_correction() const noexcept { return level_; }
  /// Whether the module at column x, row y (0-based, from the top left) is
  /// dark. Outside the symbol (the quiet zone and beyond) it is light: false.
  [[nodiscard]] bool dark(int x, int y) const noexcept {
    if (x < 0 || y < 0 || x >= size_ || y >= size_) return false;
    return modules_[static_cast<std::size_t>(y) * static_cast<std::size_t>(size_) +
                    static_cast<std::size_t>(x)] != 0;
  }
  /// Row-major, size() * size() bytes, 1 for dark and 0 for light.
  [[nodiscard]] const std::vector<std::uint8_t>& modules() const noexcept { return modules_; }

  friend bool operator==(const QrCode& a, const QrCode& b) {
    return a.version_ == b.version_ && a.size_ == b.size_ && a.level_ == b.level_ &&
           a.modules_ == b.modules_;
  }
  friend bool operator!=(const QrCode& a, const QrCode& b) { return !(a == b); }

 private:
  friend Result<QrCode> encode_qr(std::string_view payload, QrErrorCorrection level);
  QrCode(int version, int size, QrErrorCorrection level, std::vector<std::uint8_t> modules)
      : version_(version), size_(size), level_(level), modules_(std::move(modules)) {}

  int version_;
  int size_;
  QrErrorCorrection level_;
  std::vector<std::uint8_t> modules_;
};

/// Encodes `payload` (any bytes) in byte mode at the smallest version that
/// holds it at `level`.
/// Errors: kInvalidArgument for an empty payload; kOutOfRange when it exceeds
/// qr_capacity_bytes(level); kInternal when libqrencode fails otherwise (out of
/// memory), with its reason.
Result<QrCode> encode_qr(std::string_view payload,
                         QrErrorCorrection level = QrErrorCorrection::kMedium);

/// A standalone SVG document (no XML declaration), deterministic for a given
/// code and options.
std::string render_svg(const QrCode& code, const QrOptions& options = {});

/// A 1-bit grayscale PNG, (size() + 2 * quiet_zone) * png_module_pixels pixels
/// square. Errors: kInternal when libpng fails (out of memory), with its reason.
Result<std::vector<std::uint8_t>> render_png(const QrCode& code, const QrOptions& options = {});

/// ceil((size() + 2 * quiet_zone) / 2) lines, each ending in '\n'. When the
/// row count is odd, the missing half of the last line is drawn light (the
/// bottom quiet zone grows by one module row).
std::string render_terminal(const QrCode& code, const QrOptions& options = {});

}  // namespace usd1pay

#endif  // USD1PAY_QR_H
