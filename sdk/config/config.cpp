// The configuration file: parsing and validation (rules in
// include/usd1pay/config.h, every key in docs/config.md).
//
// Order of checks inside each object: unknown keys first (so that a misspelt
// key is reported as misspelt, not as a missing one), then each known key in
// document order of importance, then rules that relate keys to each other.
// Everything is checked before a Config is returned; nothing is checked
// lazily by its users.
#include "usd1pay/config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "config/json_reader.h"
#include "usd1pay/address.h"
#include "usd1pay/amount.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hd.h"

namespace usd1pay {

using config_internal::ErrorSink;
using config_internal::index_path;
using config_internal::ObjectReader;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxChains = 64;
constexpr std::size_t kMaxTokensPerChain = 32;
constexpr std::size_t kMaxWebhooks = 64;
constexpr std::size_t kMaxEventsPerWebhook = 64;
constexpr std::int64_t kMinExpirySeconds = 60;
constexpr std::int64_t kMaxExpirySeconds = std::int64_t{7} * 24 * 3600;
constexpr std::int64_t kMaxMetadataBytes = 65536;
constexpr std::int64_t kMaxBusyTimeoutMs = 600000;
constexpr std::int64_t kMaxConfirmations = 10000;
constexpr std::size_t kMaxRetrySchedule = 50;
constexpr std::int64_t kMaxRetryDelaySeconds = std::int64_t{7} * 24 * 3600;
constexpr std::int64_t kMaxWorkers = 256;
constexpr double kMaxJitter = 0.5;
// Tolerances are read at 18 decimals (USD1's largest) and must be at most
// this many whole dollars: a larger one is far more likely a typo ("5" for
// "0.05") than an intent.
constexpr unsigned kToleranceDecimals = 18;
constexpr std::uint64_t kMaxToleranceDollars = 10;

bool symbol_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
}

bool actor_char(char c) {
  return symbol_char(c) || c == ':' || c == '@';
}

bool event_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '*';
}

// Fails naming the first character outside `ok`, its position and what the
// value may hold.
template <typename Pred>
Status check_chars(std::string_view text, Pred ok, const std::string& path, const ErrorSink& sink,
                   const char* allowed) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!ok(text[i])) {
      return sink.error(ErrorCode::kInvalidArgument, path,
                        "bad character " + quote_char(text[i]) + " at position " +
                            std::to_string(i) + " (allowed: " + allowed + ")");
    }
  }
  return Status();
}

std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Parser {
 public:
  explicit Parser(ErrorSink sink) : sink_(std::move(sink)) {}

  Status parse(const json& doc, Config* config);

 private:
  Status parse_store(const json& value, StoreConfig* store);
  Status parse_chain(const json& value, const std::string& path, ChainConfig* chain);
  Status parse_finality(const json& value, const std::string& path, ChainConfig* chain);
  Status parse_start_block(const ObjectReader& r, ChainConfig* chain);
  Status parse_token(const json& value, const std::string& path, const ChainConfig& chain,
                     TokenConfig* token);
  Status parse_strategy(const ObjectReader& r, ChainConfig* chain);
  Status parse_webhook(const json& value, const std::string& path, WebhookEndpointConfig* hook);
  Status parse_tolerance(const ObjectReader& r, Config* config);
  Status parse_delivery(const json& value, WebhookDeliveryConfig* delivery);
  Status validate_address_at(ChainFamily family, const std::string& text, const std::string& path,
                             std::string* canonical);

  ErrorSink sink_;
};

