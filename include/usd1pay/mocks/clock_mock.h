// usd1pay mocks: a trompeloeil mock of usd1pay::Clock.
//
// Most tests want usd1pay::ManualClock (clock.h), a real clock that moves only
// when told to. Use MockClock when a test must prove *when* or *how often*
// code asks for the time (e.g. that an expiry sweep reads the clock once per
// run, not once per intent). Link the header-only CMake target
// `usd1pay::mocks` and include your framework's trompeloeil adapter first:
//
//   #include <gtest/gtest.h>
//   #include <gtest/trompeloeil.hpp>
//   #include "usd1pay/mocks/clock_mock.h"
//
//   usd1pay::mocks::MockClock clock;
//   REQUIRE_CALL(clock, now()).TIMES(1).RETURN(usd1pay::from_unix_seconds(1700000000));
//
// THREAD SAFETY: set expectations before other threads call now().
#ifndef USD1PAY_MOCKS_CLOCK_MOCK_H
#define USD1PAY_MOCKS_CLOCK_MOCK_H

#include <trompeloeil.hpp>

#include "usd1pay/clock.h"

namespace usd1pay::mocks {

class MockClock : public trompeloeil::mock_interface<Clock> {
 public:
  IMPLEMENT_CONST_MOCK0(now);
};

}  // namespace usd1pay::mocks

#endif  // USD1PAY_MOCKS_CLOCK_MOCK_H
