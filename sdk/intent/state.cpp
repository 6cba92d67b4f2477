// The intent state machine: stable names and the table of allowed
// transitions (docs/intents.md explains each one).
#include <cstddef>
#include <string>
#include <string_view>

#include "usd1pay/intent.h"

namespace usd1pay {
namespace {

constexpr std::size_t kStatusCount = kAllIntentStatuses.size();

constexpr std::size_t index_of(IntentStatus s) noexcept {
  return static_cast<std::size_t>(s);
}

// kAllowed[from][to]. Rows and columns in declaration order:
// requires_payment, processing, succeeded, expired, canceled, underpaid, paid_late.
constexpr bool kAllowed[kStatusCount][kStatusCount] = {
    // requires_payment: a payment seen (processing) or seen final at once
    // (succeeded); expiry; merchant cancels.
    {false, true, true, true, true, false, false},
    // processing: final and enough; orphaned by a reorg with nothing else
    // pending; expiry with final partial payments (underpaid) or with nothing
    // final left (expired).
    {true, false, true, true, false, true, false},
    // succeeded: a reorg beyond the finality policy removes a payment; the
    // intent goes back to processing (others still pending) or
    // requires_payment (nothing left).
    {true, true, false, false, false, false, false},
    // expired: a final payment arrives late.
    {false, false, false, false, false, false, true},
    // canceled: a final payment arrives anyway.
    {false, false, false, false, false, false, true},
    // underpaid: the customer pays the rest (seen, or seen final).
    {false, true, true, false, false, false, false},
    // paid_late: terminal; refunds are handled outside usd1pay.
    {false, false, false, false, false, false, false},
};

constexpr const char* kStatusNames[kStatusCount] = {
    "requires_payment", "processing", "succeeded", "expired", "canceled", "underpaid", "paid_late"};

constexpr const char* kFlagNames[] = {"overpaid", "multiple_payments", "orphaned_payment",
                                      "wrong_network"};
constexpr IntentFlag kAllFlags[] = {IntentFlag::kOverpaid, IntentFlag::kMultiplePayments,
                                    IntentFlag::kOrphanedPayment, IntentFlag::kWrongNetwork};

// The name quoted for a message, cut short so that a huge input cannot make a
// huge message.
std::string quoted_for_message(std::string_view name) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < name.size() && i < kMax; ++i) {
    const char c = name[i];
    if (c >= 0x20 && c < 0x7f) {
      out += c;
    } else {
      out += '?';
    }
  }
  if (name.size() > kMax) out += "...";
  out += "'";
  return out;
}

}  // namespace

const char* intent_status_name(IntentStatus status) noexcept {
  const std::size_t i = index_of(status);
  return i < kStatusCount ? kStatusNames[i] : "unknown";
}

Result<IntentStatus> parse_intent_status(std::string_view name) {
  for (const IntentStatus s : kAllIntentStatuses) {
    if (name == intent_status_name(s)) return s;
  }
  std::string valid;
  for (const IntentStatus s : kAllIntentStatuses) {
    if (!valid.empty()) valid += ", ";
    valid += intent_status_name(s);
  }
  return Status(ErrorCode::kInvalidArgument,
                "intent: unknown status " + quoted_for_message(name) + " (valid: " + valid + ")");
}

bool intent_transition_allowed(IntentStatus from, IntentStatus to) noexcept {
  const std::size_t f = index_of(from);
  const std::size_t t = index_of(to);
  return f < kStatusCount && t < kStatusCount && kAllowed[f][t];
}

Status check_transition(IntentStatus from, IntentStatus to) {
  if (intent_transition_allowed(from, to)) return Status();
  return Status(ErrorCode::kFailedPrecondition, std::string("intent: cannot go from ") +
                                                    intent_status_name(from) + " to " +
                                                    intent_status_name(to));
}

bool intent_status_terminal(IntentStatus status) noexcept {
  for (const IntentStatus to : kAllIntentStatuses) {
    if (intent_transition_allowed(status, to)) return false;
  }
  return true;
}

const char* intent_flag_name(IntentFlag flag) noexcept {
  const auto i = static_cast<std::size_t>(flag);
  return i < std::size(kFlagNames) ? kFlagNames[i] : "unknown";
}

Result<IntentFlag> parse_intent_flag(std::string_view name) {
  for (const IntentFlag f : kAllFlags) {
    if (name == intent_flag_name(f)) return f;
  }
  return Status(ErrorCode::kInvalidArgument,
                "intent: unknown flag " + quoted_for_message(name) +
                    " (valid: overpaid, multiple_payments, orphaned_payment, wrong_network)");
}

}  // namespace usd1pay
