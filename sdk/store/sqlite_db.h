// store: a thin RAII layer over one sqlite3 connection (private).
//
// A Db owns one connection and a cache of its prepared statements. It is NOT
// thread-safe: the SQLite store gives each Db to one thread at a time (the
// writer behind a mutex, readers leased from a pool), so connections are
// opened with SQLITE_OPEN_NOMUTEX and SQLite's own per-call mutex is skipped.
//
// Errors become Status values of code kIo whose message names the operation,
// the file and SQLite's own message: "store: create_intent on /x/y.db: disk
// I/O error (sqlite 10)". Callers that must react to a specific SQLite result
// (busy, not a database) look at the result code, never at the text.
#ifndef USD1PAY_SDK_STORE_SQLITE_DB_H
#define USD1PAY_SDK_STORE_SQLITE_DB_H

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "usd1pay/status.h"

namespace usd1pay::store_internal {

/// True for SQLITE_BUSY and SQLITE_LOCKED and their extended codes: another
/// connection holds a lock, and trying again later may succeed.
bool is_busy(int rc) noexcept;

/// One bound, stepping use of a cached prepared statement. Resets the
/// statement and clears its bindings when destroyed, so the cache can hand it
/// out again. Bound strings are NOT copied: they must outlive the Query.
class Query {
 public:
  explicit Query(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  /// 1-based parameter index, as in SQLite.
  Query& bind(int index, std::string_view text) noexcept;
  Query& bind(int index, std::int64_t value) noexcept;
  Query& bind_null(int index) noexcept;

  /// sqlite3_step's result: SQLITE_ROW, SQLITE_DONE or an error code (also
  /// the first failed bind's code, if any).
  int step() noexcept;

  [[nodiscard]] bool is_null(int column) const noexcept;
  [[nodiscard]] std::string text(int column) const;
  /// The same into `out`, reusing its buffer. Inline: scans call it for
  /// every field of every row. One sqlite3_column_value instead of
  /// column_text + column_bytes (two column look-ups): the value is
  /// "unprotected", which matters only when threads share a connection, and
  /// a Db is used by one thread at a time.
  void text_into(int column, std::string* out) const {
    sqlite3_value* v = sqlite3_column_value(stmt_, column);
    const unsigned char* p = sqlite3_value_text(v);
    const int n = sqlite3_value_bytes(v);
    if (p == nullptr || n <= 0) {
      out->clear();
      return;
    }
    // A recycled string of the same length (ids, hashes, addresses) is
    // overwritten in place, without assign's general path.
    const auto size = static_cast<std::size_t>(n);
    if (out->size() != size) out->resize(size);
    std::memcpy(out->data(), p, size);
  }
  [[nodiscard]] std::int64_t int64(int column) const noexcept {
    return sqlite3_column_int64(stmt_, column);
  }

 private:
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

class Db {
 public:
  /// Opens `path` with `flags` (SQLITE_OPEN_NOMUTEX and
  /// SQLITE_OPEN_EXRESCODE are added). On failure: rc set, Status kIo.
  static Result<std::unique_ptr<Db>> open(const std::string& path, int flags, int* rc);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  [[nodiscard]] sqlite3* handle() const noexcept { return db_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  /// Runs one or more statements without results; returns SQLite's code.
  int exec_rc(const char* sql) noexcept;
  /// Runs statements; a failure becomes error(op, rc).
  Status exec(const char* sql, std::string_view op);

  /// The cached statement for `sql`, preparing it on first use. Sets *rc.
  sqlite3_stmt* statement(const std::string& sql, int* rc);

  /// kIo "store: <op> on <path>: <sqlite message> (sqlite <code>)".
  [[nodiscard]] Status error(std::string_view op, int rc) const;

  /// Steps `q` through every row, calling on_row(q) for each; a step that
  /// fails becomes error(op, rc). The one loop every multi-row read uses.
  template <typename OnRow>
  Status for_each_row(Query& q, std::string_view op, OnRow&& on_row) const {
    for (;;) {
      const int rc = q.step();
      if (rc == SQLITE_DONE) return Status();
      if (rc != SQLITE_ROW) return error(op, rc);
      on_row(q);
    }
  }

  /// Rolls back the open transaction, if any; errors are ignored (there is
  /// nothing better to do and SQLite rolls back on its own at close).
  void rollback_quietly() noexcept;

 private:
  Db(sqlite3* db, std::string path) noexcept : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace usd1pay::store_internal

#endif  // USD1PAY_SDK_STORE_SQLITE_DB_H
