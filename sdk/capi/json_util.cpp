// Strict request JSON and reply JSON for the C ABI (json_util.h).
#include "capi/json_util.h"

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace usd1pay::capi {
namespace {

using nlohmann::json;

// Longest request accepted; an order's metadata is at most 64 KiB.
constexpr std::size_t kMaxRequestBytes = std::size_t{1} << 20;

// Thrown by the parser callback to stop at the first violation; caught in
// parse_json_strict, never leaves this file.
struct Violation {
  std::string what;
};

// One open object or array, to name the place of a duplicate key.
struct Frame {
  bool array = false;
  std::size_t index = 0;
  std::string key;
  std::set<std::string> keys;
};

std::string frames_path(const std::vector<Frame>& frames) {
  std::string path;
  for (std::size_t i = 1; i < frames.size(); ++i) {
    const Frame& parent = frames[i - 1];
    if (parent.array) {
      path += "[" + std::to_string(parent.index) + "]";
    } else {
      path += (path.empty() ? "" : ".") + parent.key;
    }
  }
  return path;
}

// "syntax error while parsing value - invalid literal" out of nlohmann's
// "[json.exception.parse_error.101] parse error at line 1, column 2: ...;
// last read: '...'", printable ASCII only (the input may hold anything).
std::string syntax_reason(const std::string& what) {
  std::string reason = what;
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

// Levenshtein distance, for the "did you mean" hint.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The key printed inside quotes: printable ASCII kept, anything else escaped.
std::string printable_key(const std::string& key) {
  std::string out;
  for (const char c : key) {
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out += c;
    } else {
      static const char kHex[] = "0123456789abcdef";
      const auto u = static_cast<unsigned char>(c);
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0x0f];
    }
  }
  return out;
}

}  // namespace

std::string json_type_phrase(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number with a fraction or exponent";
    default: return "a value of another kind";
  }
}

Status parse_json_strict(const char* fn, const char* what, std::string_view text, json* out) {
  const std::string subject = std::string(fn) + ": " + what;
  if (text.size() > kMaxRequestBytes) {
    return Status(ErrorCode::kOutOfRange, subject + ": " + std::to_string(text.size()) +
                                              " bytes, more than the limit of " +
                                              std::to_string(kMaxRequestBytes));
  }
  std::vector<Frame> frames;
  const json::parser_callback_t callback = [&frames](int depth, json::parse_event_t event,
                                                     json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= kMaxDepth) {
          throw Violation{"nested more than " + std::to_string(kMaxDepth) + " levels deep"};
        }
        frames.push_back(Frame{event == json::parse_event_t::array_start, 0, {}, {}});
        break;
      case json::parse_event_t::key: {
        Frame& top = frames.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second) {
          std::string path = frames_path(frames);
          path += (path.empty() ? "" : ".") + top.key;
          throw Violation{"duplicate key '" + printable_key(path) + "'"};
        }
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames.pop_back();
        if (!frames.empty() && frames.back().array) ++frames.back().index;
        break;
      case json::parse_event_t::value:
        if (!frames.empty() && frames.back().array) ++frames.back().index;
        break;
    }
    return true;
  };
  try {
    *out = json::parse(text.begin(), text.end(), callback);
  } catch (const Violation& v) {
    return Status(ErrorCode::kInvalidArgument, subject + ": " + v.what);
  } catch (const json::parse_error& e) {
    return Status(ErrorCode::kInvalidArgument, subject + ": malformed JSON at byte " +
                                                   std::to_string(e.byte) + ": " +
                                                   syntax_reason(e.what()));
  }
  return Status();
}

