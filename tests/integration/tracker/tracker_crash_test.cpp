// The tracker killed with SIGKILL at random points, restarted, and compared
// with an uninterrupted run of the same script.
//
// The parent creates 40 intents in a SQLite file (so their ids and xpub
// addresses are fixed and stored), copies the pristine file for the
// reference run, then starts 20+ rounds: each round re-executes this binary
// (fork + execve of /proc/self/exe, so no SQLite state crosses the fork) as a
// child running only TrackerCrashChild.Run, which rebuilds the same
// deterministic SimChain (fixed seed, a fixed script of transfers over 300
// blocks derived from a fixed RNG seed and the intents' addresses) and polls
// with max_blocks_per_poll 1 (a 4 ms pause between polls) from the stored
// cursor; the parent SIGKILLs it a random 5..100 ms after its first poll,
// until 20+ children were killed and the kills covered the whole scan.
// Expiry passes: 16 more intents ("expiring") each get one half payment early
// and expire, in pairs, during the scan (the children's clock follows the
// stored cursor: 12 s per block), so the tracker's expiry pass turns them
// processing -> underpaid while it runs. A second copy of the file is driven
// by children that SIGKILL themselves right before, then right after, their
// first expiry write (USD1PAY_TRACKER_CRASH_KILL=before|after), alternately,
// until the scan is done: every expiry write is interrupted both ways (a
// crash between the chain step and the expiry pass, and between two intents
// of one pass); after each kill the parent checks what is stored.
// Finally the parent runs a tracker to completion on both killed files and on
// the reference copy and asserts for both: PRAGMA integrity_check ok, every watched
// transfer of the script recorded exactly once, the same payments, intent
// statuses and flags as the uninterrupted run, the audit chain verifies, and
// the same events per intent in the same order, and every expiring intent
// underpaid with exactly one intent.underpaid event.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "support/child_process.h"
#include "support/forwarding_store.h"
#include "support/sample_config.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"

