// Webhook event bodies (exact bytes), event-type filters, the catalogue
// (checked against the intent module's statuses and flags and the types the
// processor and tracker emit), and the default retry schedule.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "usd1pay/intent.h"
#include "usd1pay/store.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {
namespace {

EventRow sample_event() {
  EventRow e;
  e.id = "evt_0123456789abcdefABCDEFGH";
  e.seq = 7;
  e.intent_id = "pi_x";
  e.intent_seq = 2;
  e.type = "intent.succeeded";
  e.actor = "tracker";
  e.created_at_ms = 1767323045678;  // 2026-01-02T03:04:05.678Z
  e.data_json = R"({"intent":{"id":"pi_x","amount":"25.00"}})";
  return e;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(WebhookBodyTest, ExactBytesWithMillisecondsAndDataVerbatim) {
  EXPECT_EQ(
      make_webhook_body(sample_event()),
      R"({"id":"evt_0123456789abcdefABCDEFGH","type":"intent.succeeded",)"
      R"("created":"2026-01-02T03:04:05.678Z","data":{"intent":{"id":"pi_x","amount":"25.00"}}})");
}

TEST(WebhookBodyTest, SameEventSameBytesAndValidJson) {
  const EventRow e = sample_event();
  const std::string a = make_webhook_body(e);
  EXPECT_EQ(a, make_webhook_body(e));
  const auto j = nlohmann::json::parse(a);
  EXPECT_EQ(j.at("id"), e.id);
  EXPECT_EQ(j.at("type"), e.type);
  EXPECT_EQ(j.at("data").at("intent").at("amount"), "25.00");  // a string, never a float
}

TEST(WebhookBodyTest, MillisecondsArePaddedAndTimesBefore1970FloorDown) {
  EventRow e = sample_event();
  e.created_at_ms = 1767323045007;
  EXPECT_TRUE(contains(make_webhook_body(e), R"("created":"2026-01-02T03:04:05.007Z")"));
  e.created_at_ms = 1767323045000;
  EXPECT_TRUE(contains(make_webhook_body(e), R"("created":"2026-01-02T03:04:05.000Z")"));
  e.created_at_ms = -1;
  EXPECT_TRUE(contains(make_webhook_body(e), R"("created":"1969-12-31T23:59:59.999Z")"));
}

TEST(WebhookBodyTest, DataKeepsItsOwnSpellingWhitespaceAndKeyOrder) {
  EventRow e = sample_event();
  e.data_json = R"({ "z" : 1,  "a" : [1.50, "x"] })";
  EXPECT_TRUE(contains(make_webhook_body(e), R"("data":{ "z" : 1,  "a" : [1.50, "x"] }})"));
}

TEST(WebhookBodyTest, EmptyDataIsAnObjectAndBrokenDataBecomesAString) {
  EventRow e = sample_event();
  e.data_json = "";
  EXPECT_TRUE(contains(make_webhook_body(e), R"("data":{}})"));
  e.data_json = R"({"a":)";
  const std::string body = make_webhook_body(e);
  EXPECT_TRUE(contains(body, R"("data":"{\"a\":"})")) << body;
  EXPECT_TRUE(nlohmann::json::accept(body));
}

TEST(WebhookBodyTest, DataNoStrictParserTakesBecomesAString) {
  // Whatever a receiver's parser would refuse is sent as a string, so that
  // the body is always one valid JSON document: a number beyond a double,
  // broken UTF-8, a NUL byte (nlohmann would stop reading there), a
  // byte-order mark, a lone surrogate escape.
  for (const std::string& data :
       {std::string(R"({"a":1e999})"), std::string("{\"a\":\"\xff\"}"), std::string("{}\0{", 4),
        std::string("\xEF\xBB\xBF{}"), std::string(R"(["\uD800"])")}) {
    EventRow e = sample_event();
    e.data_json = data;
    const std::string body = make_webhook_body(e);
    ASSERT_TRUE(nlohmann::json::accept(body)) << body;
    EXPECT_TRUE(nlohmann::json::parse(body).at("data").is_string()) << body;
  }
}

TEST(WebhookBodyTest, IdAndTypeAreEscaped) {
  EventRow e = sample_event();
  e.id = "evt_\"q\"\n";
  e.type = "a\\b";
  const std::string body = make_webhook_body(e);
  EXPECT_TRUE(contains(body, R"("id":"evt_\"q\"\n")")) << body;
  EXPECT_TRUE(contains(body, R"("type":"a\\b")")) << body;
  EXPECT_TRUE(nlohmann::json::accept(body));
}

TEST(WebhookFilterTest, Matching) {
  const std::vector<std::string> none;
  EXPECT_TRUE(webhook_filter_matches(none, "intent.created"));
  EXPECT_TRUE(webhook_filter_matches({"*"}, "payment.detected"));
  EXPECT_TRUE(webhook_filter_matches({"intent.succeeded"}, "intent.succeeded"));
  EXPECT_FALSE(webhook_filter_matches({"intent.succeeded"}, "intent.succeeded2"));
  EXPECT_FALSE(webhook_filter_matches({"intent.succeeded"}, "intent.created"));
  EXPECT_TRUE(webhook_filter_matches({"intent.*"}, "intent.created"));
  EXPECT_FALSE(webhook_filter_matches({"intent.*"}, "payment.detected"));
  EXPECT_FALSE(webhook_filter_matches({"intent.*"}, "intent"));
  EXPECT_FALSE(webhook_filter_matches({"intent.*"}, "intent."));
  EXPECT_FALSE(webhook_filter_matches({"intent.*"}, "intentx.created"));
  EXPECT_TRUE(webhook_filter_matches({"payment.late", "intent.*"}, "payment.late"));
  EXPECT_FALSE(webhook_filter_matches({"payment.late", "intent.*"}, "payment.detected"));
}

TEST(WebhookFilterTest, Validation) {
  EXPECT_TRUE(validate_webhook_filters({}).ok());
  EXPECT_TRUE(validate_webhook_filters({"*"}).ok());
  EXPECT_TRUE(validate_webhook_filters({"intent.*", "payment.*", "intent.succeeded"}).ok());
  struct Case {
    std::vector<std::string> filters;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{""}, "webhook events: filter 0 is empty"},
      {{"intent.created", "intent.sucseeded"},
       "webhook events: filter 1 'intent.sucseeded' is not"},
      {{"order.*"}, "filter 0 'order.*' is not"},
      {{"intent"}, "filter 0 'intent' is not"},
      {{"intent.*.x"}, "filter 0 'intent.*.x' is not"},
      {{".*"}, "filter 0 '.*' is not"},
      {{"**"}, "filter 0 '**' is not"},
      {{"intent.created\n"}, "filter 0 'intent.created?' is not"},
      {std::vector<std::string>(101, "*"), "webhook events: 101 filters, at most 100"},
  };
  for (const Case& c : cases) {
    const Status s = validate_webhook_filters(c.filters);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << c.message;
    EXPECT_TRUE(contains(s.message(), c.message)) << s.message();
  }
}

TEST(WebhookCatalogueTest, CoversEveryStatusAndFlagOfTheIntentModule) {
  const auto& types = webhook_event_types();
  const std::set<std::string> set(types.begin(), types.end());
  EXPECT_EQ(set.size(), types.size()) << "duplicates in the catalogue";
  EXPECT_TRUE(set.count("intent.created"));
  EXPECT_TRUE(set.count("intent.updated"));
  for (IntentStatus s : kAllIntentStatuses) {
    EXPECT_TRUE(set.count(std::string("intent.") + intent_status_name(s))) << intent_status_name(s);
  }
  for (IntentFlag f : {IntentFlag::kOverpaid, IntentFlag::kMultiplePayments,
                       IntentFlag::kOrphanedPayment, IntentFlag::kWrongNetwork}) {
    EXPECT_TRUE(set.count(std::string("intent.") + intent_flag_name(f))) << intent_flag_name(f);
  }
  for (const std::string& t : types) EXPECT_TRUE(validate_webhook_filters({t}).ok()) << t;
}

// Every literal event type in the processor's and the tracker's sources is
// in the catalogue (the status / flag ones are covered above).
TEST(WebhookCatalogueTest, CoversEveryLiteralTypeInTheSources) {
  const std::string root = testing::required_env("USD1PAY_SOURCE_DIR");
  const std::set<std::string> set(webhook_event_types().begin(), webhook_event_types().end());
  const std::regex literal(R"re("((intent|payment)\.[a-z_]+)")re");
  std::size_t seen = 0;
  for (const char* file : {"/sdk/intent/processor.cpp", "/sdk/tracker/tracker.cpp"}) {
    std::ifstream in(root + file);
    ASSERT_TRUE(in) << root + file;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it) {
      const std::string t = (*it)[1];
      // Field names in error messages ("intent.amount") are not event types.
      static const std::set<std::string> kNotTypes = {
          "intent.amount",          "intent.amount_base_units",
          "intent.chain",           "intent.currency",
          "intent.flags_json",      "intent.id",
          "intent.idempotency_key", "intent.metadata_json",
          "intent.order_id",        "intent.request_hash",
          "intent.status",          "intent.strategy"};
      if (kNotTypes.count(t) != 0U) continue;
      ++seen;
      EXPECT_TRUE(set.count(t)) << t << " in " << file;
    }
  }
  EXPECT_GE(seen, 9U);
}

TEST(WebhookScheduleTest, DefaultIsTheStandardWebhooksSchedule) {
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  const std::vector<seconds> expected = {seconds(5), minutes(5), minutes(30), hours(2), hours(5),
                                         hours(10),  hours(14),  hours(20),   hours(24)};
  EXPECT_EQ(default_webhook_retry_schedule(), expected);
}

}  // namespace
}  // namespace usd1pay
