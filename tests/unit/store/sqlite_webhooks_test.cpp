// The SQLite Store's webhook operations against real database files (no
// mocks): endpoints (create, get, list, update with compare-and-set), the
// delivery queue (enqueue as a fan-out compare-and-set, claim with its
// ordering, cap, disabled-endpoint and lease rules, complete with lease loss),
// replay, the attempt log, get_event, the migration of a version 2 file, and
// threads on separate connections claiming at once.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"
#include "usd1pay/id.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using testing::TempDir;

constexpr std::int64_t kT0 = 1700000000000;

/// A valid typed id: prefix + n in decimal, left-padded with zeros to 24.
std::string make_id(const std::string& prefix, int n) {
  std::string body = std::to_string(n);
  return prefix + std::string(kIdBodyLength - body.size(), '0') + body;
}

std::string we(int n) {
  return make_id("we_", n);
}
std::string msg(int n) {
  return make_id("msg_", n);
}

std::unique_ptr<Store> open_or_die(const std::string& path) {
  SqliteStoreOptions o;
  o.path = path;
  o.synchronous = SqliteSynchronous::kNormal;  // tests: speed over power-loss durability
  auto store = open_sqlite_store(o);
  if (!store.ok()) {
    ADD_FAILURE() << to_string(store.status());
    return nullptr;
  }
  return std::move(store).value();
}

struct Raw {
  explicit Raw(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) ADD_FAILURE() << "raw open " << path;
  }
  ~Raw() { sqlite3_close(db); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;
  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (message != nullptr ? message : "");
    }
    sqlite3_free(message);
  }
  std::string one(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
      return out;
    }
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  /// Every row's column `column`, joined with '\n'.
  std::string all(const std::string& sql, int column) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
      return out;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, column);
      out += (text != nullptr ? reinterpret_cast<const char*>(text) : "") + std::string("\n");
    }
    sqlite3_finalize(stmt);
    return out;
  }
  sqlite3* db = nullptr;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

#define EXPECT_ERROR(expr, want_code, want_text)                                               \
  do {                                                                                         \
    const Status status_ = (expr).status();                                                    \
    EXPECT_EQ(status_.code(), (want_code)) << to_string(status_);                              \
    EXPECT_TRUE(contains(status_.message(), (want_text))) << "message: " << status_.message(); \
  } while (0)

CreateIntentParams intent_params(const std::string& id) {
  CreateIntentParams p;
  IntentRow& r = p.intent;
  r.id = id;
  r.order_id = "order-" + id;
  r.status = "requires_payment";
  r.chain = "eip155:1";
  r.token_symbol = "USD1";
  r.token_contract = "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d";
  r.token_decimals = 18;
  r.amount = "25.00";
  r.currency = "USD";
  r.amount_base_units = "25000000000000000000";
  r.strategy = "static";
  r.deposit_address = "0x000000000000000000000000000000000000dEaD";
  r.metadata_json = "{}";
  r.request_hash = "rh";
  r.created_at_ms = kT0;
  r.updated_at_ms = kT0;
  r.expires_at_ms = kT0 + 900000;
  p.created.id = "evt_created_" + id;
  p.created.type = "intent.created";
  p.created.actor = "api:shop";
  p.created.created_at_ms = kT0;
  p.created.data_json = R"({"id":")" + id + R"("})";
  return p;
}

WebhookEndpointRow endpoint_row(const std::string& id, std::int64_t created_at_ms = kT0) {
  WebhookEndpointRow e;
  e.id = id;
  e.url = "https://shop.example/hooks/" + id;
  e.secrets = {WebhookSecretRow{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", created_at_ms, 0}};
  e.created_at_ms = created_at_ms;
  e.updated_at_ms = created_at_ms;
  return e;
}

WebhookAttemptRow attempt(int http_status, const std::string& outcome,
                          std::int64_t started_at_ms = kT0 + 1000) {
  WebhookAttemptRow a;
  a.started_at_ms = started_at_ms;
  a.latency_ms = 12;
  a.http_status = http_status;
  a.error = http_status >= 200 && http_status < 300 ? "" : "HTTP " + std::to_string(http_status);
  a.response_excerpt = "ok";
  a.outcome = outcome;
  return a;
}

class WebhookStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("store.db");
    store_ = open_or_die(path_);
    ASSERT_NE(store_, nullptr);
  }

  /// Appends an event (about `intent_id`, created on first use; "" = about
  /// no intent) and returns it as stored.
  EventRow add_event(const std::string& intent_id, const std::string& type = "payment.detected") {
    if (!intent_id.empty() && intents_.insert(intent_id).second) {
      auto created = store_->create_intent(intent_params(intent_id));
      EXPECT_TRUE(created.ok()) << to_string(created.status());
    }
    ApplyScanParams p;
    p.chain = "eip155:1";
    if (cursor_ > 0) p.expected_next_block = cursor_;
    p.new_next_block = cursor_ + 1;
    NewIntentEvent e;
    e.intent_id = intent_id;
    e.event.id = "evt_" + std::to_string(++events_);
    e.event.type = type;
    e.event.actor = "tracker";
    e.event.created_at_ms = kT0 + events_;
    p.events = {e};
    const Status s = store_->apply_scan(p);
    EXPECT_TRUE(s.ok()) << to_string(s);
    ++cursor_;
    auto row = store_->get_event({e.event.id});
    EXPECT_TRUE(row.ok()) << to_string(row.status());
    return row.ok() ? *row : EventRow{};
  }

  WebhookEndpointRow create_endpoint(const std::string& id, bool enabled = true) {
    WebhookEndpointRow e = endpoint_row(id);
    e.enabled = enabled;
    if (!enabled) e.disabled_reason = "disabled by operator";
    auto r = store_->create_webhook_endpoint({e});
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    return r.ok() ? *r : WebhookEndpointRow{};
  }

  WebhookDeliveryRow delivery_of(const EventRow& e, std::int64_t due = kT0) {
    WebhookDeliveryRow d;
    d.id = msg(++deliveries_);
    d.event_id = e.id;
    d.event_seq = e.seq;
    d.event_type = e.type;
    d.intent_id = e.intent_id;
    d.next_attempt_at_ms = due;
    return d;
  }

  /// Fans `events` out to the endpoint (due at `due`), moving its fanout_seq
  /// to the last one's seq. Returns the deliveries, as listed.
  std::vector<WebhookDeliveryRow> enqueue(const std::string& endpoint_id,
                                          const std::vector<EventRow>& events,
                                          std::int64_t due = kT0) {
    auto endpoint = store_->get_webhook_endpoint({endpoint_id});
    EXPECT_TRUE(endpoint.ok()) << to_string(endpoint.status());
    if (!endpoint.ok()) return {};
    EnqueueWebhookDeliveriesParams p;
    p.endpoint_id = endpoint_id;
    p.expected_fanout_seq = endpoint->fanout_seq;
    p.new_fanout_seq = endpoint->fanout_seq;
    for (const EventRow& e : events) {
      p.deliveries.push_back(delivery_of(e, due));
      p.new_fanout_seq = std::max(p.new_fanout_seq, e.seq);
    }
    p.at_ms = kT0;
    auto r = store_->enqueue_webhook_deliveries(p);
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    std::vector<WebhookDeliveryRow> out;
    for (const WebhookDeliveryRow& d : p.deliveries) out.push_back(delivery(d.id));
    return out;
  }

  WebhookDeliveryRow delivery(const std::string& id) {
    ListWebhookDeliveriesParams p;
    p.limit = 100000;
    auto r = store_->list_webhook_deliveries(p);
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    if (r.ok()) {
      for (const auto& d : *r) {
        if (d.id == id) return d;
      }
    }
    ADD_FAILURE() << "no delivery " << id;
    return {};
  }

  std::vector<WebhookDeliveryRow> claim(std::int64_t now, std::size_t limit = 16,
                                        std::size_t cap = 100, const std::string& owner = "w1",
                                        std::int64_t lease_ms = 60000) {
    ClaimWebhookDeliveriesParams p;
    p.now_ms = now;
    p.lease_ms = lease_ms;
    p.owner = owner;
    p.limit = limit;
    p.max_in_flight_per_endpoint = cap;
    auto r = store_->claim_webhook_deliveries(p);
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    return r.ok() ? *r : std::vector<WebhookDeliveryRow>{};
  }

  static std::vector<std::string> ids(const std::vector<WebhookDeliveryRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.id);
    return out;
  }

  Result<CompleteWebhookAttemptResult> complete(const std::string& delivery_id,
                                                const std::string& new_status,
                                                const std::string& owner = "w1",
                                                std::int64_t at = kT0 + 2000,
                                                std::int64_t next = 0) {
    CompleteWebhookAttemptParams p;
    p.delivery_id = delivery_id;
    p.owner = owner;
    p.attempt = new_status == "succeeded" ? attempt(200, "succeeded") : attempt(500, "retry");
    if (new_status == "failed") p.attempt.outcome = "failed";
    p.new_status = new_status;
    p.next_attempt_at_ms = next;
    p.at_ms = at;
    return store_->complete_webhook_attempt(p);
  }

  void complete_ok(const std::string& delivery_id, const std::string& new_status,
                   const std::string& owner = "w1", std::int64_t at = kT0 + 2000,
                   std::int64_t next = 0) {
    auto r = complete(delivery_id, new_status, owner, at, next);
    ASSERT_TRUE(r.ok()) << to_string(r.status());
    EXPECT_TRUE(r->applied);
  }

  /// Three intents (pi_a, pi_b, pi_c), two events each, fanned out to we(1):
  /// the second of each waits behind the first; the three firsts are
  /// claimed by "w1". Empty (after a failure) when the claim is not that.
  std::vector<WebhookDeliveryRow> three_intents_two_events_first_claimed() {
    create_endpoint(we(1));
    std::vector<EventRow> events;
    for (const char* pi : {"pi_a", "pi_b", "pi_c"}) {
      events.push_back(add_event(pi, "payment.detected"));
    }
    for (const char* pi : {"pi_a", "pi_b", "pi_c"}) {
      events.push_back(add_event(pi, "payment.confirmed"));
    }
    const auto ds = enqueue(we(1), events);
    const auto claimed = ids(claim(kT0));
    EXPECT_EQ(claimed, (std::vector<std::string>{ds[0].id, ds[1].id, ds[2].id}));
    return ds.size() == 6 && claimed.size() == 3 ? ds : std::vector<WebhookDeliveryRow>{};
  }

  /// Completions of ds[0..owners.size()) at kT0 + 2000 by `owners`: the
  /// first two succeeded, the third a 503 retried at kT0 + 60000.
  static CompleteWebhookAttemptsParams two_successes_then_a_retry(
      const std::vector<WebhookDeliveryRow>& ds, const std::vector<std::string>& owners) {
    CompleteWebhookAttemptsParams p;
    for (std::size_t i = 0; i < owners.size(); ++i) {
      CompleteWebhookAttemptParams c;
      c.delivery_id = ds[i].id;
      c.owner = owners[i];
      c.attempt = i < 2 ? attempt(200, "succeeded") : attempt(503, "retry");
      c.attempt.error = i < 2 ? "" : "http status 503";
      c.new_status = i < 2 ? "succeeded" : "pending";
      c.next_attempt_at_ms = i < 2 ? 0 : kT0 + 60000;
      c.at_ms = kT0 + 2000;
      p.completions.push_back(c);
    }
    return p;
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
  std::set<std::string> intents_;
  std::uint64_t cursor_ = 0;
  int events_ = 0;
  int deliveries_ = 0;
};

// ---- endpoints ----

TEST_F(WebhookStoreTest, CreateThenGetRoundTripsEveryField) {
  add_event("pi_a");  // seq 1 (created) and 2
  WebhookEndpointRow e = endpoint_row(we(1));
  e.secrets = {WebhookSecretRow{"whsec_new", kT0 + 5, 0},
               WebhookSecretRow{"whsec_old", kT0 - 5, kT0 + 86400000}};
  e.event_types = {"intent.succeeded", "payment.*"};
  e.description = "shop backend, é";
  e.source = "config";
  e.fanout_seq = 999;  // ignored: the store sets it
  e.version = 42;      // ignored
  auto created = store_->create_webhook_endpoint({e});
  ASSERT_TRUE(created.ok()) << to_string(created.status());
  EXPECT_EQ(created->fanout_seq, 2U) << "the newest event when the endpoint was made";
  EXPECT_EQ(created->version, 1U);
  auto got = store_->get_webhook_endpoint({we(1)});
  ASSERT_TRUE(got.ok()) << to_string(got.status());
  EXPECT_EQ(got->id, we(1));
  EXPECT_EQ(got->url, e.url);
  ASSERT_EQ(got->secrets.size(), 2U);
  EXPECT_EQ(got->secrets[0].secret, "whsec_new");
  EXPECT_EQ(got->secrets[0].created_at_ms, kT0 + 5);
  EXPECT_EQ(got->secrets[0].expires_at_ms, 0);
  EXPECT_EQ(got->secrets[1].secret, "whsec_old");
  EXPECT_EQ(got->secrets[1].expires_at_ms, kT0 + 86400000);
  EXPECT_EQ(got->event_types, (std::vector<std::string>{"intent.succeeded", "payment.*"}));
  EXPECT_EQ(got->description, "shop backend, é");
  EXPECT_TRUE(got->enabled);
  EXPECT_EQ(got->disabled_reason, "");
  EXPECT_EQ(got->source, "config");
  EXPECT_EQ(got->fanout_seq, 2U);
  EXPECT_EQ(got->created_at_ms, kT0);
  EXPECT_EQ(got->updated_at_ms, kT0);
  EXPECT_EQ(got->version, 1U);
}

TEST_F(WebhookStoreTest, FanoutSeqOfAnEndpointInAnEmptyStoreIsZero) {
  EXPECT_EQ(create_endpoint(we(1)).fanout_seq, 0U);
}

