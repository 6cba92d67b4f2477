// Reply JSON of the C ABI (replies.h).
#include "capi/replies.h"

#include <chrono>
#include <cstdint>
#include <string>

#include "capi/json_util.h"
#include "usd1pay/clock.h"

namespace usd1pay::capi {

using nlohmann::ordered_json;

ordered_json time_or_null(std::int64_t ms) {
  if (ms == 0) return nullptr;
  return format_intent_time(TimePoint(std::chrono::milliseconds(ms)));
}

namespace {

ordered_json http_status_or_null(int status) {
  if (status == 0) return nullptr;  // no response
  return status;
}

ordered_json payment_json(const PaymentRow& p) {
  return {{"id", p.id},
          {"chain", p.chain},
          {"tx_hash", p.tx_hash},
          {"log_index", p.log_index},
          {"block_number", p.block_number},
          {"block_hash", p.block_hash},
          {"block_time", format_iso8601(from_unix_seconds(p.block_time))},
          {"token", p.token_contract},
          {"from", p.from_address},
          {"to", p.to_address},
          {"amount_base_units", p.amount_base_units},
          {"intent_id", p.intent_id.empty() ? ordered_json(nullptr) : ordered_json(p.intent_id)},
          {"status", p.status},
          {"flags", parse_stored_json(p.flags_json)},
          {"detected_at", time_or_null(p.detected_at_ms)},
          {"final_at", time_or_null(p.final_at_ms)}};
}

ordered_json delivery_json(const WebhookDeliveryRow& d) {
  return {{"id", d.id},
          {"endpoint_id", d.endpoint_id},
          {"event_id", d.event_id},
          {"event_seq", d.event_seq},
          {"event_type", d.event_type},
          {"intent_id", d.intent_id},
          {"status", d.status},
          {"round_attempts", d.round_attempts},
          {"total_attempts", d.total_attempts},
          {"next_attempt_at",
           d.status == "pending" ? time_or_null(d.next_attempt_at_ms) : ordered_json(nullptr)},
          {"last_http_status", http_status_or_null(d.last_http_status)},
          {"last_error", d.last_error},
          {"created_at", time_or_null(d.created_at_ms)},
          {"completed_at", time_or_null(d.completed_at_ms)}};
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

ordered_json intent_json(const PaymentIntent& intent) {
  return parse_stored_json(intent_to_json(intent));
}

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
  auto secrets = ordered_json::array();
  for (const auto& s : e.secrets) {
    secrets.push_back({{"created_at", time_or_null(s.created_at_ms)},
                       {"expires_at", time_or_null(s.expires_at_ms)}});
  }
  return {{"id", e.id},
          {"url", e.url},
          {"events", e.event_types},
          {"description", e.description},
          {"enabled", e.enabled},
          {"disabled_reason", e.disabled_reason},
          {"source", e.source},
          {"secrets", secrets},
          {"created_at", time_or_null(e.created_at_ms)},
          {"updated_at", time_or_null(e.updated_at_ms)}};
}

ordered_json chain_report_json(const ChainPollReport& r) {
  ordered_json j{{"chain", r.chain},
                 {"ok", r.error.ok()},
                 {"latest", r.latest},
                 {"next_block", r.next_block},
                 {"blocks_scanned", r.blocks_scanned},
                 {"caught_up", r.caught_up},
                 {"payments_detected", r.payments_detected},
                 {"payments_confirmed", r.payments_confirmed},
                 {"payments_orphaned", r.payments_orphaned},
                 {"payments_wrong_network", r.payments_wrong_network},
                 {"payments_unmatched", r.payments_unmatched},
                 {"intents_changed", r.intents_changed},
                 {"reorgs", r.reorgs},
                 {"backend_calls", r.backend_calls}};
  if (!r.error.ok()) j["error"] = r.error.message();
  return j;
}

ordered_json dispatch_report_json(const DispatchReport& r) {
  return {{"enqueued", r.enqueued},           {"attempted", r.attempted},
          {"succeeded", r.succeeded},         {"retried", r.retried},
          {"dead_lettered", r.dead_lettered}, {"endpoints_disabled", r.endpoints_disabled}};
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
