// Strict JSON reading for the config module (see json_reader.h).
#include "config/json_reader.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "usd1pay/encoding.h"
#include "usd1pay/json_strict.h"

namespace usd1pay::config_internal {
using nlohmann::json;

Status ErrorSink::error(ErrorCode code, const std::string& path, const std::string& what) const {
  return Status(code, prefix + (path.empty() ? "" : path + ": ") + what);
}

Status ErrorSink::wrap(const std::string& path, const Status& inner) const {
  return Status(inner.code(), prefix + path + ": " + inner.message());
}

std::string child_path(const std::string& path, std::string_view key) {
  std::string out = path;
  if (!out.empty()) out += '.';
  out.append(key.data(), key.size());
  return out;
}

std::string index_path(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

Status parse_json_strict(std::string_view text, const ErrorSink& sink, json* out) {
  if (text.size() > kMaxDocumentBytes) {
    return sink.error(ErrorCode::kOutOfRange, "",
                      "document is " + std::to_string(text.size()) +
                          " bytes, more than the limit of " + std::to_string(kMaxDocumentBytes));
  }
  // The line and column (1-based) of byte `at`.
  const auto where = [&](std::size_t at) {
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < at; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(at - line_start + 1);
  };
  // A raw NUL byte is never JSON, but nlohmann takes one for the end of the
  // input and would ignore whatever follows it.
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return sink.error(ErrorCode::kInvalidArgument, "", "NUL byte at " + where(nul));
  }
  JsonKeyPaths paths;
  try {
    // Comments (// and /* */) are allowed so that a configuration can explain
    // itself (samples/usd1pay.commented.jsonc); they are not kept.
    *out = json::parse(text.begin(), text.end(), StrictJsonCallback<json>(&paths, kMaxDepth),
                       /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const JsonStrictViolation& v) {
    return sink.error(ErrorCode::kInvalidArgument, v.path,
                      v.kind == JsonStrictViolation::Kind::kDuplicateKey
                          ? "duplicate key"
                          : "nested more than " + std::to_string(kMaxDepth) + " levels deep");
  } catch (const json::parse_error& e) {
    // e.byte counts the characters read, the offending one included.
    const std::size_t at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    return sink.error(ErrorCode::kInvalidArgument, "",
                      "JSON syntax error at " + where(at) + ": " + json_syntax_reason(e.what()));
  } catch (const json::out_of_range& e) {
    // A number beyond a double ("1e999"): nlohmann says which, the paths where.
    return sink.error(ErrorCode::kInvalidArgument, paths.value_path(),
                      json_out_of_range_reason(e.what()));
  } catch (const std::exception& e) {
    return sink.error(ErrorCode::kInvalidArgument, "", std::string("JSON error: ") + e.what());
  }
  return Status();
}

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t cap) {
  // Optimal string alignment: insertions, deletions, substitutions and
  // transpositions of neighbours ("paht" is one edit from "path").
  const std::size_t gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (gap > cap) return cap + 1;
  std::vector<std::size_t> before(b.size() + 1);
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    std::size_t best = row[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], before[j - 2] + 1);
      }
      best = std::min(best, row[j]);
    }
    if (best > cap) return cap + 1;
    before.swap(previous);
    previous.swap(row);
  }
  return std::min(previous[b.size()], cap + 1);
}

Status check_no_control(std::string_view text, const std::string& path, const ErrorSink& sink) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      return sink.error(
          ErrorCode::kInvalidArgument, path,
          "control character " + quote_char(text[i]) + " at position " + std::to_string(i));
    }
  }
  return Status();
}

