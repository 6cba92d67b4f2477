// Strict request JSON and reply JSON for the C ABI (json_util.h).
#include "capi/json_util.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "usd1pay/json_strict.h"

namespace usd1pay::capi {
namespace {

using nlohmann::json;

// Longest request accepted; an order's metadata is at most 64 KiB.
constexpr std::size_t kMaxRequestBytes = std::size_t{1} << 20;

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

Status parse_json_strict(const char* fn, const char* what, std::string_view text, json* out) {
  const std::string subject = std::string(fn) + ": " + what;
  if (text.size() > kMaxRequestBytes) {
    return Status(ErrorCode::kOutOfRange, subject + ": " + std::to_string(text.size()) +
                                              " bytes, more than the limit of " +
                                              std::to_string(kMaxRequestBytes));
  }
  JsonKeyPaths paths;
  try {
    *out = json::parse(text.begin(), text.end(), StrictJsonCallback<json>(&paths, kMaxDepth));
  } catch (const JsonStrictViolation& v) {
    if (v.kind == JsonStrictViolation::Kind::kDuplicateKey) {
      return Status(ErrorCode::kInvalidArgument,
                    subject + ": duplicate key '" + printable_key(v.path) + "'");
    }
    return Status(ErrorCode::kInvalidArgument,
                  subject + ": nested more than " + std::to_string(kMaxDepth) + " levels deep");
  } catch (const json::parse_error& e) {
    return Status(ErrorCode::kInvalidArgument, subject + ": malformed JSON at byte " +
                                                   std::to_string(e.byte) + ": " +
                                                   json_syntax_reason(e.what()));
  } catch (const json::out_of_range& e) {
    // A number beyond a double ("1e999"): nlohmann says which, the paths where.
    const std::string path = paths.value_path();
    return Status(ErrorCode::kInvalidArgument,
                  subject + (path.empty() ? "" : ": '" + printable_key(path) + "'") + ": " +
                      json_out_of_range_reason(e.what()));
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
