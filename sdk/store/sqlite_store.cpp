// store: the embedded SQLite implementation of Store (docs/store.md): open,
// migrations, intents, events and tracking. The webhook operations are in
// sqlite_webhooks.cpp; the class and what both files share are in
// sqlite_store_internal.h.
//
// Connections: one writer connection behind a mutex, and a small pool of
// reader connections. Threads of one process queue on the mutex instead of
// spinning in SQLite's busy handler; processes serialise on SQLite's file
// locks through BEGIN IMMEDIATE and the busy timeout. WAL lets readers run
// beside the writer, each seeing the last committed state.
//
// Every write is one BEGIN IMMEDIATE transaction: the write lock is taken
// before anything is read, so a read-check-write (idempotency key, status
// compare-and-set, next deposit index, previous event hash) cannot race with
// another thread or process. When the lock is still held by someone else
// after busy_timeout_ms, the whole operation is retried a few times with a
// growing, jittered pause before it fails with kIo.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "store/event_hash.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store_internal.h"
#include "usd1pay/clock.h"
#include "usd1pay/encoding.h"
#include "usd1pay/store.h"

namespace usd1pay::store_internal {
namespace {

/// PRAGMA application_id of every usd1pay store: "USD1" in ASCII.
constexpr std::int32_t kApplicationId = 0x55534431;

/// Forward migrations, applied in order at open inside one transaction. A
/// released step is never edited: a change is a new step at the end.
struct Migration {
  int version;
  const char* sql;
};

// clang-format off
constexpr Migration kMigrations[] = {
  {1, R"sql(
CREATE TABLE schema_version (
  version       INTEGER PRIMARY KEY,
  applied_at_ms INTEGER NOT NULL
);
CREATE TABLE intents (
  id                TEXT PRIMARY KEY NOT NULL,
  order_id          TEXT NOT NULL,
  status            TEXT NOT NULL,
  chain             TEXT NOT NULL,
  token_symbol      TEXT NOT NULL,
  token_contract    TEXT NOT NULL,
  token_decimals    INTEGER NOT NULL CHECK (token_decimals BETWEEN 0 AND 255),
  amount            TEXT NOT NULL,
  currency          TEXT NOT NULL,
  amount_base_units TEXT NOT NULL,
  strategy          TEXT NOT NULL,
  deposit_address   TEXT NOT NULL,
  deposit_index     INTEGER CHECK (deposit_index BETWEEN 0 AND 4294967295),
  reference         TEXT NOT NULL,
  payment_uri       TEXT NOT NULL,
  metadata_json     TEXT NOT NULL,
  idempotency_key   TEXT,
  request_hash      TEXT NOT NULL,
  flags_json        TEXT NOT NULL,
  created_at_ms     INTEGER NOT NULL,
  updated_at_ms     INTEGER NOT NULL,
  expires_at_ms     INTEGER NOT NULL,
  version           INTEGER NOT NULL CHECK (version >= 1)
);
CREATE UNIQUE INDEX intents_idempotency_key ON intents (idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX intents_status_expires ON intents (status, expires_at_ms);
CREATE INDEX intents_order_id ON intents (order_id, created_at_ms, id);
CREATE INDEX intents_created ON intents (created_at_ms, id);
CREATE INDEX intents_expires ON intents (expires_at_ms);
CREATE TABLE deposit_indexes (
  chain      TEXT NOT NULL,
  key_id     TEXT NOT NULL,
  next_index INTEGER NOT NULL CHECK (next_index BETWEEN 0 AND 2147483648),
  PRIMARY KEY (chain, key_id)
) WITHOUT ROWID;
CREATE TABLE events (
  seq           INTEGER PRIMARY KEY,
  id            TEXT NOT NULL UNIQUE,
  intent_id     TEXT REFERENCES intents (id),
  intent_seq    INTEGER NOT NULL,
  type          TEXT NOT NULL,
  actor         TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  data_json     TEXT NOT NULL,
  prev_hash     TEXT NOT NULL,
  hash          TEXT NOT NULL,
  UNIQUE (intent_id, intent_seq)
);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'usd1pay: events are append-only (update refused)');
END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'usd1pay: events are append-only (delete refused)');
END;
)sql"},
  // Confirmation tracking (issue 4): payments seen on chain, each chain's
  // scan cursor and the block hashes remembered to detect reorganisations.
  // payments.intent_id is NULL for a transfer no intent could take.
  {2, R"sql(
CREATE TABLE payments (
  id                TEXT PRIMARY KEY NOT NULL,
  chain             TEXT NOT NULL,
  tx_hash           TEXT NOT NULL,
  log_index         INTEGER NOT NULL CHECK (log_index BETWEEN 0 AND 4294967295),
  block_number      INTEGER NOT NULL CHECK (block_number >= 0),
  block_hash        TEXT NOT NULL,
  block_time        INTEGER NOT NULL,
  token_contract    TEXT NOT NULL,
  from_address      TEXT NOT NULL,
  to_address        TEXT NOT NULL,
  amount_base_units TEXT NOT NULL,
  intent_id         TEXT REFERENCES intents (id),
  status            TEXT NOT NULL CHECK (status IN ('pending', 'final', 'orphaned')),
  flags_json        TEXT NOT NULL,
  detected_at_ms    INTEGER NOT NULL,
  final_at_ms       INTEGER NOT NULL,
  updated_at_ms     INTEGER NOT NULL,
  UNIQUE (chain, tx_hash, log_index)
);
CREATE INDEX payments_intent ON payments (intent_id);
CREATE INDEX payments_chain_status ON payments (chain, status);
CREATE INDEX payments_tx_hash ON payments (tx_hash);
CREATE INDEX payments_block_order ON payments (block_number, log_index, chain, tx_hash);
CREATE TABLE chain_cursors (
  chain         TEXT PRIMARY KEY NOT NULL,
  next_block    INTEGER NOT NULL CHECK (next_block >= 0),
  updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE block_hashes (
  chain  TEXT NOT NULL,
  number INTEGER NOT NULL CHECK (number >= 0),
  hash   TEXT NOT NULL,
  PRIMARY KEY (chain, number)
) WITHOUT ROWID;
)sql"},
  // Webhooks (issue 5): endpoints, one delivery per (event, endpoint) and
  // every HTTP attempt. is_head marks the delivery of an (endpoint, intent)
  // that per-intent order lets go next (the pending one with the lowest
  // event_seq; every pending delivery of no intent): the claim reads only
  // heads, so a long queue behind one intent costs nothing to skip.
  {3, R"sql(
CREATE TABLE webhook_endpoints (
  id               TEXT PRIMARY KEY NOT NULL,
  url              TEXT NOT NULL,
  secrets_json     TEXT NOT NULL,
  event_types_json TEXT NOT NULL,
  description      TEXT NOT NULL,
  enabled          INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  disabled_reason  TEXT NOT NULL,
  source           TEXT NOT NULL CHECK (source IN ('api', 'config')),
  fanout_seq       INTEGER NOT NULL CHECK (fanout_seq >= 0),
  created_at_ms    INTEGER NOT NULL,
  updated_at_ms    INTEGER NOT NULL,
  version          INTEGER NOT NULL CHECK (version >= 1)
);
CREATE INDEX webhook_endpoints_created ON webhook_endpoints (created_at_ms, id);
CREATE TABLE webhook_deliveries (
  id                 TEXT PRIMARY KEY NOT NULL,
  endpoint_id        TEXT NOT NULL REFERENCES webhook_endpoints (id),
  event_id           TEXT NOT NULL REFERENCES events (id),
  event_seq          INTEGER NOT NULL CHECK (event_seq >= 1),
  event_type         TEXT NOT NULL,
  intent_id          TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  is_head            INTEGER NOT NULL
                     CHECK (is_head IN (0, 1) AND (is_head = 0 OR status = 'pending')),
  round_attempts     INTEGER NOT NULL CHECK (round_attempts >= 0),
  total_attempts     INTEGER NOT NULL CHECK (total_attempts >= 0),
  next_attempt_at_ms INTEGER NOT NULL,
  lease_until_ms     INTEGER NOT NULL,
  lease_owner        TEXT NOT NULL,
  last_http_status   INTEGER NOT NULL,
  last_error         TEXT NOT NULL,
  created_at_ms      INTEGER NOT NULL,
  updated_at_ms      INTEGER NOT NULL,
  completed_at_ms    INTEGER NOT NULL,
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_claim ON webhook_deliveries
  (endpoint_id, next_attempt_at_ms, event_seq) WHERE is_head = 1;
CREATE INDEX webhook_deliveries_heads ON webhook_deliveries
  (endpoint_id, intent_id) WHERE is_head = 1;
CREATE INDEX webhook_deliveries_order ON webhook_deliveries
  (endpoint_id, intent_id, event_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leases ON webhook_deliveries
  (lease_until_ms, endpoint_id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, event_seq);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, event_seq);
CREATE INDEX webhook_deliveries_seq ON webhook_deliveries (event_seq, endpoint_id);
CREATE TABLE webhook_attempts (
  delivery_id      TEXT NOT NULL REFERENCES webhook_deliveries (id),
  number           INTEGER NOT NULL CHECK (number >= 1),
  endpoint_id      TEXT NOT NULL,
  event_id         TEXT NOT NULL,
  started_at_ms    INTEGER NOT NULL,
  latency_ms       INTEGER NOT NULL CHECK (latency_ms >= 0),
  http_status      INTEGER NOT NULL CHECK (http_status = 0 OR http_status BETWEEN 100 AND 999),
  error            TEXT NOT NULL,
  response_excerpt TEXT NOT NULL,
  outcome          TEXT NOT NULL CHECK (outcome IN ('succeeded', 'retry', 'failed', 'gone')),
  PRIMARY KEY (delivery_id, number)
);
CREATE INDEX webhook_attempts_started ON webhook_attempts (started_at_ms, delivery_id, number);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, started_at_ms);
CREATE INDEX webhook_attempts_event ON webhook_attempts (event_id, started_at_ms);
)sql"},
  // 4: settlement exports merge-join intents (primary key order) with their
  // payments in (intent_id, block order); this index serves scan_payments.
  {4, R"sql(
CREATE INDEX payments_intent_order ON payments (intent_id, block_number, log_index, chain, tx_hash);
)sql"},
  // 5: the chain's head when a payment became final (NULL until final, and
  // for payments finalised before this version), so that exports state the
  // confirmations at settlement; and indexes for look-ups by address (EVM
  // addresses are compared without regard to ASCII case).
  {5, R"sql(
ALTER TABLE payments ADD COLUMN final_head_block INTEGER
  CHECK (final_head_block IS NULL OR (final_head_block >= block_number AND status = 'final'));
CREATE INDEX payments_to_address ON payments (to_address COLLATE NOCASE);
CREATE INDEX payments_from_address ON payments (from_address COLLATE NOCASE);
CREATE INDEX intents_deposit_address ON intents (deposit_address COLLATE NOCASE);
)sql"},
  // 6: fewer index pages written per webhook delivery (each index keyed by
  // a random id costs a page of its own per delivery in every commit). The
  // pending deliveries of an (endpoint, intent) are found, heads or not, in
  // ONE index with is_head in its key (it replaces the order index and the
  // heads index, which every completion and fan-out wrote both); attempts
  // of an event are found through its deliveries (webhook_deliveries has
  // UNIQUE (event_id, endpoint_id)), not an index of their own.
  //
  // And the two tables are rebuilt (same columns, same rows) with their
  // CHECKs of a closed set written as comparisons: SQLite evaluates
  // "x IN ('a', 'b', 'c')" in a CHECK by building a temporary b-tree of the
  // list on every insert and update of the column (perf: about 7 % of the
  // recording thread). Children first, so that no foreign key ever points
  // at a missing row; the indexes are made again on the new tables.
  {6, R"sql(
CREATE TABLE webhook_deliveries_v6 (
  id                 TEXT PRIMARY KEY NOT NULL,
  endpoint_id        TEXT NOT NULL REFERENCES webhook_endpoints (id),
  event_id           TEXT NOT NULL REFERENCES events (id),
  event_seq          INTEGER NOT NULL CHECK (event_seq >= 1),
  event_type         TEXT NOT NULL,
  intent_id          TEXT NOT NULL,
  status             TEXT NOT NULL
                     CHECK (status = 'pending' OR status = 'succeeded' OR status = 'failed'),
  is_head            INTEGER NOT NULL
                     CHECK ((is_head = 0 OR is_head = 1) AND (is_head = 0 OR status = 'pending')),
  round_attempts     INTEGER NOT NULL CHECK (round_attempts >= 0),
  total_attempts     INTEGER NOT NULL CHECK (total_attempts >= 0),
  next_attempt_at_ms INTEGER NOT NULL,
  lease_until_ms     INTEGER NOT NULL,
  lease_owner        TEXT NOT NULL,
  last_http_status   INTEGER NOT NULL,
  last_error         TEXT NOT NULL,
  created_at_ms      INTEGER NOT NULL,
  updated_at_ms      INTEGER NOT NULL,
  completed_at_ms    INTEGER NOT NULL,
  UNIQUE (event_id, endpoint_id)
);
INSERT INTO webhook_deliveries_v6 SELECT * FROM webhook_deliveries ORDER BY rowid;
CREATE TEMP TABLE webhook_attempts_v5 AS SELECT * FROM webhook_attempts ORDER BY rowid;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_v6 RENAME TO webhook_deliveries;
CREATE TABLE webhook_attempts (
  delivery_id      TEXT NOT NULL REFERENCES webhook_deliveries (id),
  number           INTEGER NOT NULL CHECK (number >= 1),
  endpoint_id      TEXT NOT NULL,
  event_id         TEXT NOT NULL,
  started_at_ms    INTEGER NOT NULL,
  latency_ms       INTEGER NOT NULL CHECK (latency_ms >= 0),
  http_status      INTEGER NOT NULL CHECK (http_status = 0 OR http_status BETWEEN 100 AND 999),
  error            TEXT NOT NULL,
  response_excerpt TEXT NOT NULL,
  outcome          TEXT NOT NULL CHECK (outcome = 'succeeded' OR outcome = 'retry' OR
                                        outcome = 'failed' OR outcome = 'gone'),
  PRIMARY KEY (delivery_id, number)
);
INSERT INTO webhook_attempts SELECT * FROM temp.webhook_attempts_v5;
DROP TABLE temp.webhook_attempts_v5;
CREATE INDEX webhook_deliveries_claim ON webhook_deliveries
  (endpoint_id, next_attempt_at_ms, event_seq) WHERE is_head = 1;
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries
  (endpoint_id, intent_id, is_head, event_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leases ON webhook_deliveries
  (lease_until_ms, endpoint_id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, event_seq);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, event_seq);
CREATE INDEX webhook_deliveries_seq ON webhook_deliveries (event_seq, endpoint_id);
CREATE INDEX webhook_attempts_started ON webhook_attempts (started_at_ms, delivery_id, number);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, started_at_ms);
)sql"},
  // 7: a delivery that succeeds, the usual case, passes through two indexes
  // fewer. The status index keeps only deliveries not (yet) succeeded, the
  // ones worth listing by status (pending, dead letters): a success used to
  // cost it a delete and an insert. The leases index keeps only running
  // leases: fan-out no longer inserts an unleased delivery and a claim no
  // longer deletes it again (4 index writes per delivery become 2). Listing
  // succeeded deliveries walks webhook_deliveries_seq instead; the status
  // index now ends with endpoint_id, the listing's last sort key.
  {7, R"sql(
DROP INDEX webhook_deliveries_status;
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, event_seq, endpoint_id)
  WHERE status <> 'succeeded';
DROP INDEX webhook_deliveries_leases;
CREATE INDEX webhook_deliveries_leases ON webhook_deliveries (lease_until_ms, endpoint_id)
  WHERE status = 'pending' AND lease_until_ms > 0;
)sql"},
};
// clang-format on

