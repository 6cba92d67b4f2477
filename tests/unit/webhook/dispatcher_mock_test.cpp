// The WebhookDispatcher against a trompeloeil MockHttpTransport, a real
// SQLite store in a TempDir, a ManualClock and a fixed jitter source: no
// network and no sleeping. Every request the dispatcher makes is recorded
// (destination, headers, body, clock time) and answered by a per-test script.
//
// Covered: the whole default retry schedule with the jitter at both ends of
// its range, dead-lettering after the last delay, 3xx counted as failure, no
// response, Retry-After (seconds, HTTP date, capped at 24 h, ignored when
// unreadable or earlier than the schedule), 410 Gone (endpoint disabled,
// delivery held, later events held, enable resumes in order), per-intent
// ordering, fairness between a failing and a healthy endpoint, filters,
// disabled endpoints holding their deliveries, secret rotation (two
// signatures in the grace period, one after), replay (same webhook-id), the
// destination guard at every attempt, the exact headers and body, a
// transport that throws, option validation, and the background loop.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <gtest/trompeloeil.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/temp_dir.h"
#include "usd1pay/clock.h"
#include "usd1pay/id.h"
#include "usd1pay/mocks/http_transport_mock.h"
#include "usd1pay/mocks/store_mock.h"
#include "usd1pay/store.h"
#include "usd1pay/version.h"
#include "usd1pay/webhook.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {
namespace {

using mocks::http_answer;
using mocks::http_no_response;
using mocks::request_header;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::TempDir;
using trompeloeil::_;

constexpr std::int64_t kStartMs = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr const char* kChain = "eip155:1";

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

struct Sent {
  HttpPostParams params;
  std::int64_t at_ms = 0;
};

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() : clock_(TimePoint(milliseconds(kStartMs))) {}

  void SetUp() override {
    SqliteStoreOptions so;
    so.path = dir_.file("store.db");
    auto s = open_sqlite_store(so);
    ASSERT_TRUE(s.ok()) << to_string(s.status());
    store_ = std::move(s).value();
    DestinationPolicy open;
    open.allow_private_destinations = true;
    endpoints_ = std::make_unique<WebhookEndpoints>(*store_, clock_, open);
  }

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<milliseconds>(clock_.now().time_since_epoch()).count();
  }

  Result<HttpPostResult> on_post(const HttpPostParams& p) {
    std::function<Result<HttpPostResult>(const HttpPostParams&)> answer;
    {
      std::lock_guard<std::mutex> l(mu_);
      sent_.push_back(Sent{p, now_ms()});
      answer = answer_;
    }
    return answer(p);
  }

  std::vector<Sent> sent() {
    std::lock_guard<std::mutex> l(mu_);
    return sent_;
  }
  void clear_sent() {
    std::lock_guard<std::mutex> l(mu_);
    sent_.clear();
  }
  void answer_all(std::function<Result<HttpPostResult>(const HttpPostParams&)> f) {
    std::lock_guard<std::mutex> l(mu_);
    answer_ = std::move(f);
  }
  void answer_all(int status, std::vector<std::pair<std::string, std::string>> headers = {}) {
    answer_all([status, headers](const HttpPostParams&) { return http_answer(status, headers); });
  }

  std::unique_ptr<WebhookDispatcher> dispatcher(
      const std::function<void(WebhookDispatcherOptions&)>& tweak = {}) {
    WebhookDispatcherOptions o;
    o.store = store_.get();
    o.transport = &http_;
    o.clock = &clock_;
    o.destinations.allow_private_destinations = true;
    o.random = [this] { return random_; };
    o.workers = 4;
    o.max_in_flight_per_endpoint = 2;
    o.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> l(mu_);
      logs_.emplace_back(line);
    };
    if (tweak) tweak(o);
    auto d = WebhookDispatcher::create(std::move(o));
    EXPECT_TRUE(d.ok()) << to_string(d.status());
    return d.ok() ? std::move(d).value() : nullptr;
  }

  WebhookEndpointRow add_endpoint(const std::string& path, std::vector<std::string> filters = {},
                                  const std::string& secret = "", bool enabled = true) {
    AddWebhookEndpointParams p;
    p.url = "http://127.0.0.1:8080" + path;
    p.event_types = std::move(filters);
    p.secret = secret;
    p.enabled = enabled;
    auto e = endpoints_->add(p);
    EXPECT_TRUE(e.ok()) << to_string(e.status());
    return e.ok() ? *e : WebhookEndpointRow{};
  }

  // A new intent (its intent.created event); returns its id.
  std::string create_intent() {
    const std::string id = new_id(kIntentIdPrefix);
    CreateIntentParams p;
    IntentRow& r = p.intent;
    r.id = id;
    r.order_id = "order-" + id;
    r.status = "requires_payment";
    r.chain = kChain;
    r.token_symbol = "USD1";
    r.token_contract = "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d";
    r.token_decimals = 18;
    r.amount = "25.00";
    r.currency = "USD";
    r.amount_base_units = "25000000000000000000";
    r.strategy = "xpub";
    r.deposit_address = "0x000000000000000000000000000000000000dEaD";
    r.deposit_index = next_index_++;
    r.payment_uri = "ethereum:0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d@1/transfer";
    r.metadata_json = "{}";
    r.request_hash = "rh";
    r.created_at_ms = now_ms();
    r.updated_at_ms = now_ms();
    r.expires_at_ms = now_ms() + 900000;
    p.created.id = new_id(kEventIdPrefix);
    p.created.type = "intent.created";
    p.created.actor = "api:test";
    p.created.created_at_ms = now_ms();
    p.created.data_json = R"({"id":")" + id + R"("})";
    auto c = store_->create_intent(p);
    EXPECT_TRUE(c.ok()) << to_string(c.status());
    return id;
  }

  // Appends an event (about `intent_id`, or about no intent when "");
  // returns its id.
  std::string add_event(const std::string& intent_id, const std::string& type) {
    ApplyScanParams p;
    p.chain = kChain;
    p.expected_next_block = cursor_;
    p.new_next_block = cursor_.value_or(0) + 1;
    NewIntentEvent e;
    e.intent_id = intent_id;
    e.event.id = new_id(kEventIdPrefix);
    e.event.type = type;
    e.event.actor = "tracker";
    e.event.created_at_ms = now_ms();
    e.event.data_json = R"({"n":)" + std::to_string(p.new_next_block) + "}";
    p.events.push_back(e);
    p.at_ms = now_ms();
    const Status s = store_->apply_scan(p);
    EXPECT_TRUE(s.ok()) << to_string(s);
    cursor_ = p.new_next_block;
    return e.event.id;
  }

  EventRow event(const std::string& id) {
    GetEventParams g;
    g.id = id;
    auto e = store_->get_event(g);
    EXPECT_TRUE(e.ok()) << to_string(e.status());
    return e.ok() ? *e : EventRow{};
  }

  std::vector<WebhookDeliveryRow> deliveries(std::optional<std::string> endpoint = {},
                                             std::optional<std::string> event_id = {}) {
    ListWebhookDeliveriesParams p;
    p.endpoint_id = std::move(endpoint);
    p.event_id = std::move(event_id);
    auto d = store_->list_webhook_deliveries(p);
    EXPECT_TRUE(d.ok()) << to_string(d.status());
    return d.ok() ? *d : std::vector<WebhookDeliveryRow>{};
  }

  WebhookDeliveryRow delivery_of(const std::string& event_id) {
    auto d = deliveries({}, event_id);
    EXPECT_EQ(d.size(), 1U) << event_id;
    return d.empty() ? WebhookDeliveryRow{} : d.front();
  }

  std::vector<WebhookAttemptRow> attempts(const std::string& delivery_id) {
    ListWebhookAttemptsParams p;
    p.delivery_id = delivery_id;
    auto a = store_->list_webhook_attempts(p);
    EXPECT_TRUE(a.ok()) << to_string(a.status());
    return a.ok() ? *a : std::vector<WebhookAttemptRow>{};
  }

  DispatchReport pass(WebhookDispatcher& d) {
    auto r = d.run_once();
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    return r.ok() ? *r : DispatchReport{};
  }

  // The event ids of the bodies sent, in order.
  // The ids of an intent's events, oldest first.
  std::vector<std::string> event_ids_of(const std::string& intent_id) {
    ListEventsParams p;
    p.intent_id = intent_id;
    auto e = store_->list_events(p);
    EXPECT_TRUE(e.ok()) << to_string(e.status());
    std::vector<std::string> ids;
    if (e.ok()) {
      for (const EventRow& r : *e) ids.push_back(r.id);
    }
    return ids;
  }

  std::vector<std::string> sent_event_ids() {
    std::vector<std::string> ids;
    for (const Sent& s : sent()) {
      const std::string& b = s.params.body;
      const std::size_t at = b.find("\"id\":\"") + 6;
      ids.push_back(b.substr(at, b.find('"', at) - at));
    }
    return ids;
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<WebhookEndpoints> endpoints_;
  std::optional<std::uint64_t> cursor_;
  std::uint32_t next_index_ = 0;
  double random_ = 0.5;  // jitter factor exactly 1

  std::mutex mu_;
  std::vector<Sent> sent_;
  std::vector<std::string> logs_;
  std::function<Result<HttpPostResult>(const HttpPostParams&)> answer_ = [](const HttpPostParams&) {
    return http_answer(200);
  };
  mocks::MockHttpTransport http_;
  std::unique_ptr<trompeloeil::expectation> allow_ =
      NAMED_ALLOW_CALL(http_, post(_)).LR_RETURN(on_post(_1));
};

