// The shipped mocks compile against the interfaces they mock, implement every
// virtual, and report unexpected calls.
#include <gtest/gtest.h>

#include <gtest/trompeloeil.hpp>
#include <memory>

#include "usd1pay/mocks/clock_mock.h"
#include "usd1pay/mocks/store_mock.h"

namespace usd1pay {
namespace {

using trompeloeil::_;

TEST(StoreMockTest, IsAConcreteStore) {
  // Would not compile if a Store virtual were left unmocked (abstract class).
  std::unique_ptr<Store> store = std::make_unique<mocks::MockStore>();
  EXPECT_NE(store, nullptr);
}

TEST(StoreMockTest, ReturnsWhatTheExpectationSays) {
  mocks::MockStore store;
  IntentRow row;
  row.id = "pi_1";
  row.status = "requires_payment";
  REQUIRE_CALL(store, get_intent(_)).WITH(_1.id == "pi_1").RETURN(Result<IntentRow>(row));
  REQUIRE_CALL(store, get_intent(_))
      .WITH(_1.id == "pi_2")
      .RETURN(Result<IntentRow>(Status(ErrorCode::kNotFound, "store: no intent pi_2")));
  REQUIRE_CALL(store, allocate_deposit_index(_)).WITH(_1.key_id == "k").RETURN(7U);

  Store& s = store;
  auto found = s.get_intent({"pi_1"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->status, "requires_payment");
  auto missing = s.get_intent({"pi_2"});
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  auto index = s.allocate_deposit_index({"eip155:1", "k"});
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(*index, 7U);
}

TEST(StoreMockTest, TrackingOperationsAreMocked) {
  mocks::MockStore store;
  REQUIRE_CALL(store, apply_scan(_))
      .WITH(_1.chain == "eip155:1" && _1.new_next_block == 11U)
      .RETURN(Status(ErrorCode::kFailedPrecondition, "store: apply_scan: cursor moved"));
  REQUIRE_CALL(store, get_cursor(_))
      .WITH(_1.chain == "eip155:1")
      .RETURN(Result<std::optional<ChainCursorRow>>(ChainCursorRow{"eip155:1", 12, 5}));
  REQUIRE_CALL(store, list_block_hashes(_))
      .RETURN(
          Result<std::vector<BlockHashRow>>(std::vector<BlockHashRow>{{"eip155:1", 11, "0xa"}}));
  REQUIRE_CALL(store, list_payments(_))
      .RETURN(Result<std::vector<PaymentRow>>(std::vector<PaymentRow>{}));
  REQUIRE_CALL(store, list_open_intents(_))
      .WITH(_1.statuses.size() == 1U)
      .RETURN(Result<std::vector<IntentRow>>(std::vector<IntentRow>(2)));

  Store& s = store;
  ApplyScanParams step;
  step.chain = "eip155:1";
  step.new_next_block = 11;
  EXPECT_EQ(s.apply_scan(step).code(), ErrorCode::kFailedPrecondition);
  auto cursor = s.get_cursor({"eip155:1"});
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(cursor->has_value());
  EXPECT_EQ((*cursor)->next_block, 12U);
  auto blocks = s.list_block_hashes({"eip155:1", 0, 10});
  ASSERT_TRUE(blocks.ok());
  EXPECT_EQ(blocks->at(0).hash, "0xa");
  EXPECT_TRUE(s.list_payments({})->empty());
  ListOpenIntentsParams open;
  open.statuses = {"processing"};
  EXPECT_EQ(s.list_open_intents(open)->size(), 2U);
}

TEST(StoreMockTest, UnexpectedCallIsReported) {
  mocks::MockStore store;
  // With no expectation, trompeloeil's gtest adapter throws on the call.
  EXPECT_THROW((void)store.verify_audit_chain({}), trompeloeil::expectation_violation);
}

TEST(ClockMockTest, ReturnsTheScriptedTimes) {
  mocks::MockClock clock;
  trompeloeil::sequence seq;
  REQUIRE_CALL(clock, now()).IN_SEQUENCE(seq).RETURN(from_unix_seconds(100));
  REQUIRE_CALL(clock, now()).IN_SEQUENCE(seq).RETURN(from_unix_seconds(200));
  const Clock& c = clock;
  EXPECT_EQ(to_unix_seconds(c.now()), 100);
  EXPECT_EQ(to_unix_seconds(c.now()), 200);
}

}  // namespace
}  // namespace usd1pay
