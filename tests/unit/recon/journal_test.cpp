// The double-entry journal writer: lines per status, balance per journal and
// per file, exact amounts, escaping, and refusal of contradictory records.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "report_test_util.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

using testing_recon::csv_maps;
using testing_recon::journal;
using testing_recon::no_payment;
using testing_recon::parse_csv;
using testing_recon::payment;
using testing_recon::run_writer;

using Lines = std::vector<std::map<std::string, std::string>>;

const char kHeader[] =
    "journal_id,line,date,account,debit,credit,currency,status,order_id,intent_id,payment_id,"
    "chain,token,tx_hash,log_index,memo\r\n";
const char kWallet[] = "Assets:Stablecoin:eip155:1:USD1";
const char kReceivable[] = "Assets:Accounts Receivable";
const char kCredit[] = "Liabilities:Customer Credits";
const char kUnapplied[] = "Liabilities:Unapplied Receipts";

Lines lines_of(const std::vector<ReconRecord>& records) {
  auto out = run_writer(journal, records);
  EXPECT_TRUE(out.status.ok()) << out.status.message();
  EXPECT_EQ(out.text.rfind(kHeader, 0), 0U) << out.text;
  return csv_maps(out.text);
}

// (account, debit, credit) of each line.
std::vector<std::vector<std::string>> entries(const Lines& lines) {
  std::vector<std::vector<std::string>> out;
  for (const auto& l : lines) out.push_back({l.at("account"), l.at("debit"), l.at("credit")});
  return out;
}

TEST(JournalTest, EmptyStreamIsJustTheHeader) {
  auto out = run_writer(journal, {});
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.text, kHeader);
}

TEST(JournalTest, MatchedDebitsWalletCreditsReceivable) {
  auto lines = lines_of({payment(ReconStatus::kMatched, "25.00", "25.00")});
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(entries(lines), (V{{kWallet, "25.00", ""}, {kReceivable, "", "25.00"}}));
  ASSERT_EQ(lines.size(), 2U);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    EXPECT_EQ(l.at("journal_id"), lines[0].at("journal_id"));
    EXPECT_EQ(l.at("line"), std::to_string(i + 1));
    EXPECT_EQ(l.at("date"), "2026-03-01");
    EXPECT_EQ(l.at("currency"), "USD");
    EXPECT_EQ(l.at("status"), "matched");
    EXPECT_EQ(l.at("order_id"), "ord-1");
    EXPECT_EQ(l.at("intent_id"), "pi_1");
    EXPECT_EQ(l.at("payment_id"), "py_0xaa01");
    EXPECT_EQ(l.at("chain"), "eip155:1");
    EXPECT_EQ(l.at("token"), "USD1");
    EXPECT_EQ(l.at("tx_hash"), "0xaa01");
    EXPECT_EQ(l.at("log_index"), "0");
  }
  const std::string id = lines[0].at("journal_id");
  EXPECT_EQ(id.size(), 4U + 24U);
  EXPECT_EQ(id.rfind("jnl_", 0), 0U);
}

TEST(JournalTest, OverpaidSplitsReceivableAndCustomerCredit) {
  auto lines = lines_of({payment(ReconStatus::kOverpaid, "25.00", "30.5")});
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(entries(lines),
            (V{{kWallet, "30.50", ""}, {kReceivable, "", "25.00"}, {kCredit, "", "5.50"}}));
}

TEST(JournalTest, UnderpaidCreditsReceivedAndSaysWhatIsStillDue) {
  auto lines = lines_of({payment(ReconStatus::kUnderpaid, "25.00", "20.01")});
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(entries(lines), (V{{kWallet, "20.01", ""}, {kReceivable, "", "20.01"}}));
  EXPECT_NE(lines.at(1).at("memo").find("4.99 still due"), std::string::npos)
      << lines.at(1).at("memo");
}

TEST(JournalTest, MatchedWithinToleranceAboveDueCreditsTheExcess) {
  auto lines = lines_of({payment(ReconStatus::kMatched, "25", "25.000001")});
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(entries(lines),
            (V{{kWallet, "25.000001", ""}, {kReceivable, "", "25.00"}, {kCredit, "", "0.000001"}}));
}