// ---------------------------------------------------------------- schedule

// Walks a delivery that always gets a 500 through the default schedule:
// each attempt happens exactly when due (not a millisecond earlier), after
// the last delay it is dead-lettered, and nothing is sent after that.
class ScheduleTest : public DispatcherTest {
 protected:
  void walk(double random, double factor) {
    random_ = random;
    answer_all(500);
    const WebhookEndpointRow ep = add_endpoint("/hook");
    add_event("", "payment.unmatched");
    auto d = dispatcher();
    const auto schedule = default_webhook_retry_schedule();
    DispatchReport r = pass(*d);
    EXPECT_EQ(r.enqueued, 1U);
    EXPECT_EQ(r.attempted, 1U);
    EXPECT_EQ(r.retried, 1U);
    std::vector<std::int64_t> sent_at = {kStartMs};
    for (std::size_t k = 0; k < schedule.size(); ++k) {
      const auto delay = std::llround(static_cast<double>(schedule[k].count()) * 1000.0 * factor);
      // One millisecond early: nothing is due.
      clock_.set(TimePoint(milliseconds(sent_at.back() + delay - 1)));
      r = pass(*d);
      EXPECT_EQ(r.attempted, 0U) << "attempt " << k + 2 << " came early";
      clock_.advance(milliseconds(1));
      r = pass(*d);
      ASSERT_EQ(r.attempted, 1U) << "attempt " << k + 2 << " not made when due";
      sent_at.push_back(now_ms());
      if (k + 1 < schedule.size()) {
        EXPECT_EQ(r.retried, 1U);
      } else {
        EXPECT_EQ(r.dead_lettered, 1U);
      }
    }
    const auto all = sent();
    ASSERT_EQ(all.size(), schedule.size() + 1);
    for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].at_ms, sent_at[i]) << i;
    const std::string first_event = sent_event_ids().front();
    const WebhookDeliveryRow dl = delivery_of(first_event);
    EXPECT_EQ(dl.status, "failed");
    EXPECT_EQ(dl.total_attempts, schedule.size() + 1);
    EXPECT_NE(dl.completed_at_ms, 0);
    const auto at = attempts(dl.id);
    ASSERT_EQ(at.size(), schedule.size() + 1);
    for (std::size_t i = 0; i < at.size(); ++i) {
      EXPECT_EQ(at[i].number, i + 1);
      EXPECT_EQ(at[i].http_status, 500);
      EXPECT_EQ(at[i].error, "http status 500");
      EXPECT_EQ(at[i].outcome, i + 1 < at.size() ? "retry" : "failed");
      EXPECT_EQ(at[i].started_at_ms, sent_at[i]);
      EXPECT_EQ(at[i].endpoint_id, ep.id);
    }
    // Dead-lettered: nothing more, even two days later.
    clock_.advance(hours(48));
    EXPECT_EQ(pass(*d).attempted, 0U);
    EXPECT_EQ(sent().size(), schedule.size() + 1);
  }
};

TEST_F(ScheduleTest, DefaultScheduleWithoutJitterThenDeadLetter) {
  walk(0.5, 1.0);
}

