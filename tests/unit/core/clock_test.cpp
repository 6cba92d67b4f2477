#include "usd1pay/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ratio>
#include <string>
#include <thread>
#include <vector>

namespace usd1pay {
namespace {

using std::chrono::hours;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(ManualClockTest, StartsAtEpochAndMovesOnlyWhenTold) {
  ManualClock clock;
  EXPECT_EQ(to_unix_seconds(clock.now()), 0);
  EXPECT_EQ(clock.now(), clock.now());
  clock.advance(seconds(90));
  EXPECT_EQ(to_unix_seconds(clock.now()), 90);
  clock.advance(-seconds(30));
  EXPECT_EQ(to_unix_seconds(clock.now()), 60);
  clock.set(from_unix_seconds(1795176000));
  EXPECT_EQ(format_iso8601(clock.now()), "2026-11-20T12:00:00Z");
  ManualClock started(from_unix_seconds(951782400));
  EXPECT_EQ(format_iso8601(started.now()), "2000-02-29T00:00:00Z");
}

TEST(ManualClockTest, WorksThroughTheInterface) {
  ManualClock manual(from_unix_seconds(100));
  const Clock& clock = manual;
  manual.advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.now().time_since_epoch(), std::chrono::milliseconds(101500));
}

TEST(ManualClockTest, ConcurrentAdvancesAreNotLost) {
  ManualClock clock;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&clock] {
      for (int i = 0; i < 10000; ++i) clock.advance(seconds(1));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(to_unix_seconds(clock.now()), 40000);
}

TEST(SystemClockTest, IsCloseToTheHostClock) {
  const auto before = std::chrono::system_clock::now();
  const auto now = SystemClock::instance().now();
  const auto after = std::chrono::system_clock::now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  // Sanity: later than 2024-01-01, so not an uninitialised value.
  EXPECT_GT(to_unix_seconds(now), 1704067200);
}

TEST(Iso8601Test, FormatsKnownEpochs) {
  struct Case {
    std::int64_t seconds;
    const char* text;
  };
  const Case cases[] = {
      {0, "1970-01-01T00:00:00Z"},           {951782400, "2000-02-29T00:00:00Z"},
      {951868800, "2000-03-01T00:00:00Z"},   {1795176000, "2026-11-20T12:00:00Z"},
      {4107542400, "2100-03-01T00:00:00Z"},  // 2100 is not a leap year
      {4107542399, "2100-02-28T23:59:59Z"},  {7258118400, "2200-01-01T00:00:00Z"},
      {-1, "1969-12-31T23:59:59Z"},          {-86400, "1969-12-31T00:00:00Z"},
      {-2208988800, "1900-01-01T00:00:00Z"}, {1234567890, "2009-02-13T23:31:30Z"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(format_iso8601(from_unix_seconds(c.seconds)), c.text) << c.seconds;
    auto back = parse_iso8601(c.text);
    ASSERT_TRUE(back.ok()) << c.text << ": " << back.status().message();
    EXPECT_EQ(to_unix_seconds(*back), c.seconds) << c.text;
  }
}

TEST(Iso8601Test, FormatTruncatesTowardsThePast) {
  EXPECT_EQ(format_iso8601(from_unix_seconds(0) + std::chrono::milliseconds(999)),
            "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_iso8601(from_unix_seconds(0) - std::chrono::milliseconds(1)),
            "1969-12-31T23:59:59Z");
  EXPECT_EQ(to_unix_seconds(from_unix_seconds(0) - nanoseconds(1)), -1);
}

TEST(Iso8601Test, FormatMsHasExactMillisecondsTruncatedTowardsThePast) {
  using std::chrono::milliseconds;
  EXPECT_EQ(format_iso8601_ms(from_unix_seconds(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(from_unix_seconds(1800000000) + milliseconds(5)),
            "2027-01-15T08:00:00.005Z");
  EXPECT_EQ(format_iso8601_ms(from_unix_seconds(1800000000) + milliseconds(120)),
            "2027-01-15T08:00:00.120Z");
  EXPECT_EQ(format_iso8601_ms(from_unix_seconds(1800000000) + nanoseconds(999999999)),
            "2027-01-15T08:00:00.999Z");
  EXPECT_EQ(format_iso8601_ms(from_unix_seconds(0) - nanoseconds(1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601_ms(from_unix_seconds(0) - milliseconds(1001)),
            "1969-12-31T23:59:58.999Z");
}

// write_iso8601_ms writes format_iso8601_ms's 24 bytes in place and nothing
// around them: checked against an independent rendering (snprintf of the
// counted calendar date) for a millisecond that moves every day, from 1900 to
// 2200, and for the times just before 1970.
TEST(Iso8601Test, WriteMsWritesTheTextInPlaceAndNothingElse) {
  ASSERT_EQ(kIso8601MsSize, 24U);
  const unsigned month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  std::int64_t secs = -2208988800;  // 1900-01-01
  std::int64_t n = 0;
  for (int y = 1900; y < 2200; ++y) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    for (unsigned m = 1; m <= 12; ++m) {
      const unsigned days = month_days[m - 1] + (m == 2 && leap ? 1 : 0);
      for (unsigned d = 1; d <= days; ++d, ++n, secs += 86400) {
        const std::int64_t sod = (n * 7919) % 86400;
        const std::int64_t ms = (n * 389) % 1000;
        char want[32];
        std::snprintf(want, sizeof want, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d,
                      static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                      static_cast<int>(sod % 60), static_cast<int>(ms));
        const TimePoint t = from_unix_seconds(secs + sod) + std::chrono::milliseconds(ms) +
                            nanoseconds(n % 1000000);  // below a millisecond: dropped
        std::string buf(40, '#');
        char* end = write_iso8601_ms(buf.data() + 8, t);
        ASSERT_EQ(end, buf.data() + 8 + kIso8601MsSize);
        ASSERT_EQ(buf, std::string(8, '#') + want + std::string(8, '#')) << secs;
        ASSERT_EQ(format_iso8601_ms(t), want);
      }
    }
  }
  std::string buf(24, '#');
  EXPECT_EQ(write_iso8601_ms(buf.data(), from_unix_seconds(0) - nanoseconds(1)), buf.data() + 24);
  EXPECT_EQ(buf, "1969-12-31T23:59:59.999Z");
  write_iso8601_ms(buf.data(), from_unix_seconds(-1) + std::chrono::milliseconds(1));
  EXPECT_EQ(buf, "1969-12-31T23:59:59.001Z");
}

// Day-by-day walk from 1900 to 2200, counting calendar dates independently,
// checks every date both ways (all leap rules, month ends, century years).
TEST(Iso8601Test, EveryDayFrom1900To2200RoundTrips) {
  const unsigned month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  std::int64_t secs = -2208988800;  // 1900-01-01
  for (int y = 1900; y < 2200; ++y) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    for (unsigned m = 1; m <= 12; ++m) {
      const unsigned n = month_days[m - 1] + (m == 2 && leap ? 1 : 0);
      for (unsigned d = 1; d <= n; ++d) {
        char want[32];
        std::snprintf(want, sizeof want, "%04d-%02u-%02uT00:00:00Z", y, m, d);
        ASSERT_EQ(format_iso8601(from_unix_seconds(secs)), want);
        auto back = parse_iso8601(want);
        ASSERT_TRUE(back.ok()) << want << ": " << back.status().message();
        ASSERT_EQ(to_unix_seconds(*back), secs) << want;
        secs += 86400;
      }
    }
  }
}

TEST(Iso8601Test, ParsesFractionalSeconds) {
  auto t = parse_iso8601("2026-11-20T12:00:00.5Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->time_since_epoch(), seconds(1795176000) + std::chrono::milliseconds(500));
  auto n = parse_iso8601("2026-11-20T12:00:00.123456789Z");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(
      n->time_since_epoch() - seconds(1795176000),
      std::chrono::duration_cast<std::chrono::system_clock::duration>(nanoseconds(123456789)));
  auto z = parse_iso8601("1970-01-01T00:00:00.000Z");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->time_since_epoch().count(), 0);
}

TEST(Iso8601Test, RejectsMalformedTimestampsWithPosition) {
  struct Case {
    std::string text;
    ErrorCode code;
    std::string message;
  };
  const ErrorCode kInvalid = ErrorCode::kInvalidArgument;
  const Case cases[] = {
      {"", kInvalid, "time: empty"},
      {"2026", kInvalid, "time: expected '-' at position 4, got end of input"},
      {"26-11-20T12:00:00Z", kInvalid, "time: expected a digit at position 2, got '-'"},
      {"2026/11/20T12:00:00Z", kInvalid, "time: expected '-' at position 4, got '/'"},
      {"2026-11-20 12:00:00Z", kInvalid, "time: expected 'T' at position 10, got ' '"},
      {"2026-11-20t12:00:00Z", kInvalid, "time: expected 'T' at position 10, got 't'"},
      {"2026-11-20T12:00Z", kInvalid, "time: expected ':' at position 16, got 'Z'"},
      {"2026-11-20T12:00:00", kInvalid, "time: expected 'Z' at position 19, got end of input"},
      {"2026-11-20T12:00:00z", kInvalid, "time: expected 'Z' at position 19, got 'z'"},
      {"2026-11-20T12:00:00+01:00", kInvalid,
       "time: expected 'Z' at position 19, got '+'; only UTC ('Z') is accepted, not an offset"},
      {"2026-11-20T12:00:00-05:00", kInvalid,
       "time: expected 'Z' at position 19, got '-'; only UTC ('Z') is accepted, not an offset"},
      {"2026-11-20T12:00:00.Z", kInvalid, "time: expected a digit at position 20, got 'Z'"},
      {"2026-11-20T12:00:00.1234567890Z", kInvalid,
       "time: more than 9 fractional digits starting at position 20 (nanoseconds are the "
       "finest precision)"},
      {"2026-11-20T12:00:00Z ", kInvalid, "time: unexpected ' ' at position 20 after 'Z'"},
      {"2026-11-20T12:00:00ZZ", kInvalid, "time: unexpected 'Z' at position 20 after 'Z'"},
      {"2026-1-20T12:00:00Z", kInvalid, "time: expected a digit at position 6, got '-'"},
      {"2026-13-01T00:00:00Z", kInvalid, "time: month 13 at position 5 is out of range (01-12)"},
      {"2026-00-01T00:00:00Z", kInvalid, "time: month 0 at position 5 is out of range (01-12)"},
      {"2026-11-00T00:00:00Z", kInvalid,
       "time: day 0 at position 8 is out of range (01-30 for 2026-11)"},
      {"2023-02-29T00:00:00Z", kInvalid,
       "time: day 29 at position 8 is out of range (01-28 for 2023-02)"},
      {"2100-02-29T00:00:00Z", kInvalid,
       "time: day 29 at position 8 is out of range (01-28 for 2100-02)"},
      {"2026-04-31T00:00:00Z", kInvalid,
       "time: day 31 at position 8 is out of range (01-30 for 2026-04)"},
      {"2026-11-20T24:00:00Z", kInvalid, "time: hour 24 at position 11 is out of range (00-23)"},
      {"2026-11-20T12:60:00Z", kInvalid, "time: minute 60 at position 14 is out of range (00-59)"},
      {"2016-12-31T23:59:60Z", kInvalid,
       "time: second 60 at position 17 is out of range (00-59; leap seconds are not supported)"},
      {"2026-11-20T12:00:00\xC3\xA9", kInvalid, "time: expected 'Z' at position 19, got byte 0xc3"},
  };
  for (const Case& c : cases) {
    auto t = parse_iso8601(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), c.code) << c.text;
    EXPECT_EQ(t.status().message(), c.message) << c.text;
  }
}

// With nanosecond ticks (libstdc++) system_clock spans only 1678..2261; a
// coarser clock (libc++: microseconds) spans every year 0000..9999.
TEST(Iso8601Test, YearsBeyondTheSystemClockAreOutOfRange) {
  if (!std::ratio_equal<std::chrono::system_clock::period, std::nano>::value) {
    GTEST_SKIP() << "system_clock is coarser than nanoseconds here";
  }
  for (const char* text :
       {"9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2263-01-01T00:00:00Z"}) {
    auto t = parse_iso8601(text);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.status().code(), ErrorCode::kOutOfRange);
    EXPECT_EQ(t.status().message(),
              std::string("time: ") + text + " is outside the range of the system clock");
  }
  EXPECT_TRUE(parse_iso8601("2261-12-31T23:59:59Z").ok());
  EXPECT_TRUE(parse_iso8601("1678-01-01T00:00:00Z").ok());
}

TEST(Iso8601Test, LeapDayIsAcceptedInLeapYears) {
  for (const char* text :
       {"2000-02-29T00:00:00Z", "2024-02-29T23:59:59Z", "2096-02-29T12:00:00Z"}) {
    auto t = parse_iso8601(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status().message();
    EXPECT_EQ(format_iso8601(*t), text);
  }
}

TEST(RetryAfterTest, DeltaSecondsAndTheThreeHttpDateForms) {
  const TimePoint now = from_unix_seconds(1700000000);
  EXPECT_EQ(parse_retry_after("120", now), now + std::chrono::seconds(120));
  EXPECT_EQ(parse_retry_after(" \t0 ", now), now);
  EXPECT_EQ(parse_retry_after("12345678901", now), now + std::chrono::seconds(999999999));
  const TimePoint t = from_unix_seconds(784111777);  // 1994-11-06T08:49:37Z
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), t);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), t);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), t);
  for (const char* bad : {"", "-5", "1.5", "soon", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"}) {
    EXPECT_EQ(parse_retry_after(bad, now), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace usd1pay
