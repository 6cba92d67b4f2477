// usd1pay: byte encodings used by addresses, ids, keys and webhooks.
//
// - hex: RFC 4648 section 8 digits. Encoding writes lowercase; decoding
//   accepts either case, and an "0x" prefix only when the caller asks for it.
// - base58: the Bitcoin alphabet
//   "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz" (no 0, O, I,
//   l). The bytes are read as one big-endian number written in base 58, and
//   each leading zero byte is written as one '1'. Every byte string has exactly
//   one spelling, so decode then encode gives the input back. Decoding costs
//   O(n^2) in the length: callers that take untrusted input bound its length
//   first (the address module does).
// - base58check: base58 of payload || first 4 bytes of SHA-256(SHA-256(payload))
//   (Bitcoin's, also TRON's). A checksum that does not verify is
//   kChecksumMismatch.
// - base64: RFC 4648 section 4, standard alphabet with '=' padding. Decoding is
//   strict: the length must be a multiple of 4, '=' may only end the text, no
//   whitespace, and the unused low bits of the last character must be zero
//   (so that every byte string has exactly one accepted spelling).
//
// Errors are kInvalidArgument with a message naming the encoding, the
// character and its 0-based position in the text as given (prefix included):
//   "hex: bad character 'g' at position 5".
//
// THREAD SAFETY: pure functions; ByteView is a non-owning view, valid while
// the bytes it points to are.
#ifndef USD1PAY_ENCODING_H
#define USD1PAY_ENCODING_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/status.h"

namespace usd1pay {

using Bytes = std::vector<std::uint8_t>;

/// A read-only view of bytes owned by someone else (C++17 has no std::span).
class ByteView {
 public:
  constexpr ByteView() noexcept = default;
  constexpr ByteView(const std::uint8_t* data, std::size_t size) noexcept
      : data_(data), size_(size) {}
  ByteView(const Bytes& bytes) noexcept  // NOLINT(google-explicit-constructor)
      : data_(bytes.data()), size_(bytes.size()) {}
  template <std::size_t N>
  constexpr ByteView(const std::array<std::uint8_t, N>& bytes) noexcept  // NOLINT
      : data_(bytes.data()), size_(N) {}
  /// The bytes of a string, e.g. UTF-8 text to hash or a webhook body.
  static ByteView of(std::string_view text) noexcept {
    return ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  }

  constexpr const std::uint8_t* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }
  constexpr const std::uint8_t* begin() const noexcept { return data_; }
  constexpr const std::uint8_t* end() const noexcept { return data_ + size_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

/// A character quoted for an error message: 'g' when printable ASCII,
/// otherwise "byte 0x0a", so that messages stay printable and a byte value
/// cannot be mistaken for text the input contained. Used by every module.
std::string quote_char(char c);

/// The byte position of the first byte of `text` that does not start or
/// continue a well-formed UTF-8 sequence (overlong forms, UTF-16 surrogates
/// and code points above U+10FFFF are ill-formed), or std::string_view::npos
/// when all of `text` is valid UTF-8.
std::size_t find_invalid_utf8(std::string_view text) noexcept;

// ---- hex ----

/// Whether decoding accepts, requires or refuses a leading "0x" (lowercase x).
enum class HexPrefix { kRefuse, kOptional, kRequire };

/// Lowercase hex digits, two per byte; "0x" first when `with_0x`.
std::string hex_encode(ByteView bytes, bool with_0x = false);

/// Decodes hex digits of either case. Errors: "hex: missing 0x prefix",
/// "hex: odd number of digits (5)", "hex: bad character 'g' at position 7".
Result<Bytes> hex_decode(std::string_view text, HexPrefix prefix = HexPrefix::kRefuse);

/// The value 0..15 of a hex digit of either case, or -1.
constexpr int hex_digit_value(char c) noexcept {
  return (c >= '0' && c <= '9')   ? c - '0'
         : (c >= 'a' && c <= 'f') ? c - 'a' + 10
         : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                  : -1;
}

// ---- base58 (Bitcoin alphabet) ----

/// The base58 spelling of `bytes` ("" for no bytes).
std::string base58_encode(ByteView bytes);

/// The 0-based position of the first character of `text` outside the base58
/// alphabet, or std::string_view::npos when there is none.
std::size_t base58_find_invalid(std::string_view text) noexcept;

/// Decodes base58. Error: "base58: bad character '0' at position 3".
Result<Bytes> base58_decode(std::string_view text);

/// base58 of payload || checksum (4 bytes of double SHA-256).
std::string base58check_encode(ByteView payload);

/// Decodes base58check and returns the payload without its checksum. Errors:
/// kInvalidArgument for a bad character or fewer than 4 decoded bytes
/// ("base58check: too short (3 bytes, need at least 4)"); kChecksumMismatch
/// "base58check: checksum does not match".
Result<Bytes> base58check_decode(std::string_view text);

// ---- base64 (RFC 4648 standard alphabet, padded) ----

std::string base64_encode(ByteView bytes);

/// Strict decode. Errors: "base64: length 5 is not a multiple of 4",
/// "base64: bad character '-' at position 2", "base64: misplaced padding at
/// position 1", "base64: non-zero unused bits in the character at position 2".
Result<Bytes> base64_decode(std::string_view text);

}  // namespace usd1pay

#endif  // USD1PAY_ENCODING_H
