// settle() and remaining_payment_uri(): the settlement rules of
// docs/settlement.md, case by case.
#include "usd1pay/settlement.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "usd1pay/amount.h"
#include "usd1pay/clock.h"
#include "usd1pay/intent.h"
#include "usd1pay/request.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using S = IntentStatus;
using F = IntentFlag;

constexpr std::int64_t kExpiry = 1'800'000'000;  // expires_at, Unix seconds
constexpr const char* kChain = "eip155:1";
constexpr const char* kToken = "0xdAC17F958D2ee523a2206206994597C13D831ec7";
constexpr const char* kDeposit = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

Amount amt(const std::string& text, unsigned decimals) {
  auto a = Amount::parse(text, decimals);
  EXPECT_TRUE(a.ok()) << text << ": " << a.status().message();
  return a.value_or(Amount());
}

PaymentIntent make_intent(S status, const std::string& due, unsigned decimals) {
  PaymentIntent i;
  i.id = "pi_test";
  i.order_id = "order-1";
  i.status = status;
  i.chain = *ChainId::parse(kChain);
  i.token_symbol = "USD1";
  i.token_contract = kToken;
  i.token_decimals = decimals;
  i.amount = amt(due, 2);
  i.amount_due = amt(due, decimals);
  i.strategy = DepositStrategy::kXpub;
  i.deposit_address = kDeposit;
  i.deposit_index = 7;
  i.created_at = from_unix_seconds(kExpiry - 900);
  i.updated_at = i.created_at;
  i.expires_at = from_unix_seconds(kExpiry);
  return i;
}

// A payment in the table: status, decimal amount, block time relative to
// expiry (<= 0 in time), wrong_network flag.
struct Pay {
  const char* status;
  const char* amount;
  std::int64_t at = -60;
  bool wrong_network = false;
};

PaymentRow make_payment(const Pay& p, unsigned decimals, int n) {
  PaymentRow r;
  r.id = "py_" + std::to_string(n);
  r.chain = kChain;
  r.tx_hash = "0x" + std::string(63, '0') + std::to_string(n % 10);
  r.log_index = static_cast<std::uint32_t>(n);
  r.block_number = 100 + static_cast<std::uint64_t>(n);
  r.block_hash = "0x" + std::string(64, 'a');
  r.block_time = kExpiry + p.at;
  r.token_contract = kToken;
  r.from_address = "0x0000000000000000000000000000000000000001";
  r.to_address = kDeposit;
  r.amount_base_units = amt(p.amount, decimals).base_units().to_decimal();
  r.intent_id = "pi_test";
  r.status = p.status;
  r.flags_json = p.wrong_network ? R"(["wrong_network"])" : "[]";
  return r;
}

struct Case {
  const char* name;
  S from;
  std::int64_t now;  // relative to expiry: < 0 before, >= 0 at or after
  std::vector<Pay> pays;
  S status;
  std::vector<S> steps;
  std::set<F> flags;
  const char* final_received;
  const char* pending_received = "0";
  const char* remaining = nullptr;  // null: due - final_received, floored at 0
  const char* excess = "0";
  const char* due = "25";
  unsigned decimals = 6;
  const char* tolerance = "0.01";
  std::set<F> flags_before = {};
};

