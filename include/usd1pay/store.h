// usd1pay: the durable store of intents, deposit indexes and events.
//
// `Store` is the pluggable persistence interface: one virtual per operation,
// arguments in `...Params` structs so that adding a field breaks nobody. Each
// operation is one store transaction: a state change and the event that
// records it are committed together or not at all (transactional outbox), so
// a crash can neither lose an event nor leave one for a change that did not
// happen.
//
// The store is below the intent module: it keeps intents as rows of plain
// strings and integers and knows nothing of the state machine. The intent
// module decides which transitions are legal; the store applies them with a
// compare-and-set on the current status.
//
// Events form one append-only, hash-chained log (the audit trail): every event
// stores the hash of the one before it (in global sequence order), so editing
// or deleting history is detectable by verify_audit_chain().
//
// The embedded default is SQLite (open_sqlite_store): WAL, foreign keys on,
// a schema version table with forward migrations at open, a busy timeout.
// It is safe for many threads in one process and for several processes on the
// same file.
//
// Times are Unix milliseconds (UTC) in rows; ISO 8601 is for JSON and exports.
//
// Ownership: rows are values. THREAD SAFETY: a Store may be called from any
// number of threads at once.
#ifndef USD1PAY_STORE_H
#define USD1PAY_STORE_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "usd1pay/status.h"