TEST_F(WebhookStoreTest, CreateRefusesMalformedEndpoints) {
  struct Case {
    const char* name;
    void (*spoil)(WebhookEndpointRow&);
    const char* message;
  };
  const Case cases[] = {
      {"wrong prefix", [](WebhookEndpointRow& e) { e.id = make_id("pi_", 1); },
       "store: create_webhook_endpoint: endpoint.id: expected prefix \"we_\", got \"pi_\""},
      {"short id", [](WebhookEndpointRow& e) { e.id = "we_1"; },
       "endpoint.id: has 1 characters after \"we_\"; expected 24"},
      {"bad id char", [](WebhookEndpointRow& e) { e.id[5] = '-'; },
       "endpoint.id: bad character '-' at position 5"},
      {"no url", [](WebhookEndpointRow& e) { e.url.clear(); }, "endpoint.url is empty"},
      {"no secrets", [](WebhookEndpointRow& e) { e.secrets.clear(); },
       "endpoint.secrets is empty (an endpoint needs a secret)"},
      {"empty secret",
       [](WebhookEndpointRow& e) {
         e.secrets.push_back(WebhookSecretRow{"", 0, 0});
       },
       "endpoint.secrets[1].secret is empty"},
      {"secret with a space", [](WebhookEndpointRow& e) { e.secrets[0].secret = "whsec_a b"; },
       "endpoint.secrets[0].secret: bad character ' ' at position 7"},
      {"empty filter",
       [](WebhookEndpointRow& e) {
         e.event_types = {"intent.*", ""};
       },
       "endpoint.event_types[1] is empty"},
      {"NUL in description", [](WebhookEndpointRow& e) { e.description = std::string("a\0b", 3); },
       "endpoint.description contains a NUL byte"},
      {"bad source", [](WebhookEndpointRow& e) { e.source = "cli"; },
       "endpoint.source 'cli' is not one of 'api', 'config'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    WebhookEndpointRow e = endpoint_row(we(1));
    c.spoil(e);
    EXPECT_ERROR(store_->create_webhook_endpoint({e}), ErrorCode::kInvalidArgument, c.message);
  }
  ListWebhookEndpointsParams all;
  auto listed = store_->list_webhook_endpoints(all);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty()) << "nothing was written";
}

TEST_F(WebhookStoreTest, CreateRefusesAReusedId) {
  create_endpoint(we(1));
  EXPECT_ERROR(store_->create_webhook_endpoint({endpoint_row(we(1))}), ErrorCode::kAlreadyExists,
               "store: create_webhook_endpoint: endpoint " + we(1) + " exists already");
}

TEST_F(WebhookStoreTest, AnEnabledEndpointHasNoDisabledReason) {
  WebhookEndpointRow e = endpoint_row(we(1));
  e.disabled_reason = "left over";
  auto r = store_->create_webhook_endpoint({e});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->disabled_reason, "");
  EXPECT_EQ(store_->get_webhook_endpoint({we(1)})->disabled_reason, "");
  EXPECT_EQ(create_endpoint(we(2), /*enabled=*/false).disabled_reason, "disabled by operator");
}

TEST_F(WebhookStoreTest, GetUnknownOrMalformed) {
  EXPECT_ERROR(store_->get_webhook_endpoint({we(9)}), ErrorCode::kNotFound,
               "store: get_webhook_endpoint: no endpoint " + we(9));
  EXPECT_ERROR(store_->get_webhook_endpoint({"we_x"}), ErrorCode::kInvalidArgument,
               "store: get_webhook_endpoint: id: has 1 characters");
}

TEST_F(WebhookStoreTest, AnEndpointEditedOutsideUsd1payIsAnIoErrorNotACrash) {
  create_endpoint(we(1));
  create_endpoint(we(2));
  {
    Raw raw(path_);
    raw.exec("UPDATE webhook_endpoints SET secrets_json = '[{\"secret\": 7}]' WHERE id = '" +
             we(1) + "'");
    raw.exec("UPDATE webhook_endpoints SET event_types_json = '{}' WHERE id = '" + we(2) + "'");
  }
  EXPECT_ERROR(store_->get_webhook_endpoint({we(1)}), ErrorCode::kIo,
               "store: get_webhook_endpoint: endpoint " + we(1) + " has a malformed secrets_json");
  EXPECT_ERROR(store_->get_webhook_endpoint({we(2)}), ErrorCode::kIo,
               "endpoint " + we(2) + " has a malformed event_types_json");
  ListWebhookEndpointsParams all;
  EXPECT_ERROR(store_->list_webhook_endpoints(all), ErrorCode::kIo,
               "store: list_webhook_endpoints: endpoint " + we(1));
}

TEST_F(WebhookStoreTest, ListFiltersByEnabledInCreationOrder) {
  // Created out of order: listing is by created_at_ms, then id.
  auto make = [&](int n, std::int64_t at, bool enabled) {
    WebhookEndpointRow e = endpoint_row(we(n), at);
    e.enabled = enabled;
    ASSERT_TRUE(store_->create_webhook_endpoint({e}).ok());
  };
  make(3, kT0 + 1, true);
  make(1, kT0 + 2, false);
  make(2, kT0 + 1, true);
  make(4, kT0, false);
  auto list = [&](std::optional<bool> enabled, std::size_t limit = 1000) {
    ListWebhookEndpointsParams p;
    p.enabled = enabled;
    p.limit = limit;
    auto r = store_->list_webhook_endpoints(p);
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& e : *r) out.push_back(e.id);
    }
    return out;
  };
  EXPECT_EQ(list(std::nullopt), (std::vector<std::string>{we(4), we(2), we(3), we(1)}));
  EXPECT_EQ(list(true), (std::vector<std::string>{we(2), we(3)}));
  EXPECT_EQ(list(false), (std::vector<std::string>{we(4), we(1)}));
  EXPECT_EQ(list(std::nullopt, 2), (std::vector<std::string>{we(4), we(2)}));
  ListWebhookEndpointsParams p;
  p.limit = 0;
  EXPECT_ERROR(store_->list_webhook_endpoints(p), ErrorCode::kInvalidArgument,
               "store: list_webhook_endpoints: limit 0 is outside 1..10000");
  p.limit = 10001;
  EXPECT_ERROR(store_->list_webhook_endpoints(p), ErrorCode::kInvalidArgument,
               "limit 10001 is outside 1..10000");
}

TEST_F(WebhookStoreTest, UpdateChangesWhatIsSetAndBumpsTheVersion) {
  create_endpoint(we(1));
  UpdateWebhookEndpointParams p;
  p.id = we(1);
  p.secrets = std::vector<WebhookSecretRow>{{"whsec_b", kT0 + 10, 0}, {"whsec_a", kT0, kT0 + 99}};
  p.event_types = std::vector<std::string>{"intent.*"};
  p.expected_version = 1;
  p.at_ms = kT0 + 10;
  auto r = store_->update_webhook_endpoint(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->version, 2U);
  EXPECT_EQ(r->updated_at_ms, kT0 + 10);
  auto got = store_->get_webhook_endpoint({we(1)});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->url, "https://shop.example/hooks/" + we(1)) << "unset fields stay";
  ASSERT_EQ(got->secrets.size(), 2U);
  EXPECT_EQ(got->secrets[0].secret, "whsec_b");
  EXPECT_EQ(got->secrets[1].expires_at_ms, kT0 + 99);
  EXPECT_EQ(got->event_types, std::vector<std::string>{"intent.*"});
  EXPECT_EQ(got->version, 2U);
  EXPECT_EQ(got->created_at_ms, kT0);

  // Disable with a reason, then enable: the reason goes.
  UpdateWebhookEndpointParams off;
  off.id = we(1);
  off.enabled = false;
  off.disabled_reason = "disabled by operator";
  off.url = "https://shop.example/v2";
  off.description = "moved";
  r = store_->update_webhook_endpoint(off);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_FALSE(r->enabled);
  EXPECT_EQ(r->disabled_reason, "disabled by operator");
  EXPECT_EQ(r->url, "https://shop.example/v2");
  EXPECT_EQ(r->description, "moved");
  EXPECT_EQ(r->version, 3U);
  UpdateWebhookEndpointParams on;
  on.id = we(1);
  on.enabled = true;
  r = store_->update_webhook_endpoint(on);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->enabled);
  EXPECT_EQ(r->disabled_reason, "");
  EXPECT_EQ(store_->get_webhook_endpoint({we(1)})->disabled_reason, "");
}

TEST_F(WebhookStoreTest, UpdateErrors) {
  create_endpoint(we(1));
  UpdateWebhookEndpointParams p;
  p.id = we(1);
  p.expected_version = 3;
  p.description = "x";
  EXPECT_ERROR(store_->update_webhook_endpoint(p), ErrorCode::kFailedPrecondition,
               "store: update_webhook_endpoint: endpoint " + we(1) +
                   " is at version 1, expected version 3 (changed meanwhile)");
  EXPECT_EQ(store_->get_webhook_endpoint({we(1)})->description, "") << "nothing written";
  p.expected_version.reset();
  p.id = we(2);
  EXPECT_ERROR(store_->update_webhook_endpoint(p), ErrorCode::kNotFound,
               "store: update_webhook_endpoint: no endpoint " + we(2));
  p.id = we(1);
  p.secrets = std::vector<WebhookSecretRow>{};
  EXPECT_ERROR(store_->update_webhook_endpoint(p), ErrorCode::kInvalidArgument,
               "store: update_webhook_endpoint: secrets is empty");
  p.secrets.reset();
  p.url = "";
  EXPECT_ERROR(store_->update_webhook_endpoint(p), ErrorCode::kInvalidArgument, "url is empty");
  p.url.reset();
  p.event_types = std::vector<std::string>{"a\tb"};
  EXPECT_ERROR(store_->update_webhook_endpoint(p), ErrorCode::kInvalidArgument,
               "event_types[0]: bad character byte 0x09 at position 1");
  p.event_types.reset();
  p.id = "pi_000000000000000000000001";
  EXPECT_ERROR(store_->update_webhook_endpoint(p), ErrorCode::kInvalidArgument,
               "id: expected prefix \"we_\", got \"pi_\"");
}

// ---- enqueue ----

TEST_F(WebhookStoreTest, EnqueueInsertsPendingDeliveriesAndMovesFanoutSeq) {
  const EventRow a = add_event("pi_a");  // seq 2
  const EventRow n = add_event("");      // seq 3
  create_endpoint(we(1));                // fanout_seq 3
  const EventRow b = add_event("pi_a");  // seq 4
  const EventRow c = add_event("pi_b");  // seq 6 (5 is pi_b's intent.created)
  EXPECT_EQ(store_->get_webhook_endpoint({we(1)})->fanout_seq, n.seq);
  EnqueueWebhookDeliveriesParams p;
  p.endpoint_id = we(1);
  p.expected_fanout_seq = n.seq;
  p.new_fanout_seq = c.seq;
  p.deliveries = {delivery_of(b, kT0 + 5), delivery_of(c, kT0 + 6)};
  p.deliveries[0].status = "succeeded";  // ignored: set by the store
  p.deliveries[0].total_attempts = 9;    // ignored
  p.at_ms = kT0 + 1;
  auto r = store_->enqueue_webhook_deliveries(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(*r, 2U);
  EXPECT_EQ(store_->get_webhook_endpoint({we(1)})->fanout_seq, c.seq);
  EXPECT_EQ(store_->get_webhook_endpoint({we(1)})->version, 1U)
      << "fan-out is bookkeeping, not a change of the endpoint";
  const WebhookDeliveryRow d = delivery(p.deliveries[0].id);
  EXPECT_EQ(d.endpoint_id, we(1));
  EXPECT_EQ(d.event_id, b.id);
  EXPECT_EQ(d.event_seq, b.seq);
  EXPECT_EQ(d.event_type, "payment.detected");
  EXPECT_EQ(d.intent_id, "pi_a");
  EXPECT_EQ(d.status, "pending");
  EXPECT_EQ(d.round_attempts, 0U);
  EXPECT_EQ(d.total_attempts, 0U);
  EXPECT_EQ(d.next_attempt_at_ms, kT0 + 5);
  EXPECT_EQ(d.lease_until_ms, 0);
  EXPECT_EQ(d.lease_owner, "");
  EXPECT_EQ(d.last_http_status, 0);
  EXPECT_EQ(d.created_at_ms, kT0 + 1);
  EXPECT_EQ(d.updated_at_ms, kT0 + 1);
  EXPECT_EQ(d.completed_at_ms, 0);
  (void)a;

  // The same pair again (a second fan-out that overlaps) is left alone.
  EnqueueWebhookDeliveriesParams again;
  again.endpoint_id = we(1);
  again.expected_fanout_seq = c.seq;
  again.new_fanout_seq = c.seq;
  again.deliveries = {delivery_of(c)};
  again.deliveries[0].event_seq = c.seq;
  // event_seq must be above expected_fanout_seq: out of range here.
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(again), ErrorCode::kInvalidArgument,
               "deliveries[0].event_seq " + std::to_string(c.seq) + " is outside");
  const EventRow e = add_event("pi_b");
  again.new_fanout_seq = e.seq;
  again.deliveries = {delivery_of(e), delivery_of(e)};  // the pair twice in one batch
  r = store_->enqueue_webhook_deliveries(again);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(*r, 1U) << "a pair is delivered once";
}

// Fan-out puts a delivery in as its pair's head when nothing else of the
// pair is pending, and otherwise lets the lowest pending event_seq of the
// pair be the head, whatever order a batch comes in and whatever is pending
// from before (here: a replay made a delivery of a LATER event first).
TEST_F(WebhookStoreTest, EnqueueMakesTheLowestPendingOfEachPairItsHead) {
  create_endpoint(we(1));
  const EventRow a1 = add_event("pi_a");
  const EventRow b1 = add_event("pi_b");
  const EventRow b2 = add_event("pi_b");
  const EventRow c1 = add_event("pi_c");
  const EventRow c2 = add_event("pi_c");
  const EventRow n1 = add_event("");
  // pi_c's later event is replayed to we(1) before fan-out reaches it.
  ReplayWebhookParams rp;
  rp.event_id = c2.id;
  rp.endpoint_id = we(1);
  rp.new_delivery_id = msg(900);
  rp.at_ms = kT0;
  ASSERT_TRUE(store_->replay_webhook(rp).ok());
  EnqueueWebhookDeliveriesParams p;
  p.endpoint_id = we(1);
  p.expected_fanout_seq = store_->get_webhook_endpoint({we(1)})->fanout_seq;
  p.new_fanout_seq = n1.seq;
  // pi_b's two events out of order; c2's pair exists already (left alone).
  p.deliveries = {delivery_of(a1), delivery_of(b2), delivery_of(b1),
                  delivery_of(c1), delivery_of(c2), delivery_of(n1)};
  p.at_ms = kT0;
  auto r = store_->enqueue_webhook_deliveries(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(*r, 5U);
  Raw raw(path_);
  EXPECT_EQ(raw.all("SELECT id FROM webhook_deliveries WHERE is_head = 1 ORDER BY id", 0),
            p.deliveries[0].id + "\n" + p.deliveries[2].id + "\n" + p.deliveries[3].id + "\n" +
                p.deliveries[5].id + "\n")
      << "a1, b1 (not b2), c1 (not the replayed c2) and the delivery of no intent";
  // Claims follow: the heads, then each pair's next once its head is done.
  std::vector<std::string> got = ids(claim(kT0));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{p.deliveries[0].id, p.deliveries[2].id,
                                           p.deliveries[3].id, p.deliveries[5].id}));
  complete_ok(p.deliveries[2].id, "succeeded");
  complete_ok(p.deliveries[3].id, "failed");
  got = ids(claim(kT0 + 1));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{p.deliveries[1].id, msg(900)}));
  EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
}

