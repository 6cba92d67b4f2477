// The SQLite store shared by several processes, and killed mid-write.
//
// The test binary re-executes itself as the other processes: a child runs
// only StoreChild.Run (fork + execve of /proc/self/exe with a gtest filter),
// told what to do by USD1PAY_STORE_CHILD_* environment variables. Run
// directly, StoreChild.Run has nothing to do and skips. Children are fresh
// processes (execve), so no SQLite state is inherited across fork.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/raw_sqlite.h"
#include "support/store_fixtures.h"
#include "support/temp_dir.h"
#include "usd1pay/id.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using testing::file_exists;
using testing::kill_child;
using testing::read_lines;
using testing::TempDir;
using testing::touch;
using testing::wait_child;
using testing::wait_for_file;

constexpr char kModeVar[] = "USD1PAY_STORE_CHILD_MODE";
constexpr char kDbVar[] = "USD1PAY_STORE_CHILD_DB";
constexpr char kOutVar[] = "USD1PAY_STORE_CHILD_OUT";
constexpr char kGoVar[] = "USD1PAY_STORE_CHILD_GO";

CreateIntentParams intent_params(const std::string& id, std::optional<std::string> key,
                                 std::optional<std::uint32_t> index) {
  IntentRow r = testing::sample_intent(id);
  r.amount = "1.00";
  r.amount_base_units = "1000000000000000000";
  r.deposit_index = index;
  r.payment_uri = "ethereum:...";
  r.idempotency_key = std::move(key);
  r.request_hash = "same-request";
  CreateIntentParams p = testing::sample_create(std::move(r), "test");
  p.created.id = new_id(kEventIdPrefix);
  return p;
}

Result<std::unique_ptr<Store>> open_store(const std::string& path) {
  SqliteStoreOptions o;
  o.path = path;
  o.busy_timeout_ms = 10000;
  return open_sqlite_store(o);
}

// ---- the child side ----

int child_create(const std::string& db, const std::string& out) {
  // Opening after the go signal makes the children race on creating the file too.
  auto store = open_store(db);
  if (!store.ok()) {
    std::fprintf(stderr, "child: %s\n", to_string(store.status()).c_str());
    return 2;
  }
  constexpr int kThreads = 8;
  std::vector<std::string> lines(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = (*store)->create_intent(
          intent_params(new_id(kIntentIdPrefix), std::string("shared-key"), std::nullopt));
      if (!r.ok()) {
        std::fprintf(stderr, "child: %s\n", to_string(r.status()).c_str());
        ++failures;
        return;
      }
      lines[static_cast<std::size_t>(t)] = r->intent.id + (r->created ? " created\n" : " found\n");
    });
  }
  for (auto& th : threads) th.join();
  std::ofstream file(out);
  for (const auto& line : lines) file << line;
  return failures.load() == 0 ? 0 : 1;
}

