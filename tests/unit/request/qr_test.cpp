#include "usd1pay/qr.h"

#include <gtest/gtest.h>
#include <png.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace usd1pay {
namespace {

const char kEip681[] =
    "ethereum:0x8d0E7F18Bc4c4a2d1E0B5dD77d6A52F7c3A9e2C1@1/transfer?"
    "address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=25000000000000000000";

QrCode must_encode(std::string_view payload, QrErrorCorrection level = QrErrorCorrection::kMedium) {
  auto r = encode_qr(payload, level);
  if (!r.ok()) {
    ADD_FAILURE() << "encode_qr: " << to_string(r.status());
    std::abort();
  }
  return *std::move(r);
}

// A matrix of "dark" flags, total x total, including the quiet zone.
using Matrix = std::vector<std::vector<bool>>;

Matrix with_quiet_zone(const QrCode& code, int quiet) {
  const int total = code.size() + 2 * quiet;
  Matrix m(static_cast<std::size_t>(total), std::vector<bool>(static_cast<std::size_t>(total)));
  for (int y = 0; y < total; ++y) {
    for (int x = 0; x < total; ++x) {
      m[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] = code.dark(x - quiet, y - quiet);
    }
  }
  return m;
}

// ---- encoding ----

// The 7x7 finder pattern: dark ring, light ring, dark 3x3 centre, with a light
// separator outside it (where it lies inside the symbol).
bool finder_at(const QrCode& code, int left, int top) {
  for (int dy = -1; dy <= 7; ++dy) {
    for (int dx = -1; dx <= 7; ++dx) {
      const int x = left + dx, y = top + dy;
      if (x < 0 || y < 0 || x >= code.size() || y >= code.size()) continue;
      const int ring = std::max(std::abs(dx - 3), std::abs(dy - 3));
      const bool want_dark = ring == 3 || ring <= 1;
      if (code.dark(x, y) != want_dark) return false;
    }
  }
  return true;
}

TEST(QrEncodeTest, SymbolHasFinderPatternsAtThreeCornersOnly) {
  for (auto level : {QrErrorCorrection::kLow, QrErrorCorrection::kHigh}) {
    const QrCode code = must_encode(kEip681, level);
    const int far = code.size() - 7;
    EXPECT_TRUE(finder_at(code, 0, 0));
    EXPECT_TRUE(finder_at(code, far, 0));
    EXPECT_TRUE(finder_at(code, 0, far));
    EXPECT_FALSE(finder_at(code, far, far));
  }
}

TEST(QrEncodeTest, SymbolHasTimingPatternsAndTheDarkModule) {
  const QrCode code = must_encode(kEip681);
  for (int i = 8; i < code.size() - 8; ++i) {
    EXPECT_EQ(code.dark(i, 6), i % 2 == 0) << "row 6, column " << i;
    EXPECT_EQ(code.dark(6, i), i % 2 == 0) << "column 6, row " << i;
  }
  EXPECT_TRUE(code.dark(8, 4 * code.version() + 9));
}

TEST(QrEncodeTest, SizeIsSeventeenPlusFourTimesVersion) {
  for (std::size_t n : {1U, 14U, 15U, 120U, 500U, 2331U}) {
    const QrCode code = must_encode(std::string(n, 'a'));
    EXPECT_EQ(code.size(), 17 + 4 * code.version()) << n;
    EXPECT_EQ(code.modules().size(), static_cast<std::size_t>(code.size() * code.size()));
    for (auto m : code.modules()) ASSERT_TRUE(m == 0 || m == 1);
  }
}

TEST(QrEncodeTest, OutsideTheSymbolIsLight) {
  const QrCode code = must_encode("x");
  EXPECT_FALSE(code.dark(-1, 0));
  EXPECT_FALSE(code.dark(0, -1));
  EXPECT_FALSE(code.dark(code.size(), 0));
  EXPECT_FALSE(code.dark(0, code.size()));
  EXPECT_TRUE(code.dark(0, 0));  // corner of a finder pattern
}

// Byte-mode capacities from ISO/IEC 18004 table 7: the version is the smallest
// that holds the byte count at the level.
struct VersionCase {
  std::size_t bytes;
  QrErrorCorrection level;
  int version;
};

TEST(QrEncodeTest, PicksTheSmallestVersionThatHoldsThePayload) {
  const VersionCase cases[] = {
      {17, QrErrorCorrection::kLow, 1},         {18, QrErrorCorrection::kLow, 2},
      {14, QrErrorCorrection::kMedium, 1},      {15, QrErrorCorrection::kMedium, 2},
      {11, QrErrorCorrection::kQuartile, 1},    {12, QrErrorCorrection::kQuartile, 2},
      {7, QrErrorCorrection::kHigh, 1},         {8, QrErrorCorrection::kHigh, 2},
      {100, QrErrorCorrection::kLow, 5},        {100, QrErrorCorrection::kMedium, 6},
      {100, QrErrorCorrection::kQuartile, 8},   {100, QrErrorCorrection::kHigh, 10},
      {2953, QrErrorCorrection::kLow, 40},      {2331, QrErrorCorrection::kMedium, 40},
      {1663, QrErrorCorrection::kQuartile, 40}, {1273, QrErrorCorrection::kHigh, 40},
  };
  for (const auto& c : cases) {
    const QrCode code = must_encode(std::string(c.bytes, 'z'), c.level);
    EXPECT_EQ(code.version(), c.version)
        << c.bytes << " bytes at " << qr_error_correction_name(c.level);
    EXPECT_EQ(code.error_correction(), c.level);
  }
}

TEST(QrEncodeTest, HigherErrorCorrectionMakesALargerSymbol) {
  int previous = 0;
  for (auto level : {QrErrorCorrection::kLow, QrErrorCorrection::kMedium,
                     QrErrorCorrection::kQuartile, QrErrorCorrection::kHigh}) {
    const QrCode code = must_encode(kEip681, level);
    EXPECT_GT(code.version(), previous) << qr_error_correction_name(level);
    previous = code.version();
  }
}

TEST(QrEncodeTest, TypicalEip681UriAtMediumFitsEightyColumns) {
  // 142 bytes: version 8 (capacity 152 at M), 49 modules, 57 columns.
  const QrCode transfer = must_encode(kEip681);
  EXPECT_EQ(transfer.version(), 8);
  EXPECT_EQ(transfer.size() + 8, 57);
  // 120 bytes: version 7 (capacity 122 at M), 45 modules.
  EXPECT_EQ(must_encode(std::string(kEip681).substr(0, 120)).version(), 7);
  EXPECT_EQ(must_encode(std::string(kEip681).substr(0, 123)).version(), 8);
}

TEST(QrEncodeTest, DefaultLevelIsMedium) {
  EXPECT_EQ(must_encode(kEip681), must_encode(kEip681, QrErrorCorrection::kMedium));
  EXPECT_EQ(encode_qr(kEip681)->error_correction(), QrErrorCorrection::kMedium);
}

TEST(QrEncodeTest, IsDeterministicAndDependsOnEveryByte) {
  EXPECT_EQ(must_encode(kEip681), must_encode(kEip681));
  std::string other = kEip681;
  other.back() = '1';
  EXPECT_NE(must_encode(kEip681), must_encode(other));
}

TEST(QrEncodeTest, AcceptsAnyByteIncludingNul) {
  const std::string with_nul("a\0b", 3);
  const QrCode code = must_encode(with_nul);
  EXPECT_EQ(code.version(), 1);
  EXPECT_NE(code, must_encode("a"));
  EXPECT_TRUE(encode_qr(std::string("\xff\xfe\x80", 3)).ok());
}

TEST(QrEncodeTest, RejectsAnEmptyPayload) {
  const auto r = encode_qr("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "qr: payload is empty");
}

TEST(QrEncodeTest, RejectsTooLargePayloadsWithBothByteCounts) {
  const auto r = encode_qr(std::string(3000, 'a'), QrErrorCorrection::kLow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(r.status().message(),
            "qr: payload of 3000 bytes exceeds the 2953-byte capacity at error correction L");

  const struct {
    QrErrorCorrection level;
    std::size_t capacity;
    const char* message;
  } cases[] = {
      {QrErrorCorrection::kLow, 2953,
       "qr: payload of 2954 bytes exceeds the 2953-byte capacity at error correction L"},
      {QrErrorCorrection::kMedium, 2331,
       "qr: payload of 2332 bytes exceeds the 2331-byte capacity at error correction M"},
      {QrErrorCorrection::kQuartile, 1663,
       "qr: payload of 1664 bytes exceeds the 1663-byte capacity at error correction Q"},
      {QrErrorCorrection::kHigh, 1273,
       "qr: payload of 1274 bytes exceeds the 1273-byte capacity at error correction H"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(qr_capacity_bytes(c.level), c.capacity);
    EXPECT_TRUE(encode_qr(std::string(c.capacity, '\x01'), c.level).ok());
    const auto over = encode_qr(std::string(c.capacity + 1, '\x01'), c.level);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.status().code(), ErrorCode::kOutOfRange);
    EXPECT_EQ(over.status().message(), c.message);
  }
}

TEST(QrEncodeTest, RejectsAnUnknownLevel) {
  const auto r = encode_qr("abc", static_cast<QrErrorCorrection>(7));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "qr: unknown error correction level 7");
}

TEST(QrEncodeTest, ConcurrentEncodesAgreeWithSequentialOnes) {
  std::vector<std::string> payloads;
  std::vector<QrCode> expected;
  for (int i = 0; i < 16; ++i) {
    payloads.push_back(std::string(kEip681) + "&n=" + std::to_string(i * 7919));
    expected.push_back(must_encode(payloads.back(), QrErrorCorrection::kQuartile));
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        const auto i = static_cast<std::size_t>((round + t * 5) % 16);
        const auto r = encode_qr(payloads[i], QrErrorCorrection::kQuartile);
        if (!r.ok() || *r != expected[i]) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(QrEncodeTest, NamesLevelsAsTheSpecDoes) {
  EXPECT_STREQ(qr_error_correction_name(QrErrorCorrection::kLow), "L");
  EXPECT_STREQ(qr_error_correction_name(QrErrorCorrection::kMedium), "M");
  EXPECT_STREQ(qr_error_correction_name(QrErrorCorrection::kQuartile), "Q");
  EXPECT_STREQ(qr_error_correction_name(QrErrorCorrection::kHigh), "H");
}

// ---- SVG ----

// Paints the path's "M<x> <y>h<n>v1h-<n>z" runs back into a matrix; fails the
// test on anything else, on runs outside the viewBox, and on two runs of one
// row that touch (they should have been merged).
Matrix paint_svg_path(const std::string& d, int total) {
  Matrix m(static_cast<std::size_t>(total), std::vector<bool>(static_cast<std::size_t>(total)));
  const std::regex run(R"(M(\d+) (\d+)h(\d+)v1h-(\d+)z)");
  std::size_t consumed = 0;
  int last_y = -1, last_end = -1;
  for (auto it = std::sregex_iterator(d.begin(), d.end(), run); it != std::sregex_iterator();
       ++it) {
    EXPECT_EQ(static_cast<std::size_t>(it->position()), consumed) << "junk in path";
    consumed = static_cast<std::size_t>(it->position() + it->length());
    const int x = std::stoi((*it)[1]), y = std::stoi((*it)[2]), n = std::stoi((*it)[3]);
    EXPECT_EQ((*it)[3], (*it)[4]);
    EXPECT_GT(n, 0);
    EXPECT_LE(x + n, total);
    EXPECT_LT(y, total);
    if (y == last_y) {
      EXPECT_GT(x, last_end) << "unmerged runs on row " << y;
    }
    EXPECT_GE(y, last_y) << "rows out of order";
    last_y = y;
    last_end = x + n;
    for (int i = x; i < x + n && i < total; ++i) {
      m[static_cast<std::size_t>(y)][static_cast<std::size_t>(i)] = true;
    }
  }
  EXPECT_EQ(consumed, d.size()) << "junk at the end of the path";
  return m;
}

std::string path_data(const std::string& svg) {
  const auto start = svg.find(" d=\"");
  if (start == std::string::npos) return {};
  const auto end = svg.find('"', start + 4);
  return svg.substr(start + 4, end - start - 4);
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

TEST(QrSvgTest, HasViewBoxInModulesBackgroundAndOnePath) {
  const QrCode code = must_encode(kEip681);
  const std::string svg = render_svg(code);
  const std::string w = std::to_string(code.size() + 8);
  const std::string head = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + w + " " +
                           w + "\" shape-rendering=\"crispEdges\">";
  EXPECT_EQ(svg.rfind(head, 0), 0U) << svg.substr(0, 120);
  EXPECT_NE(svg.find("<rect width=\"" + w + "\" height=\"" + w + "\" fill=\"#fff\"/>"),
            std::string::npos);
  EXPECT_EQ(count(svg, "<path"), 1U);
  EXPECT_EQ(count(svg, "<rect"), 1U);
  EXPECT_EQ(count(svg, "fill=\"#000\""), 1U);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(svg.find(" width=\"", 0), svg.find("<rect width=\"") + 5);  // no width on <svg>
}

TEST(QrSvgTest, HasNoExternalReferences) {
  const std::string svg = render_svg(must_encode(kEip681));
  for (const char* bad : {"href", "url(", "<image", "<script", "<style", "@import"}) {
    EXPECT_EQ(svg.find(bad), std::string::npos) << bad;
  }
  // The only URL is the namespace name, which nothing fetches.
  EXPECT_EQ(count(svg, "http"), 1U);
}

TEST(QrSvgTest, PathPaintsExactlyTheDarkModulesInsideTheQuietZone) {
  for (int quiet : {4, 0, 2}) {
    QrOptions options;
    options.quiet_zone = quiet;
    const QrCode code = must_encode(kEip681);
    const std::string svg = render_svg(code, options);
    const int total = code.size() + 2 * quiet;
    EXPECT_NE(svg.find("viewBox=\"0 0 " + std::to_string(total) + " " + std::to_string(total)),
              std::string::npos);
    EXPECT_EQ(paint_svg_path(path_data(svg), total), with_quiet_zone(code, quiet))
        << "quiet zone " << quiet;
  }
}

TEST(QrSvgTest, IsDeterministic) {
  const QrCode code = must_encode(kEip681, QrErrorCorrection::kHigh);
  EXPECT_EQ(render_svg(code), render_svg(code));
  EXPECT_EQ(render_svg(code), render_svg(must_encode(kEip681, QrErrorCorrection::kHigh)));
}

TEST(QrSvgTest, SizeOptionAddsWidthAndHeight) {
  QrOptions options;
  options.svg_size_px = 300;
  const std::string svg = render_svg(must_encode("abc"), options);
  EXPECT_NE(svg.find("viewBox=\"0 0 29 29\" width=\"300\" height=\"300\""), std::string::npos)
      << svg.substr(0, 160);
  options.svg_size_px = -5;  // clamped to 0: omitted
  EXPECT_EQ(render_svg(must_encode("abc"), options), render_svg(must_encode("abc")));
}

TEST(QrSvgTest, ClampsTheQuietZone) {
  const QrCode code = must_encode("abc");  // version 1, 21 modules
  QrOptions options;
  options.quiet_zone = -3;
  EXPECT_NE(render_svg(code, options).find("viewBox=\"0 0 21 21\""), std::string::npos);
  options.quiet_zone = 1000;
  const std::string svg = render_svg(code, options);
  EXPECT_NE(svg.find("viewBox=\"0 0 149 149\""), std::string::npos);
  EXPECT_EQ(paint_svg_path(path_data(svg), 149), with_quiet_zone(code, 64));
}

TEST(QrSvgTest, LargestSymbolRendersCompletely) {
  const QrCode code = must_encode(std::string(2953, '\x55'), QrErrorCorrection::kLow);
  ASSERT_EQ(code.size(), 177);
  QrOptions options;
  options.quiet_zone = QrOptions::kMaxQuietZone;
  const std::string svg = render_svg(code, options);
  EXPECT_EQ(paint_svg_path(path_data(svg), 305), with_quiet_zone(code, 64));
}

// ---- PNG ----

struct DecodedPng {
  png_uint_32 width = 0, height = 0;
  std::vector<png_byte> gray;  // 8-bit, row-major
};

DecodedPng decode_png(const std::vector<std::uint8_t>& bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  DecodedPng out;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    ADD_FAILURE() << "libpng: " << image.message;
    return out;
  }
  image.format = PNG_FORMAT_GRAY;
  out.width = image.width;
  out.height = image.height;
  out.gray.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.gray.data(), 0, nullptr)) {
    ADD_FAILURE() << "libpng: " << image.message;
  }
  png_image_free(&image);
  return out;
}

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 |
         std::uint32_t{b[at + 2]} << 8 | std::uint32_t{b[at + 3]};
}

TEST(QrPngTest, HasSignatureAndOneBitGrayHeader) {
  const QrCode code = must_encode(kEip681);
  const auto png = render_png(code);
  ASSERT_TRUE(png.ok()) << to_string(png.status());
  const std::vector<std::uint8_t> signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  ASSERT_GT(png->size(), 33U);
  EXPECT_EQ(std::vector<std::uint8_t>(png->begin(), png->begin() + 8), signature);
  EXPECT_EQ(std::string(png->begin() + 12, png->begin() + 16), "IHDR");
  const auto side = static_cast<std::uint32_t>((code.size() + 8) * 8);
  EXPECT_EQ(be32(*png, 16), side);
  EXPECT_EQ(be32(*png, 20), side);
  EXPECT_EQ((*png)[24], 1);  // bit depth
  EXPECT_EQ((*png)[25], 0);  // colour type: grayscale
  EXPECT_EQ(std::string(png->end() - 8, png->end() - 4), "IEND");
}

TEST(QrPngTest, EveryPixelMatchesItsModule) {
  const QrCode code = must_encode(kEip681, QrErrorCorrection::kQuartile);
  for (int scale : {1, 3, 8}) {
    for (int quiet : {4, 1}) {
      QrOptions options;
      options.png_module_pixels = scale;
      options.quiet_zone = quiet;
      const auto png = render_png(code, options);
      ASSERT_TRUE(png.ok()) << to_string(png.status());
      const DecodedPng img = decode_png(*png);
      const int total = code.size() + 2 * quiet;
      ASSERT_EQ(img.width, static_cast<png_uint_32>(total * scale));
      ASSERT_EQ(img.height, img.width);
      int mismatches = 0;
      for (png_uint_32 py = 0; py < img.height; ++py) {
        for (png_uint_32 px = 0; px < img.width; ++px) {
          const int mx = static_cast<int>(px) / scale - quiet;
          const int my = static_cast<int>(py) / scale - quiet;
          const png_byte want = code.dark(mx, my) ? 0 : 255;
          if (img.gray[py * img.width + px] != want) ++mismatches;
        }
      }
      EXPECT_EQ(mismatches, 0) << "scale " << scale << ", quiet zone " << quiet;
    }
  }
}

TEST(QrPngTest, KnownModulesHaveKnownColours) {
  const QrCode code = must_encode("abc");
  const auto png = render_png(code);  // 8 px per module, 4-module quiet zone
  ASSERT_TRUE(png.ok());
  const DecodedPng img = decode_png(*png);
  const auto at = [&](int mx, int my) {  // centre of module (mx, my) of the symbol
    return img.gray[static_cast<std::size_t>((my + 4) * 8 + 4) * img.width +
                    static_cast<std::size_t>((mx + 4) * 8 + 4)];
  };
  EXPECT_EQ(at(0, 0), 0);      // finder corner: dark
  EXPECT_EQ(at(1, 1), 255);    // finder inner ring: light
  EXPECT_EQ(at(3, 3), 0);      // finder centre: dark
  EXPECT_EQ(at(7, 7), 255);    // separator: light
  EXPECT_EQ(at(-4, -4), 255);  // quiet zone corner
  EXPECT_EQ(at(24, 24), 255);  // far quiet zone corner
  EXPECT_EQ(at(8, 13), 0);     // the dark module of version 1
}

TEST(QrPngTest, ClampsTheModuleSize) {
  const QrCode code = must_encode("abc");
  QrOptions zero;
  zero.png_module_pixels = 0;
  QrOptions one;
  one.png_module_pixels = 1;
  EXPECT_EQ(*render_png(code, zero), *render_png(code, one));
  QrOptions huge;
  huge.png_module_pixels = 100000;
  huge.quiet_zone = 0;
  const auto png = render_png(code, huge);
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(be32(*png, 16), 21U * 256U);
}

TEST(QrPngTest, IsDeterministic) {
  const QrCode code = must_encode(kEip681);
  EXPECT_EQ(*render_png(code), *render_png(code));
}

// ---- terminal ----

// Splits into lines (each must end in '\n') of UTF-8 code points.
std::vector<std::vector<std::string>> glyph_lines(const std::string& text) {
  std::vector<std::vector<std::string>> lines(1);
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      lines.emplace_back();
      ++i;
      continue;
    }
    const std::size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    lines.back().push_back(text.substr(i, len));
    i += len;
  }
  EXPECT_TRUE(lines.back().empty()) << "text does not end in a newline";
  lines.pop_back();
  return lines;
}

