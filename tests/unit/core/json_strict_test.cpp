// Strict JSON parsing: a key twice in one object and nesting past the limit
// stop the parse with the path of the place; everything else parses as
// nlohmann would. The syntax reason is cut out of nlohmann's message.
#include "usd1pay/json_strict.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace usd1pay {
namespace {

using nlohmann::json;

struct Outcome {
  bool parsed = false;
  JsonStrictViolation::Kind kind = JsonStrictViolation::Kind::kDuplicateKey;
  std::string path;
  json value;
};

Outcome parse(const std::string& text, int max_depth = 8) {
  Outcome out;
  JsonKeyPaths paths;
  try {
    out.value = json::parse(text, StrictJsonCallback<json>(&paths, max_depth));
    out.parsed = true;
  } catch (const JsonStrictViolation& v) {
    out.kind = v.kind;
    out.path = v.path;
  }
  return out;
}

TEST(JsonStrict, KeepsEveryValueOfAStrictDocument) {
  const Outcome o = parse(R"({"a":[1,{"b":null,"c":[true,"x"]},[]],"d":{"a":2},"e":{}})");
  ASSERT_TRUE(o.parsed);
  EXPECT_EQ(o.value, json::parse(R"({"a":[1,{"b":null,"c":[true,"x"]},[]],"d":{"a":2},"e":{}})"));
}

TEST(JsonStrict, TheSameKeyInDifferentObjectsIsFine) {
  EXPECT_TRUE(parse(R"([{"k":1},{"k":2},{"k":{"k":3}}])").parsed);
}

struct Duplicate {
  const char* text;
  const char* path;
};

TEST(JsonStrict, DuplicateKeyNamesItsPath) {
  for (const Duplicate& d : {
           Duplicate{R"({"a":1,"a":2})", "a"},
           Duplicate{R"({"x":{"y":1,"z":2,"y":3}})", "x.y"},
           Duplicate{R"({"items":[{},{},{"amount":"1","amount":"100"}]})", "items[2].amount"},
           Duplicate{R"([[1],[2,{"k":1,"k":1}]])", "[1][1].k"},
           Duplicate{R"({"a":[[],{"b":{}}],"c":{"d":1,"d":1}})", "c.d"},
           Duplicate{R"({"":1,"":2})", ""},
       }) {
    const Outcome o = parse(d.text);
    EXPECT_FALSE(o.parsed) << d.text;
    EXPECT_EQ(o.kind, JsonStrictViolation::Kind::kDuplicateKey) << d.text;
    EXPECT_EQ(o.path, d.path) << d.text;
  }
}

TEST(JsonStrict, NestingPastTheLimitNamesTheInnermostOpenContainer) {
  EXPECT_TRUE(parse("[[[]]]", 3).parsed);  // depths 0, 1, 2
  Outcome o = parse("[[[[]]]]", 3);
  EXPECT_FALSE(o.parsed);
  EXPECT_EQ(o.kind, JsonStrictViolation::Kind::kTooDeep);
  EXPECT_EQ(o.path, "[0][0]");
  o = parse(R"({"a":{"b":[1,{}]}})", 3);
  EXPECT_EQ(o.kind, JsonStrictViolation::Kind::kTooDeep);
  EXPECT_EQ(o.path, "a.b");
  o = parse("{}", 0);
  EXPECT_EQ(o.kind, JsonStrictViolation::Kind::kTooDeep);
  EXPECT_EQ(o.path, "");
  EXPECT_TRUE(parse("7", 0).parsed);  // a scalar document opens nothing
}

TEST(JsonStrict, SyntaxErrorsStayNlohmanns) {
  JsonKeyPaths paths;
  try {
    const json j = json::parse(std::string("{\"a\":tru\xff}"), StrictJsonCallback<json>(&paths, 8));
    FAIL() << j.dump();
  } catch (const json::parse_error& e) {
    EXPECT_EQ(json_syntax_reason(e.what()), "syntax error while parsing value - invalid literal");
  }
}

// nlohmann's overflow error has no place: the paths name the value being read.
TEST(JsonStrict, NumberOverflowIsNamedByItsValuePath) {
  struct Case {
    const char* text;
    const char* path;
    const char* reason;
  };
  for (const Case& c : {
           Case{R"({"a":{"b":1e999}})", "a.b", "number 1e999 is beyond the range of a double"},
           Case{R"({"a":[1,"x",{},-9E+9999]})", "a[3]",
                "number -9E+9999 is beyond the range of a double"},
           Case{R"([[0],[1,2,1e400]])", "[1][2]", "number 1e400 is beyond the range of a double"},
           Case{"1e999", "", "number 1e999 is beyond the range of a double"},
       }) {
    JsonKeyPaths paths;
    try {
      const json j = json::parse(std::string(c.text), StrictJsonCallback<json>(&paths, 8));
      ADD_FAILURE() << c.text << " parsed as " << j.dump();
    } catch (const json::out_of_range& e) {
      EXPECT_EQ(paths.value_path(), c.path) << c.text;
      EXPECT_EQ(json_out_of_range_reason(e.what()), c.reason) << c.text;
    }
  }
  // Other out_of_range messages lose only nlohmann's id; bytes stay printable.
  EXPECT_EQ(json_out_of_range_reason("[json.exception.out_of_range.401] array index 4 is out of "
                                     "range"),
            "array index 4 is out of range");
  EXPECT_EQ(json_out_of_range_reason("number overflow parsing '1e\xff"
                                     "9'"),
            "number 1e?9 is beyond the range of a double");
  EXPECT_EQ(json_out_of_range_reason("[x] number overflow parsing '1\x01'"),
            "number 1? is beyond the range of a double");
  // Not the overflow form (no closing quote): the text as it is.
  EXPECT_EQ(json_out_of_range_reason("number overflow parsing '1"), "number overflow parsing '1");
}

// The word-at-a-time check says what the byte-by-byte definition says: every
// byte value at every position of texts of 0 to 24 bytes, and random texts.
TEST(JsonPlainText, AgreesWithJsonPlainByteEverywhere) {
  auto reference = [](const std::string& t) {
    for (const char c : t) {
      if (!json_plain_byte(static_cast<unsigned char>(c))) return false;
    }
    return true;
  };
  EXPECT_TRUE(json_plain_text(""));
  for (std::size_t len = 1; len <= 24; ++len) {
    for (std::size_t pos = 0; pos < len; ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string t(len, 'a');
        t[pos] = static_cast<char>(b);
        ASSERT_EQ(json_plain_text(t), reference(t))
            << "len " << len << " pos " << pos << " byte " << b;
      }
    }
  }
  // Neighbours that could carry or borrow into each other.
  for (const std::string& t :
       {std::string("\x7f\x7e\x7e\x7e\x7e\x7e\x7e\x7e"), std::string("\xff\x7e~~~~~~~~"),
        std::string("\x1f                "), std::string("~~~~~~~\x7f"), std::string(" !#[]~}\x20"),
        std::string("\x21\x23\x5b\x5d\x7e\x20\x20\x20"), std::string("\x22\x5c", 2)}) {
    EXPECT_EQ(json_plain_text(t), reference(t)) << t;
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string t(rng() % 40, ' ');
    for (char& c : t) c = static_cast<char>(0x1c + rng() % 0x66);  // mostly plain, some not
    ASSERT_EQ(json_plain_text(t), reference(t)) << t;
  }
}

