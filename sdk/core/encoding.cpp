// hex, base58, base58check and base64 (formats described in
// include/usd1pay/encoding.h).
#include "usd1pay/encoding.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "usd1pay/hash.h"

namespace usd1pay {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase58Alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Reverse tables: byte -> digit value, or -1.
template <std::size_t N>
constexpr std::array<std::int8_t, 256> reverse_table(const char (&alphabet)[N]) {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return t;
}
constexpr auto kBase58Values = reverse_table(kBase58Alphabet);
constexpr auto kBase64Values = reverse_table(kBase64Alphabet);

Status bad_char(const char* subject, std::string_view text, std::size_t pos) {
  return Status(ErrorCode::kInvalidArgument, std::string(subject) + ": bad character " +
                                                 quote_char(text[pos]) + " at position " +
                                                 std::to_string(pos));
}

}  // namespace

std::size_t find_invalid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    // ASCII eight bytes at a time (most text is: ids, hashes, amounts).
    while (i + 8 <= text.size()) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + i, sizeof word);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i == text.size()) break;
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      len = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3;
      if (b0 == 0xe0) lo = 0xa0;  // overlong
      if (b0 == 0xed) hi = 0x9f;  // UTF-16 surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4;
      if (b0 == 0xf0) lo = 0x90;  // overlong
      if (b0 == 0xf4) hi = 0x8f;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + len > text.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      const unsigned char min = k == 1 ? lo : 0x80;
      const unsigned char max = k == 1 ? hi : 0xbf;
      if (b < min || b > max) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::string quote_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  std::string s = "byte 0x";
  s += kHexDigits[u >> 4];
  s += kHexDigits[u & 0xf];
  return s;
}

// ---- hex ----

std::string hex_encode(ByteView bytes, bool with_0x) {
  const std::size_t offset = with_0x ? 2 : 0;
  std::string out(offset + 2 * bytes.size(), '0');
  if (with_0x) out[1] = 'x';
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[offset + 2 * i] = kHexDigits[bytes[i] >> 4];
    out[offset + 2 * i + 1] = kHexDigits[bytes[i] & 0xf];
  }
  return out;
}

Result<Bytes> hex_decode(std::string_view text, HexPrefix prefix) {
  std::size_t start = 0;
  const bool has_0x = text.size() >= 2 && text[0] == '0' && text[1] == 'x';
  if (prefix == HexPrefix::kRequire && !has_0x) {
    return Status(ErrorCode::kInvalidArgument, "hex: missing 0x prefix");
  }
  if (prefix != HexPrefix::kRefuse && has_0x) start = 2;
  // Characters first, so that "0xg" reports the 'g' rather than the length.
  for (std::size_t i = start; i < text.size(); ++i) {
    if (hex_digit_value(text[i]) < 0) return bad_char("hex", text, i);
  }
  const std::size_t digits = text.size() - start;
  if (digits % 2 != 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "hex: odd number of digits (" + std::to_string(digits) + ")");
  }
  Bytes out(digits / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    // Both digits were checked above, so the values are 0..15.
    const auto hi = static_cast<unsigned>(hex_digit_value(text[start + 2 * i]));
    const auto lo = static_cast<unsigned>(hex_digit_value(text[start + 2 * i + 1]));
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

// ---- base58 ----

std::string base58_encode(ByteView bytes) {
  std::size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  // log(256) / log(58) < 1.38: digits needed for the non-zero part.
  const std::size_t cap = (bytes.size() - zeros) * 138 / 100 + 1;
  std::vector<std::uint8_t> digits(cap, 0);  // base-58 digits, most significant first
  std::size_t used = 0;                      // digits in use, at the end of `digits`
  for (std::size_t i = zeros; i < bytes.size(); ++i) {
    std::uint32_t carry = bytes[i];
    std::size_t j = 0;
    for (std::size_t k = cap; k-- > 0 && (carry != 0 || j < used); ++j) {
      carry += 256u * digits[k];
      digits[k] = static_cast<std::uint8_t>(carry % 58);
      carry /= 58;
    }
    used = j;
  }
  std::string out(zeros, '1');
  out.reserve(zeros + used);
  for (std::size_t k = cap - used; k < cap; ++k) out += kBase58Alphabet[digits[k]];
  return out;
}

std::size_t base58_find_invalid(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (kBase58Values[static_cast<unsigned char>(text[i])] < 0) return i;
  }
  return std::string_view::npos;
}