Status Parser::parse(const json& doc, Config* config) {
  const ObjectReader r(doc, "", sink_);
  if (!doc.is_object()) {
    return sink_.error(
        ErrorCode::kInvalidArgument, "",
        "the document must be a JSON object, found " + config_internal::json_type_phrase(doc));
  }
  USD1PAY_RETURN_IF_ERROR(r.check({"version", "store", "chains", "default_chain", "default_token",
                                   "default_expiry_seconds", "underpayment_tolerance",
                                   "metadata_max_bytes", "actor", "webhooks", "webhook_delivery"}));

  std::int64_t version = 1;
  USD1PAY_RETURN_IF_ERROR(r.get_int("version", false, INT64_MIN, INT64_MAX, &version));
  if (version != 1) {
    return sink_.error(ErrorCode::kUnsupported, "version",
                       std::to_string(version) + " is not supported (this usd1pay reads 1)");
  }
  config->version = 1;

  const json* store = nullptr;
  USD1PAY_RETURN_IF_ERROR(r.get_object("store", true, &store));
  USD1PAY_RETURN_IF_ERROR(parse_store(*store, &config->store));

  const json* chains = nullptr;
  USD1PAY_RETURN_IF_ERROR(r.get_array("chains", true, &chains));
  if (chains->empty()) {
    return sink_.error(ErrorCode::kInvalidArgument, "chains", "at least one chain is needed");
  }
  if (chains->size() > kMaxChains) {
    return sink_.error(ErrorCode::kOutOfRange, "chains",
                       std::to_string(chains->size()) + " chains, more than the limit of " +
                           std::to_string(kMaxChains));
  }
  for (std::size_t i = 0; i < chains->size(); ++i) {
    const std::string path = index_path("chains", i);
    ChainConfig chain;
    USD1PAY_RETURN_IF_ERROR(parse_chain((*chains)[i], path, &chain));
    const std::string id = chain.id.to_string();
    for (std::size_t j = 0; j < config->chains.size(); ++j) {
      if (config->chains[j].id == chain.id) {
        return sink_.error(ErrorCode::kInvalidArgument, path + ".id",
                           "duplicate chain '" + id + "' (also " + index_path("chains", j) + ")");
      }
    }
    config->chains.push_back(std::move(chain));
  }

  config->default_chain = config->chains.front().id.to_string();
  USD1PAY_RETURN_IF_ERROR(r.get_string("default_chain", false, &config->default_chain));
  const ChainConfig* default_chain = config->find_chain(config->default_chain);
  if (default_chain == nullptr) {
    std::string list;
    for (const auto& c : config->chains) list += (list.empty() ? "" : ", ") + c.id.to_string();
    return sink_.error(
        ErrorCode::kInvalidArgument, "default_chain",
        "no chain '" + config->default_chain + "' is configured (configured: " + list + ")");
  }
  config->default_token = default_chain->tokens.front().symbol;
  USD1PAY_RETURN_IF_ERROR(r.get_string("default_token", false, &config->default_token));
  if (default_chain->find_token(config->default_token) == nullptr) {
    std::string list;
    for (const auto& t : default_chain->tokens) list += (list.empty() ? "" : ", ") + t.symbol;
    return sink_.error(ErrorCode::kInvalidArgument, "default_token",
                       "no token '" + config->default_token + "' on the default chain " +
                           config->default_chain + " (its tokens: " + list + ")");
  }

  USD1PAY_RETURN_IF_ERROR(r.get_int("default_expiry_seconds", false, kMinExpirySeconds,
                                    kMaxExpirySeconds, &config->default_expiry_seconds));
  USD1PAY_RETURN_IF_ERROR(parse_tolerance(r, config));

  auto metadata_max = static_cast<std::int64_t>(config->metadata_max_bytes);
  USD1PAY_RETURN_IF_ERROR(
      r.get_int("metadata_max_bytes", false, 0, kMaxMetadataBytes, &metadata_max));
  config->metadata_max_bytes = static_cast<std::size_t>(metadata_max);

  USD1PAY_RETURN_IF_ERROR(r.get_string("actor", false, &config->actor));
  if (config->actor.empty() || config->actor.size() > 64) {
    return sink_.error(
        ErrorCode::kInvalidArgument, "actor",
        "must be 1 to 64 characters long, not " + std::to_string(config->actor.size()));
  }
  USD1PAY_RETURN_IF_ERROR(
      check_chars(config->actor, actor_char, "actor", sink_, "letters, digits and . _ - : @"));

  const json* webhooks = nullptr;
  USD1PAY_RETURN_IF_ERROR(r.get_array("webhooks", false, &webhooks));
  if (webhooks != nullptr) {
    if (webhooks->size() > kMaxWebhooks) {
      return sink_.error(ErrorCode::kOutOfRange, "webhooks",
                         std::to_string(webhooks->size()) + " endpoints, more than the limit of " +
                             std::to_string(kMaxWebhooks));
    }
    for (std::size_t i = 0; i < webhooks->size(); ++i) {
      WebhookEndpointConfig hook;
      USD1PAY_RETURN_IF_ERROR(parse_webhook((*webhooks)[i], index_path("webhooks", i), &hook));
      config->webhooks.push_back(std::move(hook));
    }
  }

  const json* delivery = nullptr;
  USD1PAY_RETURN_IF_ERROR(r.get_object("webhook_delivery", false, &delivery));
  if (delivery != nullptr) {
    USD1PAY_RETURN_IF_ERROR(parse_delivery(*delivery, &config->webhook_delivery));
  }
  return Status();
}

