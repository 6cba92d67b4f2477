// usd1pay: exact money.
//
// Money is never floating point anywhere in usd1pay. An Amount is a whole
// number of a token's base units (an unsigned 128-bit integer) together with
// the token's number of decimals: 25.00 USD1 on a token with 18 decimals is
// 25000000000000000000 base units at 18 decimals. Decimal strings are parsed
// and printed exactly; anything that cannot be represented exactly is an
// error, never rounded.
//
// Accepted decimal syntax (Amount::parse): one or more ASCII digits, then
// optionally '.' and one or more digits. Leading zeros are allowed ("007.5").
// Refused, each with its own message naming the position: empty input, a sign
// ('-' is "negative amount", '+' is refused too), an exponent ("1e6"),
// grouping or locale forms ("1,000.00", "1 000", "25,50"), a missing digit on
// either side of '.', whitespace, more fractional digits than the token has
// (kOutOfRange, even when they are zeros), and values above 2^128-1
// (kOutOfRange).
//
// THREAD SAFETY: values.
#ifndef USD1PAY_AMOUNT_H
#define USD1PAY_AMOUNT_H

#include <cstdint>
#include <string>
#include <string_view>

#include "usd1pay/status.h"

namespace usd1pay {

/// An unsigned 128-bit integer that does not rely on compiler extensions.
class Uint128 {
 public:
  constexpr Uint128() noexcept = default;
  constexpr Uint128(std::uint64_t lo) noexcept : lo_(lo) {}  // NOLINT(google-explicit-constructor)
  constexpr Uint128(std::uint64_t hi, std::uint64_t lo) noexcept : hi_(hi), lo_(lo) {}

  static constexpr Uint128 max() noexcept { return {~std::uint64_t{0}, ~std::uint64_t{0}}; }

  constexpr std::uint64_t hi() const noexcept { return hi_; }
  constexpr std::uint64_t lo() const noexcept { return lo_; }
  constexpr bool is_zero() const noexcept { return hi_ == 0 && lo_ == 0; }

  /// Parses a non-empty string of ASCII digits (base 10, no sign, no
  /// separators). kInvalidArgument names the first bad character's position;
  /// kOutOfRange when the value exceeds 2^128-1.
  static Result<Uint128> parse_decimal(std::string_view digits);
  /// Base-10 digits, no leading zeros ("0" for zero).
  std::string to_decimal() const;

  /// Checked arithmetic: false (and *out untouched) on overflow / underflow.
  static bool add(Uint128 a, Uint128 b, Uint128* out) noexcept;
  static bool sub(Uint128 a, Uint128 b, Uint128* out) noexcept;
  static bool mul(Uint128 a, Uint128 b, Uint128* out) noexcept;
  /// Quotient and remainder by a non-zero 64-bit divisor.
  static Uint128 divmod(Uint128 a, std::uint64_t divisor, std::uint64_t* remainder) noexcept;
  /// 10^exp, for exp in 0..38; false beyond.
  static bool pow10(unsigned exp, Uint128* out) noexcept;

  friend constexpr bool operator==(Uint128 a, Uint128 b) noexcept {
    return a.hi_ == b.hi_ && a.lo_ == b.lo_;
  }
  friend constexpr bool operator!=(Uint128 a, Uint128 b) noexcept { return !(a == b); }
  friend constexpr bool operator<(Uint128 a, Uint128 b) noexcept {
    return a.hi_ < b.hi_ || (a.hi_ == b.hi_ && a.lo_ < b.lo_);
  }
  friend constexpr bool operator>(Uint128 a, Uint128 b) noexcept { return b < a; }
  friend constexpr bool operator<=(Uint128 a, Uint128 b) noexcept { return !(b < a); }
  friend constexpr bool operator>=(Uint128 a, Uint128 b) noexcept { return !(a < b); }

 private:
  std::uint64_t hi_ = 0;
  std::uint64_t lo_ = 0;
};

/// An exact amount of a token: base units plus the token's decimals.
class Amount {
 public:
  /// 10^38 is the largest power of ten below 2^128.
  static constexpr unsigned kMaxDecimals = 38;

  /// Zero with zero decimals.
  Amount() = default;

  /// kOutOfRange when decimals > kMaxDecimals.
  static Result<Amount> from_base_units(Uint128 units, unsigned decimals);
  /// Parses an exact decimal string ("25.00") for a token with `decimals`
  /// decimals. See the syntax at the top of this header.
  static Result<Amount> parse(std::string_view text, unsigned decimals);

  Uint128 base_units() const noexcept { return units_; }
  unsigned decimals() const noexcept { return decimals_; }
  bool is_zero() const noexcept { return units_.is_zero(); }

  /// The shortest exact decimal: "25", "25.5", "0.000001".
  std::string to_string() const;
  /// At least `min_fraction_digits` fractional digits (capped at decimals()),
  /// more where the value needs them: to_string_fixed(2) of 25 is "25.00", of
  /// 25.125 is "25.125".
  std::string to_string_fixed(unsigned min_fraction_digits) const;

  /// The same value at another number of decimals: always exact when growing;
  /// kOutOfRange when shrinking would drop non-zero digits or growing
  /// overflows.
  Result<Amount> rescale(unsigned decimals) const;

  /// Sum / difference of two amounts with the same decimals. kInvalidArgument
  /// when decimals differ, kOutOfRange on overflow or a negative difference.
  static Result<Amount> add(const Amount& a, const Amount& b);
  static Result<Amount> sub(const Amount& a, const Amount& b);

  /// Same value and same decimals.
  friend bool operator==(const Amount& a, const Amount& b) noexcept {
    return a.units_ == b.units_ && a.decimals_ == b.decimals_;
  }
  friend bool operator!=(const Amount& a, const Amount& b) noexcept { return !(a == b); }

 private:
  Amount(Uint128 units, unsigned decimals) : units_(units), decimals_(decimals) {}
  Uint128 units_;
  unsigned decimals_ = 0;
};

}  // namespace usd1pay

#endif  // USD1PAY_AMOUNT_H
