// Exact money: Uint128 arithmetic and Amount parsing / printing.
//
// Everything here is portable C++17 on 64-bit words: no unsigned __int128, so
// the one code path that runs is the one the tests exercise on every
// toolchain (point-of-sale compilers included). Parsing and printing work in a
// fixed stack buffer and 19-digit 64-bit chunks, so the hot paths do at most
// one allocation (the returned string) and a handful of 128-bit multiplies.
#include "usd1pay/amount.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "usd1pay/encoding.h"

namespace usd1pay {
namespace {

constexpr std::uint64_t kMask32 = 0xFFFFFFFFu;
// 10^19 is the largest power of ten that fits in 64 bits.
constexpr unsigned kU64Digits = 19;
// 2^128-1 has 39 decimal digits.
constexpr std::size_t kMaxDigits = 39;

// The full 128-bit product of two 64-bit words, by 32-bit halves.
struct Wide {
  std::uint64_t hi;
  std::uint64_t lo;
};

constexpr Wide mul64(std::uint64_t a, std::uint64_t b) noexcept {
  const std::uint64_t a0 = a & kMask32;
  const std::uint64_t a1 = a >> 32;
  const std::uint64_t b0 = b & kMask32;
  const std::uint64_t b1 = b >> 32;
  const std::uint64_t p00 = a0 * b0;
  const std::uint64_t p01 = a0 * b1;
  const std::uint64_t p10 = a1 * b0;
  const std::uint64_t p11 = a1 * b1;
  // The middle column: cannot overflow 64 bits (each term < 2^32).
  const std::uint64_t mid = (p00 >> 32) + (p01 & kMask32) + (p10 & kMask32);
  const std::uint64_t lo = (mid << 32) | (p00 & kMask32);
  const std::uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return Wide{hi, lo};
}

// a * 10 + digit without overflow checks, for building the constant table.
constexpr Uint128 times10(Uint128 a) noexcept {
  const Wide lo = mul64(a.lo(), 10);
  return Uint128(a.hi() * 10 + lo.hi, lo.lo);
}

struct Pow10Table {
  std::array<Uint128, Amount::kMaxDecimals + 1> v{};
  constexpr Pow10Table() {
    v[0] = Uint128(1);
    for (std::size_t i = 1; i < v.size(); ++i) v[i] = times10(v[i - 1]);
  }
};
constexpr Pow10Table kPow10{};

constexpr std::uint64_t kPow10U64[kU64Digits + 1] = {1ULL,
                                                     10ULL,
                                                     100ULL,
                                                     1000ULL,
                                                     10000ULL,
                                                     100000ULL,
                                                     1000000ULL,
                                                     10000000ULL,
                                                     100000000ULL,
                                                     1000000000ULL,
                                                     10000000000ULL,
                                                     100000000000ULL,
                                                     1000000000000ULL,
                                                     10000000000000ULL,
                                                     100000000000000ULL,
                                                     1000000000000000ULL,
                                                     10000000000000000ULL,
                                                     100000000000000000ULL,
                                                     1000000000000000000ULL,
                                                     10000000000000000000ULL};

// value * 2^64-sized word arithmetic: out = a * m + add, checked.
bool mul_add_u64(Uint128 a, std::uint64_t m, std::uint64_t add, Uint128* out) noexcept {
  const Wide lo = mul64(a.lo(), m);
  const Wide hi = mul64(a.hi(), m);
  if (hi.hi != 0) return false;
  std::uint64_t top = hi.lo + lo.hi;
  if (top < hi.lo) return false;
  std::uint64_t bottom = lo.lo + add;
  if (bottom < lo.lo) {
    ++top;
    if (top == 0) return false;
  }
  *out = Uint128(top, bottom);
  return true;
}

// Accumulates decimal digits (already validated) into a Uint128 in 19-digit
// chunks. Leading zeros cost nothing and never overflow.
class DigitAccumulator {
 public:
  bool push(char c) noexcept {
    chunk_ = chunk_ * 10 + static_cast<std::uint64_t>(c - '0');
    if (++count_ == kU64Digits) return flush();
    return true;
  }
  // Appends `n` zeros (scaling by 10^n).
  bool push_zeros(unsigned n) noexcept {
    while (n > 0) {
      const unsigned take = n < kU64Digits - count_ ? n : kU64Digits - count_;
      chunk_ *= kPow10U64[take];
      count_ += take;
      n -= take;
      if (count_ == kU64Digits && !flush()) return false;
    }
    return true;
  }
  bool finish(Uint128* out) noexcept {
    if (!flush()) return false;
    *out = value_;
    return true;
  }