namespace usd1pay {
namespace {

using testing::TempDir;

using testing::kChain;
using testing::kCustomer;
using testing::kToken;
constexpr const char* kStranger = "0x2222222222222222222222222222222222222222";
constexpr const char* kDbVar = "USD1PAY_TRACKER_CRASH_DB";
// The fd on which a child writes one byte when it starts polling.
constexpr const char* kReadyVar = "USD1PAY_TRACKER_CRASH_READY_FD";
constexpr std::int64_t kGenesis = 1767225600;
constexpr int kIntents = 40;
constexpr std::uint32_t kBlocks = 300;
constexpr std::uint64_t kChainSeed = 424242;
constexpr std::uint64_t kScriptSeed = 20260101;
constexpr std::uint64_t kMaxBlocksPerPoll = 1;
// A child pauses this long between polls so that the scan of 300 blocks
// spans 20+ rounds of 5..100 ms (unpaused it finishes within a few rounds;
// with 1 ms, a loaded CI machine saw only 11 kills before the end).
constexpr std::chrono::milliseconds kPause{4};
constexpr int kMinKills = 20;
constexpr int kMaxRounds = 80;
// The expiring intents (deposit indexes kIntents..kIntents+kExpiring-1).
constexpr int kExpiring = 16;
constexpr std::uint64_t kHalf = 5000000;  // of 10.00 at 6 decimals
// Self-kill mode of a child: "before" / "after" its first expiry write.
constexpr const char* kKillVar = "USD1PAY_TRACKER_CRASH_KILL";

Config make_config(const std::string& path) {
  return testing::parse_config_or_throw(testing::sim_shop_config_json(path));
}

// Intents are created at kGenesis + 60 s; every tracker run reads this fixed
// clock, 3 hours later: the short-lived intents (60 s) are past expiry, the
// others (1 day) are open, so statuses depend on the payments only.
TimePoint created_time() {
  return from_unix_seconds(kGenesis + 60);
}
TimePoint tracker_time() {
  return from_unix_seconds(kGenesis + 3 * 3600);
}
// The children's clock while the cursor is at `cursor`: 12 s per block
// (deterministic, so every run decides the same; the old intents' expiries
// are hours away from the scan in both directions).
TimePoint time_at(std::uint64_t cursor) {
  return tracker_time() + std::chrono::seconds(12 * cursor);
}
// Expiring intent k: its half payment, and the block whose poll expires it
// (pairs expire together, 8+ blocks after the second payment is mined, so
// both payments are final by then and nothing touches them afterwards).
std::uint32_t expiring_payment_block(int k) {
  return 6 + 17 * static_cast<std::uint32_t>(k);
}
std::uint32_t expiring_expiry_block(int k) {
  return expiring_payment_block(k | 1) + 8;
}

struct ScriptTransfer {
  std::uint32_t block = 0;
  std::string to;
  std::uint64_t amount = 0;
  bool watched = false;
};

// The deposit addresses of the stored intents, by deposit index.
std::vector<std::string> addresses(Store& store) {
  ListOpenIntentsParams p;
  p.statuses = {"requires_payment", "processing", "succeeded", "underpaid",
                "expired",          "canceled",   "paid_late"};
  auto rows = store.list_open_intents(p);
  if (!rows.ok()) return {};
  std::map<std::uint32_t, std::string> by_index;
  for (const auto& r : *rows) by_index[r.deposit_index.value_or(0)] = r.deposit_address;
  std::vector<std::string> out;
  for (auto& [i, a] : by_index) out.push_back(a);
  return out;
}

// The fixed script: from kScriptSeed and the intents' addresses only. The
// random transfers go to the first kIntents intents; each expiring intent
// gets its one half payment.
std::vector<ScriptTransfer> make_script(std::vector<std::string> addrs) {
  std::vector<std::string> expiring;
  if (addrs.size() >= static_cast<std::size_t>(kIntents)) {
    expiring.assign(addrs.begin() + kIntents, addrs.end());
    addrs.resize(kIntents);
  }
  std::mt19937_64 rng(kScriptSeed);
  const std::uint64_t amounts[] = {10000000, 9000000, 5000000, 12000000, 10000000};
  std::vector<ScriptTransfer> script;
  for (std::uint32_t b = 1; b <= kBlocks; ++b) {
    const auto roll = rng() % 100;
    int n = roll < 4 ? 2 : roll < 22 ? 1 : 0;
    for (int i = 0; i < n; ++i) {
      ScriptTransfer t;
      t.block = b;
      t.to = addrs[rng() % addrs.size()];
      t.amount = amounts[rng() % 5];
      t.watched = true;
      script.push_back(t);
    }
    if (roll >= 22 && roll < 27) script.push_back({b, kStranger, 1, false});
  }
  for (std::size_t k = 0; k < expiring.size(); ++k) {
    script.push_back({expiring_payment_block(static_cast<int>(k)), expiring[k], kHalf, true});
  }
  std::stable_sort(
      script.begin(), script.end(),
      [](const ScriptTransfer& a, const ScriptTransfer& b) { return a.block < b.block; });
  return script;
}

// The child's store when it must kill itself at its first expiry write: the
// SQLite store behind a forwarder that raises SIGKILL right before or right
// after that apply_scan. An expiry write is an apply_scan that leaves the
// cursor where it is and remembers no block (every chain step of this test
// scans one block) with intent transitions.
class KillingStore final : public usd1pay::testing::ForwardingStore {
 public:
  KillingStore(std::shared_ptr<Store> real, bool before)
      : ForwardingStore(std::move(real)), before_(before) {}

  Status apply_scan(const ApplyScanParams& p) override {
    const bool expiry = p.expected_next_block == p.new_next_block && p.remember_blocks.empty() &&
                        !p.transitions.empty();
    if (expiry && before_) ::raise(SIGKILL);
    Status s = real().apply_scan(p);
    if (expiry && s.ok()) ::raise(SIGKILL);
    return s;
  }