Status Parser::parse_delivery(const json& value, WebhookDeliveryConfig* delivery) {
  const ObjectReader r(value, "webhook_delivery", sink_);
  USD1PAY_RETURN_IF_ERROR(r.check(
      {"retry_schedule", "jitter", "workers", "max_in_flight_per_endpoint", "connect_timeout_ms",
       "request_timeout_ms", "lease_ms", "allow_private_destinations", "verify_tls", "ca_file"}));

  const json* schedule = nullptr;
  USD1PAY_RETURN_IF_ERROR(r.get_array("retry_schedule", false, &schedule));
  if (schedule != nullptr) {
    const std::string path = r.path_of("retry_schedule");
    if (schedule->empty()) {
      return sink_.error(ErrorCode::kInvalidArgument, path,
                         "at least one delay is needed (seconds before the second attempt)");
    }
    if (schedule->size() > kMaxRetrySchedule) {
      return sink_.error(ErrorCode::kOutOfRange, path,
                         std::to_string(schedule->size()) + " delays, more than the limit of " +
                             std::to_string(kMaxRetrySchedule));
    }
    delivery->retry_schedule_seconds.clear();
    for (std::size_t i = 0; i < schedule->size(); ++i) {
      const json& d = (*schedule)[i];
      const std::string element = index_path(path, i);
      if (!d.is_number_integer()) {
        return sink_.error(
            ErrorCode::kInvalidArgument, element,
            "expected an integer (seconds), found " + config_internal::json_type_phrase(d));
      }
      const bool negative = !d.is_number_unsigned() && d.get<std::int64_t>() < 1;
      if (negative || d.get<std::uint64_t>() < 1 ||
          d.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxRetryDelaySeconds)) {
        return sink_.error(
            ErrorCode::kOutOfRange, element,
            d.dump() + " is not between 1 and " + std::to_string(kMaxRetryDelaySeconds));
      }
      const auto seconds = static_cast<std::int64_t>(d.get<std::uint64_t>());
      delivery->retry_schedule_seconds.push_back(seconds);
    }
  }

  const json* jitter = r.find("jitter");
  if (jitter != nullptr) {
    if (!jitter->is_number()) {
      return sink_.error(ErrorCode::kInvalidArgument, r.path_of("jitter"),
                         "expected a number (a ratio such as 0.1), found " +
                             config_internal::json_type_phrase(*jitter));
    }
    const double j = jitter->get<double>();
    if (!(j >= 0.0 && j <= kMaxJitter)) {
      return sink_.error(ErrorCode::kOutOfRange, r.path_of("jitter"),
                         jitter->dump() + " is not between 0 and 0.5");
    }
    delivery->jitter = j;
  }

  auto workers = static_cast<std::int64_t>(delivery->workers);
  USD1PAY_RETURN_IF_ERROR(r.get_int("workers", false, 1, kMaxWorkers, &workers));
  delivery->workers = static_cast<std::size_t>(workers);
  auto in_flight = static_cast<std::int64_t>(delivery->max_in_flight_per_endpoint);
  USD1PAY_RETURN_IF_ERROR(
      r.get_int("max_in_flight_per_endpoint", false, 1, kMaxWorkers, &in_flight));
  if (in_flight > workers) {
    return sink_.error(
        ErrorCode::kOutOfRange, r.path_of("max_in_flight_per_endpoint"),
        std::to_string(in_flight) + " is more than workers (" + std::to_string(workers) + ")");
  }
  delivery->max_in_flight_per_endpoint = static_cast<std::size_t>(in_flight);

  USD1PAY_RETURN_IF_ERROR(
      r.get_int("connect_timeout_ms", false, 100, 60000, &delivery->connect_timeout_ms));
  USD1PAY_RETURN_IF_ERROR(
      r.get_int("request_timeout_ms", false, 1000, 60000, &delivery->request_timeout_ms));
  USD1PAY_RETURN_IF_ERROR(r.get_int("lease_ms", false, 1000, 3600000, &delivery->lease_ms));
  const std::int64_t attempt_ms = delivery->connect_timeout_ms + delivery->request_timeout_ms;
  if (delivery->lease_ms <= attempt_ms) {
    // A lease shorter than one attempt lets a second sender take a delivery
    // that is still being sent.
    return sink_.error(ErrorCode::kOutOfRange, r.path_of("lease_ms"),
                       std::to_string(delivery->lease_ms) +
                           " must be more than connect_timeout_ms + request_timeout_ms (" +
                           std::to_string(attempt_ms) + ")");
  }

  USD1PAY_RETURN_IF_ERROR(
      r.get_bool("allow_private_destinations", false, &delivery->allow_private_destinations));
  USD1PAY_RETURN_IF_ERROR(r.get_bool("verify_tls", false, &delivery->verify_tls));
  USD1PAY_RETURN_IF_ERROR(r.get_string("ca_file", false, &delivery->ca_file));
  if (!delivery->ca_file.empty() && !delivery->verify_tls) {
    return sink_.error(ErrorCode::kInvalidArgument, r.path_of("ca_file"),
                       "only with verify_tls true (certificates are not checked at all)");
  }
  return Status();
}

