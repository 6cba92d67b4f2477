// PaymentIntent <-> IntentRow, the intent's JSON form and its QR code.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
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
// it. Plain bytes (json_plain_byte) stand for themselves between quotes; a
// string with anything else (escapes, UTF-8, invalid bytes, which are
// replaced) is left to nlohmann, so the rare case keeps its exact rules.
class JsonString {
 public:
  explicit JsonString(std::string_view s) {
    if (json_plain_text(s)) {
      text_ = s;
      quoted_ = true;
      return;
    }
    escaped_ = nlohmann::ordered_json(std::string(s))
                   .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    text_ = escaped_;
  }
  // text_ may point into escaped_.
  JsonString(const JsonString&) = delete;
  JsonString& operator=(const JsonString&) = delete;

  template <typename Out>
  void emit(Out& out) const {
    if (quoted_) out.ch('"');
    out.text(text_);
    if (quoted_) out.ch('"');
  }

 private:
  std::string escaped_;
  std::string_view text_;
  bool quoted_ = false;
};

// The stored metadata object as nlohmann writes it again ({} for text that
// is not a JSON object): the Processor stores it compact with sorted keys,
// but a row written by others is shown in the same normal form.
class JsonMetadata {
 public:
  explicit JsonMetadata(const std::string& text) {
    if (json_is_plain_sorted_object(text)) {  // what the Processor stores, as a rule
      text_ = text;
      return;
    }
    const nlohmann::ordered_json metadata = nlohmann::ordered_json::parse(text, nullptr, false);
    if (!metadata.is_object()) {
      text_ = "{}";
      return;
    }
    normal_ = metadata.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    text_ = normal_;
  }
  JsonMetadata(const JsonMetadata&) = delete;
  JsonMetadata& operator=(const JsonMetadata&) = delete;

  std::string_view text() const noexcept { return text_; }

 private:
  std::string normal_;
  std::string_view text_;
};

// An unsigned integer's decimal digits, kept in place.
class JsonUint {
 public:
  explicit JsonUint(std::uint64_t v) noexcept
      : size_(static_cast<std::size_t>(std::to_chars(buf_, buf_ + sizeof buf_, v).ptr - buf_)) {}
  std::string_view text() const noexcept { return {buf_, size_}; }

 private:
  char buf_[20];  // 2^64-1 has 20 digits
  std::size_t size_;
};

// The two passes of intent_to_json over the same emit(): Counter adds up the
// bytes, Writer writes them into a string of exactly that size.
struct Counter {
  std::size_t size = 0;
  template <std::size_t N>
  void lit(const char (&)[N]) noexcept {
    size += N - 1;
  }
  void text(std::string_view s) noexcept { size += s.size(); }
  void ch(char) noexcept { ++size; }
};

struct Writer {
  char* p;
  template <std::size_t N>
  void lit(const char (&s)[N]) noexcept {
    std::memcpy(p, s, N - 1);
    p += N - 1;
  }
  void text(std::string_view s) noexcept {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  void ch(char c) noexcept { *p++ = c; }
};

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
  // work for a get; so did a string per field and growing the output. Every
  // value is made ready first (without copying a plain string), then emit()
  // runs twice: once counting, once writing into a string of that size.
  const JsonString id(intent.id);
  const JsonString status(intent_status_name(intent.status));
  const JsonString order_id(intent.order_id);
  const std::string amount = intent.amount.to_string_fixed(kFiatDecimals);
  const JsonString currency(intent.currency);
  const std::string base_units = intent.amount_due.base_units().to_decimal();
  const std::string amount_due = intent.amount_due.to_string_fixed(kFiatDecimals);
  const std::string chain_text = intent.chain.to_string();
  const JsonString chain(chain_text);
  const JsonString token(intent.token_symbol);
  const JsonString token_contract(intent.token_contract);
  const JsonUint decimals(intent.token_decimals);
  const JsonString strategy(deposit_strategy_name(intent.strategy));
  const JsonString deposit_address(intent.deposit_address);
  const JsonUint deposit_index(intent.deposit_index.value_or(0));
  const JsonString reference(intent.reference);
  const JsonString payment_uri(intent.payment_uri);
  char times[3][kIso8601MsSize];
  write_iso8601_ms(times[0], intent.created_at);
  write_iso8601_ms(times[1], intent.updated_at);
  write_iso8601_ms(times[2], intent.expires_at);
  const JsonMetadata metadata(intent.metadata_json);
  const JsonString idempotency_key(
      intent.idempotency_key ? std::string_view{*intent.idempotency_key} : std::string_view{});
  const JsonUint version(intent.version);

  auto emit = [&](auto& out) {
    // Amounts and times: digits and punctuation, nothing to escape.
    auto digits = [&out](std::string_view s) {
      out.ch('"');
      out.text(s);
      out.ch('"');
    };
    out.lit("{\"id\":");
    id.emit(out);
    out.lit(",\"object\":\"payment_intent\",\"status\":");
    status.emit(out);
    out.lit(",\"order_id\":");
    order_id.emit(out);
    out.lit(",\"amount\":");
    digits(amount);
    out.lit(",\"currency\":");
    currency.emit(out);
    out.lit(",\"amount_base_units\":");
    digits(base_units);
    out.lit(",\"amount_due\":");
    digits(amount_due);
    out.lit(",\"chain\":");
    chain.emit(out);
    out.lit(",\"token\":");
    token.emit(out);
    out.lit(",\"token_contract\":");
    token_contract.emit(out);
    out.lit(",\"decimals\":");
    out.text(decimals.text());
    out.lit(",\"strategy\":");
    strategy.emit(out);
    out.lit(",\"deposit_address\":");
    deposit_address.emit(out);
    out.lit(",\"deposit_index\":");
    if (intent.deposit_index) {
      out.text(deposit_index.text());
    } else {
      out.lit("null");
    }
    out.lit(",\"reference\":");
    if (intent.reference.empty()) {
      out.lit("null");
    } else {
      reference.emit(out);
    }
    out.lit(",\"payment_uri\":");
    payment_uri.emit(out);
    out.lit(",\"created_at\":");
    digits({times[0], kIso8601MsSize});
    out.lit(",\"updated_at\":");
    digits({times[1], kIso8601MsSize});
    out.lit(",\"expires_at\":");
    digits({times[2], kIso8601MsSize});
    out.lit(",\"metadata\":");
    out.text(metadata.text());
    out.lit(",\"idempotency_key\":");
    if (intent.idempotency_key) {
      idempotency_key.emit(out);
    } else {
      out.lit("null");
    }
    out.lit(",\"flags\":[");
    bool first = true;
    for (const IntentFlag f : intent.flags) {
      if (!first) out.ch(',');
      first = false;
      JsonString(intent_flag_name(f)).emit(out);
    }
    out.lit("],\"version\":");
    out.text(version.text());
    out.ch('}');
  };
  Counter counter;
  emit(counter);
  std::string text(counter.size, '\0');
  Writer writer{text.data()};
  emit(writer);
  return text;
}

Result<QrCode> intent_qr(const PaymentIntent& intent, QrErrorCorrection level) {
  if (intent.payment_uri.empty()) {
    return Status(ErrorCode::kInvalidArgument, "intent: " + intent.id + " has no payment URI");
  }
  return encode_qr(intent.payment_uri, level);
}

}  // namespace usd1pay
