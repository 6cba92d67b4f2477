// The intent state machine: every one of the 7 x 7 (from, to) pairs against
// the table in docs/intents.md, written here as names so that a change to the
// code's table cannot silently change the test too.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "usd1pay/intent.h"

namespace usd1pay {
namespace {

const std::set<std::pair<std::string, std::string>>& allowed_pairs() {
  static const std::set<std::pair<std::string, std::string>> pairs = {
      {"requires_payment", "processing"}, {"requires_payment", "succeeded"},
      {"requires_payment", "expired"},    {"requires_payment", "canceled"},
      {"processing", "succeeded"},        {"processing", "requires_payment"},
      {"processing", "underpaid"},        {"processing", "expired"},
      {"succeeded", "processing"},        {"succeeded", "requires_payment"},
      {"expired", "paid_late"},           {"canceled", "paid_late"},
      {"underpaid", "processing"},        {"underpaid", "succeeded"},
  };
  return pairs;
}

TEST(IntentStateTest, EveryPairMatchesTheTable) {
  int allowed = 0;
  int refused = 0;
  for (const IntentStatus from : kAllIntentStatuses) {
    for (const IntentStatus to : kAllIntentStatuses) {
      const std::string f = intent_status_name(from);
      const std::string t = intent_status_name(to);
      const bool expected = allowed_pairs().count({f, t}) == 1;
      EXPECT_EQ(intent_transition_allowed(from, to), expected) << f << " -> " << t;
      const Status s = check_transition(from, to);
      if (expected) {
        EXPECT_TRUE(s.ok()) << f << " -> " << t << ": " << s.message();
        ++allowed;
      } else {
        EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition) << f << " -> " << t;
        EXPECT_EQ(s.message(), "intent: cannot go from " + f + " to " + t);
        ++refused;
      }
    }
  }
  EXPECT_EQ(allowed, 14);
  EXPECT_EQ(refused, 49 - 14);
}

TEST(IntentStateTest, RejectsSucceededToCanceled) {
  const Status s = check_transition(IntentStatus::kSucceeded, IntentStatus::kCanceled);
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "intent: cannot go from succeeded to canceled");
}

TEST(IntentStateTest, NoStatusChangesToItself) {
  for (const IntentStatus s : kAllIntentStatuses) {
    EXPECT_FALSE(intent_transition_allowed(s, s)) << intent_status_name(s);
  }
}

TEST(IntentStateTest, OnlyPaidLateIsTerminal) {
  for (const IntentStatus s : kAllIntentStatuses) {
    EXPECT_EQ(intent_status_terminal(s), s == IntentStatus::kPaidLate) << intent_status_name(s);
  }
}

TEST(IntentStateTest, NamesAreStableAndRoundTrip) {
  const char* expected[] = {"requires_payment", "processing", "succeeded", "expired",
                            "canceled",         "underpaid",  "paid_late"};
  std::size_t i = 0;
  for (const IntentStatus s : kAllIntentStatuses) {
    EXPECT_STREQ(intent_status_name(s), expected[i++]);
    const auto parsed = parse_intent_status(intent_status_name(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
}

TEST(IntentStateTest, ParseRefusesOtherSpellings) {
  for (const char* bad : {"", "REQUIRES_PAYMENT", "Succeeded", "requires-payment", " expired",
                          "expired ", "paid", "cancelled", "succeeded\n"}) {
    const auto r = parse_intent_status(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().message().rfind("intent: unknown status '", 0), 0U)
        << r.status().message();
  }
  EXPECT_EQ(parse_intent_status("cancelled").status().message(),
            "intent: unknown status 'cancelled' (valid: requires_payment, processing, succeeded, "
            "expired, canceled, underpaid, paid_late)");
  // A long or binary name is cut and made printable in the message.
  const std::string long_name(500, 'x');
  EXPECT_LT(parse_intent_status(long_name).status().message().size(), 200U);
  EXPECT_EQ(parse_intent_status(std::string("a\0b", 3)).status().message().substr(0, 28),
            "intent: unknown status 'a?b'");
}

TEST(IntentStateTest, FlagsRoundTripAndRefuseUnknown) {
  const std::pair<IntentFlag, const char*> flags[] = {
      {IntentFlag::kOverpaid, "overpaid"},
      {IntentFlag::kMultiplePayments, "multiple_payments"},
      {IntentFlag::kOrphanedPayment, "orphaned_payment"},
      {IntentFlag::kWrongNetwork, "wrong_network"}};
  for (const auto& [flag, name] : flags) {
    EXPECT_STREQ(intent_flag_name(flag), name);
    const auto parsed = parse_intent_flag(name);
    ASSERT_TRUE(parsed.ok()) << name;
    EXPECT_EQ(*parsed, flag);
  }
  for (const char* bad : {"", "Overpaid", "underpaid", "multiple-payments"}) {
    const auto r = parse_intent_flag(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace usd1pay