constexpr std::int64_t kBefore = -300;
constexpr std::int64_t kAfter = 300;
constexpr std::int64_t kLate = 120;  // block time of a late payment

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      // ---- before expiry
      {"nothing yet", S::kRequiresPayment, kBefore, {}, S::kRequiresPayment, {}, {}, "0"},
      {"pending exact",
       S::kRequiresPayment,
       kBefore,
       {{"pending", "25"}},
       S::kProcessing,
       {S::kProcessing},
       {},
       "0",
       "25"},
      {"final exact at once",
       S::kRequiresPayment,
       kBefore,
       {{"final", "25"}},
       S::kSucceeded,
       {S::kSucceeded},
       {},
       "25"},
      {"pending becomes final",
       S::kProcessing,
       kBefore,
       {{"final", "25"}},
       S::kSucceeded,
       {S::kSucceeded},
       {},
       "25"},
      {"due minus tolerance exactly",
       S::kProcessing,
       kBefore,
       {{"final", "24.99"}},
       S::kSucceeded,
       {S::kSucceeded},
       {},
       "24.99",
       "0",
       "0.01"},
      {"one base unit short of tolerance",
       S::kProcessing,
       kBefore,
       {{"final", "24.989999"}},
       S::kProcessing,
       {},
       {},
       "24.989999",
       "0",
       "0.010001"},
      {"partial final plus pending",
       S::kProcessing,
       kBefore,
       {{"final", "10"}, {"pending", "15"}},
       S::kProcessing,
       {},
       {F::kMultiplePayments},
       "10",
       "15"},
      {"two finals add up",
       S::kProcessing,
       kBefore,
       {{"final", "10"}, {"final", "15"}},
       S::kSucceeded,
       {S::kSucceeded},
       {F::kMultiplePayments},
       "25"},
      {"overpaid",
       S::kProcessing,
       kBefore,
       {{"final", "26.5"}},
       S::kSucceeded,
       {S::kSucceeded},
       {F::kOverpaid},
       "26.5",
       "0",
       "0",
       "1.5"},
      {"pending extra does not block success",
       S::kProcessing,
       kBefore,
       {{"final", "25"}, {"pending", "5"}},
       S::kSucceeded,
       {S::kSucceeded},
       {F::kMultiplePayments},
       "25",
       "5"},
      {"only payment orphaned: back to requires_payment",
       S::kProcessing,
       kBefore,
       {{"orphaned", "25"}},
       S::kRequiresPayment,
       {S::kRequiresPayment},
       {F::kOrphanedPayment},
       "0"},
      {"orphaned and its replacement pending",
       S::kProcessing,
       kBefore,
       {{"orphaned", "25"}, {"pending", "25"}},
       S::kProcessing,
       {},
       {F::kOrphanedPayment},
       "0",
       "25"},
      {"block time after expiry while still open counts",
       S::kProcessing,
       kBefore,
       {{"final", "25", 30}},
       S::kSucceeded,
       {S::kSucceeded},
       {},
       "25"},
      {"zero-value transfer ignored",
       S::kRequiresPayment,
       kBefore,
       {{"pending", "0"}},
       S::kRequiresPayment,
       {},
       {},
       "0"},
      {"tolerance above due: any final payment",
       S::kProcessing,
       kBefore,
       {{"final", "0.000001"}},
       S::kSucceeded,
       {S::kSucceeded},
       {},
       "0.000001",
       "0",
       "24.999999",
       "0",
       "25",
       6,
       "30"},
      {"zero tolerance: exact",
       S::kProcessing,
       kBefore,
       {{"final", "25"}},
       S::kSucceeded,
       {S::kSucceeded},
       {},
       "25",
       "0",
       "0",
       "0",
       "25",
       6,
       "0"},
      {"zero tolerance: one unit short",
       S::kProcessing,
       kBefore,
       {{"final", "24.999999"}},
       S::kProcessing,
       {},
       {},
       "24.999999",
       "0",
       "0.000001",
       "0",
       "25",
       6,
       "0"},
      // ---- decimals 18
      {"18 decimals: due minus tolerance exactly",
       S::kProcessing,
       kBefore,
       {{"final", "24.99"}},
       S::kSucceeded,
       {S::kSucceeded},
       {},
       "24.99",
       "0",
       "0.01",
       "0",
       "25",
       18},
      {"18 decimals: one wei short",
       S::kProcessing,
       kBefore,
       {{"final", "24.989999999999999999"}},
       S::kProcessing,
       {},
       {},
       "24.989999999999999999",
       "0",
       "0.010000000000000001",
       "0",
       "25",
       18},
      {"18 decimals: overpaid by one wei",
       S::kRequiresPayment,
       kBefore,
       {{"final", "25.000000000000000001"}},
       S::kSucceeded,
       {S::kSucceeded},
       {F::kOverpaid},
       "25.000000000000000001",
       "0",
       "0",
       "0.000000000000000001",
       "25",
       18},
      // ---- at / after expiry
      {"nothing paid: expired",
       S::kRequiresPayment,
       kAfter,
       {},
       S::kExpired,
       {S::kExpired},
       {},
       "0"},
      {"expiry instant is after expiry",
       S::kRequiresPayment,
       0,
       {},
       S::kExpired,
       {S::kExpired},
       {},
       "0"},
      {"block at the expiry instant is in time",
       S::kProcessing,
       kAfter,
       {{"final", "25", 0}},
       S::kSucceeded,
       {S::kSucceeded},
       {},
       "25"},
      {"in-time pending keeps processing",
       S::kProcessing,
       kAfter,
       {{"pending", "25"}},
       S::kProcessing,
       {},
       {},
       "0",
       "25"},
      {"in-time pending seen after expiry",
       S::kRequiresPayment,
       kAfter,
       {{"pending", "25"}},
       S::kProcessing,
       {S::kProcessing},
       {},
       "0",
       "25"},
      {"in-time final seen after expiry",
       S::kRequiresPayment,
       kAfter,
       {{"final", "25"}},
       S::kSucceeded,
       {S::kSucceeded},
       {},
       "25"},
      {"partial final, nothing pending: underpaid",
       S::kProcessing,
       kAfter,
       {{"final", "20"}},
       S::kUnderpaid,
       {S::kUnderpaid},
       {},
       "20"},
      {"partial final seen after expiry",
       S::kRequiresPayment,
       kAfter,
       {{"final", "20"}},
       S::kUnderpaid,
       {S::kProcessing, S::kUnderpaid},
       {},
       "20"},
      {"late pending only: expired",
       S::kRequiresPayment,
       kAfter,
       {{"pending", "25", kLate}},
       S::kExpired,
       {S::kExpired},
       {},
       "0",
       "25"},
      {"late final before the sweep",
       S::kRequiresPayment,
       kAfter,
       {{"final", "25", kLate}},
       S::kPaidLate,
       {S::kExpired, S::kPaidLate},
       {},
       "25"},
      {"late top-up of a processing partial",
       S::kProcessing,
       kAfter,
       {{"final", "20"}, {"final", "5", kLate}},
       S::kSucceeded,
       {S::kSucceeded},
       {F::kMultiplePayments},
       "25"},
      {"late pending top-up of a processing partial",
       S::kProcessing,
       kAfter,
       {{"final", "20"}, {"pending", "5", kLate}},
       S::kProcessing,
       {},
       {F::kMultiplePayments},
       "20",
       "5"},
      {"in-time orphaned, late final only",
       S::kProcessing,
       kAfter,
       {{"orphaned", "25"}, {"final", "25", kLate}},
       S::kPaidLate,
       {S::kExpired, S::kPaidLate},
       {F::kOrphanedPayment},
       "25"},
      {"in-time orphaned, late pending only",
       S::kProcessing,
       kAfter,
       {{"orphaned", "25"}, {"pending", "25", kLate}},
       S::kExpired,
       {S::kExpired},
       {F::kOrphanedPayment},
       "0",
       "25"},
      {"in-time pending with a late final that would cover",
       S::kProcessing,
       kAfter,
       {{"pending", "10"}, {"final", "25", kLate}},
       S::kProcessing,
       {},
       {F::kMultiplePayments},
       "25",
       "10",
       "0"},
      // ---- underpaid
      {"underpaid topped up exactly",
       S::kUnderpaid,
       kAfter,
       {{"final", "20"}, {"final", "5", kLate}},
       S::kSucceeded,
       {S::kSucceeded},
       {F::kMultiplePayments},
       "25"},
      {"underpaid topped up to due minus tolerance",
       S::kUnderpaid,
       kAfter,
       {{"final", "20"}, {"final", "4.99", kLate}},
       S::kSucceeded,
       {S::kSucceeded},
       {F::kMultiplePayments},
       "24.99",
       "0",
       "0.01"},
      {"underpaid top-up one unit short",
       S::kUnderpaid,
       kAfter,
       {{"final", "20"}, {"final", "4.989999", kLate}},
       S::kUnderpaid,
       {},
       {F::kMultiplePayments},
       "24.989999",
       "0",
       "0.010001"},
      {"underpaid top-up seen",
       S::kUnderpaid,
       kAfter,
       {{"final", "20"}, {"pending", "5", kLate}},
       S::kProcessing,
       {S::kProcessing},
       {F::kMultiplePayments},
       "20",
       "5"},
      {"underpaid topped up with too much",
       S::kUnderpaid,
       kAfter,
       {{"final", "20"}, {"final", "10", kLate}},
       S::kSucceeded,
       {S::kSucceeded},
       {F::kMultiplePayments, F::kOverpaid},
       "30",
       "0",
       "0",
       "5"},
      {"underpaid whose payment was orphaned",
       S::kUnderpaid,
       kAfter,
       {{"orphaned", "20"}},
       S::kExpired,
       {S::kProcessing, S::kExpired},
       {F::kOrphanedPayment},
       "0"},
      // ---- succeeded
      {"payment after success",
       S::kSucceeded,
       kBefore,
       {{"final", "25"}, {"pending", "5"}},
       S::kSucceeded,
       {},
       {F::kMultiplePayments},
       "25",
       "5"},
      {"final payment after success",
       S::kSucceeded,
       kAfter,
       {{"final", "25"}, {"final", "5", kLate}},
       S::kSucceeded,
       {},
       {F::kMultiplePayments, F::kOverpaid},
       "30",
       "0",
       "0",
       "5"},
      {"success stays when its block time was skewed late",
       S::kSucceeded,
       kAfter,
       {{"final", "25", kLate}},
       S::kSucceeded,
       {},
       {},
       "25"},
      {"succeeded payment orphaned before expiry",
       S::kSucceeded,
       kBefore,
       {{"orphaned", "25"}},
       S::kRequiresPayment,
       {S::kRequiresPayment},
       {F::kOrphanedPayment},
       "0"},
      {"succeeded payment orphaned, replacement pending",
       S::kSucceeded,
       kBefore,
       {{"orphaned", "25"}, {"pending", "25"}},
       S::kProcessing,
       {S::kProcessing},
       {F::kOrphanedPayment},
       "0",
       "25"},
      {"succeeded payment orphaned after expiry",
       S::kSucceeded,
       kAfter,
       {{"orphaned", "25"}},
       S::kExpired,
       {S::kRequiresPayment, S::kExpired},
       {F::kOrphanedPayment},
       "0"},
      {"succeeded, one of two orphaned after expiry",
       S::kSucceeded,
       kAfter,
       {{"final", "10"}, {"orphaned", "15"}},
       S::kUnderpaid,
       {S::kProcessing, S::kUnderpaid},
       {F::kOrphanedPayment},
       "10"},
      {"succeeded, orphaned; a late final still covers",
       S::kSucceeded,
       kAfter,
       {{"orphaned", "25"}, {"final", "25", kLate}},
       S::kSucceeded,
       {},
       {F::kOrphanedPayment},
       "25"},
      {"succeeded, orphaned; a late partial left",
       S::kSucceeded,
       kAfter,
       {{"orphaned", "25"}, {"final", "10", kLate}},
       S::kPaidLate,
       {S::kRequiresPayment, S::kExpired, S::kPaidLate},
       {F::kOrphanedPayment},
       "10"},
      {"overpaid flag goes when the excess is orphaned",
       S::kSucceeded,
       kBefore,
       {{"final", "25"}, {"orphaned", "5"}},
       S::kSucceeded,
       {},
       {F::kOrphanedPayment, F::kMultiplePayments},
       "25",
       "0",
       "0",
       "0",
       "25",
       6,
       "0.01",
       {F::kOverpaid, F::kMultiplePayments}},
      // ---- expired, canceled, paid_late
      {"expired, late pending",
       S::kExpired,
       kAfter,
       {{"pending", "25", kLate}},
       S::kExpired,
       {},
       {},
       "0",
       "25"},
      {"expired, late final",
       S::kExpired,
       kAfter,
       {{"final", "25", kLate}},
       S::kPaidLate,
       {S::kPaidLate},
       {},
       "25"},
      {"expired, late final partial",
       S::kExpired,
       kAfter,
       {{"final", "3", kLate}},
       S::kPaidLate,
       {S::kPaidLate},
       {},
       "3"},
      {"expired, in-time final seen after the sweep",
       S::kExpired,
       kAfter,
       {{"final", "25"}},
       S::kPaidLate,
       {S::kPaidLate},
       {},
       "25"},
      {"canceled, nothing", S::kCanceled, kBefore, {}, S::kCanceled, {}, {}, "0"},
      {"canceled, pending",
       S::kCanceled,
       kBefore,
       {{"pending", "25"}},
       S::kCanceled,
       {},
       {},
       "0",
       "25"},
      {"canceled, final",
       S::kCanceled,
       kBefore,
       {{"final", "25"}},
       S::kPaidLate,
       {S::kPaidLate},
       {},
       "25"},
      {"canceled, only orphaned",
       S::kCanceled,
       kAfter,
       {{"orphaned", "25", kLate}},
       S::kCanceled,
       {},
       {F::kOrphanedPayment},
       "0"},
      {"paid_late takes more payments",
       S::kPaidLate,
       kAfter,
       {{"final", "25", kLate}, {"final", "10", kLate}},
       S::kPaidLate,
       {},
       {F::kMultiplePayments, F::kOverpaid},
       "35",
       "0",
       "0",
       "10"},
      {"paid_late whose payment was orphaned",
       S::kPaidLate,
       kAfter,
       {{"orphaned", "25", kLate}},
       S::kPaidLate,
       {},
       {F::kOrphanedPayment},
       "0"},
      // ---- wrong network
      {"wrong network only",
       S::kRequiresPayment,
       kBefore,
       {{"final", "25", -60, true}},
       S::kRequiresPayment,
       {},
       {F::kWrongNetwork},
       "0"},
      {"wrong network beside a good payment",
       S::kProcessing,
       kBefore,
       {{"final", "25"}, {"final", "25", -60, true}},
       S::kSucceeded,
       {S::kSucceeded},
       {F::kWrongNetwork},
       "25"},
      {"wrong network orphaned",
       S::kRequiresPayment,
       kBefore,
       {{"orphaned", "25", -60, true}},
       S::kRequiresPayment,
       {},
       {F::kWrongNetwork, F::kOrphanedPayment},
       "0"},
      {"flags already set are kept",
       S::kRequiresPayment,
       kBefore,
       {},
       S::kRequiresPayment,
       {},
       {F::kMultiplePayments, F::kOrphanedPayment, F::kWrongNetwork},
       "0",
       "0",
       nullptr,
       "0",
       "25",
       6,
       "0.01",
       {F::kMultiplePayments, F::kOrphanedPayment, F::kWrongNetwork}},
  };
  return kCases;
}

