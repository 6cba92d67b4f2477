// The settlement rules of a payment intent (settlement.h, docs/settlement.md).
#include "usd1pay/settlement.h"

#include <array>
#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "usd1pay/chain.h"
#include "usd1pay/request.h"

namespace usd1pay {
namespace {

constexpr const char* kWrongNetworkFlag = "wrong_network";

Status payment_error(ErrorCode code, const PaymentRow& p, const std::string& what) {
  return Status(code, "settlement: payment " + p.id + ": " + what);
}

// A bounded, printable rendering of stored text for a message.
std::string shown(const std::string& text) {
  constexpr std::size_t kMax = 48;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const char c = text[i];
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > kMax) out += "...";
  return out + "'";
}

bool equal_ignoring_ascii_case(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

Result<bool> has_wrong_network_flag(const PaymentRow& p) {
  const nlohmann::json flags = nlohmann::json::parse(p.flags_json, nullptr, false);
  if (flags.is_discarded() || !flags.is_array()) {
    return payment_error(ErrorCode::kInternal, p,
                         "flags_json " + shown(p.flags_json) + " is not a JSON array");
  }
  bool wrong_network = false;
  for (const auto& f : flags) {
    if (!f.is_string()) {
      return payment_error(ErrorCode::kInternal, p,
                           "flags_json " + shown(p.flags_json) + " holds a non-string");
    }
    if (f.get_ref<const std::string&>() == kWrongNetworkFlag) wrong_network = true;
  }
  return wrong_network;
}

Result<Uint128> parse_amount(const PaymentRow& p) {
  const std::string& s = p.amount_base_units;
  if (s.empty()) return payment_error(ErrorCode::kInternal, p, "amount_base_units is empty");
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return payment_error(
          ErrorCode::kInternal, p,
          "amount_base_units " + shown(s) + " has a non-digit at position " + std::to_string(i));
    }
  }
  auto v = Uint128::parse_decimal(s);
  if (!v.ok()) {
    return payment_error(ErrorCode::kInternal, p,
                         "amount_base_units " + shown(s) + " exceeds 2^128-1");
  }
  return *v;
}

Status add_to(const PaymentRow& p, Uint128 amount, Uint128* sum) {
  if (!Uint128::add(*sum, amount, sum)) {
    return payment_error(ErrorCode::kOutOfRange, p, "the sum of payments exceeds 2^128-1");
  }
  return Status();
}

struct Totals {
  Uint128 final_in_time;
  Uint128 final_late;
  Uint128 pending;
  std::size_t pending_in_time = 0;
  std::size_t credited = 0;
  bool any_orphaned = false;
  bool any_wrong_network = false;
  std::vector<std::string> late_payments;
  std::vector<std::string> in_time_final;  // ids, for the note of an expired intent
};

Result<Totals> sum_payments(const SettlementInput& in) {
  const PaymentIntent& intent = in.intent;
  const std::string chain = intent.chain.to_string();
  const bool open = in.now < intent.expires_at;
  Totals t;
  for (const PaymentRow& p : in.payments) {
    if (p.intent_id != intent.id) {
      return payment_error(ErrorCode::kInternal, p,
                           "belongs to intent " + shown(p.intent_id) + ", not " + intent.id);
    }
    auto amount = parse_amount(p);
    if (!amount.ok()) return amount.status();
    auto flagged = has_wrong_network_flag(p);
    if (!flagged.ok()) return flagged.status();
    const bool pending = p.status == "pending";
    const bool final = p.status == "final";
    if (!pending && !final && p.status != "orphaned") {
      return payment_error(
          ErrorCode::kInternal, p,
          "unknown status " + shown(p.status) + " (expected pending, final or orphaned)");
    }
    // Zero-value transfers are address-poisoning spam: ignored entirely.
    if (amount->is_zero()) continue;
    const bool wrong_network = *flagged || p.chain != chain;
    if (wrong_network) t.any_wrong_network = true;
    if (!pending && !final) {
      t.any_orphaned = true;
      continue;
    }
    if (wrong_network) continue;
    // The same token on another chain has another contract, so the check
    // applies to payments on the intent's own chain only. EVM hex is case
    // insensitive; other families never differ in case alone.
    if (!equal_ignoring_ascii_case(p.token_contract, intent.token_contract)) {
      return payment_error(ErrorCode::kInternal, p,
                           "token " + shown(p.token_contract) + " is not the intent's token " +
                               shown(intent.token_contract));
    }
    ++t.credited;
    const bool late = from_unix_seconds(p.block_time) > intent.expires_at;
    if (late) t.late_payments.push_back(p.id);
    const bool in_time = open || !late;
    if (pending) {
      USD1PAY_RETURN_IF_ERROR(add_to(p, *amount, &t.pending));
      if (in_time) ++t.pending_in_time;
    } else if (in_time) {
      USD1PAY_RETURN_IF_ERROR(add_to(p, *amount, &t.final_in_time));
      if (!late) t.in_time_final.push_back(p.id);
    } else {
      USD1PAY_RETURN_IF_ERROR(add_to(p, *amount, &t.final_late));
    }
  }
  return t;
}