 private:
  bool flush() noexcept {
    if (count_ == 0) return true;
    bool ok = true;
    if (value_.is_zero()) {
      value_ = Uint128(chunk_);
    } else {
      ok = mul_add_u64(value_, kPow10U64[count_], chunk_, &value_);
    }
    chunk_ = 0;
    count_ = 0;
    return ok;
  }

  Uint128 value_;
  std::uint64_t chunk_ = 0;
  unsigned count_ = 0;
};

// Writes the decimal digits of `v` so that they end at buf + kMaxDigits;
// returns the index of the first digit.
std::size_t write_decimal(Uint128 v, std::array<char, kMaxDigits>& buf) noexcept {
  std::size_t pos = buf.size();
  // Peel 9 digits at a time: 10^9 < 2^32 keeps divmod on its fast path.
  constexpr std::uint64_t kBillion = 1000000000ULL;
  while (v.hi() != 0) {
    std::uint64_t rem = 0;
    v = Uint128::divmod(v, kBillion, &rem);
    for (int i = 0; i < 9; ++i) {
      buf[--pos] = static_cast<char>('0' + rem % 10);
      rem /= 10;
    }
  }
  std::uint64_t lo = v.lo();
  do {
    buf[--pos] = static_cast<char>('0' + lo % 10);
    lo /= 10;
  } while (lo != 0);
  return pos;
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

Status decimals_error(unsigned decimals) {
  return Status(ErrorCode::kOutOfRange, "amount: " + std::to_string(decimals) +
                                            " decimals is more than the maximum of " +
                                            std::to_string(Amount::kMaxDecimals));
}

const char kOverflowMessage[] = "amount: exceeds the largest amount (2^128-1 base units)";

// Multi-byte UTF-8 spaces and quotes that locales use to group digits.
std::size_t utf8_group_separator_length(std::string_view text, std::size_t i) noexcept {
  const std::string_view rest = text.substr(i);
  if (rest.substr(0, 2) == "\xC2\xA0") return 2;  // U+00A0 no-break space
  if (rest.size() >= 3 && rest[0] == '\xE2' && rest[1] == '\x80') {
    switch (rest[2]) {
      case '\x89':  // U+2009 thin space
      case '\xAF':  // U+202F narrow no-break space (fr-FR grouping)
      case '\x99':  // U+2019 right single quotation mark (de-CH grouping)
        return 3;
      default: break;
    }
  }
  return 0;
}

Status grouping_error(std::string_view what, std::size_t pos) {
  return Status(ErrorCode::kInvalidArgument,
                "amount: " + std::string(what) + " at position " + std::to_string(pos) +
                    ": thousands separators and decimal commas are not allowed; write "
                    "plain digits with '.' as the decimal point (e.g. 1234.50)");
}

// The first syntax error of `text`, or OK. On OK, *dot is the position of '.'
// or npos.
Status check_syntax(std::string_view text, std::size_t* dot) {
  *dot = std::string_view::npos;
  if (text.empty()) return Status(ErrorCode::kInvalidArgument, "amount: empty");
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (is_digit(c)) continue;
    const auto at = [i] { return " at position " + std::to_string(i); };
    const bool digit_before = i > 0 && is_digit(text[i - 1]);
    const bool digit_after = i + 1 < n && is_digit(text[i + 1]);
    switch (c) {
      case '.':
        if (*dot != std::string_view::npos) {
          return Status(ErrorCode::kInvalidArgument, "amount: second '.'" + at() +
                                                         " (the first is at position " +
                                                         std::to_string(*dot) + ")");
        }
        if (i == 0) {
          return Status(ErrorCode::kInvalidArgument, "amount: no digit before '.'" + at());
        }
        // A non-digit right after '.' is reported by its own case next.
        if (i + 1 == n) {
          return Status(ErrorCode::kInvalidArgument, "amount: no digit after '.'" + at());
        }
        *dot = i;
        continue;
      case '-':
        if (i == 0) {
          return Status(ErrorCode::kInvalidArgument, "amount: negative amounts are not allowed");
        }
        break;
      case '+':
        return Status(ErrorCode::kInvalidArgument, "amount: sign '+'" + at() + " is not allowed");
      case 'e':
      case 'E':
        return Status(ErrorCode::kInvalidArgument, "amount: exponent notation ('" +
                                                       std::string(1, c) + "'" + at() +
                                                       ") is not allowed; write the digits out");
      case ',':
      case '\'':
      case '_': return grouping_error(quote_char(c), i);
      case ' ':
        // Between digits a space groups thousands ("1 000"); elsewhere it is
        // stray whitespace.
        if (digit_before && digit_after) return grouping_error("space", i);
        return Status(ErrorCode::kInvalidArgument, "amount: whitespace" + at() + " is not allowed");
      case '\t':
      case '\n':
      case '\v':
      case '\f':
      case '\r':
        return Status(ErrorCode::kInvalidArgument, "amount: whitespace" + at() + " is not allowed");
      default:
        if (utf8_group_separator_length(text, i) != 0) {
          return grouping_error("a Unicode space or quote", i);
        }
        break;
    }
    return Status(ErrorCode::kInvalidArgument, "amount: bad character " + quote_char(c) + at());
  }
  return Status();
}

}  // namespace

// ---- Uint128 ----

Result<Uint128> Uint128::parse_decimal(std::string_view digits) {
  if (digits.empty()) return Status(ErrorCode::kInvalidArgument, "integer: empty");
  DigitAccumulator acc;
  bool overflow = false;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const char c = digits[i];
    if (!is_digit(c)) {
      return Status(ErrorCode::kInvalidArgument, "integer: bad character " + quote_char(c) +
                                                     " at position " + std::to_string(i) +
                                                     " (only digits 0-9 are allowed)");
    }
    // Keep scanning after an overflow so that a bad character is still
    // reported as the more basic error.
    if (!overflow && !acc.push(c)) overflow = true;
  }
  Uint128 out;
  if (overflow || !acc.finish(&out)) {
    return Status(ErrorCode::kOutOfRange, "integer: exceeds 2^128-1");
  }
  return out;
}

