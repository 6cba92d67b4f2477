// The journal, summary and HTML report checked by readers nobody here wrote:
// Python's csv module (strict RFC 4180 dialect) and decimal arithmetic for the
// two CSV files, headless Chromium (Debian package `chromium`) for the HTML
// report: it must load without console errors, its DOM must hold the totals
// and the escaped hostile strings as text, and it must render a screenshot.
// USD1PAY_REPORT_KEEP=<dir> keeps the files (report.html, report.png) there.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

using testing::ProcessResult;
using testing::read_file;
using testing::run_process;
using testing::TempDir;
using testing::write_file;

constexpr std::int64_t kDay = 86400000;
constexpr std::int64_t kStart = 1772359200000;  // 2026-03-01T10:00:00Z

const char kHostileOrder[] = "<script>alert(\"pwned\")</script>, \"quoted\"\nline2 caf\xC3\xA9";

ReconRecord rec(ReconStatus s, const std::string& order, const std::string& expected,
                const std::string& received, int day, int n, bool final = true) {
  ReconRecord r;
  r.settlement_time_ms = kStart + day * kDay + n * 60000;
  r.order_id = order;
  r.intent_id = order.empty() ? "" : "pi_" + std::to_string(n);
  r.status = s;
  r.match_reason = received.empty() ? "none" : "deposit_address";
  r.chain = n % 3 == 0 ? "eip155:8453" : "eip155:1";
  r.token_symbol = "USD1";
  r.currency = "USD";
  r.amount_expected = expected;
  if (!received.empty()) {
    r.tx_hash = "0x" + std::string(60, 'a') + std::to_string(1000 + n);
    r.log_index = static_cast<std::uint32_t>(n % 4);
    r.final = final;
    r.amount_received = received;
    r.fiat_amount_at_par = received;
    r.payment_id = "py_" + std::to_string(n);
  }
  return r;
}

// A fortnight of records with every status, one hostile order id.
std::vector<ReconRecord> scenario() {
  std::vector<ReconRecord> v;
  int n = 0;
  for (int day = 0; day < 14; ++day) {
    if (day == 5) continue;  // a quiet day: a gap in the chart
    for (int k = 0; k < 3 + day % 4; ++k) {
      ++n;
      v.push_back(rec(ReconStatus::kMatched, "ord-" + std::to_string(n), "25.00", "25.00", day, n));
    }
    ++n;
    switch (day % 7) {
      case 0:
        v.push_back(
            rec(ReconStatus::kOverpaid, "ord-" + std::to_string(n), "40.00", "41.25", day, n));
        break;
      case 1:
        v.push_back(rec(ReconStatus::kUnderpaid, kHostileOrder, "100.00", "99.5", day, n));
        break;
      case 2:
        v.push_back(
            rec(ReconStatus::kPaidLate, "ord-" + std::to_string(n), "12.00", "12.00", day, n));
        break;
      case 3:
        v.push_back(rec(ReconStatus::kDuplicatePayment, "ord-" + std::to_string(n), "30.00",
                        "30.00", day, n));
        break;
      case 4: v.push_back(rec(ReconStatus::kUnmatchedTransfer, "", "", "7.77", day, n)); break;
      case 5:
        v.push_back(
            rec(ReconStatus::kWrongNetwork, "ord-" + std::to_string(n), "15.00", "15.00", day, n));
        break;
      default:
        v.push_back(
            rec(ReconStatus::kAmbiguous, "ord-" + std::to_string(n), "50.00", "50.00", day, n));
        break;
    }
  }
  v.push_back(rec(ReconStatus::kUnpaid, "ord-open", "9.99", "", 13, ++n));
  v.push_back(rec(ReconStatus::kExpiredUnpaid, "ord-expired", "19.99", "", 12, ++n));
  v.push_back(rec(ReconStatus::kOrphaned, "ord-reorg", "20.00", "20.00", 11, ++n, false));
  v.push_back(rec(ReconStatus::kOrderWithoutIntent, "ord-no-intent", "5.00", "", 10, ++n));
  v.push_back(rec(ReconStatus::kIntentWithoutOrder, "ord-unknown", "6.00", "6.00", 9, ++n));
  return v;
}

std::string write_with(const std::function<std::unique_ptr<ReconSink>(ByteOut)>& make,
                       const std::vector<ReconRecord>& records) {
  std::string text;
  auto sink = make([&](std::string_view b) {
    text.append(b);
    return Status();
  });
  for (const auto& r : records) EXPECT_TRUE(sink->on_record(r).ok());
  EXPECT_TRUE(sink->finish().ok());
  return text;
}

// Reads both CSVs with csv.reader(strict=True) and checks, with exact
// decimals: every journal balances, the file balances, the summary's grand
// total booked equals the journal's debits, per (date, chain, token) too.
const char kPythonCheck[] = R"PY(
import csv, sys
from decimal import Decimal
from collections import defaultdict
def rows(path):
    with open(path, newline='', encoding='utf-8') as f:
        r = list(csv.reader(f, strict=True))
    assert all(len(x) == len(r[0]) for x in r), 'ragged rows'
    return [dict(zip(r[0], x)) for x in r[1:]]
