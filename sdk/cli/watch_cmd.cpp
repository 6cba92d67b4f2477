// usd1pay watch | payments
//
// `watch` runs the tracker over every configured chain and the webhook
// dispatcher beside it: it scans to the current head, applies the expiry
// sweep, delivers the webhooks that are due and exits, or with --follow keeps
// polling and delivering (on the dispatcher's own threads) until SIGINT /
// SIGTERM, then stops both cleanly (attempts in flight finish and are
// recorded). The configuration's webhook endpoints are synced into the store
// first. Each poll prints one JSON line per chain, and a "webhooks" line when
// deliveries happened. `payments` lists what the tracker recorded.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "usd1pay/clock.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"
#include "usd1pay/webhook_config.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay::cli {
namespace {

// A scan to the head stops after this many polls even if a chain keeps
// growing faster than it is scanned; the next run continues from the cursor.
constexpr int kMaxCatchUpPolls = 10000;

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int /*signal*/) {
  g_stop = true;
}

nlohmann::json chain_report_json(const ChainPollReport& r) {
  return nlohmann::json::parse(chain_poll_report_to_json(r));
}

nlohmann::json dispatch_report_json(const DispatchReport& r) {
  return {{"webhooks", nlohmann::json::parse(dispatch_report_to_json(r))}};
}

nlohmann::json dispatcher_stats_json(const DispatcherStats& s) {
  nlohmann::json j{{"webhooks",
                    {{"attempts", s.attempts},
                     {"succeeded", s.succeeded},
                     {"failed_attempts", s.failed_attempts},
                     {"dead_lettered", s.dead_lettered}}}};
  if (!s.last_error.empty()) j["webhooks"]["last_error"] = s.last_error;
  return j;
}

struct WatchArgs {
  std::string config = kDefaultConfig;
  bool once = false;
  bool follow = false;
  std::optional<int> interval_ms;
  int drain_ms = 60000;
};

// The dispatcher and what it needs, alive for the whole watch.
struct Delivery {
  std::unique_ptr<HttpTransport> transport;
  std::unique_ptr<WebhookDispatcher> dispatcher;
};

Result<Delivery> start_delivery(const Config& config, Store& store) {
  WebhookEndpoints endpoints(store, SystemClock::instance(), webhook_destination_policy(config));
  const Status synced = endpoints.sync_config_endpoints(webhook_config_endpoints(config));
  if (!synced.ok()) return synced;
  Delivery d;
  d.transport = make_http_transport(webhook_transport_options(config));
  auto dispatcher =
      WebhookDispatcher::create(webhook_dispatcher_options(config, &store, d.transport.get()));
  if (!dispatcher.ok()) return dispatcher.status();
  d.dispatcher = std::move(dispatcher).value();
  return d;
}

int run_watch(const WatchArgs& a) {
  if (a.once && a.follow) throw UsageError("--once and --follow exclude each other");
  auto config = Config::load(a.config);
  if (!config.ok()) return fail(config.status());
  auto store = open_sqlite_store_for(*config);
  if (!store.ok()) return fail(store.status());

  ProcessorOptions popts;
  popts.config = *config;
  popts.store = *store;
  auto processor = Processor::open(std::move(popts));
  if (!processor.ok()) return fail(processor.status());

  TrackerOptions topts;
  topts.config = *config;
  topts.store = *store;
  if (a.interval_ms) topts.poll_interval = std::chrono::milliseconds(*a.interval_ms);
  auto tracker = Tracker::open(std::move(topts));
  if (!tracker.ok()) return fail(tracker.status());
  auto delivery = start_delivery(*config, **store);
  if (!delivery.ok()) return fail(delivery.status());
  WebhookDispatcher& dispatcher = *delivery->dispatcher;

  if (!a.follow) {
    // Scan every chain to its head, then sweep expired intents.
    bool all_ok = true;
    for (int i = 0; i < kMaxCatchUpPolls; ++i) {
      const auto report = (*tracker)->poll_once();
      if (!report.ok()) return fail(report.status());
      for (const auto& chain : report->chains) std::cout << chain_report_json(chain).dump() << "\n";
      if (!report->ok()) {
        all_ok = false;
        break;
      }
      if (report->caught_up()) break;
    }
    const auto expired = (*processor)->expire_due();
    if (!expired.ok()) return fail(expired.status());
    std::cout << nlohmann::json{{"expired", *expired}}.dump() << "\n";
    // What the scan and the sweep committed goes out now; a receiver that
    // fails is retried by the next watch after its delay.
    const auto delivered = dispatcher.drain(std::chrono::milliseconds(a.drain_ms));
    if (!delivered.ok()) return fail(delivered.status());
    std::cout << dispatch_report_json(*delivered).dump() << "\n";
    return all_ok ? kExitOk : kExitInvalid;
  }

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const Status started = (*tracker)->start();
  if (!started.ok()) return fail(started);
  const Status dispatching = dispatcher.start();
  if (!dispatching.ok()) {
    (*tracker)->stop();
    return fail(dispatching);
  }
  std::cerr << "usd1pay: watching " << config->chains.size() << " chain(s), delivering webhooks; "
            << "Ctrl-C to stop\n";
  std::uint64_t seen_polls = 0;
  std::uint64_t seen_attempts = 0;
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const DispatcherStats dstats = dispatcher.stats();
    if (dstats.attempts != seen_attempts) {
      seen_attempts = dstats.attempts;
      std::cout << dispatcher_stats_json(dstats).dump() << "\n" << std::flush;
    }
    const TrackerStats stats = (*tracker)->stats();
    if (stats.polls == seen_polls) continue;
    seen_polls = stats.polls;
    for (const auto& chain : (*tracker)->last_report().chains) {
      std::cout << chain_report_json(chain).dump() << "\n" << std::flush;
    }
    const auto expired = (*processor)->expire_due();
    if (!expired.ok()) std::cerr << "usd1pay: expiry sweep: " << expired.status().message() << "\n";
  }
  (*tracker)->stop();
  dispatcher.stop();
  std::cout << dispatcher_stats_json(dispatcher.stats()).dump() << "\n" << std::flush;
  std::cerr << "usd1pay: stopped\n";
  return kExitOk;
}

