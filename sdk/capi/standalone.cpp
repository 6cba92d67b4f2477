// The C ABI functions that need no processor: address validation, QR
// rendering and receiver-side webhook verification.
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "capi/errors.h"
#include "usd1pay/address.h"
#include "usd1pay/chain.h"
#include "usd1pay/qr.h"
#include "usd1pay/usd1pay.h"
#include "usd1pay/webhook.h"

namespace usd1pay::capi {
namespace {

// What the caller's options say, checked, in the C++ API's terms.
struct QrSettings {
  QrErrorCorrection level = QrErrorCorrection::kMedium;
  QrOptions options;
};

int range_error(const char* fn, const char* field, int value, int min, int max) {
  return fail(fn, USD1PAY_EINVALID,
              std::string("options: ") + field + " " + std::to_string(value) + " is outside " +
                  std::to_string(min) + ".." + std::to_string(max));
}

int read_qr_options(const char* fn, const usd1pay_qr_options* opts, QrSettings* out) {
  if (opts == nullptr) return USD1PAY_OK;
  if (opts->version == 0 || opts->version > USD1PAY_QR_OPTIONS_VERSION) {
    return fail(fn, USD1PAY_EINVALID,
                "options: unknown version " + std::to_string(opts->version) +
                    " (this library knows 1.." + std::to_string(USD1PAY_QR_OPTIONS_VERSION) +
                    "; initialise with USD1PAY_QR_OPTIONS_INIT)");
  }
  switch (opts->error_correction) {
    case USD1PAY_QR_EC_LOW: out->level = QrErrorCorrection::kLow; break;
    case USD1PAY_QR_EC_MEDIUM: out->level = QrErrorCorrection::kMedium; break;
    case USD1PAY_QR_EC_QUARTILE: out->level = QrErrorCorrection::kQuartile; break;
    case USD1PAY_QR_EC_HIGH: out->level = QrErrorCorrection::kHigh; break;
    default: return range_error(fn, "error_correction", opts->error_correction, 0, 3);
  }
  if (opts->quiet_zone < 0 || opts->quiet_zone > QrOptions::kMaxQuietZone) {
    return range_error(fn, "quiet_zone", opts->quiet_zone, 0, QrOptions::kMaxQuietZone);
  }
  if (opts->png_module_pixels < 1 || opts->png_module_pixels > QrOptions::kMaxPngModulePixels) {
    return range_error(fn, "png_module_pixels", opts->png_module_pixels, 1,
                       QrOptions::kMaxPngModulePixels);
  }
  constexpr int kMaxSvgSize = 100000;
  if (opts->svg_size_px < 0 || opts->svg_size_px > kMaxSvgSize) {
    return range_error(fn, "svg_size_px", opts->svg_size_px, 0, kMaxSvgSize);
  }
  switch (opts->terminal_style) {
    case USD1PAY_QR_TERMINAL_DARK_BACKGROUND:
      out->options.terminal_style = QrTerminalStyle::kForDarkBackground;
      break;
    case USD1PAY_QR_TERMINAL_LIGHT_BACKGROUND:
      out->options.terminal_style = QrTerminalStyle::kForLightBackground;
      break;
    case USD1PAY_QR_TERMINAL_ANSI:
      out->options.terminal_style = QrTerminalStyle::kAnsiBlackOnWhite;
      break;
    default: return range_error(fn, "terminal_style", opts->terminal_style, 0, 2);
  }
  out->options.quiet_zone = opts->quiet_zone;
  out->options.png_module_pixels = opts->png_module_pixels;
  out->options.svg_size_px = opts->svg_size_px;
  return USD1PAY_OK;
}

// Checks the payload and options, then encodes.
int encode(const char* fn, const char* payload, const usd1pay_qr_options* opts, QrSettings* s,
           Result<QrCode>* code) {
  if (payload == nullptr) return fail_null(fn, "payload");
  const int rc = read_qr_options(fn, opts, s);
  if (rc != USD1PAY_OK) return rc;
  *code = encode_qr(payload, s->level);
  if (!code->ok()) return fail(code->status());
  return USD1PAY_OK;
}

// usd1pay_qr_svg and usd1pay_qr_terminal: the code rendered as text by
// `render(code, options)`.
template <typename Render>
int qr_text(const char* fn, char** out, const char* payload, const usd1pay_qr_options* opts,
            Render render) noexcept {
  if (out != nullptr) *out = nullptr;
  return guard(fn, [&]() -> int {
    if (out == nullptr) return fail_null(fn, "out");
    QrSettings s;
    Result<QrCode> code = Status(ErrorCode::kInternal, "");
    const int rc = encode(fn, payload, opts, &s, &code);
    if (rc != USD1PAY_OK) return rc;
    *out = copy_out(render(*code, s.options));
    return USD1PAY_OK;
  });
}

}  // namespace
}  // namespace usd1pay::capi

using usd1pay::capi::fail;
using usd1pay::capi::fail_null;
using usd1pay::capi::guard;

