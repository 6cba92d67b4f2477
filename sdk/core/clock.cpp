// Clocks and ISO 8601 UTC timestamps.
//
// Calendar arithmetic is done here on integers (proleptic Gregorian calendar,
// days counted from 1970-01-01) rather than through gmtime/timegm: those are
// not in C++17, differ across platforms (Windows has neither under those
// names), and the time zone machinery behind them has no business in UTC-only
// code.
#include "usd1pay/clock.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace usd1pay {
namespace {

using std::chrono::system_clock;

constexpr std::int64_t kSecondsPerDay = 86400;
// Days in a 400-year Gregorian cycle.
constexpr std::int64_t kDaysPer400Years = 146097;
// Days from 0000-03-01 (start of the shifted calendar below) to 1970-01-01.
constexpr std::int64_t kEpochShift = 719468;

// Floor division for possibly negative numerators.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// The calendar is shifted to start in March so that the leap day is the last
// day of the (shifted) year; then month lengths follow the 153-days-per-5-
// months pattern and a year's day count is 365 + leap corrections.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  if (m <= 2) --y;
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t year_of_era = y - era * 400;                          // [0, 399]
  const std::int64_t shifted_month = m > 2 ? m - 3 : m + 9;                // Mar = 0
  const std::int64_t day_of_year = (153 * shifted_month + 2) / 5 + d - 1;  // [0, 365]
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * kDaysPer400Years + day_of_era - kEpochShift;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t days) noexcept {
  days += kEpochShift;
  const std::int64_t era = floor_div(days, kDaysPer400Years);
  const std::int64_t day_of_era = days - era * kDaysPer400Years;  // [0, 146096]
  // Undo the leap corrections to find the year within the era: every 1460
  // days (4 years) one leap day, every 36524 days one skipped, and the last
  // day of the era (a leap day of a 400th year).
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;
  const auto day = static_cast<unsigned>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const auto month =
      static_cast<unsigned>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return Civil{year, month, day};
}

// Two digits of v (0..99) at p; returns p + 2.
char* put2(char* p, std::int64_t v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

// "YYYY-MM-DDTHH:MM:SS" (19 characters) of Unix seconds at p; returns p + 19.
char* put_date_time(char* p, std::int64_t secs) noexcept {
  const std::int64_t days = floor_div(secs, kSecondsPerDay);
  const std::int64_t sod = secs - days * kSecondsPerDay;
  const Civil c = civil_from_days(days);
  // system_clock spans years 1678..2261 at most, always four digits.
  p = put2(p, c.year / 100);
  p = put2(p, c.year % 100);
  *p++ = '-';
  p = put2(p, c.month);
  *p++ = '-';
  p = put2(p, c.day);
  *p++ = 'T';
  p = put2(p, sod / 3600);
  *p++ = ':';
  p = put2(p, sod / 60 % 60);
  *p++ = ':';
  return put2(p, sod % 60);
}

std::string describe(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return "end of input";
  const auto u = static_cast<unsigned char>(text[pos]);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + text[pos] + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 0xF];
}

Status invalid(std::string message) {
  return Status(ErrorCode::kInvalidArgument, "time: " + std::move(message));
}

// A strict left-to-right reader of the fixed layout.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  std::size_t pos() const noexcept { return pos_; }
  bool at(char c) const noexcept { return pos_ < text_.size() && text_[pos_] == c; }
  bool at_digit() const noexcept {
    return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9';
  }

  Status expect(char c, const char* hint = "") {
    if (!at(c)) {
      return invalid(std::string("expected '") + c + "' at position " + std::to_string(pos_) +
                     ", got " + describe(text_, pos_) + hint);
    }
    ++pos_;
    return Status();
  }

  Status digits(unsigned n, std::int64_t* out) {
    std::int64_t v = 0;
    for (unsigned i = 0; i < n; ++i) {
      if (!at_digit()) {
        return invalid("expected a digit at position " + std::to_string(pos_) + ", got " +
                       describe(text_, pos_));
      }
      v = v * 10 + (text_[pos_++] - '0');
    }
    *out = v;
    return Status();
  }

  char next() noexcept { return text_[pos_++]; }
  bool done() const noexcept { return pos_ >= text_.size(); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

Status range_error(const char* field, std::int64_t value, std::size_t pos, const char* range) {
  return invalid(std::string(field) + " " + std::to_string(value) + " at position " +
                 std::to_string(pos) + " is out of range (" + range + ")");
}

}  // namespace

