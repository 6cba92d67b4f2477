// store: the RAII layer over sqlite3 (see sqlite_db.h).
#include "store/sqlite_db.h"

#include <utility>

namespace usd1pay::store_internal {

bool is_busy(int rc) noexcept {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

// SQLITE_STATIC is a null destructor: SQLite uses the bytes in place, which
// is why bound strings must outlive the Query. (The macro itself is an
// old-style cast, refused by our warnings.)
Query& Query::bind(int index, std::string_view text) noexcept {
  // A null pointer would bind NULL; an empty string must stay an empty string.
  static const char kEmpty = '\0';
  const char* data = text.empty() ? &kEmpty : text.data();
  const int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), nullptr, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind(int index, std::int64_t value) noexcept {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind_null(int index) noexcept {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

int Query::step() noexcept {
  if (bind_rc_ != SQLITE_OK) return bind_rc_;
  return sqlite3_step(stmt_);
}

bool Query::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::string Query::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr || n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path, int flags, int* rc) {
  sqlite3* handle = nullptr;
  *rc = sqlite3_open_v2(path.c_str(), &handle, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                        nullptr);
  if (*rc != SQLITE_OK) {
    std::string message = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(*rc);
    sqlite3_close_v2(handle);
    return Status(ErrorCode::kIo, "store: cannot open " + path + ": " + message + " (sqlite " +
                                      std::to_string(*rc) + ")");
  }
  return std::unique_ptr<Db>(new Db(handle, path));
}

Db::~Db() {
  for (auto& entry : statements_) sqlite3_finalize(entry.second);
  sqlite3_close_v2(db_);
}

int Db::exec_rc(const char* sql) noexcept {
  return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
}

Status Db::exec(const char* sql, std::string_view op) {
  const int rc = exec_rc(sql);
  if (rc != SQLITE_OK) return error(op, rc);
  return Status();
}

sqlite3_stmt* Db::statement(const std::string& sql, int* rc) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    *rc = SQLITE_OK;
    return it->second;
  }
  sqlite3_stmt* stmt = nullptr;
  *rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (*rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return nullptr;
  }
  statements_.emplace(sql, stmt);
  return stmt;
}

Status Db::error(std::string_view op, int rc) const {
  // sqlite3_errmsg describes the most recent failure on this connection; when
  // rc came from somewhere else (a bind), fall back to the code's own text.
  const char* message =
      sqlite3_extended_errcode(db_) == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  return Status(ErrorCode::kIo, "store: " + std::string(op) + " on " + path_ + ": " + message +
                                    " (sqlite " + std::to_string(rc) + ")");
}

void Db::rollback_quietly() noexcept {
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace usd1pay::store_internal
