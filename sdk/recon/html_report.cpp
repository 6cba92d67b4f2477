// The HTML settlement report (docs/reconciliation-journal.md): one
// self-contained UTF-8 file, no scripts, no external assets, readable
// offline. In order: key figures, the exception list (every record not
// matched; the first kMaxListed listed, the count of the rest stated), a
// daily chart of the amounts booked (inline SVG, bar heights computed on
// integers), and the totals per day, chain, token and status, then per
// status. Every string from the data is escaped (report_internal::html_escape)
// and a Content-Security-Policy forbids scripts, as a second wall.
//
// Memory: the groups, plus at most kMaxListed exception records.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "recon/report_support.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

using report_internal::Decimal;
using report_internal::GroupedTotals;
using report_internal::html_escape;
using report_internal::Totals;

constexpr std::size_t kMaxListed = 1000;
// The chart fills the days between the first and last day with records when
// they span at most this many days; beyond, only days with records get a bar.
constexpr std::int64_t kMaxFilledDays = 400;
constexpr std::uint64_t kChartHeight = 240;

const char kStyle[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;"
    "color:#1a1a1a;background:#fff}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}"
    "p.meta{color:#555;margin:0 0 12px}"
    "table{border-collapse:collapse;font-size:13px}"
    "th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}td.t{white-space:nowrap}td.id{word-break:break-all;max-width:260px}"
    "tr.total td{font-weight:bold;background:#fafafa}"
    ".figs td{font-size:15px}.bad{color:#a40000}.ok{color:#0a6b0a}"
    ".chart{overflow-x:auto;border:1px solid #ddd;padding:6px;max-width:100%}"
    "svg text{font-family:inherit;font-size:11px;fill:#333}";

std::string td(const std::string& text, const char* cls = nullptr) {
  std::string out = cls ? std::string("<td class=\"") + cls + "\">" : std::string("<td>");
  out += html_escape(text);
  out += "</td>";
  return out;
}

// An amount as the rest of the report prints it ("99.5" → "99.50"); the
// records were validated when added, so a parse failure cannot happen here.
std::string exact(const std::string& amount) {
  if (amount.empty()) return amount;
  auto d = Decimal::parse(amount, "amount");
  return d.ok() ? d->to_string() : amount;
}

std::string totals_cells(const Totals& t) {
  return td(std::to_string(t.count), "n") + td(t.expected.to_string(), "n") +
         td(t.received.to_string(), "n") + td(t.difference.to_string(), "n") +
         td(t.booked.to_string(), "n");
}

const char kTotalsHead[] =
    "<th>records</th><th>amount expected</th><th>amount received</th><th>difference</th>"
    "<th>amount booked</th>";

class HtmlReportWriter final : public ReconSink {
 public:
  explicit HtmlReportWriter(ByteOut out) : out_(std::move(out)) {}

  Status on_record(const ReconRecord& r) override {
    if (finished_)
      return Status(ErrorCode::kFailedPrecondition, "html report: record after finish");
    if (!failed_.ok()) return failed_;
    failed_ = totals_.add(r).with_context("html report");
    if (!failed_.ok()) return failed_;
    if (report_internal::is_exception(r.status)) {
      ++exceptions_;
      if (listed_.size() < kMaxListed) listed_.push_back(r);
    }
    return Status();
  }

  Status finish() override {
    if (finished_) return Status(ErrorCode::kFailedPrecondition, "html report: finished twice");
    if (!failed_.ok()) return failed_;
    finished_ = true;
    auto grand = totals_.grand_total();
    if (!grand.ok()) return grand.status().with_context("html report");
    auto per_status = totals_.per_status();
    if (!per_status.ok()) return per_status.status().with_context("html report");
    auto per_day = totals_.per_day();
    if (!per_day.ok()) return per_day.status().with_context("html report");

    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'\">\n";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += "<title>USD1 settlement report</title>\n<style>";
    h += kStyle;
    h += "</style>\n</head>\n<body>\n<h1>USD1 settlement report</h1>\n<p class=\"meta\">";
    if (per_day->empty()) {
      h += "No records in the period.";
    } else {
      h += "Settlement days " + per_day->begin()->first + " to " + per_day->rbegin()->first +
           " (UTC, by settlement time).";
    }
    h += " Amounts are exact, in token units (USD1, at par with USD).</p>\n";

    // Key figures.
    const Totals& matched = (*per_status)[static_cast<int>(ReconStatus::kMatched)];
    h += "<table class=\"figs\" id=\"key-figures\">\n";
    h += "<tr><th>records</th>" + td(std::to_string(totals_.records()), "n") + "</tr>\n";
    h += "<tr><th>matched</th>" + td(std::to_string(matched.count), "n") + "</tr>\n";
    h += "<tr><th>exceptions</th><td class=\"n " + std::string(exceptions_ ? "bad" : "ok") + "\">" +
         std::to_string(exceptions_) + "</td></tr>\n";
    h += "<tr><th>amount booked (final receipts)</th>" + td(grand->booked.to_string(), "n") +
         "</tr>\n";
    h += "<tr><th>amount expected</th>" + td(grand->expected.to_string(), "n") + "</tr>\n";
    h += "</table>\n";

    exception_list(&h);
    chart(*per_day, &h);

    h += "<h2 id=\"totals\">Totals per day, chain, token and status</h2>\n<table>\n";
    h += "<tr><th>date</th><th>chain</th><th>token</th><th>status</th>";
    h += kTotalsHead;
    h += "</tr>\n";
    for (const auto& [key, t] : totals_.groups()) {
      h += "<tr>" + td(key.day) + td(key.chain) + td(key.token) +
           td(std::string(recon_status_name(static_cast<ReconStatus>(key.status)))) +
           totals_cells(t) + "</tr>\n";
    }
    h += "</table>\n";

    h += "<h2 id=\"status-totals\">Totals per status</h2>\n<table>\n<tr><th>status</th>";
    h += kTotalsHead;
    h += "</tr>\n";
    for (const auto& [status, t] : *per_status) {
      h += "<tr>" + td(std::string(recon_status_name(static_cast<ReconStatus>(status)))) +
           totals_cells(t) + "</tr>\n";
    }
    h += "<tr class=\"total\" id=\"grand-total\">" + td("all") + totals_cells(*grand) + "</tr>\n";
    h += "</table>\n";
    h += "<p class=\"meta\">amount booked: what the journal debits to the stablecoin wallets "
         "(final payments that move money). amount received includes payments not final yet "
         "and payments orphaned by a reorg.</p>\n";
    h += "</body>\n</html>\n";
    return out_(h);
  }

 private:
  void exception_list(std::string* h) const {
    *h += "<h2 id=\"exceptions\">Exceptions (" + std::to_string(exceptions_) + ")</h2>\n";
    if (exceptions_ == 0) {
      *h += "<p class=\"ok\">Every record is matched.</p>\n";
      return;
    }
    *h +=
        "<table>\n<tr><th>settled (UTC)</th><th>status</th><th>order</th><th>intent</th>"
        "<th>chain</th><th>token</th><th>tx hash</th><th>final</th><th>expected</th>"
        "<th>received</th><th>difference</th></tr>\n";
    for (const ReconRecord& r : listed_) {
      *h += "<tr>" + td(report_internal::utc_time(r.settlement_time_ms), "t") +
            td(std::string(recon_status_name(r.status))) + td(r.order_id, "id") +
            td(r.intent_id, "id") + td(r.chain) + td(r.token_symbol) + td(r.tx_hash, "id") +
            td(r.final ? "yes" : "no") + td(exact(r.amount_expected), "n") +
            td(exact(r.amount_received), "n") + td(exact(r.difference), "n") + "</tr>\n";
    }
    *h += "</table>\n";
    if (exceptions_ > listed_.size()) {
      *h += "<p class=\"bad\" id=\"exceptions-more\">" +
            std::to_string(exceptions_ - listed_.size()) +
            " more exceptions not listed (the first " + std::to_string(listed_.size()) +
            " are); the CSV export lists every record.</p>\n";
    }
  }

  static void chart(const std::map<std::string, Totals>& per_day, std::string* h) {
    *h += "<h2 id=\"chart\">Amount booked per day</h2>\n";
    if (per_day.empty()) {
      *h += "<p class=\"meta\">No days to chart.</p>\n";
      return;
    }
    // The days on the axis: every day from the first to the last when the
    // span is short, so that a quiet day shows as a gap, not as nothing.
    std::vector<std::pair<std::string, Decimal>> days;
    const std::int64_t first = report_internal::day_number(per_day.begin()->first);
    const std::int64_t last = report_internal::day_number(per_day.rbegin()->first);
    if (last - first < kMaxFilledDays) {
      for (std::int64_t d = first; d <= last; ++d) {
        const std::string date = report_internal::date_of_day(d);
        auto it = per_day.find(date);
        days.emplace_back(date, it == per_day.end() ? Decimal() : it->second.booked);
      }
    } else {
      for (const auto& [date, t] : per_day) days.emplace_back(date, t.booked);
    }
    Decimal max;
    for (const auto& d : days) {
      if (Decimal::compare(d.second, max) > 0) max = d.second;
    }
    const std::uint64_t n = days.size();
    const std::uint64_t slot = n <= 31 ? 32 : (n <= 120 ? 12 : 6);
    const std::uint64_t bar = slot * 3 / 4;
    const std::uint64_t left = 110;
    const std::uint64_t top = 16;
    const std::uint64_t bottom = 84;
    const std::uint64_t width = left + n * slot + 16;
    const std::uint64_t height = top + kChartHeight + bottom;
    const std::uint64_t base = top + kChartHeight;
    // Label every k-th day so that labels do not overlap.
    const std::uint64_t every = slot >= 14 ? 1 : (14 + slot - 1) / slot;
    auto u = [](std::uint64_t v) { return std::to_string(v); };

    *h += "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + u(width) +
          "\" height=\"" + u(height) + "\" viewBox=\"0 0 " + u(width) + " " + u(height) +
          "\" role=\"img\" aria-label=\"amount booked per day\">\n";
    // Axes, with the exact maximum and zero on the y axis.
    *h += "<line x1=\"" + u(left) + "\" y1=\"" + u(top) + "\" x2=\"" + u(left) + "\" y2=\"" +
          u(base) + "\" stroke=\"#333\"/>\n";
    *h += "<line x1=\"" + u(left) + "\" y1=\"" + u(base) + "\" x2=\"" + u(width - 8) + "\" y2=\"" +
          u(base) + "\" stroke=\"#333\"/>\n";
    *h += "<line x1=\"" + u(left) + "\" y1=\"" + u(top) + "\" x2=\"" + u(width - 8) + "\" y2=\"" +
          u(top) + "\" stroke=\"#ddd\"/>\n";
    *h += "<text x=\"" + u(left - 6) + "\" y=\"" + u(top + 4) + "\" text-anchor=\"end\">" +
          html_escape(max.to_string()) + "</text>\n";
    *h += "<text x=\"" + u(left - 6) + "\" y=\"" + u(base + 4) +
          "\" text-anchor=\"end\">0.00</text>\n";
    *h += "<text x=\"12\" y=\"" + u(top + kChartHeight / 2) + "\" transform=\"rotate(-90 12 " +
          u(top + kChartHeight / 2) + ")\" text-anchor=\"middle\">USD1 booked</text>\n";
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto& [date, amount] = days[i];
      std::uint64_t bh = Decimal::scale_to(amount, max, kChartHeight);
      if (bh == 0 && !amount.is_zero()) bh = 1;  // a non-zero day stays visible
      const std::uint64_t x = left + i * slot + (slot - bar) / 2;
      *h += "<rect x=\"" + u(x) + "\" y=\"" + u(base - bh) + "\" width=\"" + u(bar) +
            "\" height=\"" + u(bh) + "\" fill=\"#2f6fb0\"><title>" + html_escape(date) + ": " +
            html_escape(amount.to_string()) + " USD1 booked</title></rect>\n";
      if (i % every == 0) {
        const std::uint64_t lx = x + bar / 2;
        *h += "<text x=\"" + u(lx) + "\" y=\"" + u(base + 12) + "\" transform=\"rotate(-60 " +
              u(lx) + " " + u(base + 12) + ")\" text-anchor=\"end\">" + html_escape(date) +
              "</text>\n";
      }
    }
    *h += "</svg></div>\n";
    // The same figures as a table: exact numbers without hovering.
    *h += "<table id=\"per-day\">\n<tr><th>date</th>";
    *h += kTotalsHead;
    *h += "</tr>\n";
    for (const auto& [date, t] : per_day) *h += "<tr>" + td(date) + totals_cells(t) + "</tr>\n";
    *h += "</table>\n";
  }

  ByteOut out_;
  GroupedTotals totals_;
  std::vector<ReconRecord> listed_;
  std::uint64_t exceptions_ = 0;
  bool finished_ = false;
  Status failed_;
};

}  // namespace

std::unique_ptr<ReconSink> make_html_report_writer(ByteOut out) {
  return std::make_unique<HtmlReportWriter>(std::move(out));
}

}  // namespace usd1pay
