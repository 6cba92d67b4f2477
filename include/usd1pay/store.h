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
  /// Intents with this deposit address (ASCII case ignored, as above).
  std::optional<std::string> deposit_address;
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
  /// The chain's latest block number when the payment became final (its
  /// confirmations then: final_head_block - block_number + 1); absent until
  /// final, and for payments finalised before store schema 5.
  std::optional<std::uint64_t> final_head_block;
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
  /// Payments to or from this address (ASCII case ignored: EVM addresses in
  /// any checksum form; callers compare base58 addresses exactly themselves).
  std::optional<std::string> address;
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

/// Every intent, in id order, one keyset page at a time: for readers that
/// stream the whole store (settlement exports) in memory independent of its
/// size. Each page is one consistent snapshot.
struct ScanIntentsParams {
  std::string after_id;      ///< intents with id > after_id; "" from the first
  std::size_t limit = 1000;  ///< 1..100000
  /// Only intents of this deposit strategy ("static", ...); absent: all.
  std::optional<std::string> strategy;
  /// Optional: read only these fields of each row, named as IntentRow's
  /// members ("order_id", "amount_base_units", "created_at_ms", ...); empty
  /// reads every field. `id` (the page's key) is always read. The fields not
  /// named are left empty: strings "" (flags_json too), integers 0, optional
  /// ones absent. A reader that needs few of the columns skips the decoding
  /// of the rest. kInvalidArgument naming an unknown or repeated name.
  std::vector<std::string> fields;
  /// Optional: the rows of an earlier page, handed back to be overwritten
  /// (their strings keep their buffers, so a long scan does not allocate
  /// per row). The call takes them (leaves the vector empty); the page it
  /// returns is the same with or without.
  std::vector<IntentRow>* recycle = nullptr;
};

/// Where a payment stands in scan_payments' order.
struct PaymentScanKey {
  std::string intent_id;  ///< "" for unmatched payments
  std::uint64_t block_number = 0;
  std::uint32_t log_index = 0;
  std::string chain;
  std::string tx_hash;
};

/// Payments one keyset page at a time. unmatched=false: the payments of
/// intents, in (intent_id, block_number, log_index, chain, tx_hash) order
/// (an index serves it, so a reader can merge-join them with scan_intents).
/// unmatched=true: the payments with no intent, in (block_number,
/// log_index, chain, tx_hash) order.
struct ScanPaymentsParams {
  bool unmatched = false;
  /// Payments after this key (exclusive); absent from the first.
  std::optional<PaymentScanKey> after;
  std::size_t limit = 1000;  ///< 1..100000
  /// Optional: read only these fields, named as PaymentRow's members, as
  /// ScanIntentsParams::fields. The scan key (intent_id, block_number,
  /// log_index, chain, tx_hash) is always read.
  std::vector<std::string> fields;
  /// Optional: an earlier page's rows to overwrite, as ScanIntentsParams::recycle.
  std::vector<PaymentRow>* recycle = nullptr;
};

// ---- webhooks (the webhook module decides; the store keeps and leases) ----

/// One signing secret of an endpoint ("whsec_..." form).
struct WebhookSecretRow {
  std::string secret;
  std::int64_t created_at_ms = 0;
  /// 0: valid until replaced. A rotated-out secret keeps signing (beside the
  /// new one) until this time, so receivers can switch without a gap.
  std::int64_t expires_at_ms = 0;
};

/// A webhook endpoint as stored.
struct WebhookEndpointRow {
  std::string id;   ///< "we_..."
  std::string url;  ///< validated by the webhook module
  /// Newest first; never empty.
  std::vector<WebhookSecretRow> secrets;
  /// Event-type filters ("intent.succeeded", "intent.*", "*"); empty = all.
  std::vector<std::string> event_types;
  std::string description;
  bool enabled = true;
  /// Why it is disabled ("" when enabled): "disabled by operator", "410 Gone ...".
  std::string disabled_reason;
  /// "api" (made through the API / CLI) or "config" (from the config file).
  std::string source = "api";
  /// Events with seq <= fanout_seq have been considered for this endpoint.
  /// Set by the store at creation to the newest event's seq: an endpoint
  /// receives the events that happen after it exists (replay sends older ones).
  std::uint64_t fanout_seq = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::uint64_t version = 0;  ///< incremented by every change
};