constexpr int kLatestSchemaVersion = 7;
constexpr std::size_t kMaxIdleReaders = 4;
/// Rows reserved up front by a scan page (no regrowth for the usual pages).
constexpr std::size_t kScanReserve = 1000;
constexpr std::size_t kMaxOrderIdBytes = 200;
constexpr std::size_t kMaxStatuses = 64;
/// BIP-32 non-hardened indexes are 0 .. 2^31 - 1.
constexpr std::int64_t kDepositIndexLimit = std::int64_t{1} << 31;

constexpr char kIntentColumns[] =
    "id, order_id, status, chain, token_symbol, token_contract, token_decimals, amount, "
    "currency, amount_base_units, strategy, deposit_address, deposit_index, reference, "
    "payment_uri, metadata_json, idempotency_key, request_hash, flags_json, created_at_ms, "
    "updated_at_ms, expires_at_ms, version";

constexpr char kPaymentColumns[] =
    "id, chain, tx_hash, log_index, block_number, block_hash, block_time, token_contract, "
    "from_address, to_address, amount_base_units, intent_id, status, flags_json, "
    "detected_at_ms, final_at_ms, updated_at_ms, final_head_block";

/// Payment statuses the store accepts (the table's CHECK says the same).
constexpr std::string_view kPaymentStatuses[] = {"pending", "final", "orphaned"};

/// Block numbers are stored as SQLite's signed 64-bit integers.
constexpr std::uint64_t kMaxBlockNumber =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Every field of `r` from the row (an earlier row's buffers are reused).
void read_intent_into(const Query& q, IntentRow* r) {
  q.text_into(0, &r->id);
  q.text_into(1, &r->order_id);
  q.text_into(2, &r->status);
  q.text_into(3, &r->chain);
  q.text_into(4, &r->token_symbol);
  q.text_into(5, &r->token_contract);
  r->token_decimals = static_cast<unsigned>(q.int64(6));
  q.text_into(7, &r->amount);
  q.text_into(8, &r->currency);
  q.text_into(9, &r->amount_base_units);
  q.text_into(10, &r->strategy);
  q.text_into(11, &r->deposit_address);
  if (q.is_null(12)) {
    r->deposit_index.reset();
  } else {
    r->deposit_index = static_cast<std::uint32_t>(q.int64(12));
  }
  q.text_into(13, &r->reference);
  q.text_into(14, &r->payment_uri);
  q.text_into(15, &r->metadata_json);
  if (q.is_null(16)) {
    r->idempotency_key.reset();
  } else {
    if (!r->idempotency_key) r->idempotency_key.emplace();
    q.text_into(16, &*r->idempotency_key);
  }
  q.text_into(17, &r->request_hash);
  q.text_into(18, &r->flags_json);
  r->created_at_ms = q.int64(19);
  r->updated_at_ms = q.int64(20);
  r->expires_at_ms = q.int64(21);
  r->version = static_cast<std::uint64_t>(q.int64(22));
}

IntentRow read_intent(const Query& q) {
  IntentRow r;
  read_intent_into(q, &r);
  return r;
}

/// Every field of `r` from the row (an earlier row's buffers are reused).
void read_payment_into(const Query& q, PaymentRow* r) {
  q.text_into(0, &r->id);
  q.text_into(1, &r->chain);
  q.text_into(2, &r->tx_hash);
  r->log_index = static_cast<std::uint32_t>(q.int64(3));
  r->block_number = static_cast<std::uint64_t>(q.int64(4));
  q.text_into(5, &r->block_hash);
  r->block_time = q.int64(6);
  q.text_into(7, &r->token_contract);
  q.text_into(8, &r->from_address);
  q.text_into(9, &r->to_address);
  q.text_into(10, &r->amount_base_units);
  if (q.is_null(11)) {
    r->intent_id.clear();
  } else {
    q.text_into(11, &r->intent_id);
  }
  q.text_into(12, &r->status);
  q.text_into(13, &r->flags_json);
  r->detected_at_ms = q.int64(14);
  r->final_at_ms = q.int64(15);
  r->updated_at_ms = q.int64(16);
  if (q.is_null(17)) {
    r->final_head_block.reset();
  } else {
    r->final_head_block = static_cast<std::uint64_t>(q.int64(17));
  }
}

PaymentRow read_payment(const Query& q) {
  PaymentRow r;
  read_payment_into(q, &r);
  return r;
}

// ---- column subsets of scans (ScanIntentsParams::fields) ----

/// Bit k: field k of a row, in kIntentColumns / kPaymentColumns order.
using FieldMask = std::uint32_t;

/// IntentRow's fields, in kIntentColumns order (the columns have their names).
constexpr std::string_view kIntentFields[] = {"id",
                                              "order_id",
                                              "status",
                                              "chain",
                                              "token_symbol",
                                              "token_contract",
                                              "token_decimals",
                                              "amount",
                                              "currency",
                                              "amount_base_units",
                                              "strategy",
                                              "deposit_address",
                                              "deposit_index",
                                              "reference",
                                              "payment_uri",
                                              "metadata_json",
                                              "idempotency_key",
                                              "request_hash",
                                              "flags_json",
                                              "created_at_ms",
                                              "updated_at_ms",
                                              "expires_at_ms",
                                              "version"};
/// PaymentRow's fields, in kPaymentColumns order.
constexpr std::string_view kPaymentFields[] = {"id",
                                               "chain",
                                               "tx_hash",
                                               "log_index",
                                               "block_number",
                                               "block_hash",
                                               "block_time",
                                               "token_contract",
                                               "from_address",
                                               "to_address",
                                               "amount_base_units",
                                               "intent_id",
                                               "status",
                                               "flags_json",
                                               "detected_at_ms",
                                               "final_at_ms",
                                               "updated_at_ms",
                                               "final_head_block"};
constexpr std::size_t kIntentFieldCount = std::size(kIntentFields);
constexpr std::size_t kPaymentFieldCount = std::size(kPaymentFields);
static_assert(kIntentFieldCount <= 32 && kPaymentFieldCount <= 32, "a FieldMask has 32 bits");

constexpr FieldMask all_fields(std::size_t count) {
  return count == 32 ? ~FieldMask{0} : (FieldMask{1} << count) - 1;
}

/// The fields a scan reads: every one when `fields` is empty, else those
/// named plus `always` (the scan's key). kInvalidArgument naming the first
/// unknown or repeated name.
template <std::size_t N>
Status field_mask(std::string_view op, const std::vector<std::string>& fields,
                  const std::string_view (&names)[N], std::string_view row, FieldMask always,
                  FieldMask* mask) {
  if (fields.empty()) {
    *mask = all_fields(N);
    return Status();
  }
  FieldMask m = 0;
  for (std::size_t k = 0; k < fields.size(); ++k) {
    const std::string& name = fields[k];
    const std::string where = "fields[" + std::to_string(k) + "]";
    const auto* it = std::find(std::begin(names), std::end(names), name);
    if (it == std::end(names)) {
      for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (!((c >= 'a' && c <= 'z') || c == '_')) {
          return invalid(op, where + " is not a field of " + std::string(row) + " (" +
                                 quote_char(c) + " at position " + std::to_string(i) + ")");
        }
      }
      if (name.empty()) return invalid(op, where + " is empty");
      return invalid(op, where + " '" + name + "' is not a field of " + std::string(row));
    }
    const FieldMask bit = FieldMask{1} << static_cast<unsigned>(it - std::begin(names));
    if ((m & bit) != 0) return invalid(op, where + " '" + name + "' is named twice");
    m |= bit;
  }
  *mask = m | always;
  return Status();
}