extern "C" {

size_t usd1pay_address_max(void) {
  return USD1PAY_ADDRESS_MAX;
}

int usd1pay_address_validate(char* canonical, size_t canonical_size, const char* chain,
                             const char* address) {
  constexpr const char* kFn = "address_validate";
  return guard(kFn, [&]() -> int {
    if (chain == nullptr) return fail_null(kFn, "chain");
    if (address == nullptr) return fail_null(kFn, "address");
    const auto selector = usd1pay::ChainSelector::parse(chain);
    if (!selector.ok()) {
      return fail(kFn, USD1PAY_EINVALID, "chain: " + selector.status().message());
    }
    const auto info = usd1pay::validate_address(selector->family, address);
    if (!info.ok()) return fail(info.status());
    if (canonical == nullptr) return USD1PAY_OK;
    const std::string& text = info->canonical;
    if (canonical_size < text.size() + 1) {
      return fail(kFn, USD1PAY_EBUFS,
                  "canonical_size " + std::to_string(canonical_size) +
                      " is too small: " + std::to_string(text.size() + 1) + " bytes needed");
    }
    std::memcpy(canonical, text.c_str(), text.size() + 1);
    return USD1PAY_OK;
  });
}

int usd1pay_qr_options_init(usd1pay_qr_options* opts, unsigned int version) {
  constexpr const char* kFn = "qr_options_init";
  return guard(kFn, [&]() -> int {
    if (opts == nullptr) return fail_null(kFn, "opts");
    if (version == 0 || version > USD1PAY_QR_OPTIONS_VERSION) {
      return fail(kFn, USD1PAY_EINVALID,
                  "unknown version " + std::to_string(version) + " (this library knows 1.." +
                      std::to_string(USD1PAY_QR_OPTIONS_VERSION) + ")");
    }
    *opts = usd1pay_qr_options{USD1PAY_QR_OPTIONS_VERSION,         USD1PAY_QR_EC_MEDIUM, 4, 8, 0,
                               USD1PAY_QR_TERMINAL_DARK_BACKGROUND};
    return USD1PAY_OK;
  });
}

int usd1pay_qr_svg(char** out, const char* payload, const usd1pay_qr_options* opts) {
  return usd1pay::capi::qr_text("qr_svg", out, payload, opts,
                                [](const usd1pay::QrCode& code, const usd1pay::QrOptions& options) {
                                  return usd1pay::render_svg(code, options);
                                });
}

int usd1pay_qr_png(unsigned char** out, size_t* out_len, const char* payload,
                   const usd1pay_qr_options* opts) {
  constexpr const char* kFn = "qr_png";
  if (out != nullptr) *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
  return guard(kFn, [&]() -> int {
    if (out == nullptr) return fail_null(kFn, "out");
    if (out_len == nullptr) return fail_null(kFn, "out_len");
    usd1pay::capi::QrSettings s;
    usd1pay::Result<usd1pay::QrCode> code = usd1pay::Status(usd1pay::ErrorCode::kInternal, "");
    const int rc = usd1pay::capi::encode(kFn, payload, opts, &s, &code);
    if (rc != USD1PAY_OK) return rc;
    const auto png = usd1pay::render_png(*code, s.options);
    if (!png.ok()) return fail(png.status());
    *out = usd1pay::capi::copy_bytes_out(png->data(), png->size());
    *out_len = png->size();
    return USD1PAY_OK;
  });
}

int usd1pay_qr_terminal(char** out, const char* payload, const usd1pay_qr_options* opts) {
  return usd1pay::capi::qr_text("qr_terminal", out, payload, opts,
                                [](const usd1pay::QrCode& code, const usd1pay::QrOptions& options) {
                                  return usd1pay::render_terminal(code, options);
                                });
}

int usd1pay_webhook_verify(const char* const* secrets, size_t secret_count, const char* id,
                           const char* timestamp, const char* signature, const unsigned char* body,
                           size_t body_len, int64_t now, int64_t tolerance_seconds) {
  constexpr const char* kFn = "webhook_verify";
  return guard(kFn, [&]() -> int {
    if (secrets == nullptr) return fail_null(kFn, "secrets");
    if (secret_count == 0) return fail(kFn, USD1PAY_EINVALID, "secret_count is 0");
    if (id == nullptr) return fail_null(kFn, "id");
    if (timestamp == nullptr) return fail_null(kFn, "timestamp");
    if (signature == nullptr) return fail_null(kFn, "signature");
    if (body == nullptr && body_len != 0) {
      return fail(kFn, USD1PAY_EINVALID, "body is NULL with body_len " + std::to_string(body_len));
    }
    usd1pay::VerifyWebhookParams v;
    for (size_t i = 0; i < secret_count; ++i) {
      if (secrets[i] == nullptr)
        return fail_null(kFn, ("secrets[" + std::to_string(i) + "]").c_str());
      v.secrets.emplace_back(secrets[i]);
    }
    v.id = id;
    v.timestamp = timestamp;
    v.signature = signature;
    if (body_len != 0) v.body = std::string_view(reinterpret_cast<const char*>(body), body_len);
    v.now = now != 0 ? now : static_cast<std::int64_t>(std::time(nullptr));
    v.tolerance_seconds =
        tolerance_seconds < 0 ? USD1PAY_WEBHOOK_TOLERANCE_DEFAULT : tolerance_seconds;
    const usd1pay::Status st = usd1pay::verify_webhook(v);
    if (!st.ok()) return fail(st);
    return USD1PAY_OK;
  });
}

}  // extern "C"
