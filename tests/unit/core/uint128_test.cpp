#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <random>
#include <string>

#include "usd1pay/amount.h"

namespace usd1pay {

// gtest prints failing Uint128 values in decimal rather than as raw bytes.
void PrintTo(const Uint128& v, std::ostream* os) {
  *os << v.to_decimal();
}

namespace {

constexpr std::uint64_t kAllOnes = ~std::uint64_t{0};
const char kMaxDecimal[] = "340282366920938463463374607431768211455";  // 2^128-1

Uint128 parse_ok(const std::string& s) {
  auto r = Uint128::parse_decimal(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().message();
  return r.value_or(Uint128());
}

TEST(Uint128Test, ConstructsAndCompares) {
  EXPECT_TRUE(Uint128().is_zero());
  EXPECT_FALSE(Uint128(1).is_zero());
  EXPECT_FALSE(Uint128(1, 0).is_zero());
  EXPECT_EQ(Uint128::max().hi(), kAllOnes);
  EXPECT_EQ(Uint128::max().lo(), kAllOnes);
  EXPECT_LT(Uint128(0, kAllOnes), Uint128(1, 0));
  EXPECT_LT(Uint128(1, 5), Uint128(1, 6));
  EXPECT_GT(Uint128(2, 0), Uint128(1, kAllOnes));
  EXPECT_LE(Uint128(3), Uint128(3));
  EXPECT_GE(Uint128(3), Uint128(3));
  EXPECT_NE(Uint128(0, 3), Uint128(3, 0));
}

TEST(Uint128Test, AddCarriesFromLowToHighWord) {
  Uint128 out;
  ASSERT_TRUE(Uint128::add(Uint128(0, kAllOnes), Uint128(1), &out));
  EXPECT_EQ(out, Uint128(1, 0));
  ASSERT_TRUE(Uint128::add(Uint128(5, kAllOnes), Uint128(7, kAllOnes), &out));
  EXPECT_EQ(out, Uint128(13, kAllOnes - 1));
  ASSERT_TRUE(Uint128::add(Uint128::max(), Uint128(), &out));
  EXPECT_EQ(out, Uint128::max());
}

TEST(Uint128Test, AddDetectsOverflowAndLeavesOutputUntouched) {
  const Uint128 sentinel(42, 42);
  Uint128 out = sentinel;
  EXPECT_FALSE(Uint128::add(Uint128::max(), Uint128(1), &out));
  EXPECT_EQ(out, sentinel);
  // Overflow that only appears through the carry.
  EXPECT_FALSE(Uint128::add(Uint128(kAllOnes, kAllOnes), Uint128(0, 1), &out));
  EXPECT_FALSE(Uint128::add(Uint128(kAllOnes, 1), Uint128(0, kAllOnes), &out));
  // Overflow in the high word alone.
  EXPECT_FALSE(Uint128::add(Uint128(1ULL << 63, 0), Uint128(1ULL << 63, 0), &out));
  EXPECT_EQ(out, sentinel);
}

TEST(Uint128Test, SubBorrowsAndDetectsUnderflow) {
  Uint128 out;
  ASSERT_TRUE(Uint128::sub(Uint128(1, 0), Uint128(1), &out));
  EXPECT_EQ(out, Uint128(0, kAllOnes));
  ASSERT_TRUE(Uint128::sub(Uint128::max(), Uint128::max(), &out));
  EXPECT_TRUE(out.is_zero());
  const Uint128 sentinel(9, 9);
  out = sentinel;
  EXPECT_FALSE(Uint128::sub(Uint128(0), Uint128(1), &out));
  EXPECT_FALSE(Uint128::sub(Uint128(1, 0), Uint128(1, 1), &out));
  EXPECT_EQ(out, sentinel);
}

TEST(Uint128Test, MulFullWidthAndOverflow) {
  Uint128 out;
  // (2^64-1)^2 = 2^128 - 2^65 + 1
  ASSERT_TRUE(Uint128::mul(Uint128(kAllOnes), Uint128(kAllOnes), &out));
  EXPECT_EQ(out, Uint128(kAllOnes - 1, 1));
  ASSERT_TRUE(Uint128::mul(Uint128(1, 0), Uint128(kAllOnes), &out));
  EXPECT_EQ(out, Uint128(kAllOnes, 0));
  ASSERT_TRUE(Uint128::mul(Uint128::max(), Uint128(1), &out));
  EXPECT_EQ(out, Uint128::max());
  ASSERT_TRUE(Uint128::mul(Uint128::max(), Uint128(), &out));
  EXPECT_TRUE(out.is_zero());
  ASSERT_TRUE(Uint128::mul(Uint128(0x1234, 0x5678), Uint128(0x10), &out));
  EXPECT_EQ(out, Uint128(0x12340, 0x56780));

  const Uint128 sentinel(7, 7);
  out = sentinel;
  EXPECT_FALSE(Uint128::mul(Uint128(1, 0), Uint128(1, 0), &out));
  EXPECT_FALSE(Uint128::mul(Uint128::max(), Uint128(2), &out));
  // The cross term alone overflows.
  EXPECT_FALSE(Uint128::mul(Uint128(1ULL << 32, 0), Uint128(1ULL << 32), &out));
  // Cross term fits but adding the carry of the low product overflows.
  // 0x55..55 * 3 = 2^64-1 exactly; the low product's carry of 2 tips it over.
  EXPECT_FALSE(Uint128::mul(Uint128(0x5555555555555555ULL, kAllOnes), Uint128(3), &out));
  EXPECT_EQ(out, sentinel);
  ASSERT_TRUE(Uint128::mul(Uint128(kAllOnes >> 1, kAllOnes), Uint128(2), &out));
  EXPECT_EQ(out, Uint128(kAllOnes, kAllOnes - 1));
}

TEST(Uint128Test, DivmodBySmallAndWideDivisors) {
  std::uint64_t rem = 99;
  EXPECT_EQ(Uint128::divmod(Uint128(1, 0), 2, &rem), Uint128(1ULL << 63));
  EXPECT_EQ(rem, 0U);
  EXPECT_EQ(Uint128::divmod(Uint128::max(), 10, &rem),
            parse_ok("34028236692093846346337460743176821145"));
  EXPECT_EQ(rem, 5U);
  EXPECT_EQ(Uint128::divmod(Uint128::max(), kAllOnes, &rem), Uint128(1, 1));
  EXPECT_EQ(rem, 0U);
  EXPECT_EQ(Uint128::divmod(Uint128(7), kAllOnes, &rem), Uint128());
  EXPECT_EQ(rem, 7U);
  EXPECT_EQ(Uint128::divmod(Uint128::max(), 10000000000000000000ULL, &rem),
            parse_ok("34028236692093846346"));
  EXPECT_EQ(rem, 3374607431768211455ULL);
  EXPECT_EQ(Uint128::divmod(Uint128(12345), 1, &rem), Uint128(12345));
  EXPECT_EQ(rem, 0U);
}

// q * d + r == a and r < d characterise division exactly; check them on random
// values across both divisor paths (<= 2^32-1 and wider).
TEST(Uint128Test, DivmodPropertyOnRandomValues) {
  std::mt19937_64 rng(20261120);
  for (int i = 0; i < 20000; ++i) {
    const Uint128 a(rng() >> (rng() % 64), rng());
    std::uint64_t d = rng() >> (rng() % 64);
    if (d == 0) d = 1;
    std::uint64_t r = 0;
    const Uint128 q = Uint128::divmod(a, d, &r);
    ASSERT_LT(r, d);
    Uint128 back;
    ASSERT_TRUE(Uint128::mul(q, Uint128(d), &back));
    ASSERT_TRUE(Uint128::add(back, Uint128(r), &back));
    ASSERT_EQ(back, a) << a.to_decimal() << " / " << d;
  }
}

// Multiplication checked against repeated doubling-and-adding, a separate path.
TEST(Uint128Test, MulAgreesWithShiftAndAdd) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    const Uint128 a(rng() >> 40, rng());
    const std::uint64_t b = rng() >> 30;
    Uint128 expected;
    Uint128 addend = a;
    bool overflow = false;
    for (int bit = 0; bit < 64 && !overflow; ++bit) {
      if ((b >> bit) & 1U) overflow = !Uint128::add(expected, addend, &expected);
      if (bit < 63 && (b >> (bit + 1)) != 0 && !overflow)
        overflow = !Uint128::add(addend, addend, &addend);
    }
    Uint128 got;
    const bool ok = Uint128::mul(a, Uint128(b), &got);
    ASSERT_EQ(ok, !overflow);
    if (ok) {
      ASSERT_EQ(got, expected);
    }
  }
}

TEST(Uint128Test, Pow10CoversZeroTo38) {
  Uint128 p;
  ASSERT_TRUE(Uint128::pow10(0, &p));
  EXPECT_EQ(p, Uint128(1));
  std::string digits = "1";
  for (unsigned e = 0; e <= 38; ++e) {
    ASSERT_TRUE(Uint128::pow10(e, &p)) << e;
    EXPECT_EQ(p.to_decimal(), digits) << e;
    digits += '0';
  }
  ASSERT_TRUE(Uint128::pow10(19, &p));
  EXPECT_EQ(p, Uint128(0, 10000000000000000000ULL));
  ASSERT_TRUE(Uint128::pow10(20, &p));
  EXPECT_EQ(p, Uint128(5, 7766279631452241920ULL));
  const Uint128 sentinel(3, 3);
  p = sentinel;
  EXPECT_FALSE(Uint128::pow10(39, &p));
  EXPECT_FALSE(Uint128::pow10(1000, &p));
  EXPECT_EQ(p, sentinel);
}

TEST(Uint128Test, ParseAndPrintMaximum) {
  const Uint128 max = parse_ok(kMaxDecimal);
  EXPECT_EQ(max, Uint128::max());
  EXPECT_EQ(Uint128::max().to_decimal(), kMaxDecimal);
}

TEST(Uint128Test, ParseDecimalValues) {
  EXPECT_EQ(parse_ok("0"), Uint128());
  EXPECT_EQ(parse_ok("000"), Uint128());
  EXPECT_EQ(parse_ok("0000000000000000000000000000000000000000000000000042"), Uint128(42));
  EXPECT_EQ(parse_ok("18446744073709551615"), Uint128(kAllOnes));
  EXPECT_EQ(parse_ok("18446744073709551616"), Uint128(1, 0));
  EXPECT_EQ(parse_ok("1000000000000000000"), Uint128(1000000000000000000ULL));
  EXPECT_EQ(parse_ok("10000000000000000000"), Uint128(10000000000000000000ULL));
}

TEST(Uint128Test, ToDecimalHasNoLeadingZeros) {
  EXPECT_EQ(Uint128().to_decimal(), "0");
  EXPECT_EQ(Uint128(7).to_decimal(), "7");
  EXPECT_EQ(Uint128(1, 0).to_decimal(), "18446744073709551616");
  // A value whose 9-digit groups contain zeros must keep them.
  EXPECT_EQ(parse_ok("100000000000000000000000000001").to_decimal(),
            "100000000000000000000000000001");
}

TEST(Uint128Test, ParseRejectsOverflow) {
  for (const char* s :
       {"340282366920938463463374607431768211456",  // 2^128
        "340282366920938463463374607431768211460", "999999999999999999999999999999999999999",
        "3402823669209384634633746074317682114550"}) {
    auto r = Uint128::parse_decimal(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange) << s;
    EXPECT_EQ(r.status().message(), "integer: exceeds 2^128-1");
  }
}

TEST(Uint128Test, ParseRejectsNonDigitsWithPosition) {
  struct Case {
    const char* input;
    const char* message;
  };
  const Case cases[] = {
      {"", "integer: empty"},
      {"12a4", "integer: bad character 'a' at position 2 (only digits 0-9 are allowed)"},
      {"-1", "integer: bad character '-' at position 0 (only digits 0-9 are allowed)"},
      {"1 ", "integer: bad character ' ' at position 1 (only digits 0-9 are allowed)"},
      {"1.0", "integer: bad character '.' at position 1 (only digits 0-9 are allowed)"},
      {"0x10", "integer: bad character 'x' at position 1 (only digits 0-9 are allowed)"},
      {"5\xff", "integer: bad character byte 0xff at position 1 (only digits 0-9 are allowed)"},
      // A bad character beats overflow: it is the more basic error.
      {"999999999999999999999999999999999999999999x",
       "integer: bad character 'x' at position 42 (only digits 0-9 are allowed)"},
  };
  for (const Case& c : cases) {
    auto r = Uint128::parse_decimal(c.input);
    ASSERT_FALSE(r.ok()) << c.input;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << c.input;
    EXPECT_EQ(r.status().message(), c.message);
  }
}

TEST(Uint128Test, RandomDecimalRoundTrip) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    const Uint128 v(rng() >> (rng() % 64), rng() >> (rng() % 64));
    const std::string s = v.to_decimal();
    ASSERT_EQ(parse_ok(s), v) << s;
    ASSERT_TRUE(s == "0" || s[0] != '0') << s;
  }
}

}  // namespace
}  // namespace usd1pay
