// usd1pay init | intent create/show/list/cancel/expire | events | audit verify
//
// Every stateful command takes --config FILE (default ./usd1pay.json) and
// opens the store the configuration names. Results are JSON on stdout; errors
// are one line on stderr naming what and where, with exit code 1.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "usd1pay/clock.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"

namespace usd1pay::cli {
namespace {

Result<std::unique_ptr<Processor>> open_processor(const std::string& config_path) {
  auto config = Config::load(config_path);
  if (!config.ok()) return config.status();
  ProcessorOptions options;
  options.config = std::move(config).value();
  return Processor::open(std::move(options));
}

nlohmann::json event_json(const EventRow& e) {
  nlohmann::json data = nlohmann::json::parse(e.data_json, nullptr, /*allow_exceptions=*/false);
  if (data.is_discarded()) data = e.data_json;  // shown as stored, never dropped
  return {{"seq", e.seq},
          {"id", e.id},
          {"intent_id", e.intent_id},
          {"intent_seq", e.intent_seq},
          {"type", e.type},
          {"actor", e.actor},
          {"created_at", format_intent_time(TimePoint(std::chrono::milliseconds(e.created_at_ms)))},
          {"created_at_ms", e.created_at_ms},
          {"data", data},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

struct CreateArgs {
  std::string config = kDefaultConfig;
  std::string order;
  std::string amount;
  std::optional<std::string> chain;
  std::optional<std::string> token;
  std::optional<std::string> idempotency_key;
  std::optional<std::int64_t> expires_in;
  std::optional<std::string> metadata;
};

int run_create(const CreateArgs& a) {
  auto processor = open_processor(a.config);
  if (!processor.ok()) return fail(processor.status());
  CreateIntentRequest request;
  request.order_id = a.order;
  request.amount = a.amount;
  request.chain = a.chain;
  request.token = a.token;
  request.idempotency_key = a.idempotency_key;
  request.expires_in_seconds = a.expires_in;
  request.metadata_json = a.metadata;
  const auto intent = (*processor)->create_intent(request);
  if (!intent.ok()) return fail(intent.status());
  std::cout << intent_to_json(*intent) << "\n";
  return kExitOk;
}

struct ListArgs {
  std::string config = kDefaultConfig;
  std::optional<std::string> status;
  std::optional<std::string> order;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::size_t limit = 100;
  std::string cursor;
};

int run_list(const ListArgs& a) {
  IntentListRequest request;
  if (a.status) {
    const auto s = parse_intent_status(*a.status);
    if (!s.ok()) throw UsageError("--status: " + s.status().message());
    request.status = *s;
  }
  if (a.from) {
    const auto t = parse_iso8601(*a.from);
    if (!t.ok()) throw UsageError("--from: " + t.status().message());
    request.created_from = *t;
  }
  if (a.to) {
    const auto t = parse_iso8601(*a.to);
    if (!t.ok()) throw UsageError("--to: " + t.status().message());
    request.created_to = *t;
  }
  request.order_id = a.order;
  request.limit = a.limit;
  request.cursor = a.cursor;
  auto processor = open_processor(a.config);
  if (!processor.ok()) return fail(processor.status());
  const auto page = (*processor)->list_intents(request);
  if (!page.ok()) return fail(page.status());
  auto out = nlohmann::json::array();
  for (const auto& intent : page->intents)
    out.push_back(nlohmann::json::parse(intent_to_json(intent)));
  std::cout << nlohmann::json{{"intents", out}, {"next_cursor", page->next_cursor}}.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void add_intent_commands(CLI::App& app, int* exit_code) {
  // ---- init
  auto init_config = std::make_shared<std::string>(kDefaultConfig);
  auto* init = app.add_subcommand(
      "init", "Check the configuration and create (or migrate) the store it names");
  add_config_option(init, init_config.get());
  init->callback([init_config, exit_code] {
    auto processor = open_processor(*init_config);
    if (!processor.ok()) {
      *exit_code = fail(processor.status());
      return;
    }
    const auto& config = (*processor)->config();
    std::cout << "usd1pay: store ready at " << config.store.path << " (" << config.chains.size()
              << " chain" << (config.chains.size() == 1 ? "" : "s") << " configured)\n";
    *exit_code = kExitOk;
  });

  auto* intent =
      app.add_subcommand("intent", "Create, show, list, cancel and expire payment intents");
  intent->require_subcommand(1);

  // ---- intent create
  auto c = std::make_shared<CreateArgs>();
  auto* create = intent->add_subcommand(
      "create",
      "Create a payment intent and print it as JSON. With --idempotency-key, a retry with the\n"
      "same parameters returns the same intent; the same key with other parameters is an error.");
  add_config_option(create, &c->config);
  create->add_option("--order", c->order, "The merchant's order id")->required();
  create->add_option("--amount", c->amount, "Exact amount in USD, e.g. 25.00")->required();
  create->add_option("--chain", c->chain, "CAIP-2 chain id (default: the configuration's)");
  create->add_option("--token", c->token, "Token symbol (default: the configuration's)");
  create->add_option("--idempotency-key", c->idempotency_key, "Makes retries safe");
  create->add_option("--expires-in", c->expires_in, "Seconds until the intent expires");
  create->add_option("--metadata", c->metadata, "A JSON object stored with the intent");
  create->callback([c, exit_code] { *exit_code = run_create(*c); });

  // ---- intent show
  auto show_config = std::make_shared<std::string>(kDefaultConfig);
  auto show_id = std::make_shared<std::string>();
  auto* show = intent->add_subcommand("show", "Print one intent as JSON");
  add_config_option(show, show_config.get());
  show->add_option("id", *show_id, "Intent id (pi_...)")->required();
  show->callback([show_config, show_id, exit_code] {
    auto processor = open_processor(*show_config);
    if (!processor.ok()) {
      *exit_code = fail(processor.status());
      return;
    }
    const auto found = (*processor)->get_intent(*show_id);
    if (!found.ok()) {
      *exit_code = fail(found.status());
      return;
    }
    std::cout << intent_to_json(*found) << "\n";
    *exit_code = kExitOk;
  });

  // ---- intent list
  auto l = std::make_shared<ListArgs>();
  auto* list = intent->add_subcommand(
      "list", "List intents, newest first, as {\"intents\": [...], \"next_cursor\": ...}");
  add_config_option(list, &l->config);
  list->add_option("--status", l->status,
                   "requires_payment | processing | succeeded | expired | canceled | underpaid | "
                   "paid_late");
  list->add_option("--order", l->order, "Only this order id");
  list->add_option("--from", l->from,
                   "Created at or after (ISO 8601 UTC, e.g. 2026-11-01T00:00:00Z)");
  list->add_option("--to", l->to, "Created before (ISO 8601 UTC)");
  list->add_option("--limit", l->limit, "Page size 1..1000 (default 100)")
      ->check(CLI::Range(1, 1000));
  list->add_option("--cursor", l->cursor, "next_cursor of the previous page");
  list->callback([l, exit_code] { *exit_code = run_list(*l); });

  // ---- intent cancel
  auto cancel_config = std::make_shared<std::string>(kDefaultConfig);
  auto cancel_id = std::make_shared<std::string>();
  auto* cancel = intent->add_subcommand(
      "cancel", "Cancel an intent that is still waiting for payment; prints it");
  add_config_option(cancel, cancel_config.get());
  cancel->add_option("id", *cancel_id, "Intent id (pi_...)")->required();
  cancel->callback([cancel_config, cancel_id, exit_code] {
    auto processor = open_processor(*cancel_config);
    if (!processor.ok()) {
      *exit_code = fail(processor.status());
      return;
    }
    const auto canceled = (*processor)->cancel_intent(*cancel_id);
    if (!canceled.ok()) {
      *exit_code = fail(canceled.status());
      return;
    }
    std::cout << intent_to_json(*canceled) << "\n";
    *exit_code = kExitOk;
  });

  // ---- intent expire
  auto expire_config = std::make_shared<std::string>(kDefaultConfig);
  auto* expire = intent->add_subcommand(
      "expire", "Expire every unpaid intent whose time is up (the sweep a host runs on a timer)");
  add_config_option(expire, expire_config.get());
  expire->callback([expire_config, exit_code] {
    auto processor = open_processor(*expire_config);
    if (!processor.ok()) {
      *exit_code = fail(processor.status());
      return;
    }
    const auto n = (*processor)->expire_due();
    if (!n.ok()) {
      *exit_code = fail(n.status());
      return;
    }
    std::cout << nlohmann::json{{"expired", *n}}.dump() << "\n";
    *exit_code = kExitOk;
  });

  // ---- events
  auto ev_config = std::make_shared<std::string>(kDefaultConfig);
  auto ev_intent = std::make_shared<std::optional<std::string>>();
  auto ev_after = std::make_shared<std::uint64_t>(0);
  auto ev_limit = std::make_shared<std::size_t>(1000);
  auto* events = app.add_subcommand(
      "events", "Print the event log (the audit trail), one JSON object per line, oldest first");
  add_config_option(events, ev_config.get());
  events->add_option("--intent", *ev_intent, "Only this intent's events");
  events->add_option("--after", *ev_after, "Only events with seq greater than this");
  events->add_option("--limit", *ev_limit, "At most this many (1..10000, default 1000)")
      ->check(CLI::Range(1, 10000));
  events->callback([ev_config, ev_intent, ev_after, ev_limit, exit_code] {
    auto processor = open_processor(*ev_config);
    if (!processor.ok()) {
      *exit_code = fail(processor.status());
      return;
    }
    const auto rows = (*processor)->list_events(*ev_intent, *ev_after, *ev_limit);
    if (!rows.ok()) {
      *exit_code = fail(rows.status());
      return;
    }
    for (const auto& e : *rows) std::cout << event_json(e).dump() << "\n";
    *exit_code = kExitOk;
  });

  // ---- audit verify
  auto audit = app.add_subcommand("audit", "Check the integrity of the event log");
  audit->require_subcommand(1);
  auto au_config = std::make_shared<std::string>(kDefaultConfig);
  auto* verify = audit->add_subcommand(
      "verify",
      "Re-compute every event's hash and link. Exit 0 when the chain verifies, 1 when it\n"
      "does not (the first bad event and why are printed).");
  add_config_option(verify, au_config.get());
  verify->callback([au_config, exit_code] {
    auto processor = open_processor(*au_config);
    if (!processor.ok()) {
      *exit_code = fail(processor.status());
      return;
    }
    const auto report = (*processor)->verify_audit();
    if (!report.ok()) {
      *exit_code = fail(report.status());
      return;
    }
    nlohmann::json j{{"ok", report->ok}, {"events_checked", report->events_checked}};
    if (!report->ok) {
      j["first_bad_seq"] = report->first_bad_seq;
      j["problem"] = report->problem;
    }
    std::cout << j.dump() << "\n";
    *exit_code = report->ok ? kExitOk : kExitInvalid;
  });
}

}  // namespace usd1pay::cli
