// store: the webhook operations of the SQLite store (docs/store.md,
// "Webhooks"): endpoints, the delivery queue with its leases, the attempt
// log, replay.
//
// The claim is the heart. A delivery may go when it is pending, due, not
// leased (or its lease ran out), its endpoint is enabled, and it is the head
// of its (endpoint, intent): the pending delivery with the lowest event_seq
// (every pending delivery of no intent is a head). Heads are kept in the
// is_head column by every operation that changes which deliveries are
// pending (enqueue, complete, replay) inside the same transaction, so the
// claim reads a partial index of heads per endpoint and never walks the
// queue waiting behind a head. Per endpoint it takes at most the room left
// under max_in_flight_per_endpoint (leases still running count), then merges
// the endpoints' candidates oldest first: the cap keeps an endpoint with a
// huge backlog from filling the batch, and the cost of a claim is the number
// of enabled endpoints times a short index range, whatever the backlog.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "store/sqlite_db.h"
#include "store/sqlite_store_internal.h"
#include "usd1pay/encoding.h"
#include "usd1pay/id.h"
#include "usd1pay/store.h"

namespace usd1pay::store_internal {
namespace {

/// The prefix of delivery ids (the webhook-id header: "msg_" + 24 base62).
constexpr std::string_view kDeliveryIdPrefix = "msg_";
/// WebhookAttemptRow::response_excerpt keeps at most this many bytes.
constexpr std::size_t kMaxExcerptBytes = 1024;
constexpr std::uint64_t kMaxSeq =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

constexpr char kEndpointColumns[] =
    "id, url, secrets_json, event_types_json, description, enabled, disabled_reason, source, "
    "fanout_seq, created_at_ms, updated_at_ms, version";

constexpr char kDeliveryColumns[] =
    "id, endpoint_id, event_id, event_seq, event_type, intent_id, status, round_attempts, "
    "total_attempts, next_attempt_at_ms, lease_until_ms, lease_owner, last_http_status, "
    "last_error, created_at_ms, updated_at_ms, completed_at_ms";
/// The number of kDeliveryColumns (read_delivery reads columns 0..16): a
/// column selected after them is this one.
constexpr int kDeliveryColumnCount = 17;

constexpr char kAttemptColumns[] =
    "delivery_id, endpoint_id, event_id, number, started_at_ms, latency_ms, http_status, error, "
    "response_excerpt, outcome";

/// Closed sets (the tables' CHECK constraints say the same).
constexpr std::string_view kDeliveryStatuses[] = {"pending", "succeeded", "failed"};
constexpr std::string_view kAttemptOutcomes[] = {"succeeded", "retry", "failed", "gone"};
constexpr std::string_view kEndpointSources[] = {"api", "config"};

template <std::size_t N>
Status require_one_of(std::string_view op, const std::string& field, const std::string& value,
                      const std::string_view (&allowed)[N]) {
  if (std::find(std::begin(allowed), std::end(allowed), value) != std::end(allowed)) {
    return Status();
  }
  std::string list;
  for (std::string_view a : allowed) {
    if (!list.empty()) list += ", ";
    list += "'" + std::string(a) + "'";
  }
  return invalid(op, field + " '" + value.substr(0, 64) + "' is not one of " + list);
}

/// A typed random id ("we_...", "msg_..."), checked by validate_id.
Status require_id(std::string_view op, const std::string& field, const std::string& id,
                  std::string_view prefix) {
  Status s = validate_id(id, prefix);
  if (s.ok()) return s;
  // validate_id's messages start with "id: ".
  std::string what = s.message();
  if (what.compare(0, 4, "id: ") == 0) what.erase(0, 4);
  return invalid(op, field + ": " + what);
}

/// Event ids: only their "evt_" prefix is checked. The store has always
/// appended events under any non-empty id its caller chose, and a stricter
/// check here would make such a stored event impossible to deliver or find.
Status require_event_id(std::string_view op, const std::string& field, const std::string& id) {
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, field, id));
  if (id.compare(0, kEventIdPrefix.size(), kEventIdPrefix) != 0) {
    return invalid(op, field + " '" + id.substr(0, 64) + "' does not start with \"" +
                           std::string(kEventIdPrefix) + "\"");
  }
  return Status();
}

Status require_no_nul(std::string_view op, const std::string& field, const std::string& value) {
  if (value.find('\0') != std::string::npos) return invalid(op, field + " contains a NUL byte");
  return Status();
}

/// Secrets and event-type filters are ASCII tokens: visible characters, no
/// spaces (what "whsec_<base64>" and "intent.*" are made of).
Status require_token(std::string_view op, const std::string& field, const std::string& value) {
  if (value.empty()) return invalid(op, field + " is empty");
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c <= 0x20 || c >= 0x7f) {
      return invalid(op, field + ": bad character " + quote_char(value[i]) + " at position " +
                             std::to_string(i) + " (expected visible ASCII)");
    }
  }
  return Status();
}

Status require_seq(std::string_view op, const std::string& field, std::uint64_t value) {
  if (value > kMaxSeq) {
    return invalid(
        op, field + " " + std::to_string(value) + " is more than " + std::to_string(kMaxSeq));
  }
  return Status();
}

Status validate_secrets(std::string_view op, const std::string& field,
                        const std::vector<WebhookSecretRow>& secrets) {
  if (secrets.empty()) return invalid(op, field + " is empty (an endpoint needs a secret)");
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    USD1PAY_RETURN_IF_ERROR(
        require_token(op, field + "[" + std::to_string(i) + "].secret", secrets[i].secret));
  }
  return Status();
}

Status validate_event_types(std::string_view op, const std::string& field,
                            const std::vector<std::string>& types) {
  for (std::size_t i = 0; i < types.size(); ++i) {
    USD1PAY_RETURN_IF_ERROR(require_token(op, field + "[" + std::to_string(i) + "]", types[i]));
  }
  return Status();
}

std::string secrets_json(const std::vector<WebhookSecretRow>& secrets) {
  nlohmann::json array = nlohmann::json::array();
  for (const WebhookSecretRow& s : secrets) {
    array.push_back({{"secret", s.secret},
                     {"created_at_ms", s.created_at_ms},
                     {"expires_at_ms", s.expires_at_ms}});
  }
  return array.dump();
}

std::string event_types_json(const std::vector<std::string>& types) {
  return nlohmann::json(types).dump();
}

Status corrupt(std::string_view op, const std::string& what) {
  return Status(ErrorCode::kIo, "store: " + std::string(op) + ": " + what);
}