 private:
  bool before_;
};

std::shared_ptr<SimChain> build_chain(const std::vector<ScriptTransfer>& script) {
  SimChainOptions o;
  o.chain_id = kChain;
  o.seed = kChainSeed;
  auto chain = std::make_shared<SimChain>(o);
  std::size_t next = 0;
  for (std::uint32_t b = 1; b <= kBlocks; ++b) {
    while (next < script.size() && script[next].block == b) {
      chain->submit_transfer(
          {kToken, kCustomer, script[next].to, Uint128(script[next].amount), {}});
      ++next;
    }
    chain->mine();
  }
  return chain;
}

// Opens the store, rebuilds the chain and polls until caught up.
// 0: caught up; 2..: a failure (printed on stderr).
int run_tracker(const std::string& db, bool pause, int ready_fd = -1) {
  SqliteStoreOptions so;
  so.path = db;
  so.create = false;
  auto s = open_sqlite_store(so);
  if (!s.ok()) {
    std::cerr << "child: " << s.status().message() << "\n";
    return 2;
  }
  std::shared_ptr<Store> store(std::move(*s));
  const auto script = make_script(addresses(*store));
  auto chain = build_chain(script);
  auto clock = std::make_shared<ManualClock>(tracker_time());
  TrackerOptions to;
  to.config = make_config(db);
  to.store = store;
  if (const char* kill = std::getenv(kKillVar)) {
    to.store = std::make_shared<KillingStore>(store, std::string(kill) == "before");
  }
  to.clock = clock;
  to.backends = {{kChain, chain}};
  to.max_blocks_per_poll = kMaxBlocksPerPoll;
  to.start_block = 0;
  auto t = Tracker::open(std::move(to));
  if (!t.ok()) {
    std::cerr << "child: " << t.status().message() << "\n";
    return 3;
  }
  if (!testing::signal_ready(ready_fd)) return 7;
  for (int i = 0; i < 1000; ++i) {
    auto cursor = store->get_cursor({kChain});
    if (!cursor.ok()) return 8;
    clock->set(time_at(*cursor ? (*cursor)->next_block : 0));
    auto r = (*t)->poll_once();
    if (!r.ok()) {
      std::cerr << "child: " << r.status().message() << "\n";
      return 4;
    }
    if (!r->ok()) {
      std::cerr << "child: " << r->first_error().message() << "\n";
      return 5;
    }
    if (r->caught_up()) return 0;
    if (pause) std::this_thread::sleep_for(kPause);
  }
  return 6;
}

TEST(TrackerCrashChild, Run) {
  const char* db = std::getenv(kDbVar);
  if (db == nullptr) GTEST_SKIP() << "only run as the child of TrackerCrash.*";
  std::fflush(stdout);
  std::_Exit(run_tracker(db, true, testing::ready_fd_from_env(kReadyVar)));
}

// Starts a child with a ready pipe. `kill`: "before" / "after" makes it
// SIGKILL itself at its first expiry write.
testing::SelfChild spawn_child(const std::string& db, const std::string& kill = "") {
  testing::SpawnSelfParams p;
  p.gtest_filter = "TrackerCrashChild.Run";
  p.env = {std::string(kDbVar) + "=" + db};
  if (!kill.empty()) p.env.push_back(std::string(kKillVar) + "=" + kill);
  p.unset = {kKillVar};
  p.ready_var = kReadyVar;
  return testing::spawn_self(p);
}

// What the two runs are compared on.
struct Outcome {
  std::map<std::string, std::string> status;  // by intent id
  std::map<std::string, std::string> flags;
  std::map<std::string, std::vector<std::string>> events;  // types in order, by intent id
  // (tx, log_index) -> (intent, status, amount, block hash, flags)
  std::map<std::pair<std::string, std::uint32_t>, std::string> payments;
  std::size_t payment_rows = 0;
  std::size_t total_events = 0;
  bool audit_ok = false;
  std::string audit_problem;
};

Outcome read_outcome(const std::string& db) {
  Outcome o;
  auto s = open_sqlite_store({db});
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return o;
  Store& store = **s;
  ListIntentsParams lp;
  lp.limit = 1000;
  auto intents = store.list_intents(lp);
  EXPECT_TRUE(intents.ok());
  for (const auto& r : intents->intents) {
    o.status[r.id] = r.status;
    o.flags[r.id] = r.flags_json;
    ListEventsParams ep;
    ep.intent_id = r.id;
    auto ev = store.list_events(ep);
    EXPECT_TRUE(ev.ok());
    for (const auto& e : *ev) o.events[r.id].push_back(e.type);
  }
  ListEventsParams all;
  all.limit = 10000;
  o.total_events = store.list_events(all)->size();
  ListPaymentsParams pp;
  pp.limit = 100000;
  auto pays = store.list_payments(pp);
  EXPECT_TRUE(pays.ok());
  o.payment_rows = pays->size();
  for (const auto& p : *pays) {
    EXPECT_EQ(p.chain, kChain);
    o.payments[{p.tx_hash, p.log_index}] = p.intent_id + " " + p.status + " " +
                                           p.amount_base_units + " " + p.block_hash + " " +
                                           p.flags_json;
  }
  auto audit = store.verify_audit_chain({});
  EXPECT_TRUE(audit.ok());
  o.audit_ok = audit->ok;
  o.audit_problem = audit->problem;
  return o;
}

std::uint64_t cursor_of(const std::string& db) {
  auto s = open_sqlite_store({db});
  if (!s.ok()) return 0;
  auto c = (*s)->get_cursor({kChain});
  return c.ok() && *c ? (*c)->next_block : 0;
}

TEST(TrackerCrash, KilledAtRandomPointsCreditsEverythingOnceAsAnUninterruptedRun) {
  TempDir dir;
  const std::string db = dir.file("crash.db");
  const std::string ref = dir.file("reference.db");
  const std::string db2 = dir.file("expiry-kills.db");
  std::vector<std::string> expiring_ids;
  {
    auto s = open_sqlite_store({db});
    ASSERT_TRUE(s.ok()) << s.status().message();
    std::shared_ptr<Store> store(std::move(*s));
    auto clock = std::make_shared<ManualClock>(created_time());
    ProcessorOptions po;
    po.config = make_config(db);
    po.store = store;
    po.clock = clock;
    auto p = Processor::open(po);
    ASSERT_TRUE(p.ok()) << p.status().message();
    for (int i = 0; i < kIntents; ++i) {
      CreateIntentRequest r;
      r.order_id = "order-" + std::to_string(i);
      r.amount = "10.00";
      r.expires_in_seconds = i % 2 == 0 ? 60 : 86400;
      auto intent = (*p)->create_intent(r);
      ASSERT_TRUE(intent.ok()) << intent.status().message();
      clock->advance(std::chrono::milliseconds(1));
    }
    for (int k = 0; k < kExpiring; ++k) {
      CreateIntentRequest r;
      r.order_id = "expiring-" + std::to_string(k);
      r.amount = "10.00";
      // expires_at = time_at(expiry block) + a few ms: the poll after that
      // block's expires it.
      r.expires_in_seconds = 3 * 3600 - 60 + 12 * std::int64_t{expiring_expiry_block(k)};
      auto intent = (*p)->create_intent(r);
      ASSERT_TRUE(intent.ok()) << intent.status().message();
      expiring_ids.push_back(intent->id);
      clock->advance(std::chrono::milliseconds(1));
    }
  }  // closed: the WAL is checkpointed into the file
  testing::write_file(ref, testing::read_file(db));
  testing::write_file(db2, testing::read_file(db));

  std::vector<ScriptTransfer> script;
  {
    auto s = open_sqlite_store({db});
    ASSERT_TRUE(s.ok());
    const auto addrs = addresses(**s);
    ASSERT_EQ(addrs.size(), static_cast<std::size_t>(kIntents + kExpiring));
    script = make_script(addrs);
  }
  const auto watched = static_cast<std::size_t>(std::count_if(
      script.begin(), script.end(), [](const ScriptTransfer& t) { return t.watched; }));
  ASSERT_GT(watched, 40U + kExpiring);

  // Lineage 1, the random rounds: each child continues from the stored
  // cursor until killed 5..100 ms after its first poll (the expiring intents
  // expire during this scan too, so these kills also land in expiry passes
  // now and then).
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay(5, 100);
  int killed = 0;
  int finished = 0;
  std::vector<std::uint64_t> cursors;
  int rounds = 0;
  std::uint64_t reached = 0;
  for (int round = 0; round < kMaxRounds && (killed < kMinKills || reached <= kBlocks); ++round) {
    ++rounds;
    testing::SelfChild child = spawn_child(db);
    ASSERT_GT(child.pid, 0);
    // The delay counts from the child's first poll (its start-up, exec and
    // building the chain, takes tens of ms of its own).
    const bool started = testing::wait_ready(child);
    EXPECT_TRUE(started) << "the child died before polling in round " << round;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay(rng)));
    const int code = testing::kill_child(child.pid);
    if (code == 128 + SIGKILL) {
      ++killed;
    } else {
      ASSERT_EQ(code, 0) << "the child failed in round " << round;
      ++finished;
    }
    reached = cursor_of(db);
    cursors.push_back(reached);
  }
  std::cout << "rounds: " << rounds << ", killed " << killed << ", finished " << finished
            << "; cursor after each round:";
  for (auto c : cursors) std::cout << " " << c;
  std::cout << "\n";
  EXPECT_GE(killed, kMinKills);
  for (std::size_t i = 1; i < cursors.size(); ++i) EXPECT_GE(cursors[i], cursors[i - 1]);

