// Private helpers shared by the journal, summary and HTML report writers
// (sdk/recon/journal.cpp, summary.cpp, html_report.cpp): a signed exact
// decimal for totals, RFC 4180 and HTML escaping, UTC dates, the per-record
// journal plan (which accounts a record debits and credits) and the per-group
// totals. The summary's "amount_booked" and the journal's wallet debits come
// from the same plan, so the two files always tie.
//
// THREAD SAFETY: values and pure functions.
#ifndef USD1PAY_RECON_REPORT_SUPPORT_H
#define USD1PAY_RECON_REPORT_SUPPORT_H

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "usd1pay/amount.h"
#include "usd1pay/recon.h"
#include "usd1pay/status.h"

namespace usd1pay {
namespace report_internal {

/// A signed exact decimal: sign, magnitude in units of 10^-scale. Money in
/// the reports is summed with it; never floating point.
class Decimal {
 public:
  Decimal() = default;

  /// "-"? digits ("." digits)?, at most Amount::kMaxDecimals fraction digits.
  /// Errors name `what` and the position in `text`.
  static Result<Decimal> parse(std::string_view text, std::string_view what);

  static Result<Decimal> add(const Decimal& a, const Decimal& b);
  static Result<Decimal> sub(const Decimal& a, const Decimal& b);
  /// -1, 0 or 1.
  static int compare(const Decimal& a, const Decimal& b);

  bool is_zero() const noexcept { return mag_.is_zero(); }
  bool is_negative() const noexcept { return neg_ && !mag_.is_zero(); }

  /// At least two fraction digits, more where the value needs them: "25.00",
  /// "-0.50", "0.000000000000000001".
  std::string to_string() const;

  /// floor(v * height / max) for 0 <= v <= max, max > 0, computed on the
  /// integers (a bar's height in pixels); 0 when max is zero.
  static std::uint64_t scale_to(const Decimal& v, const Decimal& max, std::uint64_t height);

 private:
  Decimal(bool neg, Uint128 mag, unsigned scale) : neg_(neg), mag_(mag), scale_(scale) {}
  /// Both at the larger scale; false on overflow.
  static bool align(const Decimal& a, const Decimal& b, Uint128* ma, Uint128* mb, unsigned* scale);

  bool neg_ = false;
  Uint128 mag_;
  unsigned scale_ = 0;
};

/// Every status in declaration order.
const std::vector<ReconStatus>& all_statuses();
/// Whether the HTML report lists the record as an exception (not matched).
inline bool is_exception(ReconStatus s) noexcept {
  return s != ReconStatus::kMatched;
}

/// Fields joined by commas, ended by CRLF.
std::string csv_row(const std::vector<std::string>& fields);

/// Text for HTML element content and attribute values: & < > " ' as
/// entities; malformed UTF-8 and control characters other than tab and LF
/// become U+FFFD, so that hostile bytes cannot change the document's shape.
std::string html_escape(std::string_view text);

/// "YYYY-MM-DD" of a Unix millisecond time (UTC, floor).
std::string utc_date(std::int64_t ms);
/// "YYYY-MM-DDTHH:MM:SSZ" (UTC, floor to the second).
std::string utc_time(std::int64_t ms);
/// Days since 1970-01-01 of a "YYYY-MM-DD" written by utc_date.
std::int64_t day_number(std::string_view date);
/// utc_date of a day number.
std::string date_of_day(std::int64_t day);

/// One line of a journal: exactly one of debit and credit is set.
struct PlannedLine {
  std::string account;  ///< after {chain}/{token} substitution
  bool debit = false;
  Decimal amount;
  std::string memo;
};

/// What the journal books for one record: nothing, or balanced lines.
struct JournalPlan {
  std::string journal_id;  ///< "" when no lines
  std::string payment_key;
  std::vector<PlannedLine> lines;
  Decimal wallet_debit;  ///< the amount booked to the wallet (0 when none)
};

/// The plan for record number `index` (1-based, for messages). A record
/// books lines when its payment is final, its received amount is not zero,
/// its status is one that moves money (docs/reconciliation-journal.md) and
/// it is not the same payment as the previous record's (`prev_payment_key`,
/// the key of the last record that booked lines). Contradictions (an unpaid
/// record with a final payment, a final payment without tx hash or chain, a
/// bad amount) are kInvalidArgument naming the record.
Result<JournalPlan> plan_journal(const ReconRecord& r, std::uint64_t index,
                                 const JournalAccounts& accounts,
                                 std::string_view prev_payment_key);

/// "{chain}" and "{token}" replaced in an account name template.
std::string substitute_account(std::string_view pattern, std::string_view chain,
                               std::string_view token);

/// Sums of one group of records.
struct Totals {
  std::uint64_t count = 0;
  Decimal expected;
  Decimal received;
  Decimal difference;
  Decimal booked;
  /// Adds one record (its amounts parsed; errors name the record) and the
  /// amount its journal plan booked to the wallet.
  Status add(const ReconRecord& r, std::uint64_t index, const Decimal& booked_amount);
  Status merge(const Totals& other);
};

/// (day, chain, token, status) → totals, sorted by day, chain, token and
/// status in declaration order. Memory grows with the number of groups only.
struct GroupKey {
  std::string day;
  std::string chain;
  std::string token;
  int status = 0;
  friend bool operator<(const GroupKey& a, const GroupKey& b) {
    return std::tie(a.day, a.chain, a.token, a.status) <
           std::tie(b.day, b.chain, b.token, b.status);
  }
};

/// The totals every summary-like writer keeps: groups, plus the journal
/// plan's dedup state so that "booked" matches the journal exactly.
class GroupedTotals {
 public:
  explicit GroupedTotals(JournalAccounts accounts = {}) : accounts_(std::move(accounts)) {}
  /// Adds the next record of the stream.
  Status add(const ReconRecord& r);
  const std::map<GroupKey, Totals>& groups() const { return groups_; }
  std::uint64_t records() const { return records_; }
  /// Totals per status (every status, zeros included), and over everything.
  Result<std::map<int, Totals>> per_status() const;
  Result<Totals> grand_total() const;
  /// Per day (days with records only), over chains, tokens and statuses.
  Result<std::map<std::string, Totals>> per_day() const;

 private:
  JournalAccounts accounts_;
  std::map<GroupKey, Totals> groups_;
  std::uint64_t records_ = 0;
  std::string prev_payment_key_;
};

}  // namespace report_internal
}  // namespace usd1pay

#endif  // USD1PAY_RECON_REPORT_SUPPORT_H
