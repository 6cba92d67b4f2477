// Webhook event bodies, the event-type catalogue and endpoint filters.
//
// The body of an event is built by hand rather than by a JSON library so
// that its bytes are fixed by this file alone: the receiver verifies a
// signature over exactly these bytes, and a replay of the same event must
// carry the same ones.
//
//   {"id":"evt_...","type":"intent.succeeded","created":"2026-01-02T03:04:05.678Z","data":{...}}
//
// "created" is the event's created_at_ms in UTC with exactly three digits of
// milliseconds (the store keeps milliseconds, and the intent JSON uses the
// same form). "data" is the stored data_json, embedded verbatim when it is a
// JSON value (the store only ever writes JSON there); anything else (a
// corrupted row) is embedded as a JSON string, so the body stays JSON.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/clock.h"
#include "usd1pay/json_strict.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {
namespace {

// "YYYY-MM-DDTHH:MM:SS.mmmZ"; floor division so that times before 1970 stay
// right.
std::string format_created(std::int64_t ms) {
  std::int64_t secs = ms / 1000;
  std::int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  std::string text = format_iso8601(from_unix_seconds(secs));  // "...SSZ"
  text.pop_back();
  text += '.';
  text += static_cast<char>('0' + frac / 100);
  text += static_cast<char>('0' + frac / 10 % 10);
  text += static_cast<char>('0' + frac % 10);
  text += 'Z';
  return text;
}

std::string json_string(std::string_view s) {
  // Ids and types are plain bytes: they stand for themselves in quotes.
  if (json_plain_text(s)) {
    std::string quoted;
    quoted.reserve(s.size() + 2);
    quoted += '"';
    quoted += s;
    quoted += '"';
    return quoted;
  }
  // nlohmann escapes control bytes and quotes; invalid UTF-8 is replaced
  // rather than thrown about, so a corrupted row cannot stop delivery.
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The catalogue. Kept here (the webhook module may not include intent.h);
// tests/unit/webhook/events_test.cpp checks it against the intent module's
// statuses and flags and the types the tracker emits, so the two cannot drift.
const std::vector<std::string>& catalogue() {
  static const std::vector<std::string> kTypes = {
      // Intent lifecycle: one event per status the intent enters.
      "intent.created",
      "intent.requires_payment",  // back to waiting after a reorg removed its payment
      "intent.processing",
      "intent.succeeded",
      "intent.underpaid",
      "intent.expired",
      "intent.canceled",
      "intent.paid_late",
      // Intent exceptions: a flag newly set without a status change.
      "intent.overpaid",
      "intent.multiple_payments",
      "intent.orphaned_payment",
      "intent.wrong_network",
      "intent.updated",
      // Payments (transfers seen on chain).
      "payment.detected",
      "payment.confirmed",
      "payment.late",
      "payment.orphaned",
      "payment.unmatched",
      "payment.wrong_network",
  };
  return kTypes;
}

bool known_type(std::string_view type) {
  for (const std::string& t : catalogue()) {
    if (t == type) return true;
  }
  return false;
}

bool known_prefix(std::string_view prefix) {  // "intent" for "intent.*"
  for (const std::string& t : catalogue()) {
    if (t.size() > prefix.size() && t.compare(0, prefix.size(), prefix) == 0 &&
        t[prefix.size()] == '.') {
      return true;
    }
  }
  return false;
}

// A filter for an error message: printable ASCII kept, other bytes as '?',
// at most 64 of them.
std::string shown(std::string_view s) {
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < 64; ++i) {
    const char c = s[i];
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (s.size() > 64) out += "...";
  out += "'";
  return out;
}

constexpr std::size_t kMaxFilters = 100;

}  // namespace

std::string make_webhook_body(const EventRow& event) {
  std::string body;
  body.reserve(96 + event.id.size() + event.type.size() + event.data_json.size());
  body += "{\"id\":";
  body += json_string(event.id);
  body += ",\"type\":";
  body += json_string(event.type);
  body += ",\"created\":\"";
  body += format_created(event.created_at_ms);
  body += "\",\"data\":";
  if (event.data_json.empty()) {
    body += "{}";
  } else if (json_validate(event.data_json) != JsonTextKind::kInvalid) {
    body += event.data_json;
  } else {
    body += json_string(event.data_json);
  }
  body += '}';
  return body;
}

bool webhook_filter_matches(const std::vector<std::string>& filters, std::string_view type) {
  if (filters.empty()) return true;
  for (const std::string& f : filters) {
    if (f == "*" || f == type) return true;
    // "intent.*" chooses "intent.<anything>".
    if (f.size() >= 2 && f.compare(f.size() - 2, 2, ".*") == 0) {
      const std::size_t n = f.size() - 1;  // keeps the '.'
      const std::string_view stem = f;
      if (type.size() > n && type.compare(0, n, stem.substr(0, n)) == 0) {
        return true;
      }
    }
  }
  return false;
}

const std::vector<std::string>& webhook_event_types() {
  return catalogue();
}

Status validate_webhook_filters(const std::vector<std::string>& filters) {
  if (filters.size() > kMaxFilters) {
    return Status(ErrorCode::kInvalidArgument, "webhook events: " + std::to_string(filters.size()) +
                                                   " filters, at most " +
                                                   std::to_string(kMaxFilters));
  }
  for (std::size_t i = 0; i < filters.size(); ++i) {
    const std::string& f = filters[i];
    const std::string where = "webhook events: filter " + std::to_string(i) + " ";
    if (f.empty()) return Status(ErrorCode::kInvalidArgument, where + "is empty");
    if (f == "*" || known_type(f)) continue;
    if (f.size() > 2 && f.compare(f.size() - 2, 2, ".*") == 0 &&
        known_prefix(std::string_view{f}.substr(0, f.size() - 2))) {
      continue;
    }
    return Status(ErrorCode::kInvalidArgument,
                  where + shown(f) +
                      " is not an event type, a prefix such as 'intent.*' or '*' (event types: "
                      "see webhook_event_types(), docs/webhooks.md)");
  }
  return Status();
}

std::vector<std::chrono::seconds> default_webhook_retry_schedule() {
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  return {seconds(5), minutes(5), minutes(30), hours(2), hours(5),
          hours(10),  hours(14),  hours(20),   hours(24)};
}

}  // namespace usd1pay