TEST_F(ScheduleTest, JitterAtItsLowerBound) {
  walk(0.0, 0.9);
}

TEST_F(ScheduleTest, JitterNearItsUpperBound) {
  // random() just below 1 gives a factor just below 1.1.
  const double r = 0.999999;
  walk(r, 1.0 + 0.1 * (2.0 * r - 1.0));
}

TEST_F(DispatcherTest, DeadLetteredDeliveryReleasesTheNextOfItsIntent) {
  answer_all(500);
  add_endpoint("/hook");
  const std::string pi = create_intent();
  const std::string second = add_event(pi, "intent.processing");
  auto d = dispatcher([](WebhookDispatcherOptions& o) { o.retry_schedule = {seconds(1)}; });
  EXPECT_EQ(pass(*d).attempted, 1U);  // created fails; processing waits behind it
  clock_.advance(seconds(1));
  answer_all([&](const HttpPostParams& p) {
    return contains(p.body, "intent.created") ? http_answer(502) : http_answer(200);
  });
  DispatchReport r = pass(*d);
  EXPECT_EQ(r.dead_lettered, 1U);
  r = pass(*d);  // the next event of the intent goes now
  EXPECT_EQ(r.succeeded, 1U);
  EXPECT_EQ(delivery_of(second).status, "succeeded");
}

TEST_F(DispatcherTest, CustomScheduleZeroDelayRetriesAtOnce) {
  answer_all(503);
  add_endpoint("/hook");
  add_event("", "payment.unmatched");
  auto d = dispatcher([](WebhookDispatcherOptions& o) {
    o.retry_schedule = {seconds(0), seconds(0)};
  });
  auto r = d->drain(seconds(10));
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->attempted, 3U);
  EXPECT_EQ(r->dead_lettered, 1U);
  EXPECT_EQ(sent().size(), 3U);
}

// ---------------------------------------------------------------- classification

TEST_F(DispatcherTest, RedirectIsAFailure) {
  answer_all(302, {{"location", "https://elsewhere.example/"}});
  add_endpoint("/hook");
  const std::string ev = add_event("", "payment.unmatched");
  auto d = dispatcher();
  const DispatchReport r = pass(*d);
  EXPECT_EQ(r.retried, 1U);
  EXPECT_EQ(r.succeeded, 0U);
  const auto dl = delivery_of(ev);
  EXPECT_EQ(dl.status, "pending");
  EXPECT_EQ(dl.last_http_status, 302);
  EXPECT_EQ(dl.next_attempt_at_ms, kStartMs + 5000);
  const auto at = attempts(dl.id);
  ASSERT_EQ(at.size(), 1U);
  EXPECT_EQ(at[0].outcome, "retry");
  EXPECT_EQ(at[0].http_status, 302);
  EXPECT_EQ(at[0].error, "http status 302 (redirects are not followed)");
}

TEST_F(DispatcherTest, EveryTwoHundredIsSuccessAndOthersAreNot) {
  for (int status : {200, 201, 202, 204, 299, 100, 199, 300, 304, 400, 404, 429, 500, 599}) {
    SCOPED_TRACE(status);
    answer_all(status);
    const WebhookEndpointRow ep = add_endpoint("/s" + std::to_string(status));
    const std::string ev = add_event("", "payment.unmatched");
    auto d = dispatcher();
    pass(*d);
    const auto dl = deliveries(ep.id);
    ASSERT_EQ(dl.size(), 1U);
    EXPECT_EQ(dl[0].status, status >= 200 && status <= 299 ? "succeeded" : "pending");
    EXPECT_EQ(dl[0].last_http_status, status);
    endpoints_->disable(ep.id);  // keeps the next round to its own endpoint
  }
}

TEST_F(DispatcherTest, NoResponseIsRecordedWithTheTransportsMessage) {
  answer_all([](const HttpPostParams&) { return http_no_response("http: connect: refused"); });
  add_endpoint("/hook");
  const std::string ev = add_event("", "payment.unmatched");
  auto d = dispatcher();
  EXPECT_EQ(pass(*d).retried, 1U);
  const auto at = attempts(delivery_of(ev).id);
  ASSERT_EQ(at.size(), 1U);
  EXPECT_EQ(at[0].http_status, 0);
  EXPECT_EQ(at[0].error, "http: connect: refused");
  EXPECT_EQ(at[0].outcome, "retry");
}

TEST_F(DispatcherTest, ThrowingTransportIsAFailedAttemptNotACrash) {
  answer_all(
      [](const HttpPostParams&) -> Result<HttpPostResult> { throw std::runtime_error("boom"); });
  add_endpoint("/hook");
  const std::string ev = add_event("", "payment.unmatched");
  auto d = dispatcher();
  EXPECT_EQ(pass(*d).retried, 1U);
  const auto at = attempts(delivery_of(ev).id);
  ASSERT_EQ(at.size(), 1U);
  EXPECT_EQ(at[0].error, "http transport threw: boom");
}

TEST_F(DispatcherTest, ResponseExcerptIsKeptUpTo1024Bytes) {
  answer_all([](const HttpPostParams&) { return http_answer(500, {}, std::string(3000, 'x')); });
  add_endpoint("/hook");
  const std::string ev = add_event("", "payment.unmatched");
  auto d = dispatcher();
  pass(*d);
  const auto at = attempts(delivery_of(ev).id);
  ASSERT_EQ(at.size(), 1U);
  EXPECT_EQ(at[0].response_excerpt, std::string(1024, 'x'));
}

// ---------------------------------------------------------------- Retry-After

struct RetryAfterCase {
  std::string value;
  std::int64_t expected_delay_ms;  // from the attempt's end
};

