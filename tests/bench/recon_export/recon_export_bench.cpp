// Settlement CSV export at scale.
//
//   bench_recon_export generate DIR N
//       a real usd1pay SQLite store DIR/store.db (created and migrated by
//       open_sqlite_store, then filled in one transaction with sqlite3) with N
//       intents and N payments, and the shop's orders file DIR/orders.csv
//       with N orders (synthetic, deterministic: the same N gives the same
//       data). Mix per 100 intents: 88 paid exactly, 3 overpaid, 3
//       underpaid, 3 expired unpaid, 3 open unpaid; the payments the
//       unpaid intents do not get arrive as unmatched transfers, so that
//       there are N payments. Orders: one per intent, except every 50th
//       intent (intent_without_order), whose place is taken by an order no
//       intent carries (order_without_intent).
//   bench_recon_export export DIR OUT
//       usd1pay export_settlement(CSV, orders file) of that store to OUT;
//       prints "RECORDS <n>" and "BYTES <n>".
//
// run.py times both and measures peak memory (ru_maxrss) per child process.
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "usd1pay/recon.h"
#include "usd1pay/store.h"

namespace {

constexpr const char* kChain = "eip155:1";
constexpr const char* kToken = "0x8d0d000ee44948fc98c9b98a4fa4921476f08b0d";
constexpr const char* kMerchant = "0x000000000000000000000000000000000000dead";
constexpr std::int64_t kT0 = 1772359200000;  // 2026-03-01T10:00:00Z

bool exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::cerr << "sqlite: " << (error != nullptr ? error : "?") << " in " << sql << "\n";
    sqlite3_free(error);
    return false;
  }
  return true;
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
    std::cerr << "sqlite: " << sqlite3_errmsg(db) << " in " << sql << "\n";
    return nullptr;
  }
  return s;
}

void text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string num(const char* prefix, long n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%09ld", prefix, n);
  return buf;
}

/// "0x" + 40 hex digits derived from n (a distinct address per n).
std::string address(long n, char tag) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "0x%c%039lx", tag, static_cast<unsigned long>(n));
  return buf;
}

std::string tx_hash(long n) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "0x%064lx", static_cast<unsigned long>(n) + 1);
  return buf;
}

