// The Processor on real SQLite files: create / get / list / cancel / expire
// end to end with xpub-derived addresses checked against ethers; one
// idempotency key raced by 16 threads and by two processes; and a crash test
// that SIGKILLs a process creating intents at random moments, then checks the
// file, the event log, the deposit indexes and the audit chain.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/config.h"
#include "usd1pay/hd.h"
#include "usd1pay/intent.h"

namespace usd1pay {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// BIP-32 test vector 1, m/0H (public): a non-master account key.
constexpr const char* kXpub =
    "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5"
    "ski8PX9rL2dZXvgGDnw";

std::string config_json(const std::string& xpub) {
  nlohmann::json c = {
      {"version", 1},
      {"store", {{"path", "usd1pay.db"}, {"synchronous", "full"}, {"busy_timeout_ms", 10000}}},
      {"chains",
       {{{"id", "eip155:1337"},
         {"backend", "sim"},
         {"finality", {{"kind", "confirmations"}, {"confirmations", 3}}},
         {"tokens",
          {{{"symbol", "USD1"},
            {"contract", "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA"},
            {"decimals", 18}}}},
         {"strategy", "xpub"},
         {"xpub", xpub},
         {"derivation_path", "0"}}}},
      {"default_chain", "eip155:1337"},
      {"default_token", "USD1"},
      {"default_expiry_seconds", 900},
      {"metadata_max_bytes", 4096},
      {"actor", "api"}};
  return c.dump(2);
}

Config load_config(const TempDir& dir, const std::string& xpub = kXpub) {
  const std::string path = dir.file("usd1pay.json");
  usd1pay::testing::write_file(path, config_json(xpub));
  auto c = Config::load(path);
  if (!c.ok()) throw std::runtime_error(c.status().message());
  return *c;
}

std::unique_ptr<Processor> open_processor(const Config& config,
                                          std::shared_ptr<const Clock> clock = nullptr) {
  ProcessorOptions o;
  o.config = config;
  o.clock = std::move(clock);
  auto p = Processor::open(std::move(o));
  if (!p.ok()) throw std::runtime_error(p.status().message());
  return std::move(*p);
}

CreateIntentRequest order(const std::string& id, const std::string& amount = "25.00") {
  CreateIntentRequest r;
  r.order_id = id;
  r.amount = amount;
  return r;
}

// Every intent and every event, through the public API.
std::vector<PaymentIntent> all_intents(Processor& p) {
  std::vector<PaymentIntent> out;
  IntentListRequest req;
  req.limit = 1000;
  for (;;) {
    auto page = p.list_intents(req);
    if (!page.ok()) throw std::runtime_error(page.status().message());
    out.insert(out.end(), page->intents.begin(), page->intents.end());
    if (page->next_cursor.empty()) return out;
    req.cursor = page->next_cursor;
  }
}

std::vector<EventRow> all_events(Processor& p) {
  std::vector<EventRow> out;
  std::uint64_t after = 0;
  for (;;) {
    auto page = p.list_events(std::nullopt, after, 10000);
    if (!page.ok()) throw std::runtime_error(page.status().message());
    if (page->empty()) return out;
    after = page->back().seq;
    out.insert(out.end(), page->begin(), page->end());
  }
}

std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open";
  }
  std::string result;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      if (!result.empty()) result += "; ";
      result += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
  } else {
    result = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return result;
}

