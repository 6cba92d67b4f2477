// Fuzzes Amount::parse and Uint128::parse_decimal.
//
// Input: the first byte picks the token's decimals (0..39; 39 must always be
// refused), the rest is the text. Invariants checked:
//  - parse succeeds exactly when the text is digits[.digits] with no more
//    fractional digits than decimals and the value fits; otherwise the error is
//    kInvalidArgument (syntax) or kOutOfRange (range), prefixed "amount: ";
//  - to_string() is the input with leading integer zeros and trailing
//    fractional zeros removed, and parses back to the same Amount;
//  - to_string_fixed(decimals) has exactly `decimals` fractional digits and
//    parses back to the same Amount; to_string_fixed is idempotent through
//    parse;
//  - rescaling up and back down is the identity;
//  - Uint128::parse_decimal accepts only digit strings, and to_decimal gives
//    back the digits without leading zeros.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "usd1pay/amount.h"

namespace {

using usd1pay::Amount;
using usd1pay::ErrorCode;
using usd1pay::Uint128;

void check(bool condition) {
  if (!condition) std::abort();
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string strip_leading_zeros(std::string_view s) {
  std::size_t i = 0;
  while (i + 1 < s.size() && s[i] == '0') ++i;
  return std::string(s.substr(i));
}

void fuzz_uint128(std::string_view text) {
  auto r = Uint128::parse_decimal(text);
  if (!r.ok()) {
    // Overflow is only possible for digit strings; anything else is syntax.
    check(r.status().code() == ErrorCode::kInvalidArgument ||
          (r.status().code() == ErrorCode::kOutOfRange && all_digits(text)));
    return;
  }
  check(all_digits(text));
  const std::string printed = r->to_decimal();
  check(printed == strip_leading_zeros(text));
  auto again = Uint128::parse_decimal(printed);
  check(again.ok() && *again == *r);
}

void fuzz_amount(std::string_view text, unsigned decimals) {
  auto r = Amount::parse(text, decimals);

  // The expected outcome, computed without Amount.
  const std::size_t dot = text.find('.');
  const std::string_view int_part = text.substr(0, dot);
  const std::string_view frac_part =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  const bool syntax_ok =
      all_digits(int_part) && (dot == std::string_view::npos || all_digits(frac_part));

  if (!r.ok()) {
    const ErrorCode code = r.status().code();
    check(r.status().message().rfind("amount: ", 0) == 0);
    if (syntax_ok) {
      check(code == ErrorCode::kOutOfRange);
    } else {
      // Bad syntax is reported as such unless decimals itself is invalid.
      check(code == ErrorCode::kInvalidArgument ||
            (code == ErrorCode::kOutOfRange && decimals > Amount::kMaxDecimals));
    }
    return;
  }
  check(syntax_ok);
  check(decimals <= Amount::kMaxDecimals);
  check(frac_part.size() <= decimals);
  const Amount& a = *r;
  check(a.decimals() == decimals);

  // Normalised form: no leading integer zeros, no trailing fractional zeros.
  std::string frac(frac_part);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  std::string expected = strip_leading_zeros(int_part);
  if (!frac.empty()) expected += "." + frac;
  const std::string shortest = a.to_string();
  check(shortest == expected);
  auto back = Amount::parse(shortest, decimals);
  check(back.ok() && *back == a);

  const std::string fixed = a.to_string_fixed(decimals);
  std::string padded(frac_part);
  padded.resize(decimals, '0');
  std::string expected_fixed = strip_leading_zeros(int_part);
  if (decimals > 0) expected_fixed += "." + padded;
  check(fixed == expected_fixed);
  auto back_fixed = Amount::parse(fixed, decimals);
  check(back_fixed.ok() && *back_fixed == a);
  check(back_fixed->to_string_fixed(decimals) == fixed);

  // Growing is exact or overflows; shrinking back restores the value.
  for (unsigned more : {1U, 7U, Amount::kMaxDecimals - decimals}) {
    if (decimals + more > Amount::kMaxDecimals) continue;
    auto grown = a.rescale(decimals + more);
    if (!grown.ok()) {
      check(grown.status().code() == ErrorCode::kOutOfRange);
      continue;
    }
    auto shrunk = grown->rescale(decimals);
    check(shrunk.ok() && *shrunk == a);
  }
  // Shrinking to the number of fractional digits actually used is exact.
  auto tight = a.rescale(static_cast<unsigned>(frac.size()));
  check(tight.ok() && tight->to_string() == shortest);
  if (!frac.empty()) {
    auto lossy = a.rescale(static_cast<unsigned>(frac.size() - 1));
    check(!lossy.ok() && lossy.status().code() == ErrorCode::kOutOfRange);
  }

  // a + a - a == a when the sum fits.
  auto sum = Amount::add(a, a);
  if (sum.ok()) {
    auto diff = Amount::sub(*sum, a);
    check(diff.ok() && *diff == a);
  } else {
    check(sum.status().code() == ErrorCode::kOutOfRange);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned decimals = data[0] % 40U;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);  // NOLINT
  fuzz_amount(text, decimals);
  fuzz_uint128(text);
  return 0;
}
