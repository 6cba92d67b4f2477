// usd1pay: an injectable UTC clock and ISO 8601 timestamps.
//
// Everything in usd1pay that needs "now" (intent expiry, webhook timestamps,
// retry schedules) asks a Clock, so that tests and hosts can control time.
// Times are std::chrono::system_clock time points, i.e. Unix time (UTC, no
// leap seconds); usd1pay never consults the local time zone or locale.
//
// Timestamp format (RFC 3339 / ISO 8601 profile, UTC only):
//   YYYY-MM-DDTHH:MM:SS[.F]Z
// with 'T' and 'Z' in upper case, F 1 to 9 digits. format_iso8601 writes whole
// seconds ("2026-11-20T12:00:00Z"); parse_iso8601 reads that and the optional
// fraction. Offsets other than Z, lower-case 't'/'z', leap second 60 and
// out-of-range fields are refused.
//
// THREAD SAFETY: SystemClock and ManualClock may be used from any number of
// threads at once (ManualClock's set/advance race benignly with now()). The
// free functions are pure.
#ifndef USD1PAY_CLOCK_H
#define USD1PAY_CLOCK_H

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "usd1pay/status.h"

namespace usd1pay {

using TimePoint = std::chrono::system_clock::time_point;

/// A source of the current UTC time.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current time (Unix time, UTC).
  virtual TimePoint now() const = 0;
};

/// The host's real-time clock.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
  /// A process-wide instance, for callers that are not given a clock.
  static const SystemClock& instance() noexcept;
};

/// A clock that only moves when told to: for tests, simulations and hosts
/// that drive time themselves.
class ManualClock final : public Clock {
 public:
  /// Starts at `start` (the Unix epoch by default).
  explicit ManualClock(TimePoint start = TimePoint{}) noexcept;
  TimePoint now() const override;
  void set(TimePoint t) noexcept;
  /// Moves the clock by `d` (may be negative, to test clocks that jump back).
  void advance(std::chrono::system_clock::duration d) noexcept;

 private:
  std::atomic<std::chrono::system_clock::rep> ticks_;
};

/// Seconds since 1970-01-01T00:00:00Z, rounded down (towards the past).
std::int64_t to_unix_seconds(TimePoint t) noexcept;
/// The time `seconds` after the epoch. Precondition: representable by
/// system_clock (about years 1678 to 2261 with nanosecond ticks).
TimePoint from_unix_seconds(std::int64_t seconds) noexcept;

/// "YYYY-MM-DDTHH:MM:SSZ", truncated to the second (towards the past).
std::string format_iso8601(TimePoint t);

/// "YYYY-MM-DDTHH:MM:SS.mmmZ", exact milliseconds (truncated towards the past).
std::string format_iso8601_ms(TimePoint t);

/// The length of format_iso8601_ms's text.
inline constexpr std::size_t kIso8601MsSize = 24;

/// Writes format_iso8601_ms(t) at `out` (kIso8601MsSize characters, no NUL),
/// for text built in place; returns out + kIso8601MsSize.
char* write_iso8601_ms(char* out, TimePoint t) noexcept;

/// Parses "YYYY-MM-DDTHH:MM:SS[.F]Z" (F: 1-9 digits). kInvalidArgument names
/// the 0-based position and what was expected there, or the field out of
/// range; kOutOfRange when the time is not representable by system_clock.
Result<TimePoint> parse_iso8601(std::string_view text);

/// The time an HTTP `Retry-After` value (RFC 9110 section 10.2.3) asks a
/// client to wait until: delta-seconds after `now`, or an HTTP-date in any of
/// its three forms (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850,
/// asctime). Surrounding spaces and tabs are ignored; more than 9 digits
/// count as 999999999 s (callers cap the wait). std::nullopt when the value
/// is neither form.
std::optional<TimePoint> parse_retry_after(std::string_view value, TimePoint now);

}  // namespace usd1pay

#endif  // USD1PAY_CLOCK_H