TEST(JsonStrict, SyntaxReasonIsPrintableAscii) {
  EXPECT_EQ(json_syntax_reason("[json.exception.parse_error.101] parse error at line 1, column "
                               "2: bad \x01 byte \xc3\xa9; last read: 'x'"),
            "bad ? byte ??");
  EXPECT_EQ(json_syntax_reason("no column here"), "no column here");
}

TEST(JsonStrict, TypePhrase) {
  EXPECT_EQ(json_type_phrase(json(nullptr)), "null");
  EXPECT_EQ(json_type_phrase(json(true)), "a boolean");
  EXPECT_EQ(json_type_phrase(json("s")), "a string");
  EXPECT_EQ(json_type_phrase(json(-1)), "an integer");
  EXPECT_EQ(json_type_phrase(json(1U)), "an integer");
  EXPECT_EQ(json_type_phrase(json(1.5)), "a number with a fraction or exponent");
  EXPECT_EQ(json_type_phrase(json::object()), "an object");
  EXPECT_EQ(json_type_phrase(json::array()), "an array");
  EXPECT_EQ(json_type_phrase(nlohmann::ordered_json::array()), "an array");
}

// What json_is_plain_sorted_object accepts must come out of nlohmann's
// parse and compact dump unchanged, with either object type.
void expect_dump_is_identity(const std::string& text) {
  SCOPED_TRACE(text);
  EXPECT_EQ(json::parse(text).dump(), text);
  EXPECT_EQ(nlohmann::ordered_json::parse(text).dump(), text);
}

