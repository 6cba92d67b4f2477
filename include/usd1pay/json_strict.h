// usd1pay: refusing what nlohmann's JSON parser lets through silently, for
// the library's own readers (the configuration file, C ABI requests, JSON-RPC
// responses) and for hosts that want the same strictness.
//
// nlohmann keeps the last of two equal keys in one object: a document with
// {"amount": "1", "amount": "100"} would mean whatever the parser happened to
// keep. StrictJsonCallback follows the open objects and arrays of a parse,
// names where a key stands twice ("items[2].amount") and stops the parse by
// throwing JsonStrictViolation; it also stops a document nested deeper than
// a limit. Use it as the parser callback:
//
//   JsonKeyPaths paths;
//   try {
//     doc = nlohmann::json::parse(text, StrictJsonCallback<nlohmann::json>(&paths, 32));
//   } catch (const JsonStrictViolation& v) { ... v.kind, v.path ... }
//
// This header does not include nlohmann/json.hpp: the callback is a template
// over the JSON type, instantiated where the caller parses.
//
// THREAD SAFETY: a JsonKeyPaths belongs to one parse at a time.
#ifndef USD1PAY_JSON_STRICT_H
#define USD1PAY_JSON_STRICT_H

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace usd1pay {

/// Why a strict parse stopped.
struct JsonStrictViolation {
  enum class Kind {
    kDuplicateKey,  ///< path: the key's path, "a.b[2].c"
    kTooDeep,       ///< path: the innermost open container's ("" for the document)
  };
  Kind kind;
  std::string path;
};

/// The open objects and arrays of a parse and the keys seen in each object.
/// Paths are "key", "a.b", "a[2]", "[0].x" ("" for the document itself).
class JsonKeyPaths {
 public:
  /// An object or array starts (as a member or element of the open one).
  void open(bool array);
  /// The innermost object or array ends.
  void close();
  /// A scalar value ends.
  void value();
  /// A member's key in the innermost object; false when it stood there before.
  bool key(const std::string& key);

  /// How many objects and arrays are open.
  std::size_t depth() const noexcept { return frames_.size(); }
  /// The path of the innermost open object or array.
  std::string path() const;
  /// The path of the innermost object's current key.
  std::string key_path() const;
  /// The path of the value being read: the current key's path in an object,
  /// "a[2]" for the third element of array "a".
  std::string value_path() const;

 private:
  struct Frame {
    bool array = false;
    std::size_t index = 0;  // arrays: the element being read
    std::string key;        // objects: the member being read
    std::set<std::string> keys;
  };
  std::vector<Frame> frames_;
};

/// A parser callback (nlohmann's parser_callback_t) that throws
/// JsonStrictViolation at a duplicate key or at an object or array opened at
/// nesting depth `max_depth` (the document itself is depth 0). `paths` must
/// outlive the parse; the callback keeps every value.
template <typename BasicJson>
class StrictJsonCallback {
 public:
  StrictJsonCallback(JsonKeyPaths* paths, int max_depth) : paths_(paths), max_depth_(max_depth) {}

  bool operator()(int depth, typename BasicJson::parse_event_t event, BasicJson& parsed) const {
    using Event = typename BasicJson::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        if (depth >= max_depth_) {
          throw JsonStrictViolation{JsonStrictViolation::Kind::kTooDeep, paths_->path()};
        }
        paths_->open(event == Event::array_start);
        break;
      case Event::key:
        if (!paths_->key(parsed.template get<std::string>())) {
          throw JsonStrictViolation{JsonStrictViolation::Kind::kDuplicateKey, paths_->key_path()};
        }
        break;
      case Event::object_end:
      case Event::array_end: paths_->close(); break;
      case Event::value: paths_->value(); break;
    }
    return true;
  }

 private:
  JsonKeyPaths* paths_;
  int max_depth_;
};

/// The reason out of a nlohmann parse error's what(): "syntax error while
/// parsing value - invalid literal" out of "[json.exception.parse_error.101]
/// parse error at line 1, column 2: syntax error while parsing value -
/// invalid literal; last read: '...'", printable ASCII only (the input may
/// hold anything).
std::string json_syntax_reason(std::string_view what);

