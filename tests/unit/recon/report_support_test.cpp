// The writers' shared helpers: exact signed decimals, integer bar scaling,
// UTC dates, RFC 4180 fields and HTML escaping.
#include "recon/report_support.h"

#include <gtest/gtest.h>

#include <string>

namespace usd1pay {
namespace report_internal {
namespace {

Decimal dec(const std::string& s) {
  auto d = Decimal::parse(s, "x");
  EXPECT_TRUE(d.ok()) << s << ": " << d.status().message();
  return d.value_or(Decimal());
}

std::string sum(const std::string& a, const std::string& b) {
  auto r = Decimal::add(dec(a), dec(b));
  EXPECT_TRUE(r.ok());
  return r.ok() ? r->to_string() : "";
}

TEST(DecimalTest, PrintsAtLeastTwoFractionDigitsAndNoMoreThanNeeded) {
  EXPECT_EQ(dec("25").to_string(), "25.00");
  EXPECT_EQ(dec("25.5").to_string(), "25.50");
  EXPECT_EQ(dec("25.000000000000000000").to_string(), "25.00");
  EXPECT_EQ(dec("0.000000000000000001").to_string(), "0.000000000000000001");
  EXPECT_EQ(dec("-0.5").to_string(), "-0.50");
  EXPECT_EQ(dec("-0").to_string(), "0.00");
  EXPECT_EQ(dec("007.10").to_string(), "7.10");
}

TEST(DecimalTest, AddsAndSubtractsExactlyAcrossScalesAndSigns) {
  EXPECT_EQ(sum("0.1", "0.2"), "0.30");
  EXPECT_EQ(sum("25", "0.000000000000000001"), "25.000000000000000001");
  EXPECT_EQ(sum("-5.25", "5.25"), "0.00");
  EXPECT_EQ(sum("-5.25", "2"), "-3.25");
  EXPECT_EQ(sum("5.25", "-7"), "-1.75");
  EXPECT_EQ(sum("-1", "-1.5"), "-2.50");
  auto d = Decimal::sub(dec("1"), dec("3.5"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->to_string(), "-2.50");
  auto big = Decimal::add(dec("300000000000000000000000000000000000000"),
                          dec("100000000000000000000000000000000000000"));
  EXPECT_EQ(big.status().code(), ErrorCode::kOutOfRange);
}

TEST(DecimalTest, Compares) {
  EXPECT_EQ(Decimal::compare(dec("1.0"), dec("1")), 0);
  EXPECT_EQ(Decimal::compare(dec("1.01"), dec("1.1")), -1);
  EXPECT_EQ(Decimal::compare(dec("-2"), dec("1")), -1);
  EXPECT_EQ(Decimal::compare(dec("-2"), dec("-3")), 1);
  // Beyond 128 bits at the common scale: still ordered right.
  EXPECT_EQ(Decimal::compare(dec("100000000000000000000"),
                             dec("1.00000000000000000000000000000000000001")),
            1);
}

TEST(DecimalTest, RefusesWhatIsNotAnExactDecimal) {
  for (const char* bad : {"", "-", "1e5", "1,000.00", " 1", "1.", ".5", "+1", "--1", "0x10"}) {
    auto d = Decimal::parse(bad, "amount_received");
    EXPECT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().message().rfind("amount_received", 0), 0U) << d.status().message();
  }
  EXPECT_EQ(Decimal::parse("0." + std::string(39, '1'), "x").status().code(),
            ErrorCode::kOutOfRange);
}

TEST(DecimalTest, ScalesBarsOnIntegers) {
  EXPECT_EQ(Decimal::scale_to(dec("100"), dec("200"), 240), 120U);
  EXPECT_EQ(Decimal::scale_to(dec("200"), dec("200.00"), 240), 240U);
  EXPECT_EQ(Decimal::scale_to(dec("66.666666"), dec("200"), 240), 79U);
  EXPECT_EQ(Decimal::scale_to(dec("0"), dec("200"), 240), 0U);
  EXPECT_EQ(Decimal::scale_to(dec("5"), dec("0"), 240), 0U);
  EXPECT_EQ(Decimal::scale_to(dec("0.000000000000000001"), dec("1"), 240), 0U);
  // Huge magnitudes are reduced before multiplying, never overflowing.
  EXPECT_EQ(Decimal::scale_to(dec("150000000000000000000.000000000000000001"),
                              dec("300000000000000000000"), 240),
            120U);
}

TEST(DatesTest, UtcDatesAndDayNumbers) {
  EXPECT_EQ(utc_date(0), "1970-01-01");
  EXPECT_EQ(utc_date(-1), "1969-12-31");
  EXPECT_EQ(utc_date(951782400000), "2000-02-29");
  EXPECT_EQ(utc_date(1772359200000), "2026-03-01");
  EXPECT_EQ(utc_time(1772359200000 + 3723999), "2026-03-01T11:02:03Z");
  EXPECT_EQ(utc_time(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(day_number("1970-01-01"), 0);
  EXPECT_EQ(day_number("2000-03-01"), 11017);
  for (std::int64_t d = -800; d < 200000; d += 7) {
    ASSERT_EQ(day_number(date_of_day(d)), d) << date_of_day(d);
  }
}

TEST(CsvFieldTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(csv_row({"a", "", "b c"}), "a,,b c\r\n");
  EXPECT_EQ(csv_row({"a,b", "say \"hi\"", "x\ny", "r\r", " lead", "trail "}),
            "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"r\r\",\" lead\",\"trail \"\r\n");
  EXPECT_EQ(csv_row({"caf\xC3\xA9"}), "caf\xC3\xA9\r\n");
}

TEST(HtmlEscapeTest, EscapesMarkupAndRepairsBadBytes) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape(std::string("a\0b", 3)),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(html_escape("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x92\xB5"),
            "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x92\xB5");
  // Overlong, surrogate, truncated and stray continuation bytes.
  EXPECT_EQ(html_escape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(html_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(html_escape("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(html_escape("\x80x"), "\xEF\xBF\xBDx");
  EXPECT_EQ(html_escape("\x7F\r"), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(AccountTest, SubstitutesEveryPlaceholder) {
  EXPECT_EQ(substitute_account("A:{chain}:{token}:{chain}", "eip155:1", "USD1"),
            "A:eip155:1:USD1:eip155:1");
  EXPECT_EQ(substitute_account("{chai}{token", "c", "t"), "{chai}{token");
}

}  // namespace
}  // namespace report_internal
}  // namespace usd1pay