namespace usd1pay {

/// One payment intent as stored. Amounts are exact decimal / integer strings.
struct IntentRow {
  std::string id;        ///< "pi_..."
  std::string order_id;  ///< the merchant's order id (any UTF-8, <= 200 bytes)
  std::string status;    ///< the intent module's status name ("requires_payment", ...)
  std::string chain;     ///< CAIP-2 id
  std::string token_symbol;
  std::string token_contract;  ///< contract / mint in canonical spelling; "" for native
  unsigned token_decimals = 0;
  std::string amount;                          ///< fiat amount as given, exact decimal ("25.00")
  std::string currency;                        ///< "USD"
  std::string amount_base_units;               ///< token base units due, decimal digits
  std::string strategy;                        ///< "xpub" | "reference" | "static"
  std::string deposit_address;                 ///< canonical spelling
  std::optional<std::uint32_t> deposit_index;  ///< xpub strategy only
  std::string reference;                       ///< reference strategy only ("" otherwise)
  std::string payment_uri;
  std::string metadata_json;  ///< a JSON object, "{}" when none
  std::optional<std::string> idempotency_key;
  /// Hash of the creation parameters, to tell a true retry from a reuse of
  /// the same idempotency key with different parameters.
  std::string request_hash;
  /// Exception flags kept visible ("overpaid", "multiple_payments", ...),
  /// a JSON array of strings; "[]" when none.
  std::string flags_json = "[]";
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::int64_t expires_at_ms = 0;
  /// Incremented by every change; lets callers detect lost updates.
  std::uint64_t version = 0;
};

/// One event of the audit log / outbox.
struct EventRow {
  std::string id;                ///< "evt_..."
  std::uint64_t seq = 0;         ///< global, gap-free, starting at 1; assigned by the store
  std::string intent_id;         ///< "" for events not about one intent
  std::uint64_t intent_seq = 0;  ///< per intent, starting at 1; assigned by the store
  std::string type;              ///< "intent.created", "intent.canceled", ...
  std::string actor;             ///< api key name, "system" or "tracker"
  std::int64_t created_at_ms = 0;
  std::string data_json;  ///< the event's data (e.g. the intent as of the event)
  std::string prev_hash;  ///< hex SHA-256 of the previous event; 64 zeros for the first
  std::string hash;       ///< hex SHA-256 over prev_hash and this event's fields
};

/// What the caller supplies for a new event; the store assigns seq,
/// intent_seq, prev_hash and hash.
struct NewEvent {
  std::string id;
  std::string type;
  std::string actor;
  std::int64_t created_at_ms = 0;
  std::string data_json = "{}";
};

struct CreateIntentParams {
  IntentRow intent;  ///< version is ignored (starts at 1)
  NewEvent created;  ///< "intent.created"; its intent_id is intent.id
};

struct CreateIntentResult {
  IntentRow intent;
  /// false when an intent with the same idempotency key and the same
  /// request_hash existed already: that one is returned, nothing is written.
  bool created = true;
};

struct AllocateDepositIndexParams {
  std::string chain;   ///< CAIP-2 id
  std::string key_id;  ///< identifies the xpub (e.g. its fingerprint + path)
};

struct GetIntentParams {
  std::string id;
};

struct ListIntentsParams {
  std::optional<std::string> status;
  std::optional<std::string> order_id;
  std::optional<std::int64_t> created_from_ms;  ///< inclusive
  std::optional<std::int64_t> created_to_ms;    ///< exclusive
  /// Page size, 1..1000.
  std::size_t limit = 100;
  /// From a previous page's next_cursor; empty for the first page.
  std::string cursor;
};

struct IntentPage {
  std::vector<IntentRow> intents;  ///< newest first (created_at, then id)
  std::string next_cursor;         ///< empty when this is the last page
};

struct TransitionIntentParams {
  std::string id;
  /// The change happens only if the current status is one of these.
  std::vector<std::string> from_statuses;
  std::string to_status;
  /// Replaces flags_json when set.
  std::optional<std::string> flags_json;
  std::int64_t at_ms = 0;  ///< becomes updated_at_ms
  NewEvent event;          ///< recorded in the same transaction
  /// When set, the change happens only if the intent's version equals this
  /// (kFailedPrecondition otherwise): guards against lost updates.
  std::optional<std::uint64_t> expected_version;
};

struct ListExpirableParams {
  std::int64_t now_ms = 0;            ///< intents with expires_at_ms <= now_ms
  std::vector<std::string> statuses;  ///< that are in one of these statuses
  std::size_t limit = 1000;
};

struct ListEventsParams {
  std::optional<std::string> intent_id;
  std::uint64_t after_seq = 0;  ///< events with seq > after_seq
  std::size_t limit = 1000;     ///< 1..10000
};

struct VerifyAuditParams {};

struct AuditReport {
  bool ok = true;
  std::uint64_t events_checked = 0;
  /// When !ok: the first event whose hash or link does not verify, and why.
  std::uint64_t first_bad_seq = 0;
  std::string problem;
};

/// One observed token transfer credited (or flagged) by the tracker.
/// (chain, tx_hash, log_index) is unique: a payment is recorded once.
struct PaymentRow {
  std::string id;     ///< "py_..."
  std::string chain;  ///< CAIP-2 of the chain it was seen on
  std::string tx_hash;
  std::uint32_t log_index = 0;
  std::uint64_t block_number = 0;
  std::string block_hash;
  std::int64_t block_time = 0;  ///< Unix seconds
  std::string token_contract;
  std::string from_address;
  std::string to_address;
  std::string amount_base_units;  ///< decimal digits
  std::string intent_id;          ///< "" when no intent could take it (unmatched)
  /// "pending" (seen, not final), "final", "orphaned" (its block was reorged away)
  std::string status;
  /// JSON array of strings: "late", "wrong_network", "after_success", "duplicate"...
  std::string flags_json = "[]";
  std::int64_t detected_at_ms = 0;
  std::int64_t final_at_ms = 0;  ///< 0 until final
  std::int64_t updated_at_ms = 0;
};

/// Where a chain's scan stands.
struct ChainCursorRow {
  std::string chain;
  std::uint64_t next_block = 0;  ///< the first block not yet scanned
  std::int64_t updated_at_ms = 0;
};

/// A block the tracker scanned, remembered to detect reorganisations.
struct BlockHashRow {
  std::string chain;
  std::uint64_t number = 0;
  std::string hash;
};

/// An event that is not an intent state change (payment.detected,
/// payment.confirmed, payment.orphaned, payment.wrong_network, ...).
struct NewIntentEvent {
  /// "" for an event about no intent (an unmatched transfer). Such events
  /// are stored with intent_id "" and intent_seq 0, and are hash-chained like
  /// all others.
  std::string intent_id;
  NewEvent event;
};

/// Everything one tracker poll step decided, applied in ONE transaction:
/// cursor move, remembered block hashes, payments, intent transitions and all
/// their events. All or nothing; a crash leaves the previous state.
///
/// Order inside the transaction: cursor compare-and-set and move,
/// forget_blocks_from, remember_blocks, prune_blocks_below, upsert_payments,
/// transitions (each with its event), events.
struct ApplyScanParams {
  std::string chain;
  /// Compare-and-set on the cursor: the step applies only if the stored
  /// next_block equals this (absent = no cursor stored yet).
  std::optional<std::uint64_t> expected_next_block;
  std::uint64_t new_next_block = 0;
  /// Forget remembered hashes of blocks >= this (a reorg rewind), first.
  std::optional<std::uint64_t> forget_blocks_from;
  /// Then remember these (upsert by (chain, number)); each one's chain must
  /// be `chain`.
  std::vector<BlockHashRow> remember_blocks;
  /// Then forget remembered hashes of blocks < this (keep a window).
  std::optional<std::uint64_t> prune_blocks_below;
  /// Insert new payments, or update existing ones (matched by chain, tx_hash,
  /// log_index: id and detected_at_ms of an existing one are kept). A
  /// payment's chain may differ from `chain` (a transfer seen on the wrong
  /// network); its intent_id must be "" or an existing intent; status one of
  /// "pending", "final", "orphaned".
  std::vector<PaymentRow> upsert_payments;
  /// Intent state changes, each a CAS (from_statuses, expected_version) with
  /// its event, exactly as transition_intent.
  std::vector<TransitionIntentParams> transitions;
  /// Further events (payment.detected, ...), appended in order BEFORE the
  /// transitions' events, so that the log reads cause before effect.
  std::vector<NewIntentEvent> events;
  std::int64_t at_ms = 0;  ///< the cursor's updated_at_ms
};

struct GetCursorParams {
  std::string chain;
};

struct ListBlockHashesParams {
  std::string chain;
  std::uint64_t from_number = 0;
  std::size_t limit = 10000;  ///< 1..1000000
};

/// Filters combine with AND; an absent one matches everything.
struct ListPaymentsParams {
  std::optional<std::string> intent_id;  ///< "" selects unmatched payments
  std::optional<std::string> chain;
  std::optional<std::string> status;
  std::optional<std::string> tx_hash;
  /// 1..100000, in (block_number, log_index, chain, tx_hash) order
  std::size_t limit = 1000;
};

struct ListOpenIntentsParams {
  /// Intents in these statuses (e.g. requires_payment, processing, underpaid,
  /// expired, canceled — whatever the tracker still watches), any chain.
  /// Empty selects nothing.
  std::vector<std::string> statuses;
  std::size_t limit = 1000000;  ///< 1..1000000, oldest first (created_at, then id)
};

class Store {
 public:
  virtual ~Store() = default;

