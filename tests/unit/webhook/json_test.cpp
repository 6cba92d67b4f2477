// The JSON of endpoints, deliveries and drains that the usd1pay command and
// the C ABI both print: exact text, field order, nulls for "never" and "no
// response", both time precisions, no secret, and stored bytes that are not
// UTF-8.
#include <gtest/gtest.h>

#include <string>

#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {
namespace {

constexpr std::int64_t kNoon = 1795176000000;  // 2026-11-20T12:00:00.000Z

WebhookEndpointRow endpoint() {
  WebhookEndpointRow e;
  e.id = "we_1";
  e.url = "https://shop.example/hook";
  e.secrets = {{"whsec_new", kNoon + 1, 0}, {"whsec_old", kNoon - 60000, kNoon + 86400000}};
  e.event_types = {"intent.succeeded", "intent.*"};
  e.description = "shop";
  e.enabled = false;
  e.disabled_reason = "410 Gone";
  e.source = "config";
  e.created_at_ms = kNoon - 60000;
  e.updated_at_ms = kNoon + 1;
  return e;
}

TEST(WebhookJson, EndpointInMilliseconds) {
  EXPECT_EQ(webhook_endpoint_to_json(endpoint(), JsonTimes::kMilliseconds),
            R"({"id":"we_1","url":"https://shop.example/hook",)"
            R"("events":["intent.succeeded","intent.*"],"description":"shop","enabled":false,)"
            R"("disabled_reason":"410 Gone","source":"config","secrets":[)"
            R"({"created_at":"2026-11-20T12:00:00.001Z","expires_at":null},)"
            R"({"created_at":"2026-11-20T11:59:00.000Z","expires_at":"2026-11-21T12:00:00.000Z"}],)"
            R"("created_at":"2026-11-20T11:59:00.000Z","updated_at":"2026-11-20T12:00:00.001Z"})");
}

TEST(WebhookJson, EndpointInSecondsNeverShowsASecret) {
  const std::string j = webhook_endpoint_to_json(endpoint(), JsonTimes::kSeconds);
  EXPECT_EQ(j, R"({"id":"we_1","url":"https://shop.example/hook",)"
               R"("events":["intent.succeeded","intent.*"],"description":"shop","enabled":false,)"
               R"("disabled_reason":"410 Gone","source":"config","secrets":[)"
               R"({"created_at":"2026-11-20T12:00:00Z","expires_at":null},)"
               R"({"created_at":"2026-11-20T11:59:00Z","expires_at":"2026-11-21T12:00:00Z"}],)"
               R"("created_at":"2026-11-20T11:59:00Z","updated_at":"2026-11-20T12:00:00Z"})");
  EXPECT_EQ(j.find("whsec_"), std::string::npos);
}

TEST(WebhookJson, EndpointWithBytesThatAreNotUtf8) {
  WebhookEndpointRow e = endpoint();
  e.description = "caf\xe9";
  e.event_types.clear();
  const std::string j = webhook_endpoint_to_json(e, JsonTimes::kSeconds);
  // The byte that is not UTF-8 becomes U+FFFD rather than failing.
  EXPECT_NE(j.find("\"events\":[],\"description\":\"caf\xef\xbf\xbd\","), std::string::npos) << j;
}

WebhookDeliveryRow delivery() {
  WebhookDeliveryRow d;
  d.id = "msg_1";
  d.endpoint_id = "we_1";
  d.event_id = "evt_1";
  d.event_seq = 7;
  d.event_type = "intent.succeeded";
  d.intent_id = "pi_1";
  d.status = "pending";
  d.round_attempts = 2;
  d.total_attempts = 5;
  d.next_attempt_at_ms = kNoon + 30000;
  d.last_http_status = 0;
  d.last_error = "connection refused";
  d.created_at_ms = kNoon;
  d.completed_at_ms = 0;
  return d;
}

TEST(WebhookJson, PendingDeliveryWithoutAResponse) {
  EXPECT_EQ(webhook_delivery_to_json(delivery(), JsonTimes::kMilliseconds),
            R"({"id":"msg_1","endpoint_id":"we_1","event_id":"evt_1","event_seq":7,)"
            R"("event_type":"intent.succeeded","intent_id":"pi_1","status":"pending",)"
            R"("round_attempts":2,"total_attempts":5,"next_attempt_at":"2026-11-20T12:00:30.000Z",)"
            R"("last_http_status":null,"last_error":"connection refused",)"
            R"("created_at":"2026-11-20T12:00:00.000Z","completed_at":null})");
}

TEST(WebhookJson, FinishedDeliveryHasNoNextAttempt) {
  WebhookDeliveryRow d = delivery();
  d.status = "succeeded";
  d.last_http_status = 204;
  d.last_error = "";
  d.completed_at_ms = kNoon + 31000;
  EXPECT_EQ(webhook_delivery_to_json(d, JsonTimes::kSeconds),
            R"({"id":"msg_1","endpoint_id":"we_1","event_id":"evt_1","event_seq":7,)"
            R"("event_type":"intent.succeeded","intent_id":"pi_1","status":"succeeded",)"
            R"("round_attempts":2,"total_attempts":5,"next_attempt_at":null,)"
            R"("last_http_status":204,"last_error":"",)"
            R"("created_at":"2026-11-20T12:00:00Z","completed_at":"2026-11-20T12:00:31Z"})");
}

TEST(WebhookJson, DispatchReport) {
  DispatchReport r;
  r.enqueued = 1;
  r.attempted = 2;
  r.succeeded = 3;
  r.retried = 4;
  r.dead_lettered = 5;
  r.endpoints_disabled = 6;
  EXPECT_EQ(dispatch_report_to_json(r),
            R"({"enqueued":1,"attempted":2,"succeeded":3,"retried":4,"dead_lettered":5,)"
            R"("endpoints_disabled":6})");
}

}  // namespace
}  // namespace usd1pay
