// usd1pay: payment intents, their state machine, and the Processor facade.
//
// A payment intent is the merchant's promise to a customer: "pay this exact
// amount of this token on this chain to this address before this time". The
// Processor creates, reads, lists, cancels and expires intents on a Store
// (the embedded SQLite one by default); every change and the event that
// records it are one store transaction (docs/intents.md).
//
// States and the allowed transitions (anything else is kFailedPrecondition
// "intent: cannot go from <from> to <to>"; a status never "changes" to itself):
//
//   requires_payment -> processing | succeeded | expired | canceled
//   processing       -> succeeded | requires_payment | underpaid | expired
//   succeeded        -> processing | requires_payment
//   expired          -> paid_late
//   canceled         -> paid_late
//   underpaid        -> processing | succeeded
//   paid_late        (terminal)
//
// Exception flags (overpaid, multiple_payments, orphaned_payment,
// wrong_network) are kept beside the status, never hidden by it; the payment
// tracker sets them.
//
// Deposit addresses are assigned watch-only, per the chain's strategy in the
// config: "xpub" derives a fresh address per intent from the merchant's
// extended public key at a persisted, never-reused index; "reference" uses the
// merchant address plus a random 32-byte Solana Pay reference key; "static"
// uses the merchant address for every intent.
//
// Ownership: PaymentIntent, the request and list types are values. A
// Processor owns its Config copy and shares ownership of its Store and Clock.
//
// THREAD SAFETY: the free functions are pure. A Processor may be called from
// any number of threads at once (its state after open() is immutable; the
// Store and Clock it uses must be thread safe, as the ones usd1pay makes are);
// several Processors, in one process or several, may share one store.
#ifndef USD1PAY_INTENT_H
#define USD1PAY_INTENT_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/amount.h"
#include "usd1pay/chain.h"
#include "usd1pay/clock.h"
#include "usd1pay/config.h"
#include "usd1pay/qr.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"