SettlementInput input_of(const Case& c) {
  SettlementInput in;
  in.intent = make_intent(c.from, c.due, c.decimals);
  in.intent.flags = c.flags_before;
  int n = 0;
  for (const Pay& p : c.pays) in.payments.push_back(make_payment(p, c.decimals, ++n));
  in.tolerance = amt(c.tolerance, c.decimals);
  in.now = from_unix_seconds(kExpiry + c.now);
  return in;
}

std::string names(const std::vector<S>& steps) {
  std::string out;
  for (const S s : steps) out += std::string(out.empty() ? "" : ",") + intent_status_name(s);
  return out;
}

std::string names(const std::set<F>& flags) {
  std::string out;
  for (const F f : flags) out += std::string(out.empty() ? "" : ",") + intent_flag_name(f);
  return out;
}

TEST(SettlementTest, Table) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const SettlementInput in = input_of(c);
    auto d = settle(in);
    ASSERT_TRUE(d.ok()) << d.status().message();
    EXPECT_EQ(intent_status_name(d->status), std::string(intent_status_name(c.status)));
    EXPECT_EQ(names(d->steps), names(c.steps));
    EXPECT_EQ(names(d->flags), names(c.flags));
    EXPECT_EQ(d->final_received, amt(c.final_received, c.decimals));
    EXPECT_EQ(d->pending_received, amt(c.pending_received, c.decimals));
    Amount remaining = amt("0", c.decimals);
    if (c.remaining != nullptr) {
      remaining = amt(c.remaining, c.decimals);
    } else {
      auto r = Amount::sub(in.intent.amount_due, d->final_received);
      if (r.ok()) remaining = *r;
    }
    EXPECT_EQ(d->remaining.to_string(), remaining.to_string());
    EXPECT_EQ(d->remaining, remaining);
    EXPECT_EQ(d->excess, amt(c.excess, c.decimals));
    EXPECT_EQ(d->status_changed, c.status != c.from);
    EXPECT_EQ(d->flags_changed, c.flags != c.flags_before);
    EXPECT_EQ(d->note.empty(), std::string(c.name) != "expired, in-time final seen after the sweep")
        << d->note;
  }
}