TimePoint SystemClock::now() const {
  return system_clock::now();
}

const SystemClock& SystemClock::instance() noexcept {
  static const SystemClock clock;
  return clock;
}

ManualClock::ManualClock(TimePoint start) noexcept : ticks_(start.time_since_epoch().count()) {}

TimePoint ManualClock::now() const {
  return TimePoint(system_clock::duration(ticks_.load()));
}

void ManualClock::set(TimePoint t) noexcept {
  ticks_.store(t.time_since_epoch().count());
}

void ManualClock::advance(system_clock::duration d) noexcept {
  ticks_.fetch_add(d.count());
}

std::int64_t to_unix_seconds(TimePoint t) noexcept {
  return static_cast<std::int64_t>(
      std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
}

TimePoint from_unix_seconds(std::int64_t seconds) noexcept {
  return TimePoint(
      std::chrono::duration_cast<system_clock::duration>(std::chrono::seconds(seconds)));
}

std::string format_iso8601(TimePoint t) {
  std::string out(20, 'Z');
  put_date_time(out.data(), to_unix_seconds(t));  // the 'Z' stays last
  return out;
}

char* write_iso8601_ms(char* out, TimePoint t) noexcept {
  const std::int64_t ms =
      std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  // Floor division, so that times before 1970 stay correct.
  const std::int64_t secs = floor_div(ms, 1000);
  const std::int64_t frac = ms - secs * 1000;
  char* p = put_date_time(out, secs);
  *p++ = '.';
  *p++ = static_cast<char>('0' + frac / 100);
  p = put2(p, frac % 100);
  *p++ = 'Z';
  return p;
}

std::string format_iso8601_ms(TimePoint t) {
  std::string out(kIso8601MsSize, '\0');
  write_iso8601_ms(out.data(), t);
  return out;
}

Result<TimePoint> parse_iso8601(std::string_view text) {
  if (text.empty()) return invalid("empty");
  Reader r(text);
  std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  USD1PAY_RETURN_IF_ERROR(r.digits(4, &year));
  USD1PAY_RETURN_IF_ERROR(r.expect('-'));
  const std::size_t month_pos = r.pos();
  USD1PAY_RETURN_IF_ERROR(r.digits(2, &month));
  USD1PAY_RETURN_IF_ERROR(r.expect('-'));
  const std::size_t day_pos = r.pos();
  USD1PAY_RETURN_IF_ERROR(r.digits(2, &day));
  USD1PAY_RETURN_IF_ERROR(r.expect('T'));
  const std::size_t hour_pos = r.pos();
  USD1PAY_RETURN_IF_ERROR(r.digits(2, &hour));
  USD1PAY_RETURN_IF_ERROR(r.expect(':'));
  const std::size_t minute_pos = r.pos();
  USD1PAY_RETURN_IF_ERROR(r.digits(2, &minute));
  USD1PAY_RETURN_IF_ERROR(r.expect(':'));
  const std::size_t second_pos = r.pos();
  USD1PAY_RETURN_IF_ERROR(r.digits(2, &second));
  std::int64_t nanos = 0;
  if (r.at('.')) {
    r.next();
    const std::size_t frac_pos = r.pos();
    std::int64_t scale = 100000000;
    unsigned count = 0;
    if (!r.at_digit()) {
      return invalid("expected a digit at position " + std::to_string(r.pos()) + ", got " +
                     describe(text, r.pos()));
    }
    while (r.at_digit()) {
      if (++count > 9) {
        return invalid("more than 9 fractional digits starting at position " +
                       std::to_string(frac_pos) + " (nanoseconds are the finest precision)");
      }
      nanos += (r.next() - '0') * scale;
      scale /= 10;
    }
  }
  const bool offset = r.at('+') || r.at('-');
  USD1PAY_RETURN_IF_ERROR(
      r.expect('Z', offset ? "; only UTC ('Z') is accepted, not an offset" : ""));
  if (!r.done()) {
    return invalid("unexpected " + describe(text, r.pos()) + " at position " +
                   std::to_string(r.pos()) + " after 'Z'");
  }

  if (month < 1 || month > 12) return range_error("month", month, month_pos, "01-12");
  const unsigned dim = days_in_month(year, static_cast<unsigned>(month));
  if (day < 1 || day > dim) {
    return invalid("day " + std::to_string(day) + " at position " + std::to_string(day_pos) +
                   " is out of range (01-" + std::to_string(dim) + " for " + std::to_string(year) +
                   "-" + std::string(text.substr(month_pos, 2)) + ")");
  }
  if (hour > 23) return range_error("hour", hour, hour_pos, "00-23");
  if (minute > 59) return range_error("minute", minute, minute_pos, "00-59");
  if (second > 59) {
    return invalid("second " + std::to_string(second) + " at position " +
                   std::to_string(second_pos) +
                   " is out of range (00-59; leap seconds are not supported)");
  }

  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t secs = days * kSecondsPerDay + hour * 3600 + minute * 60 + second;
  // Leave one second of headroom for the fraction.
  const std::int64_t limit =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::duration::max()).count() - 1;
  if (secs > limit || secs < -limit) {
    return Status(ErrorCode::kOutOfRange,
                  "time: " + std::string(text) + " is outside the range of the system clock");
  }
  return from_unix_seconds(secs) +
         std::chrono::duration_cast<system_clock::duration>(std::chrono::nanoseconds(nanos));
}