// The reconciler's records of one intent paid in several payments: the
// difference is cumulative (received so far for the intent minus due).
ReconRecord part(ReconStatus s, const std::string& expected, const std::string& received,
                 const std::string& difference, const std::string& tx) {
  ReconRecord r = payment(s, expected, received, tx);
  r.difference = difference;
  return r;
}

TEST(JournalTest, OverpaymentSplitAcrossPaymentsCreditsReceivableOnlyTheAmountDue) {
  // Due 10: pays 6 (matched, 4 still due) then 6 (overpaid by 2).
  auto lines = lines_of({part(ReconStatus::kMatched, "10.00", "6.00", "-4.00", "0xa1"),
                         part(ReconStatus::kOverpaid, "10.00", "6.00", "2.00", "0xa2")});
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(entries(lines), (V{{kWallet, "6.00", ""},
                               {kReceivable, "", "6.00"},
                               {kWallet, "6.00", ""},
                               {kReceivable, "", "4.00"},
                               {kCredit, "", "2.00"}}));
  EXPECT_NE(lines.at(1).at("memo").find("4.00 still due"), std::string::npos)
      << lines.at(1).at("memo");
  EXPECT_EQ(lines.at(3).at("memo").find("still due"), std::string::npos) << lines.at(3).at("memo");
}

TEST(JournalTest, SplitPaymentsBookTheSameWhetherExportedTogetherOrByPeriod) {
  // The second payment alone (an export of the next day only) books what it
  // books in the full export: 4 to receivable, 2 to customer credit.
  auto lines = lines_of({part(ReconStatus::kOverpaid, "10.00", "6.00", "2.00", "0xa2")});
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(entries(lines),
            (V{{kWallet, "6.00", ""}, {kReceivable, "", "4.00"}, {kCredit, "", "2.00"}}));
}

TEST(JournalTest, UnderpaymentSplitAcrossPaymentsSaysWhatIsStillDueAfterEach) {
  auto lines = lines_of({part(ReconStatus::kUnderpaid, "10.00", "3.00", "-7.00", "0xa1"),
                         part(ReconStatus::kUnderpaid, "10.00", "4.00", "-3.00", "0xa2")});
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(entries(lines), (V{{kWallet, "3.00", ""},
                               {kReceivable, "", "3.00"},
                               {kWallet, "4.00", ""},
                               {kReceivable, "", "4.00"}}));
  EXPECT_NE(lines.at(1).at("memo").find("7.00 still due"), std::string::npos);
  EXPECT_NE(lines.at(3).at("memo").find("3.00 still due"), std::string::npos);
}

TEST(JournalTest, PaymentAfterTheDueWasCoveredIsAllCustomerCredit) {
  // Due 10: 10 (matched, difference 0), then 5 more recorded as overpaid.
  auto lines = lines_of({part(ReconStatus::kMatched, "10.00", "10.00", "0.00", "0xa1"),
                         part(ReconStatus::kOverpaid, "10.00", "5.00", "5.00", "0xa2")});
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(entries(lines), (V{{kWallet, "10.00", ""},
                               {kReceivable, "", "10.00"},
                               {kWallet, "5.00", ""},
                               {kCredit, "", "5.00"}}));
}

