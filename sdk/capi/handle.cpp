// The processor handle: open, close, free (handle.h).
#include "capi/handle.h"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "capi/errors.h"
#include "usd1pay/clock.h"
#include "usd1pay/webhook_config.h"

namespace usd1pay::capi {
namespace {

constexpr unsigned int kDefaultPollIntervalMs = 2000;

// Checks the caller's options: NULL means the defaults; a version this
// library does not know is refused rather than read past its end.
int read_open_options(const char* fn, const usd1pay_open_options* opts, usd1pay_open_options* out) {
  *out = usd1pay_open_options{USD1PAY_OPEN_OPTIONS_VERSION, nullptr, 0};
  if (opts == nullptr) return USD1PAY_OK;
  if (opts->version == 0 || opts->version > USD1PAY_OPEN_OPTIONS_VERSION) {
    return fail(fn, USD1PAY_EINVALID,
                "options: unknown version " + std::to_string(opts->version) +
                    " (this library knows 1.." + std::to_string(USD1PAY_OPEN_OPTIONS_VERSION) +
                    "; initialise with USD1PAY_OPEN_OPTIONS_INIT)");
  }
  *out = *opts;
  if (out->store_path != nullptr && out->store_path[0] == '\0') {
    return fail(fn, USD1PAY_EINVALID, "options: store_path is empty (NULL means the config's)");
  }
  return USD1PAY_OK;
}

int open_common(const char* fn, usd1pay_processor** out, Result<Config> config,
                const usd1pay_open_options* opts) {
  usd1pay_open_options options;
  const int rc = read_open_options(fn, opts, &options);
  if (rc != USD1PAY_OK) return rc;
  if (!config.ok()) return fail(config.status());
  auto handle = open_handle(std::move(config).value(), options);
  if (!handle.ok()) return fail(handle.status());
  *out = std::move(handle).value().release();
  return USD1PAY_OK;
}

}  // namespace

Result<std::unique_ptr<usd1pay_processor>> open_handle(Config config,
                                                       const usd1pay_open_options& options) {
  if (options.store_path != nullptr) config.store.path = options.store_path;
  auto h = std::make_unique<usd1pay_processor>();
  h->config = config;
  auto store = open_sqlite_store_for(config);
  if (!store.ok()) return store.status();
  h->store = std::move(store).value();

  ProcessorOptions popts;
  popts.config = config;
  popts.store = h->store;
  auto processor = Processor::open(std::move(popts));
  if (!processor.ok()) return processor.status();
  h->processor = std::move(processor).value();

  TrackerOptions topts;
  topts.config = config;
  topts.store = h->store;
  topts.poll_interval = std::chrono::milliseconds(
      options.poll_interval_ms == 0 ? kDefaultPollIntervalMs : options.poll_interval_ms);
  // The tracker is stopped (its thread joined) before the processor goes, so
  // the raw pointer never dangles.
  Processor* intents = h->processor.get();
  topts.on_poll = [intents](const PollReport& /*report*/) {
    try {
      (void)intents->expire_due();  // a failure is retried after the next poll
    } catch (...) {                 // NOLINT(bugprone-empty-catch): on the tracker's thread
    }
  };
  auto tracker = Tracker::open(std::move(topts));
  if (!tracker.ok()) return tracker.status();
  h->tracker = std::move(tracker).value();

  WebhookEndpoints endpoints(*h->store, SystemClock::instance(),
                             webhook_destination_policy(config));
  const Status synced = endpoints.sync_config_endpoints(webhook_config_endpoints(config));
  if (!synced.ok()) return synced;
  h->transport = make_http_transport(webhook_transport_options(config));
  WebhookDispatcherOptions dopts =
      webhook_dispatcher_options(config, h->store.get(), h->transport.get());
  // A library does not write to the host's stderr; failures are in the
  // delivery log (usd1pay_lookup) and in usd1pay_webhooks_drain's report.
  dopts.log = [](std::string_view /*line*/) {};
  auto dispatcher = WebhookDispatcher::create(std::move(dopts));
  if (!dispatcher.ok()) return dispatcher.status();
  h->dispatcher = std::move(dispatcher).value();
  return h;
}

int close_handle(usd1pay_processor* p) noexcept {
  p->closing.store(true, std::memory_order_release);
  std::unique_lock<std::shared_mutex> lock(p->mu);
  if (p->closed) return USD1PAY_OK;
  // Background threads first: they use the processor and the store.
  if (p->tracker) p->tracker->stop();
  if (p->dispatcher) p->dispatcher->stop();
  p->dispatcher.reset();
  p->transport.reset();
  p->tracker.reset();
  p->processor.reset();
  p->store.reset();
  p->closed = true;
  return USD1PAY_OK;
}

int fail_closed(const char* fn) noexcept {
  return fail(fn, USD1PAY_ECLOSED, "the processor is closed");
}

}  // namespace usd1pay::capi

using usd1pay::Config;
using usd1pay::capi::fail;
using usd1pay::capi::fail_null;
using usd1pay::capi::guard;

extern "C" {

int usd1pay_open_options_init(usd1pay_open_options* opts, unsigned int version) {
  constexpr const char* kFn = "open_options_init";
  return guard(kFn, [&]() -> int {
    if (opts == nullptr) return fail_null(kFn, "opts");
    if (version == 0 || version > USD1PAY_OPEN_OPTIONS_VERSION) {
      return fail(kFn, USD1PAY_EINVALID,
                  "unknown version " + std::to_string(version) + " (this library knows 1.." +
                      std::to_string(USD1PAY_OPEN_OPTIONS_VERSION) + ")");
    }
    *opts = usd1pay_open_options{USD1PAY_OPEN_OPTIONS_VERSION, nullptr, 0};
    return USD1PAY_OK;
  });
}

int usd1pay_processor_open(usd1pay_processor** out, const char* config_path,
                           const usd1pay_open_options* opts) {
  constexpr const char* kFn = "processor_open";
  if (out != nullptr) *out = nullptr;
  return guard(kFn, [&]() -> int {
    if (out == nullptr) return fail_null(kFn, "out");
    if (config_path == nullptr) return fail_null(kFn, "config_path");
    return usd1pay::capi::open_common(kFn, out, Config::load(config_path), opts);
  });
}

int usd1pay_processor_open_json(usd1pay_processor** out, const char* config_json,
                                const usd1pay_open_options* opts) {
  constexpr const char* kFn = "processor_open_json";
  if (out != nullptr) *out = nullptr;
  return guard(kFn, [&]() -> int {
    if (out == nullptr) return fail_null(kFn, "out");
    if (config_json == nullptr) return fail_null(kFn, "config_json");
    return usd1pay::capi::open_common(kFn, out, Config::parse(config_json, "<config_json>"), opts);
  });
}

int usd1pay_processor_close(usd1pay_processor* p) {
  constexpr const char* kFn = "processor_close";
  return guard(kFn, [&]() -> int {
    if (p == nullptr) return fail_null(kFn, "processor");
    return usd1pay::capi::close_handle(p);
  });
}

void usd1pay_processor_free(usd1pay_processor* p) {
  if (p == nullptr) return;
  (void)usd1pay::capi::close_handle(p);
  delete p;
}

}  // extern "C"
