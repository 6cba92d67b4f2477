// Strict JSON parsing: a key twice in one object and nesting past the limit
// stop the parse with the path of the place; everything else parses as
// nlohmann would. The syntax reason is cut out of nlohmann's message.
#include "usd1pay/json_strict.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace
}  // namespace usd1pay
