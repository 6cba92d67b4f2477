// Differential fuzzing of json_validate against nlohmann::json::accept: the
// two must give the same answer for every input (json_validate refuses three
// things nlohmann lets through on purpose: a leading byte-order mark, a NUL
// byte, which nlohmann takes for the end of its input, and nesting beyond
// its limit; inputs with any of them are judged by the rule instead), and for an accepted input
// json_validate's top-level kind must be the parsed value's type.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "usd1pay/json_strict.h"

namespace {

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "json_validate_fuzz: %s\ninput (%zu bytes): ", what, input.size());
  for (unsigned char c : input) std::fprintf(stderr, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

usd1pay::JsonTextKind kind_of(const nlohmann::json& v) {
  using usd1pay::JsonTextKind;
  if (v.is_object()) return JsonTextKind::kObject;
  if (v.is_array()) return JsonTextKind::kArray;
  if (v.is_string()) return JsonTextKind::kString;
  if (v.is_number()) return JsonTextKind::kNumber;
  if (v.is_boolean()) return JsonTextKind::kBoolean;
  return JsonTextKind::kNull;
}

/// The deepest nesting of objects and arrays outside strings (a rough
/// count, enough to tell inputs beyond the validator's limit).
std::size_t rough_depth(std::string_view s) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t kDepth = 64;
  const usd1pay::JsonTextKind mine = usd1pay::json_validate(input, kDepth);
  const bool bom = input.size() >= 3 && input.substr(0, 3) == "\xEF\xBB\xBF";
  if (bom) {
    if (mine != usd1pay::JsonTextKind::kInvalid) fail("accepted a byte-order mark", input);
    return 0;
  }
  if (input.find('\0') != std::string_view::npos) {
    if (mine != usd1pay::JsonTextKind::kInvalid) fail("accepted a NUL byte", input);
    return 0;
  }
  const bool theirs = nlohmann::json::accept(input);
  if (mine != usd1pay::JsonTextKind::kInvalid) {
    if (!theirs) fail("json_validate accepts what nlohmann refuses", input);
    const auto parsed = nlohmann::json::parse(input);
    if (kind_of(parsed) != mine) fail("json_validate names another top-level kind", input);
    return 0;
  }
  if (theirs && rough_depth(input) <= kDepth) {
    fail("json_validate refuses what nlohmann accepts", input);
  }
  return 0;
}