TEST_F(WebhookStoreTest, EnqueueIsACompareAndSetOnFanoutSeq) {
  const EventRow a = add_event("pi_a");
  create_endpoint(we(1));
  const EventRow b = add_event("pi_a");
  EnqueueWebhookDeliveriesParams p;
  p.endpoint_id = we(1);
  p.expected_fanout_seq = a.seq;
  p.new_fanout_seq = b.seq;
  p.deliveries = {delivery_of(b)};
  ASSERT_TRUE(store_->enqueue_webhook_deliveries(p).ok());
  // A second dispatcher that read the old fanout_seq loses.
  p.deliveries = {delivery_of(b)};
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kFailedPrecondition,
               "store: enqueue_webhook_deliveries: endpoint " + we(1) + " has fanout_seq " +
                   std::to_string(b.seq) + ", expected " + std::to_string(a.seq) +
                   " (another dispatcher fanned out first)");
  ListWebhookDeliveriesParams all;
  EXPECT_EQ(store_->list_webhook_deliveries(all)->size(), 1U);
}

TEST_F(WebhookStoreTest, EnqueueErrorsWriteNothing) {
  const EventRow a = add_event("pi_a");
  create_endpoint(we(1));
  const EventRow b = add_event("pi_a");
  const EventRow c = add_event("");
  auto base = [&] {
    EnqueueWebhookDeliveriesParams p;
    p.endpoint_id = we(1);
    p.expected_fanout_seq = a.seq;
    p.new_fanout_seq = c.seq;
    p.deliveries = {delivery_of(b), delivery_of(c)};
    return p;
  };
  EnqueueWebhookDeliveriesParams p = base();
  p.endpoint_id = we(7);
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kNotFound,
               "store: enqueue_webhook_deliveries: no endpoint " + we(7));
  p = base();
  p.deliveries[1].event_id = "evt_nope";
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kNotFound,
               "deliveries[1] (" + p.deliveries[1].id + "): no event evt_nope");
  p = base();
  p.deliveries[1].intent_id = "pi_a";
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kInvalidArgument,
               "deliveries[1] (" + p.deliveries[1].id + "): (seq " + std::to_string(c.seq) +
                   ", type 'payment.detected', intent 'pi_a') is not event " + c.id);
  p = base();
  p.deliveries[0].event_type = "intent.succeeded";
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kInvalidArgument,
               "is not event " + b.id);
  p = base();
  p.deliveries[1].id = p.deliveries[0].id;  // one id for two pairs
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kAlreadyExists,
               "delivery id " + p.deliveries[0].id + " is taken by another delivery");
  p = base();
  p.new_fanout_seq = c.seq + 5;
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kInvalidArgument,
               "new_fanout_seq " + std::to_string(c.seq + 5) + " is past the newest event (seq " +
                   std::to_string(c.seq) + ")");
  p = base();
  p.new_fanout_seq = a.seq - 1;
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kInvalidArgument,
               "new_fanout_seq " + std::to_string(a.seq - 1) + " is below expected_fanout_seq");
  p = base();
  p.deliveries[0].id = "msg_short";
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kInvalidArgument,
               "deliveries[0].id: has 5 characters after \"msg_\"; expected 24");
  p = base();
  p.deliveries[0].event_id = "ev_1";
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kInvalidArgument,
               "deliveries[0].event_id 'ev_1' does not start with \"evt_\"");
  p = base();
  p.expected_fanout_seq = std::numeric_limits<std::uint64_t>::max();
  EXPECT_ERROR(store_->enqueue_webhook_deliveries(p), ErrorCode::kInvalidArgument,
               "expected_fanout_seq 18446744073709551615 is more than");

  ListWebhookDeliveriesParams all;
  EXPECT_TRUE(store_->list_webhook_deliveries(all)->empty());
  EXPECT_EQ(store_->get_webhook_endpoint({we(1)})->fanout_seq, a.seq);
  ASSERT_TRUE(store_->enqueue_webhook_deliveries(base()).ok()) << "the good batch still goes in";
}

// ---- claim ----

TEST_F(WebhookStoreTest, ClaimLeasesDueDeliveriesOnce) {
  create_endpoint(we(1));
  const auto ds = enqueue(we(1), {add_event(""), add_event("")}, kT0);
  const auto later = enqueue(we(1), {add_event("")}, kT0 + 10000);
  auto got = claim(kT0 + 5, 16, 100, "worker-a", 30000);
  ASSERT_EQ(ids(got), (std::vector<std::string>{ds[0].id, ds[1].id})) << "not the one due later";
  for (const auto& d : got) {
    EXPECT_EQ(d.lease_owner, "worker-a");
    EXPECT_EQ(d.lease_until_ms, kT0 + 5 + 30000);
    EXPECT_EQ(d.status, "pending");
  }
  EXPECT_EQ(delivery(ds[0].id).lease_owner, "worker-a") << "the lease is stored";
  EXPECT_EQ(delivery(ds[0].id).lease_until_ms, kT0 + 30005);
  EXPECT_TRUE(claim(kT0 + 6, 16, 100, "worker-b").empty()) << "leased: nobody else gets them";
  // At kT0 + 10000 the third one is due; the two leases still run.
  EXPECT_EQ(ids(claim(kT0 + 10000, 16, 100, "worker-b")), std::vector<std::string>{later[0].id});
  // The leases run out at kT0 + 30005 (a dead process): claimable again.
  EXPECT_TRUE(claim(kT0 + 30004, 16, 100, "worker-c").size() == 0U);
  got = claim(kT0 + 30005, 16, 100, "worker-c");
  EXPECT_EQ(ids(got), (std::vector<std::string>{ds[0].id, ds[1].id}));
  EXPECT_EQ(got[0].lease_owner, "worker-c");
}

TEST_F(WebhookStoreTest, ClaimKeepsPerIntentOrderPerEndpoint) {
  create_endpoint(we(1));
  create_endpoint(we(2));
  const EventRow a1 = add_event("pi_a", "intent.processing");
  const EventRow b1 = add_event("pi_b");
  const EventRow a2 = add_event("pi_a", "intent.succeeded");
  const EventRow n1 = add_event("");
  const EventRow n2 = add_event("");
  const EventRow a3 = add_event("pi_a", "payment.confirmed");
  const auto d1 = enqueue(we(1), {a1, b1, a2, n1, n2, a3});
  const auto d2 = enqueue(we(2), {a1, a2});
  // Per endpoint, only the first pending delivery of pi_a goes; pi_b and the
  // events of no intent are not held back; endpoint 2 has its own order.
  auto got = claim(kT0, 100, 100);
  EXPECT_EQ(ids(got), (std::vector<std::string>{d1[0].id, d2[0].id, d1[1].id, d1[3].id, d1[4].id}));
  EXPECT_TRUE(claim(kT0).empty()) << "a2 waits while a1 is leased";
  // a1 fails and is retried later: a2 stays blocked although it is due.
  complete_ok(d1[0].id, "pending", "w1", kT0 + 1, kT0 + 5000);
  EXPECT_TRUE(claim(kT0 + 10).empty()) << "a2 waits while a1 is pending, not yet due";
  EXPECT_EQ(ids(claim(kT0 + 5000)), std::vector<std::string>{d1[0].id});
  complete_ok(d1[0].id, "succeeded", "w1", kT0 + 5001);
  EXPECT_EQ(ids(claim(kT0 + 5001)), std::vector<std::string>{d1[2].id});
  // A dead-lettered delivery does not block the rest for ever.
  complete_ok(d1[2].id, "failed", "w1", kT0 + 5002);
  EXPECT_EQ(ids(claim(kT0 + 5002)), std::vector<std::string>{d1[5].id});
  // Endpoint 2 moves on its own.
  complete_ok(d2[0].id, "succeeded");
  EXPECT_EQ(ids(claim(kT0 + 5003)), std::vector<std::string>{d2[1].id});
}

TEST_F(WebhookStoreTest, ClaimOrdersByDueTimeThenEventSeq) {
  create_endpoint(we(1));
  create_endpoint(we(2));
  const auto x = enqueue(we(1), {add_event(""), add_event("")}, kT0 + 20);
  const auto y = enqueue(we(2), {add_event("")}, kT0 + 10);
  const auto z = enqueue(we(1), {add_event("")}, kT0 + 10);
  EXPECT_EQ(ids(claim(kT0 + 100, 3)), (std::vector<std::string>{y[0].id, z[0].id, x[0].id}));
  EXPECT_EQ(ids(claim(kT0 + 100, 3)), std::vector<std::string>{x[1].id});
}

TEST_F(WebhookStoreTest, ClaimCapsEachEndpointCountingRunningLeases) {
  create_endpoint(we(1));
  create_endpoint(we(2));
  std::vector<EventRow> backlog;
  for (int i = 0; i < 20; ++i) backlog.push_back(add_event(""));
  const auto a = enqueue(we(1), backlog, kT0);  // old and many
  const auto b = enqueue(we(2), {add_event(""), add_event(""), add_event("")}, kT0 + 50);
  // The cap keeps the big backlog from filling the batch: 2 of A, then B.
  auto got = claim(kT0 + 100, 4, 2, "w1", 1000);
  EXPECT_EQ(ids(got), (std::vector<std::string>{a[0].id, a[1].id, b[0].id, b[1].id}));
  // Leases still running count against the cap.
  EXPECT_TRUE(claim(kT0 + 200, 4, 2, "w2", 1000).empty());
  EXPECT_EQ(ids(claim(kT0 + 200, 4, 3, "w2", 1000)), (std::vector<std::string>{a[2].id, b[2].id}));
  // One completes: room for one more of A.
  complete_ok(a[0].id, "succeeded", "w1");
  EXPECT_EQ(ids(claim(kT0 + 300, 4, 3, "w2", 1000)), std::vector<std::string>{a[3].id});
  // At kT0 + 1100 the first leases ran out: they no longer count, and their
  // deliveries come back. A's two later ones still run (cap 2 reached).
  EXPECT_EQ(ids(claim(kT0 + 1100, 10, 2, "w3", 1000)), std::vector<std::string>{b[0].id});
  got = claim(kT0 + 1300, 10, 2, "w3", 1000);
  // At kT0 + 1300 all of A's leases ran out (room 2); B still has b0 out (room 1).
  EXPECT_EQ(ids(got), (std::vector<std::string>{a[1].id, a[2].id, b[1].id}));
}

TEST_F(WebhookStoreTest, ClaimSkipsDisabledEndpoints) {
  create_endpoint(we(1));
  create_endpoint(we(2));
  const EventRow e = add_event("pi_a");
  const auto d1 = enqueue(we(1), {e});
  const auto d2 = enqueue(we(2), {e});
  UpdateWebhookEndpointParams off;
  off.id = we(1);
  off.enabled = false;
  off.disabled_reason = "disabled by operator";
  ASSERT_TRUE(store_->update_webhook_endpoint(off).ok());
  EXPECT_EQ(ids(claim(kT0)), std::vector<std::string>{d2[0].id});
  UpdateWebhookEndpointParams on;
  on.id = we(1);
  on.enabled = true;
  ASSERT_TRUE(store_->update_webhook_endpoint(on).ok());
  EXPECT_EQ(ids(claim(kT0)), std::vector<std::string>{d1[0].id});
}

TEST_F(WebhookStoreTest, ClaimValidatesItsParameters) {
  ClaimWebhookDeliveriesParams p;
  p.owner = "w";
  p.now_ms = kT0;
  auto with = [&](auto change) {
    ClaimWebhookDeliveriesParams q = p;
    change(q);
    return store_->claim_webhook_deliveries(q);
  };
  EXPECT_ERROR(with([](auto& q) { q.owner = ""; }), ErrorCode::kInvalidArgument,
               "store: claim_webhook_deliveries: owner is empty");
  EXPECT_ERROR(with([](auto& q) { q.limit = 0; }), ErrorCode::kInvalidArgument,
               "limit 0 is outside 1..10000");
  EXPECT_ERROR(with([](auto& q) { q.limit = 10001; }), ErrorCode::kInvalidArgument,
               "limit 10001 is outside 1..10000");
  EXPECT_ERROR(with([](auto& q) { q.max_in_flight_per_endpoint = 0; }), ErrorCode::kInvalidArgument,
               "max_in_flight_per_endpoint is 0 (at least 1)");
  EXPECT_ERROR(with([](auto& q) { q.lease_ms = 0; }), ErrorCode::kInvalidArgument,
               "lease_ms 0 is not positive");
  EXPECT_ERROR(with([](auto& q) { q.now_ms = std::numeric_limits<std::int64_t>::max() - 10; }),
               ErrorCode::kInvalidArgument, "overflows");
  EXPECT_TRUE(with([](auto&) {}).ok());
}

// ---- complete ----