/// The row of a query selecting kEndpointColumns. The JSON columns were
/// written by usd1pay; anything else there means the file was edited (kIo).
Status read_endpoint(std::string_view op, const Query& q, WebhookEndpointRow* out) {
  WebhookEndpointRow r;
  r.id = q.text(0);
  r.url = q.text(1);
  const auto secrets = nlohmann::json::parse(q.text(2), nullptr, /*allow_exceptions=*/false);
  auto bad_secrets = [&] {
    return corrupt(op, "endpoint " + r.id + " has a malformed secrets_json");
  };
  if (!secrets.is_array()) return bad_secrets();
  r.secrets.reserve(secrets.size());
  for (const auto& s : secrets) {
    if (!s.is_object() || !s.contains("secret") || !s["secret"].is_string() ||
        !s.contains("created_at_ms") || !s["created_at_ms"].is_number_integer() ||
        !s.contains("expires_at_ms") || !s["expires_at_ms"].is_number_integer()) {
      return bad_secrets();
    }
    WebhookSecretRow row;
    row.secret = s["secret"].get<std::string>();
    row.created_at_ms = s["created_at_ms"].get<std::int64_t>();
    row.expires_at_ms = s["expires_at_ms"].get<std::int64_t>();
    r.secrets.push_back(std::move(row));
  }
  const auto types = nlohmann::json::parse(q.text(3), nullptr, /*allow_exceptions=*/false);
  auto bad_types = [&] {
    return corrupt(op, "endpoint " + r.id + " has a malformed event_types_json");
  };
  if (!types.is_array()) return bad_types();
  r.event_types.reserve(types.size());
  for (const auto& t : types) {
    if (!t.is_string()) return bad_types();
    r.event_types.push_back(t.get<std::string>());
  }
  r.description = q.text(4);
  r.enabled = q.int64(5) != 0;
  r.disabled_reason = q.text(6);
  r.source = q.text(7);
  r.fanout_seq = static_cast<std::uint64_t>(q.int64(8));
  r.created_at_ms = q.int64(9);
  r.updated_at_ms = q.int64(10);
  r.version = static_cast<std::uint64_t>(q.int64(11));
  *out = std::move(r);
  return Status();
}

WebhookDeliveryRow read_delivery(const Query& q) {
  WebhookDeliveryRow r;
  r.id = q.text(0);
  r.endpoint_id = q.text(1);
  r.event_id = q.text(2);
  r.event_seq = static_cast<std::uint64_t>(q.int64(3));
  r.event_type = q.text(4);
  r.intent_id = q.text(5);
  r.status = q.text(6);
  r.round_attempts = static_cast<std::uint32_t>(q.int64(7));
  r.total_attempts = static_cast<std::uint32_t>(q.int64(8));
  r.next_attempt_at_ms = q.int64(9);
  r.lease_until_ms = q.int64(10);
  r.lease_owner = q.text(11);
  r.last_http_status = static_cast<int>(q.int64(12));
  r.last_error = q.text(13);
  r.created_at_ms = q.int64(14);
  r.updated_at_ms = q.int64(15);
  r.completed_at_ms = q.int64(16);
  return r;
}

WebhookAttemptRow read_attempt(const Query& q) {
  WebhookAttemptRow r;
  r.delivery_id = q.text(0);
  r.endpoint_id = q.text(1);
  r.event_id = q.text(2);
  r.number = static_cast<std::uint32_t>(q.int64(3));
  r.started_at_ms = q.int64(4);
  r.latency_ms = q.int64(5);
  r.http_status = static_cast<int>(q.int64(6));
  r.error = q.text(7);
  r.response_excerpt = q.text(8);
  r.outcome = q.text(9);
  return r;
}

Status find_endpoint(Db& db, std::string_view op, const std::string& id,
                     std::optional<WebhookEndpointRow>* out) {
  out->reset();
  USD1PAY_STORE_QUERY(
      q, db, std::string("SELECT ") + kEndpointColumns + " FROM webhook_endpoints WHERE id = ?1",
      op);
  q.bind(1, id);
  const int rc = q.step();
  if (rc == SQLITE_DONE) return Status();
  if (rc != SQLITE_ROW) return db.error(op, rc);
  WebhookEndpointRow row;
  USD1PAY_RETURN_IF_ERROR(read_endpoint(op, q, &row));
  *out = std::move(row);
  return Status();
}

Status require_endpoint(Db& db, std::string_view op, const std::string& id,
                        WebhookEndpointRow* out) {
  std::optional<WebhookEndpointRow> found;
  USD1PAY_RETURN_IF_ERROR(find_endpoint(db, op, id, &found));
  if (!found) {
    return Status(ErrorCode::kNotFound, "store: " + std::string(op) + ": no endpoint " + id);
  }
  *out = std::move(*found);
  return Status();
}

/// The delivery selected by `where` (with ?1 and ?2 bound to `a` and `b`).
Status find_delivery(Db& db, std::string_view op, const char* where, const std::string& a,
                     const std::string& b, std::optional<WebhookDeliveryRow>* out) {
  out->reset();
  USD1PAY_STORE_QUERY(
      q, db, std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries WHERE " + where,
      op);
  q.bind(1, a).bind(2, b);
  const int rc = q.step();
  if (rc == SQLITE_DONE) return Status();
  if (rc != SQLITE_ROW) return db.error(op, rc);
  *out = read_delivery(q);
  return Status();
}

Status find_delivery_by_id(Db& db, std::string_view op, const std::string& id,
                           std::optional<WebhookDeliveryRow>* out) {
  return find_delivery(db, op, "id = ?1 AND ?2 = ''", id, "", out);
}

Status find_delivery_of_pair(Db& db, std::string_view op, const std::string& event_id,
                             const std::string& endpoint_id,
                             std::optional<WebhookDeliveryRow>* out) {
  return find_delivery(db, op, "event_id = ?1 AND endpoint_id = ?2", event_id, endpoint_id, out);
}

Status find_event(Db& db, std::string_view op, const std::string& id,
                  std::optional<EventRow>* out) {
  out->reset();
  USD1PAY_STORE_QUERY(q, db, std::string("SELECT ") + kEventColumns + " FROM events WHERE id = ?1",
                      op);
  q.bind(1, id);
  const int rc = q.step();
  if (rc == SQLITE_DONE) return Status();
  if (rc != SQLITE_ROW) return db.error(op, rc);
  *out = read_event(q);
  return Status();
}

Status step_done(Db& db, std::string_view op, Query& q) {
  const int rc = q.step();
  if (rc != SQLITE_DONE) return db.error(op, rc);
  return Status();
}

/// Makes the pending delivery with the lowest event_seq of (endpoint,
/// intent) the one head of that pair, and no other delivery of the pair a
/// head. Called after anything that changes which deliveries of the pair are
/// pending. Deliveries of no intent ("") are not ordered and never come here.
/// Both reads are short ranges of webhook_deliveries_pending (is_head is in
/// its key), however many deliveries of the pair wait; nothing is written
/// when the head is already right (a completed head with nothing behind it).
Status refresh_head(Db& db, std::string_view op, const std::string& endpoint_id,
                    const std::string& intent_id) {
  // The lowest waiting (not head) delivery, and the heads (normally at most one).
  std::string waiting;
  std::int64_t waiting_seq = 0;
  {
    USD1PAY_STORE_QUERY(
        q, db,
        "SELECT id, event_seq FROM webhook_deliveries INDEXED BY webhook_deliveries_pending "
        "WHERE endpoint_id = ?1 AND "
        "intent_id = ?2 AND status = 'pending' AND is_head = 0 ORDER BY "
        "event_seq LIMIT 1",
        op);
    q.bind(1, endpoint_id).bind(2, intent_id);
    const int rc = q.step();
    if (rc == SQLITE_ROW) {
      waiting = q.text(0);
      waiting_seq = q.int64(1);
    } else if (rc != SQLITE_DONE) {
      return db.error(op, rc);
    }
  }
  std::vector<std::pair<std::int64_t, std::string>> heads;  // (event_seq, id), seq order
  {
    USD1PAY_STORE_QUERY(
        q, db,
        "SELECT event_seq, id FROM webhook_deliveries INDEXED BY webhook_deliveries_pending "
        "WHERE endpoint_id = ?1 AND "
        "intent_id = ?2 AND status = 'pending' AND is_head = 1 ORDER BY event_seq",
        op);
    q.bind(1, endpoint_id).bind(2, intent_id);
    USD1PAY_RETURN_IF_ERROR(
        db.for_each_row(q, op, [&](const Query& r) { heads.emplace_back(r.int64(0), r.text(1)); }));
  }
  // The one head: the lowest of the two lists' firsts.
  const bool waiting_first =
      !waiting.empty() && (heads.empty() || waiting_seq < heads.front().first);
  const std::string head = waiting_first ? waiting : (heads.empty() ? "" : heads.front().second);
  for (const auto& h : heads) {
    if (h.second == head) continue;
    USD1PAY_STORE_QUERY(
        q, db, "UPDATE webhook_deliveries SET is_head = 0 WHERE id = ?1 AND is_head = 1", op);
    q.bind(1, h.second);
    USD1PAY_RETURN_IF_ERROR(step_done(db, op, q));
  }
  if (!waiting_first) return Status();
  USD1PAY_STORE_QUERY(
      q, db, "UPDATE webhook_deliveries SET is_head = 1 WHERE id = ?1 AND is_head = 0", op);
  q.bind(1, head);
  return step_done(db, op, q);
}