/// "a, b, c": the columns of `mask`, in table order.
template <std::size_t N>
std::string column_list(const std::string_view (&names)[N], FieldMask mask) {
  std::string out;
  for (std::size_t f = 0; f < N; ++f) {
    if ((mask & (FieldMask{1} << f)) == 0) continue;
    if (!out.empty()) out += ", ";
    out += names[f];
  }
  return out;
}

/// Field f of `r`: from column `col` when `read`, else cleared (an earlier
/// row's value must not show through a recycled row).
void intent_field(const Query& q, std::size_t f, int col, bool read, IntentRow* r) {
  auto text = [&](std::string* out) {
    if (read) {
      q.text_into(col, out);
    } else {
      out->clear();
    }
  };
  auto integer = [&]() { return read ? q.int64(col) : 0; };
  switch (f) {
    case 0: text(&r->id); break;
    case 1: text(&r->order_id); break;
    case 2: text(&r->status); break;
    case 3: text(&r->chain); break;
    case 4: text(&r->token_symbol); break;
    case 5: text(&r->token_contract); break;
    case 6: r->token_decimals = static_cast<unsigned>(integer()); break;
    case 7: text(&r->amount); break;
    case 8: text(&r->currency); break;
    case 9: text(&r->amount_base_units); break;
    case 10: text(&r->strategy); break;
    case 11: text(&r->deposit_address); break;
    case 12:
      if (!read || q.is_null(col)) {
        r->deposit_index.reset();
      } else {
        r->deposit_index = static_cast<std::uint32_t>(q.int64(col));
      }
      break;
    case 13: text(&r->reference); break;
    case 14: text(&r->payment_uri); break;
    case 15: text(&r->metadata_json); break;
    case 16:
      if (!read || q.is_null(col)) {
        r->idempotency_key.reset();
      } else {
        if (!r->idempotency_key) r->idempotency_key.emplace();
        q.text_into(col, &*r->idempotency_key);
      }
      break;
    case 17: text(&r->request_hash); break;
    case 18: text(&r->flags_json); break;
    case 19: r->created_at_ms = integer(); break;
    case 20: r->updated_at_ms = integer(); break;
    case 21: r->expires_at_ms = integer(); break;
    default: r->version = static_cast<std::uint64_t>(integer()); break;
  }
}

void payment_field(const Query& q, std::size_t f, int col, bool read, PaymentRow* r) {
  auto text = [&](std::string* out) {
    if (read) {
      q.text_into(col, out);
    } else {
      out->clear();
    }
  };
  auto integer = [&]() { return read ? q.int64(col) : 0; };
  switch (f) {
    case 0: text(&r->id); break;
    case 1: text(&r->chain); break;
    case 2: text(&r->tx_hash); break;
    case 3: r->log_index = static_cast<std::uint32_t>(integer()); break;
    case 4: r->block_number = static_cast<std::uint64_t>(integer()); break;
    case 5: text(&r->block_hash); break;
    case 6: r->block_time = integer(); break;
    case 7: text(&r->token_contract); break;
    case 8: text(&r->from_address); break;
    case 9: text(&r->to_address); break;
    case 10: text(&r->amount_base_units); break;
    case 11:
      if (!read || q.is_null(col)) {
        r->intent_id.clear();
      } else {
        q.text_into(col, &r->intent_id);
      }
      break;
    case 12: text(&r->status); break;
    case 13: text(&r->flags_json); break;
    case 14: r->detected_at_ms = integer(); break;
    case 15: r->final_at_ms = integer(); break;
    case 16: r->updated_at_ms = integer(); break;
    default:
      if (!read || q.is_null(col)) {
        r->final_head_block.reset();
      } else {
        r->final_head_block = static_cast<std::uint64_t>(q.int64(col));
      }
      break;
  }
}

/// Reads a scan's row: every field straight (the usual case), or the
/// subset of `mask` with the other fields cleared.
template <typename Row, std::size_t N>
class RowReader {
 public:
  using Whole = void (*)(const Query&, Row*);
  using Field = void (*)(const Query&, std::size_t, int, bool, Row*);
  RowReader(FieldMask mask, Whole whole, Field field) : mask_(mask), whole_(whole), field_(field) {}
  void operator()(const Query& q, Row* r) const {
    if (mask_ == all_fields(N)) {
      whole_(q, r);
      return;
    }
    int col = 0;
    for (std::size_t f = 0; f < N; ++f) {
      const bool read = (mask_ & (FieldMask{1} << f)) != 0;
      field_(q, f, col, read, r);
      if (read) ++col;
    }
  }

 private:
  FieldMask mask_;
  Whole whole_;
  Field field_;
};

/// The rows a scan's caller handed back (ScanIntentsParams::recycle), taken.
template <typename Row>
std::vector<Row> take_recycled(std::vector<Row>* recycle) {
  if (recycle == nullptr) return {};
  std::vector<Row> rows = std::move(*recycle);
  recycle->clear();
  return rows;
}

/// Row `*n` of a scan page from the query: an earlier page's row overwritten
/// when there is one, else a new row.
template <typename Row, typename ReadInto>
void read_row_at(const Query& q, const ReadInto& read_into, std::vector<Row>* rows,
                 std::size_t* n) {
  if (*n == rows->size()) rows->emplace_back();
  read_into(q, &(*rows)[*n]);
  ++*n;
}

}  // namespace

EventRow read_event(const Query& q) {
  EventRow e;
  e.seq = static_cast<std::uint64_t>(q.int64(0));
  e.id = q.text(1);
  if (!q.is_null(2)) e.intent_id = q.text(2);
  e.intent_seq = static_cast<std::uint64_t>(q.int64(3));
  e.type = q.text(4);
  e.actor = q.text(5);
  e.created_at_ms = q.int64(6);
  e.data_json = q.text(7);
  e.prev_hash = q.text(8);
  e.hash = q.text(9);
  return e;
}

// ---- validation of what callers hand in ----

Status invalid(std::string_view op, const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, "store: " + std::string(op) + ": " + what);
}

Status require_non_empty(std::string_view op, std::string_view field, const std::string& value) {
  if (value.empty()) return invalid(op, std::string(field) + " is empty");
  if (value.find('\0') != std::string::npos) {
    return invalid(op, std::string(field) + " contains a NUL byte");
  }
  return Status();
}

Status require_json(std::string_view op, std::string_view field, const std::string& text,
                    JsonShape shape) {
  const nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return invalid(op, std::string(field) + " is not valid JSON");
  if (shape == JsonShape::kObject && !value.is_object()) {
    return invalid(op, std::string(field) + " is not a JSON object");
  }
  if (shape == JsonShape::kStringArray) {
    if (!value.is_array()) return invalid(op, std::string(field) + " is not a JSON array");
    for (const auto& item : value) {
      if (!item.is_string()) return invalid(op, std::string(field) + " holds a non-string");
    }
  }
  return Status();
}

Status check_limit(std::string_view op, std::size_t limit, std::size_t max) {
  if (limit < 1 || limit > max) {
    return invalid(op, "limit " + std::to_string(limit) + " is outside 1.." + std::to_string(max));
  }
  return Status();
}

void backoff(int attempt) {
  // 10, 20, 40, 80 ... ms, each with up to as much again of jitter, so that
  // processes that woke together do not collide again.
  thread_local std::minstd_rand rng(std::random_device{}());
  const int base = 10 << std::min(attempt, 6);
  std::uniform_int_distribution<int> jitter(0, base);
  std::this_thread::sleep_for(std::chrono::milliseconds(base + jitter(rng)));
}

namespace {

Status validate_new_event(std::string_view op, const NewEvent& e, std::string_view field) {
  const std::string f(field);
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, f + ".id", e.id));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, f + ".type", e.type));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, f + ".actor", e.actor));
  return require_json(op, f + ".data_json", e.data_json, JsonShape::kObject);
}

Status validate_intent(std::string_view op, const IntentRow& r) {
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, "intent.id", r.id));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, "intent.order_id", r.order_id));
  if (r.order_id.size() > kMaxOrderIdBytes) {
    return invalid(op, "intent.order_id is " + std::to_string(r.order_id.size()) +
                           " bytes, more than " + std::to_string(kMaxOrderIdBytes));
  }
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, "intent.status", r.status));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, "intent.chain", r.chain));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, "intent.amount", r.amount));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, "intent.currency", r.currency));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, "intent.amount_base_units", r.amount_base_units));
  if (r.amount_base_units.find_first_not_of("0123456789") != std::string::npos) {
    return invalid(op,
                   "intent.amount_base_units '" + r.amount_base_units + "' is not decimal digits");
  }
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, "intent.strategy", r.strategy));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, "intent.request_hash", r.request_hash));
  if (r.token_decimals > 255) {
    return invalid(
        op, "intent.token_decimals " + std::to_string(r.token_decimals) + " is more than 255");
  }
  if (r.idempotency_key) {
    USD1PAY_RETURN_IF_ERROR(require_non_empty(op, "intent.idempotency_key", *r.idempotency_key));
  }
  USD1PAY_RETURN_IF_ERROR(
      require_json(op, "intent.metadata_json", r.metadata_json, JsonShape::kObject));
  return require_json(op, "intent.flags_json", r.flags_json, JsonShape::kStringArray);
}

