// Private to the request module: what the QR renderers share.
#ifndef USD1PAY_SDK_REQUEST_QR_INTERNAL_H
#define USD1PAY_SDK_REQUEST_QR_INTERNAL_H

#include <algorithm>

#include "usd1pay/qr.h"

namespace usd1pay::qr_internal {

// The renderers return plain strings, so out-of-range options cannot be
// reported; they are clamped the same way everywhere instead (qr.h says so).
inline QrOptions clamped(const QrOptions& options) {
  QrOptions o = options;
  o.quiet_zone = std::clamp(o.quiet_zone, 0, QrOptions::kMaxQuietZone);
  o.png_module_pixels = std::clamp(o.png_module_pixels, 1, QrOptions::kMaxPngModulePixels);
  o.svg_size_px = std::max(o.svg_size_px, 0);
  return o;
}

}  // namespace usd1pay::qr_internal

#endif  // USD1PAY_SDK_REQUEST_QR_INTERNAL_H
