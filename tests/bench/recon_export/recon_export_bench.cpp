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
//   bench_recon_export scan DIR [--fields all|recon] [--page N] [--rounds R]
//       the store's read path alone: scan_intents over every intent, then
//       scan_payments over the payments of intents and the unmatched ones,
//       in keyset pages with the rows handed back (as the reconciler reads
//       them, without its work); prints the CPU seconds of each scan (best
//       of the rounds) and a checksum of what was read, so that a change of
//       the read path shows in CPU seconds. --fields recon asks only for the
//       fields the reconciler reads (ScanIntentsParams::fields).
//
// run.py times both and measures peak memory (ru_maxrss) per child process.
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

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

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// A cheap digest of what a scan handed out (so that nothing read is dead).
struct Digest {
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
  void add(const std::string& s) {
    bytes += s.size() + static_cast<unsigned char>(s.empty() ? 0 : s[0]);
  }
};

void digest_intent(const usd1pay::IntentRow& i, Digest* d) {
  ++d->rows;
  for (const std::string* s :
       {&i.id, &i.order_id, &i.status, &i.chain, &i.token_symbol, &i.token_contract, &i.amount,
        &i.currency, &i.amount_base_units, &i.strategy, &i.deposit_address, &i.reference,
        &i.payment_uri, &i.metadata_json, &i.request_hash, &i.flags_json}) {
    d->add(*s);
  }
  d->bytes += i.token_decimals +
              static_cast<std::uint64_t>(i.created_at_ms + i.updated_at_ms + i.expires_at_ms) +
              i.version + (i.deposit_index ? *i.deposit_index : 0);
}

void digest_payment(const usd1pay::PaymentRow& p, Digest* d) {
  ++d->rows;
  for (const std::string* s :
       {&p.id, &p.chain, &p.tx_hash, &p.block_hash, &p.token_contract, &p.from_address,
        &p.to_address, &p.amount_base_units, &p.intent_id, &p.status, &p.flags_json}) {
    d->add(*s);
  }
  d->bytes += p.log_index + p.block_number +
              static_cast<std::uint64_t>(p.block_time + p.detected_at_ms + p.final_at_ms +
                                         p.updated_at_ms) +
              (p.final_head_block ? *p.final_head_block : 0);
}

/// The fields sdk/recon/reconcile.cpp reads of an intent.
const std::vector<std::string> kReconIntentFields = {"id",
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
                                                     "created_at_ms",
                                                     "updated_at_ms",
                                                     "expires_at_ms"};

int run_scan(usd1pay::Store& store, bool recon_fields, std::size_t page, int rounds) {
  double best_intents = 1e99;
  double best_matched = 1e99;
  double best_unmatched = 1e99;
  Digest di;
  Digest dm;
  Digest du;
  for (int round = 0; round < rounds; ++round) {
    di = Digest{};
    dm = Digest{};
    du = Digest{};
    double t0 = cpu_seconds();
    {
      usd1pay::ScanIntentsParams sp;
      sp.limit = page;
      if (recon_fields) sp.fields = kReconIntentFields;
      std::vector<usd1pay::IntentRow> spare;
      for (;;) {
        sp.recycle = &spare;
        auto rows = store.scan_intents(sp);
        if (!rows.ok()) {
          std::cerr << usd1pay::to_string(rows.status()) << "\n";
          return 1;
        }
        for (const auto& r : *rows) digest_intent(r, &di);
        if (rows->size() < page) break;
        sp.after_id = rows->back().id;
        spare = std::move(rows).value();
      }
    }
    double t1 = cpu_seconds();
    best_intents = std::min(best_intents, t1 - t0);
    for (bool unmatched : {false, true}) {
      t0 = cpu_seconds();
      usd1pay::ScanPaymentsParams pp;
      pp.limit = page;
      pp.unmatched = unmatched;
      std::vector<usd1pay::PaymentRow> spare;
      Digest* d = unmatched ? &du : &dm;
      for (;;) {
        pp.recycle = &spare;
        auto rows = store.scan_payments(pp);
        if (!rows.ok()) {
          std::cerr << usd1pay::to_string(rows.status()) << "\n";
          return 1;
        }
        for (const auto& r : *rows) digest_payment(r, d);
        if (rows->size() < page) break;
        const auto& last = rows->back();
        pp.after = usd1pay::PaymentScanKey{last.intent_id, last.block_number, last.log_index,
                                           last.chain, last.tx_hash};
        spare = std::move(rows).value();
      }
      t1 = cpu_seconds();
      double& best = unmatched ? best_unmatched : best_matched;
      best = std::min(best, t1 - t0);
    }
  }
  std::printf("scan_intents: %llu rows, digest %llu, CPU %.3f s\n",
              static_cast<unsigned long long>(di.rows), static_cast<unsigned long long>(di.bytes),
              best_intents);
  std::printf("scan_payments (of intents): %llu rows, digest %llu, CPU %.3f s\n",
              static_cast<unsigned long long>(dm.rows), static_cast<unsigned long long>(dm.bytes),
              best_matched);
  std::printf("scan_payments (unmatched): %llu rows, digest %llu, CPU %.3f s\n",
              static_cast<unsigned long long>(du.rows), static_cast<unsigned long long>(du.bytes),
              best_unmatched);
  std::printf("SCAN CPU %.3f s (best of %d, page %zu, fields %s)\n",
              best_intents + best_matched + best_unmatched, rounds, page,
              recon_fields ? "recon" : "all");
  return 0;
}

int scan(int argc, char** argv) {
  const std::string dir = argv[2];
  bool recon_fields = false;
  std::size_t page = 1000;
  int rounds = 3;
  for (int k = 3; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--fields" && k + 1 < argc) {
      const std::string v = argv[++k];
      if (v != "all" && v != "recon") return 2;
      recon_fields = v == "recon";
    } else if (a == "--page" && k + 1 < argc) {
      page = static_cast<std::size_t>(std::atol(argv[++k]));
    } else if (a == "--rounds" && k + 1 < argc) {
      rounds = std::atoi(argv[++k]);
    } else {
      return 2;
    }
  }
  usd1pay::SqliteStoreOptions o;
  o.path = dir + "/store.db";
  o.create = false;
  auto store = usd1pay::open_sqlite_store(o);
  if (!store.ok()) {
    std::cerr << usd1pay::to_string(store.status()) << "\n";
    return 1;
  }
  return run_scan(**store, recon_fields, page, rounds);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage =
      "usage: bench_recon_export generate DIR N | bench_recon_export export DIR OUT |\n"
      "       bench_recon_export scan DIR [--fields all|recon] [--page N] [--rounds R]\n";
  if (argc >= 3 && std::strcmp(argv[1], "scan") == 0) {
    const int rc = scan(argc, argv);
    if (rc == 2) std::cerr << usage;
    return rc;
  }
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
