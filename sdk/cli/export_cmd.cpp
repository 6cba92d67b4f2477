// usd1pay export | lookup: settlement exports and support look-ups
// (recon.h, docs/reconciliation.md).
//
//   usd1pay export --format csv|jsonl|journal|summary|html [--from DATE]
//                  [--to DATE] [--orders FILE] [--out FILE] [--manifest]
//                  [--orders-id-column NAME] [--orders-amount-column NAME]
//                  [--orders-currency-column NAME] [--orders-created-column NAME]
//                  [--account-wallet NAME] [--account-receivable NAME]
//                  [--account-customer-credit NAME] [--account-unapplied NAME]
//   usd1pay lookup QUERY [--json]
//
// DATE is YYYY-MM-DD (UTC midnight) or a full ISO 8601 UTC time; --to is
// exclusive. Without --out the export goes to stdout. A progress line is
// drawn on stderr only when stderr is a terminal.
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "cli/commands.h"
#include "usd1pay/clock.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/recon.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"

namespace usd1pay::cli {
namespace {

Result<std::unique_ptr<Store>> open_existing_store(const Config& config) {
  SqliteStoreOptions options = sqlite_store_options(config);
  options.create = false;  // reading a store that is not there is an error, not a new store
  return open_sqlite_store(options);
}

std::int64_t parse_date_or_throw(const std::string& option, const std::string& text) {
  std::string t = text;
  if (t.size() == 10) t += "T00:00:00Z";
  auto tp = parse_iso8601(t);
  if (!tp.ok()) {
    throw UsageError(option + " '" + text + "': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (" +
                     tp.status().message() + ")");
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(tp->time_since_epoch()).count();
}

/// An option naming one field of OrdersCsvMapping or JournalAccounts.
struct NameOption {
  const char* flag;
  const char* help;
  std::optional<std::string> value;
};

struct ExportArgs {
  std::string config = kDefaultConfig;
  std::string format = "csv";
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::string orders;
  std::string out;
  bool manifest = false;
  /// --orders-*-column: the orders file's column names, in the order of
  /// column_fields(); --account-*: the journal's account names, in the order
  /// of account_fields().
  std::array<NameOption, 4> columns{
      {{"--orders-id-column", "Column of the order id in the orders file", {}},
       {"--orders-amount-column", "Column of the amount in the orders file", {}},
       {"--orders-currency-column", "Column of the currency in the orders file", {}},
       {"--orders-created-column", "Column of the created time in the orders file", {}}}};
  std::array<NameOption, 4> accounts{
      {{"--account-wallet",
        "Journal: stablecoin wallet account; {chain} and {token} are replaced",
        {}},
       {"--account-receivable", "Journal: receivable account", {}},
       {"--account-customer-credit", "Journal: customer credit account", {}},
       {"--account-unapplied", "Journal: unapplied receipts account", {}}}};
};

std::array<std::string*, 4> column_fields(OrdersCsvMapping& m) {
  return {&m.order_id, &m.amount, &m.currency, &m.created_at};
}

std::array<std::string*, 4> account_fields(JournalAccounts& a) {
  return {&a.wallet, &a.receivable, &a.customer_credit, &a.unapplied};
}

/// Registers each option with its default (the field's value in `defaults`)
/// in its help text.
void add_name_options(CLI::App* cmd, std::array<NameOption, 4>& options,
                      const std::array<std::string*, 4>& defaults) {
  for (std::size_t i = 0; i < options.size(); ++i) {
    cmd->add_option(options[i].flag, options[i].value,
                    std::string(options[i].help) + " (default " + *defaults[i] + ")");
  }
}

/// Copies the options given into `fields`; a usage error naming the option
/// when one is given where it does not apply (`why_not` says why) or with an
/// empty value.
void take_names(const std::array<NameOption, 4>& options, const std::array<std::string*, 4>& fields,
                bool applies, const char* why_not) {
  for (const NameOption& o : options) {
    if (o.value && !applies) throw UsageError(std::string(o.flag) + why_not);
  }
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (!options[i].value) continue;
    if (options[i].value->empty())
      throw UsageError(std::string(options[i].flag) + ": the name is empty");
    *fields[i] = *options[i].value;
  }
}

int run_export(const ExportArgs& a) {
  auto format = parse_export_format(a.format);
  if (!format.ok()) throw UsageError("--format: " + format.status().message());
  if (a.manifest && a.out.empty()) throw UsageError("--manifest needs --out FILE");
  ExportParams p;
  p.format = *format;
  if (a.from) p.reconcile.from_ms = parse_date_or_throw("--from", *a.from);
  if (a.to) p.reconcile.to_ms = parse_date_or_throw("--to", *a.to);
  p.reconcile.orders_file = a.orders;
  take_names(a.columns, column_fields(p.reconcile.orders_mapping), !a.orders.empty(),
             " needs --orders FILE");
  take_names(a.accounts, account_fields(p.accounts), *format == ExportFormat::kJournal,
             " applies to --format journal only");
  p.out_path = a.out;
  p.manifest = a.manifest;
  auto config = Config::load(a.config);
  if (!config.ok()) return fail(config.status());
  p.reconcile.token_info = [cfg = *config](
                               const std::string& chain,
                               const std::string& contract) -> std::optional<ReconTokenInfo> {
    for (const ChainConfig& c : cfg.chains) {
      if (c.id.to_string() != chain) continue;
      for (const TokenConfig& t : c.tokens) {
        if (t.contract == contract) return ReconTokenInfo{t.decimals, t.symbol, "USD"};
      }
    }
    return std::nullopt;
  };
  const bool tty = isatty(STDERR_FILENO) == 1;
  if (tty) {
    p.reconcile.progress = [](std::uint64_t done, std::uint64_t /*total*/) {
      std::fprintf(stderr, "\rexporting: %llu records", static_cast<unsigned long long>(done));
      std::fflush(stderr);
    };
  }
  if (a.out.empty()) {
    p.out = [](std::string_view bytes) -> Status {
      std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!std::cout) return Status(ErrorCode::kIo, "export: writing to stdout failed");
      return Status();
    };
  }
  auto store = open_existing_store(*config);
  if (!store.ok()) return fail(store.status());
  auto r = export_settlement(**store, p);
  if (tty) std::fprintf(stderr, "\n");
  if (!r.ok()) return fail(r.status());
  std::cout.flush();
  if (!a.out.empty()) {
    nlohmann::json j{{"file", a.out},
                     {"records", r->records},
                     {"rows", r->rows},
                     {"bytes", r->bytes},
                     {"sha256", r->sha256_hex}};
    if (!r->manifest_path.empty()) j["manifest"] = r->manifest_path;
    std::cout << j.dump() << "\n";
  }
  return kExitOk;
}

std::string time_text(std::int64_t ms) {
  return format_iso8601(TimePoint(std::chrono::milliseconds(ms)));
}

nlohmann::json lookup_json(const LookupResult& r) {
  nlohmann::json j;
  j["intents"] = nlohmann::json::array();
  for (const auto& i : r.intents) {
    j["intents"].push_back({{"id", i.id},
                            {"order_id", i.order_id},
                            {"status", i.status},
                            {"chain", i.chain},
                            {"token", i.token_symbol},
                            {"amount", i.amount},
                            {"currency", i.currency},
                            {"deposit_address", i.deposit_address},
                            {"flags", nlohmann::json::parse(i.flags_json, nullptr, false)},
                            {"created_at", time_text(i.created_at_ms)},
                            {"expires_at", time_text(i.expires_at_ms)}});
  }
  j["payments"] = nlohmann::json::array();
  for (const auto& p : r.payments) {
    // The same object `usd1pay payments` prints and the C ABI returns.
    j["payments"].push_back(nlohmann::json::parse(payment_to_json(p)));
  }
  j["events"] = nlohmann::json::array();
  for (const auto& e : r.events) {
    j["events"].push_back({{"seq", e.seq},
                           {"id", e.id},
                           {"intent_id", e.intent_id},
                           {"type", e.type},
                           {"created_at", time_text(e.created_at_ms)}});
  }
  j["deliveries"] = nlohmann::json::array();
  for (const auto& d : r.deliveries) {
    j["deliveries"].push_back({{"id", d.id},
                               {"endpoint_id", d.endpoint_id},
                               {"event_id", d.event_id},
                               {"event_type", d.event_type},
                               {"status", d.status},
                               {"attempts", d.total_attempts},
                               {"last_http_status", d.last_http_status},
                               {"last_error", d.last_error}});
  }
  return j;
}

struct LookupArgs {
  std::string config = kDefaultConfig;
  std::string query;
  bool json = false;
};

int run_lookup(const LookupArgs& a) {
  auto config = Config::load(a.config);
  if (!config.ok()) return fail(config.status());
  auto store = open_existing_store(*config);
  if (!store.ok()) return fail(store.status());
  auto r = lookup(**store, a.query);
  if (!r.ok()) return fail(r.status());
  if (a.json) {
    std::cout << lookup_json(*r).dump(2) << "\n";
    return kExitOk;
  }
  if (r->intents.empty() && r->payments.empty()) {
    std::cout << "nothing found for " << a.query << "\n";
    return kExitOk;
  }
  for (const auto& i : r->intents) {
    std::cout << "intent " << i.id << "  order " << i.order_id << "  " << i.status << "  "
              << i.amount << " " << i.currency << " in " << i.token_symbol << " on " << i.chain
              << "\n  deposit " << i.deposit_address << "  flags " << i.flags_json << "\n  created "
              << time_text(i.created_at_ms) << "  expires " << time_text(i.expires_at_ms) << "\n";
  }
  for (const auto& p : r->payments) {
    std::cout << "payment " << p.id << "  " << p.status << "  "
              << (p.intent_id.empty() ? "(no intent)" : p.intent_id) << "  " << p.chain << "  tx "
              << p.tx_hash << ":" << p.log_index << "  block " << p.block_number << "\n  "
              << p.from_address << " -> " << p.to_address << "  " << p.amount_base_units
              << " base units  flags " << p.flags_json << "\n";
  }
  for (const auto& e : r->events) {
    std::cout << "event " << e.seq << "  " << time_text(e.created_at_ms) << "  " << e.type << "  "
              << e.id << "\n";
  }
  for (const auto& d : r->deliveries) {
    std::cout << "delivery " << d.id << "  " << d.event_type << " -> " << d.endpoint_id << "  "
              << d.status << "  attempts " << d.total_attempts << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_export_commands(CLI::App& app, int* exit_code) {
  auto ea = std::make_shared<ExportArgs>();
  CLI::App* ex = app.add_subcommand(
      "export", "Write a settlement export (reconciled orders, intents and payments)");
  add_config_option(ex, &ea->config);
  ex->add_option("--format", ea->format, "csv, jsonl, journal, summary or html (default csv)");
  ex->add_option("--from", ea->from, "First settlement day or time (UTC, inclusive)");
  ex->add_option("--to", ea->to, "Settlement day or time (UTC) to stop before (exclusive)");
  ex->add_option("--orders", ea->orders,
                 "The shop's orders CSV (order_id,amount,currency,created_at)");
  ex->add_option("--out", ea->out, "Write here (atomically) instead of stdout");
  ex->add_flag("--manifest", ea->manifest, "Also write FILE.manifest.json (needs --out)");
  OrdersCsvMapping default_columns;
  JournalAccounts default_accounts;
  add_name_options(ex, ea->columns, column_fields(default_columns));
  add_name_options(ex, ea->accounts, account_fields(default_accounts));
  ex->callback([ea, exit_code] { *exit_code = run_export(*ea); });

  auto la = std::make_shared<LookupArgs>();
  CLI::App* lk = app.add_subcommand(
      "lookup",
      "Find intents, payments, events and deliveries by tx hash, address, order or intent id");
  add_config_option(lk, &la->config);
  lk->add_option("query", la->query, "TX_HASH | ADDRESS | ORDER_ID | INTENT_ID")->required();
  lk->add_flag("--json", la->json, "JSON output");
  lk->callback([la, exit_code] { *exit_code = run_lookup(*la); });
}

}  // namespace usd1pay::cli
