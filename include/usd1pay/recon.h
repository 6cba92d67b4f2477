// usd1pay: reconciliation of orders, intents and payments, and the
// settlement exports finance staff close their books from.
//
// The reconciler walks the store (intents, payments) and, when given, the
// shop's own order list, and produces one ReconRecord per (order, intent,
// payment) relation and one per exception, each with a status from the
// closed set below. Differences never disappear into a total: each lands in a
// record that says what happened.
//
// Writers (ReconSink implementations) turn the record stream into files:
// CSV, JSON Lines, a double-entry journal, a settlement summary and a
// self-contained HTML report. Exports are streamed (memory does not grow with
// the number of records), deterministic (the same store and inputs give
// byte-identical files), written to a temporary file renamed into place only
// when complete, and optionally accompanied by a manifest (row count, totals,
// SHA-256 of the file). docs/reconciliation.md is the column reference, the
// status definitions and a worked example.
//
// Money: every amount is an exact decimal string, never floating point.
// Times: ISO 8601 UTC with 'Z' in files; Unix milliseconds in structs.
//
// THREAD SAFETY: reconcile() and export_settlement() may run on any thread
// while the tracker writes (they read a consistent snapshot per page); a
// ReconSink is used from one thread. Both read the store's pages ahead on
// reader threads of their own and export_settlement() writes its file on a
// writing thread (docs/reconciliation.md "Memory and threads"): the Store is
// called from those threads; every callback and the sink are called on the
// calling thread, and no thread outlives the call.
#ifndef USD1PAY_RECON_H
#define USD1PAY_RECON_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/status.h"
#include "usd1pay/store.h"

