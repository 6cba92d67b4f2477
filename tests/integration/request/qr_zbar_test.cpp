// QR renderings decoded by a reader nobody here wrote: zbarimg (zbar-tools).
// PNG is decoded as written; SVG is rasterised by rsvg-convert first; the
// terminal text is turned back into modules, drawn as an independent SVG and
// decoded the same way. Every decode must give back exactly the payload bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/qr.h"

namespace usd1pay {
namespace {

using testing::ProcessResult;
using testing::read_file;
using testing::run_process;
using testing::TempDir;
using testing::write_file;

const char kEip681[] =
    "ethereum:0x8d0E7F18Bc4c4a2d1E0B5dD77d6A52F7c3A9e2C1@1/transfer?"
    "address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=25000000000000000000";

const char kSolanaPay[] =
    "solana:9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin?amount=25.5"
    "&spl-token=EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
    "&reference=82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny"
    "&label=Caf%C3%A9%20Bleu%20%26%20Co&message=Order%20%2342%20%E2%80%94%20thanks%21"
    "&memo=pi_3Kx9Qw2";

// A Solana Pay URI whose message runs to `n` bytes: long but realistic text.
std::string long_uri(std::size_t n) {
  std::string uri = std::string(kSolanaPay) + "&note=";
  const std::string words = "Invoice%2042%20line%20item%3A%20espresso%20x2%2C%20croissant%3B%20";
  while (uri.size() < n) uri += words;
  uri.resize(n);
  return uri;
}

// What zbarimg read from `file`: the raw bytes of the one symbol. zbarimg
// ends each symbol with a newline of its own, which is not payload.
std::string zbar_decode(const std::string& file) {
  const ProcessResult r = run_process({"zbarimg", "--raw", "-q", "-Sbinary", "--nodbus", file});
  EXPECT_EQ(r.exit_code, 0) << "zbarimg " << file << ": " << r.err;
  std::string out = r.out;
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Rasterises an SVG with librsvg on white, `px` pixels square.
std::string rasterise(const TempDir& dir, const std::string& name, const std::string& svg, int px) {
  const std::string in = dir.file(name + ".svg");
  const std::string out = dir.file(name + ".png");
  write_file(in, svg);
  const ProcessResult r = run_process({"rsvg-convert", "-b", "white", "-w", std::to_string(px),
                                       "-h", std::to_string(px), "-o", out, in});
  EXPECT_EQ(r.exit_code, 0) << "rsvg-convert: " << r.err;
  return out;
}

struct Case {
  std::string name;
  std::string payload;
  QrErrorCorrection level;
};

std::vector<Case> cases() {
  return {
      {"one_byte", "a", QrErrorCorrection::kMedium},
      {"short", "USD1 pay 25.00", QrErrorCorrection::kMedium},
      {"utf8", "caf\xc3\xa9 \xe2\x82\xac 25", QrErrorCorrection::kMedium},
      {"eip681_L", kEip681, QrErrorCorrection::kLow},
      {"eip681_M", kEip681, QrErrorCorrection::kMedium},
      {"eip681_Q", kEip681, QrErrorCorrection::kQuartile},
      {"eip681_H", kEip681, QrErrorCorrection::kHigh},
      {"solana_pay", kSolanaPay, QrErrorCorrection::kMedium},
      {"solana_pay_H", kSolanaPay, QrErrorCorrection::kHigh},
      {"long_320", long_uri(320), QrErrorCorrection::kMedium},
      {"long_1000", long_uri(1000), QrErrorCorrection::kMedium},
      {"long_1000_L", long_uri(1000), QrErrorCorrection::kLow},
  };
}

class QrZbarTest : public ::testing::TestWithParam<Case> {};

TEST_P(QrZbarTest, PngDecodesToThePayload) {
  const Case& c = GetParam();
  const auto code = encode_qr(c.payload, c.level);
  ASSERT_TRUE(code.ok()) << to_string(code.status());
  TempDir dir;
  QrOptions options;
  options.png_module_pixels = 4;
  const auto png = render_png(*code, options);
  ASSERT_TRUE(png.ok()) << to_string(png.status());
  const std::string file = dir.file(c.name + ".png");
  write_file(file, std::string(png->begin(), png->end()));
  EXPECT_EQ(zbar_decode(file), c.payload) << "version " << code->version();
}

TEST_P(QrZbarTest, SvgDecodesToThePayload) {
  const Case& c = GetParam();
  const auto code = encode_qr(c.payload, c.level);
  ASSERT_TRUE(code.ok()) << to_string(code.status());
  TempDir dir;
  // Whole pixels per module, so that the rasteriser's edges stay crisp.
  const int px = (code->size() + 8) * 4;
  const std::string file = rasterise(dir, c.name, render_svg(*code), px);
  EXPECT_EQ(zbar_decode(file), c.payload) << "version " << code->version();
}

// Half-block text back to modules: the inverse of render_terminal's mapping
// for kForLightBackground (glyphs draw dark modules).
std::vector<std::vector<bool>> terminal_to_modules(const std::string& text) {
  std::vector<std::vector<bool>> rows;
  std::vector<bool> top, bottom;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\n') {
      rows.push_back(top);
      rows.push_back(bottom);
      top.clear();
      bottom.clear();
      ++i;
      continue;
    }
    const std::string g = text[i] == ' ' ? " " : text.substr(i, 3);
    i += g.size();
    const bool full = g == "\xe2\x96\x88";
    const bool upper = g == "\xe2\x96\x80";
    const bool lower = g == "\xe2\x96\x84";
    if (g != " " && !full && !upper && !lower) {
      ADD_FAILURE() << "unexpected glyph before byte " << i;
      return {};
    }
    top.push_back(full || upper);
    bottom.push_back(full || lower);
  }
  return rows;
}

// Draws modules as one rect each: deliberately not render_svg's code.
std::string modules_svg(const std::vector<std::vector<bool>>& rows) {
  const std::string w = std::to_string(rows.empty() ? 0 : rows[0].size());
  const std::string h = std::to_string(rows.size());
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + w + " " + h +
                    "\"><rect width=\"" + w + "\" height=\"" + h + "\" fill=\"white\"/>";
  for (std::size_t y = 0; y < rows.size(); ++y) {
    for (std::size_t x = 0; x < rows[y].size(); ++x) {
      if (rows[y][x]) {
        svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) +
               "\" width=\"1\" height=\"1\"/>";
      }
    }
  }
  return svg + "</svg>";
}