TEST(ProcessorSqliteTest, CreateGetListCancelExpireEndToEnd) {
  TempDir dir;
  const Config config = load_config(dir);
  auto clock = std::make_shared<ManualClock>(from_unix_seconds(1800000000));
  auto p = open_processor(config, clock);

  std::vector<PaymentIntent> created;
  for (int i = 0; i < 5; ++i) {
    auto r = p->create_intent(order("order-" + std::to_string(i), std::to_string(10 + i) + ".50"));
    ASSERT_TRUE(r.ok()) << r.status().message();
    created.push_back(*r);
    clock->advance(1s);
  }
  // Indexes 0, 1, 2, ... of the configured path, spelled as ethers spells
  // them for the same extended key.
  nlohmann::json ask = {
      {"op", "derive"}, {"xpub", kXpub}, {"prefix", "0"}, {"indexes", nlohmann::json::array()}};
  for (const auto& c : created) {
    ASSERT_TRUE(c.deposit_index.has_value());
    ask["indexes"].push_back(*c.deposit_index);
  }
  const auto oracle = usd1pay::testing::run_node_peer("hd_oracle.js", {}, ask.dump() + "\n");
  ASSERT_EQ(oracle.exit_code, 0) << oracle.err;
  const auto children = nlohmann::json::parse(oracle.out)["children"];
  ASSERT_EQ(children.size(), created.size());
  std::set<std::uint32_t> indexes;
  for (std::size_t i = 0; i < created.size(); ++i) {
    EXPECT_EQ(created[i].deposit_address, children[i]["address"].get<std::string>()) << i;
    EXPECT_TRUE(indexes.insert(*created[i].deposit_index).second);
    EXPECT_EQ(created[i].payment_uri,
              "ethereum:0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA@1337/transfer?address=" +
                  created[i].deposit_address +
                  "&uint256=" + created[i].amount_due.base_units().to_decimal());
  }

  // A second Processor on the same file sees the same intents.
  auto p2 = open_processor(config, clock);
  auto got = p2->get_intent(created[2].id);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(intent_to_json(*got), intent_to_json(created[2]));
  EXPECT_EQ(p2->get_intent("pi_" + std::string(24, 'Z')).status().code(), ErrorCode::kNotFound);

  // List: newest first, filters, pages.
  IntentListRequest lr;
  lr.limit = 2;
  auto page1 = p->list_intents(lr);
  ASSERT_TRUE(page1.ok()) << page1.status().message();
  ASSERT_EQ(page1->intents.size(), 2U);
  EXPECT_EQ(page1->intents[0].id, created[4].id);
  EXPECT_EQ(page1->intents[1].id, created[3].id);
  ASSERT_FALSE(page1->next_cursor.empty());
  lr.cursor = page1->next_cursor;
  auto page2 = p->list_intents(lr);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->intents.size(), 2U);
  EXPECT_EQ(page2->intents[0].id, created[2].id);
  IntentListRequest by_order;
  by_order.order_id = "order-1";
  auto one = p->list_intents(by_order);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->intents.size(), 1U);
  EXPECT_EQ(one->intents[0].id, created[1].id);
  IntentListRequest by_time;
  by_time.created_from = created[1].created_at;
  by_time.created_to = created[3].created_at;
  auto range = p->list_intents(by_time);
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->intents.size(), 2U);

  // Cancel one; a second cancel is refused naming the status.
  auto canceled = p->cancel_intent(created[0].id, "clerk");
  ASSERT_TRUE(canceled.ok()) << canceled.status().message();
  EXPECT_EQ(canceled->status, IntentStatus::kCanceled);
  EXPECT_EQ(canceled->version, 2U);
  auto again = p->cancel_intent(created[0].id);
  EXPECT_EQ(again.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("it is canceled"), std::string::npos);

  // Expiry: intent i expires at 1800000000 + i + 900 s. At +902 s (+ 0..4 s of
  // creation spacing already on the clock) intents 1 and 2 are due.
  clock->set(from_unix_seconds(1800000000 + 902));
  auto n = p->expire_due();
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 2U);  // 0 was canceled, 1 and 2 are due, 3 and 4 not yet
  EXPECT_EQ(p->get_intent(created[1].id)->status, IntentStatus::kExpired);
  EXPECT_EQ(p->get_intent(created[3].id)->status, IntentStatus::kRequiresPayment);
  EXPECT_EQ(*p->expire_due(), 0U);
  auto cancel_expired = p->cancel_intent(created[1].id);
  EXPECT_EQ(cancel_expired.status().code(), ErrorCode::kFailedPrecondition);

  // Events: per intent, in order, with actors; the chain verifies.
  auto ev0 = p->list_events(created[0].id);
  ASSERT_TRUE(ev0.ok());
  ASSERT_EQ(ev0->size(), 2U);
  EXPECT_EQ((*ev0)[0].type, "intent.created");
  EXPECT_EQ((*ev0)[0].actor, "api");
  EXPECT_EQ((*ev0)[0].intent_seq, 1U);
  EXPECT_EQ((*ev0)[1].type, "intent.canceled");
  EXPECT_EQ((*ev0)[1].actor, "clerk");
  EXPECT_EQ((*ev0)[1].intent_seq, 2U);
  EXPECT_EQ(nlohmann::json::parse((*ev0)[1].data_json)["intent"]["status"], "canceled");
  auto ev1 = p->list_events(created[1].id);
  ASSERT_TRUE(ev1.ok());
  ASSERT_EQ(ev1->size(), 2U);
  EXPECT_EQ((*ev1)[1].type, "intent.expired");
  EXPECT_EQ((*ev1)[1].actor, "system");
  EXPECT_EQ(all_events(*p).size(), 8U);
  auto audit = p->verify_audit();
  ASSERT_TRUE(audit.ok()) << audit.status().message();
  EXPECT_TRUE(audit->ok) << audit->problem;
  EXPECT_EQ(audit->events_checked, 8U);
  EXPECT_EQ(integrity_check(config.store.path), "ok");
}

