#include "usd1pay/amount.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <random>
#include <string>

namespace usd1pay {

// gtest prints failing Uint128 values in decimal rather than as raw bytes.
void PrintTo(const Uint128& v, std::ostream* os) {
  *os << v.to_decimal();
}

namespace {

constexpr std::uint64_t kAllOnes = ~std::uint64_t{0};

Uint128 u(const std::string& digits) {
  auto r = Uint128::parse_decimal(digits);
  EXPECT_TRUE(r.ok()) << digits;
  return r.value_or(Uint128());
}

Amount amt(const std::string& text, unsigned decimals) {
  auto r = Amount::parse(text, decimals);
  EXPECT_TRUE(r.ok()) << text << " @" << decimals << ": " << r.status().message();
  return r.value_or(Amount());
}

// ---- parse: accepted inputs ----

struct GoodCase {
  const char* text;
  unsigned decimals;
  const char* base_units;
};

TEST(AmountParseTest, AcceptsExactDecimals) {
  const GoodCase cases[] = {
      {"0", 0, "0"},
      {"0", 6, "0"},
      {"0.0", 6, "0"},
      {"25", 0, "25"},
      {"25", 6, "25000000"},
      {"25.00", 6, "25000000"},
      {"25.5", 6, "25500000"},
      {"0.000001", 6, "1"},
      {"007.5", 6, "7500000"},
      {"000000000000000000000000000000000001", 2, "100"},
      {"1.000000", 6, "1000000"},
      {"123456.789012", 6, "123456789012"},
      {"25", 18, "25000000000000000000"},
      {"25.000000000000000001", 18, "25000000000000000001"},
      {"0.000000000000000001", 18, "1"},
      {"18446744073709551615", 0, "18446744073709551615"},
      {"18446744073709551616", 0, "18446744073709551616"},
      {"340282366920938463463374607431768211455", 0, "340282366920938463463374607431768211455"},
      {"340282366920938463463.374607431768211455", 18, "340282366920938463463374607431768211455"},
      {"3.40282366920938463463374607431768211455", 38, "340282366920938463463374607431768211455"},
      {"1", 38, "100000000000000000000000000000000000000"},
      {"0.00000000000000000000000000000000000001", 38, "1"},
      // Leading zeros do not count towards overflow.
      {"0000000000000000000000000000000000000000000000000001.5", 1, "15"},
  };
  for (const GoodCase& c : cases) {
    auto r = Amount::parse(c.text, c.decimals);
    ASSERT_TRUE(r.ok()) << c.text << " @" << c.decimals << ": " << r.status().message();
    EXPECT_EQ(r->base_units(), u(c.base_units)) << c.text << " @" << c.decimals;
    EXPECT_EQ(r->decimals(), c.decimals);
  }
}

// ---- parse: every rejection, with its code and message ----

struct BadCase {
  const char* text;
  unsigned decimals;
  ErrorCode code;
  std::string message;  // exact
};

constexpr ErrorCode kInvalid = ErrorCode::kInvalidArgument;
constexpr ErrorCode kRange = ErrorCode::kOutOfRange;
const char kGrouping[] =
    ": thousands separators and decimal commas are not allowed; write plain digits with '.' as "
    "the decimal point (e.g. 1234.50)";

TEST(AmountParseTest, RejectsEachMalformedFormWithItsOwnMessage) {
  const std::string grouping = kGrouping;
  const BadCase cases[] = {
      {"", 6, kInvalid, "amount: empty"},
      {"-5", 6, kInvalid, "amount: negative amounts are not allowed"},
      {"-0.01", 6, kInvalid, "amount: negative amounts are not allowed"},
      {"+5", 6, kInvalid, "amount: sign '+' at position 0 is not allowed"},
      {"5-", 6, kInvalid, "amount: bad character '-' at position 1"},
      {"1e6", 6, kInvalid,
       "amount: exponent notation ('e' at position 1) is not allowed; write the digits out"},
      {"2.5E3", 6, kInvalid,
       "amount: exponent notation ('E' at position 3) is not allowed; write the digits out"},
      {"1,000.00", 6, kInvalid, "amount: ',' at position 1" + grouping},
      {"25,50", 6, kInvalid, "amount: ',' at position 2" + grouping},
      {"1 000", 6, kInvalid, "amount: space at position 1" + grouping},
      {"1'000", 6, kInvalid, "amount: ''' at position 1" + grouping},
      {"1_000", 6, kInvalid, "amount: '_' at position 1" + grouping},
      {"1\xC2\xA0"
       "000",
       6, kInvalid, "amount: a Unicode space or quote at position 1" + grouping},
      {"12\xE2\x80\xAF"
       "345",
       6, kInvalid, "amount: a Unicode space or quote at position 2" + grouping},
      {"1\xE2\x80\x99"
       "000",
       6, kInvalid, "amount: a Unicode space or quote at position 1" + grouping},
      {"1.2.3", 6, kInvalid, "amount: second '.' at position 3 (the first is at position 1)"},
      {"1..2", 6, kInvalid, "amount: second '.' at position 2 (the first is at position 1)"},
      {".5", 6, kInvalid, "amount: no digit before '.' at position 0"},
      {".", 6, kInvalid, "amount: no digit before '.' at position 0"},
      {"5.", 6, kInvalid, "amount: no digit after '.' at position 1"},
      {" 5", 6, kInvalid, "amount: whitespace at position 0 is not allowed"},
      {"5 ", 6, kInvalid, "amount: whitespace at position 1 is not allowed"},
      {"5\n", 6, kInvalid, "amount: whitespace at position 1 is not allowed"},
      {"5\t0", 6, kInvalid, "amount: whitespace at position 1 is not allowed"},
      {"5. 0", 6, kInvalid, "amount: whitespace at position 2 is not allowed"},
      {"$5", 6, kInvalid, "amount: bad character '$' at position 0"},
      {"5USD", 6, kInvalid, "amount: bad character 'U' at position 1"},
      {"0x10", 6, kInvalid, "amount: bad character 'x' at position 1"},
      {"5.x", 6, kInvalid, "amount: bad character 'x' at position 2"},
      {"NaN", 6, kInvalid, "amount: bad character 'N' at position 0"},
      {"inf", 6, kInvalid, "amount: bad character 'i' at position 0"},
      {"5\x01", 6, kInvalid, "amount: bad character byte 0x01 at position 1"},
      {"\xC2", 6, kInvalid, "amount: bad character byte 0xc2 at position 0"},
      {"1.0000001", 6, kRange, "amount: too many decimal places (7) for a token with 6 decimals"},
      {"1.0000000", 6, kRange, "amount: too many decimal places (7) for a token with 6 decimals"},
      {"1.5", 0, kRange, "amount: too many decimal places (1) for a token with 0 decimals"},
      {"340282366920938463463374607431768211456", 0, kRange,
       "amount: exceeds the largest amount (2^128-1 base units)"},
      {"340282366920938463463.374607431768211456", 18, kRange,
       "amount: exceeds the largest amount (2^128-1 base units)"},
      {"340282366920938463464", 18, kRange,
       "amount: exceeds the largest amount (2^128-1 base units)"},
      {"4", 38, kRange, "amount: exceeds the largest amount (2^128-1 base units)"},
      {"1", 39, kRange, "amount: 39 decimals is more than the maximum of 38"},
      {"abc", 1000, kRange, "amount: 1000 decimals is more than the maximum of 38"},
  };
  for (const BadCase& c : cases) {
    auto r = Amount::parse(c.text, c.decimals);
    ASSERT_FALSE(r.ok()) << c.text << " @" << c.decimals;
    EXPECT_EQ(r.status().code(), c.code) << c.text;
    EXPECT_EQ(r.status().message(), c.message) << "input: " << c.text;
  }
}

TEST(AmountParseTest, GroupingMessagesCarryTheExplanation) {
  auto r = Amount::parse("1,000", 6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), std::string("amount: ',' at position 1") + kGrouping);
}

TEST(AmountParseTest, EmbeddedNulIsABadCharacter) {
  auto r = Amount::parse(std::string_view("5\0"
                                          "1",
                                          3),
                         6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "amount: bad character byte 0x00 at position 1");
}

TEST(AmountParseTest, SyntaxErrorsWinOverRangeErrors) {
  // The first problem from the left is reported, and syntax before range.
  auto r = Amount::parse("1.00000001x", 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "amount: bad character 'x' at position 10");
}

// ---- construction and printing ----

TEST(AmountTest, FromBaseUnits) {
  auto a = Amount::from_base_units(Uint128(25000000), 6);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->to_string(), "25");
  EXPECT_EQ(*a, amt("25", 6));
  EXPECT_TRUE(Amount::from_base_units(Uint128::max(), 38).ok());
  auto bad = Amount::from_base_units(Uint128(1), 39);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(bad.status().message(), "amount: 39 decimals is more than the maximum of 38");
}

