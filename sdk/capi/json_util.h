// Private to the C ABI: strict reading of request JSON and writing of reply
// JSON.
//
// A request is one JSON object. Strict means: the text must be well-formed
// JSON (UTF-8), hold one object, no key twice in one object, nesting at most
// kMaxDepth deep, and only the keys the function knows; each value must have
// the documented type. Every error is kInvalidArgument naming the function
// and the key ("intent_create: unknown key 'amout' (did you mean 'amount'?)",
// "intent_create: 'amount' must be a string, not a number"). A JSON null for
// an optional key means the key is absent (what bindings send for None /
// undefined).
#ifndef USD1PAY_SDK_CAPI_JSON_UTIL_H
#define USD1PAY_SDK_CAPI_JSON_UTIL_H

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/json_strict.h"
#include "usd1pay/status.h"

namespace usd1pay::capi {

/// The deepest nesting of objects and arrays accepted in a request.
constexpr int kMaxDepth = 64;

/// Parses `text` strictly (see the top). `fn` and `what` name the caller and
/// the argument in messages ("intent_create: request_json: ...").
Status parse_json_strict(const char* fn, const char* what, std::string_view text,
                         nlohmann::json* out);

/// Reads the members of one request object.
class RequestReader {
 public:
  /// `value` must outlive the reader.
  RequestReader(const char* fn, const nlohmann::json& value) : fn_(fn), value_(value) {}

  /// Fails unless the value is an object whose keys are all in `known`.
  Status check(std::initializer_list<std::string_view> known) const;

  /// Each getter leaves *out untouched when the key is absent (or null) and
  /// not required.
  Status get_string(const char* key, bool required, std::optional<std::string>* out) const;
  Status get_bool(const char* key, bool required, std::optional<bool>* out) const;
  /// A JSON integer (no fraction, no exponent) in [min, max]; kOutOfRange
  /// outside.
  Status get_int(const char* key, bool required, std::int64_t min, std::int64_t max,
                 std::optional<std::int64_t>* out) const;
  /// An object; *out points at it.
  Status get_object(const char* key, bool required, const nlohmann::json** out) const;
  /// An array of strings.
  Status get_string_array(const char* key, bool required,
                          std::optional<std::vector<std::string>>* out) const;

 private:
  const nlohmann::json* find(const char* key, bool required, Status* error) const;
  Status wrong_type(const char* key, const char* expected, const nlohmann::json& value) const;

  const char* fn_;
  const nlohmann::json& value_;
};

/// "a string", "an integer", "an object", ...
using ::usd1pay::json_type_phrase;

/// Compact JSON text; invalid UTF-8 in stored strings is replaced (U+FFFD)
/// rather than failing.
std::string dump_json(const nlohmann::json& value);
std::string dump_json(const nlohmann::ordered_json& value);

/// Parses JSON this library wrote itself (an intent, stored event data);
/// text that does not parse is kept as a JSON string, never dropped.
nlohmann::ordered_json parse_stored_json(const std::string& text);

}  // namespace usd1pay::capi

#endif  // USD1PAY_SDK_CAPI_JSON_UTIL_H