  // Lineage 2, at every expiry write: children alternately SIGKILL
  // themselves right before and right after their first expiry write, from
  // the stored cursor, until one finishes the scan. Before: the chain step of
  // that poll is committed and the expiry is not (a crash between the two
  // steps), so an intent is left processing past the expiry the child saw,
  // and nothing of the expiry is written. After: exactly one more expiring
  // intent is underpaid (for a pair expiring in one poll, the crash lands
  // between the two writes of one pass).
  int before_kills = 0;
  int after_kills = 0;
  bool done = false;
  auto underpaid_expiring = [&expiring_ids](const std::string& path) {
    auto st = open_sqlite_store({path});
    EXPECT_TRUE(st.ok());
    int n = 0;
    for (const std::string& id : expiring_ids) {
      auto row = (*st)->get_intent({id});
      EXPECT_TRUE(row.ok());
      n += row.ok() && row->status == "underpaid" ? 1 : 0;
    }
    return n;
  };
  for (int round = 0; round < 200 && !done; ++round) {
    const bool before = round % 2 == 0;
    const std::uint64_t was = cursor_of(db2);
    testing::SelfChild child = spawn_child(db2, before ? "before" : "after");
    ASSERT_GT(child.pid, 0);
    EXPECT_TRUE(testing::wait_ready(child)) << "the child died before polling in round " << round;
    const int code =
        testing::wait_child(child.pid);  // it dies at its first expiry write, or finishes
    if (code == 0) {
      done = true;
      break;
    }
    ASSERT_EQ(code, 128 + SIGKILL) << "the child failed in round " << round;
    const std::uint64_t now_at = cursor_of(db2);
    EXPECT_GT(now_at, was) << "round " << round;  // the chain step of its poll committed
    if (before) {
      ++before_kills;
      auto st = open_sqlite_store({db2});
      ASSERT_TRUE(st.ok());
      ListExpirableParams le;
      le.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      time_at(now_at - 1).time_since_epoch())
                      .count();
      le.statuses = {"processing"};
      auto pending = (*st)->list_expirable(le);
      ASSERT_TRUE(pending.ok());
      EXPECT_FALSE(pending->empty()) << "round " << round << ", cursor " << now_at;
    } else {
      ++after_kills;
    }
    EXPECT_EQ(underpaid_expiring(db2), after_kills) << "round " << round;
  }
  EXPECT_TRUE(done);
  std::cout << "kills at expiry writes: before " << before_kills << ", after " << after_kills
            << "\n";
  // Every expiring intent's write was interrupted once before and once after.
  EXPECT_GE(before_kills, kExpiring);
  EXPECT_GE(after_kills, kExpiring);

  // Completion on the killed files, and the uninterrupted reference run.
  ASSERT_EQ(run_tracker(db, false), 0);
  ASSERT_EQ(run_tracker(db2, false), 0);
  ASSERT_EQ(run_tracker(ref, false), 0);
  EXPECT_EQ(cursor_of(db), kBlocks + 1);
  EXPECT_EQ(cursor_of(db2), kBlocks + 1);

  for (const std::string& path : {db, db2, ref}) {
    auto check = testing::run_process({"sqlite3", path, "PRAGMA integrity_check;"});
    EXPECT_EQ(check.exit_code, 0) << check.err;
    EXPECT_EQ(check.out, "ok\n") << path;
  }

  const Outcome want = read_outcome(ref);
  EXPECT_EQ(want.payment_rows, watched);
  EXPECT_TRUE(want.audit_ok) << want.audit_problem;
  for (const std::string& path : {db, db2}) {
    SCOPED_TRACE(path);
    const Outcome got = read_outcome(path);
    // Every watched transfer of the script exactly once (payments are unique
    // by (chain, tx, log_index): one chain here, so by (tx, log_index)).
    EXPECT_EQ(got.payment_rows, watched);
    EXPECT_EQ(got.payments.size(), got.payment_rows);
    // Every expiring intent: its half payment, then underpaid exactly once.
    for (const std::string& id : expiring_ids) {
      SCOPED_TRACE(id);
      EXPECT_EQ(got.status.at(id), "underpaid");
      const auto& types = got.events.at(id);
      EXPECT_EQ(std::count(types.begin(), types.end(), "intent.underpaid"), 1);
      EXPECT_EQ(std::count(types.begin(), types.end(), "payment.detected"), 1);
      EXPECT_EQ(std::count(types.begin(), types.end(), "intent.processing"), 1);
    }
    // Same payments (ids are random per run: compared by key and contents).
    EXPECT_EQ(got.payments, want.payments);
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.flags, want.flags);
    EXPECT_TRUE(got.audit_ok) << got.audit_problem;
    EXPECT_EQ(got.total_events, want.total_events);
    ASSERT_EQ(got.events.size(), want.events.size());
    for (const auto& [id, types] : want.events) {
      auto it = got.events.find(id);
      ASSERT_NE(it, got.events.end()) << id;
      EXPECT_EQ(it->second, types) << id;
    }
  }
  // The script reaches more than one outcome (the comparison means something).
  std::set<std::string> statuses;
  for (const auto& [id, st] : want.status) statuses.insert(st);
  std::cout << "final statuses:";
  for (const auto& st : statuses) std::cout << " " << st;
  std::cout << "; payments " << want.payment_rows << ", events " << want.total_events << "\n";
  EXPECT_GE(statuses.size(), 4U);
}

}  // namespace
}  // namespace usd1pay