TEST(SettlementTest, StepsAreAllowedTransitionsEndingAtStatus) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    auto d = settle(input_of(c));
    ASSERT_TRUE(d.ok());
    S at = c.from;
    for (const S s : d->steps) {
      EXPECT_TRUE(intent_transition_allowed(at, s))
          << intent_status_name(at) << " -> " << intent_status_name(s);
      EXPECT_NE(s, S::kCanceled);
      at = s;
    }
    EXPECT_EQ(at, d->status);
  }
}

// Every status as input with every mix of up to two payments (each status,
// in time or late, right or wrong network) and amounts below, at and above
// the due, before and after expiry: the decision is well formed, reachable
// through allowed transitions, and applying it is a fixed point.
TEST(SettlementTest, EveryInputIsWellFormedAndAFixedPoint) {
  const std::vector<Pay> singles = {
      {"pending", "10"},      {"final", "10"},           {"orphaned", "10"},
      {"pending", "25"},      {"final", "25"},           {"orphaned", "25"},
      {"final", "30"},        {"pending", "15", kLate},  {"final", "15", kLate},
      {"final", "25", kLate}, {"orphaned", "25", kLate}, {"final", "25", -60, true},
  };
  std::vector<std::vector<Pay>> mixes = {{}};
  for (const Pay& a : singles) {
    mixes.push_back({a});
    for (const Pay& b : singles) mixes.push_back({a, b});
  }
  int checked = 0;
  for (const S from : kAllIntentStatuses) {
    for (const std::int64_t now : {kBefore, std::int64_t{0}, kAfter}) {
      for (const auto& pays : mixes) {
        Case c{"mix", from, now, pays, from, {}, {}, "0"};
        SettlementInput in = input_of(c);
        auto d = settle(in);
        ASSERT_TRUE(d.ok()) << d.status().message();
        S at = from;
        for (const S s : d->steps) {
          ASSERT_TRUE(intent_transition_allowed(at, s))
              << intent_status_name(at) << " -> " << intent_status_name(s);
          at = s;
        }
        ASSERT_EQ(at, d->status);
        ASSERT_EQ(d->status_changed, d->status != from);
        if (intent_status_terminal(from) || (from == S::kCanceled && d->status != from)) {
          ASSERT_EQ(d->status, from == S::kCanceled ? S::kPaidLate : from);
        }
        // Final payments never lose money: remaining + final = due + excess.
        Uint128 lhs;
        Uint128 rhs;
        ASSERT_TRUE(Uint128::add(d->remaining.base_units(), d->final_received.base_units(), &lhs));
        ASSERT_TRUE(Uint128::add(in.intent.amount_due.base_units(), d->excess.base_units(), &rhs));
        ASSERT_EQ(lhs, rhs);
        // Applying the decision and settling again changes nothing.
        in.intent.status = d->status;
        in.intent.flags = d->flags;
        auto again = settle(in);
        ASSERT_TRUE(again.ok());
        ASSERT_EQ(again->status, d->status) << intent_status_name(from);
        ASSERT_TRUE(again->steps.empty());
        ASSERT_FALSE(again->status_changed);
        ASSERT_FALSE(again->flags_changed);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 7 * 3 * (1 + 12 + 144));
}

TEST(SettlementTest, LatePaymentsAreListedInInputOrder) {
  Case c{"late",
         S::kUnderpaid,
         kAfter,
         {{"final", "5", kLate}, {"final", "20"}, {"pending", "1", 1}, {"orphaned", "9", kLate}},
         S::kSucceeded,
         {},
         {},
         "25"};
  auto d = settle(input_of(c));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->late_payments, (std::vector<std::string>{"py_1", "py_3"}));
}

TEST(SettlementTest, InTimePaymentSeenAfterTheSweepIsNoted) {
  Case c{"sweep", S::kExpired, kAfter, {{"final", "25", -5}}, S::kPaidLate, {}, {}, "25"};
  auto d = settle(input_of(c));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->status, S::kPaidLate);
  EXPECT_NE(d->note.find("payment py_1 was made in time but seen after the intent expired"),
            std::string::npos)
      << d->note;
}