int generate(const std::string& dir, long n) {
  const std::string path = dir + "/store.db";
  {
    usd1pay::SqliteStoreOptions o;
    o.path = path;
    auto store = usd1pay::open_sqlite_store(o);
    if (!store.ok()) {
      std::cerr << usd1pay::to_string(store.status()) << "\n";
      return 1;
    }
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
  if (!exec(db, "PRAGMA synchronous=OFF; BEGIN")) return 1;
  sqlite3_stmt* ins_intent = prepare(
      db,
      "INSERT INTO intents (id, order_id, status, chain, token_symbol, token_contract, "
      "token_decimals, amount, currency, amount_base_units, strategy, deposit_address, "
      "deposit_index, reference, payment_uri, metadata_json, idempotency_key, request_hash, "
      "flags_json, created_at_ms, updated_at_ms, expires_at_ms, version) VALUES (?1, ?2, ?3, "
      "?4, 'USD1', ?5, 6, ?6, 'USD', ?7, 'xpub', ?8, ?9, '', '', '{}', NULL, 'h', '[]', ?10, "
      "?11, ?12, 1)");
  sqlite3_stmt* ins_payment = prepare(
      db,
      "INSERT INTO payments (id, chain, tx_hash, log_index, block_number, block_hash, "
      "block_time, token_contract, from_address, to_address, amount_base_units, intent_id, "
      "status, flags_json, detected_at_ms, final_at_ms, updated_at_ms, final_head_block) VALUES "
      "(?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'final', '[]', ?12, ?13, ?13, ?14)");
  if (ins_intent == nullptr || ins_payment == nullptr) return 1;
  std::FILE* orders = std::fopen((dir + "/orders.csv").c_str(), "w");
  if (orders == nullptr) return 1;
  std::fputs("order_id,amount,currency,created_at\r\n", orders);
  long payments = 0;
  long unmatched = 0;
  auto add_payment = [&](long k, const std::string& intent_id, const std::string& to,
                         const std::string& units) -> bool {
    const long block = 1000 + k;
    sqlite3_reset(ins_payment);
    text(ins_payment, 1, num("py_", k));
    text(ins_payment, 2, kChain);
    text(ins_payment, 3, tx_hash(k));
    sqlite3_bind_int64(ins_payment, 4, block);
    text(ins_payment, 5, tx_hash(block + 7777777));
    sqlite3_bind_int64(ins_payment, 6, kT0 / 1000 + k);
    text(ins_payment, 7, kToken);
    text(ins_payment, 8, address(k, 'f'));
    text(ins_payment, 9, to);
    text(ins_payment, 10, units);
    if (intent_id.empty()) {
      sqlite3_bind_null(ins_payment, 11);
    } else {
      text(ins_payment, 11, intent_id);
    }
    sqlite3_bind_int64(ins_payment, 12, kT0 + k * 1000 + 10);
    sqlite3_bind_int64(ins_payment, 13, kT0 + k * 1000 + 50000);
    sqlite3_bind_int64(ins_payment, 14, block + 12);
    if (sqlite3_step(ins_payment) != SQLITE_DONE) {
      std::cerr << "payment: " << sqlite3_errmsg(db) << "\n";
      return false;
    }
    ++payments;
    return true;
  };
  for (long k = 0; k < n; ++k) {
    const std::string id = num("pi_", k);
    const std::string order = num("ord-", k);
    const long cents = 100 + (k * 37) % 99900;  // 1.00 .. 999.99
    char amount[32];
    std::snprintf(amount, sizeof amount, "%ld.%02ld", cents / 100, cents % 100);
    const std::string due = std::to_string(cents) + "0000";  // 6 decimals
    const long kind = k % 100;
    const char* status = kind < 91   ? "succeeded"
                         : kind < 94 ? "underpaid"
                         : kind < 97 ? "expired"
                                     : "requires_payment";
    const std::string deposit = address(k, 'd');
    sqlite3_reset(ins_intent);
    text(ins_intent, 1, id);
    text(ins_intent, 2, order);
    text(ins_intent, 3, status);
    text(ins_intent, 4, kChain);
    text(ins_intent, 5, kToken);
    text(ins_intent, 6, amount);
    text(ins_intent, 7, due);
    text(ins_intent, 8, deposit);
    sqlite3_bind_int64(ins_intent, 9, k);
    sqlite3_bind_int64(ins_intent, 10, kT0 + k * 1000);
    sqlite3_bind_int64(ins_intent, 11, kT0 + k * 1000 + 60000);
    sqlite3_bind_int64(ins_intent, 12, kT0 + k * 1000 + 900000);
    if (sqlite3_step(ins_intent) != SQLITE_DONE) {
      std::cerr << "intent: " << sqlite3_errmsg(db) << "\n";
      return 1;
    }
    bool ok = true;
    if (kind < 88) {
      ok = add_payment(k, id, deposit, due);
    } else if (kind < 91) {
      ok = add_payment(k, id, deposit, std::to_string(cents + 100) + "0000");
    } else if (kind < 94) {
      ok = add_payment(k, id, deposit, std::to_string(cents / 2) + "0000");
    } else {
      ok = add_payment(k, "", kMerchant, std::to_string(cents) + "0000");
      ++unmatched;
    }
    if (!ok) return 1;
    // The orders file: every 50th intent is missing, an order of no intent
    // takes its place.
    if (k % 50 == 49) {
      std::fprintf(orders, "%s,%s,USD,2026-03-01T10:00:00Z\r\n", num("ord-x", k).c_str(), amount);
    } else {
      std::fprintf(orders, "%s,%s,USD,2026-03-01T10:00:00Z\r\n", order.c_str(), amount);
    }
  }
  sqlite3_finalize(ins_intent);
  sqlite3_finalize(ins_payment);
  if (!exec(db, "COMMIT") || !exec(db, "ANALYZE")) return 1;
  sqlite3_close(db);
  if (std::fclose(orders) != 0) return 1;
  std::cout << "INTENTS " << n << "\nPAYMENTS " << payments << "\nUNMATCHED " << unmatched << "\n";
  return 0;
}

int run_export(const std::string& dir, const std::string& out) {
  usd1pay::SqliteStoreOptions o;
  o.path = dir + "/store.db";
  o.create = false;
  auto store = usd1pay::open_sqlite_store(o);
  if (!store.ok()) {
    std::cerr << usd1pay::to_string(store.status()) << "\n";
    return 1;
  }
  usd1pay::ExportParams p;
  p.format = usd1pay::ExportFormat::kCsv;
  p.out_path = out;
  p.reconcile.orders_file = dir + "/orders.csv";
  auto r = usd1pay::export_settlement(**store, p);
  if (!r.ok()) {
    std::cerr << usd1pay::to_string(r.status()) << "\n";
    return 1;
  }
  std::cout << "RECORDS " << r->records << "\nBYTES " << r->bytes << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage =
      "usage: bench_recon_export generate DIR N | bench_recon_export export DIR OUT\n";
  if (argc != 4) {
    std::cerr << usage;
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "generate") return generate(argv[2], std::atol(argv[3]));
  if (cmd == "export") return run_export(argv[2], argv[3]);
  std::cerr << usage;
  return 2;
}