// The status the payments call for, before the state machine is consulted.
struct Target {
  IntentStatus status;
  std::string note;
};

Target target_status(const SettlementInput& in, const Totals& t, Uint128 final_total,
                     Uint128 threshold) {
  const IntentStatus current = in.intent.status;
  const auto covers = [&](Uint128 sum) { return !sum.is_zero() && sum >= threshold; };
  const bool any_final = !final_total.is_zero();
  switch (current) {
    case IntentStatus::kPaidLate: return {current, ""};
    case IntentStatus::kExpired:
    case IntentStatus::kCanceled: {
      if (!any_final) return {current, ""};
      std::string note;
      if (current == IntentStatus::kExpired && !t.in_time_final.empty()) {
        note = "payment " + t.in_time_final.front() +
               " was made in time but seen after the intent expired: paid_late, not succeeded";
      }
      return {IntentStatus::kPaidLate, note};
    }
    case IntentStatus::kSucceeded:
      if (covers(final_total)) return {current, ""};
      break;
    case IntentStatus::kRequiresPayment:
    case IntentStatus::kProcessing:
    case IntentStatus::kUnderpaid: break;
  }
  if (in.now < in.intent.expires_at) {
    if (covers(final_total)) return {IntentStatus::kSucceeded, ""};
    if (t.credited > 0) return {IntentStatus::kProcessing, ""};
    return {IntentStatus::kRequiresPayment, ""};
  }
  const bool paid_in_time = !t.final_in_time.is_zero();
  if (covers(t.final_in_time)) return {IntentStatus::kSucceeded, ""};
  if (paid_in_time && covers(final_total)) return {IntentStatus::kSucceeded, ""};
  if (t.pending_in_time > 0) return {IntentStatus::kProcessing, ""};
  if (paid_in_time && !t.pending.is_zero()) return {IntentStatus::kProcessing, ""};
  if (paid_in_time) return {IntentStatus::kUnderpaid, ""};
  if (any_final) return {IntentStatus::kPaidLate, ""};
  return {IntentStatus::kExpired, ""};
}

// The shortest way from `from` to `to` through the state machine, passing
// only through statuses the tracker may pass through on its own
// (requires_payment, processing, expired): never canceled, which only the
// merchant decides. Empty when from == to; nullopt when there is none.
std::optional<std::vector<IntentStatus>> path(IntentStatus from, IntentStatus to) {
  if (from == to) return std::vector<IntentStatus>{};
  constexpr std::array<IntentStatus, 3> kVia = {IntentStatus::kRequiresPayment,
                                                IntentStatus::kProcessing, IntentStatus::kExpired};
  std::map<IntentStatus, IntentStatus> parent;
  std::vector<IntentStatus> frontier = {from};
  parent.emplace(from, from);
  while (!frontier.empty()) {
    std::vector<IntentStatus> next;
    for (const IntentStatus s : frontier) {
      for (const IntentStatus n : kAllIntentStatuses) {
        if (parent.count(n) != 0 || !intent_transition_allowed(s, n)) continue;
        parent.emplace(n, s);
        if (n == to) {
          std::vector<IntentStatus> steps;
          for (IntentStatus x = to; x != from; x = parent.at(x)) steps.insert(steps.begin(), x);
          return steps;
        }
        for (const IntentStatus v : kVia) {
          if (v == n) next.push_back(n);
        }
      }
    }
    frontier = std::move(next);
  }
  return std::nullopt;
}

}  // namespace