TEST_F(WebhookStoreTest, CompleteRecordsTheAttemptAndMovesTheDelivery) {
  create_endpoint(we(1));
  const auto ds = enqueue(we(1), {add_event("pi_a")});
  ASSERT_EQ(claim(kT0).size(), 1U);
  CompleteWebhookAttemptParams p;
  p.delivery_id = ds[0].id;
  p.owner = "w1";
  p.attempt = attempt(503, "retry", kT0 + 10);
  p.attempt.latency_ms = 250;
  p.attempt.response_excerpt = std::string("busy\0\xff", 6);  // bytes as received
  p.new_status = "pending";
  p.next_attempt_at_ms = kT0 + 5000;
  p.at_ms = kT0 + 260;
  auto r = store_->complete_webhook_attempt(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_TRUE(r->applied);
  EXPECT_EQ(r->delivery.status, "pending");
  EXPECT_EQ(r->delivery.round_attempts, 1U);
  EXPECT_EQ(r->delivery.total_attempts, 1U);
  EXPECT_EQ(r->delivery.next_attempt_at_ms, kT0 + 5000);
  EXPECT_EQ(r->delivery.lease_until_ms, 0);
  EXPECT_EQ(r->delivery.lease_owner, "");
  EXPECT_EQ(r->delivery.last_http_status, 503);
  EXPECT_EQ(r->delivery.last_error, "HTTP 503");
  EXPECT_EQ(r->delivery.updated_at_ms, kT0 + 260);
  EXPECT_EQ(r->delivery.completed_at_ms, 0);

  EXPECT_TRUE(claim(kT0 + 4999).empty());
  ASSERT_EQ(claim(kT0 + 5000).size(), 1U);
  p.attempt = attempt(200, "succeeded", kT0 + 5000);
  p.new_status = "succeeded";
  p.at_ms = kT0 + 5020;
  r = store_->complete_webhook_attempt(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_TRUE(r->applied);
  EXPECT_EQ(r->delivery.status, "succeeded");
  EXPECT_EQ(r->delivery.round_attempts, 2U);
  EXPECT_EQ(r->delivery.total_attempts, 2U);
  EXPECT_EQ(r->delivery.completed_at_ms, kT0 + 5020);
  EXPECT_EQ(r->delivery.last_http_status, 200);
  EXPECT_EQ(r->delivery.last_error, "");
  EXPECT_TRUE(claim(kT0 + 99999).empty()) << "succeeded is final";

  ListWebhookAttemptsParams lp;
  lp.delivery_id = ds[0].id;
  auto attempts = store_->list_webhook_attempts(lp);
  ASSERT_TRUE(attempts.ok()) << to_string(attempts.status());
  ASSERT_EQ(attempts->size(), 2U);
  const WebhookAttemptRow& first = (*attempts)[0];
  EXPECT_EQ(first.delivery_id, ds[0].id);
  EXPECT_EQ(first.endpoint_id, we(1));
  EXPECT_EQ(first.event_id, ds[0].event_id);
  EXPECT_EQ(first.number, 1U);
  EXPECT_EQ(first.started_at_ms, kT0 + 10);
  EXPECT_EQ(first.latency_ms, 250);
  EXPECT_EQ(first.http_status, 503);
  EXPECT_EQ(first.error, "HTTP 503");
  EXPECT_EQ(first.response_excerpt, std::string("busy\0\xff", 6));
  EXPECT_EQ(first.outcome, "retry");
  EXPECT_EQ((*attempts)[1].number, 2U);
  EXPECT_EQ((*attempts)[1].outcome, "succeeded");
}

TEST_F(WebhookStoreTest, CompleteAfterLosingTheLeaseRecordsOnlyTheAttempt) {
  create_endpoint(we(1));
  const auto ds = enqueue(we(1), {add_event("pi_a")});
  ASSERT_EQ(claim(kT0, 16, 100, "slow", 1000).size(), 1U);
  // "slow" takes too long; its lease runs out and "fast" claims the delivery.
  ASSERT_EQ(claim(kT0 + 1000, 16, 100, "fast", 1000).size(), 1U);
  auto late = complete(ds[0].id, "succeeded", "slow", kT0 + 1500);
  ASSERT_TRUE(late.ok()) << to_string(late.status());
  EXPECT_FALSE(late->applied);
  EXPECT_EQ(late->delivery.status, "pending");
  EXPECT_EQ(late->delivery.lease_owner, "fast") << "still fast's";
  EXPECT_EQ(late->delivery.lease_until_ms, kT0 + 2000);
  EXPECT_EQ(late->delivery.total_attempts, 0U);
  auto mine = complete(ds[0].id, "pending", "fast", kT0 + 1600, kT0 + 9000);
  ASSERT_TRUE(mine.ok());
  EXPECT_TRUE(mine->applied);
  EXPECT_EQ(mine->delivery.total_attempts, 1U);
  // A completion for a delivery nobody holds any more changes nothing either.
  auto stale = complete(ds[0].id, "succeeded", "fast", kT0 + 1700);
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->applied);
  EXPECT_EQ(stale->delivery.status, "pending");
  ListWebhookAttemptsParams lp;
  lp.delivery_id = ds[0].id;
  auto attempts = store_->list_webhook_attempts(lp);
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 3U) << "every attempt is on record";
  std::vector<std::uint32_t> numbers;
  for (const auto& a : *attempts) numbers.push_back(a.number);
  std::sort(numbers.begin(), numbers.end());
  EXPECT_EQ(numbers, (std::vector<std::uint32_t>{1, 2, 3}));
}

// The delivery a completion returns is built from the row it read and the
// update it made (not read again): it must be exactly what is stored, for
// every kind of completion, applied or not, one by one or in a batch.
TEST_F(WebhookStoreTest, TheReturnedDeliveryIsTheStoredOne) {
  create_endpoint(we(1));
  const auto ds =
      enqueue(we(1), {add_event("pi_a"), add_event("pi_b"), add_event("pi_c"), add_event("pi_d")});
  ASSERT_EQ(claim(kT0).size(), 4U);
  auto same = [&](const WebhookDeliveryRow& got, const std::string& what) {
    const WebhookDeliveryRow s = delivery(got.id);
    EXPECT_EQ(got.id, s.id) << what;
    EXPECT_EQ(got.endpoint_id, s.endpoint_id) << what;
    EXPECT_EQ(got.event_id, s.event_id) << what;
    EXPECT_EQ(got.event_seq, s.event_seq) << what;
    EXPECT_EQ(got.event_type, s.event_type) << what;
    EXPECT_EQ(got.intent_id, s.intent_id) << what;
    EXPECT_EQ(got.status, s.status) << what;
    EXPECT_EQ(got.round_attempts, s.round_attempts) << what;
    EXPECT_EQ(got.total_attempts, s.total_attempts) << what;
    EXPECT_EQ(got.next_attempt_at_ms, s.next_attempt_at_ms) << what;
    EXPECT_EQ(got.lease_until_ms, s.lease_until_ms) << what;
    EXPECT_EQ(got.lease_owner, s.lease_owner) << what;
    EXPECT_EQ(got.last_http_status, s.last_http_status) << what;
    EXPECT_EQ(got.last_error, s.last_error) << what;
    EXPECT_EQ(got.created_at_ms, s.created_at_ms) << what;
    EXPECT_EQ(got.updated_at_ms, s.updated_at_ms) << what;
    EXPECT_EQ(got.completed_at_ms, s.completed_at_ms) << what;
  };
  auto ok = complete(ds[0].id, "succeeded", "w1", kT0 + 2000);
  ASSERT_TRUE(ok.ok()) << to_string(ok.status());
  EXPECT_EQ(ok->delivery.completed_at_ms, kT0 + 2000);
  same(ok->delivery, "succeeded");
  auto retry = complete(ds[1].id, "pending", "w1", kT0 + 2100, kT0 + 7000);
  ASSERT_TRUE(retry.ok()) << to_string(retry.status());
  EXPECT_EQ(retry->delivery.next_attempt_at_ms, kT0 + 7000);
  EXPECT_EQ(retry->delivery.last_http_status, 500);
  same(retry->delivery, "retry");
  auto dead = complete(ds[2].id, "failed", "w1", kT0 + 2200);
  ASSERT_TRUE(dead.ok()) << to_string(dead.status());
  same(dead->delivery, "failed");
  auto not_mine = complete(ds[3].id, "succeeded", "someone-else", kT0 + 2300);
  ASSERT_TRUE(not_mine.ok()) << to_string(not_mine.status());
  EXPECT_FALSE(not_mine->applied);
  EXPECT_EQ(not_mine->delivery.lease_owner, "w1");
  same(not_mine->delivery, "not applied");
  // In a batch, twice the same delivery: the second sees the first's result.
  CompleteWebhookAttemptsParams p;
  for (int i = 0; i < 2; ++i) {
    CompleteWebhookAttemptParams c;
    c.delivery_id = ds[3].id;
    c.owner = "w1";
    c.attempt = attempt(503, "retry");
    c.new_status = "pending";
    c.next_attempt_at_ms = kT0 + 9000;
    c.at_ms = kT0 + 2400 + i;
    p.completions.push_back(c);
  }
  auto batch = store_->complete_webhook_attempts(p);
  ASSERT_TRUE(batch.ok()) << to_string(batch.status());
  EXPECT_TRUE(batch->completed[0].applied);
  EXPECT_FALSE(batch->completed[1].applied);
  EXPECT_EQ(batch->completed[1].delivery.total_attempts, 1U);
  EXPECT_EQ(batch->completed[1].delivery.updated_at_ms, kT0 + 2400);
  same(batch->completed[1].delivery, "batch");
}

TEST_F(WebhookStoreTest, AnExpiredLeaseNobodyTookIsStillHeld) {
  create_endpoint(we(1));
  const auto ds = enqueue(we(1), {add_event("")});
  ASSERT_EQ(claim(kT0, 16, 100, "w1", 1000).size(), 1U);
  auto r = complete(ds[0].id, "succeeded", "w1", kT0 + 50000);  // long after the lease
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->applied);
  EXPECT_EQ(r->delivery.status, "succeeded");
}

TEST_F(WebhookStoreTest, AnUnusualThreeDigitStatusIsRecorded) {
  create_endpoint(we(1));
  const auto ds = enqueue(we(1), {add_event("")});
  ASSERT_EQ(claim(kT0).size(), 1U);
  CompleteWebhookAttemptParams p;
  p.delivery_id = ds[0].id;
  p.owner = "w1";
  p.attempt = attempt(999, "retry");
  p.new_status = "pending";
  p.next_attempt_at_ms = kT0 + 5000;
  auto r = store_->complete_webhook_attempt(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->delivery.last_http_status, 999);
  ListWebhookAttemptsParams lp;
  EXPECT_EQ((*store_->list_webhook_attempts(lp))[0].http_status, 999);
}