TEST(JsonPlainSortedObject, AcceptsThePlainFormAndItIsNlohmannsOwn) {
  for (const char* text : {
           R"({})",
           R"({"a":1})",
           R"({"cart":"c-1","terminal":"pos-7"})",
           R"({"a":[],"b":{},"c":[1,-2,0,true,false,null,"x"],"d":{"e":{"f":[[{}]]}}})",
           R"({"m":-123456789012345678,"n":123456789012345678})",
           R"({"s":"printable ~!@#$%^&*()_+{}|:<>?/ ascii"})",
           R"({"A":1,"B":2,"a":3,"b":4})",
       }) {
    EXPECT_TRUE(json_is_plain_sorted_object(text)) << text;
    expect_dump_is_identity(text);
  }
}

TEST(JsonPlainSortedObject, RefusesEverythingElse) {
  for (const std::string& text : {
           std::string(),
           std::string("[]"),
           std::string("1"),
           std::string("\"s\""),
           std::string("null"),
           std::string("{"),
           std::string("}"),
           std::string("{}x"),
           std::string("{} "),
           std::string(" {}"),
           std::string("{,}"),
           std::string(R"({"b":1,"a":2})"),  // unsorted: nlohmann's std::map sorts
           std::string(R"({"a":1,"a":2})"),  // twice: the last one wins
           std::string(R"({"a":1, "b":2})"),
           std::string(R"({"a" :1})"),
           std::string(R"({"a":1 })"),
           std::string(R"({"a":"\u00e9"})"),  // escapes: dumped differently
           std::string(R"({"a":"\/"})"),
           std::string("{\"a\":\"caf\xc3\xa9\"}"),  // UTF-8: fine, but left to nlohmann
           std::string("{\"a\":\"\x7f\"}"),
           std::string("{\"a\":\"\t\"}"),
           std::string("{\"a\":\"x\0y\"}", 11),
           std::string(R"({"a":1.0})"),
           std::string(R"({"a":1e2})"),
           std::string(R"({"a":-0})"),
           std::string(R"({"a":01})"),
           std::string(R"({"a":-})"),
           std::string(R"({"a":1234567890123456789})"),  // more than 18 digits
           std::string(R"({"a":tru})"),
           std::string(R"({"a":nul})"),
           std::string(R"({"a":True})"),
           std::string(R"({"a":1,})"),
           std::string(R"({"a":[1,]})"),
           std::string(R"({"a":[1 2]})"),
           std::string(R"({"a"})"),
           std::string(R"({"a":})"),
           std::string(R"({1:2})"),
           std::string(R"({"a":1}})"),
       }) {
    EXPECT_FALSE(json_is_plain_sorted_object(text)) << text;
  }
  std::string deep = R"({"a":)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}";
  EXPECT_FALSE(json_is_plain_sorted_object(deep));
}

TEST(JsonPlainSortedObject, RandomTextsItAcceptsAreNlohmannsDump) {
  // Texts spliced from tokens, well-formed or not: whenever the check says
  // yes, nlohmann must parse the text and dump the same bytes.
  const std::vector<std::string> tokens = {
      "{",       "}",     "[",      "]",    ",", ":",       R"("a")",      R"("b")",
      R"("ab")", R"("")", R"("B")", "0",    "1", "-1",      "12",          "-0",
      "1.5",     "true",  "false",  "null", " ", R"("\n")", "\"\xc3\xa9\""};
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int accepted = 0;
  for (int n = 0; n < 200000; ++n) {
    std::string text = "{";
    const std::size_t length = next() % 12;
    for (std::size_t i = 0; i < length; ++i) text += tokens[next() % tokens.size()];
    text += "}";
    if (!json_is_plain_sorted_object(text)) continue;
    ++accepted;
    const json parsed = json::parse(text, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << text;
    ASSERT_EQ(parsed.dump(), text);
    ASSERT_EQ(nlohmann::ordered_json::parse(text).dump(), text);
  }
  EXPECT_GT(accepted, 100);  // the property was tried on many texts
}

}  // namespace
}  // namespace usd1pay

