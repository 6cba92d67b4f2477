// WebhookEndpoints on a real SQLite store with a ManualClock: add (URL,
// destination guard, filters, secrets, description, source), enable /
// disable, secret rotation with a grace period, replay errors, and the config
// file's endpoints (sync_config_endpoints).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "usd1pay/clock.h"
#include "usd1pay/id.h"
#include "usd1pay/store.h"
#include "usd1pay/webhook.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::TempDir;

constexpr std::int64_t kStartMs = 1767225600000;  // 2026-01-01T00:00:00Z
// 32 bytes of key, as a Standard Webhooks secret and bare.
constexpr const char* kBare = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class EndpointsTest : public ::testing::Test {
 protected:
  EndpointsTest() : clock_(TimePoint(milliseconds(kStartMs))) {}
  void SetUp() override {
    auto s = open_sqlite_store({dir_.file("store.db")});
    ASSERT_TRUE(s.ok()) << to_string(s.status());
    store_ = std::move(s).value();
    DestinationPolicy open;
    open.allow_private_destinations = true;
    endpoints_ = std::make_unique<WebhookEndpoints>(*store_, clock_, open);
  }

  AddWebhookEndpointParams params(const std::string& path = "/hook") {
    AddWebhookEndpointParams p;
    p.url = "http://127.0.0.1:8080" + path;
    return p;
  }

  WebhookEndpointRow get(const std::string& id) {
    auto e = endpoints_->get(id);
    EXPECT_TRUE(e.ok()) << to_string(e.status());
    return e.ok() ? *e : WebhookEndpointRow{};
  }

  WebhookEndpointRow by_url(const std::string& url) {
    auto all = endpoints_->list();
    EXPECT_TRUE(all.ok());
    for (const auto& e : *all) {
      if (e.url == url) return e;
    }
    ADD_FAILURE() << "no endpoint " << url;
    return {};
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<WebhookEndpoints> endpoints_;
};

TEST_F(EndpointsTest, AddGeneratesASecretAndStoresWhatWasGiven) {
  AddWebhookEndpointParams p = params();
  p.event_types = {"intent.*", "payment.confirmed"};
  p.description = "shop backend — orders";
  auto e = endpoints_->add(p);
  ASSERT_TRUE(e.ok()) << to_string(e.status());
  EXPECT_TRUE(validate_id(e->id, kWebhookEndpointIdPrefix).ok()) << e->id;
  EXPECT_EQ(e->url, p.url);
  EXPECT_EQ(e->event_types, p.event_types);
  EXPECT_EQ(e->description, p.description);
  EXPECT_TRUE(e->enabled);
  EXPECT_EQ(e->source, "api");
  EXPECT_EQ(e->created_at_ms, kStartMs);
  ASSERT_EQ(e->secrets.size(), 1U);
  EXPECT_EQ(e->secrets[0].secret.rfind("whsec_", 0), 0U);
  auto key = decode_webhook_secret(e->secrets[0].secret);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), 32U);
  EXPECT_EQ(e->secrets[0].expires_at_ms, 0);
  // Two endpoints never share a generated secret.
  auto f = endpoints_->add(params("/other"));
  ASSERT_TRUE(f.ok());
  EXPECT_NE(f->secrets[0].secret, e->secrets[0].secret);
  EXPECT_EQ(get(e->id).secrets[0].secret, e->secrets[0].secret);
}

TEST_F(EndpointsTest, AGivenSecretIsKeptABareOneGetsThePrefix) {
  AddWebhookEndpointParams p = params();
  p.secret = kSecret;
  EXPECT_EQ(endpoints_->add(p)->secrets[0].secret, kSecret);
  p.secret = kBare;
  EXPECT_EQ(endpoints_->add(p)->secrets[0].secret, kSecret);
}

TEST_F(EndpointsTest, AddRefusesBadInputNamingWhatAndNeverEchoesTheSecret) {
  struct Case {
    std::function<void(AddWebhookEndpointParams&)> edit;
    ErrorCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](auto& p) { p.url = "ftp://127.0.0.1/x"; }, ErrorCode::kInvalidArgument, "webhook url"},
      {[](auto& p) { p.url = "http://user@127.0.0.1/x"; }, ErrorCode::kInvalidArgument,
       "webhook url"},
      {[](auto& p) { p.event_types = {"intent.paid"}; }, ErrorCode::kInvalidArgument,
       "webhook events: filter 0 'intent.paid' is not"},
      {[](auto& p) { p.secret = "whsec_!!notbase64!!"; }, ErrorCode::kInvalidArgument,
       "webhook endpoint: "},
      {[](auto& p) { p.description = std::string(501, 'd'); }, ErrorCode::kInvalidArgument,
       "webhook endpoint: description is 501 bytes, at most 500"},
      {[](auto& p) { p.description = "ok\x01"; }, ErrorCode::kInvalidArgument,
       "description: bad byte byte 0x01 at position 2"},
      {[](auto& p) { p.description = "caf\xc3"; }, ErrorCode::kInvalidArgument,
       "description: bad byte byte 0xc3 at position 3"},
      {[](auto& p) { p.description = "\xc0\xaf"; }, ErrorCode::kInvalidArgument,
       "at position 0"},  // overlong
      {[](auto& p) { p.description = "\xed\xa0\x80"; }, ErrorCode::kInvalidArgument,
       "at position 0"},  // surrogate
      {[](auto& p) { p.source = "cli"; }, ErrorCode::kInvalidArgument,
       "webhook endpoint: source 'cli' is neither 'api' nor 'config'"},
  };
  for (const Case& c : cases) {
    AddWebhookEndpointParams p = params();
    c.edit(p);
    auto e = endpoints_->add(p);
    ASSERT_FALSE(e.ok()) << c.message;
    EXPECT_EQ(e.status().code(), c.code) << e.status().message();
    EXPECT_TRUE(contains(e.status().message(), c.message)) << e.status().message();
    if (!p.secret.empty()) {
      EXPECT_FALSE(contains(e.status().message(), "notbase64")) << e.status().message();
    }
  }
  EXPECT_TRUE(endpoints_->list()->empty());
}