namespace usd1pay {

// ------------------------------------------------------------ state machine

enum class IntentStatus {
  kRequiresPayment,  ///< waiting for the customer's payment
  kProcessing,       ///< a payment was seen and is not final yet
  kSucceeded,        ///< final payments cover the amount due
  kExpired,          ///< nothing was paid before expires_at
  kCanceled,         ///< canceled by the merchant before any payment
  kUnderpaid,        ///< expired with final payments below the amount due
  kPaidLate,         ///< a final payment arrived after expiry or cancellation
};

/// Every status, in declaration order.
inline constexpr std::array<IntentStatus, 7> kAllIntentStatuses = {
    IntentStatus::kRequiresPayment, IntentStatus::kProcessing, IntentStatus::kSucceeded,
    IntentStatus::kExpired,         IntentStatus::kCanceled,   IntentStatus::kUnderpaid,
    IntentStatus::kPaidLate};

/// The stable name: "requires_payment", "processing", "succeeded", "expired",
/// "canceled", "underpaid", "paid_late".
const char* intent_status_name(IntentStatus status) noexcept;

/// The status of a stable name (exact, lowercase). kInvalidArgument
/// "intent: unknown status 'x'" listing the valid names.
Result<IntentStatus> parse_intent_status(std::string_view name);

/// Whether the table above allows from -> to.
bool intent_transition_allowed(IntentStatus from, IntentStatus to) noexcept;

/// OK when allowed; otherwise kFailedPrecondition
/// "intent: cannot go from <from> to <to>".
Status check_transition(IntentStatus from, IntentStatus to);

/// True for a status with no way out (paid_late).
bool intent_status_terminal(IntentStatus status) noexcept;

/// Exception flags, visible beside the status.
enum class IntentFlag {
  kOverpaid,          ///< final payments exceed the amount due
  kMultiplePayments,  ///< more than one payment was credited
  kOrphanedPayment,   ///< a payment was removed by a chain reorganisation
  kWrongNetwork,      ///< a matching transfer was seen on another chain
};

/// "overpaid", "multiple_payments", "orphaned_payment", "wrong_network".
const char* intent_flag_name(IntentFlag flag) noexcept;
/// kInvalidArgument "intent: unknown flag 'x'".
Result<IntentFlag> parse_intent_flag(std::string_view name);

// ------------------------------------------------------------ the intent

/// The fiat currency of intent amounts. 1 USD1 = 1 USD at par.
inline constexpr std::string_view kIntentCurrency = "USD";
/// Decimals of the fiat amount (cents).
inline constexpr unsigned kFiatDecimals = 2;
/// Longest order id, in bytes of UTF-8.
inline constexpr std::size_t kMaxOrderIdBytes = 200;
/// Longest idempotency key, in bytes (printable ASCII only).
inline constexpr std::size_t kMaxIdempotencyKeyBytes = 255;
/// Longest actor name: 1..64 of [A-Za-z0-9._:@-], as config.actor.
inline constexpr std::size_t kMaxActorBytes = 64;
/// The range of expires_in_seconds: one minute to 30 days.
inline constexpr std::int64_t kMinExpirySeconds = 60;
inline constexpr std::int64_t kMaxExpirySeconds = 30LL * 24 * 3600;
/// The actor of changes made by usd1pay itself (the expiry sweep).
inline constexpr std::string_view kSystemActor = "system";

/// A typed view of one intent.
struct PaymentIntent {
  std::string id;  ///< "pi_..."
  std::string order_id;
  IntentStatus status = IntentStatus::kRequiresPayment;
  ChainId chain;
  std::string token_symbol;
  std::string token_contract;  ///< canonical spelling; "" for a native coin
  unsigned token_decimals = 0;
  Amount amount;                 ///< fiat, kFiatDecimals decimals ("25.00" USD)
  std::string currency = "USD";  ///< kIntentCurrency
  Amount amount_due;             ///< token base units, token_decimals decimals
  DepositStrategy strategy = DepositStrategy::kStatic;
  std::string deposit_address;                 ///< canonical spelling
  std::optional<std::uint32_t> deposit_index;  ///< xpub strategy only
  std::string reference;                       ///< reference strategy only, base58 32 bytes
  std::string payment_uri;                     ///< the QR payload (request.h)
  std::string metadata_json = "{}";            ///< a JSON object, compact, keys sorted
  std::optional<std::string> idempotency_key;
  std::string request_hash;  ///< hex SHA-256 of the creation parameters
  std::set<IntentFlag> flags;
  TimePoint created_at;
  TimePoint updated_at;
  TimePoint expires_at;
  std::uint64_t version = 0;  ///< incremented by every change
};

/// Reads a stored row. kInternal naming the field when the row holds
/// something usd1pay never writes (unknown status, bad amount, ...).
Result<PaymentIntent> intent_from_row(const IntentRow& row);
/// The row for a PaymentIntent (exact inverse of intent_from_row).
IntentRow intent_to_row(const PaymentIntent& intent);

/// The intent as one JSON object: id, status, order_id, amount ("25.00"),
/// currency, amount_base_units (decimal string), amount_due (exact decimal in
/// token units), chain, token, token_contract, decimals, strategy,
/// deposit_address, deposit_index (number or null), reference (string or
/// null), payment_uri, created_at, updated_at, expires_at (ISO 8601 UTC with
/// milliseconds, "2026-11-20T12:00:00.000Z"), metadata (the object),
/// idempotency_key (string or null), flags (array of names), version.
std::string intent_to_json(const PaymentIntent& intent);

/// "YYYY-MM-DDTHH:MM:SS.mmmZ": ISO 8601 UTC with exact milliseconds, as
/// every intent timestamp is written.
std::string format_intent_time(TimePoint t);

/// The QR code of the intent's payment URI (encode_qr of payment_uri).
Result<QrCode> intent_qr(const PaymentIntent& intent,
                         QrErrorCorrection level = QrErrorCorrection::kMedium);

// ------------------------------------------------------------ the store

/// The SqliteStoreOptions the configuration's "store" section names: its
/// path, synchronous mode and busy timeout (create: true, the default).
SqliteStoreOptions sqlite_store_options(const Config& config);

/// Opens the SQLite store the configuration names (sqlite_store_options),
/// shared, as ProcessorOptions and TrackerOptions take it.
Result<std::shared_ptr<Store>> open_sqlite_store_for(const Config& config);

// ------------------------------------------------------------ the Processor

struct ProcessorOptions {
  Config config;
  /// The store to use; null: open the SQLite store named by config.store.
  std::shared_ptr<Store> store;
  /// The clock; null: the system clock.
  std::shared_ptr<const Clock> clock;
};

struct CreateIntentRequest {
  /// The merchant's order id: 1..200 bytes of valid UTF-8, no control
  /// characters.
  std::string order_id;
  /// Exact decimal in USD, at most 2 decimal places ("25", "25.5", "25.00").
  std::string amount;
  /// CAIP-2 id of a configured chain; absent: config.default_chain.
  std::optional<std::string> chain;
  /// Symbol of a token configured on the chain; absent: config.default_token.
  std::optional<std::string> token;
  /// 1..255 printable ASCII characters. The same key with the same
  /// parameters returns the first intent; with other parameters, kConflict.
  std::optional<std::string> idempotency_key;
  /// kMinExpirySeconds..kMaxExpirySeconds; absent: config.default_expiry_seconds.
  std::optional<std::int64_t> expires_in_seconds;
  /// A JSON object of at most config.metadata_max_bytes bytes; absent: {}.
  std::optional<std::string> metadata_json;
  /// Who asks (an API key name): 1..64 of [A-Za-z0-9._:@-]; empty: config.actor.
  std::string actor;
};

struct IntentListRequest {
  std::optional<IntentStatus> status;
  std::optional<std::string> order_id;
  std::optional<TimePoint> created_from;  ///< inclusive
  std::optional<TimePoint> created_to;    ///< exclusive
  std::size_t limit = 100;                ///< 1..1000
  std::string cursor;                     ///< from IntentList::next_cursor
};

struct IntentList {
  std::vector<PaymentIntent> intents;  ///< newest first
  std::string next_cursor;             ///< empty on the last page
};

/// The facade a host uses: create / get / list / cancel / expire intents and
/// read the audit trail.
class Processor {
 public:
  /// Validates the config's chains (xpubs parsed and checksum-verified,
  /// merchant addresses valid for their family) and opens the store.
  static Result<std::unique_ptr<Processor>> open(ProcessorOptions options);

