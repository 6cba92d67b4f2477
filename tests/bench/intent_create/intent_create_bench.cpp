// Durable intent creation speed, one thread.
//
//   bench_intent_create usd1pay DIR N full|normal [static|xpub]
//       N x Processor::create_intent on a fresh store in DIR
//   bench_intent_create raw DIR N full|normal
//       N x (BEGIN IMMEDIATE; INSERT intent row; INSERT event row; COMMIT)
//       with sqlite3 directly, on a fresh file with the same pragmas (WAL,
//       the given synchronous, foreign keys) and the same tables and indexes
//
// Each prints "OPS <intents per second>" and checks that exactly N intents
// and N events were written, so that a wrong result cannot pass as a fast one.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "usd1pay/address.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"

namespace {

constexpr const char* kXpub =
    "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5"
    "ski8PX9rL2dZXvgGDnw";
constexpr const char* kToken = "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA";
constexpr const char* kMerchant = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run_usd1pay(const std::string& dir, long n, bool full, bool xpub) {
  usd1pay::Config config;
  config.source = "<bench>";
  config.store.path = dir + "/usd1pay.db";
  config.store.synchronous =
      full ? usd1pay::StoreConfig::Synchronous::kFull : usd1pay::StoreConfig::Synchronous::kNormal;
  usd1pay::ChainConfig chain;
  chain.id = *usd1pay::ChainId::parse("eip155:1337");
  chain.family = usd1pay::ChainFamily::kEvm;
  chain.backend = "sim";
  chain.tokens = {{"USD1", kToken, 18}};
  if (xpub) {
    chain.strategy = usd1pay::DepositStrategy::kXpub;
    chain.xpub = kXpub;
  } else {
    chain.strategy = usd1pay::DepositStrategy::kStatic;
    chain.merchant_address = kMerchant;
  }
  config.chains = {chain};
  config.default_chain = "eip155:1337";
  config.default_token = "USD1";
  usd1pay::ProcessorOptions options;
  options.config = config;
  auto p = usd1pay::Processor::open(std::move(options));
  if (!p.ok()) {
    std::cerr << "bench_intent_create: " << p.status().message() << "\n";
    return 1;
  }
  usd1pay::Processor& processor = **p;
  usd1pay::CreateIntentRequest req;
  req.amount = "25.00";
  req.metadata_json = R"({"cart":"c-1","terminal":"pos-7"})";
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    req.order_id = "order-" + std::to_string(i);
    req.idempotency_key = "key-" + std::to_string(i);
    auto r = processor.create_intent(req);
    if (!r.ok()) {
      std::cerr << "bench_intent_create: " << r.status().message() << "\n";
      return 1;
    }
  }
  const double secs = seconds_since(start);
  auto events = processor.list_events(std::nullopt, 0, 10000);
  std::size_t count = 0;
  std::uint64_t after = 0;
  while (events.ok() && !events->empty()) {
    count += events->size();
    after = events->back().seq;
    events = processor.list_events(std::nullopt, after, 10000);
  }
  if (count != static_cast<std::size_t>(n)) {
    std::cerr << "bench_intent_create: " << count << " events for " << n << " intents\n";
    return 1;
  }
  std::printf("OPS %.0f\n", static_cast<double>(n) / secs);
  return 0;
}

// The same tables as the SQLite store's (the columns an intent and an event
// need, the same keys and indexes).
constexpr const char* kRawSchema = R"sql(
CREATE TABLE intents (
  id TEXT PRIMARY KEY NOT NULL, order_id TEXT NOT NULL, status TEXT NOT NULL,
  chain TEXT NOT NULL, token_symbol TEXT NOT NULL, token_contract TEXT NOT NULL,
  token_decimals INTEGER NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL,
  amount_base_units TEXT NOT NULL, strategy TEXT NOT NULL, deposit_address TEXT NOT NULL,
  deposit_index INTEGER, reference TEXT NOT NULL, payment_uri TEXT NOT NULL,
  metadata_json TEXT NOT NULL, idempotency_key TEXT, request_hash TEXT NOT NULL,
  flags_json TEXT NOT NULL, created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL, version INTEGER NOT NULL);
CREATE UNIQUE INDEX intents_key ON intents (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX intents_status_expires ON intents (status, expires_at_ms);
CREATE INDEX intents_order ON intents (order_id, created_at_ms, id);
CREATE INDEX intents_created ON intents (created_at_ms, id);
CREATE INDEX intents_expires ON intents (expires_at_ms);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, intent_id TEXT REFERENCES intents (id),
  intent_seq INTEGER NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL, data_json TEXT NOT NULL, prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL, UNIQUE (intent_id, intent_seq));
)sql";