TEST_F(EndpointsTest, PrivateDestinationsAreRefusedUnlessAllowed) {
  WebhookEndpoints strict(*store_, clock_);  // default policy
  auto e = strict.add(params());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(contains(e.status().message(), "127.0.0.1")) << e.status().message();
  EXPECT_TRUE(endpoints_->add(params()).ok());
}

TEST_F(EndpointsTest, DisableWithAReasonEnableClearsIt) {
  const auto e = *endpoints_->add(params());
  auto d = endpoints_->disable(e.id, "maintenance until monday");
  ASSERT_TRUE(d.ok()) << to_string(d.status());
  EXPECT_FALSE(d->enabled);
  EXPECT_EQ(d->disabled_reason, "maintenance until monday");
  EXPECT_EQ(endpoints_->disable(e.id, "")->disabled_reason, "disabled by operator");
  auto en = endpoints_->enable(e.id);
  ASSERT_TRUE(en.ok());
  EXPECT_TRUE(en->enabled);
  EXPECT_EQ(en->disabled_reason, "");
  EXPECT_EQ(endpoints_->enable(new_id(kWebhookEndpointIdPrefix)).status().code(),
            ErrorCode::kNotFound);
  AddWebhookEndpointParams off = params("/off");
  off.enabled = false;
  EXPECT_EQ(endpoints_->add(off)->disabled_reason, "disabled by operator");
}

TEST_F(EndpointsTest, RotationKeepsOldSecretsForTheGraceOnly) {
  const auto e = *endpoints_->add(params());
  const std::string s0 = e.secrets[0].secret;
  auto r1 = endpoints_->rotate_secret(e.id, kSecret, hours(2));
  ASSERT_TRUE(r1.ok()) << to_string(r1.status());
  ASSERT_EQ(r1->secrets.size(), 2U);
  EXPECT_EQ(r1->secrets[0].secret, kSecret);
  EXPECT_EQ(r1->secrets[0].expires_at_ms, 0);
  EXPECT_EQ(r1->secrets[1].secret, s0);
  EXPECT_EQ(r1->secrets[1].expires_at_ms, kStartMs + 7200000);

  // A second rotation an hour later: s0 keeps its earlier end, kSecret gets
  // a fresh grace, the new one is primary.
  clock_.advance(hours(1));
  auto r2 = endpoints_->rotate_secret(e.id, "", hours(24));
  ASSERT_TRUE(r2.ok());
  ASSERT_EQ(r2->secrets.size(), 3U);
  EXPECT_NE(r2->secrets[0].secret, kSecret);
  EXPECT_EQ(r2->secrets[1].secret, kSecret);
  EXPECT_EQ(r2->secrets[1].expires_at_ms, kStartMs + 3600000 + 24 * 3600000LL);
  EXPECT_EQ(r2->secrets[2].secret, s0);
  EXPECT_EQ(r2->secrets[2].expires_at_ms, kStartMs + 7200000);

  // Past s0's end it is dropped at the next rotation; grace 0 drops all old.
  clock_.advance(hours(2));
  auto r3 = endpoints_->rotate_secret(e.id, "", seconds(0));
  ASSERT_TRUE(r3.ok());
  ASSERT_EQ(r3->secrets.size(), 1U);
}