TEST_F(WebhookStoreTest, GoneDisablesTheEndpointInTheSameTransaction) {
  create_endpoint(we(1));
  create_endpoint(we(2));
  const auto ds = enqueue(we(1), {add_event("pi_a"), add_event("pi_b")});
  const auto other = enqueue(we(2), {add_event("pi_c")});
  ASSERT_EQ(claim(kT0).size(), 3U);
  CompleteWebhookAttemptParams p;
  p.delivery_id = ds[0].id;
  p.owner = "w1";
  p.attempt = attempt(410, "gone");
  p.new_status = "failed";
  p.disable_endpoint_reason = "410 Gone at 2023-11-14T22:13:21Z";
  p.at_ms = kT0 + 3000;
  auto r = store_->complete_webhook_attempt(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_TRUE(r->applied);
  EXPECT_EQ(r->delivery.status, "failed");
  EXPECT_EQ(r->delivery.completed_at_ms, kT0 + 3000);
  auto endpoint = store_->get_webhook_endpoint({we(1)});
  ASSERT_TRUE(endpoint.ok());
  EXPECT_FALSE(endpoint->enabled);
  EXPECT_EQ(endpoint->disabled_reason, "410 Gone at 2023-11-14T22:13:21Z");
  EXPECT_EQ(endpoint->version, 2U);
  EXPECT_EQ(endpoint->updated_at_ms, kT0 + 3000);
  EXPECT_TRUE(store_->get_webhook_endpoint({we(2)})->enabled);
  // The other delivery of the gone endpoint is not claimed any more.
  complete_ok(ds[1].id, "pending", "w1", kT0 + 3001, kT0 + 3001);
  complete_ok(other[0].id, "pending", "w1", kT0 + 3001, kT0 + 3001);
  EXPECT_EQ(ids(claim(kT0 + 4000)), std::vector<std::string>{other[0].id});
  // A second 410 keeps the first reason.
  p.delivery_id = ds[1].id;
  p.disable_endpoint_reason = "410 again";
  ASSERT_TRUE(store_->complete_webhook_attempt(p).ok());
  EXPECT_EQ(store_->get_webhook_endpoint({we(1)})->disabled_reason,
            "410 Gone at 2023-11-14T22:13:21Z");
}

TEST_F(WebhookStoreTest, CompleteErrors) {
  create_endpoint(we(1));
  const auto ds = enqueue(we(1), {add_event("")});
  ASSERT_EQ(claim(kT0).size(), 1U);
  auto base = [&] {
    CompleteWebhookAttemptParams p;
    p.delivery_id = ds[0].id;
    p.owner = "w1";
    p.attempt = attempt(500, "retry");
    p.new_status = "pending";
    p.next_attempt_at_ms = kT0 + 5000;
    return p;
  };
  struct Case {
    const char* name;
    void (*spoil)(CompleteWebhookAttemptParams&);
    ErrorCode code;
    std::string message;
  };
  const Case cases[] = {
      {"unknown delivery", [](auto& p) { p.delivery_id = make_id("msg_", 999); },
       ErrorCode::kNotFound,
       "store: complete_webhook_attempt: no delivery " + make_id("msg_", 999)},
      {"malformed delivery id", [](auto& p) { p.delivery_id = "we_000000000000000000000001"; },
       ErrorCode::kInvalidArgument, "delivery_id: expected prefix \"msg_\", got \"we_\""},
      {"no owner", [](auto& p) { p.owner = ""; }, ErrorCode::kInvalidArgument, "owner is empty"},
      {"bad status", [](auto& p) { p.new_status = "retry"; }, ErrorCode::kInvalidArgument,
       "new_status 'retry' is not one of 'pending', 'succeeded', 'failed'"},
      {"bad outcome", [](auto& p) { p.attempt.outcome = "ok"; }, ErrorCode::kInvalidArgument,
       "attempt.outcome 'ok' is not one of 'succeeded', 'retry', 'failed', 'gone'"},
      {"bad http status", [](auto& p) { p.attempt.http_status = 42; }, ErrorCode::kInvalidArgument,
       "attempt.http_status 42 is neither 0 (no response) nor a three-digit status 100..999"},
      {"four-digit status", [](auto& p) { p.attempt.http_status = 1000; },
       ErrorCode::kInvalidArgument, "attempt.http_status 1000 is neither"},
      {"negative latency", [](auto& p) { p.attempt.latency_ms = -1; }, ErrorCode::kInvalidArgument,
       "attempt.latency_ms -1 is negative"},
      {"long excerpt", [](auto& p) { p.attempt.response_excerpt = std::string(1025, 'x'); },
       ErrorCode::kInvalidArgument, "attempt.response_excerpt is 1025 bytes, more than 1024"},
      {"empty disable reason", [](auto& p) { p.disable_endpoint_reason = ""; },
       ErrorCode::kInvalidArgument, "disable_endpoint_reason is empty"},
      {"other endpoint", [](auto& p) { p.attempt.endpoint_id = "we_000000000000000000000002"; },
       ErrorCode::kInvalidArgument,
       "attempt.endpoint_id 'we_000000000000000000000002' is not the delivery's"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CompleteWebhookAttemptParams p = base();
    c.spoil(p);
    EXPECT_ERROR(store_->complete_webhook_attempt(p), c.code, c.message);
  }
  ListWebhookAttemptsParams lp;
  EXPECT_TRUE(store_->list_webhook_attempts(lp)->empty()) << "no attempt recorded";
  EXPECT_EQ(delivery(ds[0].id).lease_owner, "w1") << "lease untouched";
  CompleteWebhookAttemptParams good = base();
  good.attempt.delivery_id = ds[0].id;  // the right ids are accepted
  good.attempt.endpoint_id = we(1);
  good.attempt.event_id = ds[0].event_id;
  auto r = store_->complete_webhook_attempt(good);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_TRUE(r->applied);
}

// ---- group commit: complete_webhook_attempts ----

TEST_F(WebhookStoreTest, CompleteManyRecordsEveryAttemptThenClaimsTheNextHeads) {
  const auto ds = three_intents_two_events_first_claimed();
  ASSERT_EQ(ds.size(), 6U);
  CompleteWebhookAttemptsParams p = two_successes_then_a_retry(ds, {"w1", "w1", "w1"});
  ClaimWebhookDeliveriesParams& cl = p.claim.emplace();
  cl.now_ms = kT0 + 2000;
  cl.owner = "w2";
  cl.limit = 16;
  cl.max_in_flight_per_endpoint = 100;
  auto r = store_->complete_webhook_attempts(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->completed.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(r->completed[i].applied) << i;
    EXPECT_EQ(r->completed[i].delivery.id, ds[i].id);
    EXPECT_EQ(r->completed[i].delivery.total_attempts, 1U);
    EXPECT_EQ(r->completed[i].delivery.lease_owner, "");
  }
  EXPECT_EQ(r->completed[0].delivery.status, "succeeded");
  EXPECT_EQ(r->completed[0].delivery.completed_at_ms, kT0 + 2000);
  EXPECT_EQ(r->completed[2].delivery.status, "pending");
  EXPECT_EQ(r->completed[2].delivery.next_attempt_at_ms, kT0 + 60000);
  // The claim saw the heads the completions moved: pi_a's and pi_b's second
  // events; pi_c's waits behind its first (a retry an hour away), and that
  // retry is not due.
  EXPECT_EQ(ids(r->claimed), (std::vector<std::string>{ds[3].id, ds[4].id}));
  for (const auto& d : r->claimed) {
    EXPECT_EQ(d.lease_owner, "w2");
    EXPECT_EQ(d.lease_until_ms, kT0 + 2000 + 60000);
  }
  EXPECT_EQ(r->released, 0U);
  ListWebhookAttemptsParams lp;
  auto attempts = store_->list_webhook_attempts(lp);
  ASSERT_TRUE(attempts.ok());
  EXPECT_EQ(attempts->size(), 3U);
  EXPECT_EQ(delivery(ds[3].id).lease_owner, "w2") << "the claim was committed";
}

// A dispatcher asks for `applied` only (return_deliveries = false): the
// store then reads each delivery narrowly and writes it by rowid, and must
// leave exactly the state the full path leaves. A lost lease is still only
// an attempt on record; an unknown delivery is still kNotFound.
TEST_F(WebhookStoreTest, CompleteManyWithoutTheRowsLeavesTheSameState) {
  const auto ds = three_intents_two_events_first_claimed();
  ASSERT_EQ(ds.size(), 6U);
  const auto batch = [&](const std::vector<std::string>& owners) {
    CompleteWebhookAttemptsParams p = two_successes_then_a_retry(ds, owners);
    p.return_deliveries = false;
    return p;
  };
  // ds[1]'s lease is someone else's: only its attempt is recorded.
  auto r = store_->complete_webhook_attempts(batch({"w1", "w9", "w1"}));
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->completed.size(), 3U);
  EXPECT_TRUE(r->completed[0].applied);
  EXPECT_FALSE(r->completed[1].applied);
  EXPECT_TRUE(r->completed[2].applied);
  for (const auto& c : r->completed) EXPECT_EQ(c.delivery.id, "") << "no row asked for";
  const WebhookDeliveryRow done = delivery(ds[0].id);
  EXPECT_EQ(done.status, "succeeded");
  EXPECT_EQ(done.total_attempts, 1U);
  EXPECT_EQ(done.round_attempts, 1U);
  EXPECT_EQ(done.lease_owner, "");
  EXPECT_EQ(done.lease_until_ms, 0);
  EXPECT_EQ(done.last_http_status, 200);
  EXPECT_EQ(done.completed_at_ms, kT0 + 2000);
  EXPECT_EQ(done.updated_at_ms, kT0 + 2000);
  const WebhookDeliveryRow kept = delivery(ds[1].id);
  EXPECT_EQ(kept.status, "pending");
  EXPECT_EQ(kept.total_attempts, 0U);
  EXPECT_EQ(kept.lease_owner, "w1") << "the lease was not w9's to clear";
  const WebhookDeliveryRow retry = delivery(ds[2].id);
  EXPECT_EQ(retry.status, "pending");
  EXPECT_EQ(retry.next_attempt_at_ms, kT0 + 60000);
  EXPECT_EQ(retry.last_http_status, 503);
  EXPECT_EQ(retry.last_error, "http status 503");
  EXPECT_EQ(retry.completed_at_ms, 0);
  // pi_a's next event became its head; pi_b's did not (its first is still
  // pending); pi_c's waits behind the retry.
  EXPECT_EQ(ids(claim(kT0 + 2000, 16, 100, "w2")), std::vector<std::string>{ds[3].id});
  ListWebhookAttemptsParams lp;
  auto attempts = store_->list_webhook_attempts(lp);
  ASSERT_TRUE(attempts.ok());
  EXPECT_EQ(attempts->size(), 3U) << "every attempt on record, the lost lease's too";
  // An unknown delivery: the whole batch is refused, as with the rows.
  CompleteWebhookAttemptsParams unknown = batch({"w1"});
  unknown.completions[0].delivery_id = msg(999);
  auto refused = store_->complete_webhook_attempts(unknown);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(contains(refused.status().message(), "no delivery " + msg(999)))
      << refused.status().message();
  Raw raw(path_);
  EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
}

TEST_F(WebhookStoreTest, CompleteManyFreesRoomUnderTheCapForItsOwnClaim) {
  create_endpoint(we(1));
  std::vector<EventRow> events;
  for (int i = 0; i < 4; ++i) events.push_back(add_event(""));
  const auto ds = enqueue(we(1), events);
  ASSERT_EQ(claim(kT0, 16, 2).size(), 2U);
  EXPECT_TRUE(claim(kT0, 16, 2).empty()) << "the cap is full";
  CompleteWebhookAttemptsParams p;
  for (std::size_t i = 0; i < 2; ++i) {
    CompleteWebhookAttemptParams c;
    c.delivery_id = ds[i].id;
    c.owner = "w1";
    c.attempt = attempt(200, "succeeded");
    c.new_status = "succeeded";
    c.at_ms = kT0 + 10;
    p.completions.push_back(c);
  }
  ClaimWebhookDeliveriesParams& cl = p.claim.emplace();
  cl.now_ms = kT0 + 10;
  cl.owner = "w1";
  cl.limit = 16;
  cl.max_in_flight_per_endpoint = 2;
  auto r = store_->complete_webhook_attempts(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(ids(r->claimed), (std::vector<std::string>{ds[2].id, ds[3].id}));
}

TEST_F(WebhookStoreTest, CompleteManyWithoutAClaimClaimsNothing) {
  create_endpoint(we(1));
  const auto ds = enqueue(we(1), {add_event(""), add_event("")});
  ASSERT_EQ(claim(kT0, 1).size(), 1U);
  CompleteWebhookAttemptsParams p;
  CompleteWebhookAttemptParams c;
  c.delivery_id = ds[0].id;
  c.owner = "w1";
  c.attempt = attempt(200, "succeeded");
  c.new_status = "succeeded";
  p.completions = {c};
  auto r = store_->complete_webhook_attempts(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_TRUE(r->claimed.empty());
  EXPECT_EQ(delivery(ds[1].id).lease_owner, "");
  // Nothing at all is a valid (empty) batch.
  auto none = store_->complete_webhook_attempts({});
  ASSERT_TRUE(none.ok()) << to_string(none.status());
  EXPECT_TRUE(none->completed.empty());
}

TEST_F(WebhookStoreTest, CompleteManyTheSameDeliveryTwiceAppliesOnce) {
  create_endpoint(we(1));
  const auto ds = enqueue(we(1), {add_event("pi_a")});
  ASSERT_EQ(claim(kT0).size(), 1U);
  CompleteWebhookAttemptParams c;
  c.delivery_id = ds[0].id;
  c.owner = "w1";
  c.attempt = attempt(200, "succeeded");
  c.new_status = "succeeded";
  CompleteWebhookAttemptsParams p;
  p.completions = {c, c};
  auto r = store_->complete_webhook_attempts(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_TRUE(r->completed[0].applied);
  EXPECT_FALSE(r->completed[1].applied) << "the lease was cleared by the first";
  EXPECT_EQ(r->completed[1].delivery.total_attempts, 1U);
  ListWebhookAttemptsParams lp;
  lp.delivery_id = ds[0].id;
  auto attempts = store_->list_webhook_attempts(lp);
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 2U) << "both attempts are on record";
  EXPECT_EQ((*attempts)[0].number + (*attempts)[1].number, 3U);
}

TEST_F(WebhookStoreTest, ReleaseGivesBackOnlyTheOwnersUnattemptedLeases) {
  create_endpoint(we(1));
  const auto ds = enqueue(we(1), {add_event("pi_a"), add_event("pi_b"), add_event("pi_c")});
  ASSERT_EQ(claim(kT0, 2, 100, "w1").size(), 2U);
  ASSERT_EQ(claim(kT0, 1, 100, "w2").size(), 1U);
  CompleteWebhookAttemptsParams p;
  p.owner = "w1";
  p.release = {ds[0].id, ds[2].id};  // ds[2] is w2's: left as it is
  auto r = store_->complete_webhook_attempts(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->released, 1U);
  const WebhookDeliveryRow back = delivery(ds[0].id);
  EXPECT_EQ(back.lease_owner, "");
  EXPECT_EQ(back.lease_until_ms, 0);
  EXPECT_EQ(back.status, "pending");
  EXPECT_EQ(back.total_attempts, 0U) << "a release is not an attempt";
  EXPECT_EQ(delivery(ds[1].id).lease_owner, "w1");
  EXPECT_EQ(delivery(ds[2].id).lease_owner, "w2");
  EXPECT_EQ(ids(claim(kT0 + 1, 16, 100, "w3")), std::vector<std::string>{ds[0].id})
      << "claimable at once";
  ListWebhookAttemptsParams lp;
  EXPECT_TRUE(store_->list_webhook_attempts(lp)->empty());
}

TEST_F(WebhookStoreTest, CompleteManyIsAllOrNothing) {
  create_endpoint(we(1));
  const auto ds = enqueue(we(1), {add_event(""), add_event(""), add_event("")});
  ASSERT_EQ(claim(kT0, 2).size(), 2U);
  auto good = [&](std::size_t i) {
    CompleteWebhookAttemptParams c;
    c.delivery_id = ds[i].id;
    c.owner = "w1";
    c.attempt = attempt(200, "succeeded");
    c.new_status = "succeeded";
    return c;
  };
  auto base = [&] {
    CompleteWebhookAttemptsParams p;
    p.completions = {good(0), good(1)};
    p.owner = "w1";
    ClaimWebhookDeliveriesParams& cl = p.claim.emplace();
    cl.now_ms = kT0;
    cl.owner = "w1";
    return p;
  };
  struct Case {
    const char* name;
    void (*spoil)(CompleteWebhookAttemptsParams&);
    ErrorCode code;
    std::string message;
  };
  const Case cases[] = {
      {"unknown delivery", [](auto& p) { p.completions[1].delivery_id = make_id("msg_", 999); },
       ErrorCode::kNotFound,
       "store: complete_webhook_attempts: completions[1] (" + make_id("msg_", 999) +
           "): no delivery " + make_id("msg_", 999)},
      {"bad http status", [](auto& p) { p.completions[1].attempt.http_status = 42; },
       ErrorCode::kInvalidArgument,
       "store: complete_webhook_attempts: completions[1].attempt.http_status 42 is neither"},
      {"no owner in a completion", [](auto& p) { p.completions[0].owner = ""; },
       ErrorCode::kInvalidArgument, "completions[0].owner is empty"},
      {"other endpoint",
       [](auto& p) { p.completions[1].attempt.endpoint_id = "we_000000000000000000000002"; },
       ErrorCode::kInvalidArgument,
       "completions[1] (" + make_id("msg_", 2) +
           "): attempt.endpoint_id 'we_000000000000000000000002' is not the delivery's"},
      {"malformed release", [](auto& p) { p.release = {"msg_x"}; }, ErrorCode::kInvalidArgument,
       "release[0]: "},
      {"release without owner",
       [](auto& p) {
         p.owner = "";
         p.release = {make_id("msg_", 1)};
       },
       ErrorCode::kInvalidArgument, "store: complete_webhook_attempts: owner is empty"},
      {"bad claim", [](auto& p) { p.claim->lease_ms = 0; }, ErrorCode::kInvalidArgument,
       "claim.lease_ms 0 is not positive"},
      {"claim without owner", [](auto& p) { p.claim->owner = ""; }, ErrorCode::kInvalidArgument,
       "claim.owner is empty"},
      {"too many", [](auto& p) { p.completions.resize(10001, p.completions[0]); },
       ErrorCode::kInvalidArgument, "completions has 10001 entries, more than 10000"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CompleteWebhookAttemptsParams p = base();
    c.spoil(p);
    EXPECT_ERROR(store_->complete_webhook_attempts(p), c.code, c.message);
    ListWebhookAttemptsParams lp;
    EXPECT_TRUE(store_->list_webhook_attempts(lp)->empty()) << "no attempt recorded";
    EXPECT_EQ(delivery(ds[0].id).lease_owner, "w1") << "lease untouched";
    EXPECT_EQ(delivery(ds[0].id).status, "pending");
    EXPECT_EQ(delivery(ds[2].id).lease_owner, "") << "nothing claimed";
  }
  auto r = store_->complete_webhook_attempts(base());
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(ids(r->claimed), std::vector<std::string>{ds[2].id});
}

// ---- replay ----

TEST_F(WebhookStoreTest, ReplayRevivesExistingDeliveriesKeepingTheirIds) {
  create_endpoint(we(1));
  create_endpoint(we(2));
  const EventRow e = add_event("pi_a");
  const auto d1 = enqueue(we(1), {e});
  const auto d2 = enqueue(we(2), {e});
  ASSERT_EQ(claim(kT0).size(), 2U);
  complete_ok(d1[0].id, "succeeded");
  complete_ok(d2[0].id, "failed");
  ReplayWebhookParams p;
  p.event_id = e.id;
  p.at_ms = kT0 + 7000;
  auto r = store_->replay_webhook(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(ids(*r), (std::vector<std::string>{d1[0].id, d2[0].id}));
  for (const auto& d : *r) {
    EXPECT_EQ(d.status, "pending");
    EXPECT_EQ(d.round_attempts, 0U);
    EXPECT_EQ(d.total_attempts, 1U) << "its history is kept";
    EXPECT_EQ(d.next_attempt_at_ms, kT0 + 7000);
    EXPECT_EQ(d.completed_at_ms, 0);
    EXPECT_EQ(d.lease_owner, "");
  }
  EXPECT_TRUE(claim(kT0 + 6999).empty());
  EXPECT_EQ(claim(kT0 + 7000).size(), 2U);
  complete_ok(d1[0].id, "succeeded", "w1", kT0 + 7001);
  ListWebhookAttemptsParams lp;
  lp.delivery_id = d1[0].id;
  auto attempts = store_->list_webhook_attempts(lp);
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 2U);
  EXPECT_EQ((*attempts)[1].number, 2U) << "numbering goes on over rounds";
}

TEST_F(WebhookStoreTest, ReplayToOneEndpointCreatesTheMissingDelivery) {
  const EventRow old = add_event("pi_a", "intent.created.old");
  create_endpoint(we(1));  // newer than the event: no delivery of it
  const auto later = enqueue(we(1), {add_event("pi_a")});
  ReplayWebhookParams p;
  p.event_id = old.id;
  p.endpoint_id = we(1);
  p.new_delivery_id = msg(500);
  p.at_ms = kT0 + 100;
  auto r = store_->replay_webhook(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->size(), 1U);
  const WebhookDeliveryRow& d = (*r)[0];
  EXPECT_EQ(d.id, msg(500));
  EXPECT_EQ(d.endpoint_id, we(1));
  EXPECT_EQ(d.event_id, old.id);
  EXPECT_EQ(d.event_seq, old.seq);
  EXPECT_EQ(d.event_type, "intent.created.old");
  EXPECT_EQ(d.intent_id, "pi_a");
  EXPECT_EQ(d.status, "pending");
  EXPECT_EQ(d.next_attempt_at_ms, kT0 + 100);
  EXPECT_EQ(d.created_at_ms, kT0 + 100);
  // The older event of pi_a now goes first: the later one waits behind it.
  EXPECT_EQ(ids(claim(kT0 + 100)), std::vector<std::string>{msg(500)});
  complete_ok(msg(500), "succeeded", "w1", kT0 + 101);
  EXPECT_EQ(ids(claim(kT0 + 101)), std::vector<std::string>{later[0].id});
  // Replaying again reuses the pair's delivery: new_delivery_id is not used.
  p.new_delivery_id = msg(501);
  r = store_->replay_webhook(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(ids(*r), std::vector<std::string>{msg(500)});
}

TEST_F(WebhookStoreTest, ReplayOfALeasedDeliveryTakesItsLease) {
  create_endpoint(we(1));
  const EventRow e = add_event("pi_a");
  const auto ds = enqueue(we(1), {e});
  ASSERT_EQ(claim(kT0, 16, 100, "w1").size(), 1U);
  ReplayWebhookParams p;
  p.event_id = e.id;
  p.at_ms = kT0 + 10;
  ASSERT_TRUE(store_->replay_webhook(p).ok());
  EXPECT_EQ(ids(claim(kT0 + 10, 16, 100, "w2")), std::vector<std::string>{ds[0].id});
  auto r = complete(ds[0].id, "succeeded", "w1", kT0 + 11);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->applied) << "the attempt before the replay does not end the new round";
}

TEST_F(WebhookStoreTest, ReplayErrors) {
  create_endpoint(we(1));
  const EventRow e = add_event("pi_a");
  const auto ds = enqueue(we(1), {e});
  const EventRow other = add_event("pi_b");
  ReplayWebhookParams p;
  p.event_id = "evt_missing";
  EXPECT_ERROR(store_->replay_webhook(p), ErrorCode::kNotFound,
               "store: replay_webhook: no event evt_missing");
  p.event_id = e.id;
  p.endpoint_id = we(5);
  EXPECT_ERROR(store_->replay_webhook(p), ErrorCode::kNotFound,
               "store: replay_webhook: no endpoint " + we(5));
  p.event_id = other.id;
  p.endpoint_id = we(1);
  EXPECT_ERROR(
      store_->replay_webhook(p), ErrorCode::kInvalidArgument,
      "new_delivery_id is empty and endpoint " + we(1) + " has no delivery of event " + other.id);
  p.new_delivery_id = ds[0].id;
  EXPECT_ERROR(store_->replay_webhook(p), ErrorCode::kAlreadyExists,
               "delivery id " + ds[0].id + " is taken by another delivery");
  p.new_delivery_id = "msg_1";
  EXPECT_ERROR(store_->replay_webhook(p), ErrorCode::kInvalidArgument, "new_delivery_id: has 1");
  p.new_delivery_id.clear();
  p.event_id = "pi_a";
  EXPECT_ERROR(store_->replay_webhook(p), ErrorCode::kInvalidArgument,
               "event_id 'pi_a' does not start with \"evt_\"");
  // An event without deliveries, replayed to every endpoint: nothing to do.
  ReplayWebhookParams none;
  none.event_id = other.id;
  auto r = store_->replay_webhook(none);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_TRUE(r->empty());
}

// ---- lists and get_event ----

TEST_F(WebhookStoreTest, ListDeliveriesFiltersAndOrders) {
  create_endpoint(we(2));
  create_endpoint(we(1));
  const EventRow a = add_event("pi_a");
  const EventRow n = add_event("");
  const auto d2 = enqueue(we(2), {a, n});
  const auto d1 = enqueue(we(1), {a, n});
  ASSERT_EQ(claim(kT0).size(), 4U);
  complete_ok(d1[1].id, "failed");
  auto list = [&](ListWebhookDeliveriesParams p) {
    auto r = store_->list_webhook_deliveries(p);
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    return r.ok() ? ids(*r) : std::vector<std::string>{};
  };
  ListWebhookDeliveriesParams p;
  EXPECT_EQ(list(p), (std::vector<std::string>{d1[0].id, d2[0].id, d1[1].id, d2[1].id}))
      << "event_seq, then endpoint_id";
  p.endpoint_id = we(2);
  EXPECT_EQ(list(p), (std::vector<std::string>{d2[0].id, d2[1].id}));
  p = {};
  p.event_id = n.id;
  EXPECT_EQ(list(p), (std::vector<std::string>{d1[1].id, d2[1].id}));
  p = {};
  p.intent_id = "";
  EXPECT_EQ(list(p), (std::vector<std::string>{d1[1].id, d2[1].id})) << "\"\" = of no intent";
  p.intent_id = "pi_a";
  EXPECT_EQ(list(p), (std::vector<std::string>{d1[0].id, d2[0].id}));
  p = {};
  p.status = "failed";
  EXPECT_EQ(list(p), std::vector<std::string>{d1[1].id});
  p.endpoint_id = we(2);
  EXPECT_TRUE(list(p).empty());
  p = {};
  p.limit = 3;
  EXPECT_EQ(list(p).size(), 3U);
  p.limit = 0;
  EXPECT_ERROR(store_->list_webhook_deliveries(p), ErrorCode::kInvalidArgument,
               "store: list_webhook_deliveries: limit 0 is outside 1..100000");
  p.limit = 100001;
  EXPECT_ERROR(store_->list_webhook_deliveries(p), ErrorCode::kInvalidArgument,
               "limit 100001 is outside 1..100000");
  p = {};
  p.status = "dead";
  EXPECT_ERROR(store_->list_webhook_deliveries(p), ErrorCode::kInvalidArgument,
               "status 'dead' is not one of 'pending', 'succeeded', 'failed'");
  p = {};
  p.endpoint_id = "we_";
  EXPECT_ERROR(store_->list_webhook_deliveries(p), ErrorCode::kInvalidArgument, "endpoint_id:");
}

TEST_F(WebhookStoreTest, ListAttemptsFiltersAndOrders) {
  create_endpoint(we(1));
  create_endpoint(we(2));
  const EventRow a = add_event("");
  const EventRow b = add_event("");
  const auto d1 = enqueue(we(1), {a, b});
  const auto d2 = enqueue(we(2), {a});
  ASSERT_EQ(claim(kT0).size(), 3U);
  auto record = [&](const std::string& id, std::int64_t started) {
    CompleteWebhookAttemptParams p;
    p.delivery_id = id;
    p.owner = "w1";
    p.attempt = attempt(500, "retry", started);
    p.new_status = "pending";
    p.next_attempt_at_ms = kT0;
    auto r = store_->complete_webhook_attempt(p);
    ASSERT_TRUE(r.ok()) << to_string(r.status());
  };
  record(d1[1].id, kT0 + 30);
  record(d2[0].id, kT0 + 10);
  record(d1[0].id, kT0 + 20);
  auto list = [&](ListWebhookAttemptsParams p) {
    auto r = store_->list_webhook_attempts(p);
    EXPECT_TRUE(r.ok()) << to_string(r.status());
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& x : *r) out.push_back(x.delivery_id + "#" + std::to_string(x.number));
    }
    return out;
  };
  ListWebhookAttemptsParams p;
  EXPECT_EQ(list(p), (std::vector<std::string>{d2[0].id + "#1", d1[0].id + "#1", d1[1].id + "#1"}));
  p.endpoint_id = we(1);
  EXPECT_EQ(list(p), (std::vector<std::string>{d1[0].id + "#1", d1[1].id + "#1"}));
  p = {};
  p.event_id = a.id;
  EXPECT_EQ(list(p), (std::vector<std::string>{d2[0].id + "#1", d1[0].id + "#1"}));
  p.limit = 1;
  EXPECT_EQ(list(p), (std::vector<std::string>{d2[0].id + "#1"}));
  p.limit = 100001;
  EXPECT_ERROR(store_->list_webhook_attempts(p), ErrorCode::kInvalidArgument,
               "store: list_webhook_attempts: limit 100001 is outside 1..100000");
  p = {};
  p.delivery_id = "evt_1";
  EXPECT_ERROR(store_->list_webhook_attempts(p), ErrorCode::kInvalidArgument,
               "delivery_id: expected prefix \"msg_\", got \"evt_\"");
}

TEST_F(WebhookStoreTest, GetEvent) {
  const EventRow e = add_event("pi_a", "payment.detected");
  auto r = store_->get_event({e.id});
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->id, e.id);
  EXPECT_EQ(r->seq, 2U);
  EXPECT_EQ(r->intent_id, "pi_a");
  EXPECT_EQ(r->intent_seq, 2U);
  EXPECT_EQ(r->type, "payment.detected");
  EXPECT_EQ(r->hash.size(), 64U);
  auto created = store_->get_event({"evt_created_pi_a"});
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->hash, r->prev_hash);
  EXPECT_ERROR(store_->get_event({"evt_nope"}), ErrorCode::kNotFound,
               "store: get_event: no event evt_nope");
  EXPECT_ERROR(store_->get_event({""}), ErrorCode::kInvalidArgument,
               "store: get_event: id is empty");
  EXPECT_ERROR(store_->get_event({"pi_a"}), ErrorCode::kInvalidArgument,
               "id 'pi_a' does not start with \"evt_\"");
}

