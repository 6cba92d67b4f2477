// usd1pay webhook add | list | disable | enable | rotate-secret | deliveries |
// replay | verify
//
// Endpoint management and the delivery log work on the store the
// configuration names (--config); `verify` needs no configuration: it checks
// one received webhook the way a receiver would. Text output by default,
// --json for one JSON object per line. A secret is printed only by `add` and
// `rotate-secret`, once, when it is made; nothing else ever prints one.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "usd1pay/clock.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/store.h"
#include "usd1pay/webhook.h"
#include "usd1pay/webhook_config.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay::cli {

namespace {

nlohmann::json status_or_null(int status) {
  if (status == 0) return nullptr;  // no response
  return status;
}

nlohmann::json time_or_null(std::int64_t ms) {
  if (ms == 0) return nullptr;
  return format_iso8601(TimePoint(std::chrono::milliseconds(ms)));
}

std::string time_text(std::int64_t ms) {
  return ms == 0 ? std::string("-") : format_iso8601(TimePoint(std::chrono::milliseconds(ms)));
}

std::string events_text(const std::vector<std::string>& events) {
  if (events.empty()) return "*";
  std::string out;
  for (const auto& e : events) out += (out.empty() ? "" : ",") + e;
  return out;
}

// Never includes a secret: only when each one was made and until when it signs.
nlohmann::json endpoint_json(const WebhookEndpointRow& e) {
  return nlohmann::json::parse(webhook_endpoint_to_json(e, JsonTimes::kSeconds));
}

std::string dump(const nlohmann::json& j) {
  // Stored text (a description, a receiver's answer) may hold any bytes.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void print_endpoint_text(const WebhookEndpointRow& e) {
  std::cout << e.id << "  " << (e.enabled ? "enabled " : "disabled") << "  " << e.url << "\n";
  std::cout << "  events: " << events_text(e.event_types) << "\n";
  if (!e.description.empty()) std::cout << "  description: " << e.description << "\n";
  if (!e.enabled && !e.disabled_reason.empty()) {
    std::cout << "  disabled: " << e.disabled_reason << "\n";
  }
  std::cout << "  source: " << e.source << ", " << e.secrets.size() << " signing secret"
            << (e.secrets.size() == 1 ? "" : "s") << "\n";
}

struct Opened {
  Config config;
  std::shared_ptr<Store> store;
  std::unique_ptr<WebhookEndpoints> endpoints;
};

Result<Opened> open_endpoints(const std::string& config_path) {
  auto config = Config::load(config_path);
  if (!config.ok()) return config.status();
  auto store = open_sqlite_store_for(*config);
  if (!store.ok()) return store.status();
  Opened o;
  o.config = std::move(config).value();
  o.store = std::move(store).value();
  o.endpoints = std::make_unique<WebhookEndpoints>(*o.store, SystemClock::instance(),
                                                   webhook_destination_policy(o.config));
  return o;
}

// Splits "a,b" into {"a", "b"}; an empty item is a usage error (a doubled
// comma is a typo, not "every event").
std::vector<std::string> split_events(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) {
      throw UsageError("--events: empty event type at position " + std::to_string(start) +
                       " (write a,b without spaces or doubled commas)");
    }
    out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// ---- add

struct AddArgs {
  std::string config = kDefaultConfig;
  std::string url;
  std::optional<std::string> events;
  std::string secret;
  std::string description;
  bool disabled = false;
  bool json = false;
};

int run_add(const AddArgs& a) {
  AddWebhookEndpointParams p;
  p.url = a.url;
  if (a.events) p.event_types = split_events(*a.events);
  p.secret = a.secret;
  p.description = a.description;
  p.enabled = !a.disabled;
  p.source = "api";
  auto opened = open_endpoints(a.config);
  if (!opened.ok()) return fail(opened.status());
  const auto e = opened->endpoints->add(p);
  if (!e.ok()) return fail(e.status());
  const std::string& secret = e->secrets.front().secret;
  if (a.json) {
    nlohmann::json j = endpoint_json(*e);
    j["secret"] = secret;
    std::cout << dump(j) << "\n";
    return kExitOk;
  }
  print_endpoint_text(*e);
  std::cout << "  secret: " << secret << "\n"
            << "The secret is shown only now: give it to the receiver (it verifies every "
               "webhook with it).\n";
  return kExitOk;
}

// ---- list

int run_list(const std::string& config_path, bool json) {
  auto opened = open_endpoints(config_path);
  if (!opened.ok()) return fail(opened.status());
  const auto rows = opened->endpoints->list();
  if (!rows.ok()) return fail(rows.status());
  for (const auto& e : *rows) {
    if (json) {
      std::cout << dump(endpoint_json(e)) << "\n";
    } else {
      print_endpoint_text(e);
    }
  }
  if (!json && rows->empty()) std::cout << "no webhook endpoints\n";
  return kExitOk;
}

// ---- enable / disable

int run_set_enabled(const std::string& config_path, const std::string& id, bool enable,
                    const std::string& reason, bool json) {
  auto opened = open_endpoints(config_path);
  if (!opened.ok()) return fail(opened.status());
  const auto e = enable ? opened->endpoints->enable(id) : opened->endpoints->disable(id, reason);
  if (!e.ok()) return fail(e.status());
  if (json) {
    std::cout << dump(endpoint_json(*e)) << "\n";
  } else {
    print_endpoint_text(*e);
  }
  return kExitOk;
}

// ---- rotate-secret

struct RotateArgs {
  std::string config = kDefaultConfig;
  std::string id;
  std::string secret;
  std::int64_t grace_seconds = 86400;
  bool json = false;
};

int run_rotate(const RotateArgs& a) {
  auto opened = open_endpoints(a.config);
  if (!opened.ok()) return fail(opened.status());
  const auto e =
      opened->endpoints->rotate_secret(a.id, a.secret, std::chrono::seconds(a.grace_seconds));
  if (!e.ok()) return fail(e.status());
  const std::string& secret = e->secrets.front().secret;
  std::int64_t old_until = 0;
  for (std::size_t i = 1; i < e->secrets.size(); ++i) {
    old_until = std::max(old_until, e->secrets[i].expires_at_ms);
  }
  if (a.json) {
    nlohmann::json j = endpoint_json(*e);
    j["secret"] = secret;
    std::cout << dump(j) << "\n";
    return kExitOk;
  }
  std::cout << e->id << "  new secret: " << secret << "\n";
  if (e->secrets.size() > 1) {
    std::cout << "Webhooks are signed with the new and the previous secret(s) until "
              << time_text(old_until) << "; the receiver can switch any time before then.\n";
  } else {
    std::cout << "Only the new secret signs from now on.\n";
  }
  std::cout << "The secret is shown only now.\n";
  return kExitOk;
}

// ---- deliveries

struct DeliveriesArgs {
  std::string config = kDefaultConfig;
  std::optional<std::string> event;
  std::optional<std::string> endpoint;
  std::optional<std::string> intent;
  bool failed = false;
  std::size_t limit = 1000;
  bool json = false;
};

nlohmann::json attempt_json(const WebhookAttemptRow& at) {
  return {{"number", at.number},
          {"started_at", time_or_null(at.started_at_ms)},
          {"latency_ms", at.latency_ms},
          {"http_status", status_or_null(at.http_status)},
          {"error", at.error},
          {"outcome", at.outcome},
          {"response_excerpt", at.response_excerpt}};
}

nlohmann::json delivery_json(const WebhookDeliveryRow& d) {
  return nlohmann::json::parse(webhook_delivery_to_json(d, JsonTimes::kSeconds));
}

// One line, printable: a receiver's answer may hold anything.
std::string one_line(const std::string& text, std::size_t max) {
  std::string out;
  for (const char c : text.substr(0, max)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > max) out += "...";
  return out;
}

int run_deliveries(const DeliveriesArgs& a) {
  auto opened = open_endpoints(a.config);
  if (!opened.ok()) return fail(opened.status());
  ListWebhookDeliveriesParams p;
  p.event_id = a.event;
  p.endpoint_id = a.endpoint;
  p.intent_id = a.intent;
  if (a.failed) p.status = "failed";
  p.limit = a.limit;
  const auto rows = opened->store->list_webhook_deliveries(p);
  if (!rows.ok()) return fail(rows.status());
  for (const auto& d : *rows) {
    ListWebhookAttemptsParams ap;
    ap.delivery_id = d.id;
    ap.limit = 100000;
    const auto attempts = opened->store->list_webhook_attempts(ap);
    if (!attempts.ok()) return fail(attempts.status());
    if (a.json) {
      nlohmann::json j = delivery_json(d);
      auto list = nlohmann::json::array();
      for (const auto& at : *attempts) list.push_back(attempt_json(at));
      j["attempts"] = list;
      std::cout << dump(j) << "\n";
      continue;
    }
    std::cout << d.id << "  " << d.status << "  " << d.event_id << " " << d.event_type << " -> "
              << d.endpoint_id << "  attempts " << d.total_attempts;
    if (d.status == "pending") std::cout << "  next " << time_text(d.next_attempt_at_ms);
    std::cout << "\n";
    for (const auto& at : *attempts) {
      std::cout << "  #" << at.number << " " << time_text(at.started_at_ms) << "  "
                << (at.http_status == 0 ? std::string("---") : std::to_string(at.http_status))
                << "  " << at.latency_ms << " ms  " << at.outcome;
      if (!at.error.empty()) std::cout << "  " << one_line(at.error, 200);
      std::cout << "\n";
    }
  }
  if (!a.json && rows->empty()) std::cout << "no deliveries\n";
  return kExitOk;
}

// ---- replay

int run_replay(const std::string& config_path, const std::string& event_id,
               const std::optional<std::string>& endpoint_id, bool json) {
  auto opened = open_endpoints(config_path);
  if (!opened.ok()) return fail(opened.status());
  const auto rows = opened->endpoints->replay(event_id, endpoint_id);
  if (!rows.ok()) return fail(rows.status());
  for (const auto& d : *rows) {
    if (json) {
      std::cout << dump(delivery_json(d)) << "\n";
    } else {
      std::cout << d.id << "  " << d.event_id << " " << d.event_type << " -> " << d.endpoint_id
                << "  pending (sent by the next `usd1pay watch`)\n";
    }
  }
  if (!json && rows->empty()) {
    std::cout << "nothing to replay: no endpoint has a delivery of " << event_id
              << " (name one with --endpoint)\n";
  }
  return kExitOk;
}

// ---- verify

struct VerifyArgs {
  std::vector<std::string> secrets;
  std::string id;
  std::string timestamp;
  std::string signature;
  std::string body_file;
  std::int64_t tolerance = kDefaultWebhookToleranceSeconds;
  std::optional<std::int64_t> now;
  bool json = false;
};

// The exact bytes: a body that differs by one byte (a newline an editor
// added) does not verify, which is the point.
Result<std::string> read_body(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return Status(ErrorCode::kIo, "webhook verify: cannot open body file " + path);
    in = &file;
  }
  std::string body;
  char buffer[65536];
  while (*in) {
    in->read(buffer, sizeof buffer);
    body.append(buffer, static_cast<std::size_t>(in->gcount()));
  }
  if (in->bad()) return Status(ErrorCode::kIo, "webhook verify: cannot read body file " + path);
  return body;
}