TEST(SettlementTest, TokenCaseAndChainAreCompared) {
  Case c{"case", S::kProcessing, kBefore, {{"final", "25"}}, S::kSucceeded, {}, {}, "25"};
  SettlementInput in = input_of(c);
  in.payments[0].token_contract = "0xdac17f958d2ee523a2206206994597c13d831ec7";
  auto d = settle(in);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->status, S::kSucceeded);

  // Seen on another chain, with that chain's contract, unflagged: never
  // credited, and the intent is flagged.
  in.payments[0].chain = "eip155:8453";
  in.payments[0].token_contract = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
  d = settle(in);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->status, S::kRequiresPayment);
  EXPECT_EQ(d->steps, std::vector<S>{S::kRequiresPayment});
  EXPECT_EQ(names(d->flags), "wrong_network");
  EXPECT_TRUE(d->final_received.is_zero());
}

// ---------------------------------------------------------------- bad input

struct BadCase {
  const char* name;
  void (*mutate)(SettlementInput*);
  ErrorCode code;
  const char* message;
};

TEST(SettlementTest, BadInputs) {
  const std::vector<BadCase> bad = {
      {"letters", [](SettlementInput* in) { in->payments[0].amount_base_units = "12a"; },
       ErrorCode::kInternal,
       "settlement: payment py_1: amount_base_units '12a' has a non-digit at position 2"},
      {"negative", [](SettlementInput* in) { in->payments[0].amount_base_units = "-5"; },
       ErrorCode::kInternal, "payment py_1: amount_base_units '-5' has a non-digit at position 0"},
      {"decimal point", [](SettlementInput* in) { in->payments[0].amount_base_units = "25.0"; },
       ErrorCode::kInternal,
       "payment py_1: amount_base_units '25.0' has a non-digit at position 2"},
      {"empty", [](SettlementInput* in) { in->payments[0].amount_base_units = ""; },
       ErrorCode::kInternal, "settlement: payment py_1: amount_base_units is empty"},
      {"2^128",
       [](SettlementInput* in) {
         in->payments[0].amount_base_units = "340282366920938463463374607431768211456";
       },
       ErrorCode::kInternal, "exceeds 2^128-1"},
      {"sum overflow",
       [](SettlementInput* in) {
         in->payments[0].amount_base_units = Uint128::max().to_decimal();
         in->payments.push_back(in->payments[0]);
         in->payments[1].id = "py_2";
       },
       ErrorCode::kOutOfRange, "settlement: payment py_2: the sum of payments exceeds 2^128-1"},
      {"final plus late overflow",
       [](SettlementInput* in) {
         in->now = from_unix_seconds(kExpiry + kAfter);
         in->payments[0].amount_base_units = Uint128::max().to_decimal();
         in->payments.push_back(in->payments[0]);
         in->payments[1].id = "py_2";
         in->payments[1].block_time = kExpiry + kLate;
       },
       ErrorCode::kOutOfRange, "settlement: intent pi_test: the sum of payments exceeds 2^128-1"},
      {"status", [](SettlementInput* in) { in->payments[0].status = "confirmed"; },
       ErrorCode::kInternal,
       "settlement: payment py_1: unknown status 'confirmed' (expected pending, final or "
       "orphaned)"},
      {"flags not json", [](SettlementInput* in) { in->payments[0].flags_json = "[\"late\""; },
       ErrorCode::kInternal, "payment py_1: flags_json '[\"late\"' is not a JSON array"},
      {"flags object", [](SettlementInput* in) { in->payments[0].flags_json = "{}"; },
       ErrorCode::kInternal, "payment py_1: flags_json '{}' is not a JSON array"},
      {"flags number", [](SettlementInput* in) { in->payments[0].flags_json = "[1]"; },
       ErrorCode::kInternal, "payment py_1: flags_json '[1]' holds a non-string"},
      {"other intent", [](SettlementInput* in) { in->payments[0].intent_id = "pi_other"; },
       ErrorCode::kInternal, "payment py_1: belongs to intent 'pi_other', not pi_test"},
      {"unmatched", [](SettlementInput* in) { in->payments[0].intent_id = ""; },
       ErrorCode::kInternal, "payment py_1: belongs to intent '', not pi_test"},
      {"other token",
       [](SettlementInput* in) {
         in->payments[0].token_contract = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
       },
       ErrorCode::kInternal,
       "payment py_1: token '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' is not the intent's "
       "token '0xdAC17F958D2ee523a2206206994597C13D831ec7'"},
      {"tolerance decimals", [](SettlementInput* in) { in->tolerance = amt("0.01", 2); },
       ErrorCode::kInternal, "settlement: intent pi_test: tolerance has 2 decimals, the token 6"},
      {"due decimals", [](SettlementInput* in) { in->intent.token_decimals = 18; },
       ErrorCode::kInternal, "settlement: intent pi_test: amount_due has 6 decimals, the token 18"},
      {"control characters shown safely",
       [](SettlementInput* in) { in->payments[0].status = std::string("fin\nal\x01", 7); },
       ErrorCode::kInternal, "unknown status 'fin?al?'"},
  };
  for (const BadCase& b : bad) {
    SCOPED_TRACE(b.name);
    Case c{"base", S::kProcessing, kBefore, {{"final", "25"}}, S::kSucceeded, {}, {}, "25"};
    SettlementInput in = input_of(c);
    b.mutate(&in);
    auto d = settle(in);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), b.code) << d.status().message();
    EXPECT_NE(d.status().message().find(b.message), std::string::npos) << d.status().message();
  }
}

