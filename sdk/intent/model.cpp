// PaymentIntent <-> IntentRow, the intent's JSON form and its QR code.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "intent/intent_internal.h"
#include "usd1pay/intent.h"
#include "usd1pay/json_strict.h"

namespace usd1pay {
namespace {

using intent_internal::from_ms;
using intent_internal::to_ms;

Status bad_row(const IntentRow& row, const std::string& field, const Status& why) {
  return Status(ErrorCode::kInternal,
                "intent: stored row " + row.id + ": " + field + ": " + why.message());
}

Status bad_row(const IntentRow& row, const std::string& field, const std::string& why) {
  return Status(ErrorCode::kInternal, "intent: stored row " + row.id + ": " + field + ": " + why);
}

Result<DepositStrategy> parse_strategy(const std::string& name) {
  for (const DepositStrategy s :
       {DepositStrategy::kXpub, DepositStrategy::kReference, DepositStrategy::kStatic}) {
    if (name == deposit_strategy_name(s)) return s;
  }
  return Status(ErrorCode::kInvalidArgument, "unknown strategy '" + name + "'");
}

// A JSON string as nlohmann's dump(..., ensure_ascii false, replace) writes
// it. Plain bytes (json_plain_byte) stand for themselves; a string with
// anything else (escapes, UTF-8, invalid bytes, which are replaced) is left to
// nlohmann, so the rare case keeps its exact rules.
void append_json_string(std::string& out, std::string_view s) {
  if (!json_plain_text(s)) {
    out += nlohmann::ordered_json(std::string(s))
               .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

// The stored metadata object as nlohmann writes it again ({} for text that
// is not a JSON object): the Processor stores it compact with sorted keys,
// but a row written by others is shown in the same normal form.
void append_metadata(std::string& out, const std::string& text) {
  if (json_is_plain_sorted_object(text)) {  // what the Processor stores, as a rule
    out += text;
    return;
  }
  const nlohmann::ordered_json metadata = nlohmann::ordered_json::parse(text, nullptr, false);
  if (!metadata.is_object()) {
    out += "{}";
    return;
  }
  out += metadata.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

std::string format_intent_time(TimePoint t) {
  return format_iso8601_ms(t);
}

Result<PaymentIntent> intent_from_row(const IntentRow& row) {
  PaymentIntent out;
  out.id = row.id;
  out.order_id = row.order_id;
  auto status = parse_intent_status(row.status);
  if (!status.ok()) return bad_row(row, "status", status.status());
  out.status = *status;
  auto chain = ChainId::parse(row.chain);
  if (!chain.ok()) return bad_row(row, "chain", chain.status());
  out.chain = std::move(*chain);
  out.token_symbol = row.token_symbol;
  out.token_contract = row.token_contract;
  out.token_decimals = row.token_decimals;
  auto amount = Amount::parse(row.amount, kFiatDecimals);
  if (!amount.ok()) return bad_row(row, "amount", amount.status());
  out.amount = *amount;
  if (row.currency != kIntentCurrency) return bad_row(row, "currency", "'" + row.currency + "'");
  out.currency = row.currency;
  auto units = Uint128::parse_decimal(row.amount_base_units);
  if (!units.ok()) return bad_row(row, "amount_base_units", units.status());
  auto due = Amount::from_base_units(*units, row.token_decimals);
  if (!due.ok()) return bad_row(row, "token_decimals", due.status());
  out.amount_due = *due;
  auto strategy = parse_strategy(row.strategy);
  if (!strategy.ok()) return bad_row(row, "strategy", strategy.status());
  out.strategy = *strategy;
  out.deposit_address = row.deposit_address;
  out.deposit_index = row.deposit_index;
  out.reference = row.reference;
  out.payment_uri = row.payment_uri;
  out.metadata_json = row.metadata_json;
  out.idempotency_key = row.idempotency_key;
  out.request_hash = row.request_hash;
  const nlohmann::json flags = nlohmann::json::parse(row.flags_json, nullptr, false);
  if (!flags.is_array()) return bad_row(row, "flags", "not a JSON array");
  for (const auto& f : flags) {
    if (!f.is_string()) return bad_row(row, "flags", "not an array of strings");
    auto flag = parse_intent_flag(f.get<std::string>());
    if (!flag.ok()) return bad_row(row, "flags", flag.status());
    out.flags.insert(*flag);
  }
  out.created_at = from_ms(row.created_at_ms);
  out.updated_at = from_ms(row.updated_at_ms);
  out.expires_at = from_ms(row.expires_at_ms);
  out.version = row.version;
  return out;
}

IntentRow intent_to_row(const PaymentIntent& intent) {
  IntentRow row;
  row.id = intent.id;
  row.order_id = intent.order_id;
  row.status = intent_status_name(intent.status);
  row.chain = intent.chain.to_string();
  row.token_symbol = intent.token_symbol;
  row.token_contract = intent.token_contract;
  row.token_decimals = intent.token_decimals;
  row.amount = intent.amount.to_string_fixed(kFiatDecimals);
  row.currency = intent.currency;
  row.amount_base_units = intent.amount_due.base_units().to_decimal();
  row.strategy = deposit_strategy_name(intent.strategy);
  row.deposit_address = intent.deposit_address;
  row.deposit_index = intent.deposit_index;
  row.reference = intent.reference;
  row.payment_uri = intent.payment_uri;
  row.metadata_json = intent.metadata_json;
  row.idempotency_key = intent.idempotency_key;
  row.request_hash = intent.request_hash;
  nlohmann::json flags = nlohmann::json::array();
  for (const IntentFlag f : intent.flags) flags.push_back(intent_flag_name(f));
  row.flags_json = flags.dump();
  row.created_at_ms = to_ms(intent.created_at);
  row.updated_at_ms = to_ms(intent.updated_at);
  row.expires_at_ms = to_ms(intent.expires_at);
  row.version = intent.version;
  return row;
}

std::string intent_to_json(const PaymentIntent& intent) {
  // Written straight into one string, in the order and with the bytes
  // nlohmann's dump(-1, ' ', false, replace) of the same fields in an
  // ordered_json gives (tests/unit/intent/model_test.cpp compares the two):
  // the intent lands in the hash-chained event log, so its bytes must never
  // change. Building the document and dumping it cost as much as the store's
  // work for a get.
  std::string out;
  out.reserve(768 + intent.order_id.size() + intent.payment_uri.size() +
              intent.metadata_json.size());
  out += "{\"id\":";
  append_json_string(out, intent.id);
  out += ",\"object\":\"payment_intent\",\"status\":";
  append_json_string(out, intent_status_name(intent.status));
  out += ",\"order_id\":";
  append_json_string(out, intent.order_id);
  out += ",\"amount\":";
  append_json_string(out, intent.amount.to_string_fixed(kFiatDecimals));
  out += ",\"currency\":";
  append_json_string(out, intent.currency);
  out += ",\"amount_base_units\":";
  append_json_string(out, intent.amount_due.base_units().to_decimal());
  out += ",\"amount_due\":";
  append_json_string(out, intent.amount_due.to_string_fixed(kFiatDecimals));
  out += ",\"chain\":";
  append_json_string(out, intent.chain.to_string());
  out += ",\"token\":";
  append_json_string(out, intent.token_symbol);
  out += ",\"token_contract\":";
  append_json_string(out, intent.token_contract);
  out += ",\"decimals\":";
  out += std::to_string(intent.token_decimals);
  out += ",\"strategy\":";
  append_json_string(out, deposit_strategy_name(intent.strategy));
  out += ",\"deposit_address\":";
  append_json_string(out, intent.deposit_address);
  out += ",\"deposit_index\":";
  out += intent.deposit_index ? std::to_string(*intent.deposit_index) : "null";
  out += ",\"reference\":";
  if (intent.reference.empty()) {
    out += "null";
  } else {
    append_json_string(out, intent.reference);
  }
  out += ",\"payment_uri\":";
  append_json_string(out, intent.payment_uri);
  out += ",\"created_at\":";
  append_json_string(out, format_intent_time(intent.created_at));
  out += ",\"updated_at\":";
  append_json_string(out, format_intent_time(intent.updated_at));
  out += ",\"expires_at\":";
  append_json_string(out, format_intent_time(intent.expires_at));
  out += ",\"metadata\":";
  append_metadata(out, intent.metadata_json);
  out += ",\"idempotency_key\":";
  if (intent.idempotency_key) {
    append_json_string(out, *intent.idempotency_key);
  } else {
    out += "null";
  }
  out += ",\"flags\":[";
  bool first = true;
  for (const IntentFlag f : intent.flags) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, intent_flag_name(f));
  }
  out += "],\"version\":";
  out += std::to_string(intent.version);
  out += '}';
  return out;
}

Result<QrCode> intent_qr(const PaymentIntent& intent, QrErrorCorrection level) {
  if (intent.payment_uri.empty()) {
    return Status(ErrorCode::kInvalidArgument, "intent: " + intent.id + " has no payment URI");
  }
  return encode_qr(intent.payment_uri, level);
}

}  // namespace usd1pay
