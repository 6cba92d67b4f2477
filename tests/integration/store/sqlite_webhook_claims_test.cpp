// The webhook delivery queue of the SQLite store under several processes and
// with a large backlog.
//
// Several processes claim and complete deliveries from one file at once; each
// logs, per claim, the steady-clock interval during which it held the
// delivery (after its claim returned, before it called complete). The clock
// is system-wide (CLOCK_MONOTONIC), so the parent can check across processes
// that no delivery was ever held by two of them at once, and that per-intent
// order held: a later event of an intent is first claimed only after the
// earlier one's last attempt. As in sqlite_processes_test.cpp, the binary
// re-executes itself as the children (StoreClaimChild.Run, told what to do by
// environment variables); run directly, that test skips.
//
// The backlog test fills one endpoint with 100,000 pending deliveries and
// reports what a claim costs (printed and recorded as test properties; not a
// timed test: it asserts what is claimed, never how fast).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "support/child_process.h"
#include "support/raw_sqlite.h"
#include "support/temp_dir.h"
#include "usd1pay/id.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using testing::TempDir;
using testing::touch;
using testing::wait_child;

constexpr char kModeVar[] = "USD1PAY_CLAIM_CHILD_MODE";
constexpr char kDbVar[] = "USD1PAY_CLAIM_CHILD_DB";
constexpr char kOutVar[] = "USD1PAY_CLAIM_CHILD_OUT";
constexpr char kGoVar[] = "USD1PAY_CLAIM_CHILD_GO";
constexpr char kNameVar[] = "USD1PAY_CLAIM_CHILD_NAME";

constexpr std::int64_t kT0 = 1700000000000;

std::string make_id(const std::string& prefix, int n) {
  std::string body = std::to_string(n);
  return prefix + std::string(kIdBodyLength - body.size(), '0') + body;
}

Result<std::unique_ptr<Store>> open_store(const std::string& path) {
  SqliteStoreOptions o;
  o.path = path;
  o.busy_timeout_ms = 10000;
  o.synchronous = SqliteSynchronous::kNormal;
  return open_sqlite_store(o);
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

using Raw = testing::RawSqlite;

// ---- the child side ----

// Claims and completes until nothing has been claimable for a while. Every
// third attempt fails and is due again at once, so deliveries bounce between
// processes. Writes "<id> <t_claimed_ns> <t_released_ns> <name>" per claim.
int child_claim(const std::string& db, const std::string& out, const std::string& name) {
  auto store = open_store(db);
  if (!store.ok()) {
    std::fprintf(stderr, "child: %s\n", to_string(store.status()).c_str());
    return 2;
  }
  std::ofstream log(out);
  int idle = 0;
  std::uint64_t turn = 0;
  while (idle < 200) {
    ClaimWebhookDeliveriesParams p;
    p.now_ms = kT0;  // leases never run out here: a second holder would be a bug
    p.owner = name;
    p.limit = 3;
    p.max_in_flight_per_endpoint = 6;
    auto got = (*store)->claim_webhook_deliveries(p);
    if (!got.ok()) {
      std::fprintf(stderr, "child: %s\n", to_string(got.status()).c_str());
      return 3;
    }
    const std::int64_t claimed = steady_ns();
    if (got->empty()) {
      ++idle;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    idle = 0;
    for (const WebhookDeliveryRow& d : *got) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));  // "sending"
      const bool fail = (++turn) % 3 == 0;
      CompleteWebhookAttemptParams c;
      c.delivery_id = d.id;
      c.owner = name;
      c.attempt.started_at_ms = kT0;
      c.attempt.http_status = fail ? 500 : 204;
      c.attempt.error = fail ? "HTTP 500" : "";
      c.attempt.outcome = fail ? "retry" : "succeeded";
      c.new_status = fail ? "pending" : "succeeded";
      c.next_attempt_at_ms = kT0;
      c.at_ms = kT0;
      log << d.id << ' ' << claimed << ' ' << steady_ns() << ' ' << name << '\n';
      log.flush();
      auto r = (*store)->complete_webhook_attempt(c);
      if (!r.ok()) {
        std::fprintf(stderr, "child: %s\n", to_string(r.status()).c_str());
        return 4;
      }
      if (!r->applied) {
        std::fprintf(stderr, "child: %s lost %s\n", name.c_str(), d.id.c_str());
        return 5;
      }
    }
  }
  return 0;
}