TEST(JournalTest, DifferenceThatContradictsTheAmountReceivedIsRefused) {
  // Received so far (expected + difference = 3) cannot be below this row's 6.
  auto out = run_writer(journal, {part(ReconStatus::kOverpaid, "10.00", "6.00", "-7.00", "0xa1")});
  EXPECT_EQ(out.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(out.status.message(),
            "journal: record 1 (overpaid): difference -7.00 puts the intent's received total at "
            "3.00, below this payment's 6.00");
  auto bad = run_writer(journal, {part(ReconStatus::kMatched, "10.00", "6.00", "4,0", "0xa1")});
  EXPECT_EQ(bad.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status.message().rfind("journal: record 1 (matched): difference: ", 0), 0U)
      << bad.status.message();
}

TEST(JournalTest, LateDuplicateAndWrongNetworkAreOwedToTheCustomer) {
  for (ReconStatus s :
       {ReconStatus::kPaidLate, ReconStatus::kDuplicatePayment, ReconStatus::kWrongNetwork}) {
    auto lines = lines_of({payment(s, "25.00", "25.00")});
    using V = std::vector<std::vector<std::string>>;
    EXPECT_EQ(entries(lines), (V{{kWallet, "25.00", ""}, {kCredit, "", "25.00"}}))
        << static_cast<int>(s);
  }
}

TEST(JournalTest, UnknownPayerReceiptsAreUnapplied) {
  for (ReconStatus s : {ReconStatus::kUnmatchedTransfer, ReconStatus::kAmbiguous,
                        ReconStatus::kIntentWithoutOrder}) {
    auto r = payment(s, "", "7.25");
    if (s == ReconStatus::kUnmatchedTransfer) r.order_id = r.intent_id = "";
    auto lines = lines_of({r});
    using V = std::vector<std::vector<std::string>>;
    EXPECT_EQ(entries(lines), (V{{kWallet, "7.25", ""}, {kUnapplied, "", "7.25"}}))
        << static_cast<int>(s);
  }
}

TEST(JournalTest, RecordsThatMoveNoMoneyBookNothing) {
  auto orphan = payment(ReconStatus::kOrphaned, "25.00", "25.00");  // even if it was final
  auto pending = payment(ReconStatus::kMatched, "25.00", "25.00", "0xaa02");
  pending.final = false;
  auto pending_unpaid = payment(ReconStatus::kUnpaid, "25.00", "25.00", "0xaa03");
  pending_unpaid.final = false;
  auto zero = payment(ReconStatus::kUnmatchedTransfer, "", "0.000", "0xaa04");
  auto out = run_writer(
      journal, {orphan, pending, pending_unpaid, zero, no_payment(ReconStatus::kUnpaid, "10.00"),
                no_payment(ReconStatus::kExpiredUnpaid, "10.00"),
                no_payment(ReconStatus::kOrderWithoutIntent, "10.00"),
                no_payment(ReconStatus::kIntentWithoutOrder, "10.00")});
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  EXPECT_EQ(out.text, kHeader);
}

TEST(JournalTest, EveryStatusInOneFileBalancesPerJournalAndPerFile) {
  std::vector<ReconRecord> records;
  int n = 0;
  for (ReconStatus s :
       {ReconStatus::kMatched, ReconStatus::kUnderpaid, ReconStatus::kOverpaid,
        ReconStatus::kUnpaid, ReconStatus::kExpiredUnpaid, ReconStatus::kPaidLate,
        ReconStatus::kDuplicatePayment, ReconStatus::kUnmatchedTransfer, ReconStatus::kOrphaned,
        ReconStatus::kOrderWithoutIntent, ReconStatus::kIntentWithoutOrder, ReconStatus::kAmbiguous,
        ReconStatus::kWrongNetwork}) {
    const std::string tx = "0xbb" + std::to_string(++n);
    const bool has_payment = s != ReconStatus::kUnpaid && s != ReconStatus::kExpiredUnpaid &&
                             s != ReconStatus::kOrderWithoutIntent;
    records.push_back(has_payment
                          ? payment(s, "10.00", s == ReconStatus::kOverpaid ? "12.345" : "9.5", tx)
                          : no_payment(s, "10.00"));
    if (s == ReconStatus::kMatched) records.back().amount_received = "10.00";
    if (s == ReconStatus::kMatched) records.back().fiat_amount_at_par = "10.00";
  }
  auto lines = lines_of(records);
  // Journals: matched, underpaid, overpaid, paid_late, duplicate, unmatched,
  // intent_without_order, ambiguous, wrong_network.
  std::map<std::string, std::pair<long long, long long>> per_journal;  // in 1/1000
  auto milli = [](const std::string& s) {
    if (s.empty()) return 0LL;
    const auto dot = s.find('.');
    std::string frac = s.substr(dot + 1);
    frac.resize(3, '0');
    return std::stoll(s.substr(0, dot)) * 1000 + std::stoll(frac);
  };
  long long debit = 0;
  long long credit = 0;
  for (const auto& l : lines) {
    per_journal[l.at("journal_id")].first += milli(l.at("debit"));
    per_journal[l.at("journal_id")].second += milli(l.at("credit"));
    debit += milli(l.at("debit"));
    credit += milli(l.at("credit"));
    EXPECT_TRUE(l.at("debit").empty() != l.at("credit").empty()) << "one side per line";
  }
  EXPECT_EQ(per_journal.size(), 9U);
  for (const auto& [id, dc] : per_journal) EXPECT_EQ(dc.first, dc.second) << id;
  EXPECT_EQ(debit, credit);
  EXPECT_EQ(debit, 10000 + 9500 + 12345 + 9500 * 6);
}

TEST(JournalTest, AmountsStayExactAtEighteenDecimals) {
  auto lines =
      lines_of({payment(ReconStatus::kOverpaid, "25.000000000000000000", "25.000000000000000001")});
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(entries(lines), (V{{kWallet, "25.000000000000000001", ""},
                               {kReceivable, "", "25.00"},
                               {kCredit, "", "0.000000000000000001"}}));
}

TEST(JournalTest, OnePaymentListedTwiceInARowIsBookedOnce) {
  auto a = payment(ReconStatus::kAmbiguous, "25.00", "25.00");
  auto b = a;
  b.intent_id = "pi_other";
  auto c = payment(ReconStatus::kAmbiguous, "25.00", "25.00");
  c.log_index = 1;  // another log in the same transaction: another payment
  auto lines = lines_of({a, b, c});
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[0].at("intent_id"), "pi_1");
  EXPECT_NE(lines[0].at("journal_id"), lines[2].at("journal_id"));
  EXPECT_EQ(lines[2].at("log_index"), "1");
}

