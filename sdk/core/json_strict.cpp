// Duplicate keys and nesting of a JSON parse (json_strict.h).
#include "usd1pay/json_strict.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

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

bool json_plain_text(std::string_view text) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  // Each test is non-zero when some byte of w is of its kind, and never
  // misses one (a borrow or carry only follows a byte of the kind); a word
  // that any test flags is looked at byte by byte, so a false alarm costs
  // time, not a wrong answer.
  auto has = [](std::uint64_t w, unsigned char c) {
    const std::uint64_t x = w ^ (kOnes * c);
    return (x - kOnes) & ~x & kHigh;
  };
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, text.data() + i, sizeof w);
    const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
    const std::uint64_t above_tilde = ((w + kOnes) | w) & kHigh;  // 0x7f and up
    if ((below_space | above_tilde | has(w, '"') | has(w, '\\')) != 0) break;
  }
  for (; i < text.size(); ++i) {
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

}  // namespace usd1pay