/// Puts a delivery back to pending for a new round (replay), due at at_ms,
/// its lease (if any) dropped.
Status revive_delivery(Db& db, std::string_view op, const WebhookDeliveryRow& d,
                       std::int64_t at_ms) {
  {
    USD1PAY_STORE_QUERY(
        q, db,
        "UPDATE webhook_deliveries SET status = 'pending', is_head = (intent_id = ''), "
        "round_attempts = 0, next_attempt_at_ms = ?2, lease_until_ms = 0, lease_owner = '', "
        "completed_at_ms = 0, updated_at_ms = ?2 WHERE id = ?1",
        op);
    q.bind(1, d.id).bind(2, at_ms);
    USD1PAY_RETURN_IF_ERROR(step_done(db, op, q));
  }
  if (d.intent_id.empty()) return Status();
  return refresh_head(db, op, d.endpoint_id, d.intent_id);
}

/// Inserts a new pending delivery, the head of its (endpoint, intent) when
/// `head` (the caller knows nothing else of the pair is pending, or it will
/// refresh the pair's head). *inserted is false, and nothing is written,
/// when the id or the (event, endpoint) pair is taken already (the caller
/// tells which).
Status insert_delivery(Db& db, std::string_view op, const WebhookDeliveryRow& d, std::int64_t at_ms,
                       bool head, bool* inserted) {
  USD1PAY_STORE_QUERY(
      q, db,
      std::string("INSERT INTO webhook_deliveries (") + kDeliveryColumns +
          ", is_head) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, 0, ?7, 0, '', 0, '', ?8, ?8, "
          "0, ?9) ON CONFLICT DO NOTHING",
      op);
  q.bind(1, d.id)
      .bind(2, d.endpoint_id)
      .bind(3, d.event_id)
      .bind(4, static_cast<std::int64_t>(d.event_seq))
      .bind(5, d.event_type)
      .bind(6, d.intent_id)
      .bind(7, d.next_attempt_at_ms)
      .bind(8, at_ms)
      .bind(9, std::int64_t{head ? 1 : 0});
  USD1PAY_RETURN_IF_ERROR(step_done(db, op, q));
  *inserted = sqlite3_changes(db.handle()) == 1;
  return Status();
}

/// Whether (endpoint, intent) has a pending delivery.
Status has_pending(Db& db, std::string_view op, const std::string& endpoint_id,
                   const std::string& intent_id, bool* pending) {
  USD1PAY_STORE_QUERY(
      q, db,
      "SELECT 1 FROM webhook_deliveries INDEXED BY webhook_deliveries_pending WHERE "
      "endpoint_id = ?1 AND intent_id = ?2 AND status = 'pending' LIMIT 1",
      op);
  q.bind(1, endpoint_id).bind(2, intent_id);
  const int rc = q.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db.error(op, rc);
  *pending = rc == SQLITE_ROW;
  return Status();
}

/// The delivery's copy of its event's fields (seq, type, intent) must be the
/// event's; `where` starts the messages.
template <typename Where>
Status check_event_of(Db& db, std::string_view op, const Where& where_of,
                      const WebhookDeliveryRow& given) {
  USD1PAY_STORE_QUERY(q, db, "SELECT seq, type, intent_id FROM events WHERE id = ?1", op);
  q.bind(1, given.event_id);
  const int rc = q.step();
  if (rc == SQLITE_DONE) {
    return Status(ErrorCode::kNotFound, where_of() + "no event " + given.event_id);
  }
  if (rc != SQLITE_ROW) return db.error(op, rc);
  const auto seq = static_cast<std::uint64_t>(q.int64(0));
  const std::string type = q.text(1);
  const std::string intent_id = q.is_null(2) ? std::string() : q.text(2);
  if (seq != given.event_seq || type != given.event_type || intent_id != given.intent_id) {
    return Status(ErrorCode::kInvalidArgument,
                  where_of() + "(seq " + std::to_string(given.event_seq) + ", type '" +
                      given.event_type + "', intent '" + given.intent_id + "') is not event " +
                      given.event_id + " (seq " + std::to_string(seq) + ", type '" + type +
                      "', intent '" + intent_id + "')");
  }
  return Status();
}

Status deliveries_by_ids(Db& db, std::string_view op, const std::vector<std::string>& ids,
                         std::vector<WebhookDeliveryRow>* out) {
  out->clear();
  for (const std::string& id : ids) {
    std::optional<WebhookDeliveryRow> d;
    USD1PAY_RETURN_IF_ERROR(find_delivery_by_id(db, op, id, &d));
    if (!d) return Status(ErrorCode::kInternal, "store: " + std::string(op) + ": lost " + id);
    out->push_back(std::move(*d));
  }
  return Status();
}

}  // namespace

// ---- endpoints ----

Result<WebhookEndpointRow> SqliteStore::create_webhook_endpoint(
    const CreateWebhookEndpointParams& p) {
  constexpr std::string_view kOp = "create_webhook_endpoint";
  const WebhookEndpointRow& e = p.endpoint;
  USD1PAY_RETURN_IF_ERROR(require_id(kOp, "endpoint.id", e.id, kWebhookEndpointIdPrefix));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(kOp, "endpoint.url", e.url));
  USD1PAY_RETURN_IF_ERROR(validate_secrets(kOp, "endpoint.secrets", e.secrets));
  USD1PAY_RETURN_IF_ERROR(validate_event_types(kOp, "endpoint.event_types", e.event_types));
  USD1PAY_RETURN_IF_ERROR(require_no_nul(kOp, "endpoint.description", e.description));
  USD1PAY_RETURN_IF_ERROR(require_no_nul(kOp, "endpoint.disabled_reason", e.disabled_reason));
  USD1PAY_RETURN_IF_ERROR(require_one_of(kOp, "endpoint.source", e.source, kEndpointSources));
  WebhookEndpointRow row = e;
  if (row.enabled) row.disabled_reason.clear();
  row.version = 1;
  const std::string secrets = secrets_json(row.secrets);
  const std::string types = event_types_json(row.event_types);
  const Status io = write(kOp, [&](Db& db) -> Status {
    bool taken = false;
    USD1PAY_RETURN_IF_ERROR(
        exists(db, kOp, "SELECT 1 FROM webhook_endpoints WHERE id = ?1", row.id, &taken));
    if (taken) {
      return Status(ErrorCode::kAlreadyExists,
                    "store: create_webhook_endpoint: endpoint " + row.id + " exists already");
    }
    {
      // The newest event so far: the endpoint receives what happens after it exists.
      USD1PAY_STORE_QUERY(q, db, "SELECT COALESCE(MAX(seq), 0) FROM events", kOp);
      const int rc = q.step();
      if (rc != SQLITE_ROW) return db.error(kOp, rc);
      row.fanout_seq = static_cast<std::uint64_t>(q.int64(0));
    }
    USD1PAY_STORE_QUERY(q, db,
                        std::string("INSERT INTO webhook_endpoints (") + kEndpointColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1)",
                        kOp);
    q.bind(1, row.id)
        .bind(2, row.url)
        .bind(3, secrets)
        .bind(4, types)
        .bind(5, row.description)
        .bind(6, std::int64_t{row.enabled ? 1 : 0})
        .bind(7, row.disabled_reason)
        .bind(8, row.source)
        .bind(9, static_cast<std::int64_t>(row.fanout_seq))
        .bind(10, row.created_at_ms)
        .bind(11, row.updated_at_ms);
    return step_done(db, kOp, q);
  });
  if (!io.ok()) return io;
  return row;
}