TEST(JournalTest, JournalIdDependsOnlyOnThePaymentKey) {
  auto a = payment(ReconStatus::kMatched, "25.00", "25.00");
  auto a2 = a;
  a2.settlement_time_ms += 5 * testing_recon::kDayMs;
  a2.order_id = "other";
  auto b = a;
  b.chain = "eip155:8453";
  const auto id = lines_of({a}).at(0).at("journal_id");
  EXPECT_EQ(lines_of({a2}).at(0).at("journal_id"), id);
  EXPECT_NE(lines_of({b}).at(0).at("journal_id"), id);
  EXPECT_EQ(lines_of({b}).at(0).at("account"), "Assets:Stablecoin:eip155:8453:USD1");
}

TEST(JournalTest, HostileStringsSurviveAsExactFields) {
  auto r = payment(ReconStatus::kMatched, "25.00", "25.00");
  r.order_id = "=HYPERLINK(\"x\"),\r\n<script>alert('1')</script> caf\xC3\xA9 ";
  r.intent_id = " lead";
  r.currency = "U\"SD";
  JournalAccounts accounts;
  accounts.wallet = "Wallet, {token} \"hot\" {chain}/{chain}";
  accounts.receivable = "AR\n2";
  auto out =
      run_writer([&](ByteOut o) { return make_journal_writer(std::move(o), accounts); }, {r});
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  auto lines = csv_maps(out.text);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].at("order_id"), r.order_id);
  EXPECT_EQ(lines[0].at("intent_id"), r.intent_id);
  EXPECT_EQ(lines[0].at("currency"), "U\"SD");
  EXPECT_EQ(lines[0].at("account"), "Wallet, USD1 \"hot\" eip155:1/eip155:1");
  EXPECT_EQ(lines[1].at("account"), "AR\n2");
}

struct BadCase {
  const char* name;
  std::function<void(ReconRecord*)> edit;
  const char* message;
};