std::string Uint128::to_decimal() const {
  std::array<char, kMaxDigits> buf{};
  const std::size_t first = write_decimal(*this, buf);
  return std::string(buf.data() + first, buf.size() - first);
}

bool Uint128::add(Uint128 a, Uint128 b, Uint128* out) noexcept {
  const std::uint64_t lo = a.lo_ + b.lo_;
  const std::uint64_t carry = lo < a.lo_ ? 1 : 0;
  const std::uint64_t hi1 = a.hi_ + b.hi_;
  if (hi1 < a.hi_) return false;
  const std::uint64_t hi = hi1 + carry;
  if (hi < hi1) return false;
  *out = Uint128(hi, lo);
  return true;
}

bool Uint128::sub(Uint128 a, Uint128 b, Uint128* out) noexcept {
  if (a < b) return false;
  const std::uint64_t borrow = a.lo_ < b.lo_ ? 1 : 0;
  *out = Uint128(a.hi_ - b.hi_ - borrow, a.lo_ - b.lo_);
  return true;
}

bool Uint128::mul(Uint128 a, Uint128 b, Uint128* out) noexcept {
  if (a.hi_ != 0 && b.hi_ != 0) return false;
  const Wide low = mul64(a.lo_, b.lo_);
  // At most one of the cross terms is non-zero.
  const Wide cross = a.hi_ != 0 ? mul64(a.hi_, b.lo_) : mul64(a.lo_, b.hi_);
  if (cross.hi != 0) return false;
  const std::uint64_t hi = low.hi + cross.lo;
  if (hi < low.hi) return false;
  *out = Uint128(hi, low.lo);
  return true;
}