TEST_P(QrZbarTest, TerminalTextMatchesTheSymbolAndDecodes) {
  const Case& c = GetParam();
  const auto code = encode_qr(c.payload, c.level);
  ASSERT_TRUE(code.ok()) << to_string(code.status());
  QrOptions options;
  options.terminal_style = QrTerminalStyle::kForLightBackground;
  const auto rows = terminal_to_modules(render_terminal(*code, options));
  const int total = code->size() + 8;
  ASSERT_GE(rows.size(), static_cast<std::size_t>(total));
  for (int y = 0; y < total; ++y) {
    const auto& row = rows[static_cast<std::size_t>(y)];
    ASSERT_EQ(row.size(), static_cast<std::size_t>(total)) << "row " << y;
    for (int x = 0; x < total; ++x) {
      ASSERT_EQ(row[static_cast<std::size_t>(x)], code->dark(x - 4, y - 4))
          << "module (" << x - 4 << ", " << y - 4 << ")";
    }
  }
  TempDir dir;
  const int px = total * 4;
  // The odd half row past the bottom is light; drop it to keep the image square.
  const std::vector<std::vector<bool>> square(rows.begin(), rows.begin() + total);
  const std::string file = rasterise(dir, c.name + "_terminal", modules_svg(square), px);
  EXPECT_EQ(zbar_decode(file), c.payload);
}

INSTANTIATE_TEST_SUITE_P(Payloads, QrZbarTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return param.param.name;
                         });

// Small module sizes: zbar needs a few pixels per module (PEERS.md), which
// render_png's own nearest-neighbour module scale provides.
TEST(QrZbarSizeTest, SmallModulesDecodeOnceScaled) {
  const auto code = encode_qr(kEip681);
  ASSERT_TRUE(code.ok());
  TempDir dir;
  for (int scale : {2, 3, 10}) {
    QrOptions options;
    options.png_module_pixels = scale;
    const auto png = render_png(*code, options);
    ASSERT_TRUE(png.ok());
    const std::string file = dir.file("scale" + std::to_string(scale) + ".png");
    write_file(file, std::string(png->begin(), png->end()));
    EXPECT_EQ(zbar_decode(file), kEip681) << "scale " << scale;
  }
}

// The quiet zone matters to readers: with none at all, zbar is allowed to fail,
// but the default must never need one added by the caller.
TEST(QrZbarSizeTest, DefaultOptionsDecode) {
  const auto code = encode_qr(kSolanaPay);
  ASSERT_TRUE(code.ok());
  TempDir dir;
  const auto png = render_png(*code);
  ASSERT_TRUE(png.ok());
  const std::string file = dir.file("default.png");
  write_file(file, std::string(png->begin(), png->end()));
  EXPECT_EQ(zbar_decode(file), kSolanaPay);
  EXPECT_EQ(read_file(file).substr(1, 3), "PNG");
}

}  // namespace
}  // namespace usd1pay
