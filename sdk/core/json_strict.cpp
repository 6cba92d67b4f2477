// Duplicate keys and nesting of a JSON parse (json_strict.h).
#include "usd1pay/json_strict.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "usd1pay/encoding.h"

namespace usd1pay {

void JsonKeyPaths::open(bool array) {
  frames_.push_back(Frame{array, 0, {}, {}});
}

void JsonKeyPaths::close() {
  if (!frames_.empty()) frames_.pop_back();
  value();  // the container was an element of its parent
}

void JsonKeyPaths::value() {
  if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
}

bool JsonKeyPaths::key(const std::string& key) {
  if (frames_.empty()) return true;
  Frame& top = frames_.back();
  top.key = key;
  return top.keys.insert(key).second;
}

std::string JsonKeyPaths::path() const {
  std::string out;
  // frames_[0] is the document itself; each later frame is named by its parent.
  for (std::size_t i = 1; i < frames_.size(); ++i) {
    const Frame& parent = frames_[i - 1];
    if (parent.array) {
      out += "[" + std::to_string(parent.index) + "]";
    } else {
      if (!out.empty()) out += '.';
      out += parent.key;
    }
  }
  return out;
}

std::string JsonKeyPaths::key_path() const {
  std::string out = path();
  if (frames_.empty() || frames_.back().array) return out;
  if (!out.empty()) out += '.';
  out += frames_.back().key;
  return out;
}

std::string JsonKeyPaths::value_path() const {
  if (frames_.empty() || !frames_.back().array) return key_path();
  return path() + "[" + std::to_string(frames_.back().index) + "]";
}

namespace {

std::string printable_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

}  // namespace

std::string json_out_of_range_reason(std::string_view what) {
  constexpr std::string_view kOverflow = "number overflow parsing '";
  const std::size_t at = what.find(kOverflow);
  if (at != std::string_view::npos && what.size() > at + kOverflow.size() && what.back() == '\'') {
    const std::string_view number =
        what.substr(at + kOverflow.size(), what.size() - at - kOverflow.size() - 1);
    return "number " + printable_ascii(number) + " is beyond the range of a double";
  }
  const std::size_t end_of_id = what.find("] ");
  if (end_of_id != std::string_view::npos) what.remove_prefix(end_of_id + 2);
  return printable_ascii(what);
}

std::string json_syntax_reason(std::string_view what) {
  std::string reason(what);
  const std::size_t column = reason.find("column ");
  const std::size_t colon = reason.find(": ", column == std::string::npos ? 0 : column);
  if (colon != std::string::npos) reason = reason.substr(colon + 2);
  const std::size_t last_read = reason.find("; last read");
  if (last_read != std::string::npos) reason.resize(last_read);
  for (char& c : reason) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return reason;
}

namespace {

/// Non-zero when some byte of the 8 in `w` is not json_plain_byte: below a
/// space, 0x7f and up, '"' or '\\'. Each test never misses a byte of its
/// kind (a borrow or carry only follows one); a false alarm only sends the
/// caller to look byte by byte.
inline std::uint64_t word_has_special(std::uint64_t w) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  auto has = [](std::uint64_t v, unsigned char c) {
    const std::uint64_t x = v ^ (kOnes * c);
    return (x - kOnes) & ~x & kHigh;
  };
  const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  const std::uint64_t above_tilde = ((w + kOnes) | w) & kHigh;  // 0x7f and up
  return below_space | above_tilde | has(w, '"') | has(w, '\\');
}

/// The end of the run of json_plain_byte bytes starting at text[i], looked
/// at eight bytes at a time (may stop a few bytes short: callers go on byte
/// by byte).
inline std::size_t skip_plain_words(std::string_view text, std::size_t i) noexcept {
  while (text.size() - i >= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, text.data() + i, sizeof w);
    if (word_has_special(w) != 0) break;
    i += 8;
  }
  return i;
}

}  // namespace