Status require_block_number(std::string_view op, std::string_view field, std::uint64_t value) {
  if (value > kMaxBlockNumber) {
    return invalid(op, std::string(field) + " " + std::to_string(value) + " is more than " +
                           std::to_string(kMaxBlockNumber));
  }
  return Status();
}

/// `field` prefixes the names in messages ("transitions[2]." in apply_scan).
Status validate_transition(std::string_view op, const std::string& field,
                           const TransitionIntentParams& p) {
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, field + "id", p.id));
  if (p.from_statuses.empty()) return invalid(op, field + "from_statuses is empty");
  for (const auto& s : p.from_statuses) {
    USD1PAY_RETURN_IF_ERROR(require_non_empty(op, field + "from_statuses[]", s));
  }
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, field + "to_status", p.to_status));
  if (p.flags_json) {
    USD1PAY_RETURN_IF_ERROR(
        require_json(op, field + "flags_json", *p.flags_json, JsonShape::kStringArray));
  }
  return validate_new_event(op, p.event, field + "event");
}

Status validate_payment(std::string_view op, const std::string& field, const PaymentRow& r) {
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, field + ".id", r.id));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, field + ".chain", r.chain));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, field + ".tx_hash", r.tx_hash));
  USD1PAY_RETURN_IF_ERROR(require_block_number(op, field + ".block_number", r.block_number));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, field + ".amount_base_units", r.amount_base_units));
  if (r.amount_base_units.find_first_not_of("0123456789") != std::string::npos) {
    return invalid(
        op, field + ".amount_base_units '" + r.amount_base_units + "' is not decimal digits");
  }
  if (std::find(std::begin(kPaymentStatuses), std::end(kPaymentStatuses), r.status) ==
      std::end(kPaymentStatuses)) {
    return invalid(
        op, field + ".status '" + r.status + "' is not one of 'pending', 'final', 'orphaned'");
  }
  if (r.final_head_block) {
    if (r.status != "final") {
      return invalid(op, field + ".final_head_block is set on a payment in status '" + r.status +
                             "' (only a final payment has one)");
    }
    if (*r.final_head_block < r.block_number || *r.final_head_block > kMaxBlockNumber) {
      return invalid(op, field + ".final_head_block " + std::to_string(*r.final_head_block) +
                             " is not between block_number " + std::to_string(r.block_number) +
                             " and 2^63-1");
    }
  }
  for (const std::string* text :
       {&r.block_hash, &r.token_contract, &r.from_address, &r.to_address, &r.intent_id}) {
    if (text->find('\0') != std::string::npos) {
      return invalid(op, field + " (" + r.id + ") has a field with a NUL byte");
    }
  }
  return require_json(op, field + ".flags_json", r.flags_json, JsonShape::kStringArray);
}

// ---- list cursor: base64("<created_at_ms>:<id>") of the last row of a page ----

std::string encode_cursor(const IntentRow& last) {
  return base64_encode(ByteView::of(std::to_string(last.created_at_ms) + ":" + last.id));
}

struct Cursor {
  std::int64_t created_at_ms = 0;
  std::string id;
};

Result<Cursor> decode_cursor(std::string_view op, const std::string& text) {
  const Status bad = invalid(op, "cursor '" + text.substr(0, 64) + "' is not one this store gave");
  auto bytes = base64_decode(text);
  if (!bytes.ok()) return bad;
  const std::string plain(bytes->begin(), bytes->end());
  const std::size_t colon = plain.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == plain.size()) return bad;
  std::string_view digits(plain.data(), colon);
  bool negative = false;
  if (digits.front() == '-') {
    negative = true;
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.size() > 18 || (digits.size() > 1 && digits.front() == '0')) {
    return bad;
  }
  std::int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return bad;
    value = value * 10 + (c - '0');
  }
  Cursor cursor;
  cursor.created_at_ms = negative ? -value : value;
  cursor.id = plain.substr(colon + 1);
  if (cursor.id.find('\0') != std::string::npos) return bad;
  return cursor;
}

// Shapes of the first read at open, before anything is written.
enum class FileKind { kFresh, kOurs, kForeign };

}  // namespace

Status SqliteStore::configure(Db& db, const SqliteStoreOptions& options, bool reader) {
  sqlite3_extended_result_codes(db.handle(), 1);
  sqlite3_busy_timeout(db.handle(), std::max(0, options.busy_timeout_ms));
  USD1PAY_RETURN_IF_ERROR(db.exec("PRAGMA foreign_keys = ON", "open"));
  USD1PAY_RETURN_IF_ERROR(db.exec("PRAGMA trusted_schema = OFF", "open"));
  USD1PAY_RETURN_IF_ERROR(db.exec(options.synchronous == SqliteSynchronous::kFull
                                      ? "PRAGMA synchronous = FULL"
                                      : "PRAGMA synchronous = NORMAL",
                                  "open"));
  if (reader) USD1PAY_RETURN_IF_ERROR(db.exec("PRAGMA query_only = ON", "open"));
  return Status();
}

Result<std::unique_ptr<Db>> SqliteStore::lease_reader() {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<Db> db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return db;
    }
  }
  int rc = SQLITE_OK;
  auto opened = Db::open(options_.path, SQLITE_OPEN_READWRITE, &rc);
  if (!opened.ok()) return opened.status();
  USD1PAY_RETURN_IF_ERROR(configure(**opened, options_, /*reader=*/true));
  return opened;
}

void SqliteStore::return_reader(std::unique_ptr<Db> db) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(db));
}

namespace {

Status find_intent(Db& db, std::string_view op, std::string_view column, const std::string& value,
                   std::optional<IntentRow>* out) {
  USD1PAY_STORE_QUERY(q, db,
                      std::string("SELECT ") + kIntentColumns + " FROM intents WHERE " +
                          std::string(column) + " = ?1",
                      op);
  q.bind(1, value);
  const int rc = q.step();
  if (rc == SQLITE_DONE) {
    out->reset();
    return Status();
  }
  if (rc != SQLITE_ROW) return db.error(op, rc);
  *out = read_intent(q);
  return Status();
}

}  // namespace

Status exists(Db& db, std::string_view op, const std::string& sql, const std::string& value,
              bool* found) {
  USD1PAY_STORE_QUERY(q, db, sql, op);
  q.bind(1, value);
  const int rc = q.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db.error(op, rc);
  *found = rc == SQLITE_ROW;
  return Status();
}