namespace usd1pay {

/// The closed set of record statuses (docs/reconciliation.md defines each).
enum class ReconStatus {
  kMatched,             ///< final payments cover the order's intent within tolerance
  kUnderpaid,           ///< final payments below the amount due, intent underpaid
  kOverpaid,            ///< final payments above the amount due (the excess recorded)
  kUnpaid,              ///< intent still open, nothing final received yet
  kExpiredUnpaid,       ///< intent expired (or canceled) with nothing received
  kPaidLate,            ///< a final payment arrived after the intent expired
  kDuplicatePayment,    ///< a further payment after the intent was already paid
  kUnmatchedTransfer,   ///< arrived at a merchant address; no intent could take it
  kOrphaned,            ///< the payment's block was reorganised away
  kOrderWithoutIntent,  ///< in the orders file, no intent carries its order id
  kIntentWithoutOrder,  ///< an intent whose order id is not in the orders file
  kAmbiguous,           ///< static-address intent matched only by amount and time
  kWrongNetwork,        ///< paid on another configured chain than the intent's
  kOrderMismatch,       ///< the orders file's amount or currency differs from the intent's
};

/// "matched", "underpaid", "overpaid", "unpaid", "expired_unpaid", "paid_late",
/// "duplicate_payment", "unmatched_transfer", "orphaned",
/// "order_without_intent", "intent_without_order", "ambiguous", "wrong_network",
/// "order_mismatch".
std::string_view recon_status_name(ReconStatus s) noexcept;
Result<ReconStatus> parse_recon_status(std::string_view name);

/// One row of every export. Optional fields are empty in CSV and null in JSON
/// when absent. Field order here is the CSV column order (schema version 1).
struct ReconRecord {
  /// The time that places the record in a period: the payment's final time;
  /// for a record without a final payment, the intent's expiry (or update)
  /// time, or the order's created time for an order without intent.
  std::int64_t settlement_time_ms = 0;
  std::string order_id;
  std::string intent_id;
  ReconStatus status = ReconStatus::kMatched;
  /// How the relation was established: "deposit_address", "reference",
  /// "static_amount_time", "order_id", "none" ...
  std::string match_reason;
  std::string chain;  ///< CAIP-2
  std::string token_symbol;
  std::string token_contract;
  std::string deposit_address;
  std::string payer_address;
  std::string tx_hash;
  std::optional<std::uint32_t> log_index;
  std::optional<std::uint64_t> block_number;
  std::string block_hash;
  std::optional<std::int64_t> block_time;  ///< Unix seconds
  std::optional<std::uint64_t> confirmations_at_settlement;
  bool final = false;
  std::string amount_expected;     ///< token units, exact decimal ("25.00"); "" when none
  std::string amount_received;     ///< token units, exact decimal; "" when none
  std::string difference;          ///< received - expected, signed exact decimal; "" when n/a
  std::string currency;            ///< "USD"
  std::string fiat_amount_at_par;  ///< received (or expected when nothing) in currency, exact
  std::string payment_id;          ///< "py_..." or ""
};

/// Receives records in the reconciler's deterministic order.
class ReconSink {
 public:
  virtual ~ReconSink() = default;
  virtual Status on_record(const ReconRecord& r) = 0;
  /// After the last record; writers flush trailers / totals here.
  virtual Status finish() = 0;
  /// Data rows written so far (CSV / JSON Lines: records; journal: lines),
  /// for the export's manifest. 0 when the sink does not count.
  virtual std::uint64_t rows() const { return 0; }
};

/// Column names of the shop's orders CSV (RFC 4180, UTF-8, header row).
struct OrdersCsvMapping {
  std::string order_id = "order_id";
  std::string amount = "amount";  ///< exact decimal
  std::string currency = "currency";
  std::string created_at = "created_at";  ///< ISO 8601
};

/// A token as configured, for payments no intent explains (their decimals
/// are otherwise learnt from intents of the same chain and token).
struct ReconTokenInfo {
  unsigned decimals = 0;
  std::string symbol;
  std::string currency = "USD";
};

struct ReconcileParams {
  /// Settlement-time window [from_ms, to_ms); absent = unbounded.
  std::optional<std::int64_t> from_ms;
  std::optional<std::int64_t> to_ms;
  /// The shop's orders file; "" = no order list (no order_without_intent /
  /// intent_without_order records).
  std::string orders_file;
  OrdersCsvMapping orders_mapping;
  /// (chain, token contract) -> the token, or std::nullopt when unknown.
  /// Optional: without it (or for an unknown token) an unmatched transfer of
  /// a token no intent uses carries its amount in base units and says so in
  /// match_reason.
  std::function<std::optional<ReconTokenInfo>(const std::string&, const std::string&)> token_info;
  /// Called now and then with (records so far, estimated total; 0 unknown).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

/// Streams every record to `sink`, then calls sink.finish(). A malformed
/// orders file is kInvalidArgument naming the file, line and column, before
/// any record is emitted.
Status reconcile(Store& store, const ReconcileParams& p, ReconSink& sink);

enum class ExportFormat { kCsv, kJsonl, kJournal, kSummary, kHtml };
std::string_view export_format_name(ExportFormat f) noexcept;
Result<ExportFormat> parse_export_format(std::string_view name);

/// Account names of the double-entry journal. "{chain}" and "{token}" in a
/// name are replaced by the CAIP-2 id and the token symbol.
struct JournalAccounts {
  std::string wallet = "Assets:Stablecoin:{chain}:{token}";
  std::string receivable = "Assets:Accounts Receivable";
  std::string customer_credit = "Liabilities:Customer Credits";
  std::string unapplied = "Liabilities:Unapplied Receipts";
};

struct ExportParams {
  ExportFormat format = ExportFormat::kCsv;
  ReconcileParams reconcile;
  JournalAccounts accounts;
  /// The file to write (via a temporary file in the same directory renamed
  /// into place when complete); "" writes to `out` instead.
  std::string out_path;
  /// Used when out_path is "": receives the bytes as they are produced.
  std::function<Status(std::string_view)> out;
  /// Also write out_path + ".manifest.json" (needs out_path).
  bool manifest = false;
};

struct ExportResult {
  std::uint64_t records = 0;  ///< records reconciled
  std::uint64_t rows = 0;     ///< data rows written (journal: lines)
  std::uint64_t bytes = 0;
  std::string sha256_hex;     ///< of the bytes written
  std::string manifest_path;  ///< "" when none
};

/// reconcile() into the writer of the chosen format. Nothing is left at
/// out_path when it fails.
Result<ExportResult> export_settlement(Store& store, const ExportParams& p);

/// Writers, for hosts that drive reconcile() themselves. `out` receives the
/// bytes in order.
using ByteOut = std::function<Status(std::string_view)>;
std::unique_ptr<ReconSink> make_csv_writer(ByteOut out);
std::unique_ptr<ReconSink> make_jsonl_writer(ByteOut out);
std::unique_ptr<ReconSink> make_journal_writer(ByteOut out, JournalAccounts accounts);
std::unique_ptr<ReconSink> make_summary_writer(ByteOut out);
std::unique_ptr<ReconSink> make_html_report_writer(ByteOut out);

/// What support staff see for one look-up.
struct LookupResult {
  std::vector<IntentRow> intents;
  std::vector<PaymentRow> payments;
  std::vector<EventRow> events;
  std::vector<WebhookDeliveryRow> deliveries;
};

/// By tx hash, address (deposit, payer or merchant), order id or intent id:
/// the query's form picks the kind ("pi_..." intent, "0x" + 64 hex tx hash,
/// an address of a configured family, else an order id).
Result<LookupResult> lookup(Store& store, std::string_view query);

}  // namespace usd1pay

#endif  // USD1PAY_RECON_H