bool json_plain_text(std::string_view text) noexcept {
  for (std::size_t i = skip_plain_words(text, 0); i < text.size(); ++i) {
    if (!json_plain_byte(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::optional<std::string_view> json_plain_string_at(std::string_view text, std::size_t pos,
                                                     std::size_t* end) noexcept {
  if (pos >= text.size() || text[pos] != '"') return std::nullopt;
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"') {
      *end = i + 1;
      return text.substr(pos + 1, i - pos - 1);
    }
    if (!json_plain_byte(c)) return std::nullopt;
  }
  return std::nullopt;
}

namespace {

bool plain_integer(std::string_view text, std::size_t pos, std::size_t* end) noexcept {
  std::size_t i = pos;
  if (i < text.size() && text[i] == '-') ++i;
  const std::size_t first = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  const std::size_t digits = i - first;
  if (digits == 0 || digits > 18) return false;
  if (text[first] == '0' && (digits > 1 || first > pos)) return false;  // 01, -0
  *end = i;
  return true;
}

bool literal(std::string_view text, std::size_t pos, std::string_view word,
             std::size_t* end) noexcept {
  if (text.substr(pos, word.size()) != word) return false;
  *end = pos + word.size();
  return true;
}

constexpr int kPlainMaxDepth = 32;

bool plain_value(std::string_view text, std::size_t pos, int depth, std::size_t* end) noexcept;

bool plain_container(std::string_view text, std::size_t pos, int depth, std::size_t* end) noexcept {
  if (depth >= kPlainMaxDepth) return false;
  const bool object = text[pos] == '{';
  const char close = object ? '}' : ']';
  std::size_t i = pos + 1;
  if (i < text.size() && text[i] == close) {
    *end = i + 1;
    return true;
  }
  std::string_view previous_key;
  for (bool first = true;; first = false) {
    if (object) {
      std::size_t key_end = 0;
      const auto key = json_plain_string_at(text, i, &key_end);
      if (!key) return false;
      if (!first && !(previous_key < *key)) return false;
      previous_key = *key;
      if (key_end >= text.size() || text[key_end] != ':') return false;
      i = key_end + 1;
    }
    if (!plain_value(text, i, depth + 1, &i)) return false;
    if (i >= text.size()) return false;
    if (text[i] == close) {
      *end = i + 1;
      return true;
    }
    if (text[i] != ',') return false;
    ++i;
  }
}

bool plain_value(std::string_view text, std::size_t pos, int depth, std::size_t* end) noexcept {
  if (pos >= text.size()) return false;
  switch (text[pos]) {
    case '{':
    case '[': return plain_container(text, pos, depth, end);
    case '"': return json_plain_string_at(text, pos, end).has_value();
    case 't': return literal(text, pos, "true", end);
    case 'f': return literal(text, pos, "false", end);
    case 'n': return literal(text, pos, "null", end);
    default: return plain_integer(text, pos, end);
  }
}

}  // namespace

std::size_t json_plain_sorted_object_size(std::string_view text) noexcept {
  if (text.empty() || text[0] != '{') return 0;
  std::size_t end = 0;
  return plain_container(text, 0, 0, &end) ? end : 0;
}

bool json_is_plain_sorted_object(std::string_view text) noexcept {
  return !text.empty() && json_plain_sorted_object_size(text) == text.size();
}

namespace {

bool json_space(unsigned char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// Four hex digits at text[pos]; -1 when they are not.
long hex4(std::string_view text, std::size_t pos) noexcept {
  if (text.size() - pos < 4) return -1;
  long v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int d = hex_digit_value(text[pos + i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/// The string whose opening quote is at text[pos - 1]; *pos ends just past
/// its closing quote. False when it is not a well-formed JSON string, the
/// UTF-8 of its bytes aside (the caller checks the whole text once).
bool skip_string(std::string_view text, std::size_t* pos) noexcept {
  std::size_t i = *pos;
  const std::size_t n = text.size();
  while (i < n) {
    // Plain bytes eight at a time, as json_plain_text does.
    i = skip_plain_words(text, i);
    if (i >= n) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"') {
      *pos = i + 1;
      return true;
    }
    if (c == '\\') {
      if (i + 1 >= n) return false;
      const char e = text[i + 1];
      if (e == 'u') {
        const long u = hex4(text, i + 2);
        if (u < 0) return false;
        i += 6;
        if (u >= 0xDC00 && u <= 0xDFFF) return false;  // a low surrogate alone
        if (u >= 0xD800 && u <= 0xDBFF) {
          // A high surrogate must be followed at once by an escaped low one.
          if (n - i < 6 || text[i] != '\\' || text[i + 1] != 'u') return false;
          const long low = hex4(text, i + 2);
          if (low < 0xDC00 || low > 0xDFFF) return false;
          i += 6;
        }
        continue;
      }
      if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
          e != 't') {
        return false;
      }
      i += 2;
      continue;
    }
    if (c < 0x20) return false;
    ++i;  // any other byte: json_validate checked the UTF-8 of the whole text
  }
  return false;
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// Whether a number written with the significant digits `digits` (the first
/// nonzero) at decimal exponent `dexp` (its value is 0.d1d2... x 10^dexp)
/// stays within a double: DBL_MAX is about 1.797e308, so only dexp == 309
/// needs a closer look, which strtod gives on a bounded copy (its digits
/// truncated to 330 plus a sticky 1 when anything nonzero was cut: the
/// threshold of rounding to infinity has 309 significant digits, so the
/// answer is exact). No decimal point is written: strtod's is the locale's.
bool finite_at(std::string_view int_part, std::string_view frac_part, long dexp) noexcept {
  if (dexp <= 308) return true;
  if (dexp >= 310) return false;
  constexpr std::size_t kKeep = 330;
  char buf[kKeep + 16];
  std::size_t m = 0;
  bool started = false;
  bool cut_nonzero = false;
  for (std::string_view part : {int_part, frac_part}) {
    for (char c : part) {
      if (!started && c == '0') continue;
      started = true;
      if (m < kKeep) {
        buf[m++] = c;
      } else if (c != '0') {
        cut_nonzero = true;
      }
    }
  }
  if (cut_nonzero) buf[m++] = '1';
  // The value is 0.buf x 10^309 = buf x 10^(309 - m).
  const int e = 309 - static_cast<int>(m);
  const int written = std::snprintf(buf + m, 16, "e%d", e);
  if (written <= 0) return false;
  return std::isfinite(std::strtod(buf, nullptr));
}

/// A number at text[*pos]; *pos ends just past it. False when it is not one
/// by the RFC's grammar, or when it is beyond the range of a double (as
/// nlohmann refuses it: strtod gives an infinity).
bool skip_number(std::string_view text, std::size_t* pos) noexcept {
  const std::size_t n = text.size();
  std::size_t i = *pos;
  if (i < n && text[i] == '-') ++i;
  if (i >= n || !is_digit(text[i])) return false;
  const std::size_t int_start = i;
  if (text[i] == '0') {
    ++i;
  } else {
    while (i < n && is_digit(text[i])) ++i;
  }
  const std::string_view int_part = text.substr(int_start, i - int_start);
  std::string_view frac_part;
  if (i < n && text[i] == '.') {
    ++i;
    const std::size_t frac_start = i;
    if (i >= n || !is_digit(text[i])) return false;
    while (i < n && is_digit(text[i])) ++i;
    frac_part = text.substr(frac_start, i - frac_start);
  }
  long exp = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    if (i >= n || !is_digit(text[i])) return false;
    while (i < n && is_digit(text[i])) {
      // Saturated: beyond a million the answer no longer changes.
      if (exp < 1000000) exp = exp * 10 + (text[i] - '0');
      ++i;
    }
    if (negative) exp = -exp;
  }
  *pos = i;
  // The decimal exponent of the first nonzero digit; zero is always finite.
  long dexp = 0;
  const std::size_t lead = int_part.find_first_not_of('0');
  if (lead != std::string_view::npos) {
    dexp = static_cast<long>(int_part.size() - lead);
  } else {
    const std::size_t k = frac_part.find_first_not_of('0');
    if (k == std::string_view::npos) return true;
    dexp = -static_cast<long>(k);
  }
  // Integer digits beyond a million are beyond any double whatever follows.
  if (dexp > 1000000) return false;
  return finite_at(int_part, frac_part, dexp + exp);
}

/// The open objects and arrays of json_validate, a bit each.
class OpenStack {
 public:
  bool empty() const noexcept { return depth_ == 0; }
  std::size_t size() const noexcept { return depth_; }
  /// '{' or '['; the caller keeps depth below kMaxJsonValidateDepth.
  char back() const noexcept {
    const std::size_t d = depth_ - 1;
    return (bits_[d / 64] >> (d % 64)) & 1U ? '{' : '[';
  }
  void push_back(char c) noexcept {
    const std::uint64_t bit = std::uint64_t{1} << (depth_ % 64);
    if (c == '{') {
      bits_[depth_ / 64] |= bit;
    } else {
      bits_[depth_ / 64] &= ~bit;
    }
    ++depth_;
  }
  void pop_back() noexcept { --depth_; }

 private:
  std::array<std::uint64_t, kMaxJsonValidateDepth / 64> bits_{};
  std::size_t depth_ = 0;
};

bool skip_literal(std::string_view text, std::size_t* pos, std::string_view word) noexcept {
  if (text.compare(*pos, word.size(), word) != 0) return false;
  *pos += word.size();
  return true;
}

}  // namespace

JsonTextKind json_validate(std::string_view text, std::size_t max_depth) noexcept {
  const std::size_t n = text.size();
  std::size_t i = 0;
  const auto skip_space = [&] {
    while (i < n && json_space(static_cast<unsigned char>(text[i]))) ++i;
  };
  // The open containers, innermost last, a bit each (1: object), so that
  // nothing is allocated; depth beyond kMaxJsonValidateDepth is refused.
  if (max_depth > kMaxJsonValidateDepth) max_depth = kMaxJsonValidateDepth;
  // Well-formed UTF-8 everywhere: outside strings JSON allows ASCII only,
  // inside them any well-formed sequence.
  if (find_invalid_utf8(text) != std::string_view::npos) return JsonTextKind::kInvalid;
  OpenStack open;
  JsonTextKind top = JsonTextKind::kInvalid;
  // A member's key and its colon at text[i], and the space after them.
  const auto skip_key = [&] {
    if (i >= n || text[i] != '"') return false;
    ++i;
    if (!skip_string(text, &i)) return false;
    skip_space();
    if (i >= n || text[i] != ':') return false;
    ++i;
    skip_space();
    return true;
  };
  skip_space();
  for (;;) {
    // A value at text[i].
    if (i >= n) return JsonTextKind::kInvalid;
    JsonTextKind kind = JsonTextKind::kInvalid;
    const char c = text[i];
    bool opened = false;
    if (c == '{' || c == '[') {
      if (open.size() >= max_depth) return JsonTextKind::kInvalid;
      kind = c == '{' ? JsonTextKind::kObject : JsonTextKind::kArray;
      ++i;
      skip_space();
      const char close = c == '{' ? '}' : ']';
      if (i < n && text[i] == close) {
        ++i;  // empty
      } else {
        open.push_back(c);
        opened = true;
      }
    } else if (c == '"') {
      kind = JsonTextKind::kString;
      ++i;
      if (!skip_string(text, &i)) return JsonTextKind::kInvalid;
    } else if (c == '-' || is_digit(c)) {
      kind = JsonTextKind::kNumber;
      if (!skip_number(text, &i)) return JsonTextKind::kInvalid;
    } else if (c == 't' || c == 'f') {
      kind = JsonTextKind::kBoolean;
      if (!skip_literal(text, &i, c == 't' ? "true" : "false")) return JsonTextKind::kInvalid;
    } else if (c == 'n') {
      kind = JsonTextKind::kNull;
      if (!skip_literal(text, &i, "null")) return JsonTextKind::kInvalid;
    } else {
      return JsonTextKind::kInvalid;
    }
    if (top == JsonTextKind::kInvalid) top = kind;
    if (opened) {
      // The first member's key, or the first element.
      if (open.back() == '{' && !skip_key()) return JsonTextKind::kInvalid;
      continue;
    }
    // After a value: a comma and the next, or the end of containers.
    for (;;) {
      skip_space();
      if (open.empty()) return i == n ? top : JsonTextKind::kInvalid;
      if (i >= n) return JsonTextKind::kInvalid;
      const char close = open.back() == '{' ? '}' : ']';
      if (text[i] == close) {
        ++i;
        open.pop_back();
        continue;
      }
      if (text[i] != ',') return JsonTextKind::kInvalid;
      ++i;
      skip_space();
      if (open.back() == '{' && !skip_key()) return JsonTextKind::kInvalid;
      break;
    }
  }
}

}  // namespace usd1pay