Status Parser::parse_store(const json& value, StoreConfig* store) {
  const ObjectReader r(value, "store", sink_);
  USD1PAY_RETURN_IF_ERROR(r.check({"path", "synchronous", "busy_timeout_ms"}));
  USD1PAY_RETURN_IF_ERROR(r.get_string("path", true, &store->path));
  if (store->path.empty()) {
    return sink_.error(ErrorCode::kInvalidArgument, "store.path", "must not be empty");
  }
  std::string synchronous = "full";
  USD1PAY_RETURN_IF_ERROR(r.get_string("synchronous", false, &synchronous));
  if (synchronous == "full") {
    store->synchronous = StoreConfig::Synchronous::kFull;
  } else if (synchronous == "normal") {
    store->synchronous = StoreConfig::Synchronous::kNormal;
  } else {
    return sink_.error(ErrorCode::kInvalidArgument, "store.synchronous",
                       "'" + synchronous + "' is not one of: full, normal");
  }
  std::int64_t busy = store->busy_timeout_ms;
  USD1PAY_RETURN_IF_ERROR(r.get_int("busy_timeout_ms", false, 0, kMaxBusyTimeoutMs, &busy));
  store->busy_timeout_ms = static_cast<int>(busy);
  return Status();
}

Status Parser::validate_address_at(ChainFamily family, const std::string& text,
                                   const std::string& path, std::string* canonical) {
  // Strict: an EVM address without its EIP-55 checksum carries no typo
  // protection, and a typo here sends customers' money to the wrong place.
  const auto info = validate_address(family, text, AddressOptions{true});
  if (!info.ok()) return sink_.wrap(path, info.status());
  *canonical = info->canonical;
  return Status();
}

Status Parser::parse_chain(const json& value, const std::string& path, ChainConfig* chain) {
  const ObjectReader r(value, path, sink_);
  USD1PAY_RETURN_IF_ERROR(
      r.check({"id", "backend", "backend_settings", "finality", "start_block", "tokens", "strategy",
               "xpub", "derivation_path", "merchant_address"}));

  std::string id;
  USD1PAY_RETURN_IF_ERROR(r.get_string("id", true, &id));
  const auto parsed_id = ChainId::parse(id);
  if (!parsed_id.ok()) return sink_.wrap(r.path_of("id"), parsed_id.status());
  const auto family = parsed_id->family();
  if (!family.ok()) return sink_.wrap(r.path_of("id"), family.status());
  chain->id = *parsed_id;
  chain->family = *family;

  USD1PAY_RETURN_IF_ERROR(r.get_string("backend", true, &chain->backend));
  if (chain->backend == "evm-rpc") {
    if (chain->family != ChainFamily::kEvm) {
      return sink_.error(ErrorCode::kUnsupported, r.path_of("backend"),
                         "'evm-rpc' serves EVM chains only, not " + id);
    }
  } else if (chain->backend != "sim") {
    return sink_.error(ErrorCode::kUnsupported, r.path_of("backend"),
                       "unknown backend '" + chain->backend + "' (known: sim, evm-rpc)");
  }
  const json* settings = nullptr;
  USD1PAY_RETURN_IF_ERROR(r.get_object("backend_settings", false, &settings));
  chain->backend_json = settings == nullptr ? "{}" : settings->dump();

  USD1PAY_RETURN_IF_ERROR(parse_finality(value, path, chain));
  USD1PAY_RETURN_IF_ERROR(parse_start_block(r, chain));

  const json* tokens = nullptr;
  USD1PAY_RETURN_IF_ERROR(r.get_array("tokens", true, &tokens));
  if (tokens->empty()) {
    return sink_.error(ErrorCode::kInvalidArgument, r.path_of("tokens"),
                       "at least one token is needed");
  }
  if (tokens->size() > kMaxTokensPerChain) {
    return sink_.error(ErrorCode::kOutOfRange, r.path_of("tokens"),
                       std::to_string(tokens->size()) + " tokens, more than the limit of " +
                           std::to_string(kMaxTokensPerChain));
  }
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    const std::string token_path = index_path(r.path_of("tokens"), i);
    TokenConfig token;
    USD1PAY_RETURN_IF_ERROR(parse_token((*tokens)[i], token_path, *chain, &token));
    for (std::size_t j = 0; j < chain->tokens.size(); ++j) {
      const TokenConfig& other = chain->tokens[j];
      const std::string other_path = index_path(r.path_of("tokens"), j);
      if (ascii_lower(other.symbol) == ascii_lower(token.symbol)) {
        return sink_.error(ErrorCode::kInvalidArgument, token_path + ".symbol",
                           "duplicate symbol '" + token.symbol + "' (also " + other_path +
                               ", symbols may not differ only by case)");
      }
      if (other.contract == token.contract) {
        return sink_.error(ErrorCode::kInvalidArgument, token_path + ".contract",
                           "duplicate contract " + token.contract + " (also " + other_path + ")");
      }
    }
    chain->tokens.push_back(std::move(token));
  }

  return parse_strategy(r, chain);
}

