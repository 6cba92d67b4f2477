// The request of usd1pay_intent_create (create_request.h).
#include "capi/create_request.h"

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "capi/json_util.h"
#include "usd1pay/json_strict.h"

namespace usd1pay::capi {
namespace {

// Longer requests are the strict reader's (it refuses more than 1 MiB).
constexpr std::size_t kMaxPlainBytes = std::size_t{64} * 1024;

// A string of plain bytes (json_plain_string_at) at text[*pos]; *pos past it.
bool plain_string(std::string_view text, std::size_t* pos, std::string_view* out) {
  const auto s = json_plain_string_at(text, *pos, pos);
  if (!s) return false;
  *out = *s;
  return true;
}

bool null_literal(std::string_view text, std::size_t* pos) {
  if (text.substr(*pos, 4) != "null") return false;
  *pos += 4;
  return true;
}

// An integer of 1 to 18 digits, optionally negative, no leading zero, no -0.
bool plain_integer(std::string_view text, std::size_t* pos, std::int64_t* out) {
  std::size_t i = *pos;
  const bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  const std::size_t first = i;
  std::int64_t value = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (i - first == 18) return false;
    value = value * 10 + (text[i] - '0');
  }
  if (i == first || (text[first] == '0' && (i - first > 1 || negative))) return false;
  *out = negative ? -value : value;
  *pos = i;
  return true;
}

enum Key : unsigned {
  kOrderId = 1U << 0,
  kAmount = 1U << 1,
  kChain = 1U << 2,
  kToken = 1U << 3,
  kIdempotencyKey = 1U << 4,
  kExpiresInSeconds = 1U << 5,
  kMetadata = 1U << 6,
  kActor = 1U << 7,
};

unsigned key_of(std::string_view name) {
  if (name == "order_id") return kOrderId;
  if (name == "amount") return kAmount;
  if (name == "chain") return kChain;
  if (name == "token") return kToken;
  if (name == "idempotency_key") return kIdempotencyKey;
  if (name == "expires_in_seconds") return kExpiresInSeconds;
  if (name == "metadata") return kMetadata;
  if (name == "actor") return kActor;
  return 0;
}

}  // namespace

std::optional<CreateIntentRequest> read_plain_create_request(std::string_view text) {
  if (text.size() > kMaxPlainBytes || text.size() < 2 || text[0] != '{') return std::nullopt;
  CreateIntentRequest request;
  unsigned seen = 0;     // keys read, null or not
  unsigned present = 0;  // keys with a value
  std::size_t pos = 1;
  for (;;) {
    std::string_view name;
    if (!plain_string(text, &pos, &name)) return std::nullopt;
    const unsigned key = key_of(name);
    // Unknown, twice: the strict reader says so.
    if (key == 0 || (seen & key) != 0) return std::nullopt;
    seen |= key;
    if (pos >= text.size() || text[pos] != ':') return std::nullopt;
    ++pos;
    // null: the key is absent (but a required one is missing: strict).
    if (!null_literal(text, &pos)) {
      present |= key;
      if (key == kExpiresInSeconds) {
        std::int64_t seconds = 0;
        if (!plain_integer(text, &pos, &seconds)) return std::nullopt;
        request.expires_in_seconds = seconds;
      } else if (key == kMetadata) {
        const std::size_t size = json_plain_sorted_object_size(text.substr(pos));
        if (size == 0) return std::nullopt;
        request.metadata_json = std::string(text.substr(pos, size));
        pos += size;
      } else {
        std::string_view value;
        if (!plain_string(text, &pos, &value)) return std::nullopt;
        switch (key) {
          case kOrderId: request.order_id = std::string(value); break;
          case kAmount: request.amount = std::string(value); break;
          case kChain: request.chain = std::string(value); break;
          case kToken: request.token = std::string(value); break;
          case kIdempotencyKey: request.idempotency_key = std::string(value); break;
          default: request.actor = std::string(value); break;  // kActor
        }
      }
    }
    if (pos >= text.size()) return std::nullopt;
    if (text[pos] == '}') break;
    if (text[pos] != ',') return std::nullopt;
    ++pos;
  }
  if (pos + 1 != text.size()) return std::nullopt;
  if ((present & (kOrderId | kAmount)) != (kOrderId | kAmount)) return std::nullopt;
  return request;
}

Result<CreateIntentRequest> read_create_request_strict(const char* fn, std::string_view text) {
  nlohmann::json j;
  USD1PAY_RETURN_IF_ERROR(parse_json_strict(fn, "request_json", text, &j));
  const RequestReader r(fn, j);
  USD1PAY_RETURN_IF_ERROR(r.check({"order_id", "amount", "chain", "token", "idempotency_key",
                                   "expires_in_seconds", "metadata", "actor"}));
  CreateIntentRequest request;
  std::optional<std::string> order_id;
  std::optional<std::string> amount;
  std::optional<std::string> actor;
  USD1PAY_RETURN_IF_ERROR(r.get_string("order_id", true, &order_id));
  if (const auto it = j.find("amount"); it != j.end() && it->is_number()) {
    // Money is never a JSON number (a double in most parsers): say how to
    // write it.
    return Status(ErrorCode::kInvalidArgument,
                  std::string(fn) + ": 'amount' must be a string, not " + json_type_phrase(*it) +
                      " (write an exact decimal such as \"25.00\")");
  }
  USD1PAY_RETURN_IF_ERROR(r.get_string("amount", true, &amount));
  USD1PAY_RETURN_IF_ERROR(r.get_string("chain", false, &request.chain));
  USD1PAY_RETURN_IF_ERROR(r.get_string("token", false, &request.token));
  USD1PAY_RETURN_IF_ERROR(r.get_string("idempotency_key", false, &request.idempotency_key));
  USD1PAY_RETURN_IF_ERROR(
      r.get_int("expires_in_seconds", false, INT64_MIN, INT64_MAX, &request.expires_in_seconds));
  const nlohmann::json* metadata = nullptr;
  USD1PAY_RETURN_IF_ERROR(r.get_object("metadata", false, &metadata));
  USD1PAY_RETURN_IF_ERROR(r.get_string("actor", false, &actor));
  request.order_id = *order_id;
  request.amount = *amount;
  if (metadata != nullptr) request.metadata_json = dump_json(*metadata);
  if (actor) request.actor = *actor;
  return request;
}

Result<CreateIntentRequest> read_create_request(const char* fn, std::string_view text) {
  if (auto plain = read_plain_create_request(text)) return std::move(*plain);
  return read_create_request_strict(fn, text);
}

}  // namespace usd1pay::capi