Status ObjectReader::check(std::initializer_list<std::string_view> known) const {
  if (!value_.is_object()) {
    return sink_.error(ErrorCode::kInvalidArgument, path_,
                       "expected an object, found " + json_type_phrase(value_));
  }
  for (const auto& member : value_.items()) {
    const std::string& key = member.key();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string shown = key;
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    std::string what = "unknown key '" + shown + "'";
    // The closest known key within a third of its length (at least 1 edit).
    std::string_view best;
    std::size_t best_distance = 0;
    for (std::string_view candidate : known) {
      const std::size_t cap = std::max<std::size_t>(1, candidate.size() / 3);
      std::size_t d = edit_distance(key, candidate, cap);
      // A shortened or lengthened name ("default_expiry" for
      // "default_expiry_seconds") is a near miss too.
      const std::string_view key_view = key;
      const std::string_view shorter = key.size() < candidate.size() ? key_view : candidate;
      const std::string_view longer = key.size() < candidate.size() ? candidate : key_view;
      if (d > cap && shorter.size() >= 4 && longer.substr(0, shorter.size()) == shorter) d = cap;
      if (d <= cap && (best.empty() || d < best_distance)) {
        best = candidate;
        best_distance = d;
      }
    }
    if (!best.empty()) {
      what += " (did you mean '" + std::string(best) + "'?)";
    } else {
      std::string list;
      for (std::string_view candidate : known) {
        list += list.empty() ? "" : ", ";
        list.append(candidate.data(), candidate.size());
      }
      what += " (known keys: " + list + ")";
    }
    return sink_.error(ErrorCode::kInvalidArgument, path_, what);
  }
  return Status();
}

const json* ObjectReader::find(const char* key) const {
  const auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

Status ObjectReader::missing(const char* key) const {
  return sink_.error(ErrorCode::kInvalidArgument, path_of(key), "missing required key");
}

Status ObjectReader::wrong_type(const char* key, const char* expected) const {
  const json* v = find(key);
  return sink_.error(ErrorCode::kInvalidArgument, path_of(key),
                     std::string("expected ") + expected + ", found " +
                         (v == nullptr ? std::string("nothing") : json_type_phrase(*v)));
}

Status ObjectReader::get_string(const char* key, bool required, std::string* out) const {
  const json* v = find(key);
  if (v == nullptr) return required ? missing(key) : Status();
  if (!v->is_string()) return wrong_type(key, "a string");
  const auto& s = v->get_ref<const std::string&>();
  USD1PAY_RETURN_IF_ERROR(check_no_control(s, path_of(key), sink_));
  *out = s;
  return Status();
}

Status ObjectReader::get_bool(const char* key, bool required, bool* out) const {
  const json* v = find(key);
  if (v == nullptr) return required ? missing(key) : Status();
  if (!v->is_boolean()) return wrong_type(key, "true or false");
  *out = v->get<bool>();
  return Status();
}

Status ObjectReader::get_int(const char* key, bool required, std::int64_t min, std::int64_t max,
                             std::int64_t* out) const {
  const json* v = find(key);
  if (v == nullptr) return required ? missing(key) : Status();
  const std::string range = "between " + std::to_string(min) + " and " + std::to_string(max);
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max)) {
      return sink_.error(ErrorCode::kOutOfRange, path_of(key),
                         std::to_string(u) + " is not " + range);
    }
    const auto value = static_cast<std::int64_t>(u);
    if (value < min) {
      return sink_.error(ErrorCode::kOutOfRange, path_of(key),
                         std::to_string(u) + " is not " + range);
    }
    *out = value;
    return Status();
  }
  if (v->is_number_integer()) {
    const auto value = v->get<std::int64_t>();
    if (value < min || value > max) {
      return sink_.error(ErrorCode::kOutOfRange, path_of(key),
                         std::to_string(value) + " is not " + range);
    }
    *out = value;
    return Status();
  }
  return wrong_type(key, "an integer");
}

Status ObjectReader::get_array(const char* key, bool required, const json** out) const {
  const json* v = find(key);
  if (v == nullptr) return required ? missing(key) : Status();
  if (!v->is_array()) return wrong_type(key, "an array");
  *out = v;
  return Status();
}

Status ObjectReader::get_object(const char* key, bool required, const json** out) const {
  const json* v = find(key);
  if (v == nullptr) return required ? missing(key) : Status();
  if (!v->is_object()) return wrong_type(key, "an object");
  *out = v;
  return Status();
}

}  // namespace usd1pay::config_internal