TEST(AmountTest, DefaultIsZeroWithZeroDecimals) {
  const Amount a;
  EXPECT_TRUE(a.is_zero());
  EXPECT_EQ(a.decimals(), 0U);
  EXPECT_EQ(a.to_string(), "0");
}

TEST(AmountTest, EqualityNeedsSameDecimals) {
  EXPECT_EQ(amt("1.5", 6), amt("1.500", 6));
  EXPECT_NE(amt("1.5", 6), amt("1.5", 18));
  EXPECT_NE(amt("1.5", 6), amt("1.6", 6));
}

TEST(AmountTest, ToStringIsShortestExact) {
  struct Case {
    const char* units;
    unsigned decimals;
    const char* expected;
  };
  const Case cases[] = {
      {"0", 0, "0"},
      {"0", 6, "0"},
      {"25", 0, "25"},
      {"25000000", 6, "25"},
      {"25500000", 6, "25.5"},
      {"1", 6, "0.000001"},
      {"10", 6, "0.00001"},
      {"1000001", 6, "1.000001"},
      {"100", 2, "1"},
      {"340282366920938463463374607431768211455", 0, "340282366920938463463374607431768211455"},
      {"340282366920938463463374607431768211455", 18, "340282366920938463463.374607431768211455"},
      {"340282366920938463463374607431768211455", 38, "3.40282366920938463463374607431768211455"},
      {"1", 38, "0.00000000000000000000000000000000000001"},
      {"100000000000000000000000000000000000000", 38, "1"},
  };
  for (const Case& c : cases) {
    auto a = Amount::from_base_units(u(c.units), c.decimals);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->to_string(), c.expected) << c.units << " @" << c.decimals;
  }
}