TEST(ProcessorSqliteTest, SameKeySameParametersIsOneIntentOtherParametersConflict) {
  TempDir dir;
  auto p = open_processor(load_config(dir));
  auto req = order("order-1");
  req.idempotency_key = "k-1";
  req.metadata_json = R"({"b":1,"a":2})";
  auto a = p->create_intent(req);
  ASSERT_TRUE(a.ok()) << a.status().message();
  req.amount = "25";  // same value, other spelling
  req.metadata_json = R"({"a":2,"b":1})";
  auto b = p->create_intent(req);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->id, a->id);
  EXPECT_EQ(b->deposit_address, a->deposit_address);
  req.amount = "25.01";
  auto c = p->create_intent(req);
  EXPECT_EQ(c.status().code(), ErrorCode::kConflict) << c.status().message();
  EXPECT_EQ(all_intents(*p).size(), 1U);
  EXPECT_EQ(all_events(*p).size(), 1U);
}

TEST(ProcessorSqliteTest, SixteenThreadsOneKeyMakeOneIntentAndOneEvent) {
  TempDir dir;
  auto p = open_processor(load_config(dir));
  constexpr int kThreads = 16;
  std::vector<std::string> ids(kThreads);
  std::vector<std::string> errors(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto req = order("order-race");
      req.idempotency_key = "race-key";
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      auto r = p->create_intent(req);
      if (r.ok()) {
        ids[static_cast<std::size_t>(t)] = r->id;
      } else {
        errors[static_cast<std::size_t>(t)] = r.status().message();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[static_cast<std::size_t>(t)], "") << t;
    EXPECT_EQ(ids[static_cast<std::size_t>(t)], ids[0]) << t;
  }
  EXPECT_EQ(all_intents(*p).size(), 1U);
  const auto events = all_events(*p);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].type, "intent.created");
  EXPECT_EQ(events[0].intent_id, ids[0]);
  EXPECT_TRUE(p->verify_audit()->ok);
}

