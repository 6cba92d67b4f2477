// Intents, events and look-ups through the C ABI.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "capi/create_request.h"
#include "capi/errors.h"
#include "capi/handle.h"
#include "capi/json_util.h"
#include "capi/replies.h"
#include "usd1pay/clock.h"
#include "usd1pay/intent.h"
#include "usd1pay/recon.h"
#include "usd1pay/usd1pay.h"

namespace usd1pay::capi {
namespace {

using nlohmann::ordered_json;

// An id argument: NULL and "" are refused here; its form is the processor's
// to check (it names what is wrong).
int check_id(const char* fn, const char* name, const char* id) {
  if (id == nullptr) return fail_null(fn, name);
  if (id[0] == '\0') return fail(fn, USD1PAY_EINVALID, std::string(name) + " is empty");
  return USD1PAY_OK;
}

Result<IntentListRequest> read_list_query(const char* fn, const char* text) {
  IntentListRequest request;
  if (text == nullptr) return request;
  nlohmann::json j;
  USD1PAY_RETURN_IF_ERROR(parse_json_strict(fn, "query_json", text, &j));
  const RequestReader r(fn, j);
  USD1PAY_RETURN_IF_ERROR(
      r.check({"status", "order_id", "created_from", "created_to", "limit", "cursor"}));
  std::optional<std::string> status;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::int64_t> limit;
  std::optional<std::string> cursor;
  USD1PAY_RETURN_IF_ERROR(r.get_string("status", false, &status));
  USD1PAY_RETURN_IF_ERROR(r.get_string("order_id", false, &request.order_id));
  USD1PAY_RETURN_IF_ERROR(r.get_string("created_from", false, &from));
  USD1PAY_RETURN_IF_ERROR(r.get_string("created_to", false, &to));
  USD1PAY_RETURN_IF_ERROR(r.get_int("limit", false, 1, 1000, &limit));
  USD1PAY_RETURN_IF_ERROR(r.get_string("cursor", false, &cursor));
  if (status) {
    auto s = parse_intent_status(*status);
    if (!s.ok()) return s.status().with_context(std::string(fn) + ": status");
    request.status = *s;
  }
  if (from) {
    auto t = parse_iso8601(*from);
    if (!t.ok()) return t.status().with_context(std::string(fn) + ": created_from");
    request.created_from = *t;
  }
  if (to) {
    auto t = parse_iso8601(*to);
    if (!t.ok()) return t.status().with_context(std::string(fn) + ": created_to");
    request.created_to = *t;
  }
  if (limit) request.limit = static_cast<std::size_t>(*limit);
  if (cursor) request.cursor = *cursor;
  return request;
}

}  // namespace
}  // namespace usd1pay::capi

using usd1pay::capi::check_id;
using usd1pay::capi::dump_json;
using usd1pay::capi::fail;
using usd1pay::capi::fail_null;
using usd1pay::capi::guard_open;
using usd1pay::capi::guard_open_out;
using usd1pay::capi::reply;
using usd1pay::capi::reply_text;