Result<Bytes> base58_decode(std::string_view text) {
  const std::size_t bad = base58_find_invalid(text);
  if (bad != std::string_view::npos) return bad_char("base58", text, bad);
  std::size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  // log(58) / log(256) < 0.733: bytes needed for the rest.
  const std::size_t cap = (text.size() - ones) * 733 / 1000 + 1;
  Bytes bytes(cap, 0);
  std::size_t used = 0;
  for (std::size_t i = ones; i < text.size(); ++i) {
    // Characters were checked by base58_find_invalid: the value is 0..57.
    auto carry = static_cast<std::uint32_t>(
        static_cast<unsigned char>(kBase58Values[static_cast<unsigned char>(text[i])]));
    std::size_t j = 0;
    for (std::size_t k = cap; k-- > 0 && (carry != 0 || j < used); ++j) {
      carry += 58u * bytes[k];
      bytes[k] = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    used = j;
  }
  Bytes out(ones, 0);
  out.insert(out.end(), bytes.end() - static_cast<std::ptrdiff_t>(used), bytes.end());
  return out;
}

std::string base58check_encode(ByteView payload) {
  Bytes buf(payload.begin(), payload.end());
  const Hash256 check = double_sha256(payload);
  buf.insert(buf.end(), check.begin(), check.begin() + 4);
  return base58_encode(buf);
}

Result<Bytes> base58check_decode(std::string_view text) {
  auto decoded = base58_decode(text);
  if (!decoded.ok()) {
    // Report the same error under this function's name.
    return Status(decoded.status().code(), "base58check" + decoded.status().message().substr(6));
  }
  Bytes bytes = std::move(decoded).value();
  if (bytes.size() < 4) {
    return Status(
        ErrorCode::kInvalidArgument,
        "base58check: too short (" + std::to_string(bytes.size()) + " bytes, need at least 4)");
  }
  const std::size_t n = bytes.size() - 4;
  const Hash256 check = double_sha256(ByteView(bytes.data(), n));
  if (!constant_time_equal(ByteView(check.data(), 4), ByteView(bytes.data() + n, 4))) {
    return Status(ErrorCode::kChecksumMismatch, "base58check: checksum does not match");
  }
  bytes.resize(n);
  return bytes;
}

// ---- base64 ----

std::string base64_encode(ByteView bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) |
                            std::uint32_t{bytes[i + 2]};
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += kBase64Alphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "base64: length " + std::to_string(text.size()) + " is not a multiple of 4");
  }
  // Padding: at most two '=', only at the very end.
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  const std::size_t data_len = text.size() - pad;
  for (std::size_t i = 0; i < data_len; ++i) {
    if (kBase64Values[static_cast<unsigned char>(text[i])] < 0) {
      if (text[i] == '=') {
        return Status(ErrorCode::kInvalidArgument,
                      "base64: misplaced padding at position " + std::to_string(i));
      }
      return bad_char("base64", text, i);
    }
  }
  Bytes out;
  out.reserve(data_len / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_len; ++i) {
    acc =
        (acc << 6) | static_cast<std::uint32_t>(kBase64Values[static_cast<unsigned char>(text[i])]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  // The last group leaves 2 (one '=' ) or 4 (two '=') unused bits: zero in the
  // one canonical spelling.
  if (acc != 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "base64: non-zero unused bits in the character at "
                  "position " +
                      std::to_string(data_len - 1));
  }
  return out;
}

}  // namespace usd1pay