int run_verify(const VerifyArgs& a) {
  const auto body = read_body(a.body_file);
  if (!body.ok()) return fail(body.status());
  VerifyWebhookParams p;
  p.secrets = a.secrets;
  p.id = a.id;
  p.timestamp = a.timestamp;
  p.signature = a.signature;
  p.body = *body;
  p.now = a.now ? *a.now : static_cast<std::int64_t>(std::time(nullptr));
  p.tolerance_seconds = a.tolerance;
  const Status st = verify_webhook(p);
  if (a.json) {
    nlohmann::json j{{"valid", st.ok()}};
    if (!st.ok()) {
      j["error"] = st.message();
      j["error_code"] = error_code_name(st.code());
    }
    std::cout << j.dump() << "\n";
  } else if (st.ok()) {
    std::cout << "valid: signature matches, timestamp within " << a.tolerance << " s\n";
  } else {
    std::cout << "invalid: " << st.message() << "\n";
  }
  return st.ok() ? kExitOk : kExitInvalid;
}

}  // namespace

void add_webhook_commands(CLI::App& app, int* exit_code) {
  auto* webhook = app.add_subcommand(
      "webhook", "Webhook endpoints, the delivery log, replay, and verifying a received webhook");
  webhook->require_subcommand(1);

  // ---- add
  auto add = std::make_shared<AddArgs>();
  auto* add_cmd = webhook->add_subcommand(
      "add",
      "Add an endpoint and print it with its signing secret (shown this once). It receives\n"
      "the events that happen from now on (`webhook replay` sends older ones).");
  add_config_option(add_cmd, &add->config);
  add_cmd->add_option("--url", add->url, "https:// (or http://) URL to POST events to")->required();
  add_cmd->add_option(
      "--events", add->events,
      "Event types, comma-separated: intent.succeeded,intent.* or * (default: all)");
  add_cmd->add_option("--secret", add->secret, "Signing secret whsec_... (default: a new one)");
  add_cmd->add_option("--description", add->description, "Free text for people");
  add_cmd->add_flag("--disabled", add->disabled, "Add it disabled (enable it later)");
  add_cmd->add_flag("--json", add->json, "Print one JSON object (with \"secret\")");
  add_cmd->callback([add, exit_code] { *exit_code = run_add(*add); });

  // ---- list
  auto list_config = std::make_shared<std::string>(kDefaultConfig);
  auto list_json = std::make_shared<bool>(false);
  auto* list = webhook->add_subcommand("list", "List endpoints (never their secrets)");
  add_config_option(list, list_config.get());
  list->add_flag("--json", *list_json, "One JSON object per endpoint");
  list->callback(
      [list_config, list_json, exit_code] { *exit_code = run_list(*list_config, *list_json); });

  // ---- disable / enable
  for (const bool enable : {false, true}) {
    auto config = std::make_shared<std::string>(kDefaultConfig);
    auto id = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>("disabled by operator");
    auto json = std::make_shared<bool>(false);
    auto* cmd = webhook->add_subcommand(
        enable ? "enable" : "disable",
        enable ? "Enable an endpoint; deliveries waiting for it resume"
               : "Disable an endpoint: nothing is sent to it until it is enabled (its events\n"
                 "keep queueing)");
    add_config_option(cmd, config.get());
    cmd->add_option("id", *id, "Endpoint id (we_...)")->required();
    if (!enable) cmd->add_option("--reason", *reason, "Why (shown by `webhook list`)");
    cmd->add_flag("--json", *json, "Print the endpoint as one JSON object");
    cmd->callback([config, id, reason, json, enable, exit_code] {
      *exit_code = run_set_enabled(*config, *id, enable, *reason, *json);
    });
  }

  // ---- rotate-secret
  auto rot = std::make_shared<RotateArgs>();
  auto* rotate = webhook->add_subcommand(
      "rotate-secret",
      "Make a new signing secret and print it (this once). The previous secret keeps signing\n"
      "beside it for --grace seconds, so the receiver can switch without missing a webhook.");
  add_config_option(rotate, &rot->config);
  rotate->add_option("id", rot->id, "Endpoint id (we_...)")->required();
  rotate->add_option("--secret", rot->secret, "The new secret whsec_... (default: a new one)");
  rotate
      ->add_option("--grace", rot->grace_seconds,
                   "Seconds the previous secret keeps signing (default 86400)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{365} * 86400));
  rotate->add_flag("--json", rot->json, "Print one JSON object (with \"secret\")");
  rotate->callback([rot, exit_code] { *exit_code = run_rotate(*rot); });

  // ---- deliveries
  auto dl = std::make_shared<DeliveriesArgs>();
  auto* deliveries = webhook->add_subcommand(
      "deliveries",
      "List deliveries (one per event and endpoint, with its webhook-id msg_...) and every\n"
      "attempt: time, HTTP status, latency, outcome, error. In event order.");
  add_config_option(deliveries, &dl->config);
  deliveries->add_option("--event", dl->event, "Only this event (evt_...)");
  deliveries->add_option("--endpoint", dl->endpoint, "Only this endpoint (we_...)");
  deliveries->add_option("--intent", dl->intent, "Only this intent's events (pi_...)");
  deliveries->add_flag("--failed", dl->failed,
                       "Only dead-lettered deliveries (every scheduled attempt failed)");
  deliveries->add_option("--limit", dl->limit, "At most this many (1..100000, default 1000)")
      ->check(CLI::Range(1, 100000));
  deliveries->add_flag("--json", dl->json, "One JSON object per delivery, with \"attempts\"");
  deliveries->callback([dl, exit_code] { *exit_code = run_deliveries(*dl); });

  // ---- replay
  auto rp_config = std::make_shared<std::string>(kDefaultConfig);
  auto rp_event = std::make_shared<std::string>();
  auto rp_endpoint = std::make_shared<std::optional<std::string>>();
  auto rp_json = std::make_shared<bool>(false);
  auto* replay = webhook->add_subcommand(
      "replay",
      "Send an event again (same webhook-id, so receivers can de-duplicate): to every endpoint\n"
      "that had it, or to --endpoint (also one that never had it). `usd1pay watch` sends it.");
  add_config_option(replay, rp_config.get());
  replay->add_option("event", *rp_event, "Event id (evt_...)")->required();
  replay->add_option("--endpoint", *rp_endpoint, "Only to this endpoint (we_...)");
  replay->add_flag("--json", *rp_json, "One JSON object per delivery");
  replay->callback([rp_config, rp_event, rp_endpoint, rp_json, exit_code] {
    *exit_code = run_replay(*rp_config, *rp_event, *rp_endpoint, *rp_json);
  });

  // ---- verify
  auto v = std::make_shared<VerifyArgs>();
  auto* verify = webhook->add_subcommand(
      "verify",
      "Check a received webhook as a receiver does (Standard Webhooks): the signature over\n"
      "id.timestamp.body with any of the secrets, and the timestamp within the tolerance.\n"
      "Exit 0 when valid, 1 when not (the reason is printed).");
  verify
      ->add_option("--secret", v->secrets,
                   "Signing secret whsec_... (repeat for several, e.g. during a rotation)")
      ->required();
  verify->add_option("--id", v->id, "The webhook-id header")->required();
  verify->add_option("--timestamp", v->timestamp, "The webhook-timestamp header")->required();
  verify->add_option("--signature", v->signature, "The webhook-signature header")->required();
  verify->add_option("body", v->body_file, "File with the exact body bytes, or - for stdin")
      ->required();
  verify
      ->add_option("--tolerance", v->tolerance,
                   "Seconds the timestamp may be from now, either way (default 300)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{10} * 365 * 86400));
  verify->add_option("--now", v->now,
                     "Unix seconds to judge the timestamp against (default: the clock)");
  verify->add_flag("--json", v->json, "Print {\"valid\", \"error\", \"error_code\"}");
  verify->callback([v, exit_code] { *exit_code = run_verify(*v); });
}

}  // namespace usd1pay::cli