Result<WebhookEndpointRow> SqliteStore::get_webhook_endpoint(const GetWebhookEndpointParams& p) {
  constexpr std::string_view kOp = "get_webhook_endpoint";
  USD1PAY_RETURN_IF_ERROR(require_id(kOp, "id", p.id, kWebhookEndpointIdPrefix));
  WebhookEndpointRow row;
  USD1PAY_RETURN_IF_ERROR(
      read(kOp, [&](Db& db) -> Status { return require_endpoint(db, kOp, p.id, &row); }));
  return row;
}

Result<std::vector<WebhookEndpointRow>> SqliteStore::list_webhook_endpoints(
    const ListWebhookEndpointsParams& p) {
  constexpr std::string_view kOp = "list_webhook_endpoints";
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 10000));
  std::string sql = std::string("SELECT ") + kEndpointColumns + " FROM webhook_endpoints WHERE 1";
  if (p.enabled) sql += " AND enabled = ?1";
  sql += " ORDER BY created_at_ms, id LIMIT ?2";
  std::vector<WebhookEndpointRow> rows;
  const Status io = read(kOp, [&](Db& db) -> Status {
    rows.clear();
    USD1PAY_STORE_QUERY(q, db, sql, kOp);
    if (p.enabled) q.bind(1, std::int64_t{*p.enabled ? 1 : 0});
    q.bind(2, static_cast<std::int64_t>(p.limit));
    Status bad;
    USD1PAY_RETURN_IF_ERROR(db.for_each_row(q, kOp, [&](const Query& r) {
      WebhookEndpointRow row;
      const Status s = read_endpoint(kOp, r, &row);
      if (!s.ok() && bad.ok()) bad = s;
      rows.push_back(std::move(row));
    }));
    return bad;
  });
  if (!io.ok()) return io;
  return rows;
}

Result<WebhookEndpointRow> SqliteStore::update_webhook_endpoint(
    const UpdateWebhookEndpointParams& p) {
  constexpr std::string_view kOp = "update_webhook_endpoint";
  USD1PAY_RETURN_IF_ERROR(require_id(kOp, "id", p.id, kWebhookEndpointIdPrefix));
  if (p.url) USD1PAY_RETURN_IF_ERROR(require_non_empty(kOp, "url", *p.url));
  if (p.secrets) USD1PAY_RETURN_IF_ERROR(validate_secrets(kOp, "secrets", *p.secrets));
  if (p.event_types) {
    USD1PAY_RETURN_IF_ERROR(validate_event_types(kOp, "event_types", *p.event_types));
  }
  if (p.description) USD1PAY_RETURN_IF_ERROR(require_no_nul(kOp, "description", *p.description));
  if (p.disabled_reason) {
    USD1PAY_RETURN_IF_ERROR(require_no_nul(kOp, "disabled_reason", *p.disabled_reason));
  }
  WebhookEndpointRow row;
  const Status io = write(kOp, [&](Db& db) -> Status {
    USD1PAY_RETURN_IF_ERROR(require_endpoint(db, kOp, p.id, &row));
    if (p.expected_version && *p.expected_version != row.version) {
      return Status(ErrorCode::kFailedPrecondition,
                    "store: update_webhook_endpoint: endpoint " + p.id + " is at version " +
                        std::to_string(row.version) + ", expected version " +
                        std::to_string(*p.expected_version) + " (changed meanwhile)");
    }
    if (p.url) row.url = *p.url;
    if (p.secrets) row.secrets = *p.secrets;
    if (p.event_types) row.event_types = *p.event_types;
    if (p.description) row.description = *p.description;
    if (p.enabled) row.enabled = *p.enabled;
    if (p.disabled_reason) row.disabled_reason = *p.disabled_reason;
    if (row.enabled) row.disabled_reason.clear();
    row.updated_at_ms = p.at_ms;
    row.version += 1;
    USD1PAY_STORE_QUERY(
        q, db,
        "UPDATE webhook_endpoints SET url = ?2, secrets_json = ?3, event_types_json = ?4, "
        "description = ?5, enabled = ?6, disabled_reason = ?7, updated_at_ms = ?8, version = ?9 "
        "WHERE id = ?1",
        kOp);
    const std::string secrets = secrets_json(row.secrets);
    const std::string types = event_types_json(row.event_types);
    q.bind(1, row.id)
        .bind(2, row.url)
        .bind(3, secrets)
        .bind(4, types)
        .bind(5, row.description)
        .bind(6, std::int64_t{row.enabled ? 1 : 0})
        .bind(7, row.disabled_reason)
        .bind(8, row.updated_at_ms)
        .bind(9, static_cast<std::int64_t>(row.version));
    return step_done(db, kOp, q);
  });
  if (!io.ok()) return io;
  return row;
}

// ---- the delivery queue ----

