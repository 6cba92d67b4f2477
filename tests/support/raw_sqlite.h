// Test support: raw access to a store's SQLite file, as an operator (or an
// attacker) with sqlite3 would: to check what was written, or to break it.
// Header-only: it records failures with GoogleTest assertions.
#ifndef USD1PAY_TESTS_SUPPORT_RAW_SQLITE_H
#define USD1PAY_TESTS_SUPPORT_RAW_SQLITE_H

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

namespace usd1pay::testing {

class RawSqlite {
 public:
  /// Opens (or creates) the file; a failure fails the calling test.
  explicit RawSqlite(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) ADD_FAILURE() << "raw open " << path;
  }
  ~RawSqlite() { sqlite3_close(db); }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  /// SQLite's result code; *error gets its message. Failing is not a test failure.
  int exec(const std::string& sql, std::string* error = nullptr) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    if (error != nullptr) *error = message != nullptr ? message : "";
    sqlite3_free(message);
    return rc;
  }

  /// exec(), failing the calling test (naming the statement) when SQLite refuses.
  void exec_or_fail(const std::string& sql) {
    std::string error;
    if (exec(sql, &error) != SQLITE_OK) ADD_FAILURE() << sql.substr(0, 200) << ": " << error;
  }

  /// The first column of the first row as text ("" when there is none or it
  /// is NULL). A statement SQLite cannot prepare fails the calling test and
  /// gives "<error>".
  std::string one(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
      sqlite3_finalize(stmt);
      return "<error>";
    }
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }

  sqlite3* db = nullptr;
};

}  // namespace usd1pay::testing

#endif
