// JSON of what the tracker reports and records (tracker.h).
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "usd1pay/clock.h"
#include "usd1pay/tracker.h"

namespace usd1pay {

namespace {

using nlohmann::ordered_json;

// Stored text (an error a node sent, flags) may hold any bytes.
std::string dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

ordered_json ms_or_null(std::int64_t ms) {
  if (ms == 0) return nullptr;  // never
  return format_iso8601_ms(TimePoint(std::chrono::milliseconds(ms)));
}

}  // namespace

std::string chain_poll_report_to_json(const ChainPollReport& r) {
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
  return dump(j);
}

std::string payment_to_json(const PaymentRow& p) {
  // Flags are JSON this library wrote; text that does not parse is shown as
  // stored, never dropped.
  auto flags = ordered_json::parse(p.flags_json, nullptr, /*allow_exceptions=*/false);
  if (flags.is_discarded()) flags = p.flags_json;
  return dump(
      {{"id", p.id},
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
       {"flags", flags},
       {"detected_at", ms_or_null(p.detected_at_ms)},
       {"final_at", ms_or_null(p.final_at_ms)},
       {"final_head_block",
        p.final_head_block ? ordered_json(*p.final_head_block) : ordered_json(nullptr)}});
}

}  // namespace usd1pay