TEST(ProcessorSqliteTest, TwoProcessesOneKeyMakeOneIntent) {
  TempDir dir;
  const Config config = load_config(dir);
  open_processor(config);  // creates the file, so that both children race on creation only
  int pipes[2][2];
  pid_t pids[2];
  const auto start = std::chrono::system_clock::now() + 300ms;
  for (int c = 0; c < 2; ++c) {
    ASSERT_EQ(pipe(pipes[c]), 0);
    pids[c] = fork();
    ASSERT_GE(pids[c], 0);
    if (pids[c] == 0) {
      close(pipes[c][0]);
      std::string out;
      try {
        auto p = open_processor(config);
        auto req = order("order-two-processes");
        req.idempotency_key = "process-key";
        std::this_thread::sleep_until(start);
        auto r = p->create_intent(req);
        out = r.ok() ? r->id : "error: " + r.status().message();
      } catch (const std::exception& e) {
        out = std::string("error: ") + e.what();
      }
      const ssize_t w = write(pipes[c][1], out.data(), out.size());
      _exit(w == static_cast<ssize_t>(out.size()) ? 0 : 1);
    }
    close(pipes[c][1]);
  }
  std::string results[2];
  for (int c = 0; c < 2; ++c) {
    char buf[512];
    ssize_t n = 0;
    while ((n = read(pipes[c][0], buf, sizeof buf)) > 0) {
      results[c].append(buf, static_cast<std::size_t>(n));
    }
    close(pipes[c][0]);
    int status = 0;
    waitpid(pids[c], &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(results[0].rfind("pi_", 0), 0U) << results[0];
  EXPECT_EQ(results[0], results[1]);
  auto p = open_processor(config);
  EXPECT_EQ(all_intents(*p).size(), 1U);
  EXPECT_EQ(all_events(*p).size(), 1U);
}

// A child creating intents as fast as it can, killed with SIGKILL at a random
// moment, 25 times over one file. Afterwards nothing may be half-written.
TEST(ProcessorSqliteTest, SigkillWhileCreatingLeavesAConsistentStore) {
  TempDir dir;
  const Config config = load_config(dir);
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(5, 80);
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        auto p = open_processor(config);
        for (int i = 0;; ++i) {
          auto req = order("crash-" + std::to_string(round) + "-" + std::to_string(i));
          // Some with keys, so that the unique key index is exercised too.
          if (i % 3 == 0) req.idempotency_key = "crash-key-" + std::to_string(round * 100000 + i);
          if (!p->create_intent(req).ok()) _exit(3);
        }
      } catch (...) {
        _exit(2);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "child exited by itself with " << WEXITSTATUS(status) << " in round " << round;
  }

  EXPECT_EQ(integrity_check(config.store.path), "ok");
  auto p = open_processor(config);
  const auto intents = all_intents(*p);
  const auto events = all_events(*p);
  std::set<std::string> intent_ids;
  std::set<std::uint32_t> indexes;
  std::set<std::string> addresses;
  for (const auto& i : intents) {
    EXPECT_TRUE(intent_ids.insert(i.id).second);
    ASSERT_TRUE(i.deposit_index.has_value());
    EXPECT_TRUE(indexes.insert(*i.deposit_index).second) << "index " << *i.deposit_index;
    EXPECT_TRUE(addresses.insert(i.deposit_address).second) << i.deposit_address;
  }
  std::map<std::string, int> created_events;
  std::uint64_t expected_seq = 1;
  for (const auto& e : events) {
    EXPECT_EQ(e.seq, expected_seq++);
    EXPECT_EQ(e.type, "intent.created");
    ++created_events[e.intent_id];
  }
  EXPECT_EQ(created_events.size(), intent_ids.size());
  for (const auto& id : intent_ids) EXPECT_EQ(created_events[id], 1) << id;
  for (const auto& [id, n] : created_events) EXPECT_EQ(intent_ids.count(id), 1U) << id;
  auto audit = p->verify_audit();
  ASSERT_TRUE(audit.ok()) << audit.status().message();
  EXPECT_TRUE(audit->ok) << audit->problem << " at " << audit->first_bad_seq;
  EXPECT_EQ(audit->events_checked, events.size());
  // The next index is above every one handed out before the crashes.
  auto next = p->create_intent(order("after-crashes"));
  ASSERT_TRUE(next.ok()) << next.status().message();
  if (!indexes.empty()) {
    EXPECT_GT(*next->deposit_index, *indexes.rbegin());
  }
  EXPECT_EQ(addresses.count(next->deposit_address), 0U);
  std::cout << "[ crash ] " << kRounds << " SIGKILLs, " << intents.size()
            << " intents survived, deposit indexes up to " << *next->deposit_index << "\n";
}

}  // namespace
}  // namespace usd1pay