namespace {

/// Appends one event to the chain, after the last one. Runs inside a write
/// transaction, which is what makes "the last one" well defined.
Status append_event(Db& db, std::string_view op, const std::string& intent_id,
                    std::uint64_t intent_seq, const NewEvent& e) {
  bool taken = false;
  USD1PAY_RETURN_IF_ERROR(exists(db, op, "SELECT 1 FROM events WHERE id = ?1", e.id, &taken));
  if (taken) {
    return Status(ErrorCode::kAlreadyExists,
                  "store: " + std::string(op) + ": event " + e.id + " exists already");
  }
  EventRow row;
  row.id = e.id;
  row.intent_id = intent_id;
  row.intent_seq = intent_seq;
  row.type = e.type;
  row.actor = e.actor;
  row.created_at_ms = e.created_at_ms;
  row.data_json = e.data_json;
  {
    USD1PAY_STORE_QUERY(last, db, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", op);
    const int rc = last.step();
    if (rc == SQLITE_ROW) {
      row.seq = static_cast<std::uint64_t>(last.int64(0)) + 1;
      row.prev_hash = last.text(1);
    } else if (rc == SQLITE_DONE) {
      row.seq = 1;
      row.prev_hash = std::string(store_internal::kGenesisHash);
    } else {
      return db.error(op, rc);
    }
  }
  row.hash = store_internal::event_hash(row.prev_hash, row);
  USD1PAY_STORE_QUERY(ins, db,
                      "INSERT INTO events (seq, id, intent_id, intent_seq, type, actor, "
                      "created_at_ms, data_json, prev_hash, hash) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                      op);
  ins.bind(1, static_cast<std::int64_t>(row.seq)).bind(2, row.id);
  if (intent_id.empty()) {
    ins.bind_null(3);
  } else {
    ins.bind(3, row.intent_id);
  }
  ins.bind(4, static_cast<std::int64_t>(row.intent_seq))
      .bind(5, row.type)
      .bind(6, row.actor)
      .bind(7, row.created_at_ms)
      .bind(8, row.data_json)
      .bind(9, row.prev_hash)
      .bind(10, row.hash);
  const int rc = ins.step();
  if (rc != SQLITE_DONE) return db.error(op, rc);
  return Status();
}

}  // namespace

Result<CreateIntentResult> SqliteStore::create_intent(const CreateIntentParams& p) {
  constexpr std::string_view kOp = "create_intent";
  USD1PAY_RETURN_IF_ERROR(validate_intent(kOp, p.intent));
  USD1PAY_RETURN_IF_ERROR(validate_new_event(kOp, p.created, "created"));
  CreateIntentResult result;
  Status status = write(kOp, [&](Db& db) -> Status {
    if (p.intent.idempotency_key) {
      std::optional<IntentRow> existing;
      USD1PAY_RETURN_IF_ERROR(
          find_intent(db, kOp, "idempotency_key", *p.intent.idempotency_key, &existing));
      if (existing) {
        if (existing->request_hash != p.intent.request_hash) {
          return Status(ErrorCode::kConflict,
                        "store: create_intent: idempotency key '" + *p.intent.idempotency_key +
                            "' was used for intent " + existing->id + " with different parameters");
        }
        result.intent = std::move(*existing);
        result.created = false;
        return Status();
      }
    }
    bool taken = false;
    USD1PAY_RETURN_IF_ERROR(
        exists(db, kOp, "SELECT 1 FROM intents WHERE id = ?1", p.intent.id, &taken));
    if (taken) {
      return Status(ErrorCode::kAlreadyExists,
                    "store: create_intent: intent " + p.intent.id + " exists already");
    }
    const IntentRow& r = p.intent;
    {
      USD1PAY_STORE_QUERY(ins, db,
                          std::string("INSERT INTO intents (") + kIntentColumns +
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                              "?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, 1)",
                          kOp);
      ins.bind(1, r.id)
          .bind(2, r.order_id)
          .bind(3, r.status)
          .bind(4, r.chain)
          .bind(5, r.token_symbol)
          .bind(6, r.token_contract)
          .bind(7, static_cast<std::int64_t>(r.token_decimals))
          .bind(8, r.amount)
          .bind(9, r.currency)
          .bind(10, r.amount_base_units)
          .bind(11, r.strategy)
          .bind(12, r.deposit_address);
      if (r.deposit_index) {
        ins.bind(13, static_cast<std::int64_t>(*r.deposit_index));
      } else {
        ins.bind_null(13);
      }
      ins.bind(14, r.reference).bind(15, r.payment_uri).bind(16, r.metadata_json);
      if (r.idempotency_key) {
        ins.bind(17, *r.idempotency_key);
      } else {
        ins.bind_null(17);
      }
      ins.bind(18, r.request_hash)
          .bind(19, r.flags_json)
          .bind(20, r.created_at_ms)
          .bind(21, r.updated_at_ms)
          .bind(22, r.expires_at_ms);
      const int rc = ins.step();
      if (rc != SQLITE_DONE) return db.error(kOp, rc);
    }
    USD1PAY_RETURN_IF_ERROR(append_event(db, kOp, r.id, 1, p.created));
    result.intent = r;
    result.intent.version = 1;
    result.created = true;
    return Status();
  });
  if (!status.ok()) return status;
  return result;
}

Result<std::uint32_t> SqliteStore::allocate_deposit_index(const AllocateDepositIndexParams& p) {
  constexpr std::string_view kOp = "allocate_deposit_index";
  USD1PAY_RETURN_IF_ERROR(require_non_empty(kOp, "chain", p.chain));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(kOp, "key_id", p.key_id));
  std::uint32_t index = 0;
  Status status = write(kOp, [&](Db& db) -> Status {
    std::int64_t next = 0;
    {
      USD1PAY_STORE_QUERY(
          q, db, "SELECT next_index FROM deposit_indexes WHERE chain = ?1 AND key_id = ?2", kOp);
      q.bind(1, p.chain).bind(2, p.key_id);
      const int rc = q.step();
      if (rc == SQLITE_ROW) {
        next = q.int64(0);
      } else if (rc != SQLITE_DONE) {
        return db.error(kOp, rc);
      }
    }
    if (next < 0 || next >= kDepositIndexLimit) {
      return Status(ErrorCode::kOutOfRange,
                    "store: allocate_deposit_index: every non-hardened index of key " + p.key_id +
                        " on " + p.chain + " has been handed out");
    }
    USD1PAY_STORE_QUERY(
        up, db,
        "INSERT INTO deposit_indexes (chain, key_id, next_index) "
        "VALUES (?1, ?2, ?3) "
        "ON CONFLICT (chain, key_id) DO UPDATE SET next_index = excluded.next_index",
        kOp);
    up.bind(1, p.chain).bind(2, p.key_id).bind(3, next + 1);
    const int rc = up.step();
    if (rc != SQLITE_DONE) return db.error(kOp, rc);
    index = static_cast<std::uint32_t>(next);
    return Status();
  });
  if (!status.ok()) return status;
  return index;
}

Result<IntentRow> SqliteStore::get_intent(const GetIntentParams& p) {
  constexpr std::string_view kOp = "get_intent";
  USD1PAY_RETURN_IF_ERROR(require_non_empty(kOp, "id", p.id));
  std::optional<IntentRow> found;
  USD1PAY_RETURN_IF_ERROR(
      read(kOp, [&](Db& db) { return find_intent(db, kOp, "id", p.id, &found); }));
  if (!found) return Status(ErrorCode::kNotFound, "store: get_intent: no intent " + p.id);
  return std::move(*found);
}

Result<IntentPage> SqliteStore::list_intents(const ListIntentsParams& p) {
  constexpr std::string_view kOp = "list_intents";
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 1000));
  if (p.created_from_ms && p.created_to_ms && *p.created_from_ms > *p.created_to_ms) {
    return invalid(kOp, "created_from_ms " + std::to_string(*p.created_from_ms) +
                            " is after created_to_ms " + std::to_string(*p.created_to_ms));
  }
  std::optional<Cursor> cursor;
  if (!p.cursor.empty()) {
    auto decoded = decode_cursor(kOp, p.cursor);
    if (!decoded.ok()) return decoded.status();
    cursor = std::move(decoded).value();
  }
  // Numbered parameters keep their numbers whichever filters are present.
  std::string sql = std::string("SELECT ") + kIntentColumns + " FROM intents WHERE 1";
  if (p.status) sql += " AND status = ?1";
  if (p.order_id) sql += " AND order_id = ?2";
  if (p.created_from_ms) sql += " AND created_at_ms >= ?3";
  if (p.created_to_ms) sql += " AND created_at_ms < ?4";
  if (p.deposit_address) sql += " AND deposit_address = ?8 COLLATE NOCASE";
  if (cursor) sql += " AND (created_at_ms < ?5 OR (created_at_ms = ?5 AND id < ?6))";
  sql += " ORDER BY created_at_ms DESC, id DESC LIMIT ?7";
  IntentPage page;
  const Status io = read(kOp, [&](Db& db) -> Status {
    page.intents.clear();
    USD1PAY_STORE_QUERY(q, db, sql, kOp);
    if (p.status) q.bind(1, *p.status);
    if (p.order_id) q.bind(2, *p.order_id);
    if (p.created_from_ms) q.bind(3, *p.created_from_ms);
    if (p.created_to_ms) q.bind(4, *p.created_to_ms);
    if (cursor) q.bind(5, cursor->created_at_ms).bind(6, cursor->id);
    if (p.deposit_address) q.bind(8, *p.deposit_address);
    // One row more than asked tells whether there is a next page.
    q.bind(7, static_cast<std::int64_t>(p.limit) + 1);
    return db.for_each_row(q, kOp, [&](const Query& r) { page.intents.push_back(read_intent(r)); });
  });
  if (!io.ok()) return io;
  if (page.intents.size() > p.limit) {
    page.intents.resize(p.limit);
    page.next_cursor = encode_cursor(page.intents.back());
  }
  return page;
}

namespace {

std::string join_quoted(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += "'" + item + "'";
  }
  return out;
}

/// The next intent_seq of an intent's events.
Status next_intent_seq(Db& db, std::string_view op, const std::string& intent_id,
                       std::uint64_t* out) {
  USD1PAY_STORE_QUERY(
      q, db, "SELECT COALESCE(MAX(intent_seq), 0) + 1 FROM events WHERE intent_id = ?1", op);
  q.bind(1, intent_id);
  const int rc = q.step();
  if (rc != SQLITE_ROW) return db.error(op, rc);
  *out = static_cast<std::uint64_t>(q.int64(0));
  return Status();
}

/// One status compare-and-set with its event, inside a write transaction.
/// `where` is inserted after "store: <op>: " in messages ("" or
/// "transitions[1]: ").
Status transition_in_tx(Db& db, std::string_view op, const std::string& where,
                        const TransitionIntentParams& p, IntentRow* out) {
  const std::string prefix = "store: " + std::string(op) + ": " + where;
  std::optional<IntentRow> current;
  USD1PAY_RETURN_IF_ERROR(find_intent(db, op, "id", p.id, &current));
  if (!current) return Status(ErrorCode::kNotFound, prefix + "no intent " + p.id);
  if (std::find(p.from_statuses.begin(), p.from_statuses.end(), current->status) ==
      p.from_statuses.end()) {
    return Status(ErrorCode::kFailedPrecondition,
                  prefix + "intent " + p.id + " is '" + current->status + "', not one of " +
                      join_quoted(p.from_statuses) + " (to '" + p.to_status + "')");
  }
  if (p.expected_version && *p.expected_version != current->version) {
    return Status(ErrorCode::kFailedPrecondition,
                  prefix + "intent " + p.id + " is at version " + std::to_string(current->version) +
                      ", expected version " + std::to_string(*p.expected_version) +
                      " (changed meanwhile)");
  }
  IntentRow row = std::move(*current);
  row.status = p.to_status;
  if (p.flags_json) row.flags_json = *p.flags_json;
  row.updated_at_ms = p.at_ms;
  row.version += 1;
  {
    USD1PAY_STORE_QUERY(up, db,
                        "UPDATE intents SET status = ?1, flags_json = ?2, updated_at_ms = ?3, "
                        "version = ?4 WHERE id = ?5",
                        op);
    up.bind(1, row.status)
        .bind(2, row.flags_json)
        .bind(3, row.updated_at_ms)
        .bind(4, static_cast<std::int64_t>(row.version))
        .bind(5, row.id);
    const int rc = up.step();
    if (rc != SQLITE_DONE) return db.error(op, rc);
  }
  std::uint64_t intent_seq = 0;
  USD1PAY_RETURN_IF_ERROR(next_intent_seq(db, op, row.id, &intent_seq));
  USD1PAY_RETURN_IF_ERROR(append_event(db, op, row.id, intent_seq, p.event));
  *out = std::move(row);
  return Status();
}

}  // namespace

Result<IntentRow> SqliteStore::transition_intent(const TransitionIntentParams& p) {
  constexpr std::string_view kOp = "transition_intent";
  USD1PAY_RETURN_IF_ERROR(validate_transition(kOp, "", p));
  IntentRow row;
  const Status io =
      write(kOp, [&](Db& db) -> Status { return transition_in_tx(db, kOp, "", p, &row); });
  if (!io.ok()) return io;
  return row;
}

Result<std::vector<IntentRow>> SqliteStore::list_expirable(const ListExpirableParams& p) {
  constexpr std::string_view kOp = "list_expirable";
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 10000));
  if (p.statuses.size() > kMaxStatuses) {
    return invalid(kOp, std::to_string(p.statuses.size()) + " statuses, more than " +
                            std::to_string(kMaxStatuses));
  }
  std::vector<IntentRow> rows;
  if (p.statuses.empty()) return rows;  // no status can match
  std::string sql = std::string("SELECT ") + kIntentColumns +
                    " FROM intents WHERE expires_at_ms <= ?1 AND status IN (";
  for (std::size_t i = 0; i < p.statuses.size(); ++i) {
    sql += (i == 0 ? "?" : ", ?") + std::to_string(i + 3);
  }
  sql += ") ORDER BY expires_at_ms, id LIMIT ?2";
  const Status io = read(kOp, [&](Db& db) -> Status {
    rows.clear();
    USD1PAY_STORE_QUERY(q, db, sql, kOp);
    q.bind(1, p.now_ms).bind(2, static_cast<std::int64_t>(p.limit));
    for (std::size_t i = 0; i < p.statuses.size(); ++i) {
      q.bind(static_cast<int>(i) + 3, p.statuses[i]);
    }
    return db.for_each_row(q, kOp, [&](const Query& r) { rows.push_back(read_intent(r)); });
  });
  if (!io.ok()) return io;
  return rows;
}