struct PaymentsArgs {
  std::string config = kDefaultConfig;
  std::optional<std::string> intent;
  std::optional<std::string> chain;
  std::optional<std::string> status;
  std::optional<std::string> tx;
  std::size_t limit = 1000;
};

nlohmann::json payment_json(const PaymentRow& p) {
  return nlohmann::json::parse(payment_to_json(p));
}

int run_payments(const PaymentsArgs& a) {
  auto config = Config::load(a.config);
  if (!config.ok()) return fail(config.status());
  auto store = open_sqlite_store_for(*config);
  if (!store.ok()) return fail(store.status());
  ListPaymentsParams params;
  params.intent_id = a.intent;
  params.chain = a.chain;
  params.status = a.status;
  params.tx_hash = a.tx;
  params.limit = a.limit;
  const auto rows = (*store)->list_payments(params);
  if (!rows.ok()) return fail(rows.status());
  for (const auto& p : *rows) std::cout << payment_json(p).dump() << "\n";
  return kExitOk;
}

}  // namespace

void add_watch_commands(CLI::App& app, int* exit_code) {
  auto w = std::make_shared<WatchArgs>();
  auto* watch = app.add_subcommand(
      "watch",
      "Track payments on every configured chain and deliver webhooks: scan to the current\n"
      "head, apply the expiry sweep, deliver what is due and exit (default, or --once), or\n"
      "keep following and delivering with --follow until SIGINT / SIGTERM. Prints one JSON\n"
      "line per chain and poll, and {\"webhooks\": ...} lines.");
  add_config_option(watch, &w->config);
  watch->add_flag("--once", w->once, "Scan to the current head and exit (the default)");
  watch->add_flag("--follow", w->follow, "Keep polling until interrupted");
  watch->add_option("--interval-ms", w->interval_ms, "Poll interval with --follow (default 2000)")
      ->check(CLI::Range(50, 3600000));
  watch
      ->add_option("--drain-ms", w->drain_ms,
                   "Without --follow: deliver due webhooks for at most this long (default 60000)")
      ->check(CLI::Range(0, 3600000));
  watch->callback([w, exit_code] { *exit_code = run_watch(*w); });

  auto p = std::make_shared<PaymentsArgs>();
  auto* payments = app.add_subcommand(
      "payments", "List recorded payments, one JSON object per line, in block order");
  add_config_option(payments, &p->config);
  payments->add_option("--intent", p->intent, "Only this intent's payments");
  payments->add_option("--chain", p->chain, "Only this chain (CAIP-2)");
  payments->add_option("--status", p->status, "pending | final | orphaned")
      ->check(CLI::IsMember({"pending", "final", "orphaned"}));
  payments->add_option("--tx", p->tx, "Only this transaction hash");
  payments->add_option("--limit", p->limit, "At most this many (default 1000)")
      ->check(CLI::Range(1, 100000));
  payments->callback([p, exit_code] { *exit_code = run_payments(*p); });
}

}  // namespace usd1pay::cli
