// The settlement summary writer: groups per UTC day, chain, token and status;
// per-status and grand totals; exact signed sums; escaping; bad input.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "report_test_util.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

using testing_recon::csv_maps;
using testing_recon::kDay1;
using testing_recon::kDayMs;
using testing_recon::no_payment;
using testing_recon::payment;
using testing_recon::run_writer;

const char kHeader[] =
    "row_type,date,chain,token,status,count,amount_expected,amount_received,difference,"
    "amount_booked\r\n";

std::vector<std::string> row(const std::map<std::string, std::string>& m) {
  return {
      m.at("row_type"),   m.at("date"),         m.at("chain"),           m.at("token"),
      m.at("status"),     m.at("count"),        m.at("amount_expected"), m.at("amount_received"),
      m.at("difference"), m.at("amount_booked")};
}

ReconRecord with_diff(ReconRecord r, const std::string& diff) {
  r.difference = diff;
  return r;
}

TEST(SummaryTest, EmptyStreamGivesZeroTotalsForEveryStatus) {
  auto out = run_writer(make_summary_writer, {});
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.text.rfind(kHeader, 0), 0U);
  auto rows = csv_maps(out.text);
  ASSERT_EQ(rows.size(), 14U + 1U);
  EXPECT_EQ(row(rows[0]), (std::vector<std::string>{"status_total", "", "", "", "matched", "0",
                                                    "0.00", "0.00", "0.00", "0.00"}));
  EXPECT_EQ(rows[12].at("status"), "wrong_network");
  EXPECT_EQ(rows[13].at("status"), "order_mismatch");
  EXPECT_EQ(row(rows[14]), (std::vector<std::string>{"grand_total", "", "", "", "", "0", "0.00",
                                                     "0.00", "0.00", "0.00"}));
}

TEST(SummaryTest, GroupsByDayChainTokenStatusInOrder) {
  auto base = payment(ReconStatus::kOverpaid, "25.00", "30.00", "0x1");
  auto other_chain = payment(ReconStatus::kMatched, "10.00", "10.00", "0x2");
  other_chain.chain = "eip155:8453";
  const std::int64_t midnight = kDay1 + 14 * 3600 * 1000;  // 2026-03-02T00:00:00Z
  auto last_ms = payment(ReconStatus::kMatched, "10", "10", "0x3", midnight - 1);
  auto next_day = payment(ReconStatus::kMatched, "10", "10", "0x4", midnight);
  std::vector<ReconRecord> records = {
      with_diff(base, "5.00"),
      with_diff(payment(ReconStatus::kUnderpaid, "25.00", "20.5", "0x5"), "-4.50"),
      with_diff(payment(ReconStatus::kUnderpaid, "25.00", "24.5", "0x6"), "-0.50"),
      with_diff(other_chain, "0.00"),
      with_diff(last_ms, "0"),
      with_diff(next_day, "0"),
      no_payment(ReconStatus::kExpiredUnpaid, "7.00"),
  };
  auto out = run_writer(make_summary_writer, records);
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  auto rows = csv_maps(out.text);
  using V = std::vector<std::string>;
  ASSERT_GE(rows.size(), 5U);
  EXPECT_EQ(row(rows[0]), (V{"group", "2026-03-01", "eip155:1", "USD1", "matched", "1", "10.00",
                             "10.00", "0.00", "10.00"}));
  EXPECT_EQ(row(rows[1]), (V{"group", "2026-03-01", "eip155:1", "USD1", "underpaid", "2", "50.00",
                             "45.00", "-5.00", "45.00"}));
  EXPECT_EQ(row(rows[2]), (V{"group", "2026-03-01", "eip155:1", "USD1", "overpaid", "1", "25.00",
                             "30.00", "5.00", "30.00"}));
  EXPECT_EQ(row(rows[3]), (V{"group", "2026-03-01", "eip155:1", "USD1", "expired_unpaid", "1",
                             "7.00", "0.00", "0.00", "0.00"}));
  EXPECT_EQ(row(rows[4]), (V{"group", "2026-03-01", "eip155:8453", "USD1", "matched", "1", "10.00",
                             "10.00", "0.00", "10.00"}));
  EXPECT_EQ(row(rows[5]), (V{"group", "2026-03-02", "eip155:1", "USD1", "matched", "1", "10.00",
                             "10.00", "0.00", "10.00"}));
  ASSERT_EQ(rows.size(), 6U + 14U + 1U);
  EXPECT_EQ(row(rows[6]),
            (V{"status_total", "", "", "", "matched", "3", "30.00", "30.00", "0.00", "30.00"}));
  EXPECT_EQ(row(rows[7]),
            (V{"status_total", "", "", "", "underpaid", "2", "50.00", "45.00", "-5.00", "45.00"}));
  EXPECT_EQ(row(rows.back()),
            (V{"grand_total", "", "", "", "", "7", "112.00", "105.00", "0.00", "105.00"}));
}

TEST(SummaryTest, BookedLeavesOutWhatTheJournalLeavesOut) {
  auto orphan = payment(ReconStatus::kOrphaned, "25.00", "25.00", "0x1");
  auto pending = payment(ReconStatus::kUnpaid, "25.00", "25.00", "0x2");
  pending.final = false;
  auto amb = payment(ReconStatus::kAmbiguous, "", "3.00", "0x3");
  auto amb_again = amb;  // the same payment listed twice in a row: booked once
  amb_again.intent_id = "pi_9";
  auto out = run_writer(make_summary_writer, {orphan, pending, amb, amb_again});
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  auto rows = csv_maps(out.text);
  auto grand = rows.back();
  EXPECT_EQ(grand.at("count"), "4");
  EXPECT_EQ(grand.at("amount_received"), "56.00");
  EXPECT_EQ(grand.at("amount_booked"), "3.00");
}

TEST(SummaryTest, HostileDimensionsAreQuoted) {
  auto r = payment(ReconStatus::kMatched, "1", "1");
  r.chain = "eip155:1,\"x\"\r\n";
  r.token_symbol = "US D1";
  auto out = run_writer(make_summary_writer, {r});
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  auto rows = csv_maps(out.text);
  EXPECT_EQ(rows.at(0).at("chain"), r.chain);
  EXPECT_EQ(rows.at(0).at("token"), "US D1");
}

TEST(SummaryTest, BadAmountsNameTheRecordAndField) {
  auto bad = payment(ReconStatus::kUnderpaid, "25.00", "20.00");
  bad.difference = "5e1";
  auto out = run_writer(make_summary_writer, {payment(ReconStatus::kMatched, "1", "1"), bad});
  EXPECT_EQ(out.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(out.status.message().rfind("summary: record 2 (underpaid): difference: ", 0), 0U)
      << out.status.message();
  EXPECT_EQ(out.text, "");  // nothing written before finish
}

TEST(SummaryTest, SameInputSameBytes) {
  std::vector<ReconRecord> records;
  for (int i = 0; i < 50; ++i) {
    records.push_back(payment(i % 3 ? ReconStatus::kMatched : ReconStatus::kPaidLate, "2.5", "2.5",
                              "0x" + std::to_string(i), kDay1 + i * kDayMs / 7));
  }
  auto a = run_writer(make_summary_writer, records);
  auto b = run_writer(make_summary_writer, records);
  ASSERT_TRUE(a.status.ok());
  EXPECT_EQ(a.text, b.text);
}

}  // namespace
}  // namespace usd1pay
