// Private to the C ABI: the JSON shapes of replies, the same field names as
// the usd1pay command's --json output (docs/c-api.md lists them).
#ifndef USD1PAY_SDK_CAPI_REPLIES_H
#define USD1PAY_SDK_CAPI_REPLIES_H

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "usd1pay/intent.h"
#include "usd1pay/recon.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay::capi {

/// {"seq", "id", "intent_id", "intent_seq", "type", "actor", "created_at",
/// "created_at_ms", "data", "prev_hash", "hash"}, as `usd1pay events`.
nlohmann::ordered_json event_json(const EventRow& e);

/// As `usd1pay webhook list --json` (never a secret).
nlohmann::ordered_json endpoint_json(const WebhookEndpointRow& e);

/// One chain of a poll, as `usd1pay watch` prints it.
nlohmann::ordered_json chain_report_json(const ChainPollReport& r);

/// {"enqueued", "attempted", "succeeded", "retried", "dead_lettered",
/// "endpoints_disabled"}.
nlohmann::ordered_json dispatch_report_json(const DispatchReport& r);

/// {"running", "polls", "failed_polls", "blocks_scanned",
/// "payments_detected", "reorgs", "watched_addresses", "last_error"}.
nlohmann::ordered_json tracker_stats_json(const TrackerStats& s, bool running);

/// {"intents", "payments", "events", "deliveries"}, as `usd1pay lookup --json`.
nlohmann::ordered_json lookup_json(const LookupResult& r);

/// Hands `j` to the caller as compact JSON text in *out (see dump_json);
/// returns USD1PAY_OK. Throws std::bad_alloc (inside guard()).
int reply(char** out, const nlohmann::ordered_json& j);

/// Hands JSON text that is already compact (intent_to_json's, say) to the
/// caller as it is: parsing and dumping it again costs as much as the call.
int reply_text(char** out, std::string_view json_text);

/// "YYYY-MM-DDTHH:MM:SS.mmmZ" of Unix milliseconds, or null for 0 (never).
nlohmann::ordered_json time_or_null(std::int64_t ms);

}  // namespace usd1pay::capi

#endif  // USD1PAY_SDK_CAPI_REPLIES_H