TEST(SettlementTest, BadAmountOfAnOrphanedOrWrongNetworkPaymentIsStillAnError) {
  for (const char* status : {"orphaned", "pending"}) {
    Case c{"base", S::kProcessing, kBefore, {{status, "25", -60, true}}, S::kProcessing, {}, {},
           "0"};
    SettlementInput in = input_of(c);
    in.payments[0].amount_base_units = "0x10";
    auto d = settle(in);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), ErrorCode::kInternal);
    EXPECT_NE(d.status().message().find("payment py_1: amount_base_units '0x10'"),
              std::string::npos);
  }
}

TEST(SettlementTest, ZeroToleranceOfAnyDecimalsIsNoTolerance) {
  Case c{"base", S::kProcessing, kBefore, {{"final", "24.999999"}}, S::kProcessing, {}, {}, "0"};
  SettlementInput in = input_of(c);
  in.tolerance = Amount();
  auto d = settle(in);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->status, S::kProcessing);
  EXPECT_EQ(d->remaining.to_string(), "0.000001");
}

// ------------------------------------------------------ remaining_payment_uri

TEST(RemainingPaymentUriTest, EvmXpubAddressExactBaseUnits) {
  PaymentIntent i = make_intent(S::kUnderpaid, "25", 6);
  auto uri = remaining_payment_uri(i, amt("4.010001", 6));
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_EQ(*uri,
            "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7@1/transfer?address="
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=4010001");
  // The URI parses back to the same transfer.
  auto parsed = parse_eip681(*uri);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->recipient, std::optional<std::string>(kDeposit));
  EXPECT_EQ(parsed->amount, std::optional<Uint128>(Uint128(4010001)));
}