extern "C" {

int usd1pay_intent_create(char** out_intent_json, usd1pay_processor* p, const char* request_json) {
  constexpr const char* kFn = "intent_create";
  return guard_open_out(kFn, out_intent_json, "out_intent_json", p,
                        [&](usd1pay_processor& h) -> int {
                          if (request_json == nullptr) return fail_null(kFn, "request_json");
                          auto request = usd1pay::capi::read_create_request(kFn, request_json);
                          if (!request.ok()) return fail(request.status());
                          auto intent = h.processor->create_intent(*request);
                          if (!intent.ok()) return fail(intent.status());
                          return reply_text(out_intent_json, intent_to_json(*intent));
                        });
}

int usd1pay_intent_get(char** out_intent_json, usd1pay_processor* p, const char* intent_id) {
  constexpr const char* kFn = "intent_get";
  return guard_open_out(kFn, out_intent_json, "out_intent_json", p,
                        [&](usd1pay_processor& h) -> int {
                          const int rc = check_id(kFn, "intent_id", intent_id);
                          if (rc != USD1PAY_OK) return rc;
                          auto intent = h.processor->get_intent(intent_id);
                          if (!intent.ok()) return fail(intent.status());
                          return reply_text(out_intent_json, intent_to_json(*intent));
                        });
}

int usd1pay_intent_list(char** out_list_json, usd1pay_processor* p, const char* query_json) {
  constexpr const char* kFn = "intent_list";
  return guard_open_out(kFn, out_list_json, "out_list_json", p, [&](usd1pay_processor& h) -> int {
    auto query = usd1pay::capi::read_list_query(kFn, query_json);
    if (!query.ok()) return fail(query.status());
    auto page = h.processor->list_intents(*query);
    if (!page.ok()) return fail(page.status());
    std::string text = "{\"intents\":[";
    for (std::size_t i = 0; i < page->intents.size(); ++i) {
      if (i > 0) text += ',';
      text += intent_to_json(page->intents[i]);
    }
    text += "],\"next_cursor\":" + dump_json(nlohmann::json(page->next_cursor)) + "}";
    return reply_text(out_list_json, text);
  });
}

int usd1pay_intent_cancel(char** out_intent_json, usd1pay_processor* p, const char* intent_id,
                          const char* actor) {
  constexpr const char* kFn = "intent_cancel";
  return guard_open_out(
      kFn, out_intent_json, "out_intent_json", p, [&](usd1pay_processor& h) -> int {
        const int rc = check_id(kFn, "intent_id", intent_id);
        if (rc != USD1PAY_OK) return rc;
        auto intent = h.processor->cancel_intent(intent_id, actor == nullptr ? "" : actor);
        if (!intent.ok()) return fail(intent.status());
        return reply_text(out_intent_json, intent_to_json(*intent));
      });
}

int usd1pay_intent_expire_due(size_t* out_count, usd1pay_processor* p) {
  constexpr const char* kFn = "intent_expire_due";
  if (out_count != nullptr) *out_count = 0;
  return guard_open(kFn, p, [&](usd1pay_processor& h) -> int {
    auto n = h.processor->expire_due();
    if (!n.ok()) return fail(n.status());
    if (out_count != nullptr) *out_count = *n;
    return USD1PAY_OK;
  });
}

int usd1pay_events_list(char** out_events_json, usd1pay_processor* p, const char* intent_id,
                        uint64_t after_seq, unsigned int limit) {
  constexpr const char* kFn = "events_list";
  return guard_open_out(
      kFn, out_events_json, "out_events_json", p, [&](usd1pay_processor& h) -> int {
        std::optional<std::string> only;
        if (intent_id != nullptr) {
          if (intent_id[0] == '\0') {
            return fail(kFn, USD1PAY_EINVALID, "intent_id is empty (NULL lists every intent's)");
          }
          only = intent_id;
        }
        auto rows = h.processor->list_events(only, after_seq, limit);
        if (!rows.ok()) return fail(rows.status());
        auto events = nlohmann::ordered_json::array();
        std::uint64_t next = after_seq;
        for (const auto& e : *rows) {
          events.push_back(usd1pay::capi::event_json(e));
          next = e.seq;
        }
        return reply(out_events_json, {{"events", events}, {"next_after_seq", next}});
      });
}

int usd1pay_lookup(char** out_json, usd1pay_processor* p, const char* query) {
  constexpr const char* kFn = "lookup";
  return guard_open_out(kFn, out_json, "out_json", p, [&](usd1pay_processor& h) -> int {
    if (query == nullptr) return fail_null(kFn, "query");
    if (query[0] == '\0') return fail(kFn, USD1PAY_EINVALID, "query is empty");
    auto found = usd1pay::lookup(*h.store, query);
    if (!found.ok()) return fail(found.status());
    return reply(out_json, usd1pay::capi::lookup_json(*found));
  });
}

}  // extern "C"
