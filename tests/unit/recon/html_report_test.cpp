// The HTML settlement report: structure (exceptions first), escaping of
// hostile strings, the exception cap, integer bar heights, self-containment.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "report_test_util.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

using testing_recon::kDay1;
using testing_recon::kDayMs;
using testing_recon::no_payment;
using testing_recon::payment;
using testing_recon::run_writer;

std::string render(const std::vector<ReconRecord>& records) {
  auto out = run_writer(make_html_report_writer, records);
  EXPECT_TRUE(out.status.ok()) << out.status.message();
  return out.text;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// The (height, title) of every bar, in order.
std::vector<std::pair<int, std::string>> bars(const std::string& html) {
  std::vector<std::pair<int, std::string>> out;
  const std::regex re(
      "<rect x=\"\\d+\" y=\"\\d+\" width=\"\\d+\" height=\"(\\d+)\" "
      "fill=\"#2f6fb0\"><title>([^<]*)</title></rect>");
  for (std::sregex_iterator it(html.begin(), html.end(), re), end; it != end; ++it) {
    out.emplace_back(std::stoi((*it)[1]), (*it)[2]);
  }
  return out;
}

TEST(HtmlReportTest, EmptyReportIsAWholeDocument) {
  const std::string html = render({});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0U);
  EXPECT_NE(html.find("No records in the period."), std::string::npos);
  EXPECT_NE(html.find("Every record is matched."), std::string::npos);
  EXPECT_NE(html.find("</html>\n"), std::string::npos);
}

TEST(HtmlReportTest, ExceptionsComeFirstAndListOnlyWhatIsNotMatched) {
  auto m = payment(ReconStatus::kMatched, "25.00", "25.00", "0xmatched");
  auto late = payment(ReconStatus::kPaidLate, "25.00", "25.00", "0xlate");
  auto unpaid = no_payment(ReconStatus::kUnpaid, "12.00");
  unpaid.order_id = "ord-unpaid";
  const std::string html = render({m, late, unpaid});
  const auto exc = html.find("<h2 id=\"exceptions\">Exceptions (2)</h2>");
  const auto chart = html.find("<h2 id=\"chart\">");
  const auto totals = html.find("<h2 id=\"totals\">");
  const auto status_totals = html.find("<h2 id=\"status-totals\">");
  ASSERT_NE(exc, std::string::npos);
  EXPECT_LT(exc, chart);
  EXPECT_LT(chart, totals);
  EXPECT_LT(totals, status_totals);
  const std::string list = html.substr(exc, chart - exc);
  EXPECT_NE(list.find("0xlate"), std::string::npos);
  EXPECT_NE(list.find("ord-unpaid"), std::string::npos);
  EXPECT_EQ(list.find("0xmatched"), std::string::npos);
  EXPECT_EQ(html.find("exceptions-more"), std::string::npos);
  // Key figures and the grand total (booked: matched + late = 50.00).
  EXPECT_NE(html.find("<tr><th>amount booked (final receipts)</th><td class=\"n\">50.00</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr class=\"total\" id=\"grand-total\"><td>all</td><td class=\"n\">3</td>"
                      "<td class=\"n\">62.00</td><td class=\"n\">50.00</td>"),
            std::string::npos);
}