const std::string kFull = "\xe2\x96\x88", kUpper = "\xe2\x96\x80", kLower = "\xe2\x96\x84";

// Turns half-block text back into a matrix of "inked" module halves.
Matrix unpaint_terminal(const std::vector<std::vector<std::string>>& lines) {
  Matrix m;
  for (const auto& line : lines) {
    std::vector<bool> top, bottom;
    for (const auto& g : line) {
      if (g != " " && g != kFull && g != kUpper && g != kLower) {
        ADD_FAILURE() << "unexpected glyph '" << g << "'";
      }
      top.push_back(g == kFull || g == kUpper);
      bottom.push_back(g == kFull || g == kLower);
    }
    m.push_back(top);
    m.push_back(bottom);
  }
  return m;
}

Matrix invert(Matrix m) {
  for (auto& row : m) row.flip();
  return m;
}

TEST(QrTerminalTest, LineCountAndEveryLineWidth) {
  for (int quiet : {4, 3, 0}) {
    QrOptions options;
    options.quiet_zone = quiet;
    const QrCode code = must_encode(kEip681);
    const auto lines = glyph_lines(render_terminal(code, options));
    const int total = code.size() + 2 * quiet;
    EXPECT_EQ(lines.size(), static_cast<std::size_t>((total + 1) / 2)) << "quiet zone " << quiet;
    for (const auto& line : lines) EXPECT_EQ(line.size(), static_cast<std::size_t>(total));
  }
}