TEST(RemainingPaymentUriTest, Evm18DecimalsOnAnotherChain) {
  PaymentIntent i = make_intent(S::kUnderpaid, "25", 18);
  i.chain = *ChainId::parse("eip155:8453");
  auto uri = remaining_payment_uri(i, amt("0.010000000000000001", 18));
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_EQ(*uri,
            "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7@8453/transfer?address="
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed&uint256=10000000000000001");
}

TEST(RemainingPaymentUriTest, SolanaKeepsTheReference) {
  PaymentIntent i = make_intent(S::kUnderpaid, "25", 6);
  i.chain = *ChainId::parse("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp");
  i.token_contract = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
  i.deposit_address = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
  i.strategy = DepositStrategy::kReference;
  i.deposit_index.reset();
  i.reference = "SysvarC1ock11111111111111111111111111111111";
  auto uri = remaining_payment_uri(i, amt("1.5", 6));
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_EQ(*uri,
            "solana:9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM?amount=1.5&spl-token="
            "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v&reference="
            "SysvarC1ock11111111111111111111111111111111");
  auto parsed = parse_solana_pay(*uri);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->references, std::vector<std::string>{i.reference});
  EXPECT_EQ(parsed->amount, std::optional<std::string>("1.5"));

  // The smallest unit is written exactly, never in scientific notation.
  uri = remaining_payment_uri(i, amt("0.000001", 6));
  ASSERT_TRUE(uri.ok());
  EXPECT_NE(uri->find("amount=0.000001&"), std::string::npos) << *uri;
}