journal = rows(sys.argv[1])
summary = rows(sys.argv[2])
per = defaultdict(lambda: [Decimal(0), Decimal(0)])
wallet = defaultdict(Decimal)
for l in journal:
    d = Decimal(l['debit'] or '0'); c = Decimal(l['credit'] or '0')
    assert (l['debit'] == '') != (l['credit'] == ''), l
    per[l['journal_id']][0] += d; per[l['journal_id']][1] += c
    if d: wallet[(l['date'], l['chain'], l['token'])] += d
for j, (d, c) in per.items():
    assert d == c, (j, d, c)
total_d = sum(v[0] for v in per.values()); total_c = sum(v[1] for v in per.values())
assert total_d == total_c
booked = defaultdict(Decimal)
grand = None
for s in summary:
    if s['row_type'] == 'group':
        booked[(s['date'], s['chain'], s['token'])] += Decimal(s['amount_booked'])
    elif s['row_type'] == 'grand_total':
        grand = Decimal(s['amount_booked'])
assert grand == total_d, (grand, total_d)
assert {k: v for k, v in booked.items() if v} == dict(wallet)
orders = {l['order_id'] for l in journal}
print(len(per), len(journal), total_d, sys.argv[3] in orders)
)PY";

TEST(ReportReadersTest, PythonCsvReadsBalancedJournalThatTiesToTheSummary) {
  TempDir dir;
  const auto records = scenario();
  write_file(dir.file("journal.csv"),
             write_with([](ByteOut o) { return make_journal_writer(std::move(o), {}); }, records));
  write_file(dir.file("summary.csv"), write_with(make_summary_writer, records));
  write_file(dir.file("check.py"), kPythonCheck);
  const ProcessResult r = run_process({"python3", dir.file("check.py"), dir.file("journal.csv"),
                                       dir.file("summary.csv"), kHostileOrder});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 13 days with records: matched journals + one exception journal a day
  // (unmatched, late, duplicate, wrong network, ambiguous, over/underpaid)
  // + the paid intent without order.
  EXPECT_NE(r.out.find(" True\n"), std::string::npos) << "the hostile order id survived: " << r.out;
}

std::vector<std::string> chromium(const std::string& profile, std::vector<std::string> extra) {
  std::vector<std::string> argv = {"timeout",
                                   "180",
                                   "chromium",
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--enable-logging=stderr",
                                   "--v=0",
                                   "--user-data-dir=" + profile};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

TEST(ReportReadersTest, ChromiumLoadsTheReportWithoutErrorsAndRendersIt) {
  TempDir dir;
  const auto records = scenario();
  const std::string html = write_with(make_html_report_writer, records);
  const std::string page = dir.file("report.html");
  write_file(page, html);
  const std::string url = "file://" + page;

  const ProcessResult dom = run_process(chromium(dir.file("profile1"), {"--dump-dom", url}));
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  for (const char* bad : {"Uncaught", "ERROR:CONSOLE", "Refused to", "net::ERR_"}) {
    EXPECT_EQ(dom.err.find(bad), std::string::npos) << bad << " in:\n" << dom.err;
  }
  // The DOM as Chromium parsed it: the totals are there, the hostile order id
  // is text (re-serialised escaped), never an element.
  EXPECT_NE(dom.out.find("id=\"grand-total\""), std::string::npos);
  EXPECT_NE(dom.out.find("Exceptions ("), std::string::npos);
  EXPECT_NE(dom.out.find("&lt;script&gt;alert(\"pwned\")&lt;/script&gt;"), std::string::npos)
      << dom.out.substr(0, 2000);
  EXPECT_EQ(dom.out.find("<script"), std::string::npos);
  EXPECT_NE(dom.out.find("<svg"), std::string::npos);
  EXPECT_NE(dom.out.find("<rect"), std::string::npos);
  // The grand total booked figure, as the summary computes it.
  const std::string summary = write_with(make_summary_writer, records);
  const auto grand = summary.rfind("grand_total");
  ASSERT_NE(grand, std::string::npos);
  const std::string booked =
      summary.substr(summary.rfind(',') + 1, summary.size() - summary.rfind(',') - 3);
  EXPECT_NE(dom.out.find("<td class=\"n\">" + booked + "</td>"), std::string::npos) << booked;

  const std::string png = dir.file("report.png");
  const ProcessResult shot = run_process(
      chromium(dir.file("profile2"), {"--screenshot=" + png, "--window-size=1200,1600", url}));
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  const std::string image = read_file(png);
  ASSERT_GT(image.size(), 10000U);
  EXPECT_EQ(image.substr(1, 3), "PNG");
  if (const char* keep = std::getenv("USD1PAY_REPORT_KEEP")) {
    write_file(std::string(keep) + "/report.html", html);
    write_file(std::string(keep) + "/report.png", image);
  }
}

}  // namespace
}  // namespace usd1pay