TEST(AmountTest, ToStringFixedPadsToAMinimumOnly) {
  EXPECT_EQ(amt("25", 6).to_string_fixed(2), "25.00");
  EXPECT_EQ(amt("25.125", 6).to_string_fixed(2), "25.125");
  EXPECT_EQ(amt("25.1", 6).to_string_fixed(2), "25.10");
  EXPECT_EQ(amt("0", 6).to_string_fixed(2), "0.00");
  EXPECT_EQ(amt("0.000001", 6).to_string_fixed(2), "0.000001");
  EXPECT_EQ(amt("25", 6).to_string_fixed(6), "25.000000");
  // Capped at the token's decimals.
  EXPECT_EQ(amt("25", 6).to_string_fixed(9), "25.000000");
  EXPECT_EQ(amt("25", 0).to_string_fixed(2), "25");
  EXPECT_EQ(amt("25", 6).to_string_fixed(0), "25");
  EXPECT_EQ(amt("1", 38).to_string_fixed(38), "1.00000000000000000000000000000000000000");
  EXPECT_EQ(amt("0", 38).to_string_fixed(38), "0.00000000000000000000000000000000000000");
}

// ---- rescale ----

TEST(AmountTest, RescaleGrowsExactly) {
  auto r = amt("25.00", 2).rescale(18);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->base_units(), u("25000000000000000000"));
  EXPECT_EQ(r->decimals(), 18U);
  EXPECT_EQ(amt("25.00", 2).rescale(2).value_or(Amount()), amt("25", 2));
  auto r38 = amt("3", 0).rescale(38);
  ASSERT_TRUE(r38.ok());
  EXPECT_EQ(r38->to_string(), "3");
}