Result<std::size_t> SqliteStore::enqueue_webhook_deliveries(
    const EnqueueWebhookDeliveriesParams& p) {
  constexpr std::string_view kOp = "enqueue_webhook_deliveries";
  USD1PAY_RETURN_IF_ERROR(require_id(kOp, "endpoint_id", p.endpoint_id, kWebhookEndpointIdPrefix));
  USD1PAY_RETURN_IF_ERROR(require_seq(kOp, "expected_fanout_seq", p.expected_fanout_seq));
  USD1PAY_RETURN_IF_ERROR(require_seq(kOp, "new_fanout_seq", p.new_fanout_seq));
  if (p.new_fanout_seq < p.expected_fanout_seq) {
    return invalid(kOp, "new_fanout_seq " + std::to_string(p.new_fanout_seq) +
                            " is below expected_fanout_seq " +
                            std::to_string(p.expected_fanout_seq));
  }
  for (std::size_t i = 0; i < p.deliveries.size(); ++i) {
    const WebhookDeliveryRow& d = p.deliveries[i];
    const std::string field = "deliveries[" + std::to_string(i) + "]";
    USD1PAY_RETURN_IF_ERROR(require_id(kOp, field + ".id", d.id, kDeliveryIdPrefix));
    USD1PAY_RETURN_IF_ERROR(require_event_id(kOp, field + ".event_id", d.event_id));
    if (d.event_seq <= p.expected_fanout_seq || d.event_seq > p.new_fanout_seq) {
      return invalid(kOp, field + ".event_seq " + std::to_string(d.event_seq) + " is outside " +
                              std::to_string(p.expected_fanout_seq) +
                              " < seq <= " + std::to_string(p.new_fanout_seq));
    }
  }
  std::size_t inserted = 0;
  const Status io = write(kOp, [&](Db& db) -> Status {
    inserted = 0;
    const std::string prefix = "store: enqueue_webhook_deliveries: ";
    WebhookEndpointRow endpoint;
    USD1PAY_RETURN_IF_ERROR(require_endpoint(db, kOp, p.endpoint_id, &endpoint));
    if (endpoint.fanout_seq != p.expected_fanout_seq) {
      return Status(ErrorCode::kFailedPrecondition,
                    prefix + "endpoint " + p.endpoint_id + " has fanout_seq " +
                        std::to_string(endpoint.fanout_seq) + ", expected " +
                        std::to_string(p.expected_fanout_seq) +
                        " (another dispatcher fanned out first)");
    }
    {
      USD1PAY_STORE_QUERY(q, db, "SELECT COALESCE(MAX(seq), 0) FROM events", kOp);
      const int rc = q.step();
      if (rc != SQLITE_ROW) return db.error(kOp, rc);
      const auto newest = static_cast<std::uint64_t>(q.int64(0));
      if (p.new_fanout_seq > newest) {
        return invalid(kOp, "new_fanout_seq " + std::to_string(p.new_fanout_seq) +
                                " is past the newest event (seq " + std::to_string(newest) + ")");
      }
    }
    // A delivery whose (endpoint, intent) has nothing pending goes in as the
    // pair's head at once (the common case: the first event of an intent in
    // this batch); otherwise it goes in waiting and the pair's head is
    // refreshed at the end (an earlier pending one, or several of this batch).
    std::set<std::string> ordered_intents;  // with a delivery inserted here
    std::set<std::string> refresh_intents;  // with one inserted waiting
    for (std::size_t i = 0; i < p.deliveries.size(); ++i) {
      const WebhookDeliveryRow& given = p.deliveries[i];
      // Built only for a message: most deliveries never need it.
      const auto where = [&] {
        return prefix + "deliveries[" + std::to_string(i) + "] (" + given.id + "): ";
      };
      USD1PAY_RETURN_IF_ERROR(check_event_of(db, kOp, where, given));
      bool head = given.intent_id.empty();
      if (!head && ordered_intents.count(given.intent_id) == 0) {
        bool pending = false;
        USD1PAY_RETURN_IF_ERROR(has_pending(db, kOp, p.endpoint_id, given.intent_id, &pending));
        head = !pending;
      }
      WebhookDeliveryRow row = given;
      row.endpoint_id = p.endpoint_id;
      bool inserted_row = false;
      USD1PAY_RETURN_IF_ERROR(insert_delivery(db, kOp, row, p.at_ms, head, &inserted_row));
      if (!inserted_row) {
        // Fanned out before (or replayed): left as it is. Otherwise the id
        // is another delivery's.
        std::optional<WebhookDeliveryRow> existing;
        USD1PAY_RETURN_IF_ERROR(
            find_delivery_of_pair(db, kOp, given.event_id, p.endpoint_id, &existing));
        if (existing) continue;
        return Status(ErrorCode::kAlreadyExists,
                      where() + "delivery id " + given.id + " is taken by another delivery");
      }
      if (!row.intent_id.empty()) ordered_intents.insert(row.intent_id);
      if (!row.intent_id.empty() && !head) refresh_intents.insert(row.intent_id);
      ++inserted;
    }
    for (const std::string& intent_id : refresh_intents) {
      USD1PAY_RETURN_IF_ERROR(refresh_head(db, kOp, p.endpoint_id, intent_id));
    }
    USD1PAY_STORE_QUERY(q, db, "UPDATE webhook_endpoints SET fanout_seq = ?2 WHERE id = ?1", kOp);
    q.bind(1, p.endpoint_id).bind(2, static_cast<std::int64_t>(p.new_fanout_seq));
    return step_done(db, kOp, q);
  });
  if (!io.ok()) return io;
  return inserted;
}

namespace {

// The checks and the transaction bodies of a claim and of a completion,
// shared by the single operations and by complete_webhook_attempts. `f`
// prefixes field names in messages ("completions[2]."), `prefix` starts the
// messages of a refusal found inside the transaction.

Status check_claim(std::string_view op, const std::string& f,
                   const ClaimWebhookDeliveriesParams& p) {
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, f + "owner", p.owner));
  USD1PAY_RETURN_IF_ERROR(check_limit(op, p.limit, 10000));
  if (p.max_in_flight_per_endpoint < 1) {
    return invalid(op, f + "max_in_flight_per_endpoint is 0 (at least 1)");
  }
  if (p.lease_ms < 1) {
    return invalid(op, f + "lease_ms " + std::to_string(p.lease_ms) + " is not positive");
  }
  if (p.now_ms > std::numeric_limits<std::int64_t>::max() - p.lease_ms) {
    return invalid(op, f + "now_ms " + std::to_string(p.now_ms) + " + lease_ms " +
                           std::to_string(p.lease_ms) + " overflows");
  }
  return Status();
}

Status apply_claim(Db& db, std::string_view op, const ClaimWebhookDeliveriesParams& p,
                   std::vector<WebhookDeliveryRow>* claimed) {
  claimed->clear();
  const std::int64_t lease_until = p.now_ms + p.lease_ms;
  std::vector<std::string> endpoints;
  {
    USD1PAY_STORE_QUERY(q, db, "SELECT id FROM webhook_endpoints WHERE enabled = 1", op);
    USD1PAY_RETURN_IF_ERROR(
        db.for_each_row(q, op, [&](const Query& r) { endpoints.push_back(r.text(0)); }));
  }
  // Leases still running, per endpoint, from the index of running leases
  // (its condition is spelled out so that the planner may take it; named:
  // without statistics it would take the status index and count every
  // pending row).
  std::map<std::string, std::size_t> in_flight;
  {
    USD1PAY_STORE_QUERY(q, db,
                        "SELECT endpoint_id, count(*) FROM webhook_deliveries "
                        "INDEXED BY webhook_deliveries_leases "
                        "WHERE status = 'pending' AND lease_until_ms > 0 AND lease_until_ms > ?1 "
                        "GROUP BY endpoint_id",
                        op);
    q.bind(1, p.now_ms);
    USD1PAY_RETURN_IF_ERROR(db.for_each_row(q, op, [&](const Query& r) {
      in_flight[r.text(0)] = static_cast<std::size_t>(r.int64(1));
    }));
  }
  // Each candidate with its rowid: the lease is written by rowid, one
  // b-tree seek fewer than by id.
  struct Candidate {
    WebhookDeliveryRow d;
    std::int64_t rowid = 0;
  };
  std::vector<Candidate> candidates;
  for (const std::string& endpoint_id : endpoints) {
    const auto it = in_flight.find(endpoint_id);
    const std::size_t busy = it == in_flight.end() ? 0 : it->second;
    if (busy >= p.max_in_flight_per_endpoint) continue;
    const std::size_t room = std::min(p.max_in_flight_per_endpoint - busy, p.limit);
    USD1PAY_STORE_QUERY(
        q, db,
        std::string("SELECT ") + kDeliveryColumns +
            ", rowid FROM webhook_deliveries WHERE endpoint_id = ?1 AND is_head = 1 "
            "AND next_attempt_at_ms <= ?2 AND lease_until_ms <= ?2 "
            "ORDER BY next_attempt_at_ms, event_seq LIMIT ?3",
        op);
    q.bind(1, endpoint_id).bind(2, p.now_ms).bind(3, static_cast<std::int64_t>(room));
    USD1PAY_RETURN_IF_ERROR(db.for_each_row(q, op, [&](const Query& r) {
      candidates.push_back(Candidate{read_delivery(r), r.int64(kDeliveryColumnCount)});
    }));
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.d.next_attempt_at_ms, a.d.event_seq, a.d.endpoint_id) <
           std::tie(b.d.next_attempt_at_ms, b.d.event_seq, b.d.endpoint_id);
  });
  if (candidates.size() > p.limit) candidates.resize(p.limit);
  claimed->reserve(candidates.size());
  for (Candidate& c : candidates) {
    USD1PAY_STORE_QUERY(q, db,
                        "UPDATE webhook_deliveries SET lease_until_ms = ?2, lease_owner = ?3, "
                        "updated_at_ms = ?4 WHERE rowid = ?1",
                        op);
    q.bind(1, c.rowid).bind(2, lease_until).bind(3, p.owner).bind(4, p.now_ms);
    USD1PAY_RETURN_IF_ERROR(step_done(db, op, q));
    WebhookDeliveryRow& d = c.d;
    d.lease_until_ms = lease_until;
    d.lease_owner = p.owner;
    d.updated_at_ms = p.now_ms;
    claimed->push_back(std::move(d));
  }
  return Status();
}