int child_allocate(const std::string& db, const std::string& out) {
  auto store = open_store(db);
  if (!store.ok()) return 2;
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::vector<std::uint32_t>> got(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = (*store)->allocate_deposit_index({"eip155:1", "xpub-test"});
        if (!r.ok()) {
          std::fprintf(stderr, "child: %s\n", to_string(r.status()).c_str());
          ++failures;
          continue;
        }
        got[static_cast<std::size_t>(t)].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::ofstream file(out);
  for (const auto& v : got) {
    for (std::uint32_t index : v) file << index << '\n';
  }
  return failures.load() == 0 ? 0 : 1;
}

// Writes forever until killed: allocate an index, create an intent with it,
// move it to processing. `ready` is touched once the store is open.
int child_loop(const std::string& db, const std::string& ready) {
  auto store = open_store(db);
  if (!store.ok()) {
    std::fprintf(stderr, "child: %s\n", to_string(store.status()).c_str());
    return 2;
  }
  touch(ready);
  for (std::uint64_t i = 0;; ++i) {
    auto index = (*store)->allocate_deposit_index({"eip155:1", "xpub-test"});
    if (!index.ok()) return 3;
    const std::string id = new_id(kIntentIdPrefix);
    auto created = (*store)->create_intent(
        intent_params(id, "k-" + std::to_string(::getpid()) + "-" + std::to_string(i), *index));
    if (!created.ok()) return 4;
    TransitionIntentParams t;
    t.id = id;
    t.from_statuses = {"requires_payment"};
    t.to_status = "processing";
    t.at_ms = 1700000000001;
    t.event.id = new_id(kEventIdPrefix);
    t.event.type = "intent.processing";
    t.event.actor = "tracker";
    t.event.created_at_ms = t.at_ms;
    if (!(*store)->transition_intent(t).ok()) return 5;
  }
}

// Tracker steps forever until killed, each deterministic from the cursor n
// it finds: create intent pi_scan_<n> (its own transaction, idempotent), then
// one apply_scan moving the cursor n -> n+1 that remembers block n, records
// payment of tx 0xtx<n> (pending), marks the one of 0xtx<n-1> final, moves
// pi_scan_<n> to processing and appends a payment.detected and an unmatched
// event. So a store whose cursor is N holds exactly N blocks, N payments,
// N processing intents ... whatever instant the process died at.
int child_scan(const std::string& db, const std::string& ready) {
  auto store = open_store(db);
  if (!store.ok()) {
    std::fprintf(stderr, "child: %s\n", to_string(store.status()).c_str());
    return 2;
  }
  touch(ready);
  for (;;) {
    auto cursor = (*store)->get_cursor({"eip155:1"});
    if (!cursor.ok()) return 3;
    const std::uint64_t n = cursor->has_value() ? (*cursor)->next_block : 0;
    const std::string ns = std::to_string(n);
    const std::string intent_id = "pi_scan_" + ns;
    auto created = (*store)->create_intent(intent_params(intent_id, "scan-" + ns, std::nullopt));
    if (!created.ok()) return 4;
    ApplyScanParams p;
    p.chain = "eip155:1";
    if (cursor->has_value()) p.expected_next_block = n;
    p.new_next_block = n + 1;
    p.forget_blocks_from = n;  // nothing to forget: exercises the statement
    p.remember_blocks = {BlockHashRow{"eip155:1", n, "0xh" + ns}};
    PaymentRow pay;
    pay.id = "py_scan_" + ns;
    pay.chain = "eip155:1";
    pay.tx_hash = "0xtx" + ns;
    pay.block_number = n;
    pay.block_hash = "0xh" + ns;
    pay.amount_base_units = "1000000000000000000";
    pay.intent_id = intent_id;
    pay.status = "pending";
    pay.detected_at_ms = 1700000000000 + static_cast<std::int64_t>(n);
    p.upsert_payments = {pay};
    if (n > 0) {
      PaymentRow prev = pay;
      prev.id = "py_scan_" + std::to_string(n - 1);
      prev.tx_hash = "0xtx" + std::to_string(n - 1);
      prev.block_number = n - 1;
      prev.block_hash = "0xh" + std::to_string(n - 1);
      prev.intent_id = "pi_scan_" + std::to_string(n - 1);
      prev.status = "final";
      prev.final_at_ms = 1700000000000 + static_cast<std::int64_t>(n);
      p.upsert_payments.push_back(prev);
    }
    TransitionIntentParams t;
    t.id = intent_id;
    t.from_statuses = {"requires_payment"};
    t.to_status = "processing";
    t.expected_version = 1;
    t.at_ms = 1700000000001;
    t.event.id = "evt_scan_t" + ns;
    t.event.type = "intent.processing";
    t.event.actor = "tracker";
    p.transitions = {t};
    NewIntentEvent detected;
    detected.intent_id = intent_id;
    detected.event.id = "evt_scan_d" + ns;
    detected.event.type = "payment.detected";
    detected.event.actor = "tracker";
    NewIntentEvent unmatched;
    unmatched.event.id = "evt_scan_u" + ns;
    unmatched.event.type = "payment.unmatched";
    unmatched.event.actor = "tracker";
    p.events = {detected, unmatched};
    p.at_ms = 1700000000000 + static_cast<std::int64_t>(n);
    const Status applied = (*store)->apply_scan(p);
    if (!applied.ok()) {
      std::fprintf(stderr, "child: %s\n", to_string(applied).c_str());
      return 5;
    }
  }
}

TEST(StoreChild, Run) {
  const char* mode = std::getenv(kModeVar);
  if (mode == nullptr) GTEST_SKIP() << "only runs as a child of the other tests";
  const std::string db = std::getenv(kDbVar);
  const std::string out = std::getenv(kOutVar);
  const char* go = std::getenv(kGoVar);
  if (go != nullptr) {
    wait_for_file(go);
  }
  int code = 9;
  if (std::string(mode) == "create") code = child_create(db, out);
  if (std::string(mode) == "allocate") code = child_allocate(db, out);
  if (std::string(mode) == "loop") code = child_loop(db, out);
  if (std::string(mode) == "scan") code = child_scan(db, out);
  std::fflush(stderr);
  std::_Exit(code);
}

// ---- the parent side ----

pid_t spawn_child(const std::string& mode, const std::string& db, const std::string& out,
                  const std::string& go) {
  testing::SpawnSelfParams p;
  p.gtest_filter = "StoreChild.Run";
  p.env = {std::string(kModeVar) + "=" + mode, std::string(kDbVar) + "=" + db,
           std::string(kOutVar) + "=" + out};
  if (!go.empty()) p.env.push_back(std::string(kGoVar) + "=" + go);
  return testing::spawn_self(p).pid;
}

using Raw = testing::RawSqlite;

TEST(SqliteProcessesTest, TwoProcessesWithOneKeyCreateOneIntent) {
  TempDir dir;
  const std::string db = dir.file("shared.db");  // created by whichever child is first
  const std::string go = dir.file("go");
  const pid_t a = spawn_child("create", db, dir.file("a.out"), go);
  const pid_t b = spawn_child("create", db, dir.file("b.out"), go);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // both waiting at the start line
  touch(go);
  EXPECT_EQ(wait_child(a), 0);
  EXPECT_EQ(wait_child(b), 0);

  std::vector<std::string> lines = read_lines(dir.file("a.out"));
  for (const auto& l : read_lines(dir.file("b.out"))) lines.push_back(l);
  ASSERT_EQ(lines.size(), 16U);
  std::set<std::string> ids;
  int created = 0;
  for (const auto& line : lines) {
    std::istringstream in(line);
    std::string id;
    std::string how;
    in >> id >> how;
    ids.insert(id);
    if (how == "created") ++created;
  }
  EXPECT_EQ(ids.size(), 1U) << "every caller must get the one intent";
  EXPECT_EQ(created, 1);
  Raw raw(db);
  EXPECT_EQ(raw.one("SELECT count(*) FROM intents"), "1");
  EXPECT_EQ(raw.one("SELECT count(*) FROM events WHERE type = 'intent.created'"), "1");
  EXPECT_EQ(raw.one("SELECT id FROM intents"), *ids.begin());
  EXPECT_EQ(raw.one("SELECT count(*) FROM schema_version"), "7")
      << "migrated once (one row per migration)";
}

TEST(SqliteProcessesTest, AllocationsFromTwoProcessesAreDistinctAndContiguous) {
  TempDir dir;
  const std::string db = dir.file("shared.db");
  ASSERT_TRUE(open_store(db).ok());
  const std::string go = dir.file("go");
  const pid_t a = spawn_child("allocate", db, dir.file("a.out"), go);
  const pid_t b = spawn_child("allocate", db, dir.file("b.out"), go);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  touch(go);
  EXPECT_EQ(wait_child(a), 0);
  EXPECT_EQ(wait_child(b), 0);
  std::vector<std::uint32_t> all;
  for (const char* name : {"a.out", "b.out"}) {
    for (const auto& line : read_lines(dir.file(name))) {
      all.push_back(static_cast<std::uint32_t>(std::stoul(line)));
    }
  }
  ASSERT_EQ(all.size(), 200U);  // 2 processes x 4 threads x 25
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i) << "at " << i;
}