Result<std::vector<EventRow>> SqliteStore::list_events(const ListEventsParams& p) {
  constexpr std::string_view kOp = "list_events";
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 10000));
  if (p.after_seq > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return invalid(kOp, "after_seq " + std::to_string(p.after_seq) + " is too large");
  }
  std::string sql = std::string("SELECT ") + kEventColumns + " FROM events WHERE seq > ?1";
  if (p.intent_id) sql += " AND intent_id = ?3";
  sql += " ORDER BY seq LIMIT ?2";
  std::vector<EventRow> rows;
  const Status io = read(kOp, [&](Db& db) -> Status {
    rows.clear();
    USD1PAY_STORE_QUERY(q, db, sql, kOp);
    q.bind(1, static_cast<std::int64_t>(p.after_seq)).bind(2, static_cast<std::int64_t>(p.limit));
    if (p.intent_id) q.bind(3, *p.intent_id);
    return db.for_each_row(q, kOp, [&](const Query& r) { rows.push_back(read_event(r)); });
  });
  if (!io.ok()) return io;
  return rows;
}

Result<AuditReport> SqliteStore::verify_audit_chain(const VerifyAuditParams& /*p*/) {
  constexpr std::string_view kOp = "verify_audit_chain";
  AuditReport report;
  const Status io = read(kOp, [&](Db& db) -> Status {
    report = AuditReport{};
    USD1PAY_STORE_QUERY(q, db, std::string("SELECT ") + kEventColumns + " FROM events ORDER BY seq",
                        kOp);
    std::uint64_t expected_seq = 1;
    std::string prev_hash(store_internal::kGenesisHash);
    for (;;) {
      const int rc = q.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return db.error(kOp, rc);
      const EventRow e = read_event(q);
      auto fail = [&](std::uint64_t seq, std::string problem) {
        report.ok = false;
        report.first_bad_seq = seq;
        report.problem = std::move(problem);
      };
      if (e.seq != expected_seq) {
        fail(expected_seq, "gap in seq: event " + std::to_string(expected_seq) +
                               " is missing (the next one is " + std::to_string(e.seq) + ")");
        break;
      }
      if (e.prev_hash != prev_hash) {
        fail(e.seq, "broken link: event " + std::to_string(e.seq) + " has prev_hash " +
                        e.prev_hash + " but event " + std::to_string(e.seq - 1) +
                        (e.seq == 1 ? " (none: the genesis value)" : "") + " has hash " +
                        prev_hash);
        break;
      }
      const std::string computed = store_internal::event_hash(prev_hash, e);
      if (computed != e.hash) {
        fail(e.seq, "hash mismatch: event " + std::to_string(e.seq) + " (" + e.id +
                        ") stores hash " + e.hash + " but its fields hash to " + computed);
        break;
      }
      ++report.events_checked;
      ++expected_seq;
      prev_hash = e.hash;
    }
    return Status();
  });
  if (!io.ok()) return io;
  return report;
}

// ---- confirmation tracking ----

namespace {

std::string cursor_text(std::optional<std::uint64_t> next_block) {
  return next_block ? "next_block " + std::to_string(*next_block) : std::string("no cursor");
}

/// Inserts the payment, or updates the one with its (chain, tx_hash,
/// log_index), keeping that one's id and detected_at_ms.
Status upsert_payment(Db& db, std::string_view op, const std::string& field, const PaymentRow& r) {
  const std::string prefix = "store: " + std::string(op) + ": " + field + " (" + r.id + "): ";
  if (!r.intent_id.empty()) {
    bool found = false;
    USD1PAY_RETURN_IF_ERROR(
        exists(db, op, "SELECT 1 FROM intents WHERE id = ?1", r.intent_id, &found));
    if (!found) return Status(ErrorCode::kNotFound, prefix + "no intent " + r.intent_id);
  }
  std::optional<std::string> existing_id;
  {
    USD1PAY_STORE_QUERY(
        q, db, "SELECT id FROM payments WHERE chain = ?1 AND tx_hash = ?2 AND log_index = ?3", op);
    q.bind(1, r.chain).bind(2, r.tx_hash).bind(3, static_cast<std::int64_t>(r.log_index));
    const int rc = q.step();
    if (rc == SQLITE_ROW) {
      existing_id = q.text(0);
    } else if (rc != SQLITE_DONE) {
      return db.error(op, rc);
    }
  }
  if (!existing_id) {
    bool taken = false;
    USD1PAY_RETURN_IF_ERROR(exists(db, op, "SELECT 1 FROM payments WHERE id = ?1", r.id, &taken));
    if (taken) {
      return Status(ErrorCode::kAlreadyExists,
                    prefix + "payment id " + r.id + " is taken by another transfer");
    }
  }
  // New row: ?1 is its id and ?15 detected_at_ms. Existing row: the UPDATE
  // below leaves both alone.
  const std::string sql =
      existing_id
          ? std::string(
                "UPDATE payments SET block_number = ?5, block_hash = ?6, block_time = ?7, "
                "token_contract = ?8, from_address = ?9, to_address = ?10, "
                "amount_base_units = ?11, intent_id = ?12, status = ?13, flags_json = ?14, "
                "final_at_ms = ?16, updated_at_ms = ?17, final_head_block = ?18 "
                "WHERE id = ?1 AND chain = ?2 AND tx_hash = ?3 AND log_index = ?4")
          : std::string("INSERT INTO payments (") + kPaymentColumns +
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                "?16, ?17, ?18)";
  USD1PAY_STORE_QUERY(q, db, sql, op);
  q.bind(1, existing_id ? *existing_id : r.id)
      .bind(2, r.chain)
      .bind(3, r.tx_hash)
      .bind(4, static_cast<std::int64_t>(r.log_index))
      .bind(5, static_cast<std::int64_t>(r.block_number))
      .bind(6, r.block_hash)
      .bind(7, r.block_time)
      .bind(8, r.token_contract)
      .bind(9, r.from_address)
      .bind(10, r.to_address)
      .bind(11, r.amount_base_units);
  if (r.intent_id.empty()) {
    q.bind_null(12);
  } else {
    q.bind(12, r.intent_id);
  }
  q.bind(13, r.status);
  q.bind(14, r.flags_json);
  if (!existing_id) q.bind(15, r.detected_at_ms);
  q.bind(16, r.final_at_ms).bind(17, r.updated_at_ms);
  if (r.final_head_block) {
    q.bind(18, static_cast<std::int64_t>(*r.final_head_block));
  } else {
    q.bind_null(18);
  }
  const int rc = q.step();
  if (rc != SQLITE_DONE) return db.error(op, rc);
  return Status();
}

}  // namespace

Status SqliteStore::apply_scan(const ApplyScanParams& p) {
  constexpr std::string_view kOp = "apply_scan";
  USD1PAY_RETURN_IF_ERROR(require_non_empty(kOp, "chain", p.chain));
  if (p.expected_next_block) {
    USD1PAY_RETURN_IF_ERROR(
        require_block_number(kOp, "expected_next_block", *p.expected_next_block));
  }
  USD1PAY_RETURN_IF_ERROR(require_block_number(kOp, "new_next_block", p.new_next_block));
  if (p.forget_blocks_from) {
    USD1PAY_RETURN_IF_ERROR(require_block_number(kOp, "forget_blocks_from", *p.forget_blocks_from));
  }
  if (p.prune_blocks_below) {
    USD1PAY_RETURN_IF_ERROR(require_block_number(kOp, "prune_blocks_below", *p.prune_blocks_below));
  }
  for (std::size_t i = 0; i < p.remember_blocks.size(); ++i) {
    const BlockHashRow& b = p.remember_blocks[i];
    const std::string field = "remember_blocks[" + std::to_string(i) + "]";
    if (!b.chain.empty() && b.chain != p.chain) {
      return invalid(kOp,
                     field + ".chain '" + b.chain + "' is not the scan's chain '" + p.chain + "'");
    }
    USD1PAY_RETURN_IF_ERROR(require_block_number(kOp, field + ".number", b.number));
    USD1PAY_RETURN_IF_ERROR(require_non_empty(kOp, field + ".hash", b.hash));
  }
  for (std::size_t i = 0; i < p.upsert_payments.size(); ++i) {
    USD1PAY_RETURN_IF_ERROR(
        validate_payment(kOp, "upsert_payments[" + std::to_string(i) + "]", p.upsert_payments[i]));
  }
  for (std::size_t i = 0; i < p.transitions.size(); ++i) {
    USD1PAY_RETURN_IF_ERROR(
        validate_transition(kOp, "transitions[" + std::to_string(i) + "].", p.transitions[i]));
  }
  for (std::size_t i = 0; i < p.events.size(); ++i) {
    const std::string field = "events[" + std::to_string(i) + "]";
    if (p.events[i].intent_id.find('\0') != std::string::npos) {
      return invalid(kOp, field + ".intent_id contains a NUL byte");
    }
    USD1PAY_RETURN_IF_ERROR(validate_new_event(kOp, p.events[i].event, field + ".event"));
  }
  const std::string chain_prefix = "store: apply_scan: chain " + p.chain + ": ";
  return write(kOp, [&](Db& db) -> Status {
    // 1. Cursor compare-and-set, then move.
    std::optional<std::uint64_t> stored;
    {
      USD1PAY_STORE_QUERY(q, db, "SELECT next_block FROM chain_cursors WHERE chain = ?1", kOp);
      q.bind(1, p.chain);
      const int rc = q.step();
      if (rc == SQLITE_ROW) {
        stored = static_cast<std::uint64_t>(q.int64(0));
      } else if (rc != SQLITE_DONE) {
        return db.error(kOp, rc);
      }
    }
    if (stored != p.expected_next_block) {
      return Status(ErrorCode::kFailedPrecondition,
                    chain_prefix + "cursor is at " + cursor_text(stored) + ", expected " +
                        cursor_text(p.expected_next_block) + " (another scan moved it)");
    }
    {
      USD1PAY_STORE_QUERY(
          q, db,
          "INSERT INTO chain_cursors (chain, next_block, updated_at_ms) "
          "VALUES (?1, ?2, ?3) ON CONFLICT (chain) DO UPDATE SET "
          "next_block = excluded.next_block, updated_at_ms = excluded.updated_at_ms",
          kOp);
      q.bind(1, p.chain).bind(2, static_cast<std::int64_t>(p.new_next_block)).bind(3, p.at_ms);
      const int rc = q.step();
      if (rc != SQLITE_DONE) return db.error(kOp, rc);
    }
    // 2. Remembered block hashes: rewind, remember, prune.
    if (p.forget_blocks_from) {
      USD1PAY_STORE_QUERY(q, db, "DELETE FROM block_hashes WHERE chain = ?1 AND number >= ?2", kOp);
      q.bind(1, p.chain).bind(2, static_cast<std::int64_t>(*p.forget_blocks_from));
      const int rc = q.step();
      if (rc != SQLITE_DONE) return db.error(kOp, rc);
    }
    for (const BlockHashRow& b : p.remember_blocks) {
      USD1PAY_STORE_QUERY(q, db,
                          "INSERT INTO block_hashes (chain, number, hash) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT (chain, number) DO UPDATE SET hash = excluded.hash",
                          kOp);
      q.bind(1, p.chain).bind(2, static_cast<std::int64_t>(b.number)).bind(3, b.hash);
      const int rc = q.step();
      if (rc != SQLITE_DONE) return db.error(kOp, rc);
    }
    if (p.prune_blocks_below) {
      USD1PAY_STORE_QUERY(q, db, "DELETE FROM block_hashes WHERE chain = ?1 AND number < ?2", kOp);
      q.bind(1, p.chain).bind(2, static_cast<std::int64_t>(*p.prune_blocks_below));
      const int rc = q.step();
      if (rc != SQLITE_DONE) return db.error(kOp, rc);
    }
    // 3. Payments.
    for (std::size_t i = 0; i < p.upsert_payments.size(); ++i) {
      USD1PAY_RETURN_IF_ERROR(upsert_payment(db, kOp, "upsert_payments[" + std::to_string(i) + "]",
                                             p.upsert_payments[i]));
    }
    // 4. Further events (payment.*). One about no intent has intent_seq 0.
    for (std::size_t i = 0; i < p.events.size(); ++i) {
      const NewIntentEvent& e = p.events[i];
      std::uint64_t intent_seq = 0;
      if (!e.intent_id.empty()) {
        bool found = false;
        USD1PAY_RETURN_IF_ERROR(
            exists(db, kOp, "SELECT 1 FROM intents WHERE id = ?1", e.intent_id, &found));
        if (!found) {
          return Status(ErrorCode::kNotFound, "store: apply_scan: events[" + std::to_string(i) +
                                                  "] (" + e.event.id + "): no intent " +
                                                  e.intent_id);
        }
        USD1PAY_RETURN_IF_ERROR(next_intent_seq(db, kOp, e.intent_id, &intent_seq));
      }
      USD1PAY_RETURN_IF_ERROR(append_event(db, kOp, e.intent_id, intent_seq, e.event));
    }
    // 5. Intent transitions, each with its event: after the payment events, so the
    //    log reads cause before effect (payment.detected, then intent.processing).
    for (std::size_t i = 0; i < p.transitions.size(); ++i) {
      IntentRow ignored;
      USD1PAY_RETURN_IF_ERROR(transition_in_tx(
          db, kOp, "transitions[" + std::to_string(i) + "]: ", p.transitions[i], &ignored));
    }
    return Status();
  });
}

