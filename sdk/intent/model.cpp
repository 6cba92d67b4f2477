// PaymentIntent <-> IntentRow, the intent's JSON form and its QR code.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "intent/intent_internal.h"
#include "usd1pay/intent.h"

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
  nlohmann::ordered_json j;
  j["id"] = intent.id;
  j["object"] = "payment_intent";
  j["status"] = intent_status_name(intent.status);
  j["order_id"] = intent.order_id;
  j["amount"] = intent.amount.to_string_fixed(kFiatDecimals);
  j["currency"] = intent.currency;
  j["amount_base_units"] = intent.amount_due.base_units().to_decimal();
  j["amount_due"] = intent.amount_due.to_string_fixed(kFiatDecimals);
  j["chain"] = intent.chain.to_string();
  j["token"] = intent.token_symbol;
  j["token_contract"] = intent.token_contract;
  j["decimals"] = intent.token_decimals;
  j["strategy"] = deposit_strategy_name(intent.strategy);
  j["deposit_address"] = intent.deposit_address;
  if (intent.deposit_index) {
    j["deposit_index"] = *intent.deposit_index;
  } else {
    j["deposit_index"] = nullptr;
  }
  if (intent.reference.empty()) {
    j["reference"] = nullptr;
  } else {
    j["reference"] = intent.reference;
  }
  j["payment_uri"] = intent.payment_uri;
  j["created_at"] = format_intent_time(intent.created_at);
  j["updated_at"] = format_intent_time(intent.updated_at);
  j["expires_at"] = format_intent_time(intent.expires_at);
  nlohmann::ordered_json metadata =
      nlohmann::ordered_json::parse(intent.metadata_json, nullptr, false);
  if (!metadata.is_object()) metadata = nlohmann::ordered_json::object();
  j["metadata"] = std::move(metadata);
  if (intent.idempotency_key) {
    j["idempotency_key"] = *intent.idempotency_key;
  } else {
    j["idempotency_key"] = nullptr;
  }
  nlohmann::ordered_json flags = nlohmann::ordered_json::array();
  for (const IntentFlag f : intent.flags) flags.push_back(intent_flag_name(f));
  j["flags"] = std::move(flags);
  j["version"] = intent.version;
  // Replace, not throw, should a string ever hold invalid UTF-8 (order ids
  // are validated; this is a last line of defence for rows written by others).
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<QrCode> intent_qr(const PaymentIntent& intent, QrErrorCorrection level) {
  if (intent.payment_uri.empty()) {
    return Status(ErrorCode::kInvalidArgument, "intent: " + intent.id + " has no payment URI");
  }
  return encode_qr(intent.payment_uri, level);
}

}  // namespace usd1pay
