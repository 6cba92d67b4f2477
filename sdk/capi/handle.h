// Private to the C ABI: the processor handle behind `usd1pay_processor*`.
//
// A handle owns everything one configuration needs: the Config, the store,
// the Processor (intents), the Tracker (opened at once, so that SimChain
// backends exist for usd1pay_sim_pay / usd1pay_sim_mine), and the webhook
// dispatcher with its HTTP transport.
//
// Concurrency: every call on the handle holds `mu` shared for its whole
// duration; usd1pay_processor_close() sets `closing` (new calls are refused
// at once, so that a stream of calls cannot starve it), then takes `mu`
// exclusively, which waits for the calls in progress, stops the background
// threads and releases everything. `closed` is read and written under `mu`.
// Starting / stopping / draining webhook delivery is serialised by
// `delivery_mu` (taken while `mu` is held shared).
#ifndef USD1PAY_SDK_CAPI_HANDLE_H
#define USD1PAY_SDK_CAPI_HANDLE_H

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "capi/errors.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"
#include "usd1pay/usd1pay.h"
#include "usd1pay/webhook_dispatcher.h"

struct usd1pay_processor {
  std::shared_mutex mu;
  std::atomic<bool> closing{false};
  bool closed = false;

  usd1pay::Config config;
  std::shared_ptr<usd1pay::Store> store;
  std::unique_ptr<usd1pay::Processor> processor;
  std::unique_ptr<usd1pay::Tracker> tracker;
  std::unique_ptr<usd1pay::HttpTransport> transport;
  std::unique_ptr<usd1pay::WebhookDispatcher> dispatcher;

  std::mutex delivery_mu;
  bool delivering = false;  // guarded by delivery_mu
};

namespace usd1pay::capi {

/// Builds an open handle from a parsed configuration and the caller's
/// options (already checked). Errors as the parts report them.
Result<std::unique_ptr<usd1pay_processor>> open_handle(Config config,
                                                       const usd1pay_open_options& options);

/// Stops the background threads and releases everything; idempotent.
/// Returns USD1PAY_OK.
int close_handle(usd1pay_processor* p) noexcept;

/// "<fn>: the processor is closed" as USD1PAY_ECLOSED.
int fail_closed(const char* fn) noexcept;

/// Runs `body(p)` with the handle held open (shared), or fails with
/// USD1PAY_EINVALID for NULL and USD1PAY_ECLOSED after close.
template <typename Body>
int with_open(const char* fn, usd1pay_processor* p, Body&& body) {
  if (p == nullptr) return fail_null(fn, "processor");
  if (p->closing.load(std::memory_order_acquire)) return fail_closed(fn);
  std::shared_lock<std::shared_mutex> lock(p->mu);
  if (p->closed) return fail_closed(fn);
  return body(*p);
}

/// The frame of an entry point on a processor: runs with_open(fn, p, body)
/// inside guard(fn, ...).
template <typename Body>
int guard_open(const char* fn, usd1pay_processor* p, Body&& body) noexcept {
  return guard(fn, [&]() -> int { return with_open(fn, p, body); });
}

/// guard_open for an entry point that hands back one string in *out (named
/// `out_name` in messages): *out is NULL unless it succeeds, and a NULL `out`
/// fails before the handle is looked at.
template <typename Body>
int guard_open_out(const char* fn, char** out, const char* out_name, usd1pay_processor* p,
                   Body&& body) noexcept {
  if (out != nullptr) *out = nullptr;
  return guard(fn, [&]() -> int {
    if (out == nullptr) return fail_null(fn, out_name);
    return with_open(fn, p, body);
  });
}

}  // namespace usd1pay::capi

#endif  // USD1PAY_SDK_CAPI_HANDLE_H