TEST(QrTerminalTest, HalfBlocksMapBackToTheModules) {
  for (int quiet : {4, 3}) {  // even and odd row counts
    const QrCode code = must_encode(kEip681, QrErrorCorrection::kHigh);
    QrOptions options;
    options.quiet_zone = quiet;
    Matrix want = with_quiet_zone(code, quiet);
    // The half line past the last row is light.
    if (want.size() % 2 == 1) want.push_back(std::vector<bool>(want.size(), false));

    options.terminal_style = QrTerminalStyle::kForLightBackground;
    EXPECT_EQ(unpaint_terminal(glyph_lines(render_terminal(code, options))), want);
    options.terminal_style = QrTerminalStyle::kForDarkBackground;
    EXPECT_EQ(unpaint_terminal(glyph_lines(render_terminal(code, options))), invert(want));
  }
}

TEST(QrTerminalTest, DefaultDrawsLightModulesForDarkTerminals) {
  const QrCode code = must_encode("abc");
  const auto lines = glyph_lines(render_terminal(code));
  ASSERT_EQ(lines.size(), 15U);  // (21 + 8 + 1) / 2
  // Two quiet rows per line: the first two lines are all full blocks.
  for (const auto& g : lines[0]) EXPECT_EQ(g, kFull);
  for (const auto& g : lines[1]) EXPECT_EQ(g, kFull);
  // Line 2 holds the finder's top two rows: column 4 is its left edge (dark,
  // dark: nothing inked), column 5 is dark over light (lower half inked).
  EXPECT_EQ(lines[2][3], kFull);
  EXPECT_EQ(lines[2][4], " ");
  EXPECT_EQ(lines[2][5], kLower);
  EXPECT_EQ(lines[2][11], kFull);  // column 11: the separator, light on both rows
}

TEST(QrTerminalTest, AnsiStyleWrapsEachLineInColours) {
  const QrCode code = must_encode("abc");
  QrOptions options;
  options.terminal_style = QrTerminalStyle::kAnsiBlackOnWhite;
  const std::string text = render_terminal(code, options);
  std::size_t lines = 0;
  for (std::size_t start = 0; start < text.size(); ++lines) {
    const auto end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    const std::string line = text.substr(start, end - start);
    EXPECT_EQ(line.rfind("\x1b[30;107m", 0), 0U);
    EXPECT_EQ(line.substr(line.size() - 4), "\x1b[0m");
    start = end + 1;
  }
  EXPECT_EQ(lines, 15U);
  // Without the colour codes it is the dark-glyph rendering.
  std::string stripped = text;
  for (const std::string code_seq : {"\x1b[30;107m", "\x1b[0m"}) {
    for (auto p = stripped.find(code_seq); p != std::string::npos; p = stripped.find(code_seq)) {
      stripped.erase(p, code_seq.size());
    }
  }
  options.terminal_style = QrTerminalStyle::kForLightBackground;
  EXPECT_EQ(stripped, render_terminal(code, options));
}

}  // namespace
}  // namespace usd1pay
