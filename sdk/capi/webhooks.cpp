// Webhook endpoints and delivery (sender side) through the C ABI.
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "capi/errors.h"
#include "capi/handle.h"
#include "capi/json_util.h"
#include "capi/replies.h"
#include "usd1pay/clock.h"
#include "usd1pay/usd1pay.h"
#include "usd1pay/webhook_config.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay::capi {
namespace {

Result<AddWebhookEndpointParams> read_endpoint_request(const char* fn, const char* text) {
  nlohmann::json j;
  USD1PAY_RETURN_IF_ERROR(parse_json_strict(fn, "endpoint_json", text, &j));
  const RequestReader r(fn, j);
  USD1PAY_RETURN_IF_ERROR(r.check({"url", "event_types", "description", "secret"}));
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> types;
  std::optional<std::string> description;
  std::optional<std::string> secret;
  USD1PAY_RETURN_IF_ERROR(r.get_string("url", true, &url));
  USD1PAY_RETURN_IF_ERROR(r.get_string_array("event_types", false, &types));
  USD1PAY_RETURN_IF_ERROR(r.get_string("description", false, &description));
  USD1PAY_RETURN_IF_ERROR(r.get_string("secret", false, &secret));
  AddWebhookEndpointParams p;
  p.url = *url;
  if (types) p.event_types = *types;
  if (description) p.description = *description;
  if (secret) p.secret = *secret;
  p.source = "api";
  return p;
}

// Serialises adds in this process, so that two threads cannot both pass the
// "URL not registered yet" check.
std::mutex& add_mutex() {
  static std::mutex mu;
  return mu;
}

int add_endpoint(const char* fn, usd1pay_processor& h, const AddWebhookEndpointParams& p,
                 char** out) {
  // A URL the guard refuses is a bad argument for the caller, whatever the
  // reason the guard gives (kFailedPrecondition in the C++ API).
  auto url = parse_webhook_url(p.url);
  if (!url.ok()) return fail(url.status().with_context(fn));
  auto destination = check_destination(*url, webhook_destination_policy(h.config));
  if (!destination.ok()) {
    const Status& st = destination.status();
    if (st.code() == ErrorCode::kFailedPrecondition) {
      return fail(fn, USD1PAY_EINVALID, st.message());
    }
    return fail(st.with_context(fn));
  }
  WebhookEndpoints endpoints(*h.store, SystemClock::instance(),
                             webhook_destination_policy(h.config));
  const std::lock_guard<std::mutex> lock(add_mutex());
  auto existing = endpoints.list();
  if (!existing.ok()) return fail(existing.status());
  for (const auto& e : *existing) {
    if (e.url == p.url) {
      return fail(fn, USD1PAY_EEXISTS,
                  "an endpoint with url " + p.url + " exists already (" + e.id + ")");
    }
  }
  auto added = endpoints.add(p);
  if (!added.ok()) return fail(added.status());
  auto j = endpoint_json(*added);
  j["secret"] = added->secrets.front().secret;
  return reply(out, j);
}

}  // namespace
}  // namespace usd1pay::capi

using usd1pay::capi::fail;
using usd1pay::capi::fail_null;
using usd1pay::capi::guard_open;
using usd1pay::capi::guard_open_out;

extern "C" {

int usd1pay_webhook_endpoint_add(char** out_endpoint_json, usd1pay_processor* p,
                                 const char* endpoint_json) {
  constexpr const char* kFn = "webhook_endpoint_add";
  return guard_open_out(kFn, out_endpoint_json, "out_endpoint_json", p,
                        [&](usd1pay_processor& h) -> int {
                          if (endpoint_json == nullptr) return fail_null(kFn, "endpoint_json");
                          auto request = usd1pay::capi::read_endpoint_request(kFn, endpoint_json);
                          if (!request.ok()) return fail(request.status());
                          return usd1pay::capi::add_endpoint(kFn, h, *request, out_endpoint_json);
                        });
}

int usd1pay_webhook_endpoint_list(char** out_json, usd1pay_processor* p) {
  constexpr const char* kFn = "webhook_endpoint_list";
  return guard_open_out(kFn, out_json, "out_json", p, [&](usd1pay_processor& h) -> int {
    usd1pay::WebhookEndpoints endpoints(*h.store, usd1pay::SystemClock::instance(),
                                        usd1pay::webhook_destination_policy(h.config));
    auto rows = endpoints.list();
    if (!rows.ok()) return fail(rows.status());
    auto list = nlohmann::ordered_json::array();
    for (const auto& e : *rows) list.push_back(usd1pay::capi::endpoint_json(e));
    const nlohmann::ordered_json j{{"endpoints", list}};
    return usd1pay::capi::reply(out_json, j);
  });
}

int usd1pay_webhooks_start(usd1pay_processor* p) {
  constexpr const char* kFn = "webhooks_start";
  return guard_open(kFn, p, [&](usd1pay_processor& h) -> int {
    const std::lock_guard<std::mutex> lock(h.delivery_mu);
    if (h.delivering) return fail(kFn, USD1PAY_ESTATE, "webhook delivery runs already");
    const usd1pay::Status st = h.dispatcher->start();
    if (!st.ok()) return fail(st);
    h.delivering = true;
    return USD1PAY_OK;
  });
}

int usd1pay_webhooks_stop(usd1pay_processor* p) {
  constexpr const char* kFn = "webhooks_stop";
  return guard_open(kFn, p, [&](usd1pay_processor& h) -> int {
    const std::lock_guard<std::mutex> lock(h.delivery_mu);
    h.dispatcher->stop();
    h.delivering = false;
    return USD1PAY_OK;
  });
}

int usd1pay_webhooks_drain(char** out_report_json, usd1pay_processor* p, unsigned int timeout_ms) {
  constexpr const char* kFn = "webhooks_drain";
  if (out_report_json != nullptr) *out_report_json = nullptr;
  return guard_open(kFn, p, [&](usd1pay_processor& h) -> int {
    const std::lock_guard<std::mutex> lock(h.delivery_mu);
    if (h.delivering) {
      return fail(kFn, USD1PAY_ESTATE, "background delivery runs (usd1pay_webhooks_stop() first)");
    }
    auto report = h.dispatcher->drain(std::chrono::milliseconds(timeout_ms));
    if (!report.ok()) return fail(report.status());
    if (out_report_json != nullptr) {
      *out_report_json = usd1pay::capi::copy_out(
          usd1pay::capi::dump_json(usd1pay::capi::dispatch_report_json(*report)));
    }
    return USD1PAY_OK;
  });
}

}  // extern "C"