TEST(AmountTest, RescaleGrowingCanOverflow) {
  auto r = amt("4", 0).rescale(38);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(r.status().message(),
            "amount: exceeds the largest amount (2^128-1 base units) at 38 decimals");
}

TEST(AmountTest, RescaleShrinksOnlyWhenExact) {
  auto ok = amt("25.5", 18).rescale(2);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->base_units(), Uint128(2550));
  EXPECT_EQ(ok->decimals(), 2U);
  // A shrink across more than 19 decimal places uses several divisions.
  auto far = amt("3", 38).rescale(0);
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(far->base_units(), Uint128(3));
  auto zero = amt("0", 38).rescale(0);
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->is_zero());

  auto lossy = amt("25.125", 6).rescale(2);
  ASSERT_FALSE(lossy.ok());
  EXPECT_EQ(lossy.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(lossy.status().message(),
            "amount: 25.125 cannot be written with 2 decimals without rounding");
  // The non-zero digit is past the first 19-digit step.
  auto deep = amt("1.00000000000000000000000000000000000001", 38).rescale(0);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), ErrorCode::kOutOfRange);
  auto shallow = amt("1.1", 38).rescale(0);
  ASSERT_FALSE(shallow.ok());
  EXPECT_EQ(shallow.status().code(), ErrorCode::kOutOfRange);

  auto bad = amt("1", 6).rescale(39);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(bad.status().message(), "amount: 39 decimals is more than the maximum of 38");
}

// The USD -> USD1 par rule: a fiat amount with 2 decimals rescaled exactly.
TEST(AmountTest, UsdToTokenAtParIsExact) {
  for (unsigned token_decimals : {6U, 18U}) {
    auto token = amt("19.99", 2).rescale(token_decimals);
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(token->to_string_fixed(2), "19.99");
    EXPECT_EQ(token->rescale(2).value_or(Amount()), amt("19.99", 2));
  }
}

// ---- add / sub ----

TEST(AmountTest, AddAndSub) {
  auto sum = Amount::add(amt("1.5", 6), amt("2.25", 6));
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->to_string(), "3.75");
  auto diff = Amount::sub(amt("3.75", 6), amt("2.25", 6));
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->to_string(), "1.5");
  auto zero = Amount::sub(amt("2", 6), amt("2", 6));
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->is_zero());
  // Carry across the 64-bit word boundary.
  auto big = Amount::add(amt("18446744073709551615", 0), amt("1", 0));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->base_units(), Uint128(1, 0));
}

TEST(AmountTest, AddOverflows) {
  auto max = Amount::from_base_units(Uint128::max(), 6);
  ASSERT_TRUE(max.ok());
  auto r = Amount::add(*max, amt("0.000001", 6));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(r.status().message(),
            "amount: exceeds the largest amount (2^128-1 base units) in a sum");
  EXPECT_TRUE(Amount::add(*max, amt("0", 6)).ok());
}

TEST(AmountTest, SubUnderflows) {
  auto r = Amount::sub(amt("1.5", 6), amt("2", 6));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(r.status().message(), "amount: difference would be negative (1.5 - 2)");
}

