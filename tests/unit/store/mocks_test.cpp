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