Status Parser::parse_finality(const json& chain_value, const std::string& chain_path,
                              ChainConfig* chain) {
  const ObjectReader chain_reader(chain_value, chain_path, sink_);
  const json* value = nullptr;
  USD1PAY_RETURN_IF_ERROR(chain_reader.get_object("finality", false, &value));
  if (value == nullptr) {
    chain->finality = default_finality_for(chain->id);
    return Status();
  }
  const ObjectReader r(*value, chain_reader.path_of("finality"), sink_);
  USD1PAY_RETURN_IF_ERROR(r.check({"kind", "confirmations"}));
  std::string kind = "confirmations";
  USD1PAY_RETURN_IF_ERROR(r.get_string("kind", false, &kind));
  if (kind == "confirmations") {
    chain->finality.kind = FinalityConfig::Kind::kConfirmations;
    std::int64_t n = chain->finality.confirmations;
    USD1PAY_RETURN_IF_ERROR(r.get_int("confirmations", false, 1, kMaxConfirmations, &n));
    chain->finality.confirmations = static_cast<std::uint32_t>(n);
    return Status();
  }
  if (kind == "finalized") {
    chain->finality.kind = FinalityConfig::Kind::kFinalized;
  } else if (kind == "safe") {
    if (chain->family != ChainFamily::kEvm) {
      return sink_.error(ErrorCode::kUnsupported, r.path_of("kind"),
                         "'safe' is an EVM block tag; " +
                             std::string(chain_family_name(chain->family)) +
                             " chains use 'confirmations' or 'finalized'");
    }
    chain->finality.kind = FinalityConfig::Kind::kSafe;
  } else {
    return sink_.error(ErrorCode::kInvalidArgument, r.path_of("kind"),
                       "'" + kind + "' is not one of: confirmations, finalized, safe");
  }
  if (r.has("confirmations")) {
    return sink_.error(ErrorCode::kInvalidArgument, r.path_of("confirmations"),
                       "only with kind 'confirmations', not '" + kind + "'");
  }
  return Status();
}

Status Parser::parse_start_block(const ObjectReader& r, ChainConfig* chain) {
  const json* v = r.find("start_block");
  if (v == nullptr) return Status();
  const std::string path = r.path_of("start_block");
  const std::string what = "a block number of " + chain->id.to_string();
  const std::string range = " (0.." + std::to_string(kMaxStartBlock) +
                            "; 2^53-1 is the largest integer every JSON reader holds exactly)";
  // nlohmann reads an integer beyond 64 bits as a float: a magnitude that
  // large is out of range whatever its spelling.
  const bool huge_float =
      v->is_number_float() && !(std::abs(v->get<double>()) <= static_cast<double>(kMaxStartBlock));
  if (huge_float) {
    return sink_.error(ErrorCode::kOutOfRange, path, v->dump() + " is not " + what + range);
  }
  if (!v->is_number_integer()) {
    return sink_.error(
        ErrorCode::kInvalidArgument, path,
        "expected an integer (" + what + "), found " + config_internal::json_type_phrase(*v));
  }
  const bool negative = !v->is_number_unsigned() && v->get<std::int64_t>() < 0;
  if (negative || v->get<std::uint64_t>() > kMaxStartBlock) {
    return sink_.error(ErrorCode::kOutOfRange, path, v->dump() + " is not " + what + range);
  }
  chain->start_block = v->get<std::uint64_t>();
  return Status();
}

