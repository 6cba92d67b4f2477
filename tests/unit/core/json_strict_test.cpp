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
