// JSON of endpoints, deliveries and drains (webhook_dispatcher.h).
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "usd1pay/clock.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {

namespace {

using nlohmann::ordered_json;

// Stored text (a description, a receiver's answer) may hold any bytes.
std::string dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

ordered_json time_or_null(std::int64_t ms, JsonTimes times) {
  if (ms == 0) return nullptr;  // never
  const TimePoint t{std::chrono::milliseconds(ms)};
  return times == JsonTimes::kMilliseconds ? format_iso8601_ms(t) : format_iso8601(t);
}

ordered_json http_status_or_null(int status) {
  if (status == 0) return nullptr;  // no response
  return status;
}

}  // namespace

std::string webhook_endpoint_to_json(const WebhookEndpointRow& e, JsonTimes times) {
  auto secrets = ordered_json::array();
  for (const auto& s : e.secrets) {
    secrets.push_back({{"created_at", time_or_null(s.created_at_ms, times)},
                       {"expires_at", time_or_null(s.expires_at_ms, times)}});
  }
  return dump({{"id", e.id},
               {"url", e.url},
               {"events", e.event_types},
               {"description", e.description},
               {"enabled", e.enabled},
               {"disabled_reason", e.disabled_reason},
               {"source", e.source},
               {"secrets", secrets},
               {"created_at", time_or_null(e.created_at_ms, times)},
               {"updated_at", time_or_null(e.updated_at_ms, times)}});
}

std::string webhook_delivery_to_json(const WebhookDeliveryRow& d, JsonTimes times) {
  return dump({{"id", d.id},
               {"endpoint_id", d.endpoint_id},
               {"event_id", d.event_id},
               {"event_seq", d.event_seq},
               {"event_type", d.event_type},
               {"intent_id", d.intent_id},
               {"status", d.status},
               {"round_attempts", d.round_attempts},
               {"total_attempts", d.total_attempts},
               {"next_attempt_at", d.status == "pending" ? time_or_null(d.next_attempt_at_ms, times)
                                                         : ordered_json(nullptr)},
               {"last_http_status", http_status_or_null(d.last_http_status)},
               {"last_error", d.last_error},
               {"created_at", time_or_null(d.created_at_ms, times)},
               {"completed_at", time_or_null(d.completed_at_ms, times)}});
}

std::string dispatch_report_to_json(const DispatchReport& r) {
  return dump({{"enqueued", r.enqueued},
               {"attempted", r.attempted},
               {"succeeded", r.succeeded},
               {"retried", r.retried},
               {"dead_lettered", r.dead_lettered},
               {"endpoints_disabled", r.endpoints_disabled}});
}

}  // namespace usd1pay
