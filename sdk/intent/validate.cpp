// Validation of intent creation input, the canonical metadata form and the
// idempotency request hash (docs/intents.md, "Idempotency").
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "intent/intent_internal.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"
#include "usd1pay/intent.h"

namespace usd1pay::intent_internal {
namespace {

constexpr std::size_t kMaxMetadataDepth = 32;
// Input far beyond any configurable limit is refused before parsing.
constexpr std::size_t kMaxMetadataInputBytes = 1U << 20U;

std::string at_byte(std::size_t pos) {
  return " at byte " + std::to_string(pos);
}

// Checks what nlohmann's DOM parser does not: duplicate keys and depth.
class MetadataChecker final : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool /*val*/) override { return true; }
  bool number_integer(number_integer_t /*val*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*val*/) override { return true; }
  bool number_float(number_float_t /*val*/, const string_t& /*s*/) override { return true; }
  bool string(string_t& /*val*/) override { return true; }
  bool binary(binary_t& /*val*/) override { return true; }
  bool start_object(std::size_t /*elements*/) override {
    if (!push(true)) return false;
    return true;
  }
  bool key(string_t& val) override {
    if (!frames_.back().keys.insert(val).second) {
      error_ = Status(ErrorCode::kInvalidArgument,
                      "intent: metadata has the key \"" + printable(val) + "\" twice");
      return false;
    }
    return true;
  }
  bool end_object() override {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) override { return push(false); }
  bool end_array() override {
    frames_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*ex*/) override {
    // nlohmann counts the byte after the offending one (1-based).
    const std::size_t pos = position > 0 ? position - 1 : 0;
    error_ =
        Status(ErrorCode::kInvalidArgument, "intent: metadata is not valid JSON" + at_byte(pos));
    return false;
  }

  bool first_was_object() const noexcept { return first_was_object_; }
  const Status& error() const noexcept { return error_; }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
  };
  bool push(bool object) {
    if (!started_) {
      started_ = true;
      first_was_object_ = object;
    }
    if (frames_.size() >= kMaxMetadataDepth) {
      error_ =
          Status(ErrorCode::kInvalidArgument, "intent: metadata is nested deeper than " +
                                                  std::to_string(kMaxMetadataDepth) + " levels");
      return false;
    }
    frames_.push_back(Frame{object, {}});
    return true;
  }
  static std::string printable(const std::string& s) {
    std::string out;
    for (const char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
    if (s.size() > 40) out += "...";
    return out;
  }

  std::vector<Frame> frames_;
  bool started_ = false;
  bool first_was_object_ = false;
  Status error_;
};

bool is_control(unsigned char c) noexcept {
  return c < 0x20 || c == 0x7f;
}

}  // namespace

std::int64_t to_ms(TimePoint t) noexcept {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_ms(std::int64_t ms) noexcept {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

Status validate_order_id(std::string_view order_id) {
  if (order_id.empty()) return Status(ErrorCode::kInvalidArgument, "intent: order id is empty");
  if (order_id.size() > kMaxOrderIdBytes) {
    return Status(ErrorCode::kInvalidArgument,
                  "intent: order id is " + std::to_string(order_id.size()) +
                      " bytes long, longer than " + std::to_string(kMaxOrderIdBytes));
  }
  const std::size_t bad = find_invalid_utf8(order_id);
  if (bad != std::string_view::npos) {
    return Status(ErrorCode::kInvalidArgument,
                  "intent: order id is not valid UTF-8" + at_byte(bad));
  }
  for (std::size_t i = 0; i < order_id.size(); ++i) {
    if (is_control(static_cast<unsigned char>(order_id[i]))) {
      return Status(ErrorCode::kInvalidArgument, "intent: order id has the control character " +
                                                     quote_char(order_id[i]) + at_byte(i));
    }
  }
  return Status();
}

Status validate_idempotency_key(std::string_view key) {
  if (key.empty()) {
    return Status(ErrorCode::kInvalidArgument, "intent: idempotency key is empty");
  }
  if (key.size() > kMaxIdempotencyKeyBytes) {
    return Status(ErrorCode::kInvalidArgument,
                  "intent: idempotency key is " + std::to_string(key.size()) +
                      " bytes long, longer than " + std::to_string(kMaxIdempotencyKeyBytes));
  }
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c < 0x21 || c > 0x7e) {
      return Status(ErrorCode::kInvalidArgument, "intent: idempotency key has the character " +
                                                     quote_char(key[i]) + at_byte(i) +
                                                     " (printable ASCII only, no space)");
    }
  }
  return Status();
}