TEST(StoreClaimChild, Run) {
  const char* mode = std::getenv(kModeVar);
  if (mode == nullptr) GTEST_SKIP() << "only runs as a child of the other tests";
  const char* go = std::getenv(kGoVar);
  if (go != nullptr) {
    testing::wait_for_file(go);
  }
  int code = 9;
  if (std::string(mode) == "claim") {
    code = child_claim(std::getenv(kDbVar), std::getenv(kOutVar), std::getenv(kNameVar));
  }
  std::fflush(stderr);
  std::_Exit(code);
}

// ---- the parent side ----

pid_t spawn_child(const std::string& mode, const std::string& db, const std::string& out,
                  const std::string& go, const std::string& name) {
  testing::SpawnSelfParams p;
  p.gtest_filter = "StoreClaimChild.Run";
  p.env = {std::string(kModeVar) + "=" + mode, std::string(kDbVar) + "=" + db,
           std::string(kOutVar) + "=" + out, std::string(kGoVar) + "=" + go,
           std::string(kNameVar) + "=" + name};
  return testing::spawn_self(p).pid;
}

struct Hold {
  std::int64_t from_ns = 0;
  std::int64_t to_ns = 0;
  std::string who;
};

/// Intents and events inserted straight into the tables (one transaction):
/// building a large backlog through one transaction per event would take
/// minutes. Events of intent i are "evt_<i>_<k>"; `no_intent` more events
/// "evt_n_<k>" are about no intent. Returns the events in seq order as
/// (id, intent_id).
std::vector<std::pair<std::string, std::string>> bulk_events(const std::string& path, int intents,
                                                             int per_intent, int no_intent) {
  std::vector<std::pair<std::string, std::string>> events;
  Raw raw(path);
  raw.exec_or_fail("BEGIN");
  std::string sql;
  auto flush = [&] {
    if (!sql.empty()) raw.exec_or_fail(sql);
    sql.clear();
  };
  std::int64_t seq = 0;
  for (int i = 0; i < intents; ++i) {
    const std::string id = "pi_" + std::to_string(i);
    sql += "INSERT INTO intents VALUES ('" + id + "', 'o" + std::to_string(i) +
           "', 'processing', 'eip155:1', 'USD1', '', 18, '1.00', 'USD', '1', 'static', '', NULL, "
           "'', '', '{}', NULL, 'h', '[]', 0, 0, 0, 1);";
  }
  // Round-robin over the intents, so their events interleave in seq order.
  for (int k = 0; k < per_intent; ++k) {
    for (int i = 0; i < intents; ++i) {
      const std::string id = "evt_" + std::to_string(i) + "_" + std::to_string(k);
      const std::string intent = "pi_" + std::to_string(i);
      sql += "INSERT INTO events VALUES (" + std::to_string(++seq) + ", '" + id + "', '" + intent +
             "', " + std::to_string(k + 1) + ", 'payment.detected', 'test', 0, '{}', '', '');";
      events.emplace_back(id, intent);
      if (sql.size() > 1000000) flush();
    }
  }
  for (int k = 0; k < no_intent; ++k) {
    const std::string id = "evt_n_" + std::to_string(k);
    sql += "INSERT INTO events VALUES (" + std::to_string(++seq) + ", '" + id +
           "', NULL, 0, 'payment.unmatched', 'test', 0, '{}', '', '');";
    events.emplace_back(id, "");
  }
  flush();
  raw.exec_or_fail("COMMIT");
  return events;
}