Uint128 Uint128::divmod(Uint128 a, std::uint64_t divisor, std::uint64_t* remainder) noexcept {
  if (divisor == 0) {
    // Documented precondition; stay defined rather than trap.
    if (remainder != nullptr) *remainder = 0;
    return Uint128();
  }
  if (divisor <= kMask32) {
    // Schoolbook division by 32-bit limbs: (rem << 32 | limb) < 2^64 because
    // rem < divisor < 2^32.
    const std::uint64_t limbs[4] = {a.hi_ >> 32, a.hi_ & kMask32, a.lo_ >> 32, a.lo_ & kMask32};
    std::uint64_t q[4] = {0, 0, 0, 0};
    std::uint64_t rem = 0;
    for (int i = 0; i < 4; ++i) {
      const std::uint64_t cur = (rem << 32) | limbs[i];
      q[i] = cur / divisor;
      rem = cur % divisor;
    }
    if (remainder != nullptr) *remainder = rem;
    return Uint128((q[0] << 32) | q[1], (q[2] << 32) | q[3]);
  }
  // Wide divisor: the high word divides directly, the rest bit by bit
  // (shift-subtract). Rare (rescaling by more than 10^9) and still O(64).
  const std::uint64_t q_hi = a.hi_ / divisor;
  std::uint64_t rem = a.hi_ % divisor;
  std::uint64_t q_lo = 0;
  for (int bit = 63; bit >= 0; --bit) {
    const bool top = (rem >> 63) != 0;
    rem = (rem << 1) | ((a.lo_ >> bit) & 1U);
    q_lo <<= 1;
    // When the shifted-out top bit was set the true remainder is 2^64 + rem,
    // which is >= divisor; the wrapping subtraction gives the right value.
    if (top || rem >= divisor) {
      rem -= divisor;
      q_lo |= 1U;
    }
  }
  if (remainder != nullptr) *remainder = rem;
  return Uint128(q_hi, q_lo);
}

bool Uint128::pow10(unsigned exp, Uint128* out) noexcept {
  if (exp > Amount::kMaxDecimals) return false;
  *out = kPow10.v[exp];
  return true;
}

// ---- Amount ----

Result<Amount> Amount::from_base_units(Uint128 units, unsigned decimals) {
  if (decimals > kMaxDecimals) return decimals_error(decimals);
  return Amount(units, decimals);
}

Result<Amount> Amount::parse(std::string_view text, unsigned decimals) {
  if (decimals > kMaxDecimals) return decimals_error(decimals);
  std::size_t dot = std::string_view::npos;
  USD1PAY_RETURN_IF_ERROR(check_syntax(text, &dot));
  const std::size_t frac_digits = dot == std::string_view::npos ? 0 : text.size() - dot - 1;
  if (frac_digits > decimals) {
    return Status(ErrorCode::kOutOfRange, "amount: too many decimal places (" +
                                              std::to_string(frac_digits) + ") for a token with " +
                                              std::to_string(decimals) + " decimals");
  }
  DigitAccumulator acc;
  bool ok = true;
  for (std::size_t i = 0; i < text.size() && ok; ++i) {
    if (i != dot) ok = acc.push(text[i]);
  }
  Uint128 units;
  ok = ok && acc.push_zeros(decimals - static_cast<unsigned>(frac_digits)) && acc.finish(&units);
  if (!ok) return Status(ErrorCode::kOutOfRange, kOverflowMessage);
  return Amount(units, decimals);
}