/// One event to deliver to one endpoint. Its id is the `webhook-id` header:
/// stable for the pair, the same on every attempt and every replay, so
/// receivers can de-duplicate. (event_id, endpoint_id) is unique.
struct WebhookDeliveryRow {
  std::string id;  ///< "msg_..."
  std::string endpoint_id;
  std::string event_id;
  std::uint64_t event_seq = 0;
  std::string event_type;
  /// The ordering key: deliveries of one (endpoint, intent) go one at a time,
  /// in event_seq order. "" = an event about no intent, not ordered.
  std::string intent_id;
  /// "pending" (waiting or being attempted), "succeeded", "failed"
  /// (dead-lettered after the last scheduled attempt; replay revives it).
  std::string status = "pending";
  /// Attempts in the current round (since enqueue or the last replay): picks
  /// the next delay of the retry schedule.
  std::uint32_t round_attempts = 0;
  /// Attempts over the delivery's life.
  std::uint32_t total_attempts = 0;
  std::int64_t next_attempt_at_ms = 0;
  /// Being attempted by `lease_owner` until then; 0 = not leased. A lease
  /// that runs out (its process died) makes the delivery claimable again.
  std::int64_t lease_until_ms = 0;
  std::string lease_owner;
  int last_http_status = 0;  ///< 0 = none yet / no response
  std::string last_error;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::int64_t completed_at_ms = 0;  ///< when it succeeded or was dead-lettered; 0 otherwise
};

/// One HTTP attempt of a delivery, as it happened.
struct WebhookAttemptRow {
  std::string delivery_id;
  std::string endpoint_id;
  std::string event_id;
  std::uint32_t number = 0;  ///< 1-based over the delivery's life; assigned by the store
  std::int64_t started_at_ms = 0;
  std::int64_t latency_ms = 0;
  int http_status = 0;  ///< 0 = no response (connect error, timeout, reset)
  std::string error;    ///< "" on a 2xx; otherwise what went wrong
  /// The start of the response body (at most 1024 bytes, as received).
  std::string response_excerpt;
  /// "succeeded", "retry", "failed" (dead-lettered), "gone" (410: endpoint disabled)
  std::string outcome;
};

struct CreateWebhookEndpointParams {
  WebhookEndpointRow endpoint;  ///< fanout_seq and version are set by the store
};

struct GetWebhookEndpointParams {
  std::string id;
};

struct ListWebhookEndpointsParams {
  std::optional<bool> enabled;  ///< absent = all
  std::size_t limit = 1000;     ///< 1..10000, oldest first (created_at, then id)
};

/// Changes what is set; the rest stays. kNotFound for an unknown id;
/// kFailedPrecondition naming both versions when expected_version differs.
struct UpdateWebhookEndpointParams {
  std::string id;
  std::optional<std::string> url;
  std::optional<std::vector<WebhookSecretRow>> secrets;  ///< never empty when set
  std::optional<std::vector<std::string>> event_types;
  std::optional<std::string> description;
  std::optional<bool> enabled;
  std::optional<std::string> disabled_reason;  ///< cleared automatically when enabled
  std::optional<std::uint64_t> expected_version;
  std::int64_t at_ms = 0;
};