TEST_F(DispatcherTest, RetryAfterPushesTheNextAttemptLaterNeverEarlier) {
  const std::vector<RetryAfterCase> cases = {
      {"600", 600000},                                    // later than 5 s: honoured
      {" 120 ", 120000},                                  // whitespace around
      {"2", 5000},                                        // earlier than the schedule: schedule
      {"Thu, 01 Jan 2026 01:00:00 GMT", 3600000},         // IMF-fixdate, 1 h ahead
      {"Thursday, 01-Jan-26 00:30:00 GMT", 1800000},      // RFC 850
      {"Thu Jan  1 00:10:00 2026", 600000},               // asctime
      {"Wed, 31 Dec 2025 23:00:00 GMT", 5000},            // in the past: schedule
      {"259200", 24 * 3600000LL},                         // 3 days: capped at 24 h
      {"99999999999999999999", 24 * 3600000LL},           // huge: capped
      {"Sat, 01 Jan 2028 00:00:00 GMT", 24 * 3600000LL},  // far date: capped
      {"soon", 5000},                                     // unreadable: schedule
      {"-5", 5000},
      {"Thu, 32 Jan 2026 01:00:00 GMT", 5000},  // no such day
      {"", 5000},
  };
  for (const RetryAfterCase& c : cases) {
    SCOPED_TRACE(c.value);
    clock_.set(TimePoint(milliseconds(kStartMs)));
    answer_all(503, {{"retry-after", c.value}});
    const WebhookEndpointRow ep = add_endpoint("/ra");
    add_event("", "payment.unmatched");
    auto d = dispatcher();
    EXPECT_EQ(pass(*d).retried, 1U);
    const auto dl = deliveries(ep.id);
    ASSERT_EQ(dl.size(), 1U);
    EXPECT_EQ(dl[0].next_attempt_at_ms, kStartMs + c.expected_delay_ms);
    endpoints_->disable(ep.id);
  }
}

TEST_F(DispatcherTest, RetryAfterDoesNotAddAttemptsBeyondTheSchedule) {
  answer_all(503, {{"retry-after", "60"}});
  add_endpoint("/hook");
  const std::string ev = add_event("", "payment.unmatched");
  auto d = dispatcher([](WebhookDispatcherOptions& o) { o.retry_schedule = {seconds(1)}; });
  EXPECT_EQ(pass(*d).retried, 1U);
  EXPECT_EQ(delivery_of(ev).next_attempt_at_ms, kStartMs + 60000);
  clock_.advance(seconds(59));
  EXPECT_EQ(pass(*d).attempted, 0U);
  clock_.advance(seconds(1));
  EXPECT_EQ(pass(*d).dead_lettered, 1U);
  EXPECT_EQ(delivery_of(ev).status, "failed");
}

// ---------------------------------------------------------------- 410 Gone

TEST_F(DispatcherTest, GoneDisablesTheEndpointAndHoldsItsDeliveriesUntilEnabled) {
  answer_all(410);
  const WebhookEndpointRow ep = add_endpoint("/hook");
  const WebhookEndpointRow other = add_endpoint("/other");
  const std::string e1 = add_event("", "payment.unmatched");
  auto d = dispatcher();
  answer_all([&](const HttpPostParams& p) {
    return p.destination.url.path_and_query == "/hook" ? http_answer(410) : http_answer(200);
  });
  DispatchReport r = pass(*d);
  EXPECT_EQ(r.endpoints_disabled, 1U);
  EXPECT_EQ(r.succeeded, 1U);  // the other endpoint is not affected
  auto got = endpoints_->get(ep.id);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->enabled);
  EXPECT_EQ(got->disabled_reason, "410 Gone at 2026-01-01T00:00:00Z");
  EXPECT_TRUE(endpoints_->get(other.id)->enabled);
  const auto held = deliveries(ep.id);
  ASSERT_EQ(held.size(), 1U);
  EXPECT_EQ(held[0].status, "pending");
  const auto at = attempts(held[0].id);
  ASSERT_EQ(at.size(), 1U);
  EXPECT_EQ(at[0].outcome, "gone");
  EXPECT_EQ(at[0].http_status, 410);

  // Later events are queued for the disabled endpoint but not sent.
  const std::string e2 = add_event("", "payment.unmatched");
  clear_sent();
  clock_.advance(hours(48));
  r = pass(*d);
  EXPECT_EQ(r.succeeded, 1U);  // e2 to the other endpoint only
  for (const Sent& s : sent()) EXPECT_EQ(s.params.destination.url.path_and_query, "/other");
  EXPECT_EQ(deliveries(ep.id).size(), 2U);

  // Enabled again: both go, in order.
  clear_sent();
  answer_all(200);
  ASSERT_TRUE(endpoints_->enable(ep.id).ok());
  auto all = d->drain(seconds(10));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->succeeded, 2U);
  auto ids = sent_event_ids();
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> expected = {e1, e2};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ids, expected);
  for (const auto& dl : deliveries(ep.id)) EXPECT_EQ(dl.status, "succeeded");
}

TEST_F(DispatcherTest, EndpointCreatedDisabledHoldsItsDeliveries) {
  const WebhookEndpointRow ep = add_endpoint("/hook", {}, "", /*enabled=*/false);
  const std::string ev = add_event("", "payment.unmatched");
  auto d = dispatcher();
  const DispatchReport r = pass(*d);
  EXPECT_EQ(r.enqueued, 1U);
  EXPECT_EQ(r.attempted, 0U);
  ASSERT_TRUE(endpoints_->enable(ep.id).ok());
  EXPECT_EQ(pass(*d).succeeded, 1U);
  EXPECT_EQ(delivery_of(ev).status, "succeeded");
}

// ---------------------------------------------------------------- ordering, fairness

TEST_F(DispatcherTest, LaterEventOfAnIntentWaitsWhileAnEarlierOneRetries) {
  add_endpoint("/hook");
  const std::string a = create_intent();
  const std::string a2 = add_event(a, "intent.processing");
  const std::string a3 = add_event(a, "intent.succeeded");
  const std::string b = create_intent();
  const std::string b2 = add_event(b, "intent.processing");
  const std::string unordered = add_event("", "payment.unmatched");
  const std::string a_created = event_ids_of(a).front();
  bool failed_once = false;
  answer_all([&](const HttpPostParams& p) {
    if (contains(p.body, a_created) && !failed_once) {
      failed_once = true;
      return http_answer(500);
    }
    return http_answer(200);
  });
  auto d = dispatcher([](WebhookDispatcherOptions& o) {
    o.workers = 8;
    o.max_in_flight_per_endpoint = 8;
  });
  // Pass 1: a's created (fails), b's created, the unordered one.
  pass(*d);
  auto ids = sent_event_ids();
  EXPECT_EQ(ids.size(), 3U);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), a2), 0);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), unordered), 1);
  // Pass 2: b's next goes; a's are held behind the retrying one.
  clear_sent();
  pass(*d);
  EXPECT_EQ(sent_event_ids(), std::vector<std::string>{b2});
  clear_sent();
  EXPECT_EQ(pass(*d).attempted, 0U);
  // Due again: a's created succeeds, then a2, then a3, one per pass.
  clock_.advance(seconds(5));
  for (const std::string& next : {a_created, a2, a3}) {
    clear_sent();
    pass(*d);
    EXPECT_EQ(sent_event_ids(), std::vector<std::string>{next});
  }
  for (const auto& dl : deliveries()) EXPECT_EQ(dl.status, "succeeded") << dl.event_id;
}