// ---- the schema ----

TEST_F(WebhookStoreTest, HeadsStayConsistent) {
  // After a mix of everything, every (endpoint, intent) with pending
  // deliveries has exactly one head, the one with the lowest event_seq.
  create_endpoint(we(1));
  create_endpoint(we(2));
  std::vector<EventRow> events;
  for (int i = 0; i < 30; ++i) events.push_back(add_event("pi_" + std::to_string(i % 4)));
  enqueue(we(1), events);
  enqueue(we(2), std::vector<EventRow>(events.begin(), events.begin() + 15));
  for (int round = 0; round < 6; ++round) {
    for (const auto& d : claim(kT0 + round, 5, 3)) {
      complete_ok(d.id, round % 3 == 0 ? "pending" : (round % 3 == 1 ? "succeeded" : "failed"),
                  "w1", kT0 + round, kT0 + round + 1);
    }
    ReplayWebhookParams p;
    p.event_id = events[static_cast<std::size_t>(round) * 4].id;
    p.endpoint_id = we(2);
    p.new_delivery_id = msg(1000 + round);
    p.at_ms = kT0 + round;
    ASSERT_TRUE(store_->replay_webhook(p).ok());
  }
  Raw raw(path_);
  EXPECT_EQ(raw.one("SELECT count(*) FROM webhook_deliveries WHERE is_head = 1 AND status != "
                    "'pending'"),
            "0");
  EXPECT_EQ(raw.one("SELECT count(*) FROM (SELECT endpoint_id, intent_id FROM webhook_deliveries "
                    "WHERE status = 'pending' AND intent_id != '' GROUP BY endpoint_id, intent_id "
                    "HAVING sum(is_head) != 1)"),
            "0")
      << "one head per pair with pending deliveries";
  EXPECT_EQ(raw.one("SELECT count(*) FROM webhook_deliveries h WHERE h.is_head = 1 AND EXISTS "
                    "(SELECT 1 FROM webhook_deliveries o WHERE o.endpoint_id = h.endpoint_id AND "
                    "o.intent_id = h.intent_id AND o.status = 'pending' AND o.event_seq < "
                    "h.event_seq)"),
            "0")
      << "the head is the lowest pending event_seq";
  EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.one("PRAGMA foreign_key_check"), "");
}