/// Fan-out of new events to one endpoint, as one compare-and-set: the
/// endpoint's fanout_seq moves from expected to new, and the deliveries (for
/// the events the endpoint's filter chose among them) are inserted; a pair
/// that exists already is left as it is. kFailedPrecondition when fanout_seq
/// is not `expected_fanout_seq` (another dispatcher did it first).
struct EnqueueWebhookDeliveriesParams {
  std::string endpoint_id;
  std::uint64_t expected_fanout_seq = 0;
  std::uint64_t new_fanout_seq = 0;
  /// id, event_id, event_seq, event_type, intent_id and next_attempt_at_ms
  /// are taken; the rest is set by the store.
  std::vector<WebhookDeliveryRow> deliveries;
  std::int64_t at_ms = 0;
};

/// Leases deliveries that are due, in one transaction. A delivery is due when
/// it is pending, its endpoint is enabled, next_attempt_at_ms <= now_ms, it is
/// not leased (or its lease ran out), and no other pending delivery of the
/// same (endpoint, intent) has a lower event_seq (per-intent order). At most
/// `max_in_flight_per_endpoint` deliveries of one endpoint are leased at once
/// (counting leases still running), so one slow endpoint cannot take every
/// worker. Oldest next_attempt_at_ms first, then event_seq.
struct ClaimWebhookDeliveriesParams {
  std::int64_t now_ms = 0;
  std::int64_t lease_ms = 60000;               ///< leased until now_ms + lease_ms
  std::string owner;                           ///< written into lease_owner
  std::size_t limit = 16;                      ///< 1..10000
  std::size_t max_in_flight_per_endpoint = 4;  ///< >= 1
};

/// Records one attempt and its consequence in one transaction. The attempt
/// is always recorded (the receiver may have seen it). The delivery changes
/// only while `owner` still holds its lease; otherwise the result's `applied`
/// is false and someone else owns the delivery now.
struct CompleteWebhookAttemptParams {
  std::string delivery_id;
  std::string owner;
  WebhookAttemptRow attempt;  ///< number is assigned by the store
  /// "pending" (retry at next_attempt_at_ms), "succeeded" or "failed".
  std::string new_status;
  std::int64_t next_attempt_at_ms = 0;
  /// When set, the endpoint is disabled with this reason in the same
  /// transaction (a 410 Gone).
  std::optional<std::string> disable_endpoint_reason;
  std::int64_t at_ms = 0;
};

struct CompleteWebhookAttemptResult {
  bool applied = false;
  WebhookDeliveryRow delivery;  ///< as it is now
};

/// Group commit for a dispatcher: in ONE transaction (one commit, so one
/// fsync under synchronous FULL instead of one per attempt), in this order:
///  1. each of `completions`, exactly as complete_webhook_attempt would do it
///     (in order; the same delivery twice is allowed: the second finds the
///     lease cleared and only adds its attempt);
///  2. `release`: deliveries leased by `owner` and never attempted are given
///     back (lease cleared, nothing else changes; one that `owner` no longer
///     holds is left as it is);
///  3. when `claim` is set, claim_webhook_deliveries, which then sees the
///     leases steps 1 and 2 cleared and the heads step 1 moved.
/// All or nothing: when any part is refused nothing is written, and the
/// message names the part ("store: complete_webhook_attempts: completions[2]
/// (msg_x): no delivery msg_x"); a caller that must not lose the other
/// attempts' records then completes them one by one.
struct CompleteWebhookAttemptsParams {
  std::vector<CompleteWebhookAttemptParams> completions;  ///< 0..10000
  std::vector<std::string> release;                       ///< delivery ids; 0..10000
  std::string owner;  ///< the lease owner for `release` (required when it is not empty)
  std::optional<ClaimWebhookDeliveriesParams> claim;
  /// Whether each result carries its delivery as it is now. false: only
  /// `applied` is set (and `delivery` is left empty), which spares reading
  /// each delivery back in full: a dispatcher needs only `applied`.
  bool return_deliveries = true;
};