TEST_F(DispatcherTest, AFailingEndpointDoesNotStarveAHealthyOne) {
  const WebhookEndpointRow bad = add_endpoint("/bad");
  const WebhookEndpointRow good = add_endpoint("/good");
  for (int i = 0; i < 6; ++i) add_event("", "payment.unmatched");
  answer_all([](const HttpPostParams& p) {
    return p.destination.url.path_and_query == "/bad" ? http_answer(500) : http_answer(200);
  });
  auto d = dispatcher([](WebhookDispatcherOptions& o) {
    o.workers = 4;
    o.max_in_flight_per_endpoint = 2;
  });
  // Every pass leases at most 2 per endpoint: the good one gets its share
  // even though the bad one has six due deliveries as well.
  for (int i = 0; i < 3; ++i) {
    clear_sent();
    pass(*d);
    const auto s = sent();
    EXPECT_EQ(std::count_if(
                  s.begin(), s.end(),
                  [](const Sent& x) { return x.params.destination.url.path_and_query == "/good"; }),
              2)
        << "pass " << i;
  }
  for (const auto& dl : deliveries(good.id)) EXPECT_EQ(dl.status, "succeeded");
  for (const auto& dl : deliveries(bad.id)) EXPECT_EQ(dl.status, "pending");
}

// ---------------------------------------------------------------- filters

TEST_F(DispatcherTest, FiltersChooseTheEventsAnEndpointReceives) {
  const WebhookEndpointRow all = add_endpoint("/all");
  const WebhookEndpointRow payments = add_endpoint("/payments", {"payment.*"});
  const WebhookEndpointRow success = add_endpoint("/success", {"intent.succeeded"});
  const std::string pi = create_intent();
  add_event(pi, "payment.detected");
  add_event(pi, "payment.confirmed");
  add_event(pi, "intent.succeeded");
  auto d = dispatcher();
  auto r = d->drain(seconds(10));
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->enqueued, 4U + 2U + 1U);
  auto types = [&](const std::string& id) {
    std::vector<std::string> t;
    for (const auto& dl : deliveries(id)) t.push_back(dl.event_type);
    return t;
  };
  EXPECT_EQ(types(all.id), (std::vector<std::string>{"intent.created", "payment.detected",
                                                     "payment.confirmed", "intent.succeeded"}));
  EXPECT_EQ(types(payments.id),
            (std::vector<std::string>{"payment.detected", "payment.confirmed"}));
  EXPECT_EQ(types(success.id), (std::vector<std::string>{"intent.succeeded"}));
  EXPECT_EQ(sent().size(), 7U);
}

TEST_F(DispatcherTest, AnEndpointReceivesOnlyEventsAfterItExists) {
  add_event("", "payment.unmatched");
  const WebhookEndpointRow ep = add_endpoint("/late");
  const std::string after = add_event("", "payment.unmatched");
  auto d = dispatcher();
  ASSERT_TRUE(d->drain(seconds(10)).ok());
  EXPECT_EQ(sent_event_ids(), std::vector<std::string>{after});
}

// ---------------------------------------------------------------- what is sent

// drain() reads the events of a claimed batch in one range of seqs; each
// body must still be exactly its own event's, for a dense batch (one read)
// and for one spread too far for a range (each worker reads its own event).
TEST_F(DispatcherTest, DrainSendsEachEventsOwnBodyFromADenseBatch) {
  add_endpoint("/all");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    const std::string pi = create_intent();
    ids.push_back(event_ids_of(pi).front());
    ids.push_back(add_event(pi, "payment.detected"));
    ids.push_back(add_event("", "payment.unmatched"));
  }
  auto d = dispatcher([](WebhookDispatcherOptions& o) { o.prefetch = 16; });
  auto r = d->drain(seconds(10));
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->succeeded, ids.size());
  const auto s = sent();
  ASSERT_EQ(s.size(), ids.size());
  std::vector<std::string> seen = sent_event_ids();
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].params.body, make_webhook_body(event(seen[i]))) << seen[i];
  }
  std::sort(seen.begin(), seen.end());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(seen, ids);
}

TEST_F(DispatcherTest, DrainSendsEachEventsOwnBodyFromASpreadBatch) {
  add_endpoint("/unmatched", {"payment.unmatched"});
  const std::string first = add_event("", "payment.unmatched");
  for (int i = 0; i < 70; ++i) create_intent();  // 70 seqs this endpoint skips
  const std::string last = add_event("", "payment.unmatched");
  auto d = dispatcher();
  auto r = d->drain(seconds(10));
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->enqueued, 2U);
  EXPECT_EQ(r->succeeded, 2U);
  const auto s = sent();
  ASSERT_EQ(s.size(), 2U);
  std::vector<std::string> seen = sent_event_ids();
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].params.body, make_webhook_body(event(seen[i]))) << seen[i];
  }
  std::sort(seen.begin(), seen.end());
  std::vector<std::string> want{first, last};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(seen, want);
}

