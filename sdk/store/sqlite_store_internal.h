// store: what the SQLite store's source files share (private).
//
// sqlite_store.cpp holds the intents, events, tracking and open/migration
// code, sqlite_webhooks.cpp the webhook tables' operations; both implement
// the one SqliteStore class declared here, with the transaction helpers
// (write: BEGIN IMMEDIATE on the writer, retried while busy; read: a snapshot
// on a pooled reader) and the small validation helpers every operation uses.
#ifndef USD1PAY_SDK_STORE_SQLITE_STORE_INTERNAL_H
#define USD1PAY_SDK_STORE_SQLITE_STORE_INTERNAL_H

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sqlite_db.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"

namespace usd1pay::store_internal {

/// Tries of one operation while the database lock stays busy.
inline constexpr int kMaxAttempts = 6;

inline constexpr char kEventColumns[] =
    "seq, id, intent_id, intent_seq, type, actor, created_at_ms, data_json, prev_hash, hash";

/// Sleeps 10, 20, 40 ... ms (by attempt) plus as much again of random jitter.
void backoff(int attempt);

/// kInvalidArgument "store: <op>: <what>".
Status invalid(std::string_view op, const std::string& what);
/// kInvalidArgument naming `field` when `value` is empty or holds a NUL byte.
Status require_non_empty(std::string_view op, std::string_view field, const std::string& value);
/// kInvalidArgument "limit N is outside 1..max" unless 1 <= limit <= max.
Status check_limit(std::string_view op, std::size_t limit, std::size_t max);

enum class JsonShape { kObject, kStringArray };
/// kInvalidArgument naming `field` when `text` is not JSON of that shape.
Status require_json(std::string_view op, std::string_view field, const std::string& text,
                    JsonShape shape);

/// The row of an events query selecting kEventColumns.
EventRow read_event(const Query& q);

/// Runs `sql` (one `?1` parameter bound to `value`) and tells whether it
/// returned a row.
Status exists(Db& db, std::string_view op, const std::string& sql, const std::string& value,
              bool* found);

// Prepares `sql` on db (cached) into a Query named `var`; on failure returns
// db.error(op, rc) from the enclosing function. A Query must not outlive its Db.
#define USD1PAY_STORE_QUERY(var, db, sql, op)                   \
  int var##_rc = SQLITE_OK;                                     \
  sqlite3_stmt* var##_stmt = (db).statement((sql), &var##_rc);  \
  if (var##_stmt == nullptr) return (db).error((op), var##_rc); \
  Query var(var##_stmt)

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Db> writer, SqliteStoreOptions options)
      : options_(std::move(options)), writer_(std::move(writer)) {}

  // sqlite_store.cpp
  Result<CreateIntentResult> create_intent(const CreateIntentParams& p) override;
  Result<std::uint32_t> allocate_deposit_index(const AllocateDepositIndexParams& p) override;
  Result<IntentRow> get_intent(const GetIntentParams& p) override;
  Result<IntentPage> list_intents(const ListIntentsParams& p) override;
  Result<IntentRow> transition_intent(const TransitionIntentParams& p) override;
  Result<std::vector<IntentRow>> list_expirable(const ListExpirableParams& p) override;
  Result<std::vector<EventRow>> list_events(const ListEventsParams& p) override;
  Result<AuditReport> verify_audit_chain(const VerifyAuditParams& p) override;
  Status apply_scan(const ApplyScanParams& p) override;
  Result<std::optional<ChainCursorRow>> get_cursor(const GetCursorParams& p) override;
  Result<std::vector<BlockHashRow>> list_block_hashes(const ListBlockHashesParams& p) override;
  Result<std::vector<PaymentRow>> list_payments(const ListPaymentsParams& p) override;
  Result<std::vector<IntentRow>> list_open_intents(const ListOpenIntentsParams& p) override;
  Result<std::vector<IntentRow>> scan_intents(const ScanIntentsParams& p) override;
  Result<std::vector<PaymentRow>> scan_payments(const ScanPaymentsParams& p) override;

  // sqlite_webhooks.cpp
  Result<WebhookEndpointRow> create_webhook_endpoint(const CreateWebhookEndpointParams& p) override;
  Result<WebhookEndpointRow> get_webhook_endpoint(const GetWebhookEndpointParams& p) override;
  Result<std::vector<WebhookEndpointRow>> list_webhook_endpoints(
      const ListWebhookEndpointsParams& p) override;
  Result<WebhookEndpointRow> update_webhook_endpoint(const UpdateWebhookEndpointParams& p) override;
  Result<std::size_t> enqueue_webhook_deliveries(const EnqueueWebhookDeliveriesParams& p) override;
  Result<std::vector<WebhookDeliveryRow>> claim_webhook_deliveries(
      const ClaimWebhookDeliveriesParams& p) override;
  Result<CompleteWebhookAttemptResult> complete_webhook_attempt(
      const CompleteWebhookAttemptParams& p) override;
  Result<CompleteWebhookAttemptsResult> complete_webhook_attempts(
      const CompleteWebhookAttemptsParams& p) override;
  Result<std::vector<WebhookDeliveryRow>> list_webhook_deliveries(
      const ListWebhookDeliveriesParams& p) override;
  Result<std::vector<WebhookAttemptRow>> list_webhook_attempts(
      const ListWebhookAttemptsParams& p) override;
  Result<std::vector<WebhookDeliveryRow>> replay_webhook(const ReplayWebhookParams& p) override;
  Result<EventRow> get_event(const GetEventParams& p) override;

  /// Per-connection settings, for the writer and every reader.
  static Status configure(Db& db, const SqliteStoreOptions& options, bool reader);

 private:
  // Runs body(db) inside BEGIN IMMEDIATE ... COMMIT on the writer; retried
  // while the lock stays busy. body must be re-runnable: it may run again
  // after a rollback.
  template <typename Body>
  Status write(std::string_view op, Body&& body);
  // Runs body(db) inside a read transaction (one consistent snapshot) on a
  // pooled reader connection.
  template <typename Body>
  Status read(std::string_view op, Body&& body);

  Result<std::unique_ptr<Db>> lease_reader();
  void return_reader(std::unique_ptr<Db> db);

  const SqliteStoreOptions options_;
  std::mutex write_mu_;
  std::unique_ptr<Db> writer_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
};

template <typename Body>
Status SqliteStore::write(std::string_view op, Body&& body) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Db& db = *writer_;
  for (int attempt = 1;; ++attempt) {
    int rc = db.exec_rc("BEGIN IMMEDIATE");
    if (rc == SQLITE_OK) {
      Status status = body(db);
      if (!status.ok()) {
        db.rollback_quietly();
        return status;
      }
      rc = db.exec_rc("COMMIT");
      if (rc == SQLITE_OK) return Status();
      db.rollback_quietly();
    }
    if (!is_busy(rc) || attempt >= kMaxAttempts) {
      Status error = db.error(op, rc);
      if (is_busy(rc)) {
        return Status(error.code(),
                      error.message() + "; gave up after " + std::to_string(attempt) + " attempts");
      }
      return error;
    }
    backoff(attempt);
  }
}

template <typename Body>
Status SqliteStore::read(std::string_view op, Body&& body) {
  auto leased = lease_reader();
  if (!leased.ok()) return leased.status();
  std::unique_ptr<Db> db = std::move(leased).value();
  Status result;
  for (int attempt = 1;; ++attempt) {
    int rc = db->exec_rc("BEGIN");
    if (rc == SQLITE_OK) {
      result = body(*db);
      // A busy error inside body comes back as kIo; its SQLite code says
      // whether retrying can help. Read it before the rollback resets it.
      const bool busy = is_busy(sqlite3_extended_errcode(db->handle()));
      db->rollback_quietly();  // read-only: ending the snapshot is all there is to do
      if (result.ok() || !busy || attempt >= kMaxAttempts) break;
    } else if (!is_busy(rc) || attempt >= kMaxAttempts) {
      result = db->error(op, rc);
      break;
    }
    backoff(attempt);
  }
  return_reader(std::move(db));
  return result;
}

}  // namespace usd1pay::store_internal

#endif  // USD1PAY_SDK_STORE_SQLITE_STORE_INTERNAL_H