TEST_F(WebhookStoreTest, TheClaimReadsTheHeadIndex) {
  Raw raw(path_);
  const std::string plan = raw.all(
      "EXPLAIN QUERY PLAN SELECT id FROM webhook_deliveries WHERE endpoint_id = ?1 AND is_head = "
      "1 AND next_attempt_at_ms <= ?2 AND lease_until_ms <= ?2 ORDER BY next_attempt_at_ms, "
      "event_seq LIMIT ?3",
      3);
  EXPECT_TRUE(contains(plan,
                       "USING INDEX webhook_deliveries_claim (endpoint_id=? AND "
                       "next_attempt_at_ms<?)"))
      << plan;
  EXPECT_FALSE(contains(plan, "TEMP B-TREE")) << "no sort: the index is in claim order\n" << plan;
  // The head refresh's two reads and fan-out's probe: short ranges of the
  // pending index, in order (no sort). Named with INDEXED BY: without
  // statistics the planner may take the status index and walk every
  // pending delivery.
  for (const char* sql :
       {"SELECT id, event_seq FROM webhook_deliveries INDEXED BY webhook_deliveries_pending WHERE "
        "endpoint_id = ?1 AND intent_id = ?2 AND status = 'pending' AND is_head = 0 ORDER BY "
        "event_seq LIMIT 1",
        "SELECT event_seq, id FROM webhook_deliveries INDEXED BY webhook_deliveries_pending WHERE "
        "endpoint_id = ?1 AND intent_id = ?2 AND status = 'pending' AND is_head = 1 ORDER BY "
        "event_seq",
        "SELECT 1 FROM webhook_deliveries INDEXED BY webhook_deliveries_pending WHERE endpoint_id "
        "= ?1 AND intent_id = ?2 AND status = 'pending' LIMIT 1"}) {
    const std::string refresh = raw.all(std::string("EXPLAIN QUERY PLAN ") + sql, 3);
    EXPECT_TRUE(contains(refresh,
                         "USING INDEX webhook_deliveries_pending (endpoint_id=? AND "
                         "intent_id=?"))
        << sql << "\n"
        << refresh;
    EXPECT_FALSE(contains(refresh, "TEMP B-TREE")) << sql << "\n" << refresh;
  }
  // An event's attempts: through its deliveries, then the attempts' key.
  const std::string by_event = raw.all(
      "EXPLAIN QUERY PLAN SELECT number FROM webhook_attempts WHERE 1 AND event_id = ?3 AND "
      "delivery_id IN (SELECT id FROM webhook_deliveries WHERE event_id = ?3) ORDER BY "
      "started_at_ms, delivery_id, number LIMIT ?4",
      3);
  EXPECT_TRUE(contains(by_event, "USING INDEX sqlite_autoindex_webhook_attempts_1 (delivery_id=?)"))
      << by_event;
  EXPECT_TRUE(contains(by_event,
                       "USING INDEX sqlite_autoindex_webhook_deliveries_2 "
                       "(event_id=?)"))
      << by_event;
  const std::string leases = raw.all(
      "EXPLAIN QUERY PLAN SELECT endpoint_id, count(*) FROM webhook_deliveries INDEXED BY "
      "webhook_deliveries_leases WHERE status = 'pending' AND lease_until_ms > 0 AND "
      "lease_until_ms > ?1 GROUP BY endpoint_id",
      3);
  EXPECT_TRUE(contains(leases, "USING INDEX webhook_deliveries_leases (lease_until_ms>?)"))
      << leases;
  // Listing by a status other than succeeded reads the partial status
  // index in event order; succeeded walks the event-order index. No sort.
  const std::string list =
      std::string("EXPLAIN QUERY PLAN SELECT id FROM webhook_deliveries ") +
      "WHERE 1 AND status = ?4 AND status <> 'succeeded' ORDER BY event_seq, " +
      "endpoint_id LIMIT ?5";
  const std::string by_status = raw.all(list, 3);
  EXPECT_TRUE(contains(by_status, "USING INDEX webhook_deliveries_status (status=?)")) << by_status;
  const std::string succeeded = raw.all(
      "EXPLAIN QUERY PLAN SELECT id FROM webhook_deliveries WHERE 1 AND status = ?4 ORDER BY "
      "event_seq, endpoint_id LIMIT ?5",
      3);
  EXPECT_TRUE(contains(succeeded, "USING INDEX webhook_deliveries_seq")) << succeeded;
  EXPECT_FALSE(contains(succeeded + by_status, "TEMP B-TREE")) << succeeded << by_status;
}

// Migration 7's partial indexes hold exactly the rows their conditions name
// at every step of a delivery's life: a success leaves neither, a running
// lease is in the leases index only while it runs, a dead letter stays in
// the status index.
TEST_F(WebhookStoreTest, PartialIndexesHoldOnlyUnfinishedDeliveriesAndRunningLeases) {
  create_endpoint(we(1));
  const auto d = enqueue(we(1), {add_event(""), add_event(""), add_event(""), add_event("")});
  ASSERT_EQ(d.size(), 4U);
  Raw raw(path_);
  const auto in_status = [&] {
    return raw.one(
        "SELECT count(*) FROM webhook_deliveries INDEXED BY webhook_deliveries_status WHERE "
        "status <> 'succeeded' AND status >= ''");
  };
  const auto in_leases = [&] {
    return raw.one(
        "SELECT count(*) FROM webhook_deliveries INDEXED BY webhook_deliveries_leases WHERE "
        "status = 'pending' AND lease_until_ms > 0 AND lease_until_ms > -1");
  };
  EXPECT_EQ(in_status(), "4");
  EXPECT_EQ(in_leases(), "0") << "nothing leased yet";
  ASSERT_EQ(claim(kT0, 3).size(), 3U);
  EXPECT_EQ(in_leases(), "3");
  complete_ok(d[0].id, "succeeded");
  complete_ok(d[1].id, "failed");
  complete_ok(d[2].id, "pending", "w1", kT0 + 2000, kT0 + 9000);  // a retry later
  EXPECT_EQ(in_leases(), "0");
  EXPECT_EQ(in_status(), "3") << "the failed one and the two pending";
  // What the listings give agrees with the table itself, status by status.
  for (const char* status_name : {"pending", "succeeded", "failed"}) {
    const std::string status = status_name;
    ListWebhookDeliveriesParams p;
    p.status = status;
    auto rows = store_->list_webhook_deliveries(p);
    ASSERT_TRUE(rows.ok()) << to_string(rows.status());
    EXPECT_EQ(std::to_string(rows->size()),
              raw.one("SELECT count(*) FROM webhook_deliveries NOT INDEXED WHERE status = '" +
                      status + "'"))
        << status;
    for (std::size_t i = 0; i < rows->size(); ++i) {
      EXPECT_EQ((*rows)[i].status, status);
      if (i > 0) {
        EXPECT_LT((*rows)[i - 1].event_seq, (*rows)[i].event_seq) << "event order";
      }
    }
  }
  EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
}