TEST(RemainingPaymentUriTest, TheRemainingOfASettlement) {
  Case c{"underpaid", S::kProcessing, kAfter, {{"final", "20.5"}}, S::kUnderpaid, {}, {}, "20.5"};
  const SettlementInput in = input_of(c);
  auto d = settle(in);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->status, S::kUnderpaid);
  auto uri = remaining_payment_uri(in.intent, d->remaining);
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(uri->substr(uri->size() - 16), "&uint256=4500000");
}

TEST(RemainingPaymentUriTest, BadInputs) {
  PaymentIntent i = make_intent(S::kUnderpaid, "25", 6);
  auto zero = remaining_payment_uri(i, amt("0", 6));
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(zero.status().message(), "settlement: remaining amount is zero");

  auto decimals = remaining_payment_uri(i, amt("1", 18));
  ASSERT_FALSE(decimals.ok());
  EXPECT_EQ(decimals.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(decimals.status().message(),
            "settlement: remaining amount has 18 decimals, the token 6");

  PaymentIntent unknown = i;
  unknown.chain = *ChainId::parse("cosmos:hub-4");
  auto family = remaining_payment_uri(unknown, amt("1", 6));
  ASSERT_FALSE(family.ok());
  EXPECT_EQ(family.status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(family.status().message().rfind("settlement: remaining payment uri: ", 0), 0U)
      << family.status().message();

  PaymentIntent bad_address = i;
  bad_address.deposit_address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";  // checksum off
  auto addr = remaining_payment_uri(bad_address, amt("1", 6));
  ASSERT_FALSE(addr.ok());
  EXPECT_EQ(addr.status().code(), ErrorCode::kChecksumMismatch);
  EXPECT_EQ(addr.status().message().rfind("settlement: remaining payment uri: ", 0), 0U)
      << addr.status().message();
}

}  // namespace
}  // namespace usd1pay