/// The reason out of a nlohmann out_of_range error's what(), which a parse
/// throws for a number beyond a double ("1e999"): "number 1e999 is beyond
/// the range of a double" out of "[json.exception.out_of_range.406] number
/// overflow parsing '1e999'"; any other such message without its "[...]"
/// prefix. Printable ASCII only. nlohmann does not say where: callers name
/// the place with JsonKeyPaths::value_path().
std::string json_out_of_range_reason(std::string_view what);

/// True when `text` is one JSON object already written exactly as nlohmann's
/// compact dump of its parse (nlohmann::json or ordered_json alike) writes
/// it, so a reader that would parse and dump it again may take it as it is.
/// Conservative: true only for the plain form usd1pay itself stores (no
/// whitespace; keys in strictly increasing byte order, hence none twice;
/// strings of printable ASCII with nothing escaped; integers of at most 18
/// digits, no "-0"; true, false, null; objects and arrays nested at most
/// 32 deep); false for anything else, well-formed or not.
bool json_is_plain_sorted_object(std::string_view text) noexcept;
/// The length of such an object at the start of `text` (what follows it is
/// not looked at), 0 when `text` does not start with one.
std::size_t json_plain_sorted_object_size(std::string_view text) noexcept;

/// Whether byte `c` stands for itself inside a JSON string as nlohmann's
/// compact dump writes it: printable ASCII other than '"' and '\\'.
constexpr bool json_plain_byte(unsigned char c) noexcept {
  return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

/// True when every byte of `text` is json_plain_byte (checked eight bytes at
/// a time): the text stands for itself between two quotes.
bool json_plain_text(std::string_view text) noexcept;

/// A JSON string of plain bytes only at text[pos] ('"' ... '"', nothing
/// escaped): its contents (without the quotes) and *end just past it;
/// nullopt for anything else.
std::optional<std::string_view> json_plain_string_at(std::string_view text, std::size_t pos,
                                                     std::size_t* end) noexcept;

/// The top-level value of a JSON text, as json_validate finds it.
enum class JsonTextKind {
  kInvalid,  ///< not one well-formed JSON value (or nested too deep)
  kObject,
  kArray,
  kString,
  kNumber,
  kBoolean,
  kNull,
};

/// Checks that `text` is exactly one JSON value (RFC 8259), with only JSON
/// whitespace around it, without building it (callgrind, a webhook event's
/// data of about 750 bytes: 14,000 instructions, nlohmann::json::accept
/// 60,000; runs of plain string bytes are checked eight at a time). Accepts what
/// nlohmann::json::accept accepts (a differential fuzzer holds the two to
/// the same answers): strings of well-formed UTF-8 (no surrogates, no
/// overlong forms) without raw control bytes, escapes as the RFC lists them
/// with \u surrogates in pairs, numbers as the RFC's grammar writes them and
/// within the range of a double (1e999 is refused: nlohmann refuses it).
/// Three differences, all stricter: a leading UTF-8 byte-order mark is
/// refused (nlohmann skips it), so is any NUL byte (nlohmann's lexer takes
/// one for the end of the input and ignores what follows) and so is nesting
/// deeper than `max_depth` objects and arrays (at most
/// kMaxJsonValidateDepth; nlohmann has no limit). Allocates nothing. Returns the kind of the
/// top-level value, kInvalid for anything else.
JsonTextKind json_validate(std::string_view text, std::size_t max_depth = 512) noexcept;

/// The deepest nesting json_validate follows (a larger max_depth is this).
inline constexpr std::size_t kMaxJsonValidateDepth = 4096;

/// "null", "a boolean", "a string", "an integer", "a number with a fraction
/// or exponent", "an object", "an array": what a JSON value is, for messages.
template <typename BasicJson>
std::string json_type_phrase(const BasicJson& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_string()) return "a string";
  if (value.is_number_integer()) return "an integer";  // signed or unsigned
  if (value.is_number_float()) return "a number with a fraction or exponent";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  return "an unexpected value";
}

}  // namespace usd1pay

#endif  // USD1PAY_JSON_STRICT_H