Status Parser::parse_token(const json& value, const std::string& path, const ChainConfig& chain,
                           TokenConfig* token) {
  const ObjectReader r(value, path, sink_);
  if (value.is_object() && value.contains("mint") && !value.contains("contract")) {
    return sink_.error(ErrorCode::kInvalidArgument, r.path_of("mint"),
                       "unknown key 'mint' (write the mint address under 'contract', on every "
                       "chain family)");
  }
  USD1PAY_RETURN_IF_ERROR(r.check({"symbol", "contract", "decimals"}));
  USD1PAY_RETURN_IF_ERROR(r.get_string("symbol", true, &token->symbol));
  if (token->symbol.empty() || token->symbol.size() > 16) {
    return sink_.error(
        ErrorCode::kInvalidArgument, r.path_of("symbol"),
        "must be 1 to 16 characters long, not " + std::to_string(token->symbol.size()));
  }
  USD1PAY_RETURN_IF_ERROR(check_chars(token->symbol, symbol_char, r.path_of("symbol"), sink_,
                                      "letters, digits and . _ -"));
  std::string contract;
  USD1PAY_RETURN_IF_ERROR(r.get_string("contract", true, &contract));
  if (contract.empty()) {
    return sink_.error(ErrorCode::kUnsupported, r.path_of("contract"),
                       "must name the token contract (or mint); a chain's native coin is not "
                       "accepted");
  }
  USD1PAY_RETURN_IF_ERROR(
      validate_address_at(chain.family, contract, r.path_of("contract"), &token->contract));
  std::int64_t decimals = 0;
  USD1PAY_RETURN_IF_ERROR(
      r.get_int("decimals", true, 0, static_cast<std::int64_t>(Amount::kMaxDecimals), &decimals));
  token->decimals = static_cast<unsigned>(decimals);
  return Status();
}

Status Parser::parse_strategy(const ObjectReader& r, ChainConfig* chain) {
  std::string strategy;
  USD1PAY_RETURN_IF_ERROR(r.get_string("strategy", true, &strategy));
  const std::string chain_id = chain->id.to_string();
  if (strategy == "xpub") {
    chain->strategy = DepositStrategy::kXpub;
    if (chain->family == ChainFamily::kSolana) {
      return sink_.error(ErrorCode::kUnsupported, r.path_of("strategy"),
                         "'xpub' needs secp256k1 keys (EVM, TRON); Solana keys are ed25519, use "
                         "'reference' or 'static' on " +
                             chain_id);
    }
  } else if (strategy == "reference") {
    chain->strategy = DepositStrategy::kReference;
    if (chain->family != ChainFamily::kSolana) {
      return sink_.error(
          ErrorCode::kUnsupported, r.path_of("strategy"),
          "'reference' keys exist only in Solana Pay; use 'xpub' or 'static' on " + chain_id);
    }
  } else if (strategy == "static") {
    chain->strategy = DepositStrategy::kStatic;
  } else {
    return sink_.error(ErrorCode::kInvalidArgument, r.path_of("strategy"),
                       "'" + strategy + "' is not one of: xpub, reference, static");
  }

  const std::string name = deposit_strategy_name(chain->strategy);
  if (chain->strategy == DepositStrategy::kXpub) {
    if (r.has("merchant_address")) {
      return sink_.error(ErrorCode::kInvalidArgument, r.path_of("merchant_address"),
                         "not used with strategy 'xpub' (each intent gets a derived address)");
    }
    USD1PAY_RETURN_IF_ERROR(r.get_string("xpub", true, &chain->xpub));
    const auto key = ExtendedPublicKey::parse(chain->xpub);
    if (!key.ok()) return sink_.wrap(r.path_of("xpub"), key.status());
    USD1PAY_RETURN_IF_ERROR(r.get_string("derivation_path", false, &chain->derivation_path));
    const auto below = key->derive_path(chain->derivation_path);
    if (!below.ok()) return sink_.wrap(r.path_of("derivation_path"), below.status());
    return Status();
  }
  for (const char* key : {"xpub", "derivation_path"}) {
    if (r.has(key)) {
      return sink_.error(ErrorCode::kInvalidArgument, r.path_of(key),
                         "only with strategy 'xpub', not '" + name + "'");
    }
  }
  std::string address;
  USD1PAY_RETURN_IF_ERROR(r.get_string("merchant_address", true, &address));
  return validate_address_at(chain->family, address, r.path_of("merchant_address"),
                             &chain->merchant_address);
}