TEST(SqliteProcessesTest, SurvivesSigkillAtRandomPoints) {
  TempDir dir;
  const std::string db = dir.file("crash.db");
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(5, 50);
  std::int64_t last_next_index = 0;
  std::int64_t last_intents = 0;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string ready = dir.file("ready" + std::to_string(round));
    const pid_t child = spawn_child("loop", db, ready, "");
    ASSERT_GT(child, 0);
    // Rounds 0 and every 5th kill without waiting, possibly during open and
    // migration; the others once the child is writing.
    if (round % 5 != 0) {
      ASSERT_TRUE(wait_for_file(ready, std::chrono::seconds(30))) << "child never opened the store";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    const int code = kill_child(child);
    ASSERT_EQ(code, 128 + SIGKILL) << "the child stopped on its own (error exit)";

    if (!file_exists(db)) continue;  // killed before it created the file
    auto store = open_store(db);
    ASSERT_TRUE(store.ok()) << to_string(store.status());
    {
      Raw raw(db);
      EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
      if (raw.one("SELECT count(*) FROM sqlite_schema WHERE name = 'intents'") != "1") continue;
      EXPECT_EQ(raw.one("SELECT count(*) FROM intents i WHERE NOT EXISTS (SELECT 1 FROM events e "
                        "WHERE e.intent_id = i.id AND e.type = 'intent.created')"),
                "0")
          << "an intent without its intent.created event";
      EXPECT_EQ(raw.one("SELECT count(*) FROM events e WHERE e.type = 'intent.created' AND NOT "
                        "EXISTS (SELECT 1 FROM intents i WHERE i.id = e.intent_id)"),
                "0")
          << "an intent.created event without its intent";
      EXPECT_EQ(raw.one("SELECT count(*) FROM intents i WHERE (status = 'processing') != "
                        "EXISTS (SELECT 1 FROM events e WHERE e.intent_id = i.id AND e.type = "
                        "'intent.processing')"),
                "0")
          << "a status change without its event, or the reverse";
      EXPECT_EQ(raw.one("SELECT count(*) FROM (SELECT deposit_index FROM intents GROUP BY "
                        "deposit_index HAVING count(*) > 1)"),
                "0")
          << "a deposit index handed out twice";
      const std::string next = raw.one("SELECT COALESCE(MAX(next_index), 0) FROM deposit_indexes");
      const std::string max_used = raw.one("SELECT COALESCE(MAX(deposit_index), -1) FROM intents");
      EXPECT_GT(std::stoll(next), std::stoll(max_used));
      EXPECT_GE(std::stoll(next), last_next_index) << "the index counter went back";
      last_next_index = std::stoll(next);
      const std::int64_t intents = std::stoll(raw.one("SELECT count(*) FROM intents"));
      EXPECT_GE(intents, last_intents) << "committed intents were lost";
      last_intents = intents;
      auto report = (*store)->verify_audit_chain({});
      ASSERT_TRUE(report.ok()) << to_string(report.status());
      EXPECT_TRUE(report->ok) << report->first_bad_seq << ": " << report->problem;
      EXPECT_EQ(std::to_string(report->events_checked), raw.one("SELECT count(*) FROM events"));
    }
    // The store keeps working after the crash: the next index is new.
    auto index = (*store)->allocate_deposit_index({"eip155:1", "xpub-test"});
    ASSERT_TRUE(index.ok()) << to_string(index.status());
    EXPECT_EQ(static_cast<std::int64_t>(*index), last_next_index);
    last_next_index += 1;
  }
  RecordProperty("intents_after_crashes", static_cast<int>(last_intents));
  EXPECT_GT(last_intents, 0) << "no child ever committed an intent";
}