/// Fans events [from, to) (1-based seqs from+1 .. to) out to the endpoint,
/// in batches, through the store. Delivery ids are msg_<base + seq>.
void fan_out(Store& store, const std::string& endpoint_id,
             const std::vector<std::pair<std::string, std::string>>& events, std::size_t from,
             std::size_t to, int id_base, std::int64_t due) {
  constexpr std::size_t kBatch = 5000;
  auto endpoint = store.get_webhook_endpoint({endpoint_id});
  ASSERT_TRUE(endpoint.ok()) << to_string(endpoint.status());
  std::uint64_t fanout = endpoint->fanout_seq;
  for (std::size_t start = from; start < to; start += kBatch) {
    EnqueueWebhookDeliveriesParams p;
    p.endpoint_id = endpoint_id;
    p.expected_fanout_seq = fanout;
    p.new_fanout_seq = std::min(to, start + kBatch);
    for (std::size_t i = start; i < p.new_fanout_seq; ++i) {
      WebhookDeliveryRow d;
      d.id = make_id("msg_", id_base + static_cast<int>(i) + 1);
      d.event_id = events[i].first;
      d.event_seq = i + 1;
      d.event_type = events[i].second.empty() ? "payment.unmatched" : "payment.detected";
      d.intent_id = events[i].second;
      d.next_attempt_at_ms = due;
      p.deliveries.push_back(std::move(d));
    }
    p.at_ms = kT0;
    auto r = store.enqueue_webhook_deliveries(p);
    ASSERT_TRUE(r.ok()) << to_string(r.status());
    ASSERT_EQ(*r, p.deliveries.size());
    fanout = p.new_fanout_seq;
  }
}