Result<SettlementDecision> settle(const SettlementInput& in) {
  const PaymentIntent& intent = in.intent;
  const unsigned decimals = intent.amount_due.decimals();
  if (decimals != intent.token_decimals) {
    return Status(ErrorCode::kInternal, "settlement: intent " + intent.id + ": amount_due has " +
                                            std::to_string(decimals) + " decimals, the token " +
                                            std::to_string(intent.token_decimals));
  }
  if (in.tolerance.decimals() != decimals && !in.tolerance.is_zero()) {
    return Status(ErrorCode::kInternal, "settlement: intent " + intent.id + ": tolerance has " +
                                            std::to_string(in.tolerance.decimals()) +
                                            " decimals, the token " + std::to_string(decimals));
  }
  auto totals = sum_payments(in);
  if (!totals.ok()) return totals.status();
  const Totals& t = *totals;

  Uint128 final_total;
  if (!Uint128::add(t.final_in_time, t.final_late, &final_total)) {
    return Status(ErrorCode::kOutOfRange,
                  "settlement: intent " + intent.id + ": the sum of payments exceeds 2^128-1");
  }
  const Uint128 due = intent.amount_due.base_units();
  Uint128 threshold;
  if (!Uint128::sub(due, in.tolerance.base_units(), &threshold)) threshold = Uint128();

  SettlementDecision d;
  Target target = target_status(in, t, final_total, threshold);
  auto steps = path(intent.status, target.status);
  if (steps) {
    d.status = target.status;
    d.steps = std::move(*steps);
    d.note = std::move(target.note);
  } else {
    d.status = intent.status;
    d.note = std::string("the payments call for ") + intent_status_name(target.status) +
             " but the state machine does not allow " + intent_status_name(intent.status) + " -> " +
             intent_status_name(target.status) + ": status kept";
  }

  // Each Amount below is built from values that fit (sums were checked, the
  // decimals are the token's), so from_base_units cannot fail.
  const auto amount = [decimals](Uint128 v) { return *Amount::from_base_units(v, decimals); };
  Uint128 remaining;
  if (!Uint128::sub(due, final_total, &remaining)) remaining = Uint128();
  Uint128 excess;
  if (!Uint128::sub(final_total, due, &excess)) excess = Uint128();
  d.final_received = amount(final_total);
  d.pending_received = amount(t.pending);
  d.remaining = amount(remaining);
  d.excess = amount(excess);
  d.late_payments = t.late_payments;

  d.flags = intent.flags;
  d.flags.erase(IntentFlag::kOverpaid);
  if (!excess.is_zero()) d.flags.insert(IntentFlag::kOverpaid);
  if (t.credited > 1) d.flags.insert(IntentFlag::kMultiplePayments);
  if (t.any_orphaned) d.flags.insert(IntentFlag::kOrphanedPayment);
  if (t.any_wrong_network) d.flags.insert(IntentFlag::kWrongNetwork);

  d.status_changed = d.status != intent.status;
  d.flags_changed = d.flags != intent.flags;
  return d;
}

Result<std::string> remaining_payment_uri(const PaymentIntent& intent, const Amount& remaining) {
  if (remaining.decimals() != intent.token_decimals) {
    return Status(ErrorCode::kInvalidArgument,
                  "settlement: remaining amount has " + std::to_string(remaining.decimals()) +
                      " decimals, the token " + std::to_string(intent.token_decimals));
  }
  if (remaining.is_zero()) {
    return Status(ErrorCode::kInvalidArgument, "settlement: remaining amount is zero");
  }
  auto family = intent.chain.family();
  if (!family.ok()) return family.status().with_context("settlement: remaining payment uri");
  PaymentRequest req{ChainSelector{*family, intent.chain},
                     intent.token_contract,
                     intent.deposit_address,
                     remaining,
                     {},
                     std::nullopt,
                     std::nullopt,
                     std::nullopt};
  if (!intent.reference.empty()) req.references.push_back(intent.reference);
  auto uri = build_payment_uri(req);
  if (!uri.ok()) return uri.status().with_context("settlement: remaining payment uri");
  return uri;
}

}  // namespace usd1pay