TEST_F(EndpointsTest, RotationErrors) {
  const auto e = *endpoints_->add(params());
  EXPECT_EQ(endpoints_->rotate_secret(e.id, "", seconds(-1)).status().code(),
            ErrorCode::kInvalidArgument);
  auto bad = endpoints_->rotate_secret(e.id, "whsec_%%secretish%%");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(contains(bad.status().message(), "secretish")) << bad.status().message();
  EXPECT_EQ(endpoints_->rotate_secret(new_id(kWebhookEndpointIdPrefix)).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(get(e.id).secrets.size(), 1U);
}

TEST_F(EndpointsTest, ReplayOfAnUnknownEventOrEndpointIsNotFound) {
  EXPECT_EQ(endpoints_->replay(new_id(kEventIdPrefix)).status().code(), ErrorCode::kNotFound);
}

// ---------------------------------------------------------------- config sync

TEST_F(EndpointsTest, SyncAddsUpdatesDisablesAndBringsBack) {
  AddWebhookEndpointParams a = params("/a");
  a.event_types = {"intent.*"};
  AddWebhookEndpointParams b = params("/b");
  b.secret = kSecret;
  ASSERT_TRUE(endpoints_->sync_config_endpoints({a, b}).ok());
  WebhookEndpointRow ea = by_url(a.url);
  WebhookEndpointRow eb = by_url(b.url);
  EXPECT_EQ(ea.source, "config");
  EXPECT_EQ(ea.event_types, a.event_types);
  EXPECT_EQ(ea.secrets.size(), 1U);  // generated
  EXPECT_EQ(eb.secrets.at(0).secret, kSecret);

  // The same config again changes nothing.
  ASSERT_TRUE(endpoints_->sync_config_endpoints({a, b}).ok());
  EXPECT_EQ(get(ea.id).version, ea.version);
  EXPECT_EQ(get(eb.id).version, eb.version);
  ASSERT_EQ(get(ea.id).secrets.size(), 1U);
  EXPECT_EQ(get(ea.id).secrets[0].secret, ea.secrets[0].secret);

  // Changed filters and description; b disabled in config; a new secret for b.
  a.event_types = {"payment.*"};
  a.description = "payments only";
  b.enabled = false;
  b.secret = "";
  ASSERT_TRUE(endpoints_->sync_config_endpoints({a, b}).ok());
  EXPECT_EQ(get(ea.id).event_types, a.event_types);
  EXPECT_EQ(get(ea.id).description, "payments only");
  EXPECT_FALSE(get(eb.id).enabled);
  EXPECT_EQ(get(eb.id).disabled_reason, "disabled in config");
  EXPECT_EQ(get(eb.id).secrets.at(0).secret, kSecret);  // no secret in config: kept

  // Enabled in config again; a removed from the config.
  b.enabled = true;
  ASSERT_TRUE(endpoints_->sync_config_endpoints({b}).ok());
  EXPECT_TRUE(get(eb.id).enabled);
  EXPECT_FALSE(get(ea.id).enabled);
  EXPECT_EQ(get(ea.id).disabled_reason, "removed from config");
  ASSERT_TRUE(endpoints_->sync_config_endpoints({a, b}).ok());
  EXPECT_TRUE(get(ea.id).enabled);
  EXPECT_EQ(endpoints_->list()->size(), 2U);
}

TEST_F(EndpointsTest, SyncRotatesToANewConfigSecretWithGrace) {
  AddWebhookEndpointParams a = params("/a");
  a.secret = kSecret;
  ASSERT_TRUE(endpoints_->sync_config_endpoints({a}).ok());
  auto gen = generate_webhook_secret();
  ASSERT_TRUE(gen.ok());
  a.secret = *gen;
  ASSERT_TRUE(endpoints_->sync_config_endpoints({a}).ok());
  const auto e = by_url(a.url);
  ASSERT_EQ(e.secrets.size(), 2U);
  EXPECT_EQ(e.secrets[0].secret, *gen);
  EXPECT_EQ(e.secrets[1].secret, kSecret);
  EXPECT_EQ(e.secrets[1].expires_at_ms, kStartMs + 24 * 3600000LL);
}

TEST_F(EndpointsTest, SyncDoesNotOverruleA410OrAnOperator) {
  AddWebhookEndpointParams a = params("/a");
  ASSERT_TRUE(endpoints_->sync_config_endpoints({a}).ok());
  const auto e = by_url(a.url);
  ASSERT_TRUE(endpoints_->disable(e.id, "410 Gone at 2026-01-01T00:00:00Z").ok());
  ASSERT_TRUE(endpoints_->sync_config_endpoints({a}).ok());
  EXPECT_FALSE(get(e.id).enabled);
  EXPECT_EQ(get(e.id).disabled_reason, "410 Gone at 2026-01-01T00:00:00Z");
}

TEST_F(EndpointsTest, SyncLeavesApiEndpointsAlone) {
  const auto api = *endpoints_->add(params("/a"));
  AddWebhookEndpointParams a = params("/a");  // same URL, from the config
  ASSERT_TRUE(endpoints_->sync_config_endpoints({a}).ok());
  EXPECT_EQ(endpoints_->list()->size(), 2U);
  ASSERT_TRUE(endpoints_->sync_config_endpoints({}).ok());
  EXPECT_TRUE(get(api.id).enabled);
}

TEST_F(EndpointsTest, ABadConfigChangesNothing) {
  AddWebhookEndpointParams a = params("/a");
  AddWebhookEndpointParams dup = params("/a");
  Status s = endpoints_->sync_config_endpoints({a, dup});
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "webhook config: endpoints[1]: url repeats endpoints[0]");
  AddWebhookEndpointParams bad = params("/b");
  bad.event_types = {"nope"};
  s = endpoints_->sync_config_endpoints({a, bad});
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(s.message(), "webhook config: endpoints[1]: webhook events: filter 0"))
      << s.message();
  EXPECT_TRUE(endpoints_->list()->empty());
}

}  // namespace
}  // namespace usd1pay