  ~Processor();
  Processor(const Processor&) = delete;
  Processor& operator=(const Processor&) = delete;

  /// Validates the request, assigns the deposit address and writes the
  /// intent with its intent.created event. Errors (code, message):
  ///   kInvalidArgument "intent: order id is empty" / "... longer than 200
  ///     bytes" / "... is not valid UTF-8 at byte N" / "... has a control
  ///     character ... at byte N"; "intent: amount: <amount.h message>";
  ///     "intent: amount must be greater than zero"; "intent: chain X is not
  ///     configured (configured: ...)"; "intent: token X is not configured on
  ///     chain Y (configured: ...)"; bad idempotency key or actor; "intent:
  ///     metadata is not a JSON object" / "... not valid JSON ...".
  ///   kOutOfRange "intent: amount: ..." (more than 2 decimal places, or not
  ///     representable in the token's decimals); expiry out of range;
  ///     "intent: metadata of N bytes exceeds the limit of M bytes".
  ///   kConflict: the idempotency key was used with other parameters.
  ///   Store errors (kIo, ...) as the store reports them.
  Result<PaymentIntent> create_intent(const CreateIntentRequest& request);

  /// kInvalidArgument for a malformed id; kNotFound for an unknown one.
  Result<PaymentIntent> get_intent(std::string_view id);

  Result<IntentList> list_intents(const IntentListRequest& request);

  /// requires_payment -> canceled, with event intent.canceled by `actor`
  /// (empty: config.actor). kFailedPrecondition naming the status otherwise.
  Result<PaymentIntent> cancel_intent(std::string_view id, std::string_view actor = {});

  /// The expiry sweep: every requires_payment intent with expires_at <= now
  /// becomes expired, with event intent.expired by "system". An intent changed
  /// concurrently (paid, canceled) is skipped. Returns how many expired.
  /// Hosts call it on a timer; processing intents are the tracker's.
  Result<std::size_t> expire_due();

  /// Events in global sequence order, seq > after_seq, at most `limit`
  /// (1..10000), optionally only those of one intent.
  Result<std::vector<EventRow>> list_events(std::optional<std::string> intent_id,
                                            std::uint64_t after_seq = 0, std::size_t limit = 1000);

  /// Re-computes the hash chain of the whole event log.
  Result<AuditReport> verify_audit();

  const Config& config() const noexcept;

 private:
  struct Impl;
  explicit Processor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace usd1pay

#endif  // USD1PAY_INTENT_H