Status check_completion(std::string_view op, const std::string& f,
                        const CompleteWebhookAttemptParams& p) {
  const WebhookAttemptRow& a = p.attempt;
  USD1PAY_RETURN_IF_ERROR(require_id(op, f + "delivery_id", p.delivery_id, kDeliveryIdPrefix));
  USD1PAY_RETURN_IF_ERROR(require_non_empty(op, f + "owner", p.owner));
  USD1PAY_RETURN_IF_ERROR(require_one_of(op, f + "new_status", p.new_status, kDeliveryStatuses));
  USD1PAY_RETURN_IF_ERROR(require_one_of(op, f + "attempt.outcome", a.outcome, kAttemptOutcomes));
  // Any three-digit status is HTTP (RFC 9110, 15): a receiver answering 999
  // must still get its attempt on record.
  if (a.http_status != 0 && (a.http_status < 100 || a.http_status > 999)) {
    return invalid(op, f + "attempt.http_status " + std::to_string(a.http_status) +
                           " is neither 0 (no response) nor a three-digit status 100..999");
  }
  if (a.latency_ms < 0) {
    return invalid(op, f + "attempt.latency_ms " + std::to_string(a.latency_ms) + " is negative");
  }
  if (a.response_excerpt.size() > kMaxExcerptBytes) {
    return invalid(op, f + "attempt.response_excerpt is " +
                           std::to_string(a.response_excerpt.size()) + " bytes, more than " +
                           std::to_string(kMaxExcerptBytes));
  }
  if (p.disable_endpoint_reason) {
    USD1PAY_RETURN_IF_ERROR(
        require_non_empty(op, f + "disable_endpoint_reason", *p.disable_endpoint_reason));
  }
  return Status();
}

// Per completion: the delivery read, its update (when the lease is ours), the
// attempt inserted, and the pair's head refreshed when the delivery is done.
// (An UPDATE ... RETURNING instead of the read, or an INSERT ... SELECT for
// the attempt's number, each build a temporary b-tree per statement in
// SQLite: dearer than the statement they save. Profiled.)
/// The columns of a delivery a completion needs when its caller does not
/// want the row back: status, lease owner, the ids, and the rowid.
Status find_delivery_for_completion(Db& db, std::string_view op, const std::string& id,
                                    std::optional<WebhookDeliveryRow>* out, std::int64_t* rowid) {
  out->reset();
  USD1PAY_STORE_QUERY(q, db,
                      "SELECT status, lease_owner, endpoint_id, event_id, intent_id, rowid FROM "
                      "webhook_deliveries WHERE id = ?1",
                      op);
  q.bind(1, id);
  const int rc = q.step();
  if (rc == SQLITE_DONE) return Status();
  if (rc != SQLITE_ROW) return db.error(op, rc);
  WebhookDeliveryRow& d = out->emplace();
  d.id = id;
  d.status = q.text(0);
  d.lease_owner = q.text(1);
  d.endpoint_id = q.text(2);
  d.event_id = q.text(3);
  d.intent_id = q.text(4);
  *rowid = q.int64(5);
  return Status();
}

Status apply_completion(Db& db, std::string_view op, const std::string& prefix,
                        const CompleteWebhookAttemptParams& p, CompleteWebhookAttemptResult* result,
                        bool return_delivery = true) {
  const WebhookAttemptRow& a = p.attempt;
  std::optional<WebhookDeliveryRow> found;
  std::int64_t rowid = 0;
  const bool by_rowid = !return_delivery;  // the narrow read gives the rowid
  if (return_delivery) {
    USD1PAY_RETURN_IF_ERROR(find_delivery_by_id(db, op, p.delivery_id, &found));
  } else {
    USD1PAY_RETURN_IF_ERROR(find_delivery_for_completion(db, op, p.delivery_id, &found, &rowid));
  }
  if (!found) return Status(ErrorCode::kNotFound, prefix + "no delivery " + p.delivery_id);
  WebhookDeliveryRow& d = *found;
  // The attempt's ids are the delivery's; a caller that sets them must agree.
  const std::pair<const std::string*, const std::string*> ids[] = {
      {&a.delivery_id, &d.id}, {&a.endpoint_id, &d.endpoint_id}, {&a.event_id, &d.event_id}};
  const char* names[] = {"attempt.delivery_id", "attempt.endpoint_id", "attempt.event_id"};
  for (std::size_t i = 0; i < 3; ++i) {
    if (!ids[i].first->empty() && *ids[i].first != *ids[i].second) {
      return Status(ErrorCode::kInvalidArgument,
                    prefix + names[i] + " '" + ids[i].first->substr(0, 64) +
                        "' is not the delivery's '" + *ids[i].second + "'");
    }
  }
  // 1. The attempt, always: the receiver may have seen it. Its number is
  //    the delivery's next, found by the insert (a scalar subquery).
  {
    USD1PAY_STORE_QUERY(q, db,
                        std::string("INSERT INTO webhook_attempts (") + kAttemptColumns +
                            ") VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(number), 0) + 1 FROM "
                            "webhook_attempts WHERE delivery_id = ?1), ?4, ?5, ?6, ?7, ?8, ?9)",
                        op);
    q.bind(1, d.id)
        .bind(2, d.endpoint_id)
        .bind(3, d.event_id)
        .bind(4, a.started_at_ms)
        .bind(5, a.latency_ms)
        .bind(6, std::int64_t{a.http_status})
        .bind(7, a.error)
        .bind(8, a.response_excerpt)
        .bind(9, a.outcome);
    USD1PAY_RETURN_IF_ERROR(step_done(db, op, q));
  }
  // 2. The delivery, only while `owner` holds its lease. A lease that ran
  //    out still counts until someone else claims the delivery (then
  //    lease_owner is theirs), and completing or replaying clears it.
  result->applied = d.status == "pending" && d.lease_owner == p.owner;
  if (result->applied) {
    const bool done = p.new_status != "pending";
    {
      // By rowid when the narrow read gave it (one b-tree seek fewer).
      constexpr const char* kSet =
          "UPDATE webhook_deliveries SET status = ?2, is_head = CASE WHEN ?3 THEN 0 ELSE "
          "is_head END, round_attempts = round_attempts + 1, total_attempts = total_attempts "
          "+ 1, next_attempt_at_ms = CASE WHEN ?3 THEN next_attempt_at_ms ELSE ?4 END, "
          "lease_until_ms = 0, lease_owner = '', last_http_status = ?5, last_error = ?6, "
          "updated_at_ms = ?7, completed_at_ms = CASE WHEN ?3 THEN ?7 ELSE 0 END WHERE ";
      USD1PAY_STORE_QUERY(q, db, std::string(kSet) + (by_rowid ? "rowid = ?1" : "id = ?1"), op);
      if (by_rowid) {
        q.bind(1, rowid);
      } else {
        q.bind(1, d.id);
      }
      q.bind(2, p.new_status)
          .bind(3, std::int64_t{done ? 1 : 0})
          .bind(4, p.next_attempt_at_ms)
          .bind(5, std::int64_t{a.http_status})
          .bind(6, a.error)
          .bind(7, p.at_ms);
      USD1PAY_RETURN_IF_ERROR(step_done(db, op, q));
    }
    if (done && !d.intent_id.empty()) {
      USD1PAY_RETURN_IF_ERROR(refresh_head(db, op, d.endpoint_id, d.intent_id));
    }
    // The delivery as it is now, from the row read above and the update
    // just made (no second read). is_head is not a row field.
    d.status = p.new_status;
    ++d.round_attempts;
    ++d.total_attempts;
    if (!done) d.next_attempt_at_ms = p.next_attempt_at_ms;
    d.lease_until_ms = 0;
    d.lease_owner.clear();
    d.last_http_status = a.http_status;
    d.last_error = a.error;
    d.updated_at_ms = p.at_ms;
    d.completed_at_ms = done ? p.at_ms : 0;
  }
  // 3. A 410 Gone disables the endpoint whoever holds the lease: it is
  //    what the receiver said about the endpoint, not about this delivery.
  if (p.disable_endpoint_reason) {
    USD1PAY_STORE_QUERY(q, db,
                        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?2, "
                        "updated_at_ms = ?3, version = version + 1 WHERE id = ?1 AND enabled = 1",
                        op);
    q.bind(1, d.endpoint_id).bind(2, *p.disable_endpoint_reason).bind(3, p.at_ms);
    USD1PAY_RETURN_IF_ERROR(step_done(db, op, q));
  }
  if (return_delivery) result->delivery = std::move(d);
  return Status();
}

}  // namespace