TEST(SqliteProcessesTest, ApplyScanStepsSurviveSigkillWhole) {
  TempDir dir;
  const std::string db = dir.file("scan.db");
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(5, 60);
  std::int64_t last_cursor = 0;
  constexpr int kRounds = 15;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string ready = dir.file("ready" + std::to_string(round));
    const pid_t child = spawn_child("scan", db, ready, "");
    ASSERT_GT(child, 0);
    if (round % 5 != 0) {
      ASSERT_TRUE(wait_for_file(ready, std::chrono::seconds(30))) << "child never opened the store";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ASSERT_EQ(kill_child(child), 128 + SIGKILL) << "the child stopped on its own (error exit)";

    if (!file_exists(db)) continue;
    auto store = open_store(db);
    ASSERT_TRUE(store.ok()) << to_string(store.status());
    auto cursor = (*store)->get_cursor({"eip155:1"});
    ASSERT_TRUE(cursor.ok()) << to_string(cursor.status());
    const std::int64_t n =
        cursor->has_value() ? static_cast<std::int64_t>((*cursor)->next_block) : 0;
    const std::string ns = std::to_string(n);
    Raw raw(db);
    EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
    EXPECT_GE(n, last_cursor) << "a committed step was lost";
    last_cursor = n;
    // Every committed step entirely present, the interrupted one entirely absent.
    EXPECT_EQ(raw.one("SELECT count(*) FROM block_hashes"), ns);
    EXPECT_EQ(raw.one("SELECT COALESCE(MAX(number) + 1, 0) FROM block_hashes"), ns);
    EXPECT_EQ(raw.one("SELECT count(*) FROM payments"), ns);
    EXPECT_EQ(raw.one("SELECT count(*) FROM payments WHERE status = 'final'"),
              std::to_string(std::max<std::int64_t>(n - 1, 0)));
    EXPECT_EQ(raw.one("SELECT count(*) FROM payments p JOIN block_hashes b ON b.number = "
                      "p.block_number AND b.hash = p.block_hash"),
              ns);
    EXPECT_EQ(raw.one("SELECT count(*) FROM intents WHERE status = 'processing'"), ns);
    EXPECT_EQ(raw.one("SELECT count(*) FROM intents WHERE status = 'processing' AND version = 2"),
              ns);
    EXPECT_LE(std::stoll(raw.one("SELECT count(*) FROM intents WHERE status = "
                                 "'requires_payment'")),
              1)
        << "only the interrupted step's intent may wait";
    EXPECT_EQ(raw.one("SELECT count(*) FROM events WHERE type = 'intent.processing'"), ns);
    EXPECT_EQ(raw.one("SELECT count(*) FROM events WHERE type = 'payment.detected'"), ns);
    EXPECT_EQ(raw.one("SELECT count(*) FROM events WHERE type = 'payment.unmatched' AND "
                      "intent_id IS NULL AND intent_seq = 0"),
              ns);
    auto report = (*store)->verify_audit_chain({});
    ASSERT_TRUE(report.ok()) << to_string(report.status());
    EXPECT_TRUE(report->ok) << report->first_bad_seq << ": " << report->problem;
    EXPECT_EQ(std::to_string(report->events_checked), raw.one("SELECT count(*) FROM events"));
  }
  RecordProperty("scan_steps_after_crashes", static_cast<int>(last_cursor));
  EXPECT_GT(last_cursor, 0) << "no child ever committed a step";
}

}  // namespace
}  // namespace usd1pay
