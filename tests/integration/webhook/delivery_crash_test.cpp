// The delivering process killed with SIGKILL at random points, many times,
// while events flow.
//
// The parent makes the SQLite file, the endpoint (pointing at a receiver it
// runs on 127.0.0.1: mostly 200s, a 500 now and then) and then 30 rounds:
// each re-executes this binary (fork + execve of /proc/self/exe, so no
// SQLite state crosses the fork) as a child running only
// WebhookCrashChild.Run, which starts a dispatcher on its background thread
// and creates intents (and cancels every other one) through the Processor
// as fast as it can; the parent SIGKILLs it a random 20..250 ms after it
// reported ready. Leases are 1 s, so a killed child's deliveries come back
// quickly. Finally the parent delivers what is left with a dispatcher of its
// own and asserts:
//   - every committed event was delivered (delivery succeeded, the receiver
//     got its webhook-id with a 200 at least once);
//   - nothing was delivered for anything not committed: every request the
//     receiver saw carries the exact body of a stored event, under that
//     event's delivery id;
//   - the attempt log is consistent with the receiver: a kill can lose the
//     record of an attempt the receiver saw, never invent one (recorded
//     answers <= received answers, per webhook-id and in total), attempt
//     numbers run 1..n per delivery, and the audit chain verifies.
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
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/temp_dir.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/store.h"
#include "usd1pay/webhook.h"
#include "usd1pay/webhook_dispatcher.h"
#include "webhook_test_support.h"