Result<std::vector<WebhookDeliveryRow>> SqliteStore::claim_webhook_deliveries(
    const ClaimWebhookDeliveriesParams& p) {
  constexpr std::string_view kOp = "claim_webhook_deliveries";
  USD1PAY_RETURN_IF_ERROR(check_claim(kOp, "", p));
  std::vector<WebhookDeliveryRow> claimed;
  const Status io = write(kOp, [&](Db& db) -> Status { return apply_claim(db, kOp, p, &claimed); });
  if (!io.ok()) return io;
  return claimed;
}

Result<CompleteWebhookAttemptResult> SqliteStore::complete_webhook_attempt(
    const CompleteWebhookAttemptParams& p) {
  constexpr std::string_view kOp = "complete_webhook_attempt";
  USD1PAY_RETURN_IF_ERROR(check_completion(kOp, "", p));
  CompleteWebhookAttemptResult result;
  const Status io = write(kOp, [&](Db& db) -> Status {
    return apply_completion(db, kOp, "store: complete_webhook_attempt: ", p, &result);
  });
  if (!io.ok()) return io;
  return result;
}

Result<CompleteWebhookAttemptsResult> SqliteStore::complete_webhook_attempts(
    const CompleteWebhookAttemptsParams& p) {
  constexpr std::string_view kOp = "complete_webhook_attempts";
  if (p.completions.size() > 10000) {
    return invalid(kOp, "completions has " + std::to_string(p.completions.size()) +
                            " entries, more than 10000");
  }
  if (p.release.size() > 10000) {
    return invalid(kOp,
                   "release has " + std::to_string(p.release.size()) + " entries, more than 10000");
  }
  for (std::size_t i = 0; i < p.completions.size(); ++i) {
    USD1PAY_RETURN_IF_ERROR(
        check_completion(kOp, "completions[" + std::to_string(i) + "].", p.completions[i]));
  }
  if (!p.release.empty()) USD1PAY_RETURN_IF_ERROR(require_non_empty(kOp, "owner", p.owner));
  for (std::size_t i = 0; i < p.release.size(); ++i) {
    USD1PAY_RETURN_IF_ERROR(
        require_id(kOp, "release[" + std::to_string(i) + "]", p.release[i], kDeliveryIdPrefix));
  }
  if (p.claim) USD1PAY_RETURN_IF_ERROR(check_claim(kOp, "claim.", *p.claim));
  CompleteWebhookAttemptsResult result;
  const Status io = write(kOp, [&](Db& db) -> Status {
    result = CompleteWebhookAttemptsResult();
    result.completed.resize(p.completions.size());
    for (std::size_t i = 0; i < p.completions.size(); ++i) {
      const std::string prefix = "store: complete_webhook_attempts: completions[" +
                                 std::to_string(i) + "] (" + p.completions[i].delivery_id + "): ";
      USD1PAY_RETURN_IF_ERROR(apply_completion(db, kOp, prefix, p.completions[i],
                                               &result.completed[i], p.return_deliveries));
    }
    for (const std::string& id : p.release) {
      USD1PAY_STORE_QUERY(q, db,
                          "UPDATE webhook_deliveries SET lease_until_ms = 0, lease_owner = '' "
                          "WHERE id = ?1 AND lease_owner = ?2 AND status = 'pending'",
                          kOp);
      q.bind(1, id).bind(2, p.owner);
      USD1PAY_RETURN_IF_ERROR(step_done(db, kOp, q));
      result.released += static_cast<std::size_t>(sqlite3_changes(db.handle()));
    }
    if (p.claim) USD1PAY_RETURN_IF_ERROR(apply_claim(db, kOp, *p.claim, &result.claimed));
    return Status();
  });
  if (!io.ok()) return io;
  return result;
}

Result<std::vector<WebhookDeliveryRow>> SqliteStore::list_webhook_deliveries(
    const ListWebhookDeliveriesParams& p) {
  constexpr std::string_view kOp = "list_webhook_deliveries";
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 100000));
  if (p.event_id) USD1PAY_RETURN_IF_ERROR(require_event_id(kOp, "event_id", *p.event_id));
  if (p.endpoint_id) {
    USD1PAY_RETURN_IF_ERROR(
        require_id(kOp, "endpoint_id", *p.endpoint_id, kWebhookEndpointIdPrefix));
  }
  if (p.intent_id) USD1PAY_RETURN_IF_ERROR(require_no_nul(kOp, "intent_id", *p.intent_id));
  if (p.status)
    USD1PAY_RETURN_IF_ERROR(require_one_of(kOp, "status", *p.status, kDeliveryStatuses));
  // Numbered parameters keep their numbers whichever filters are present.
  std::string sql = std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries WHERE 1";
  if (p.event_id) sql += " AND event_id = ?1";
  if (p.endpoint_id) sql += " AND endpoint_id = ?2";
  if (p.intent_id) sql += " AND intent_id = ?3";
  // The status index keeps only deliveries not succeeded: its condition is
  // spelled out for the planner. Succeeded ones are most rows; they are
  // found walking event order.
  if (p.status) {
    sql += *p.status == "succeeded" ? " AND status = ?4"
                                    : " AND status = ?4 AND status <> 'succeeded'";
  }
  sql += " ORDER BY event_seq, endpoint_id LIMIT ?5";
  std::vector<WebhookDeliveryRow> rows;
  const Status io = read(kOp, [&](Db& db) -> Status {
    rows.clear();
    USD1PAY_STORE_QUERY(q, db, sql, kOp);
    if (p.event_id) q.bind(1, *p.event_id);
    if (p.endpoint_id) q.bind(2, *p.endpoint_id);
    if (p.intent_id) q.bind(3, *p.intent_id);
    if (p.status) q.bind(4, *p.status);
    q.bind(5, static_cast<std::int64_t>(p.limit));
    return db.for_each_row(q, kOp, [&](const Query& r) { rows.push_back(read_delivery(r)); });
  });
  if (!io.ok()) return io;
  return rows;
}