TEST(WebhookMigrationTest, VersionTwoFileIsMigratedAndKeepsItsData) {
  TempDir dir;
  const std::string path = dir.file("v2.db");
  {
    std::unique_ptr<Store> store = open_or_die(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_intent(intent_params("pi_old")).ok());
  }
  {
    // Turn the file back into what the version 2 code left: migration 3's
    // tables (and with them their indexes), migration 4's index, migration
    // 5's column and indexes and their schema_version rows gone.
    Raw raw(path);
    raw.exec(
        "BEGIN; DROP TABLE webhook_attempts; DROP TABLE webhook_deliveries; "
        "DROP TABLE webhook_endpoints; DROP INDEX payments_intent_order; "
        "DROP INDEX payments_to_address; DROP INDEX payments_from_address; "
        "DROP INDEX intents_deposit_address; ALTER TABLE payments DROP COLUMN final_head_block; "
        "DELETE FROM schema_version WHERE version >= 3; COMMIT");
    ASSERT_EQ(raw.one("SELECT MAX(version) FROM schema_version"), "2");
    ASSERT_EQ(raw.one("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'webhook%'"), "0");
  }
  std::unique_ptr<Store> store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  {
    Raw raw(path);
    EXPECT_EQ(raw.one("SELECT group_concat(version, ',') FROM schema_version"), "1,2,3,4,5,6,7");
    EXPECT_EQ(raw.one("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE "
                      "'webhook%'"),
              "3");
    EXPECT_EQ(raw.one("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                      "('webhook_deliveries_claim', 'webhook_deliveries_pending', "
                      "'webhook_deliveries_leases')"),
              "3");
    EXPECT_EQ(raw.one("SELECT count(*) FROM sqlite_schema WHERE name IN "
                      "('webhook_deliveries_heads', 'webhook_deliveries_order', "
                      "'webhook_attempts_event')"),
              "0")
        << "migration 3 made them, migration 6 dropped them";
  }
  auto old = store->get_intent({"pi_old"});
  ASSERT_TRUE(old.ok()) << to_string(old.status());
  auto endpoint = store->create_webhook_endpoint({endpoint_row(we(1))});
  ASSERT_TRUE(endpoint.ok()) << to_string(endpoint.status());
  EXPECT_EQ(endpoint->fanout_seq, 1U) << "the old intent.created event";
  ReplayWebhookParams p;
  p.event_id = "evt_created_pi_old";
  p.endpoint_id = we(1);
  p.new_delivery_id = msg(1);
  auto replayed = store->replay_webhook(p);
  ASSERT_TRUE(replayed.ok()) << to_string(replayed.status());
  ASSERT_EQ(replayed->size(), 1U);
  EXPECT_EQ((*replayed)[0].intent_id, "pi_old");
}

// A version 6 file with deliveries in every state: migration 7 makes the
// status and leases indexes partial, and running leases still count, dead
// letters and pending ones are still listed, the queue goes on.
TEST(WebhookMigrationTest, VersionSixFileKeepsItsLeasesAndListings) {
  TempDir dir;
  const std::string path = dir.file("v6.db");
  std::vector<WebhookDeliveryRow> queued;
  {
    std::unique_ptr<Store> store = open_or_die(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_webhook_endpoint({endpoint_row(we(1))}).ok());
    ApplyScanParams scan;
    scan.chain = "eip155:1";
    scan.new_next_block = 1;
    EnqueueWebhookDeliveriesParams ep;
    ep.endpoint_id = we(1);
    ep.expected_fanout_seq = 0;
    ep.new_fanout_seq = 4;
    ep.at_ms = kT0;
    for (int i = 1; i <= 4; ++i) {
      NewIntentEvent e;
      e.event.id = "evt_" + std::to_string(i);
      e.event.type = "payment.unmatched";
      e.event.actor = "tracker";
      scan.events.push_back(e);
      WebhookDeliveryRow d;
      d.id = msg(i);
      d.event_id = e.event.id;
      d.event_seq = static_cast<std::uint64_t>(i);
      d.event_type = e.event.type;
      d.next_attempt_at_ms = kT0;
      ep.deliveries.push_back(d);
    }
    ASSERT_TRUE(store->apply_scan(scan).ok());
    ASSERT_TRUE(store->enqueue_webhook_deliveries(ep).ok());
    ClaimWebhookDeliveriesParams cp;
    cp.now_ms = kT0;
    cp.lease_ms = 60000;
    cp.owner = "w1";
    cp.limit = 3;
    cp.max_in_flight_per_endpoint = 3;
    auto claimed = store->claim_webhook_deliveries(cp);
    ASSERT_TRUE(claimed.ok()) << to_string(claimed.status());
    ASSERT_EQ(claimed->size(), 3U);
    for (const char* outcome : {"succeeded", "failed"}) {
      CompleteWebhookAttemptParams c;
      c.delivery_id = outcome[0] == 's' ? msg(1) : msg(2);
      c.owner = "w1";
      c.attempt = attempt(outcome[0] == 's' ? 200 : 500, outcome);
      c.new_status = outcome;
      c.at_ms = kT0 + 10;
      ASSERT_TRUE(store->complete_webhook_attempt(c).ok());
    }
    // msg 3 is still leased (until kT0 + 60000), msg 4 waits.
  }
  {
    // Back to version 6: its two full indexes.
    Raw raw(path);
    raw.exec(
        "BEGIN; DROP INDEX webhook_deliveries_status; DROP INDEX webhook_deliveries_leases; "
        "CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, event_seq); "
        "CREATE INDEX webhook_deliveries_leases ON webhook_deliveries (lease_until_ms, "
        "endpoint_id) WHERE status = 'pending'; DELETE FROM schema_version WHERE version >= 7; "
        "COMMIT");
    ASSERT_EQ(raw.one("SELECT MAX(version) FROM schema_version"), "6");
  }
  std::unique_ptr<Store> store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  {
    Raw raw(path);
    EXPECT_EQ(raw.one("SELECT group_concat(version, ',') FROM schema_version"), "1,2,3,4,5,6,7");
    EXPECT_EQ(raw.one("SELECT sql FROM sqlite_schema WHERE name = 'webhook_deliveries_status'"),
              "CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, event_seq, "
              "endpoint_id)\n"
              "  WHERE status <> 'succeeded'");
    EXPECT_EQ(raw.one("SELECT sql FROM sqlite_schema WHERE name = 'webhook_deliveries_leases'"),
              "CREATE INDEX webhook_deliveries_leases ON webhook_deliveries (lease_until_ms, "
              "endpoint_id)\n  WHERE status = 'pending' AND lease_until_ms > 0");
    EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
  }
  const auto listed = [&](const std::string& status) {
    ListWebhookDeliveriesParams p;
    p.status = status;
    auto rows = store->list_webhook_deliveries(p);
    EXPECT_TRUE(rows.ok()) << to_string(rows.status());
    std::vector<std::string> out;
    if (rows.ok()) {
      for (const auto& d : *rows) out.push_back(d.id);
    }
    return out;
  };
  EXPECT_EQ(listed("succeeded"), std::vector<std::string>{msg(1)});
  EXPECT_EQ(listed("failed"), std::vector<std::string>{msg(2)});
  EXPECT_EQ(listed("pending"), (std::vector<std::string>{msg(3), msg(4)}));
  // msg 3's lease still runs and counts: with a cap of 1 nothing more goes.
  ClaimWebhookDeliveriesParams cp;
  cp.now_ms = kT0 + 100;
  cp.lease_ms = 60000;
  cp.owner = "w2";
  cp.limit = 10;
  cp.max_in_flight_per_endpoint = 1;
  auto none = store->claim_webhook_deliveries(cp);
  ASSERT_TRUE(none.ok()) << to_string(none.status());
  EXPECT_TRUE(none->empty());
  cp.max_in_flight_per_endpoint = 2;
  auto next = store->claim_webhook_deliveries(cp);
  ASSERT_TRUE(next.ok()) << to_string(next.status());
  ASSERT_EQ(next->size(), 1U);
  EXPECT_EQ((*next)[0].id, msg(4));
}

// The closed sets are CHECKed as comparisons (migration 6): the statements
// of every delivery build no temporary b-tree, and the checks still refuse
// what is outside the sets.
TEST_F(WebhookStoreTest, TheChecksRefuseOutsideTheirSetsWithoutATemporaryTable) {
  create_endpoint(we(1));
  const auto d = enqueue(we(1), {add_event("pi_a")});
  ASSERT_EQ(d.size(), 1U);
  Raw raw(path_);
  for (const std::string sql :
       {"INSERT INTO webhook_attempts (delivery_id, endpoint_id, event_id, number, "
        "started_at_ms, latency_ms, http_status, error, response_excerpt, outcome) VALUES (?1, "
        "?2, ?3, (SELECT COALESCE(MAX(number), 0) + 1 FROM webhook_attempts WHERE delivery_id = "
        "?1), ?4, ?5, ?6, ?7, ?8, ?9)",
        "UPDATE webhook_deliveries SET status = ?2, is_head = CASE WHEN ?3 THEN 0 ELSE is_head "
        "END WHERE id = ?1"}) {
    const std::string plan = raw.all("EXPLAIN " + sql, 1);
    EXPECT_FALSE(contains(plan, "OpenEphemeral")) << sql << "\n" << plan;
  }
  const std::string id = d[0].id;
  auto refused = [&](const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(raw.db, sql.c_str(), nullptr, nullptr, &message);
    const std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    return rc == SQLITE_CONSTRAINT && contains(text, "CHECK constraint failed");
  };
  EXPECT_TRUE(refused("UPDATE webhook_deliveries SET status = 'sent' WHERE id = '" + id + "'"));
  EXPECT_TRUE(refused("UPDATE webhook_deliveries SET is_head = 2 WHERE id = '" + id + "'"));
  EXPECT_TRUE(refused("UPDATE webhook_deliveries SET status = 'failed', is_head = 1 WHERE id = '" +
                      id + "'"));
  EXPECT_TRUE(refused(
      "INSERT INTO webhook_attempts (delivery_id, endpoint_id, event_id, number, started_at_ms, "
      "latency_ms, http_status, error, response_excerpt, outcome) VALUES ('" +
      id + "', '', '', 1, 0, 0, 200, '', '', 'delivered')"));
  EXPECT_FALSE(refused(
      "INSERT INTO webhook_attempts (delivery_id, endpoint_id, event_id, number, started_at_ms, "
      "latency_ms, http_status, error, response_excerpt, outcome) VALUES ('" +
      id + "', '', '', 1, 0, 0, 200, '', '', 'gone')"))
      << "each value of the set is allowed";
  EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
}

// A version 5 file with queued deliveries: migration 6 swaps the heads and
// order indexes (and the attempts' index by event) for the pending index,
// and the queue goes on as it was: the head first, the others in order.
TEST(WebhookMigrationTest, QueueMadeUnderVersionFiveGoesOnInOrder) {
  TempDir dir;
  const std::string path = dir.file("v5q.db");
  {
    std::unique_ptr<Store> store = open_or_die(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_webhook_endpoint({endpoint_row(we(1))}).ok());
    ASSERT_TRUE(store->create_intent(intent_params("pi_a")).ok());
    ApplyScanParams scan;
    scan.chain = "eip155:1";
    scan.new_next_block = 1;
    for (int i = 0; i < 2; ++i) {
      NewIntentEvent e;
      e.intent_id = "pi_a";
      e.event.id = "evt_a" + std::to_string(i);
      e.event.type = "payment.detected";
      e.event.actor = "tracker";
      scan.events.push_back(e);
    }
    ASSERT_TRUE(store->apply_scan(scan).ok());
  }
  {
    // Back to version 5, then the queue as the version 5 code wrote it:
    // three deliveries of pi_a (seqs 1..3), the first the head with one
    // failed attempt on record.
    Raw raw(path);
    raw.exec(
        "BEGIN; DROP INDEX webhook_deliveries_pending; CREATE INDEX webhook_deliveries_heads ON "
        "webhook_deliveries (endpoint_id, intent_id) WHERE is_head = 1; CREATE INDEX "
        "webhook_deliveries_order ON webhook_deliveries (endpoint_id, intent_id, event_seq) WHERE "
        "status = 'pending'; CREATE INDEX webhook_attempts_event ON webhook_attempts (event_id, "
        "started_at_ms); DELETE FROM schema_version WHERE version >= 6; "
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_seq, event_type, "
        "intent_id, status, is_head, round_attempts, total_attempts, next_attempt_at_ms, "
        "lease_until_ms, lease_owner, last_http_status, last_error, created_at_ms, updated_at_ms, "
        "completed_at_ms) SELECT 'msg_' || substr('00000000000000000000000' || seq, -24), '" +
        we(1) +
        "', id, seq, type, intent_id, 'pending', seq = 1, 0, 0, 0, 0, '', 0, '', 0, 0, 0 FROM "
        "events ORDER BY seq; UPDATE webhook_endpoints SET fanout_seq = 3; "
        "INSERT INTO webhook_attempts (delivery_id, number, endpoint_id, event_id, started_at_ms, "
        "latency_ms, http_status, error, response_excerpt, outcome) SELECT id, 1, endpoint_id, "
        "event_id, 5, 1, 500, 'http status 500', '', 'retry' FROM webhook_deliveries WHERE "
        "event_seq = 1; COMMIT");
    ASSERT_EQ(raw.one("SELECT MAX(version) FROM schema_version"), "5");
    ASSERT_EQ(raw.one("SELECT count(*) FROM webhook_deliveries WHERE is_head = 1"), "1");
  }
  std::unique_ptr<Store> store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  {
    Raw raw(path);
    EXPECT_EQ(raw.one("SELECT group_concat(version, ',') FROM schema_version"), "1,2,3,4,5,6,7");
    EXPECT_EQ(raw.one("SELECT count(*) FROM sqlite_schema WHERE name IN "
                      "('webhook_deliveries_heads', 'webhook_deliveries_order', "
                      "'webhook_attempts_event')"),
              "0");
    EXPECT_EQ(raw.one("SELECT sql FROM sqlite_schema WHERE name = 'webhook_deliveries_pending'"),
              "CREATE INDEX webhook_deliveries_pending ON webhook_deliveries\n  (endpoint_id, "
              "intent_id, is_head, event_seq) WHERE status = 'pending'");
    EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
  }
  ListWebhookDeliveriesParams lp;
  auto queued = store->list_webhook_deliveries(lp);
  ASSERT_TRUE(queued.ok()) << to_string(queued.status());
  ASSERT_EQ(queued->size(), 3U);
  // The attempt of the first event is found by event after the migration.
  ListWebhookAttemptsParams ap;
  ap.event_id = (*queued)[0].event_id;
  auto attempts = store->list_webhook_attempts(ap);
  ASSERT_TRUE(attempts.ok()) << to_string(attempts.status());
  ASSERT_EQ(attempts->size(), 1U);
  EXPECT_EQ((*attempts)[0].delivery_id, (*queued)[0].id);
  // One at a time, in event order.
  for (std::size_t i = 0; i < 3; ++i) {
    ClaimWebhookDeliveriesParams cp;
    cp.now_ms = kT0 + static_cast<std::int64_t>(i);
    cp.lease_ms = 60000;
    cp.owner = "w1";
    cp.limit = 10;
    cp.max_in_flight_per_endpoint = 10;
    auto claimed = store->claim_webhook_deliveries(cp);
    ASSERT_TRUE(claimed.ok()) << to_string(claimed.status());
    ASSERT_EQ(claimed->size(), 1U) << "round " << i;
    EXPECT_EQ((*claimed)[0].id, (*queued)[i].id);
    CompleteWebhookAttemptParams c;
    c.delivery_id = (*claimed)[0].id;
    c.owner = "w1";
    c.attempt = attempt(200, "succeeded");
    c.new_status = "succeeded";
    c.at_ms = cp.now_ms;
    auto done = store->complete_webhook_attempt(c);
    ASSERT_TRUE(done.ok()) << to_string(done.status());
    EXPECT_TRUE(done->applied);
  }
  ap = {};
  ap.delivery_id = (*queued)[0].id;
  attempts = store->list_webhook_attempts(ap);
  ASSERT_TRUE(attempts.ok()) << to_string(attempts.status());
  ASSERT_EQ(attempts->size(), 2U);
  EXPECT_EQ((*attempts)[1].number, 2U) << "numbers go on from the version 5 attempt";
}

// ---- concurrency ----

// Threads, each with its own Store (so its own connections: they contend on
// SQLite's file lock like processes), claim and complete at once. No delivery
// is ever held by two of them at the same time, and every one ends up
// delivered.
TEST(WebhookClaimConcurrencyTest, ClaimersOnSeparateConnectionsNeverShareADelivery) {
  TempDir dir;
  const std::string path = dir.file("claims.db");
  constexpr int kDeliveries = 300;
  {
    std::unique_ptr<Store> store = open_or_die(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_webhook_endpoint({endpoint_row(we(1))}).ok());
    ASSERT_TRUE(store->create_webhook_endpoint({endpoint_row(we(2))}).ok());
    ApplyScanParams scan;
    scan.chain = "eip155:1";
    scan.new_next_block = 1;
    for (int i = 0; i < kDeliveries; ++i) {
      NewIntentEvent e;
      e.event.id = "evt_" + std::to_string(i + 1);
      e.event.type = "payment.unmatched";
      e.event.actor = "tracker";
      scan.events.push_back(e);
    }
    ASSERT_TRUE(store->apply_scan(scan).ok());
    for (int endpoint = 1; endpoint <= 2; ++endpoint) {
      EnqueueWebhookDeliveriesParams p;
      p.endpoint_id = we(endpoint);
      p.new_fanout_seq = static_cast<std::uint64_t>(kDeliveries / 2 * endpoint);
      p.expected_fanout_seq = 0;
      for (int i = (endpoint - 1) * kDeliveries / 2; i < endpoint * kDeliveries / 2; ++i) {
        WebhookDeliveryRow d;
        d.id = msg(i + 1);
        d.event_id = "evt_" + std::to_string(i + 1);
        d.event_seq = static_cast<std::uint64_t>(i + 1);
        d.event_type = "payment.unmatched";
        p.deliveries.push_back(d);
      }
      // The second endpoint's fan-out starts where nothing was fanned out yet.
      auto r = store->enqueue_webhook_deliveries(p);
      ASSERT_TRUE(r.ok()) << to_string(r.status());
      ASSERT_EQ(*r, static_cast<std::size_t>(kDeliveries / 2));
    }
  }
  constexpr int kThreads = 6;
  std::mutex mu;
  std::set<std::string> held;
  std::map<std::string, int> claims;
  std::atomic<int> overlaps{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::unique_ptr<Store> store = open_or_die(path);
      if (store == nullptr) {
        ++errors;
        return;
      }
      const std::string owner = "thread-" + std::to_string(t);
      int idle = 0;
      std::uint64_t turn = 0;
      while (idle < 50) {
        ClaimWebhookDeliveriesParams p;
        p.now_ms = kT0;
        p.owner = owner;
        p.limit = 4;
        p.max_in_flight_per_endpoint = 8;
        auto got = store->claim_webhook_deliveries(p);
        if (!got.ok()) {
          ADD_FAILURE() << to_string(got.status());
          ++errors;
          return;
        }
        if (got->empty()) {
          ++idle;
          std::this_thread::yield();
          continue;
        }
        idle = 0;
        {
          std::lock_guard<std::mutex> lock(mu);
          for (const auto& d : *got) {
            if (!held.insert(d.id).second) ++overlaps;
            ++claims[d.id];
          }
        }
        for (const auto& d : *got) {
          // Let it go before completing: once complete commits, another
          // claimer may rightly take a delivery that goes back to pending.
          {
            std::lock_guard<std::mutex> lock(mu);
            held.erase(d.id);
          }
          CompleteWebhookAttemptParams c;
          c.delivery_id = d.id;
          c.owner = owner;
          // Every third attempt fails and is due again at once.
          const bool fail = (++turn + static_cast<std::uint64_t>(t)) % 3 == 0;
          c.attempt = attempt(fail ? 500 : 200, fail ? "retry" : "succeeded");
          c.new_status = fail ? "pending" : "succeeded";
          c.next_attempt_at_ms = kT0;
          c.at_ms = kT0;
          auto r = store->complete_webhook_attempt(c);
          if (!r.ok() || !r->applied) {
            ADD_FAILURE() << (r.ok() ? "not applied: " + d.id : to_string(r.status()));
            ++errors;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(overlaps.load(), 0) << "a delivery was leased to two claimers at once";
  EXPECT_EQ(errors.load(), 0);
  std::unique_ptr<Store> store = open_or_die(path);
  ASSERT_NE(store, nullptr);
  ListWebhookDeliveriesParams all;
  auto rows = store->list_webhook_deliveries(all);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), static_cast<std::size_t>(kDeliveries));
  std::size_t attempts = 0;
  for (const auto& d : *rows) {
    EXPECT_EQ(d.status, "succeeded") << d.id;
    EXPECT_EQ(static_cast<int>(d.total_attempts), claims[d.id])
        << d.id << ": one attempt per claim";
    attempts += d.total_attempts;
  }
  ListWebhookAttemptsParams lp;
  lp.limit = 100000;
  EXPECT_EQ(store->list_webhook_attempts(lp)->size(), attempts);
}

}  // namespace
}  // namespace usd1pay