TEST_F(DispatcherTest, HeadersBodyAndDestinationAreExact) {
  const WebhookEndpointRow ep = add_endpoint("/hook?shop=1");
  const std::string ev = add_event("", "payment.unmatched");
  clock_.advance(milliseconds(1500));
  auto d = dispatcher([](WebhookDispatcherOptions& o) {
    o.connect_timeout = milliseconds(1234);
    o.request_timeout = milliseconds(15000);
    o.max_response_bytes = 77;
  });
  pass(*d);
  const auto s = sent();
  ASSERT_EQ(s.size(), 1U);
  const HttpPostParams& p = s[0].params;
  const WebhookDeliveryRow dl = delivery_of(ev);
  EXPECT_EQ(p.body, make_webhook_body(event(ev)));
  EXPECT_EQ(p.content_type, "application/json");
  EXPECT_EQ(p.destination.url.scheme, "http");
  EXPECT_EQ(p.destination.url.host, "127.0.0.1");
  EXPECT_EQ(p.destination.url.port, 8080);
  EXPECT_EQ(p.destination.url.path_and_query, "/hook?shop=1");
  EXPECT_EQ(p.destination.addresses, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(p.connect_timeout, milliseconds(1234));
  EXPECT_EQ(p.request_timeout, milliseconds(15000));
  EXPECT_EQ(p.max_response_bytes, 77U);
  EXPECT_EQ(request_header(p, "webhook-id"), dl.id);
  EXPECT_EQ(dl.id.rfind("msg_", 0), 0U);
  EXPECT_EQ(request_header(p, "webhook-timestamp"), std::to_string(kStartMs / 1000 + 1));
  EXPECT_EQ(request_header(p, "user-agent"), std::string("usd1pay/") + USD1PAY_VERSION_STRING);
  const std::string sig = request_header(p, "webhook-signature");
  EXPECT_EQ(sig.rfind("v1,", 0), 0U);
  EXPECT_EQ(sig.find(' '), std::string::npos);  // one secret, one signature
  // (VerifyWebhookParams holds string_views: keep the strings alive.)
  const std::string id = request_header(p, "webhook-id");
  const std::string ts = request_header(p, "webhook-timestamp");
  VerifyWebhookParams v;
  v.secrets = {ep.secrets.at(0).secret};
  v.id = id;
  v.timestamp = ts;
  v.signature = sig;
  v.body = p.body;
  v.now = kStartMs / 1000 + 1;
  EXPECT_TRUE(verify_webhook(v).ok()) << to_string(verify_webhook(v));
  // Nothing about the secret leaks into what is recorded.
  for (const auto& a : attempts(dl.id)) {
    EXPECT_FALSE(contains(a.error, ep.secrets[0].secret.substr(6)));
  }
}

TEST_F(DispatcherTest, RotationSignsWithBothSecretsDuringTheGraceThenOnlyTheNew) {
  const WebhookEndpointRow ep = add_endpoint("/hook");
  const std::string old_secret = ep.secrets.at(0).secret;
  auto rotated = endpoints_->rotate_secret(ep.id, "", hours(1));
  ASSERT_TRUE(rotated.ok()) << to_string(rotated.status());
  ASSERT_EQ(rotated->secrets.size(), 2U);
  const std::string new_secret = rotated->secrets[0].secret;
  EXPECT_NE(new_secret, old_secret);
  EXPECT_EQ(rotated->secrets[1].expires_at_ms, kStartMs + 3600000);

  add_event("", "payment.unmatched");
  auto d = dispatcher();
  pass(*d);
  clock_.advance(hours(1));  // the old secret's last moment has passed
  add_event("", "payment.unmatched");
  pass(*d);
  const auto s = sent();
  ASSERT_EQ(s.size(), 2U);
  auto verifies = [](const Sent& x, const std::string& secret) {
    VerifyWebhookParams v;
    v.secrets = {secret};
    const std::string id = request_header(x.params, "webhook-id");
    v.id = id;
    const std::string ts = request_header(x.params, "webhook-timestamp");
    v.timestamp = ts;
    const std::string sig = request_header(x.params, "webhook-signature");
    v.signature = sig;
    v.body = x.params.body;
    v.now = x.at_ms / 1000;
    return verify_webhook(v).ok();
  };
  const std::string sig1 = request_header(s[0].params, "webhook-signature");
  EXPECT_EQ(std::count(sig1.begin(), sig1.end(), ' '), 1) << "two signatures in the grace";
  EXPECT_EQ(sig1.substr(0, sig1.find(' ')),
            webhook_signature_v1(ByteView(*decode_webhook_secret(new_secret)),
                                 request_header(s[0].params, "webhook-id"), s[0].at_ms / 1000,
                                 s[0].params.body))
      << "the new (primary) secret signs first";
  EXPECT_TRUE(verifies(s[0], old_secret));
  EXPECT_TRUE(verifies(s[0], new_secret));
  const std::string sig2 = request_header(s[1].params, "webhook-signature");
  EXPECT_EQ(sig2.find(' '), std::string::npos) << "one signature after the grace";
  EXPECT_FALSE(verifies(s[1], old_secret));
  EXPECT_TRUE(verifies(s[1], new_secret));
}

TEST_F(DispatcherTest, ReplaySendsTheSameWebhookIdAgain) {
  const WebhookEndpointRow ep = add_endpoint("/hook");
  const std::string ev = add_event("", "payment.unmatched");
  auto d = dispatcher();
  pass(*d);
  const WebhookDeliveryRow first = delivery_of(ev);
  EXPECT_EQ(first.status, "succeeded");
  clock_.advance(minutes(10));
  auto replayed = endpoints_->replay(ev);
  ASSERT_TRUE(replayed.ok()) << to_string(replayed.status());
  ASSERT_EQ(replayed->size(), 1U);
  EXPECT_EQ((*replayed)[0].id, first.id);
  EXPECT_EQ(pass(*d).succeeded, 1U);
  const auto s = sent();
  ASSERT_EQ(s.size(), 2U);
  EXPECT_EQ(request_header(s[1].params, "webhook-id"), request_header(s[0].params, "webhook-id"));
  EXPECT_EQ(s[1].params.body, s[0].params.body);
  EXPECT_NE(request_header(s[1].params, "webhook-timestamp"),
            request_header(s[0].params, "webhook-timestamp"));
  EXPECT_EQ(delivery_of(ev).total_attempts, 2U);
  EXPECT_EQ(attempts(first.id).size(), 2U);
}

TEST_F(DispatcherTest, ReplayToAnEndpointThatNeverHadTheEvent) {
  const std::string ev = add_event("", "payment.unmatched");
  const WebhookEndpointRow ep = add_endpoint("/new");  // newer than the event
  auto d = dispatcher();
  EXPECT_EQ(pass(*d).attempted, 0U);
  auto replayed = endpoints_->replay(ev, ep.id);
  ASSERT_TRUE(replayed.ok()) << to_string(replayed.status());
  EXPECT_EQ(pass(*d).succeeded, 1U);
  EXPECT_EQ(sent_event_ids(), std::vector<std::string>{ev});
}

TEST_F(DispatcherTest, ReplayRevivesADeadLetter) {
  answer_all(500);
  add_endpoint("/hook");
  const std::string ev = add_event("", "payment.unmatched");
  auto d = dispatcher([](WebhookDispatcherOptions& o) { o.retry_schedule = {seconds(0)}; });
  ASSERT_TRUE(d->drain(seconds(10)).ok());
  EXPECT_EQ(delivery_of(ev).status, "failed");
  answer_all(200);
  ASSERT_TRUE(endpoints_->replay(ev).ok());
  EXPECT_EQ(pass(*d).succeeded, 1U);
  const auto dl = delivery_of(ev);
  EXPECT_EQ(dl.status, "succeeded");
  EXPECT_EQ(dl.total_attempts, 3U);
}

// ---------------------------------------------------------------- destination guard

TEST_F(DispatcherTest, DestinationGuardAtEveryAttemptRecordsARefusal) {
  const WebhookEndpointRow ep = add_endpoint("/hook");  // added with private allowed
  const std::string ev = add_event("", "payment.unmatched");
  FORBID_CALL(http_, post(_));
  auto d = dispatcher(
      [](WebhookDispatcherOptions& o) { o.destinations.allow_private_destinations = false; });
  EXPECT_EQ(pass(*d).retried, 1U);
  const auto at = attempts(delivery_of(ev).id);
  ASSERT_EQ(at.size(), 1U);
  EXPECT_EQ(at[0].http_status, 0);
  EXPECT_EQ(at[0].outcome, "retry");
  EXPECT_TRUE(contains(at[0].error, "127.0.0.1")) << at[0].error;
  EXPECT_TRUE(contains(at[0].error, "loopback")) << at[0].error;
  EXPECT_EQ(sent().size(), 0U);
}

// ---------------------------------------------------------------- options

TEST_F(DispatcherTest, OptionsOutOfRangeAreNamed) {
  struct Case {
    std::function<void(WebhookDispatcherOptions&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](auto& o) { o.store = nullptr; }, "webhook dispatcher: store is required"},
      {[](auto& o) { o.transport = nullptr; }, "webhook dispatcher: transport is required"},
      {[](auto& o) { o.retry_schedule = std::vector<seconds>(51, seconds(1)); },
       "retry_schedule is 51 delays, expected 1..50"},
      {[](auto& o) {
         o.retry_schedule = {seconds(1), seconds(-1)};
       },
       "retry_schedule[1] is -1 s"},
      {[](auto& o) { o.retry_schedule = {hours(24 * 8)}; }, "retry_schedule[0] is 691200 s"},
      {[](auto& o) { o.jitter = 0.6; }, "jitter is 0.6"},
      {[](auto& o) { o.jitter = -0.1; }, "jitter is -0.1"},
      {[](auto& o) { o.jitter = std::nan(""); }, "jitter is"},
      {[](auto& o) { o.workers = 0; }, "workers is 0, expected 1..256"},
      {[](auto& o) { o.workers = 257; }, "workers is 257, expected 1..256"},
      {[](auto& o) { o.max_in_flight_per_endpoint = 0; }, "max_in_flight_per_endpoint is 0"},
      {[](auto& o) { o.max_in_flight_per_endpoint = 5; },
       "max_in_flight_per_endpoint is 5, expected 1..workers (4)"},
      {[](auto& o) { o.connect_timeout = milliseconds(0); }, "connect_timeout is 0 ms"},
      {[](auto& o) { o.request_timeout = milliseconds(99); }, "request_timeout is 99 ms"},
      {[](auto& o) { o.request_timeout = milliseconds(60001); }, "request_timeout is 60001 ms"},
      {[](auto& o) { o.max_response_bytes = 65537; }, "max_response_bytes is 65537"},
      {[](auto& o) { o.lease = milliseconds(25000); },
       "lease is 25000 ms, expected more than connect_timeout + request_timeout (25000 ms)"},
      {[](auto& o) { o.poll_interval = milliseconds(0); }, "poll_interval is 0 ms"},
      {[](auto& o) { o.fanout_batch = 0; }, "fanout_batch is 0"},
      {[](auto& o) { o.fanout_batch = 10001; }, "fanout_batch is 10001"},
      {[](auto& o) { o.prefetch = 0; }, "prefetch is 0, expected 1..16"},
      {[](auto& o) { o.prefetch = 17; }, "prefetch is 17, expected 1..16"},
  };
  for (const Case& c : cases) {
    WebhookDispatcherOptions o;
    o.store = store_.get();
    o.transport = &http_;
    c.edit(o);
    auto d = WebhookDispatcher::create(std::move(o));
    ASSERT_FALSE(d.ok()) << c.message;
    EXPECT_EQ(d.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(contains(d.status().message(), c.message)) << d.status().message();
  }
}

// ---------------------------------------------------------------- background loop

TEST_F(DispatcherTest, BackgroundLoopDeliversAndStopsCleanly) {
  add_endpoint("/hook");
  for (int i = 0; i < 3; ++i) add_event(create_intent(), "intent.processing");
  auto d = dispatcher([](WebhookDispatcherOptions& o) { o.poll_interval = milliseconds(5); });
  ASSERT_TRUE(d->start().ok());
  ASSERT_TRUE(d->start().ok());  // idempotent
  // Real time passes here (the loop's own waits), never the test's clock.
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  while (d->stats().succeeded < 6 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  d->stop();
  d->stop();  // idempotent
  EXPECT_EQ(d->stats().succeeded, 6U);
  EXPECT_EQ(d->stats().attempts, 6U);
  EXPECT_EQ(sent().size(), 6U);
  for (const auto& dl : deliveries()) EXPECT_EQ(dl.status, "succeeded");
  // Per-intent order held under the worker pool too.
  const auto ids = sent_event_ids();
  for (const std::string& later : ids) {
    const EventRow e = event(later);
    if (e.type != "intent.processing") continue;
    const auto it = std::find(ids.begin(), ids.end(), later);
    const std::string created = event_ids_of(e.intent_id).front();
    EXPECT_LT(std::find(ids.begin(), ids.end(), created) - ids.begin(), it - ids.begin());
  }
}

// ---------------------------------------------------------------- the pipeline

// drain() leases ahead (prefetch) but never sends more than
// max_in_flight_per_endpoint to one endpoint at once; every delivery goes
// once, in per-intent order, and every attempt is recorded.
TEST_F(DispatcherTest, DrainLeasesAheadButKeepsThePerEndpointCap) {
  add_endpoint("/a");
  add_endpoint("/b");
  for (int i = 0; i < 12; ++i) {
    const std::string pi = create_intent();
    add_event(pi, "intent.processing");
  }
  std::mutex mu;
  std::map<std::string, int> now_sending;
  std::map<std::string, int> most;
  answer_all([&](const HttpPostParams& p) {
    const std::string path = p.destination.url.path_and_query;
    {
      std::lock_guard<std::mutex> l(mu);
      most[path] = std::max(most[path], ++now_sending[path]);
    }
    // Give the other workers a chance to overlap (a bound is checked, so a
    // slow machine can only hide a fault, never invent one).
    std::this_thread::sleep_for(milliseconds(2));
    {
      std::lock_guard<std::mutex> l(mu);
      --now_sending[path];
    }
    return http_answer(200);
  });
  auto d = dispatcher([](WebhookDispatcherOptions& o) {
    o.workers = 4;
    o.max_in_flight_per_endpoint = 1;
    o.prefetch = 4;
  });
  auto r = d->drain(seconds(30));
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->enqueued, 48U);
  EXPECT_EQ(r->attempted, 48U);
  EXPECT_EQ(r->succeeded, 48U);
  EXPECT_EQ(sent().size(), 48U);
  EXPECT_LE(most["/a"], 1);
  EXPECT_LE(most["/b"], 1);
  for (const auto& dl : deliveries()) {
    EXPECT_EQ(dl.status, "succeeded") << dl.id;
    EXPECT_EQ(dl.total_attempts, 1U) << dl.id;
    EXPECT_EQ(dl.lease_owner, "") << dl.id;
    EXPECT_EQ(attempts(dl.id).size(), 1U) << dl.id;
  }
  // Per-intent order per endpoint: intent.created before intent.processing.
  for (const std::string& path : {std::string("/a"), std::string("/b")}) {
    std::vector<std::string> ids;
    for (const Sent& x : sent()) {
      if (x.params.destination.url.path_and_query != path) continue;
      const std::string body = x.params.body;
      const auto at = body.find("\"id\":\"evt_");
      ids.push_back(body.substr(at + 6, body.find('"', at + 6) - at - 6));
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const EventRow e = event(ids[i]);
      if (e.type != "intent.processing") continue;
      bool created_before = false;
      for (std::size_t j = 0; j < i; ++j) {
        const EventRow c = event(ids[j]);
        if (c.intent_id == e.intent_id && c.type == "intent.created") created_before = true;
      }
      EXPECT_TRUE(created_before) << path << " " << ids[i];
    }
  }
}

// stop() gives back the leases it took ahead and did not use, so a restarted
// dispatcher (or another one) need not wait for them to run out.
TEST_F(DispatcherTest, StopGivesBackLeasesItDidNotUse) {
  add_endpoint("/hook");
  for (int i = 0; i < 8; ++i) add_event("", "payment.unmatched");
  std::mutex mu;
  std::condition_variable cv;
  bool first_in = false;
  bool go = false;
  answer_all([&](const HttpPostParams&) {
    std::unique_lock<std::mutex> l(mu);
    first_in = true;
    cv.notify_all();
    cv.wait(l, [&] { return go; });
    return http_answer(200);
  });
  auto d = dispatcher([](WebhookDispatcherOptions& o) {
    o.workers = 1;
    o.max_in_flight_per_endpoint = 1;
    o.prefetch = 4;
    o.poll_interval = milliseconds(5);
  });
  ASSERT_TRUE(d->start().ok());
  {
    std::unique_lock<std::mutex> l(mu);
    ASSERT_TRUE(cv.wait_for(l, seconds(30), [&] { return first_in; }));
  }
  // One is being sent; more are leased ahead (up to 4).
  std::thread stopper([&] { d->stop(); });
  {
    std::lock_guard<std::mutex> l(mu);
    go = true;
  }
  cv.notify_all();
  stopper.join();
  std::size_t succeeded = 0;
  for (const auto& dl : deliveries()) {
    EXPECT_EQ(dl.lease_owner, "") << dl.id << " still leased after stop()";
    EXPECT_EQ(dl.lease_until_ms, 0) << dl.id;
    if (dl.status == "succeeded") ++succeeded;
  }
  EXPECT_GE(succeeded, 1U);
  EXPECT_EQ(d->stats().attempts, succeeded) << "every attempt made was recorded";
  EXPECT_EQ(sent().size(), succeeded);
}

TEST(DispatcherLoopTest, SurvivesStoreErrorsLogsThemAndBacksOff) {
  mocks::MockStore store;
  mocks::MockHttpTransport http;
  std::atomic<int> calls{0};
  ALLOW_CALL(store, list_webhook_endpoints(_))
      .LR_RETURN(++calls <= 4
                     ? Result<std::vector<WebhookEndpointRow>>(
                           Status(ErrorCode::kIo, "store: disk I/O error"))
                     : Result<std::vector<WebhookEndpointRow>>(std::vector<WebhookEndpointRow>{}));
  ALLOW_CALL(store, claim_webhook_deliveries(_))
      .RETURN(Result<std::vector<WebhookDeliveryRow>>(std::vector<WebhookDeliveryRow>{}));
  FORBID_CALL(http, post(_));
  std::mutex mu;
  std::vector<std::string> logs;
  WebhookDispatcherOptions o;
  o.store = &store;
  o.transport = &http;
  o.poll_interval = milliseconds(1);
  o.log = [&](std::string_view line) {
    std::lock_guard<std::mutex> l(mu);
    logs.emplace_back(line);
  };
  auto d = WebhookDispatcher::create(std::move(o));
  ASSERT_TRUE(d.ok()) << to_string(d.status());
  ASSERT_TRUE((*d)->start().ok());
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  while (calls.load() < 8 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  (*d)->stop();
  EXPECT_GE(calls.load(), 8) << "the loop went on after the errors";
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(logs.size(), 4U);
  const std::vector<std::string> waits = {"1 ms", "2 ms", "4 ms", "8 ms"};
  for (std::size_t i = 0; i < logs.size(); ++i) {
    EXPECT_EQ(logs[i],
              "webhook dispatcher: fan-out: store: disk I/O error (retrying in " + waits[i] + ")");
  }
  EXPECT_EQ((*d)->stats().last_error, "webhook dispatcher: fan-out: store: disk I/O error");
}

}  // namespace
}  // namespace usd1pay