  /// Inserts the intent and its created event. With an idempotency key that
  /// exists: same request_hash → the existing intent, created=false; other
  /// request_hash → kConflict. Concurrent calls with one key create one.
  virtual Result<CreateIntentResult> create_intent(const CreateIntentParams& p) = 0;
  /// The next unused index for (chain, key_id), persisted before it is
  /// returned, never handed out twice (even across crashes and processes).
  virtual Result<std::uint32_t> allocate_deposit_index(const AllocateDepositIndexParams& p) = 0;
  /// kNotFound when there is no such intent.
  virtual Result<IntentRow> get_intent(const GetIntentParams& p) = 0;
  virtual Result<IntentPage> list_intents(const ListIntentsParams& p) = 0;
  /// Compare-and-set of the status plus the event, in one transaction.
  /// kNotFound for an unknown id; kFailedPrecondition (naming the current
  /// status) when the status is not one of from_statuses, or (naming both
  /// versions) when expected_version is set and differs.
  virtual Result<IntentRow> transition_intent(const TransitionIntentParams& p) = 0;
  virtual Result<std::vector<IntentRow>> list_expirable(const ListExpirableParams& p) = 0;
  virtual Result<std::vector<EventRow>> list_events(const ListEventsParams& p) = 0;
  /// Walks the whole event log in seq order and re-computes every hash.
  virtual Result<AuditReport> verify_audit_chain(const VerifyAuditParams& p) = 0;

  // ---- confirmation tracking ----

  /// Applies one tracker step atomically (see ApplyScanParams).
  /// kFailedPrecondition (naming what) when the cursor CAS or any intent CAS
  /// fails, kNotFound for a transition of an unknown intent, kInvalidArgument
  /// for a malformed part, kAlreadyExists for a reused event id: nothing is
  /// written then, and the message names the failing part ("store:
  /// apply_scan: transitions[1] pi_x: ...").
  virtual Status apply_scan(const ApplyScanParams& p) = 0;
  /// The chain's cursor, or std::nullopt when the chain was never scanned.
  virtual Result<std::optional<ChainCursorRow>> get_cursor(const GetCursorParams& p) = 0;
  /// Remembered block hashes with number >= from_number, ascending.
  virtual Result<std::vector<BlockHashRow>> list_block_hashes(const ListBlockHashesParams& p) = 0;
  virtual Result<std::vector<PaymentRow>> list_payments(const ListPaymentsParams& p) = 0;
  virtual Result<std::vector<IntentRow>> list_open_intents(const ListOpenIntentsParams& p) = 0;
};

/// How the SQLite store writes. FULL is the default: a committed intent
/// survives power loss, not only a crash of the process (docs/config.md).
enum class SqliteSynchronous { kNormal, kFull };

struct SqliteStoreOptions {
  std::string path;  ///< the database file; created when absent (if create)
  bool create = true;
  SqliteSynchronous synchronous = SqliteSynchronous::kFull;
  int busy_timeout_ms = 5000;
};

/// Opens (and creates / migrates) the SQLite store. A file that is not a
/// SQLite database, or a SQLite database that is not usd1pay's, or one from a
/// newer usd1pay, is a clear error (kInvalidArgument / kFailedPrecondition)
/// naming the path, never a crash.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options);

}  // namespace usd1pay

#endif  // USD1PAY_STORE_H
