// Reply JSON of the C ABI (replies.h).
#include "capi/replies.h"

#include <chrono>
#include <cstdint>
#include <string>

#include "capi/errors.h"
#include "capi/json_util.h"
#include "usd1pay/clock.h"

namespace usd1pay::capi {

using nlohmann::ordered_json;

int reply(char** out, const ordered_json& j) {
  return reply_text(out, dump_json(j));
}

int reply_text(char** out, std::string_view json_text) {
  *out = copy_out(json_text);
  return USD1PAY_OK;
}

ordered_json time_or_null(std::int64_t ms) {
  if (ms == 0) return nullptr;
  return format_intent_time(TimePoint(std::chrono::milliseconds(ms)));
}

namespace {

ordered_json payment_json(const PaymentRow& p) {
  return parse_stored_json(payment_to_json(p));
}

ordered_json delivery_json(const WebhookDeliveryRow& d) {
  return parse_stored_json(webhook_delivery_to_json(d, JsonTimes::kMilliseconds));
}

// The intent as intent_to_json writes it, as a value to embed in a reply.
ordered_json intent_json(const PaymentIntent& intent) {
  return parse_stored_json(intent_to_json(intent));
}

// An intent row as the full intent object; a row the intent module cannot
// read (it never writes one) is shown as stored rather than dropped.
ordered_json intent_row_json(const IntentRow& row) {
  auto intent = intent_from_row(row);
  if (intent.ok()) return intent_json(*intent);
  return {{"id", row.id},
          {"order_id", row.order_id},
          {"status", row.status},
          {"chain", row.chain},
          {"token", row.token_symbol},
          {"amount", row.amount},
          {"currency", row.currency},
          {"deposit_address", row.deposit_address},
          {"flags", parse_stored_json(row.flags_json)},
          {"created_at", time_or_null(row.created_at_ms)},
          {"expires_at", time_or_null(row.expires_at_ms)}};
}

}  // namespace

ordered_json event_json(const EventRow& e) {
  return {{"seq", e.seq},
          {"id", e.id},
          {"intent_id", e.intent_id},
          {"intent_seq", e.intent_seq},
          {"type", e.type},
          {"actor", e.actor},
          {"created_at", time_or_null(e.created_at_ms)},
          {"created_at_ms", e.created_at_ms},
          {"data", parse_stored_json(e.data_json)},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

ordered_json endpoint_json(const WebhookEndpointRow& e) {
  return parse_stored_json(webhook_endpoint_to_json(e, JsonTimes::kMilliseconds));
}

ordered_json chain_report_json(const ChainPollReport& r) {
  return parse_stored_json(chain_poll_report_to_json(r));
}

ordered_json dispatch_report_json(const DispatchReport& r) {
  return parse_stored_json(dispatch_report_to_json(r));
}

ordered_json tracker_stats_json(const TrackerStats& s, bool running) {
  return {{"running", running},
          {"polls", s.polls},
          {"failed_polls", s.failed_polls},
          {"blocks_scanned", s.blocks_scanned},
          {"payments_detected", s.payments_detected},
          {"reorgs", s.reorgs},
          {"watched_addresses", s.watched_addresses},
          {"last_error", s.last_error.message()}};
}

ordered_json lookup_json(const LookupResult& r) {
  ordered_json j;
  j["intents"] = ordered_json::array();
  for (const auto& i : r.intents) j["intents"].push_back(intent_row_json(i));
  j["payments"] = ordered_json::array();
  for (const auto& p : r.payments) j["payments"].push_back(payment_json(p));
  j["events"] = ordered_json::array();
  for (const auto& e : r.events) j["events"].push_back(event_json(e));
  j["deliveries"] = ordered_json::array();
  for (const auto& d : r.deliveries) j["deliveries"].push_back(delivery_json(d));
  return j;
}

}  // namespace usd1pay::capi
