// usd1pay mocks: a trompeloeil mock of usd1pay::Store.
//
// For integrators who test their own code against usd1pay without a database,
// and for usd1pay's own unit tests. Link the header-only CMake target
// `usd1pay::mocks` (it brings `usd1pay::usd1pay`; add trompeloeil yourself).
//
// Include your test framework and its trompeloeil adapter first, so that
// failed expectations are reported through it, then this header:
//
//   #include <gtest/gtest.h>
//   #include <gtest/trompeloeil.hpp>
//   #include "usd1pay/mocks/store_mock.h"
//
//   usd1pay::mocks::MockStore store;
//   REQUIRE_CALL(store, get_intent(trompeloeil::_))
//       .WITH(_1.id == "pi_1")
//       .RETURN(usd1pay::Result<usd1pay::IntentRow>(usd1pay::Status(
//           usd1pay::ErrorCode::kNotFound, "store: no intent pi_1")));
//
// Every Store virtual is mocked with its own name and its one Params argument
// (`_1` in WITH / SIDE_EFFECT / RETURN clauses). A call nobody expected fails
// the test. Ownership: the mock is a plain object; pass it by reference, or
// hand a std::unique_ptr<MockStore> to code that wants a
// std::unique_ptr<Store>. THREAD SAFETY: trompeloeil expectations may be
// matched from several threads, but set them up before the threads start.
#ifndef USD1PAY_MOCKS_STORE_MOCK_H
#define USD1PAY_MOCKS_STORE_MOCK_H

#include <trompeloeil.hpp>

#include "usd1pay/store.h"

namespace usd1pay::mocks {

class MockStore : public trompeloeil::mock_interface<Store> {
 public:
  IMPLEMENT_MOCK1(create_intent);
  IMPLEMENT_MOCK1(allocate_deposit_index);
  IMPLEMENT_MOCK1(get_intent);
  IMPLEMENT_MOCK1(list_intents);
  IMPLEMENT_MOCK1(transition_intent);
  IMPLEMENT_MOCK1(list_expirable);
  IMPLEMENT_MOCK1(list_events);
  IMPLEMENT_MOCK1(verify_audit_chain);
  IMPLEMENT_MOCK1(apply_scan);
  IMPLEMENT_MOCK1(get_cursor);
  IMPLEMENT_MOCK1(list_block_hashes);
  IMPLEMENT_MOCK1(list_payments);
  IMPLEMENT_MOCK1(list_open_intents);
  IMPLEMENT_MOCK1(scan_intents);
  IMPLEMENT_MOCK1(scan_payments);
  IMPLEMENT_MOCK1(create_webhook_endpoint);
  IMPLEMENT_MOCK1(get_webhook_endpoint);
  IMPLEMENT_MOCK1(list_webhook_endpoints);
  IMPLEMENT_MOCK1(update_webhook_endpoint);
  IMPLEMENT_MOCK1(enqueue_webhook_deliveries);
  IMPLEMENT_MOCK1(claim_webhook_deliveries);
  IMPLEMENT_MOCK1(complete_webhook_attempt);
  IMPLEMENT_MOCK1(complete_webhook_attempts);
  IMPLEMENT_MOCK1(list_webhook_deliveries);
  IMPLEMENT_MOCK1(list_webhook_attempts);
  IMPLEMENT_MOCK1(replay_webhook);
  IMPLEMENT_MOCK1(get_event);
};

}  // namespace usd1pay::mocks

#endif  // USD1PAY_MOCKS_STORE_MOCK_H
