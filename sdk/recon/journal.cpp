// The double-entry journal writer (docs/reconciliation-journal.md): per final
// payment, balanced debit / credit lines in the fiat currency at par, one
// journal id per payment. An RFC 4180 CSV with a header row and CRLF line
// ends, nothing else (no trailer), so that accounting tools import it as is;
// totals live in the summary and the manifest.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "recon/report_support.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

using report_internal::csv_row;
using report_internal::Decimal;

constexpr std::size_t kFlushBytes = std::size_t{64} * 1024;

const std::vector<std::string>& journal_columns() {
  static const std::vector<std::string> kColumns = {
      "journal_id", "line",      "date",       "account", "debit", "credit",  "currency",  "status",
      "order_id",   "intent_id", "payment_id", "chain",   "token", "tx_hash", "log_index", "memo"};
  return kColumns;
}

class JournalWriter final : public ReconSink {
 public:
  JournalWriter(ByteOut out, JournalAccounts accounts)
      : out_(std::move(out)), accounts_(std::move(accounts)) {}

  Status on_record(const ReconRecord& r) override {
    if (finished_) return Status(ErrorCode::kFailedPrecondition, "journal: record after finish");
    if (!failed_.ok()) return failed_;
    failed_ = write_record(r).with_context("journal");
    return failed_;
  }

  Status finish() override {
    if (finished_) return Status(ErrorCode::kFailedPrecondition, "journal: finished twice");
    if (!failed_.ok()) return failed_;
    finished_ = true;
    header();
    // Every journal balances by construction; the file total is checked
    // again so that a bug can never hand finance an unbalanced file.
    if (Decimal::compare(total_debit_, total_credit_) != 0) {
      return Status(ErrorCode::kInternal, "journal: file does not balance (debits " +
                                              total_debit_.to_string() + ", credits " +
                                              total_credit_.to_string() + ")");
    }
    return flush();
  }

 private:
  void header() {
    if (header_written_) return;
    header_written_ = true;
    buffer_ += csv_row(journal_columns());
  }

  Status flush() {
    if (buffer_.empty()) return Status();
    Status s = out_(buffer_);
    buffer_.clear();
    return s;
  }

  Status write_record(const ReconRecord& r) {
    header();
    ++index_;
    auto plan = report_internal::plan_journal(r, index_, accounts_, prev_payment_key_);
    if (!plan.ok()) return plan.status();
    if (plan->journal_id.empty()) return Status();
    prev_payment_key_ = plan->payment_key;
    const std::string date = report_internal::utc_date(r.settlement_time_ms);
    const std::string currency = r.currency.empty() ? "USD" : r.currency;
    const std::string status(recon_status_name(r.status));
    const std::string log_index = r.log_index ? std::to_string(*r.log_index) : "";
    Decimal debit;
    Decimal credit;
    std::size_t line = 0;
    for (const auto& l : plan->lines) {
      ++line;
      const std::string amount = l.amount.to_string();
      buffer_ +=
          csv_row({plan->journal_id, std::to_string(line), date, l.account, l.debit ? amount : "",
                   l.debit ? "" : amount, currency, status, r.order_id, r.intent_id, r.payment_id,
                   r.chain, r.token_symbol, r.tx_hash, log_index, l.memo});
      auto sum = Decimal::add(l.debit ? debit : credit, l.amount);
      if (!sum.ok()) return sum.status();
      (l.debit ? debit : credit) = *sum;
    }
    if (Decimal::compare(debit, credit) != 0) {
      return Status(ErrorCode::kInternal, "journal " + plan->journal_id + " does not balance");
    }
    auto td = Decimal::add(total_debit_, debit);
    if (!td.ok()) return td.status();
    auto tc = Decimal::add(total_credit_, credit);
    if (!tc.ok()) return tc.status();
    total_debit_ = *td;
    total_credit_ = *tc;
    if (buffer_.size() >= kFlushBytes) return flush();
    return Status();
  }

  ByteOut out_;
  JournalAccounts accounts_;
  std::string buffer_;
  std::string prev_payment_key_;
  std::uint64_t index_ = 0;
  Decimal total_debit_;
  Decimal total_credit_;
  bool header_written_ = false;
  bool finished_ = false;
  Status failed_;
};

}  // namespace

std::unique_ptr<ReconSink> make_journal_writer(ByteOut out, JournalAccounts accounts) {
  return std::make_unique<JournalWriter>(std::move(out), std::move(accounts));
}

}  // namespace usd1pay