Status Parser::parse_tolerance(const ObjectReader& r, Config* config) {
  const char* key = "underpayment_tolerance";
  const json* v = r.find(key);
  if (v == nullptr) return Status();
  if (!v->is_string()) {
    return sink_.error(ErrorCode::kInvalidArgument, key,
                       "expected a string (money is an exact decimal string such as \"0.05\"), "
                       "found " +
                           config_internal::json_type_phrase(*v));
  }
  const auto& text = v->get_ref<const std::string&>();
  const auto amount = Amount::parse(text, kToleranceDecimals);
  if (!amount.ok()) return sink_.wrap(key, amount.status());
  Uint128 cap;
  Uint128 unit;
  (void)Uint128::pow10(kToleranceDecimals, &unit);
  (void)Uint128::mul(Uint128(kMaxToleranceDollars), unit, &cap);
  if (amount->base_units() > cap) {
    return sink_.error(
        ErrorCode::kOutOfRange, key,
        text + " is more than the limit of " + std::to_string(kMaxToleranceDollars) + ".00");
  }
  // Every token must be able to hold it exactly: the processor compares it
  // with amounts in each token's base units.
  for (std::size_t i = 0; i < config->chains.size(); ++i) {
    const auto& tokens = config->chains[i].tokens;
    for (std::size_t j = 0; j < tokens.size(); ++j) {
      if (!amount->rescale(tokens[j].decimals).ok()) {
        return sink_.error(ErrorCode::kOutOfRange, key,
                           text + " is not exact in " + tokens[j].symbol + " with " +
                               std::to_string(tokens[j].decimals) + " decimals (" +
                               index_path(index_path("chains", i) + ".tokens", j) + ")");
      }
    }
  }
  config->underpayment_tolerance = amount->to_string_fixed(2);
  return Status();
}

Status Parser::parse_webhook(const json& value, const std::string& path,
                             WebhookEndpointConfig* hook) {
  const ObjectReader r(value, path, sink_);
  USD1PAY_RETURN_IF_ERROR(r.check({"url", "events", "secret", "description", "enabled"}));
  USD1PAY_RETURN_IF_ERROR(r.get_string("url", true, &hook->url));
  std::string_view rest = hook->url;
  if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    return sink_.error(ErrorCode::kInvalidArgument, r.path_of("url"),
                       "'" + hook->url + "' must start with https:// or http://");
  }
  const std::size_t host_end = rest.find_first_of("/?#");
  if (rest.substr(0, host_end).empty()) {
    return sink_.error(ErrorCode::kInvalidArgument, r.path_of("url"),
                       "'" + hook->url + "' has no host");
  }
  for (std::size_t i = 0; i < hook->url.size(); ++i) {
    if (hook->url[i] == ' ') {
      return sink_.error(ErrorCode::kInvalidArgument, r.path_of("url"),
                         "bad character ' ' at position " + std::to_string(i));
    }
  }
  const json* events = nullptr;
  USD1PAY_RETURN_IF_ERROR(r.get_array("events", false, &events));
  if (events != nullptr) {
    if (events->size() > kMaxEventsPerWebhook) {
      return sink_.error(ErrorCode::kOutOfRange, r.path_of("events"),
                         std::to_string(events->size()) + " event types, more than the limit of " +
                             std::to_string(kMaxEventsPerWebhook));
    }
    for (std::size_t i = 0; i < events->size(); ++i) {
      const std::string event_path = index_path(r.path_of("events"), i);
      const json& e = (*events)[i];
      if (!e.is_string()) {
        return sink_.error(ErrorCode::kInvalidArgument, event_path,
                           "expected a string, found " + config_internal::json_type_phrase(e));
      }
      const auto& name = e.get_ref<const std::string&>();
      if (name.empty() || name.size() > 64) {
        return sink_.error(ErrorCode::kInvalidArgument, event_path,
                           "must be 1 to 64 characters long, not " + std::to_string(name.size()));
      }
      USD1PAY_RETURN_IF_ERROR(check_chars(name, event_char, event_path, sink_, "a-z 0-9 . _ *"));
      hook->events.push_back(name);
    }
  }
  USD1PAY_RETURN_IF_ERROR(r.get_string("secret", false, &hook->secret));
  USD1PAY_RETURN_IF_ERROR(r.get_string("description", false, &hook->description));
  USD1PAY_RETURN_IF_ERROR(r.get_bool("enabled", false, &hook->enabled));
  return Status();
}

ErrorSink sink_for(std::string_view source_name) {
  std::string prefix = "config: ";
  if (source_name != "<string>" && !source_name.empty()) {
    prefix.append(source_name.data(), source_name.size());
    prefix += ": ";
  }
  return ErrorSink{prefix};
}

}  // namespace