TEST(AmountTest, MismatchedDecimalsAreRefused) {
  auto s = Amount::add(amt("1", 6), amt("1", 18));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(), "amount: cannot add amounts with different decimals (6 and 18)");
  auto d = Amount::sub(amt("1", 18), amt("1", 6));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(d.status().message(),
            "amount: cannot subtract amounts with different decimals (18 and 6)");
}

// ---- properties ----

// Random values at random decimals: to_string parses back to the same value,
// and so does to_string_fixed; to_string carries no redundant zeros.
TEST(AmountPropertyTest, PrintParseRoundTrip) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const unsigned decimals = static_cast<unsigned>(rng() % (Amount::kMaxDecimals + 1));
    const Uint128 units(rng() >> (rng() % 64), rng() >> (rng() % 64));
    auto a = Amount::from_base_units(units, decimals);
    ASSERT_TRUE(a.ok());
    const std::string s = a->to_string();
    auto back = Amount::parse(s, decimals);
    ASSERT_TRUE(back.ok()) << s << ": " << back.status().message();
    ASSERT_EQ(*back, *a) << s;
    if (s.find('.') != std::string::npos) {
      ASSERT_NE(s.back(), '0') << s;
    }
    ASSERT_TRUE(s.size() == 1 || s[0] != '0' || s[1] == '.') << s;
    const unsigned min_frac = static_cast<unsigned>(rng() % 40);
    auto fixed = Amount::parse(a->to_string_fixed(min_frac), decimals);
    ASSERT_TRUE(fixed.ok()) << a->to_string_fixed(min_frac);
    ASSERT_EQ(*fixed, *a);
  }
}

// Random digit strings: the parsed value equals integer * 10^d + fraction
// computed independently with Uint128 arithmetic.
TEST(AmountPropertyTest, ParseMatchesIndependentComputation) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 20000; ++i) {
    const unsigned decimals = static_cast<unsigned>(rng() % 19);
    std::string int_part = std::to_string(rng() % 1000000000ULL);
    const unsigned frac_len = decimals == 0 ? 0 : static_cast<unsigned>(rng() % (decimals + 1));
    std::string frac;
    for (unsigned k = 0; k < frac_len; ++k) frac += static_cast<char>('0' + rng() % 10);
    const std::string text = frac.empty() ? int_part : int_part + "." + frac;
    Uint128 expected;
    Uint128 scale;
    ASSERT_TRUE(Uint128::pow10(decimals, &scale));
    ASSERT_TRUE(Uint128::mul(u(int_part), scale, &expected));
    if (!frac.empty()) {
      Uint128 frac_scale;
      ASSERT_TRUE(Uint128::pow10(decimals - frac_len, &frac_scale));
      Uint128 frac_units;
      ASSERT_TRUE(Uint128::mul(u(frac), frac_scale, &frac_units));
      ASSERT_TRUE(Uint128::add(expected, frac_units, &expected));
    }
    auto a = Amount::parse(text, decimals);
    ASSERT_TRUE(a.ok()) << text;
    ASSERT_EQ(a->base_units(), expected) << text << " @" << decimals;
  }
}

TEST(AmountPropertyTest, MaxAtEveryDecimalsRoundTrips) {
  for (unsigned d = 0; d <= Amount::kMaxDecimals; ++d) {
    auto a = Amount::from_base_units(Uint128::max(), d);
    ASSERT_TRUE(a.ok());
    auto back = Amount::parse(a->to_string(), d);
    ASSERT_TRUE(back.ok()) << d;
    EXPECT_EQ(back->base_units(), Uint128::max());
    // One more base unit, written out, must overflow.
    auto over = Amount::add(*a, Amount::from_base_units(Uint128(1), d).value_or(Amount()));
    EXPECT_EQ(over.status().code(), ErrorCode::kOutOfRange);
  }
  EXPECT_EQ(Uint128(kAllOnes, kAllOnes), Uint128::max());
}

}  // namespace
}  // namespace usd1pay
