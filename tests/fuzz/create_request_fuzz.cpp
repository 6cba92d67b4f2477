// Fuzzes the two readers of usd1pay_intent_create's request
// (capi::read_plain_create_request and capi::read_create_request_strict,
// sdk/capi/create_request.cpp) against each other.
//
// Input: the request text, whatever the bytes. Invariants checked:
//  - neither reader crashes, hangs or leaks;
//  - whenever the plain reader takes a text, the strict reader takes it too
//    and reads the very same request, field by field;
//  - read_create_request (what the ABI calls) gives the strict reader's
//    answer: the same request, or the same code and message;
//  - a refusal is kInvalidArgument or kOutOfRange, its message starts with
//    the function's name, and the same text gives the same answer again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "capi/create_request.h"

namespace {

using usd1pay::CreateIntentRequest;
using usd1pay::ErrorCode;
using usd1pay::capi::read_create_request;
using usd1pay::capi::read_create_request_strict;
using usd1pay::capi::read_plain_create_request;

constexpr const char* kFn = "usd1pay_intent_create";

void check(bool condition) {
  if (!condition) std::abort();
}

bool same(const CreateIntentRequest& a, const CreateIntentRequest& b) {
  return a.order_id == b.order_id && a.amount == b.amount && a.chain == b.chain &&
         a.token == b.token && a.idempotency_key == b.idempotency_key &&
         a.expires_in_seconds == b.expires_in_seconds && a.metadata_json == b.metadata_json &&
         a.actor == b.actor;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto plain = read_plain_create_request(text);
  const auto strict = read_create_request_strict(kFn, text);
  const auto both = read_create_request(kFn, text);

  if (plain.has_value()) {
    check(strict.ok());
    check(same(*plain, *strict));
  }
  check(both.ok() == strict.ok());
  if (strict.ok()) {
    check(same(*both, *strict));
  } else {
    const ErrorCode code = strict.status().code();
    check(code == ErrorCode::kInvalidArgument || code == ErrorCode::kOutOfRange);
    check(both.status().code() == code);
    check(both.status().message() == strict.status().message());
    check(strict.status().message().rfind(std::string(kFn) + ": ", 0) == 0);
    const auto again = read_create_request_strict(kFn, text);
    check(!again.ok() && again.status().message() == strict.status().message());
  }
  return 0;
}