Status RequestReader::check(std::initializer_list<std::string_view> known) const {
  if (!value_.is_object()) {
    return Status(ErrorCode::kInvalidArgument,
                  std::string(fn_) + ": expected a JSON object, not " + json_type_phrase(value_));
  }
  for (const auto& item : value_.items()) {
    const std::string& key = item.key();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string message = std::string(fn_) + ": unknown key '" + printable_key(key) + "'";
    std::string_view best;
    std::size_t best_distance = 3;  // a hint only for near misses
    for (const std::string_view k : known) {
      const std::size_t d = edit_distance(key, k);
      if (d < best_distance) {
        best_distance = d;
        best = k;
      }
    }
    if (!best.empty()) message += " (did you mean '" + std::string(best) + "'?)";
    std::string list;
    for (const std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    message += "; known keys: " + list;
    return Status(ErrorCode::kInvalidArgument, message);
  }
  return Status();
}

const json* RequestReader::find(const char* key, bool required, Status* error) const {
  const auto it = value_.find(key);
  if (it == value_.end() || it->is_null()) {
    if (required) {
      *error = Status(ErrorCode::kInvalidArgument,
                      std::string(fn_) + ": missing required key '" + key + "'");
    }
    return nullptr;
  }
  return &*it;
}

Status RequestReader::wrong_type(const char* key, const char* expected, const json& value) const {
  return Status(ErrorCode::kInvalidArgument, std::string(fn_) + ": '" + key + "' must be " +
                                                 expected + ", not " + json_type_phrase(value));
}

Status RequestReader::get_string(const char* key, bool required,
                                 std::optional<std::string>* out) const {
  Status error;
  const json* v = find(key, required, &error);
  if (v == nullptr) return error;
  if (!v->is_string()) return wrong_type(key, "a string", *v);
  *out = v->get<std::string>();
  return Status();
}

Status RequestReader::get_bool(const char* key, bool required, std::optional<bool>* out) const {
  Status error;
  const json* v = find(key, required, &error);
  if (v == nullptr) return error;
  if (!v->is_boolean()) return wrong_type(key, "true or false", *v);
  *out = v->get<bool>();
  return Status();
}

Status RequestReader::get_int(const char* key, bool required, std::int64_t min, std::int64_t max,
                              std::optional<std::int64_t>* out) const {
  Status error;
  const json* v = find(key, required, &error);
  if (v == nullptr) return error;
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max) || (min > 0 && u < static_cast<std::uint64_t>(min))) {
      return Status(ErrorCode::kOutOfRange, std::string(fn_) + ": '" + key + "' " +
                                                std::to_string(u) + " is outside " + range);
    }
    *out = static_cast<std::int64_t>(u);
    return Status();
  }
  if (!v->is_number_integer()) return wrong_type(key, "an integer", *v);
  const auto i = v->get<std::int64_t>();
  if (i < min || i > max) {
    return Status(ErrorCode::kOutOfRange, std::string(fn_) + ": '" + key + "' " +
                                              std::to_string(i) + " is outside " + range);
  }
  *out = i;
  return Status();
}

Status RequestReader::get_object(const char* key, bool required, const json** out) const {
  Status error;
  const json* v = find(key, required, &error);
  if (v == nullptr) return error;
  if (!v->is_object()) return wrong_type(key, "an object", *v);
  *out = v;
  return Status();
}

Status RequestReader::get_string_array(const char* key, bool required,
                                       std::optional<std::vector<std::string>>* out) const {
  Status error;
  const json* v = find(key, required, &error);
  if (v == nullptr) return error;
  if (!v->is_array()) return wrong_type(key, "an array of strings", *v);
  std::vector<std::string> items;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    if (!item.is_string()) {
      return Status(ErrorCode::kInvalidArgument,
                    std::string(fn_) + ": '" + key + "[" + std::to_string(i) +
                        "]' must be a string, not " + json_type_phrase(item));
    }
    items.push_back(item.get<std::string>());
  }
  *out = std::move(items);
  return Status();
}

std::string dump_json(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string dump_json(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

nlohmann::ordered_json parse_stored_json(const std::string& text) {
  auto parsed = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return text;
  return parsed;
}

}  // namespace usd1pay::capi