namespace usd1pay {
namespace {

struct ValidateCase {
  std::string text;
  JsonTextKind kind;
};

std::vector<ValidateCase> validate_cases() {
  using K = JsonTextKind;
  std::vector<ValidateCase> cases = {
      // well-formed, every kind at the top, whitespace around
      {R"({"id":"evt_1","data":{"a":[1,2.5,-0.5e-3,true,false,null,{}],"b":""}})", K::kObject},
      {" \t\r\n{ \"a\" : [ 1 , { } , [ ] ] }\n", K::kObject},
      {"[]", K::kArray},
      {"[[[]],[{}]]", K::kArray},
      {R"("text")", K::kString},
      {"0", K::kNumber},
      {"-0", K::kNumber},
      {"-12.50e+3", K::kNumber},
      {"1E-7", K::kNumber},
      {"true", K::kBoolean},
      {"false", K::kBoolean},
      {"null", K::kNull},
      // every escape, a surrogate pair, UTF-8 of 2, 3 and 4 bytes
      {R"("\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00 \u0000")", K::kString},
      {"\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xED\x9F\xBF \xEE\x80\x80 \xF4\x8F\xBF\xBF\"",
       K::kString},
      {R"({"a":1,"a":2})", K::kObject},  // a key twice is well-formed JSON
      // numbers at the edge of a double
      {"1e308", K::kNumber},
      {"1.7976931348623157e308", K::kNumber},
      {"1.7976931348623158e308", K::kNumber},  // rounds down to DBL_MAX
      {"-1.7976931348623157E+308", K::kNumber},
      {"1" + std::string(308, '0'), K::kNumber},
      {"0." + std::string(400, '0') + "1e400", K::kNumber},
      {"1e-999", K::kNumber},
      {"0e99999999999999999999", K::kNumber},
      {"0.000e400", K::kNumber},
      // refused
      {"", K::kInvalid},
      {"  ", K::kInvalid},
      {"{", K::kInvalid},
      {"}", K::kInvalid},
      {"[1,]", K::kInvalid},
      {R"({"a":1,})", K::kInvalid},
      {R"({"a" 1})", K::kInvalid},
      {R"({a:1})", K::kInvalid},
      {R"({1:1})", K::kInvalid},
      {"[1 2]", K::kInvalid},
      {"{} {}", K::kInvalid},
      {"[]]", K::kInvalid},
      {"[}", K::kInvalid},
      {"01", K::kInvalid},
      {"-", K::kInvalid},
      {"1.", K::kInvalid},
      {".5", K::kInvalid},
      {"1e", K::kInvalid},
      {"1e+", K::kInvalid},
      {"+1", K::kInvalid},
      {"NaN", K::kInvalid},
      {"-Infinity", K::kInvalid},
      {"tru", K::kInvalid},
      {"nul", K::kInvalid},
      {"True", K::kInvalid},
      {"\"open", K::kInvalid},
      {"\"sixteen plain by", K::kInvalid},  // ends inside a run of plain bytes
      {"[\"abcdefgh", K::kInvalid},
      {"\"tab\there\"", K::kInvalid},
      {std::string("\"nul\0byte\"", 10), K::kInvalid},
      {std::string("[1]\0", 4), K::kInvalid},
      {R"("\x")", K::kInvalid},
      {R"("\u12")", K::kInvalid},
      {R"("\u12G4")", K::kInvalid},
      {R"("\uD800")", K::kInvalid},
      {R"("\uDC00")", K::kInvalid},
      {R"("\uD800\u0041")", K::kInvalid},
      {R"("\uD800x")", K::kInvalid},
      {"\"\xC0\x80\"", K::kInvalid},          // overlong NUL
      {"\"\xC1\xBF\"", K::kInvalid},          // overlong
      {"\"\xE0\x80\x80\"", K::kInvalid},      // overlong
      {"\"\xED\xA0\x80\"", K::kInvalid},      // a surrogate in UTF-8
      {"\"\xF0\x80\x80\x80\"", K::kInvalid},  // overlong
      {"\"\xF4\x90\x80\x80\"", K::kInvalid},  // beyond U+10FFFF
      {"\"\xF5\x80\x80\x80\"", K::kInvalid},
      {"\"\x80\"", K::kInvalid},  // a continuation byte alone
      {"\"\xC3\"", K::kInvalid},  // cut short
      {"\"\xE2\x82\"", K::kInvalid},
      {"\"\xFF\"", K::kInvalid},
      {"1e309", K::kInvalid},
      {"-1e999", K::kInvalid},
      {"1.7976931348623159e308", K::kInvalid},  // rounds up to infinity
      {"1" + std::string(309, '0'), K::kInvalid},
      {"-" + std::string(400, '9'), K::kInvalid},
      {"1e99999999999999999999", K::kInvalid},
      {"[1e309]", K::kInvalid},
  };
  return cases;
}

TEST(JsonValidate, NamesTheKindOrRefusesAsNlohmannDoes) {
  for (const ValidateCase& c : validate_cases()) {
    EXPECT_EQ(json_validate(c.text), c.kind) << "'" << c.text << "'";
    // The same answer as nlohmann's accept (which stops reading at a NUL
    // byte: see the next test).
    if (c.text.find('\0') == std::string::npos) {
      const bool theirs = nlohmann::json::accept(c.text);
      EXPECT_EQ(theirs, c.kind != JsonTextKind::kInvalid) << "nlohmann on '" << c.text << "'";
    }
    // Every proper prefix of a well-formed object or array is refused.
    if (c.kind == JsonTextKind::kObject || c.kind == JsonTextKind::kArray) {
      for (std::size_t n = 0; n + 1 < c.text.size(); ++n) {
        const std::string prefix = c.text.substr(0, n);
        if (prefix.find_first_not_of(" \t\r\n") == std::string::npos) continue;
        EXPECT_EQ(json_validate(prefix), JsonTextKind::kInvalid) << "'" << prefix << "'";
      }
    }
  }
}

TEST(JsonValidate, RefusesAByteOrderMarkANulAndNestingPastTheLimit) {
  const std::string bom = "\xEF\xBB\xBF{}";
  EXPECT_TRUE(nlohmann::json::accept(bom));  // nlohmann skips it; we do not
  EXPECT_EQ(json_validate(bom), JsonTextKind::kInvalid);
  // nlohmann's lexer takes a NUL byte for the end of the input, so it
  // accepts a value followed by a NUL and anything at all.
  const std::string nul_tail("[1]\0{{{", 7);
  EXPECT_TRUE(nlohmann::json::accept(nul_tail));
  EXPECT_EQ(json_validate(nul_tail), JsonTextKind::kInvalid);
  EXPECT_EQ(json_validate(std::string_view("[1]\0", 4)), JsonTextKind::kInvalid);

  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  EXPECT_EQ(json_validate(nested(512)), JsonTextKind::kArray);
  EXPECT_EQ(json_validate(nested(513)), JsonTextKind::kInvalid);
  EXPECT_EQ(json_validate(nested(3), 3), JsonTextKind::kArray);
  EXPECT_EQ(json_validate(nested(4), 3), JsonTextKind::kInvalid);
  EXPECT_EQ(json_validate(R"({"a":{"b":{}}})", 3), JsonTextKind::kObject);
  EXPECT_EQ(json_validate(R"({"a":{"b":{"c":1}}})", 2), JsonTextKind::kInvalid);
  // A larger limit is kMaxJsonValidateDepth; nothing deeper is followed.
  EXPECT_EQ(json_validate(nested(kMaxJsonValidateDepth), 1 << 20), JsonTextKind::kArray);
  EXPECT_EQ(json_validate(nested(kMaxJsonValidateDepth + 1), 1 << 20), JsonTextKind::kInvalid);
  // Mixed objects and arrays close in the right order at every depth.
  std::string mixed;
  for (int i = 0; i < 200; ++i) mixed += i % 3 == 0 ? "{\"k\":" : "[";
  mixed += "0";
  for (int i = 199; i >= 0; --i) mixed += i % 3 == 0 ? "}" : "]";
  EXPECT_EQ(json_validate(mixed), JsonTextKind::kObject);
  std::string swapped = mixed;
  swapped[swapped.size() - 2] = swapped[swapped.size() - 2] == ']' ? '}' : ']';
  EXPECT_EQ(json_validate(swapped), JsonTextKind::kInvalid);
}

TEST(JsonValidate, RandomMutationsOfAnEventAgreeWithNlohmann) {
  // Bytes replaced, dropped and inserted at random in a real event body.
  const std::string base =
      R"({"id":"evt_0VbcPBtsADDLEQ1xsPN5yqUc","type":"intent.created","created":"2026-11-21T14:35:22.604Z",)"
      R"("data":{"amount":"25.00","decimals":18,"flags":[],"metadata":{"cart":"c-1","k":"\u00e9"},)"
      R"("reference":null,"ok":true,"rate":-1.5e-3}})";
  ASSERT_EQ(json_validate(base), JsonTextKind::kObject);
  const std::string alphabet = "{}[],:\"\\0123456789-+.eEtrufalsn \x80\xC3\xA9\xED\xF0";
  std::mt19937 rng(20261121);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s = base;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const std::size_t at = rng() % s.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: s[at] = c; break;
        case 1: s.erase(at, 1); break;
        default: s.insert(at, 1, c); break;
      }
    }
    const JsonTextKind mine = json_validate(s);
    ASSERT_EQ(mine != JsonTextKind::kInvalid, nlohmann::json::accept(s)) << s;
    if (mine != JsonTextKind::kInvalid) ++accepted;
  }
  // Both outcomes were exercised.
  EXPECT_GT(accepted, 100);
  EXPECT_LT(accepted, 19000);
}

}  // namespace
}  // namespace usd1pay