Result<std::optional<ChainCursorRow>> SqliteStore::get_cursor(const GetCursorParams& p) {
  constexpr std::string_view kOp = "get_cursor";
  USD1PAY_RETURN_IF_ERROR(require_non_empty(kOp, "chain", p.chain));
  std::optional<ChainCursorRow> found;
  const Status io = read(kOp, [&](Db& db) -> Status {
    found.reset();
    USD1PAY_STORE_QUERY(
        q, db, "SELECT chain, next_block, updated_at_ms FROM chain_cursors WHERE chain = ?1", kOp);
    q.bind(1, p.chain);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return Status();
    if (rc != SQLITE_ROW) return db.error(kOp, rc);
    ChainCursorRow row;
    row.chain = q.text(0);
    row.next_block = static_cast<std::uint64_t>(q.int64(1));
    row.updated_at_ms = q.int64(2);
    found = std::move(row);
    return Status();
  });
  if (!io.ok()) return io;
  return found;
}

Result<std::vector<BlockHashRow>> SqliteStore::list_block_hashes(const ListBlockHashesParams& p) {
  constexpr std::string_view kOp = "list_block_hashes";
  USD1PAY_RETURN_IF_ERROR(require_non_empty(kOp, "chain", p.chain));
  USD1PAY_RETURN_IF_ERROR(require_block_number(kOp, "from_number", p.from_number));
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 1000000));
  std::vector<BlockHashRow> rows;
  const Status io = read(kOp, [&](Db& db) -> Status {
    rows.clear();
    USD1PAY_STORE_QUERY(q, db,
                        "SELECT chain, number, hash FROM block_hashes WHERE chain = ?1 AND "
                        "number >= ?2 ORDER BY number LIMIT ?3",
                        kOp);
    q.bind(1, p.chain)
        .bind(2, static_cast<std::int64_t>(p.from_number))
        .bind(3, static_cast<std::int64_t>(p.limit));
    return db.for_each_row(q, kOp, [&](const Query& r) {
      BlockHashRow row;
      row.chain = r.text(0);
      row.number = static_cast<std::uint64_t>(r.int64(1));
      row.hash = r.text(2);
      rows.push_back(std::move(row));
    });
  });
  if (!io.ok()) return io;
  return rows;
}

Result<std::vector<PaymentRow>> SqliteStore::list_payments(const ListPaymentsParams& p) {
  constexpr std::string_view kOp = "list_payments";
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 100000));
  // Numbered parameters keep their numbers whichever filters are present.
  std::string sql = std::string("SELECT ") + kPaymentColumns + " FROM payments WHERE 1";
  if (p.intent_id) sql += p.intent_id->empty() ? " AND intent_id IS NULL" : " AND intent_id = ?1";
  if (p.chain) sql += " AND chain = ?2";
  if (p.status) sql += " AND status = ?3";
  if (p.tx_hash) sql += " AND tx_hash = ?4";
  if (p.address) {
    sql += " AND (to_address = ?6 COLLATE NOCASE OR from_address = ?6 COLLATE NOCASE)";
  }
  sql += " ORDER BY block_number, log_index, chain, tx_hash LIMIT ?5";
  std::vector<PaymentRow> rows;
  const Status io = read(kOp, [&](Db& db) -> Status {
    rows.clear();
    USD1PAY_STORE_QUERY(q, db, sql, kOp);
    if (p.intent_id && !p.intent_id->empty()) q.bind(1, *p.intent_id);
    if (p.chain) q.bind(2, *p.chain);
    if (p.status) q.bind(3, *p.status);
    if (p.tx_hash) q.bind(4, *p.tx_hash);
    if (p.address) q.bind(6, *p.address);
    q.bind(5, static_cast<std::int64_t>(p.limit));
    return db.for_each_row(q, kOp, [&](const Query& r) { rows.push_back(read_payment(r)); });
  });
  if (!io.ok()) return io;
  return rows;
}

Result<std::vector<IntentRow>> SqliteStore::scan_intents(const ScanIntentsParams& p) {
  constexpr std::string_view kOp = "scan_intents";
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 100000));
  FieldMask mask = 0;
  USD1PAY_RETURN_IF_ERROR(
      field_mask(kOp, p.fields, kIntentFields, "IntentRow", /*always=*/1, &mask));
  const RowReader<IntentRow, kIntentFieldCount> reader(mask, &read_intent_into, &intent_field);
  std::string sql = "SELECT " + column_list(kIntentFields, mask) + " FROM intents WHERE id > ?1";
  if (p.strategy) sql += " AND strategy = ?3";
  sql += " ORDER BY id LIMIT ?2";
  std::vector<IntentRow> rows = take_recycled(p.recycle);
  rows.reserve(std::min<std::size_t>(p.limit, kScanReserve));
  std::size_t n = 0;
  const Status io = read(kOp, [&](Db& db) -> Status {
    n = 0;
    USD1PAY_STORE_QUERY(q, db, sql, kOp);
    q.bind(1, p.after_id).bind(2, static_cast<std::int64_t>(p.limit));
    if (p.strategy) q.bind(3, *p.strategy);
    return db.for_each_row(q, kOp, [&](const Query& r) { read_row_at(r, reader, &rows, &n); });
  });
  if (!io.ok()) return io;
  rows.resize(n);
  return rows;
}

Result<std::vector<PaymentRow>> SqliteStore::scan_payments(const ScanPaymentsParams& p) {
  constexpr std::string_view kOp = "scan_payments";
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 100000));
  if (p.after && p.after->block_number > kMaxBlockNumber) {
    return invalid(
        kOp, "after.block_number " + std::to_string(p.after->block_number) + " is above 2^63-1");
  }
  // The scan key: chain, tx_hash, log_index, block_number, intent_id.
  constexpr FieldMask kKey = (1U << 1) | (1U << 2) | (1U << 3) | (1U << 4) | (1U << 11);
  FieldMask mask = 0;
  USD1PAY_RETURN_IF_ERROR(field_mask(kOp, p.fields, kPaymentFields, "PaymentRow", kKey, &mask));
  const RowReader<PaymentRow, kPaymentFieldCount> reader(mask, &read_payment_into, &payment_field);
  std::string sql = "SELECT " + column_list(kPaymentFields, mask) + " FROM payments WHERE ";
  if (p.unmatched) {
    sql += "intent_id IS NULL";
    if (p.after) sql += " AND (block_number, log_index, chain, tx_hash) > (?2, ?3, ?4, ?5)";
    sql += " ORDER BY block_number, log_index, chain, tx_hash LIMIT ?6";
  } else {
    sql += "intent_id IS NOT NULL";
    if (p.after) {
      sql += " AND (intent_id, block_number, log_index, chain, tx_hash) > (?1, ?2, ?3, ?4, ?5)";
    }
    sql += " ORDER BY intent_id, block_number, log_index, chain, tx_hash LIMIT ?6";
  }
  std::vector<PaymentRow> rows = take_recycled(p.recycle);
  rows.reserve(std::min<std::size_t>(p.limit, kScanReserve));
  std::size_t n = 0;
  const Status io = read(kOp, [&](Db& db) -> Status {
    n = 0;
    USD1PAY_STORE_QUERY(q, db, sql, kOp);
    if (p.after) {
      if (!p.unmatched) q.bind(1, p.after->intent_id);
      q.bind(2, static_cast<std::int64_t>(p.after->block_number))
          .bind(3, static_cast<std::int64_t>(p.after->log_index))
          .bind(4, p.after->chain)
          .bind(5, p.after->tx_hash);
    }
    q.bind(6, static_cast<std::int64_t>(p.limit));
    return db.for_each_row(q, kOp, [&](const Query& r) { read_row_at(r, reader, &rows, &n); });
  });
  if (!io.ok()) return io;
  rows.resize(n);
  return rows;
}

