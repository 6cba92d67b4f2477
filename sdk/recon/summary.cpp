// The settlement summary writer (docs/reconciliation-journal.md): totals per
// UTC day of settlement, chain, token and status, then one total per status
// (every status, zeros included) and one grand total. An RFC 4180 CSV with a
// header row and CRLF line ends. Memory grows with the number of groups only.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "recon/report_support.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

using report_internal::csv_row;
using report_internal::GroupedTotals;
using report_internal::Totals;

std::vector<std::string> totals_row(const std::string& type, const std::string& date,
                                    const std::string& chain, const std::string& token,
                                    const std::string& status, const Totals& t) {
  return {type,
          date,
          chain,
          token,
          status,
          std::to_string(t.count),
          t.expected.to_string(),
          t.received.to_string(),
          t.difference.to_string(),
          t.booked.to_string()};
}

class SummaryWriter final : public ReconSink {
 public:
  explicit SummaryWriter(ByteOut out) : out_(std::move(out)) {}

  Status on_record(const ReconRecord& r) override {
    if (finished_) return Status(ErrorCode::kFailedPrecondition, "summary: record after finish");
    if (!failed_.ok()) return failed_;
    failed_ = totals_.add(r).with_context("summary");
    return failed_;
  }

  Status finish() override {
    if (finished_) return Status(ErrorCode::kFailedPrecondition, "summary: finished twice");
    if (!failed_.ok()) return failed_;
    finished_ = true;
    std::string text =
        csv_row({"row_type", "date", "chain", "token", "status", "count", "amount_expected",
                 "amount_received", "difference", "amount_booked"});
    for (const auto& [key, t] : totals_.groups()) {
      text += csv_row(
          totals_row("group", key.day, key.chain, key.token,
                     std::string(recon_status_name(static_cast<ReconStatus>(key.status))), t));
    }
    auto per_status = totals_.per_status();
    if (!per_status.ok()) return per_status.status().with_context("summary");
    for (const auto& [status, t] : *per_status) {
      text +=
          csv_row(totals_row("status_total", "", "", "",
                             std::string(recon_status_name(static_cast<ReconStatus>(status))), t));
    }
    auto grand = totals_.grand_total();
    if (!grand.ok()) return grand.status().with_context("summary");
    text += csv_row(totals_row("grand_total", "", "", "", "", *grand));
    return out_(text);
  }

 private:
  ByteOut out_;
  GroupedTotals totals_;
  bool finished_ = false;
  Status failed_;
};

}  // namespace

std::unique_ptr<ReconSink> make_summary_writer(ByteOut out) {
  return std::make_unique<SummaryWriter>(std::move(out));
}

}  // namespace usd1pay
