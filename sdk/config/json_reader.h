// Private to the config module: strict reading of a JSON document into typed
// values, with errors that name the key path.
//
// parse_json_strict() refuses what nlohmann's parser lets through silently:
// duplicate keys in one object (the last one would win) and nesting deeper
// than a small limit (a config needs four levels). ObjectReader refuses
// unknown keys (with a "did you mean" hint) before the caller asks for the
// known ones, so that a misspelt key is reported as such rather than as a
// missing required key.
#ifndef USD1PAY_SDK_CONFIG_JSON_READER_H
#define USD1PAY_SDK_CONFIG_JSON_READER_H

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/json_strict.h"
#include "usd1pay/status.h"

namespace usd1pay::config_internal {

/// Longest accepted document and deepest nesting of objects and arrays.
constexpr std::size_t kMaxDocumentBytes = std::size_t{1} << 20;
constexpr int kMaxDepth = 32;

/// Every error message starts with this prefix and then the key path.
struct ErrorSink {
  std::string prefix;  // "config: " or "config: <file>: "

  Status error(ErrorCode code, const std::string& path, const std::string& what) const;
  /// `inner` (e.g. an address error) placed under the key path.
  Status wrap(const std::string& path, const Status& inner) const;
};

/// Parses `text`. Errors (kInvalidArgument unless said): syntax with line and
/// column, a duplicate key with its path, nesting deeper than kMaxDepth,
/// a document longer than kMaxDocumentBytes (kOutOfRange).
Status parse_json_strict(std::string_view text, const ErrorSink& sink, nlohmann::json* out);

/// "a string", "a number with a fraction or exponent", "an object", ...
using ::usd1pay::json_type_phrase;

/// Levenshtein distance, capped: returns `cap` + 1 as soon as it exceeds cap.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t cap);

/// "path.key" (or "key" at the top level).
std::string child_path(const std::string& path, std::string_view key);
/// "path[i]".
std::string index_path(const std::string& path, std::size_t index);

/// Reads the members of one JSON object.
class ObjectReader {
 public:
  /// `value` must outlive the reader.
  ObjectReader(const nlohmann::json& value, std::string path, const ErrorSink& sink)
      : value_(value), path_(std::move(path)), sink_(sink) {}

  /// Fails unless the value is an object whose keys are all in `known`.
  Status check(std::initializer_list<std::string_view> known) const;

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return child_path(path_, key); }
  bool has(const char* key) const { return value_.contains(key); }
  /// nullptr when absent.
  const nlohmann::json* find(const char* key) const;

  /// Each getter leaves *out untouched when the key is absent and not
  /// required. Strings may not hold control characters.
  Status get_string(const char* key, bool required, std::string* out) const;
  Status get_bool(const char* key, bool required, bool* out) const;
  /// An integer in [min, max]: a JSON number with a fraction or exponent is
  /// kInvalidArgument, out of range is kOutOfRange.
  Status get_int(const char* key, bool required, std::int64_t min, std::int64_t max,
                 std::int64_t* out) const;
  /// An array (possibly empty); *out points at it.
  Status get_array(const char* key, bool required, const nlohmann::json** out) const;
  /// An object; *out points at it.
  Status get_object(const char* key, bool required, const nlohmann::json** out) const;

  Status missing(const char* key) const;
  Status wrong_type(const char* key, const char* expected) const;

 private:
  const nlohmann::json& value_;
  std::string path_;
  const ErrorSink& sink_;
};

/// Fails when `text` holds a control character (naming it and its position).
Status check_no_control(std::string_view text, const std::string& path, const ErrorSink& sink);

}  // namespace usd1pay::config_internal

#endif  // USD1PAY_SDK_CONFIG_JSON_READER_H