TEST(HtmlReportTest, HostileStringsAreEscapedEverywhere) {
  auto r = payment(ReconStatus::kOverpaid, "1", "2");
  r.order_id = "<script>alert(\"x\")</script>&'";
  r.intent_id = "pi_\"><img src=x onerror=alert(1)>";
  r.chain = "eip155:1<b>";
  r.token_symbol = "U\xFF\xC0 D1\x01";  // invalid UTF-8 and a control byte
  const std::string html = render({r});
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"),
            std::string::npos);
  EXPECT_NE(html.find("pi_&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("U\xEF\xBF\xBD\xEF\xBF\xBD D1\xEF\xBF\xBD"), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
  EXPECT_EQ(html.find('\xFF'), std::string::npos);
  // Valid UTF-8 is kept as is.
  r.order_id = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x92\xB5";
  EXPECT_NE(render({r}).find(r.order_id), std::string::npos);
}

TEST(HtmlReportTest, SelfContainedAndScriptFree) {
  std::vector<ReconRecord> records;
  for (int i = 0; i < 20; ++i) {
    records.push_back(payment(i % 4 ? ReconStatus::kMatched : ReconStatus::kUnmatchedTransfer, "5",
                              "5", "0x" + std::to_string(i), kDay1 + i * kDayMs));
  }
  const std::string html = render(records);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  // The only URL is the SVG namespace name, which is never fetched.
  EXPECT_EQ(count_of(html, "http://"), 1U);
  EXPECT_EQ(count_of(html, "https://"), 0U);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
}

TEST(HtmlReportTest, ExceptionListIsCappedAndTheRestCounted) {
  std::vector<ReconRecord> records;
  for (int i = 0; i < 1005; ++i) {
    records.push_back(payment(ReconStatus::kDuplicatePayment, "1", "1", "0x" + std::to_string(i)));
  }
  const std::string html = render(records);
  EXPECT_NE(html.find("Exceptions (1005)"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"bad\" id=\"exceptions-more\">5 more exceptions not listed (the "
                      "first 1000 are)"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"id\">0x999</td>"), std::string::npos);
  EXPECT_EQ(html.find("<td class=\"id\">0x1000</td>"), std::string::npos);
  EXPECT_EQ(count_of(html, "<td>duplicate_payment</td>"), 1000U + 1U /*group*/ + 1U /*status*/);
}

TEST(HtmlReportTest, BarHeightsAreIntegerShareOfTheBusiestDay) {
  // Day 1: 200.00; day 2: nothing (a gap); day 3: 100.00; day 4: 0.01;
  // day 5: 66.666666 (240 * 66.666666 / 200 = 79.99..., floor 79).
  std::vector<ReconRecord> records = {
      payment(ReconStatus::kMatched, "200", "200", "0x1", kDay1),
      payment(ReconStatus::kMatched, "60", "60", "0x2", kDay1 + 2 * kDayMs),
      payment(ReconStatus::kOverpaid, "30", "40", "0x3", kDay1 + 2 * kDayMs),
      payment(ReconStatus::kMatched, "0.01", "0.01", "0x4", kDay1 + 3 * kDayMs),
      payment(ReconStatus::kMatched, "66.666666", "66.666666", "0x5", kDay1 + 4 * kDayMs),
      no_payment(ReconStatus::kExpiredUnpaid, "999", kDay1 + 4 * kDayMs),
  };
  const std::string html = render(records);
  using B = std::vector<std::pair<int, std::string>>;
  EXPECT_EQ(bars(html), (B{{240, "2026-03-01: 200.00 USD1 booked"},
                           {0, "2026-03-02: 0.00 USD1 booked"},
                           {120, "2026-03-03: 100.00 USD1 booked"},
                           {1, "2026-03-04: 0.01 USD1 booked"},
                           {79, "2026-03-05: 66.666666 USD1 booked"}}));
  // The y axis says the exact maximum.
  EXPECT_NE(html.find("text-anchor=\"end\">200.00</text>"), std::string::npos);
}

TEST(HtmlReportTest, LongSpansChartOnlyDaysWithRecords) {
  std::vector<ReconRecord> records = {
      payment(ReconStatus::kMatched, "1", "1", "0x1", kDay1),
      payment(ReconStatus::kMatched, "2", "2", "0x2", kDay1 + 500 * kDayMs),
  };
  const auto b = bars(render(records));
  ASSERT_EQ(b.size(), 2U);
  EXPECT_EQ(b[0].first, 120);
  EXPECT_EQ(b[1].first, 240);
}

TEST(HtmlReportTest, BadRecordFailsTheReportNamingIt) {
  auto bad = payment(ReconStatus::kMatched, "1", "x");
  auto out = run_writer(make_html_report_writer, {bad});
  EXPECT_EQ(out.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(out.status.message().rfind("html report: record 1 (matched): amount_received: ", 0), 0U)
      << out.status.message();
  EXPECT_EQ(out.text, "");
}

}  // namespace
}  // namespace usd1pay