std::string Amount::to_string_fixed(unsigned min_fraction_digits) const {
  // The digits right-aligned in a buffer, left-padded with zeros to at least
  // decimals_ + 1 so that there is always an integer digit. 39 digits of
  // 2^128-1 and 38 decimals + 1 both fit in 40.
  std::array<char, kMaxDigits> digits{};
  const std::size_t first = write_decimal(units_, digits);
  std::array<char, kMaxDigits + 1> buf{};
  const std::size_t ndigits = digits.size() - first;
  const std::size_t len = ndigits > decimals_ ? ndigits : static_cast<std::size_t>(decimals_) + 1;
  const std::size_t start = buf.size() - len;
  for (std::size_t k = start; k < buf.size() - ndigits; ++k) buf[k] = '0';
  for (std::size_t k = 0; k < ndigits; ++k) buf[buf.size() - ndigits + k] = digits[first + k];

  const std::size_t keep_min = min_fraction_digits < decimals_ ? min_fraction_digits : decimals_;
  std::size_t frac = decimals_;
  std::size_t end = buf.size();
  while (frac > keep_min && buf[end - 1] == '0') {
    --end;
    --frac;
  }
  const std::size_t int_len = end - start - frac;
  std::string out;
  out.reserve(end - start + 1);
  out.append(buf.data() + start, int_len);
  if (frac > 0) {
    out.push_back('.');
    out.append(buf.data() + start + int_len, frac);
  }
  return out;
}

std::string Amount::to_string() const {
  return to_string_fixed(0);
}

Result<Amount> Amount::rescale(unsigned decimals) const {
  if (decimals > kMaxDecimals) return decimals_error(decimals);
  if (decimals >= decimals_) {
    Uint128 out;
    if (!Uint128::mul(units_, kPow10.v[decimals - decimals_], &out)) {
      return Status(ErrorCode::kOutOfRange, std::string(kOverflowMessage) + " at " +
                                                std::to_string(decimals) + " decimals");
    }
    return Amount(out, decimals);
  }
  // Divide by 10^(decimals_ - decimals) in steps that fit 64 bits; the result
  // is exact only when every step leaves no remainder.
  unsigned drop = decimals_ - decimals;
  Uint128 q = units_;
  bool exact = true;
  while (drop > 0 && exact) {
    const unsigned step = drop < kU64Digits ? drop : kU64Digits;
    std::uint64_t rem = 0;
    q = Uint128::divmod(q, kPow10U64[step], &rem);
    exact = rem == 0;
    drop -= step;
  }
  if (!exact) {
    return Status(ErrorCode::kOutOfRange, "amount: " + to_string() + " cannot be written with " +
                                              std::to_string(decimals) +
                                              " decimals without rounding");
  }
  return Amount(q, decimals);
}

Result<Amount> Amount::add(const Amount& a, const Amount& b) {
  if (a.decimals_ != b.decimals_) {
    return Status(ErrorCode::kInvalidArgument,
                  "amount: cannot add amounts with different decimals (" +
                      std::to_string(a.decimals_) + " and " + std::to_string(b.decimals_) + ")");
  }
  Uint128 out;
  if (!Uint128::add(a.units_, b.units_, &out)) {
    return Status(ErrorCode::kOutOfRange, std::string(kOverflowMessage) + " in a sum");
  }
  return Amount(out, a.decimals_);
}

Result<Amount> Amount::sub(const Amount& a, const Amount& b) {
  if (a.decimals_ != b.decimals_) {
    return Status(ErrorCode::kInvalidArgument,
                  "amount: cannot subtract amounts with different decimals (" +
                      std::to_string(a.decimals_) + " and " + std::to_string(b.decimals_) + ")");
  }
  Uint128 out;
  if (!Uint128::sub(a.units_, b.units_, &out)) {
    return Status(ErrorCode::kOutOfRange, "amount: difference would be negative (" + a.to_string() +
                                              " - " + b.to_string() + ")");
  }
  return Amount(out, a.decimals_);
}

}  // namespace usd1pay