Result<std::vector<WebhookAttemptRow>> SqliteStore::list_webhook_attempts(
    const ListWebhookAttemptsParams& p) {
  constexpr std::string_view kOp = "list_webhook_attempts";
  USD1PAY_RETURN_IF_ERROR(check_limit(kOp, p.limit, 100000));
  if (p.delivery_id) {
    USD1PAY_RETURN_IF_ERROR(require_id(kOp, "delivery_id", *p.delivery_id, kDeliveryIdPrefix));
  }
  if (p.endpoint_id) {
    USD1PAY_RETURN_IF_ERROR(
        require_id(kOp, "endpoint_id", *p.endpoint_id, kWebhookEndpointIdPrefix));
  }
  if (p.event_id) USD1PAY_RETURN_IF_ERROR(require_event_id(kOp, "event_id", *p.event_id));
  std::string sql = std::string("SELECT ") + kAttemptColumns + " FROM webhook_attempts WHERE 1";
  if (p.delivery_id) sql += " AND delivery_id = ?1";
  if (p.endpoint_id) sql += " AND endpoint_id = ?2";
  // An event's attempts are found through its deliveries (one per
  // endpoint, UNIQUE (event_id, endpoint_id)) and their attempts' primary
  // key; the attempts table has no event index of its own.
  if (p.event_id) {
    sql +=
        " AND event_id = ?3 AND delivery_id IN (SELECT id FROM webhook_deliveries WHERE "
        "event_id = ?3)";
  }
  sql += " ORDER BY started_at_ms, delivery_id, number LIMIT ?4";
  std::vector<WebhookAttemptRow> rows;
  const Status io = read(kOp, [&](Db& db) -> Status {
    rows.clear();
    USD1PAY_STORE_QUERY(q, db, sql, kOp);
    if (p.delivery_id) q.bind(1, *p.delivery_id);
    if (p.endpoint_id) q.bind(2, *p.endpoint_id);
    if (p.event_id) q.bind(3, *p.event_id);
    q.bind(4, static_cast<std::int64_t>(p.limit));
    return db.for_each_row(q, kOp, [&](const Query& r) { rows.push_back(read_attempt(r)); });
  });
  if (!io.ok()) return io;
  return rows;
}

Result<std::vector<WebhookDeliveryRow>> SqliteStore::replay_webhook(const ReplayWebhookParams& p) {
  constexpr std::string_view kOp = "replay_webhook";
  USD1PAY_RETURN_IF_ERROR(require_event_id(kOp, "event_id", p.event_id));
  if (p.endpoint_id) {
    USD1PAY_RETURN_IF_ERROR(
        require_id(kOp, "endpoint_id", *p.endpoint_id, kWebhookEndpointIdPrefix));
  }
  if (!p.new_delivery_id.empty()) {
    USD1PAY_RETURN_IF_ERROR(
        require_id(kOp, "new_delivery_id", p.new_delivery_id, kDeliveryIdPrefix));
  }
  std::vector<WebhookDeliveryRow> rows;
  const Status io = write(kOp, [&](Db& db) -> Status {
    rows.clear();
    const std::string prefix = "store: replay_webhook: ";
    std::optional<EventRow> event;
    USD1PAY_RETURN_IF_ERROR(find_event(db, kOp, p.event_id, &event));
    if (!event) return Status(ErrorCode::kNotFound, prefix + "no event " + p.event_id);
    std::vector<WebhookDeliveryRow> targets;
    if (p.endpoint_id) {
      WebhookEndpointRow endpoint;
      USD1PAY_RETURN_IF_ERROR(require_endpoint(db, kOp, *p.endpoint_id, &endpoint));
      std::optional<WebhookDeliveryRow> existing;
      USD1PAY_RETURN_IF_ERROR(find_delivery_of_pair(db, kOp, p.event_id, endpoint.id, &existing));
      if (existing) {
        targets.push_back(std::move(*existing));
      } else {
        if (p.new_delivery_id.empty()) {
          return invalid(kOp, "new_delivery_id is empty and endpoint " + endpoint.id +
                                  " has no delivery of event " + p.event_id + " to send again");
        }
        bool taken = false;
        USD1PAY_RETURN_IF_ERROR(exists(db, kOp, "SELECT 1 FROM webhook_deliveries WHERE id = ?1",
                                       p.new_delivery_id, &taken));
        if (taken) {
          return Status(ErrorCode::kAlreadyExists, prefix + "delivery id " + p.new_delivery_id +
                                                       " is taken by another delivery");
        }
        WebhookDeliveryRow row;
        row.id = p.new_delivery_id;
        row.endpoint_id = endpoint.id;
        row.event_id = event->id;
        row.event_seq = event->seq;
        row.event_type = event->type;
        row.intent_id = event->intent_id;
        row.next_attempt_at_ms = p.at_ms;
        bool inserted = false;
        USD1PAY_RETURN_IF_ERROR(
            insert_delivery(db, kOp, row, p.at_ms, row.intent_id.empty(), &inserted));
        if (!inserted) {
          return Status(ErrorCode::kInternal, prefix + "delivery " + row.id + " of event " +
                                                  row.event_id + " to endpoint " + row.endpoint_id +
                                                  " was not inserted");
        }
        if (!row.intent_id.empty()) {
          USD1PAY_RETURN_IF_ERROR(refresh_head(db, kOp, row.endpoint_id, row.intent_id));
        }
        USD1PAY_RETURN_IF_ERROR(deliveries_by_ids(db, kOp, {row.id}, &rows));
        return Status();
      }
    } else {
      USD1PAY_STORE_QUERY(q, db,
                          std::string("SELECT ") + kDeliveryColumns +
                              " FROM webhook_deliveries WHERE event_id = ?1 ORDER BY endpoint_id",
                          kOp);
      q.bind(1, p.event_id);
      USD1PAY_RETURN_IF_ERROR(
          db.for_each_row(q, kOp, [&](const Query& r) { targets.push_back(read_delivery(r)); }));
    }
    std::vector<std::string> ids;
    ids.reserve(targets.size());
    for (const WebhookDeliveryRow& d : targets) {
      USD1PAY_RETURN_IF_ERROR(revive_delivery(db, kOp, d, p.at_ms));
      ids.push_back(d.id);
    }
    return deliveries_by_ids(db, kOp, ids, &rows);
  });
  if (!io.ok()) return io;
  return rows;
}

Result<EventRow> SqliteStore::get_event(const GetEventParams& p) {
  constexpr std::string_view kOp = "get_event";
  USD1PAY_RETURN_IF_ERROR(require_event_id(kOp, "id", p.id));
  std::optional<EventRow> found;
  USD1PAY_RETURN_IF_ERROR(
      read(kOp, [&](Db& db) -> Status { return find_event(db, kOp, p.id, &found); }));
  if (!found) return Status(ErrorCode::kNotFound, "store: get_event: no event " + p.id);
  return std::move(*found);
}

}  // namespace usd1pay::store_internal