Result<std::vector<IntentRow>> SqliteStore::list_open_intents(const ListOpenIntentsParams& p) {
  constexpr std::string_view kOp = "list_open_intents";
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 1000000));
  if (p.statuses.size() > kMaxStatuses) {
    return invalid(kOp, std::to_string(p.statuses.size()) + " statuses, more than " +
                            std::to_string(kMaxStatuses));
  }
  std::vector<IntentRow> rows;
  if (p.statuses.empty()) return rows;  // no status can match
  std::string sql = std::string("SELECT ") + kIntentColumns + " FROM intents WHERE status IN (";
  for (std::size_t i = 0; i < p.statuses.size(); ++i) {
    sql += (i == 0 ? "?" : ", ?") + std::to_string(i + 2);
  }
  sql += ") ORDER BY created_at_ms, id LIMIT ?1";
  const Status io = read(kOp, [&](Db& db) -> Status {
    rows.clear();
    USD1PAY_STORE_QUERY(q, db, sql, kOp);
    q.bind(1, static_cast<std::int64_t>(p.limit));
    for (std::size_t i = 0; i < p.statuses.size(); ++i) {
      q.bind(static_cast<int>(i) + 2, p.statuses[i]);
    }
    return db.for_each_row(q, kOp, [&](const Query& r) { rows.push_back(read_intent(r)); });
  });
  if (!io.ok()) return io;
  return rows;
}

// ---- open ----

namespace {

std::string sqlite_message(const Db& db, int rc) {
  return sqlite3_extended_errcode(db.handle()) == rc ? sqlite3_errmsg(db.handle())
                                                     : sqlite3_errstr(rc);
}

Status not_sqlite(const std::string& path) {
  return Status(ErrorCode::kInvalidArgument, "store: " + path + " is not a SQLite database");
}

/// Reads what the file is, before anything is written to it: the
/// application id, then the schema's size. Both must come from one snapshot
/// (outside a transaction, call classify_snapshot), or a store another
/// process initialises in between looks like a foreign database with
/// application id 0.
Status classify(Db& db, FileKind* kind, std::int64_t* app_id) {
  const std::string& path = db.path();
  int rc = SQLITE_OK;
  sqlite3_stmt* stmt = db.statement("PRAGMA application_id", &rc);
  if (stmt != nullptr) {
    Query q(stmt);
    rc = q.step();
    if (rc == SQLITE_ROW) *app_id = q.int64(0);
  }
  if ((rc & 0xff) == SQLITE_NOTADB) return not_sqlite(path);
  if ((rc & 0xff) == SQLITE_CORRUPT) {
    return Status(ErrorCode::kIo,
                  "store: " + path + " is a damaged SQLite database: " + sqlite_message(db, rc));
  }
  if (rc != SQLITE_ROW) return db.error("open", rc);
  if (*app_id == kApplicationId) {
    *kind = FileKind::kOurs;
    return Status();
  }
  if (*app_id != 0) {
    *kind = FileKind::kForeign;
    return Status();
  }
  stmt = db.statement("SELECT count(*) FROM sqlite_schema", &rc);
  if (stmt == nullptr) return db.error("open", rc);
  Query q(stmt);
  rc = q.step();
  if ((rc & 0xff) == SQLITE_NOTADB) return not_sqlite(path);
  if (rc != SQLITE_ROW) return db.error("open", rc);
  *kind = q.int64(0) == 0 ? FileKind::kFresh : FileKind::kForeign;
  return Status();
}

/// classify inside a read transaction of its own.
Status classify_snapshot(Db& db, FileKind* kind, std::int64_t* app_id) {
  const int rc = db.exec_rc("BEGIN");
  if (rc != SQLITE_OK) return db.error("open", rc);
  Status status = classify(db, kind, app_id);
  db.rollback_quietly();  // read-only: ending the snapshot is all there is to do
  return status;
}

std::string hex32(std::int64_t v) {
  static const char kDigits[] = "0123456789abcdef";
  auto u = static_cast<std::uint32_t>(v);
  std::string out = "0x00000000";
  for (std::size_t i = 0; i < 8; ++i) {
    out[9 - i] = kDigits[u & 0xfU];
    u >>= 4;
  }
  return out;
}

Status foreign(const std::string& path, std::int64_t app_id) {
  return Status(ErrorCode::kInvalidArgument,
                "store: " + path +
                    " is a SQLite database but not a usd1pay store (application_id " +
                    hex32(app_id) + ", usd1pay's is " + hex32(kApplicationId) + ")");
}

/// Inside BEGIN IMMEDIATE: looks again (another process may have created the
/// store since classify), refuses newer schemas, applies missing migrations.
Status migrate(Db& db, bool create) {
  const std::string& path = db.path();
  FileKind kind = FileKind::kFresh;
  std::int64_t app_id = 0;
  USD1PAY_RETURN_IF_ERROR(classify(db, &kind, &app_id));
  if (kind == FileKind::kForeign) return foreign(path, app_id);
  std::int64_t current = 0;
  if (kind == FileKind::kFresh) {
    if (!create) {
      return Status(ErrorCode::kFailedPrecondition,
                    "store: " + path +
                        " is an empty database, not an initialised usd1pay store "
                        "(open it with create to initialise it)");
    }
  } else {
    int rc = SQLITE_OK;
    sqlite3_stmt* stmt = db.statement("SELECT MAX(version) FROM schema_version", &rc);
    if (stmt == nullptr) {
      return Status(ErrorCode::kFailedPrecondition,
                    "store: " + path +
                        " carries usd1pay's application_id but has no readable "
                        "schema_version table: " +
                        sqlite_message(db, rc));
    }
    Query q(stmt);
    rc = q.step();
    if (rc != SQLITE_ROW) return db.error("open", rc);
    current = q.int64(0);
  }
  if (current > kLatestSchemaVersion) {
    return Status(ErrorCode::kFailedPrecondition,
                  "store: " + path + " has schema version " + std::to_string(current) +
                      ", newer than this build of usd1pay understands (" +
                      std::to_string(kLatestSchemaVersion) + "); upgrade usd1pay");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= current) continue;
    USD1PAY_RETURN_IF_ERROR(db.exec(m.sql, "migration " + std::to_string(m.version)));
    if (m.version == 1) {
      USD1PAY_RETURN_IF_ERROR(
          db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str(), "open"));
    }
    int rc = SQLITE_OK;
    sqlite3_stmt* stmt =
        db.statement("INSERT INTO schema_version (version, applied_at_ms) VALUES (?1, ?2)", &rc);
    if (stmt == nullptr) return db.error("open", rc);
    Query q(stmt);
    q.bind(1, static_cast<std::int64_t>(m.version)).bind(2, now_ms());
    rc = q.step();
    if (rc != SQLITE_DONE) return db.error("open", rc);
  }
  return Status();
}

Result<std::unique_ptr<Store>> open_impl(const SqliteStoreOptions& options) {
  const std::string& path = options.path;
  if (path.empty()) {
    return Status(ErrorCode::kInvalidArgument, "store: the database path is empty");
  }
  if (path.front() == ':' || path.compare(0, 5, "file:") == 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "store: '" + path + "' is not a file path (in-memory and URI names are refused)");
  }
  struct stat st {};
  const bool missing = ::stat(path.c_str(), &st) != 0;
  if (missing) {
    if (!options.create) {
      return Status(ErrorCode::kNotFound, "store: " + path + " does not exist");
    }
  } else if (!S_ISREG(st.st_mode)) {
    return Status(ErrorCode::kInvalidArgument, "store: " + path + " is not a regular file");
  }
  if (options.busy_timeout_ms < 0) {
    return Status(
        ErrorCode::kInvalidArgument,
        "store: busy_timeout_ms " + std::to_string(options.busy_timeout_ms) + " is negative");
  }
  // The store holds webhook signing secrets: a new file is readable by its
  // owner only (SQLite gives the -wal and -shm files the same mode).
  if (missing) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
    } else if (errno != EEXIST) {
      return Status(ErrorCode::kIo, "store: cannot create " + path + ": " + std::strerror(errno));
    }
  }
  int rc = SQLITE_OK;
  auto opened =
      Db::open(path, SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0), &rc);
  if (!opened.ok()) {
    if ((rc & 0xff) == SQLITE_NOTADB) return not_sqlite(path);
    return opened.status();
  }
  std::unique_ptr<Db> db = std::move(opened).value();
  sqlite3_extended_result_codes(db->handle(), 1);
  sqlite3_busy_timeout(db->handle(), options.busy_timeout_ms);

  // Look before writing anything: a foreign database must not even be
  // switched to WAL.
  FileKind kind = FileKind::kFresh;
  std::int64_t app_id = 0;
  USD1PAY_RETURN_IF_ERROR(classify_snapshot(*db, &kind, &app_id));
  if (kind == FileKind::kForeign) return foreign(path, app_id);
  if (kind == FileKind::kFresh && !options.create) {
    return Status(ErrorCode::kFailedPrecondition,
                  "store: " + path +
                      " is an empty database, not an initialised usd1pay store "
                      "(open it with create to initialise it)");
  }

  for (int attempt = 1;; ++attempt) {
    int mode_rc = SQLITE_OK;
    std::string mode;
    {
      sqlite3_stmt* stmt = db->statement("PRAGMA journal_mode = WAL", &mode_rc);
      if (stmt != nullptr) {
        Query q(stmt);
        mode_rc = q.step();
        if (mode_rc == SQLITE_ROW) mode = q.text(0);
      }
    }
    if (mode_rc == SQLITE_ROW) {
      if (mode != "wal") {
        return Status(ErrorCode::kIo,
                      "store: " + path + ": cannot switch to WAL (journal mode " + mode + ")");
      }
      break;
    }
    if (!is_busy(mode_rc) || attempt >= kMaxAttempts) return db->error("open", mode_rc);
    backoff(attempt);
  }
  USD1PAY_RETURN_IF_ERROR(SqliteStore::configure(*db, options, /*reader=*/false));

  for (int attempt = 1;; ++attempt) {
    rc = db->exec_rc("BEGIN IMMEDIATE");
    if (rc == SQLITE_OK) {
      Status status = migrate(*db, options.create);
      if (!status.ok()) {
        db->rollback_quietly();
        return status;
      }
      rc = db->exec_rc("COMMIT");
      if (rc == SQLITE_OK) break;
      db->rollback_quietly();
    }
    if (!is_busy(rc) || attempt >= kMaxAttempts) return db->error("open", rc);
    backoff(attempt);
  }
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db), options));
}

}  // namespace
}  // namespace usd1pay::store_internal

namespace usd1pay {

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options) {
  // No exception crosses the public API: allocation failures inside the
  // standard containers become kInternal here.
  try {
    return store_internal::open_impl(options);
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("store: open: ") + e.what());
  }
}

}  // namespace usd1pay
