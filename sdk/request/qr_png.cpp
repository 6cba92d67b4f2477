// The PNG renderer: libpng's classic write API, 1-bit grayscale, into memory.
//
// libpng reports errors by longjmp from its error callback back to the
// setjmp in write_png. A longjmp that skips C++ destructors is undefined
// behaviour, so everything with a destructor (the output vector, the row
// buffer) lives in render_png, and write_png, the only frame between setjmp
// and the longjmp, holds nothing but trivially destructible locals. The write
// callback never lets a C++ exception unwind through libpng's C frames.
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <new>
#include <string>

#include "request/qr_internal.h"
#include "usd1pay/qr.h"

namespace usd1pay {
namespace {

struct PngSink {
  std::vector<std::uint8_t>* out;
  char message[160];
};

[[noreturn]] void on_png_error(png_structp png, png_const_charp message) {
  auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
  std::strncpy(sink->message, message != nullptr ? message : "unknown error",
               sizeof sink->message - 1);
  sink->message[sizeof sink->message - 1] = '\0';
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {
  // Warnings concern input PNGs or ignored settings; nothing to tell a caller.
}

void on_png_write(png_structp png, png_bytep data, std::size_t length) {
  auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
  bool failed = false;
  try {
    sink->out->insert(sink->out->end(), data, data + length);
  } catch (const std::bad_alloc&) {
    failed = true;
  }
  // Outside the catch block: longjmp out of a handler would leave the
  // exception's state behind.
  if (failed) png_error(png, "out of memory writing the PNG");
}

void on_png_flush(png_structp) {}

// Fills one pixel row (1 bit per pixel, MSB first, 1 = white) for symbol row
// `y` (which may lie in the quiet zone).
void fill_row(const QrCode& code, int y, int quiet, int scale, int total, png_bytep row,
              std::size_t row_bytes) {
  std::memset(row, 0xff, row_bytes);
  for (int col = 0; col < total; ++col) {
    if (!code.dark(col - quiet, y)) continue;
    const auto first = static_cast<std::size_t>(col) * static_cast<std::size_t>(scale);
    for (std::size_t px = first; px < first + static_cast<std::size_t>(scale); ++px) {
      row[px >> 3] = static_cast<png_byte>(row[px >> 3] & ~(0x80U >> (px & 7U)));
    }
  }
}

// Returns false (with sink->message set) when libpng failed.
bool write_png(const QrCode& code, int quiet, int scale, PngSink* sink, png_bytep row,
               std::size_t row_bytes) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, on_png_error, on_png_warning);
  if (png == nullptr) {
    std::strcpy(sink->message, "cannot create the write struct");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    std::strcpy(sink->message, "cannot create the info struct");
    return false;
  }
  // Nothing below is modified after setjmp and read after a longjmp except
  // through `png` and `info`, which are set before it.
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  const int total = code.size() + 2 * quiet;
  const auto pixels = static_cast<png_uint_32>(total) * static_cast<png_uint_32>(scale);
  png_set_write_fn(png, sink, on_png_write, on_png_flush);
  png_set_IHDR(png, info, pixels, pixels, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // Filters do nothing for 1-bit images of long runs but cost time.
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_write_info(png, info);
  for (int y = -quiet; y < code.size() + quiet; ++y) {
    fill_row(code, y, quiet, scale, total, row, row_bytes);
    for (int i = 0; i < scale; ++i) png_write_row(png, row);
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

Result<std::vector<std::uint8_t>> render_png(const QrCode& code, const QrOptions& options) {
  const QrOptions o = qr_internal::clamped(options);
  const int total = code.size() + 2 * o.quiet_zone;
  const std::size_t pixels =
      static_cast<std::size_t>(total) * static_cast<std::size_t>(o.png_module_pixels);
  std::vector<std::uint8_t> out;
  std::vector<png_byte> row;
  try {
    row.resize((pixels + 7) / 8);
    // 1-bit QR images compress to a few percent of their raw size.
    out.reserve(1024 + row.size() * pixels / 16);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kInternal,
                  "qr: png: out of memory for a " + std::to_string(pixels) + "-pixel image");
  }
  PngSink sink{&out, {}};
  if (!write_png(code, o.quiet_zone, o.png_module_pixels, &sink, row.data(), row.size())) {
    return Status(ErrorCode::kInternal, std::string("qr: png: libpng: ") + sink.message);
  }
  return out;
}

}  // namespace usd1pay