struct CompleteWebhookAttemptsResult {
  std::vector<CompleteWebhookAttemptResult> completed;  ///< one per completion, in order
  std::size_t released = 0;                             ///< leases given back
  std::vector<WebhookDeliveryRow> claimed;              ///< empty when no claim was asked
};

/// Filters combine with AND. Ordered by event_seq, then endpoint_id.
struct ListWebhookDeliveriesParams {
  std::optional<std::string> event_id;
  std::optional<std::string> endpoint_id;
  std::optional<std::string> intent_id;
  std::optional<std::string> status;
  std::size_t limit = 1000;  ///< 1..100000
};

/// Filters combine with AND. Ordered by started_at_ms, then delivery and number.
struct ListWebhookAttemptsParams {
  std::optional<std::string> delivery_id;
  std::optional<std::string> endpoint_id;
  std::optional<std::string> event_id;
  std::size_t limit = 1000;  ///< 1..100000
};

/// Sends an event again: the delivery of (event, endpoint) goes back to
/// pending, due at at_ms, with a new round (round_attempts 0) and its old
/// attempts kept; it keeps its id. With endpoint_id: that endpoint, and a
/// delivery is created (id new_delivery_id) when the pair has none (the
/// filter skipped it, or the endpoint is newer than the event). Without: every
/// endpoint that has a delivery of the event. kNotFound for an unknown event
/// or endpoint.
struct ReplayWebhookParams {
  std::string event_id;
  std::optional<std::string> endpoint_id;
  std::string new_delivery_id;  ///< "msg_..."; used only when a delivery is created
  std::int64_t at_ms = 0;
};

struct GetEventParams {
  std::string id;
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

  // ---- streaming reads (exports) ----

  virtual Result<std::vector<IntentRow>> scan_intents(const ScanIntentsParams& p) = 0;
  virtual Result<std::vector<PaymentRow>> scan_payments(const ScanPaymentsParams& p) = 0;

  // ---- webhooks ----

  /// kAlreadyExists for a reused id; kInvalidArgument for no secrets.
  virtual Result<WebhookEndpointRow> create_webhook_endpoint(
      const CreateWebhookEndpointParams& p) = 0;
  /// kNotFound when there is no such endpoint.
  virtual Result<WebhookEndpointRow> get_webhook_endpoint(const GetWebhookEndpointParams& p) = 0;
  virtual Result<std::vector<WebhookEndpointRow>> list_webhook_endpoints(
      const ListWebhookEndpointsParams& p) = 0;
  virtual Result<WebhookEndpointRow> update_webhook_endpoint(
      const UpdateWebhookEndpointParams& p) = 0;
  /// Returns the number of deliveries inserted.
  virtual Result<std::size_t> enqueue_webhook_deliveries(
      const EnqueueWebhookDeliveriesParams& p) = 0;
  virtual Result<std::vector<WebhookDeliveryRow>> claim_webhook_deliveries(
      const ClaimWebhookDeliveriesParams& p) = 0;
  virtual Result<CompleteWebhookAttemptResult> complete_webhook_attempt(
      const CompleteWebhookAttemptParams& p) = 0;
  /// Several completions, lease releases and a claim in one transaction
  /// (see CompleteWebhookAttemptsParams).
  virtual Result<CompleteWebhookAttemptsResult> complete_webhook_attempts(
      const CompleteWebhookAttemptsParams& p) = 0;
  virtual Result<std::vector<WebhookDeliveryRow>> list_webhook_deliveries(
      const ListWebhookDeliveriesParams& p) = 0;
  virtual Result<std::vector<WebhookAttemptRow>> list_webhook_attempts(
      const ListWebhookAttemptsParams& p) = 0;
  /// The deliveries now pending for the replay.
  virtual Result<std::vector<WebhookDeliveryRow>> replay_webhook(const ReplayWebhookParams& p) = 0;
  /// One event by id; kNotFound when there is none.
  virtual Result<EventRow> get_event(const GetEventParams& p) = 0;
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