namespace usd1pay {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Fault;
using testing::Receipt;
using testing::Receiver;
using testing::TempDir;

constexpr const char* kDbVar = "USD1PAY_WEBHOOK_CRASH_DB";
constexpr const char* kReadyVar = "USD1PAY_WEBHOOK_CRASH_READY_FD";
constexpr int kKills = 30;

WebhookDispatcherOptions dispatcher_options(Store* store, HttpTransport* transport) {
  WebhookDispatcherOptions o;
  o.store = store;
  o.transport = transport;
  o.destinations.allow_private_destinations = true;
  o.retry_schedule = {seconds(0), seconds(1), seconds(1), seconds(1), seconds(1),
                      seconds(1), seconds(1), seconds(1), seconds(1), seconds(1)};
  o.workers = 4;
  o.max_in_flight_per_endpoint = 4;
  o.connect_timeout = milliseconds(200);
  o.request_timeout = milliseconds(300);
  o.lease = milliseconds(1000);
  o.poll_interval = milliseconds(5);
  o.log = [](std::string_view) {};  // killed mid-write is fine, but keep stderr quiet
  return o;
}

int run_child(const std::string& db, int ready_fd) {
  auto s = open_sqlite_store({db});
  if (!s.ok()) {
    std::cerr << "child: " << s.status().message() << "\n";
    return 2;
  }
  std::shared_ptr<Store> store(std::move(*s));
  ProcessorOptions po;
  po.config = testing::shop_config(db);
  po.store = store;
  auto processor = Processor::open(po);
  if (!processor.ok()) {
    std::cerr << "child: " << processor.status().message() << "\n";
    return 3;
  }
  auto transport = make_http_transport();
  auto d = WebhookDispatcher::create(dispatcher_options(store.get(), transport.get()));
  if (!d.ok() || !(*d)->start().ok()) return 4;
  if (ready_fd < 0 || !testing::signal_ready(ready_fd)) return 5;
  for (int i = 0;; ++i) {
    CreateIntentRequest r;
    r.order_id = "order-" + std::to_string(::getpid()) + "-" + std::to_string(i);
    r.amount = "5.00";
    auto created = (*processor)->create_intent(r);
    if (!created.ok()) {
      std::cerr << "child: " << created.status().message() << "\n";
      return 6;
    }
    if (i % 2 == 0 && !(*processor)->cancel_intent(created->id).ok()) return 7;
    std::this_thread::sleep_for(milliseconds(2));
  }
}

TEST(WebhookCrashChild, Run) {
  const char* db = std::getenv(kDbVar);
  if (db == nullptr) GTEST_SKIP() << "only run as the child of WebhookCrash.*";
  std::fflush(stdout);
  std::_Exit(run_child(db, testing::ready_fd_from_env(kReadyVar)));
}

testing::SelfChild spawn_child(const std::string& db) {
  testing::SpawnSelfParams p;
  p.gtest_filter = "WebhookCrashChild.Run";
  p.env = {std::string(kDbVar) + "=" + db};
  p.ready_var = kReadyVar;
  return testing::spawn_self(p);
}

TEST(WebhookCrash, KilledAtRandomPointsLosesNothingAndInventsNothing) {
  TempDir dir;
  const std::string db = dir.file("shop.db");
  Receiver receiver([](std::size_t n) { return n % 10 == 3 ? Fault::k500 : Fault::kOk; });
  std::string endpoint_id;
  std::string secret;
  {
    auto s = open_sqlite_store({db});
    ASSERT_TRUE(s.ok()) << to_string(s.status());
    DestinationPolicy open;
    open.allow_private_destinations = true;
    WebhookEndpoints endpoints(**s, SystemClock::instance(), open);
    AddWebhookEndpointParams ap;
    ap.url = receiver.url();
    auto ep = endpoints.add(ap);
    ASSERT_TRUE(ep.ok()) << to_string(ep.status());
    endpoint_id = ep->id;
    secret = ep->secrets.at(0).secret;
  }

  std::mt19937_64 rng(20261121);
  int kills = 0;
  for (int round = 0; round < kKills; ++round) {
    testing::SelfChild child = spawn_child(db);
    ASSERT_GT(child.pid, 0);
    const bool ready = testing::wait_ready(child);
    if (ready) std::this_thread::sleep_for(milliseconds(20 + rng() % 231));
    const int rc = testing::kill_child(child.pid);
    ASSERT_TRUE(ready) << "child exited early with " << rc;
    ASSERT_EQ(rc, 128 + SIGKILL) << "round " << round;
    ++kills;
  }
  EXPECT_EQ(kills, kKills);

  // Deliver what is left (leases of killed children run out after 1 s).
  auto s = open_sqlite_store({db});
  ASSERT_TRUE(s.ok()) << to_string(s.status());
  Store& store = **s;
  auto transport = make_http_transport();
  auto d = WebhookDispatcher::create(dispatcher_options(&store, transport.get()));
  ASSERT_TRUE(d.ok()) << to_string(d.status());
  ListEventsParams le;
  le.limit = 10000;
  auto events = store.list_events(le);
  ASSERT_TRUE(events.ok());
  ASSERT_GT(events->size(), 30U);
  auto deliveries = [&] {
    ListWebhookDeliveriesParams p;
    p.endpoint_id = endpoint_id;
    p.limit = 100000;
    auto r = store.list_webhook_deliveries(p);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<WebhookDeliveryRow>{};
  };
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < until) {
    auto r = (*d)->run_once();
    ASSERT_TRUE(r.ok()) << to_string(r.status());
    const auto all = deliveries();
    done = all.size() == events->size() &&
           std::all_of(all.begin(), all.end(),
                       [](const WebhookDeliveryRow& x) { return x.status == "succeeded"; });
    if (!done && r->attempted == 0) std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(done) << "not every committed event was delivered";
  receiver.stop();

  std::map<std::string, EventRow> event_by_id;
  for (const EventRow& e : *events) event_by_id[e.id] = e;
  std::map<std::string, std::string> delivery_of_event;
  for (const WebhookDeliveryRow& x : deliveries()) delivery_of_event[x.event_id] = x.id;
  const std::vector<Receipt> receipts = receiver.receipts();
  std::map<std::string, std::size_t> ok_by_id;
  std::map<std::string, std::size_t> answered_by_id;
  for (const Receipt& r : receipts) {
    ASSERT_EQ(event_by_id.count(r.event_id), 1U) << "delivered but not committed: " << r.body;
    EXPECT_EQ(r.body, make_webhook_body(event_by_id[r.event_id]));
    EXPECT_EQ(r.id, delivery_of_event[r.event_id]);
    VerifyWebhookParams v;
    v.secrets = {secret};
    v.id = r.id;
    v.timestamp = r.timestamp;
    v.signature = r.signature;
    v.body = r.body;
    v.now = r.at_ms / 1000;
    EXPECT_TRUE(verify_webhook(v).ok());
    if (r.answered == 200) ++ok_by_id[r.id];
    if (r.answered != 0) ++answered_by_id[r.id];
  }
  for (const EventRow& e : *events) {
    EXPECT_GE(ok_by_id[delivery_of_event[e.id]], 1U) << "never received: " << e.type << " " << e.id;
  }

  ListWebhookAttemptsParams la;
  la.endpoint_id = endpoint_id;
  la.limit = 100000;
  auto attempts = store.list_webhook_attempts(la);
  ASSERT_TRUE(attempts.ok());
  std::map<std::string, std::vector<std::uint32_t>> numbers;
  std::map<std::string, std::size_t> recorded_ok;
  std::map<std::string, std::size_t> recorded_answered;
  std::size_t total_recorded_answered = 0;
  std::size_t total_answered = 0;
  for (const WebhookAttemptRow& a : *attempts) {
    numbers[a.delivery_id].push_back(a.number);
    if (a.http_status == 200) ++recorded_ok[a.delivery_id];
    if (a.http_status != 0) {
      ++recorded_answered[a.delivery_id];
      ++total_recorded_answered;
    }
  }
  for (const auto& [id, n] : answered_by_id) total_answered += n;
  EXPECT_LE(total_recorded_answered, total_answered);
  for (const auto& [id, n] : recorded_answered) {
    EXPECT_LE(n, answered_by_id[id]) << "an attempt the receiver never saw: " << id;
    EXPECT_LE(recorded_ok[id], ok_by_id[id]) << id;
  }
  for (auto& [id, ns] : numbers) {
    std::sort(ns.begin(), ns.end());
    for (std::size_t i = 0; i < ns.size(); ++i) EXPECT_EQ(ns[i], i + 1) << id;
  }
  auto audit = store.verify_audit_chain({});
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok) << audit->problem;
  std::cout << "kills " << kills << ", events " << events->size() << ", requests "
            << receipts.size() << ", attempts recorded " << attempts->size() << "\n";
}

}  // namespace
}  // namespace usd1pay