WebhookEndpointRow endpoint_row(const std::string& id) {
  WebhookEndpointRow e;
  e.id = id;
  e.url = "https://shop.example/hooks";
  e.secrets = {WebhookSecretRow{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", kT0, 0}};
  e.created_at_ms = kT0;
  e.updated_at_ms = kT0;
  return e;
}

TEST(SqliteWebhookClaimsTest, ProcessesNeverHoldOneDeliveryAtOnceAndKeepIntentOrder) {
  TempDir dir;
  const std::string db = dir.file("claims.db");
  constexpr int kIntents = 12;
  constexpr int kPerIntent = 5;
  constexpr int kNoIntent = 60;
  {
    auto store = open_store(db);
    ASSERT_TRUE(store.ok()) << to_string(store.status());
    ASSERT_TRUE((*store)->create_webhook_endpoint({endpoint_row(make_id("we_", 1))}).ok());
    ASSERT_TRUE((*store)->create_webhook_endpoint({endpoint_row(make_id("we_", 2))}).ok());
  }
  const auto events = bulk_events(db, kIntents, kPerIntent, kNoIntent);
  {
    auto store = open_store(db);
    ASSERT_TRUE(store.ok());
    fan_out(**store, make_id("we_", 1), events, 0, events.size(), 0, kT0);
    fan_out(**store, make_id("we_", 2), events, 0, events.size(), 100000, kT0);
  }
  const std::string go = dir.file("go");
  constexpr int kChildren = 4;
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    const pid_t pid = spawn_child("claim", db, dir.file("c" + std::to_string(c) + ".log"), go,
                                  "proc-" + std::to_string(c));
    ASSERT_GT(pid, 0);
    children.push_back(pid);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all at the start line
  touch(go);
  for (pid_t pid : children) EXPECT_EQ(wait_child(pid), 0) << "a child failed (see stderr)";

  std::map<std::string, std::vector<Hold>> holds;
  std::set<std::string> workers;
  for (int c = 0; c < kChildren; ++c) {
    std::ifstream log(dir.file("c" + std::to_string(c) + ".log"));
    std::string line;
    while (std::getline(log, line)) {
      std::istringstream in(line);
      std::string id;
      Hold h;
      in >> id >> h.from_ns >> h.to_ns >> h.who;
      ASSERT_FALSE(in.fail()) << line;
      holds[id].push_back(h);
      workers.insert(h.who);
    }
  }
  EXPECT_GE(workers.size(), 2U) << "the test needs at least two processes doing work";
  std::size_t overlaps = 0;
  std::size_t claims = 0;
  for (auto& [id, list] : holds) {
    std::sort(list.begin(), list.end(),
              [](const Hold& a, const Hold& b) { return a.from_ns < b.from_ns; });
    claims += list.size();
    for (std::size_t i = 1; i < list.size(); ++i) {
      if (list[i].from_ns <= list[i - 1].to_ns) {
        ++overlaps;
        ADD_FAILURE() << id << " held by " << list[i - 1].who << " and " << list[i].who
                      << " at once";
      }
    }
  }
  EXPECT_EQ(overlaps, 0U);

  auto store = open_store(db);
  ASSERT_TRUE(store.ok());
  ListWebhookDeliveriesParams all;
  all.limit = 100000;
  auto rows = (*store)->list_webhook_deliveries(all);
  ASSERT_TRUE(rows.ok()) << to_string(rows.status());
  ASSERT_EQ(rows->size(), 2 * events.size());
  std::size_t attempts = 0;
  // Per (endpoint, intent), in event_seq order: the next delivery's first
  // claim comes after the previous one's last release.
  std::map<std::pair<std::string, std::string>, std::int64_t> last_release;
  for (const WebhookDeliveryRow& d : *rows) {  // in event_seq order
    EXPECT_EQ(d.status, "succeeded") << d.id;
    ASSERT_EQ(holds.count(d.id), 1U) << d.id << " never claimed";
    const auto& list = holds[d.id];
    EXPECT_EQ(d.total_attempts, list.size()) << d.id << ": one attempt per claim";
    attempts += d.total_attempts;
    if (d.intent_id.empty()) continue;
    const auto key = std::make_pair(d.endpoint_id, d.intent_id);
    const auto it = last_release.find(key);
    if (it != last_release.end()) {
      EXPECT_GT(list.front().from_ns, it->second)
          << d.id << " (seq " << d.event_seq << ") was claimed before the previous event of "
          << d.intent_id << " was done";
    }
    last_release[key] = list.back().to_ns;
  }
  EXPECT_EQ(attempts, claims);
  ListWebhookAttemptsParams lp;
  lp.limit = 100000;
  EXPECT_EQ((*store)->list_webhook_attempts(lp)->size(), attempts);
  Raw raw(db);
  EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.one("SELECT count(*) FROM webhook_deliveries WHERE is_head = 1"), "0");
  RecordProperty("claims", static_cast<int>(claims));
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// 100,000 pending deliveries on one endpoint (20,000 intents x 5 events, so
// 80,000 of them wait behind their intent's first), a few on another. Not
// timed: it checks what each claim returns; the costs are printed.
TEST(SqliteWebhookClaimsTest, ClaimOverAHundredThousandPendingDeliveries) {
  TempDir dir;
  const std::string db = dir.file("backlog.db");
  constexpr int kIntents = 20000;
  constexpr int kPerIntent = 5;
  const std::string big = make_id("we_", 1);
  const std::string small = make_id("we_", 2);
  {
    auto store = open_store(db);
    ASSERT_TRUE(store.ok()) << to_string(store.status());
    ASSERT_TRUE((*store)->create_webhook_endpoint({endpoint_row(big)}).ok());
    ASSERT_TRUE((*store)->create_webhook_endpoint({endpoint_row(small)}).ok());
  }
  const auto events = bulk_events(db, kIntents, kPerIntent, 10);
  const std::size_t n = static_cast<std::size_t>(kIntents) * kPerIntent;
  auto opened = open_store(db);
  ASSERT_TRUE(opened.ok());
  Store& store = **opened;
  auto start = std::chrono::steady_clock::now();
  fan_out(store, big, events, 0, n, 0, kT0);
  const double enqueue_ms = ms_since(start);
  // The small endpoint gets only the 10 events of no intent, due a little later.
  {
    EnqueueWebhookDeliveriesParams p;
    p.endpoint_id = small;
    p.expected_fanout_seq = 0;
    p.new_fanout_seq = events.size();
    for (std::size_t i = n; i < events.size(); ++i) {
      WebhookDeliveryRow d;
      d.id = make_id("msg_", 900000 + static_cast<int>(i));
      d.event_id = events[i].first;
      d.event_seq = i + 1;
      d.event_type = "payment.unmatched";
      d.next_attempt_at_ms = kT0 + 10;
      p.deliveries.push_back(d);
    }
    auto r = store.enqueue_webhook_deliveries(p);
    ASSERT_TRUE(r.ok()) << to_string(r.status());
  }
  auto claim = [&](std::int64_t now, const std::string& owner) {
    ClaimWebhookDeliveriesParams p;
    p.now_ms = now;
    p.owner = owner;
    p.limit = 16;
    p.max_in_flight_per_endpoint = 4;
    auto r = store.claim_webhook_deliveries(p);
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    return r.ok() ? *r : std::vector<WebhookDeliveryRow>{};
  };
  // 1. Everything due: the oldest 4 of the big endpoint (its cap) and the
  //    small one's 4; the big backlog does not fill the batch.
  start = std::chrono::steady_clock::now();
  auto got = claim(kT0 + 100, "first");
  const double first_ms = ms_since(start);
  ASSERT_EQ(got.size(), 8U);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(got[i].endpoint_id, big);
    EXPECT_EQ(got[i].event_seq, i + 1) << "the first events, of four different intents";
  }
  for (std::size_t i = 4; i < 8; ++i) EXPECT_EQ(got[i].endpoint_id, small);
  // 2. The worst case for a queue walk: every intent's first delivery failed
  //    and waits for its retry in an hour, while the 80,000 behind them are
  //    due. (Set straight in the table: 20,000 claim/complete round trips
  //    would only slow the test down.)
  {
    Raw raw(db);
    raw.exec_or_fail(
        "UPDATE webhook_deliveries SET next_attempt_at_ms = " + std::to_string(kT0 + 3600000) +
        ", lease_until_ms = 0, lease_owner = '' WHERE endpoint_id = '" + big + "' AND is_head = 1");
  }
  start = std::chrono::steady_clock::now();
  got = claim(kT0 + 200000, "second");
  const double blocked_ms = ms_since(start);
  // Only the small endpoint's (the first four again: their leases ran out).
  ASSERT_EQ(got.size(), 4U);
  for (const auto& d : got) EXPECT_EQ(d.endpoint_id, small);
  // 3. An hour later the retries are due again: the big endpoint's first
  //    four (cap 4) beside four more of the small one's.
  start = std::chrono::steady_clock::now();
  got = claim(kT0 + 3600000, "third");
  const double retry_ms = ms_since(start);
  ASSERT_EQ(got.size(), 8U);
  std::vector<std::uint64_t> big_seqs;
  for (const auto& d : got) {
    if (d.endpoint_id == big) big_seqs.push_back(d.event_seq);
  }
  EXPECT_EQ(big_seqs, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  std::printf(
      "[ backlog ] %zu pending deliveries: enqueue %.0f ms (%.1f us each); claim all-due %.2f "
      "ms; claim with 80000 due behind 20000 retrying heads %.2f ms; claim of the due retries "
      "%.2f ms\n",
      n + 10, enqueue_ms, enqueue_ms * 1000.0 / static_cast<double>(n), first_ms, blocked_ms,
      retry_ms);
  RecordProperty("enqueue_us_each", std::to_string(enqueue_ms * 1000.0 / static_cast<double>(n)));
  RecordProperty("claim_all_due_ms", std::to_string(first_ms));
  RecordProperty("claim_blocked_backlog_ms", std::to_string(blocked_ms));
}

}  // namespace
}  // namespace usd1pay