bool exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::cerr << "bench_intent_create: " << (err != nullptr ? err : "?") << " in " << sql << "\n";
    sqlite3_free(err);
    return false;
  }
  return true;
}

int run_raw(const std::string& dir, long n, bool full) {
  sqlite3* db = nullptr;
  const std::string path = dir + "/raw.db";
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close);
  if (!exec(db, "PRAGMA journal_mode=WAL") ||
      !exec(db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") ||
      !exec(db, "PRAGMA foreign_keys=ON") || !exec(db, "PRAGMA busy_timeout=5000") ||
      !exec(db, kRawSchema)) {
    return 1;
  }
  sqlite3_stmt* ins_intent = nullptr;
  sqlite3_stmt* ins_event = nullptr;
  if (sqlite3_prepare_v2(
          db,
          "INSERT INTO intents VALUES (?1,?2,'requires_payment','eip155:1337','USD1',"
          "?3,18,'25.00','USD','25000000000000000000','static',?4,NULL,'',?5,?6,?7,"
          "?8,'[]',?9,?9,?10,1)",
          -1, &ins_intent, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "INSERT INTO events (id,intent_id,intent_seq,type,actor,created_at_ms,"
                         "data_json,prev_hash,hash) VALUES (?1,?2,1,'intent.created','api',?3,?4,"
                         "?5,?6)",
                         -1, &ins_event, nullptr) != SQLITE_OK) {
    std::cerr << "bench_intent_create: " << sqlite3_errmsg(db) << "\n";
    return 1;
  }
  const std::string uri = std::string("ethereum:") + kToken +
                          "@1337/transfer?address=" + kMerchant + "&uint256=25000000000000000000";
  const std::string hash(64, 'a');
  // An event body of the size usd1pay writes (the intent as JSON).
  const std::string data(900, 'd');
  const auto bind = [](sqlite3_stmt* st, int i, const std::string& s) {
    sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  };
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    const std::string id = "pi_" + std::string(18, 'x') + std::to_string(100000 + i);
    const std::string now = std::to_string(1800000000000 + i);
    if (!exec(db, "BEGIN IMMEDIATE")) return 1;
    bind(ins_intent, 1, id);
    bind(ins_intent, 2, "order-" + std::to_string(i));
    bind(ins_intent, 3, kToken);
    bind(ins_intent, 4, kMerchant);
    bind(ins_intent, 5, uri);
    bind(ins_intent, 6, R"({"cart":"c-1","terminal":"pos-7"})");
    bind(ins_intent, 7, "key-" + std::to_string(i));
    bind(ins_intent, 8, hash);
    sqlite3_bind_int64(ins_intent, 9, 1800000000000 + i);
    sqlite3_bind_int64(ins_intent, 10, 1800000900000 + i);
    bind(ins_event, 1, "evt_" + std::string(18, 'x') + std::to_string(100000 + i));
    bind(ins_event, 2, id);
    sqlite3_bind_int64(ins_event, 3, 1800000000000 + i);
    bind(ins_event, 4, data);
    bind(ins_event, 5, hash);
    bind(ins_event, 6, hash);
    if (sqlite3_step(ins_intent) != SQLITE_DONE || sqlite3_step(ins_event) != SQLITE_DONE) {
      std::cerr << "bench_intent_create: " << sqlite3_errmsg(db) << "\n";
      return 1;
    }
    sqlite3_reset(ins_intent);
    sqlite3_reset(ins_event);
    if (!exec(db, "COMMIT")) return 1;
  }
  const double secs = seconds_since(start);
  sqlite3_finalize(ins_intent);
  sqlite3_finalize(ins_event);
  sqlite3_stmt* count = nullptr;
  sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM intents) + (SELECT count(*) FROM events)",
                     -1, &count, nullptr);
  const bool counted = sqlite3_step(count) == SQLITE_ROW && sqlite3_column_int64(count, 0) == 2 * n;
  sqlite3_finalize(count);
  if (!counted) {
    std::cerr << "bench_intent_create: raw rows missing\n";
    return 1;
  }
  std::printf("OPS %.0f\n", static_cast<double>(n) / secs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (argc >= 5) {
    const std::string dir = argv[2];
    const long n = std::stol(argv[3]);
    const std::string sync = argv[4];
    const bool full = sync == "full";
    if (n > 0 && (full || sync == "normal")) {
      if (cmd == "usd1pay") {
        const std::string strategy = argc > 5 ? argv[5] : "static";
        return run_usd1pay(dir, n, full, strategy == "xpub");
      }
      if (cmd == "raw" && argc == 5) return run_raw(dir, n, full);
    }
  }
  std::cerr << "usage: bench_intent_create usd1pay DIR N full|normal [static|xpub]\n"
               "       bench_intent_create raw DIR N full|normal\n";
  return 2;
}