Status validate_actor(std::string_view actor) {
  if (actor.empty()) return Status(ErrorCode::kInvalidArgument, "intent: actor is empty");
  if (actor.size() > kMaxActorBytes) {
    return Status(ErrorCode::kInvalidArgument, "intent: actor is " + std::to_string(actor.size()) +
                                                   " bytes long, longer than " +
                                                   std::to_string(kMaxActorBytes));
  }
  for (std::size_t i = 0; i < actor.size(); ++i) {
    const char c = actor[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
    if (!ok) {
      return Status(ErrorCode::kInvalidArgument, "intent: actor has the character " +
                                                     quote_char(c) + at_byte(i) +
                                                     " (allowed: A-Z a-z 0-9 . _ : @ -)");
    }
  }
  return Status();
}

Result<Amount> parse_fiat_amount(std::string_view text) {
  auto amount = Amount::parse(text, kFiatDecimals);
  if (!amount.ok()) return amount.status().with_context("intent");
  if (amount->is_zero()) {
    return Status(ErrorCode::kInvalidArgument, "intent: amount must be greater than zero");
  }
  return amount;
}

Result<Amount> amount_at_par(const Amount& usd, unsigned token_decimals,
                             std::string_view token_symbol) {
  auto due = usd.rescale(token_decimals);
  if (!due.ok()) {
    return Status(ErrorCode::kOutOfRange,
                  "intent: amount " + usd.to_string_fixed(kFiatDecimals) +
                      " USD cannot be paid exactly in " + std::string(token_symbol) + " (" +
                      std::to_string(token_decimals) + " decimals): " + due.status().message());
  }
  return due;
}

Result<std::string> canonical_metadata(std::string_view text, std::size_t max_bytes) {
  if (text.size() > kMaxMetadataInputBytes) {
    return Status(ErrorCode::kOutOfRange, "intent: metadata of " + std::to_string(text.size()) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(max_bytes) + " bytes");
  }
  // A raw NUL byte is never JSON (inside a string it must be \u0000), but
  // nlohmann takes one for the end of the input and would drop what follows.
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return Status(ErrorCode::kInvalidArgument,
                  "intent: metadata has a NUL byte at byte " + std::to_string(nul));
  }
  MetadataChecker checker;
  const bool ok = nlohmann::json::sax_parse(text, &checker, nlohmann::json::input_format_t::json,
                                            /*strict=*/true);
  if (!ok) {
    if (!checker.error().ok()) return checker.error();
    return Status(ErrorCode::kInvalidArgument, "intent: metadata is not valid JSON");
  }
  if (!checker.first_was_object()) {
    return Status(ErrorCode::kInvalidArgument, "intent: metadata is not a JSON object");
  }
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return Status(ErrorCode::kInvalidArgument, "intent: metadata is not a JSON object");
  }
  std::string canonical = parsed.dump();
  if (parsed.empty()) return canonical;
  if (canonical.size() > max_bytes) {
    return Status(ErrorCode::kOutOfRange, "intent: metadata of " +
                                              std::to_string(canonical.size()) +
                                              " bytes (compact) exceeds the limit of " +
                                              std::to_string(max_bytes) + " bytes");
  }
  return canonical;
}

std::string request_hash(const RequestFingerprint& fp) {
  const nlohmann::json fields =
      nlohmann::json::array({"usd1pay.intent.request.v1", fp.order_id, fp.amount, fp.chain,
                             fp.token, fp.expires_in_seconds, fp.metadata_json});
  return hex_encode(sha256(fields.dump()));
}

}  // namespace usd1pay::intent_internal