namespace {

// ---- HTTP Retry-After (RFC 9110 section 10.2.3) ----

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int month_number(std::string_view m) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (kMonths[i] == m) return i + 1;
  }
  return 0;
}

std::string two(int v) {
  std::string s = std::to_string(v);
  return s.size() < 2 ? "0" + s : s;
}

// Day, month, year and "HH:MM:SS" of an HTTP date into a time point
// (parse_iso8601 checks the ranges).
std::optional<TimePoint> http_date(int day, int month, int year, std::string_view hms) {
  if (month == 0 || year < 1970 || year > 9999 || hms.size() != 8) return std::nullopt;
  std::string iso =
      std::to_string(year) + "-" + two(month) + "-" + two(day) + "T" + std::string(hms) + "Z";
  auto t = parse_iso8601(iso);
  if (!t.ok()) return std::nullopt;
  return *t;
}

int parse_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// RFC 9110 section 5.6.7: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT",
// obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime
// "Sun Nov  6 08:49:37 1994".
std::optional<TimePoint> parse_http_date(std::string_view s) {
  const std::size_t comma = s.find(',');
  if (comma == 3 && s.size() == 29 && s.substr(25) == " GMT" && s[4] == ' ' && s[7] == ' ' &&
      s[11] == ' ' && s[16] == ' ' && all_digits(s.substr(5, 2)) && all_digits(s.substr(12, 4))) {
    return http_date(parse_int(s.substr(5, 2)), month_number(s.substr(8, 3)),
                     parse_int(s.substr(12, 4)), s.substr(17, 8));
  }
  if (comma != std::string_view::npos && comma > 3) {
    std::string_view r = s.substr(comma + 1);  // " 06-Nov-94 08:49:37 GMT"
    if (r.size() == 23 && r[0] == ' ' && r[3] == '-' && r[7] == '-' && r[10] == ' ' &&
        r.substr(19) == " GMT" && all_digits(r.substr(1, 2)) && all_digits(r.substr(8, 2))) {
      const int yy = parse_int(r.substr(8, 2));
      return http_date(parse_int(r.substr(1, 2)), month_number(r.substr(4, 3)),
                       yy < 70 ? 2000 + yy : 1900 + yy, r.substr(11, 8));
    }
    return std::nullopt;
  }
  if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ' &&
      all_digits(s.substr(20, 4)) && (s[8] == ' ' || (s[8] >= '0' && s[8] <= '9')) && s[9] >= '0' &&
      s[9] <= '9') {
    const int day = (s[8] == ' ' ? 0 : (s[8] - '0') * 10) + (s[9] - '0');
    return http_date(day, month_number(s.substr(4, 3)), parse_int(s.substr(20, 4)),
                     s.substr(11, 8));
  }
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<TimePoint> parse_retry_after(std::string_view value, TimePoint now) {
  const std::string_view v = trim(value);
  if (all_digits(v)) {
    // Longer digit strings are simply "very far": callers cap the wait.
    const std::int64_t seconds = v.size() > 9 ? 999999999 : parse_int(v);
    return now + std::chrono::seconds(seconds);
  }
  return parse_http_date(v);
}

}  // namespace usd1pay