TEST(JournalTest, ContradictoryOrBadRecordsAreRefusedNamingTheRecord) {
  const BadCase cases[] = {
      {"unpaid with final payment", [](ReconRecord* r) { r->status = ReconStatus::kUnpaid; },
       "journal: record 2 (unpaid): carries a final payment of 25.00, which this status cannot "
       "hold"},
      {"grouped amount", [](ReconRecord* r) { r->amount_received = "1,000.00"; },
       "journal: record 2 (matched): amount_received: "},
      {"negative received",
       [](ReconRecord* r) { r->amount_received = r->fiat_amount_at_par = "-1.00"; },
       "journal: record 2 (matched): amount_received is negative"},
      {"no received", [](ReconRecord* r) { r->amount_received = ""; },
       "journal: record 2 (matched): final payment without amount_received"},
      {"no tx hash", [](ReconRecord* r) { r->tx_hash = ""; },
       "journal: record 2 (matched): final payment without tx_hash"},
      {"no chain", [](ReconRecord* r) { r->chain = ""; },
       "journal: record 2 (matched): final payment without chain"},
      {"no token", [](ReconRecord* r) { r->token_symbol = ""; },
       "journal: record 2 (matched): final payment without token_symbol"},
      {"no expected", [](ReconRecord* r) { r->amount_expected = ""; },
       "journal: record 2 (matched): amount_expected is empty"},
      {"bad expected", [](ReconRecord* r) { r->amount_expected = "25.0.0"; },
       "journal: record 2 (matched): amount_expected: "},
      {"fiat not at par", [](ReconRecord* r) { r->fiat_amount_at_par = "24.99"; },
       "journal: record 2 (matched): fiat_amount_at_par 24.99 differs from amount_received 25.00 "
       "(the journal books stablecoins at par, 1:1)"},
  };
  for (const auto& c : cases) {
    auto bad = payment(ReconStatus::kMatched, "25.00", "25.00", "0xcc");
    c.edit(&bad);
    std::string written;
    auto sink = make_journal_writer(
        [&](std::string_view b) {
          written.append(b);
          return Status();
        },
        JournalAccounts{});
    ASSERT_TRUE(sink->on_record(payment(ReconStatus::kMatched, "1.00", "1.00")).ok());
    Status s = sink->on_record(bad);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << c.name;
    EXPECT_EQ(s.message().rfind(c.message, 0), 0U) << c.name << ": " << s.message();
    // The writer stays failed: no further record, no finish.
    EXPECT_EQ(sink->on_record(payment(ReconStatus::kMatched, "1.00", "1.00", "0xdd")), s);
    EXPECT_EQ(sink->finish(), s);
  }
}

TEST(JournalTest, OutputErrorsAndMisuseAreReported) {
  auto sink = make_journal_writer(
      [](std::string_view) { return Status(ErrorCode::kIo, "disk full"); }, JournalAccounts{});
  ASSERT_TRUE(sink->on_record(payment(ReconStatus::kMatched, "1.00", "1.00")).ok());  // buffered
  EXPECT_EQ(sink->finish(), Status(ErrorCode::kIo, "disk full"));

  auto ok = make_journal_writer([](std::string_view) { return Status(); }, JournalAccounts{});
  ASSERT_TRUE(ok->finish().ok());
  EXPECT_EQ(ok->finish().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ok->on_record(payment(ReconStatus::kMatched, "1.00", "1.00")).code(),
            ErrorCode::kFailedPrecondition);
}

TEST(JournalTest, LargeStreamsAreFlushedInPiecesAndStillParse) {
  std::vector<ReconRecord> records;
  for (int i = 0; i < 3000; ++i) {
    records.push_back(payment(ReconStatus::kMatched, "25.00", "25.00", "0x" + std::to_string(i)));
  }
  std::size_t calls = 0;
  std::string text;
  auto sink = make_journal_writer(
      [&](std::string_view b) {
        ++calls;
        text.append(b);
        return Status();
      },
      JournalAccounts{});
  for (const auto& r : records) ASSERT_TRUE(sink->on_record(r).ok());
  ASSERT_TRUE(sink->finish().ok());
  EXPECT_GT(calls, 2U);
  EXPECT_EQ(parse_csv(text).size(), 1U + 6000U);
}

}  // namespace
}  // namespace usd1pay