const char* deposit_strategy_name(DepositStrategy strategy) noexcept {
  switch (strategy) {
    case DepositStrategy::kXpub: return "xpub";
    case DepositStrategy::kReference: return "reference";
    case DepositStrategy::kStatic: return "static";
  }
  return "unknown";
}

FinalityConfig default_finality_for(const ChainId& chain) {
  // docs/chains.md "Recommended defaults" gives the reasoning of each row.
  static constexpr std::string_view kFinalizedEvm[] = {
      "1",         // Ethereum: Casper FFG finality, about 13 minutes
      "10",        // OP Mainnet: its batch in a finalized L1 block
      "56",        // BNB Smart Chain: fast finality (BEP-126)
      "137",       // Polygon PoS: milestones
      "8453",      // Base: as OP Mainnet
      "42161",     // Arbitrum One: its batch in a finalized L1 block
      "11155111",  // Sepolia: as Ethereum
  };
  static constexpr std::string_view kDevnets[] = {"1337", "31337"};
  FinalityConfig f;
  f.kind = FinalityConfig::Kind::kConfirmations;
  f.confirmations = 12;
  if (chain.ns == "eip155") {
    for (std::string_view ref : kFinalizedEvm) {
      if (chain.reference == ref) f.kind = FinalityConfig::Kind::kFinalized;
    }
    for (std::string_view ref : kDevnets) {
      if (chain.reference == ref) f.confirmations = 3;
    }
  } else if (chain.ns == "solana") {
    f.kind = FinalityConfig::Kind::kFinalized;  // the finalized commitment
  } else if (chain.ns == "tron") {
    f.confirmations = 19;  // a solidified block: 19 of 27 super representatives
  }
  return f;
}

const char* finality_kind_name(FinalityConfig::Kind kind) noexcept {
  switch (kind) {
    case FinalityConfig::Kind::kConfirmations: return "confirmations";
    case FinalityConfig::Kind::kFinalized: return "finalized";
    case FinalityConfig::Kind::kSafe: return "safe";
  }
  return "unknown";
}

const TokenConfig* ChainConfig::find_token(std::string_view symbol) const noexcept {
  for (const auto& token : tokens) {
    if (token.symbol == symbol) return &token;
  }
  return nullptr;
}

const ChainConfig* Config::find_chain(std::string_view caip2) const noexcept {
  for (const auto& chain : chains) {
    if (chain.id.ns.size() + 1 + chain.id.reference.size() != caip2.size()) continue;
    if (caip2.substr(0, chain.id.ns.size()) == chain.id.ns && caip2[chain.id.ns.size()] == ':' &&
        caip2.substr(chain.id.ns.size() + 1) == chain.id.reference) {
      return &chain;
    }
  }
  return nullptr;
}

Result<Config> Config::parse(std::string_view json_text, std::string_view source_name) {
  const ErrorSink sink = sink_for(source_name);
  json doc;
  USD1PAY_RETURN_IF_ERROR(config_internal::parse_json_strict(json_text, sink, &doc));
  Config config;
  config.source = std::string(source_name);
  Parser parser(sink);
  USD1PAY_RETURN_IF_ERROR(parser.parse(doc, &config));
  return config;
}

Result<Config> Config::load(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status(ErrorCode::kIo, "config: " + path + " is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::kIo, "config: cannot open " + path);
  std::string text;
  char buffer[65536];
  while (in) {
    in.read(buffer, sizeof buffer);
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > config_internal::kMaxDocumentBytes) {
      return Status(ErrorCode::kIo, "config: " + path + " is larger than " +
                                        std::to_string(config_internal::kMaxDocumentBytes) +
                                        " bytes");
    }
  }
  if (in.bad()) return Status(ErrorCode::kIo, "config: cannot read " + path);
  auto config = parse(text, path);
  if (!config.ok()) return config;
  // The store lives beside the config file unless its path is absolute, so
  // that the result does not depend on the working directory. SQLite's
  // special ":memory:" name stays as it is.
  std::string& store_path = config->store.path;
  if (store_path != ":memory:" && !std::filesystem::path(store_path).is_absolute()) {
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) store_path = (dir / store_path).lexically_normal().string();
  }
  std::string& ca_file = config->webhook_delivery.ca_file;
  if (!ca_file.empty() && !std::filesystem::path(ca_file).is_absolute()) {
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) ca_file = (dir / ca_file).lexically_normal().string();
  }
  return config;
}

}  // namespace usd1pay
