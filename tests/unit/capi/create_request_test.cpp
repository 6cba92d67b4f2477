// The request of usd1pay_intent_create: the plain reader (compact JSON a
// binding sends) gives exactly the request the strict reader gives, for every
// text it takes; every other text is the strict reader's, with its messages.
#include "capi/create_request.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace usd1pay::capi {
namespace {

constexpr const char* kFn = "intent_create";

void expect_same_request(const CreateIntentRequest& a, const CreateIntentRequest& b) {
  EXPECT_EQ(a.order_id, b.order_id);
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.chain, b.chain);
  EXPECT_EQ(a.token, b.token);
  EXPECT_EQ(a.idempotency_key, b.idempotency_key);
  EXPECT_EQ(a.expires_in_seconds, b.expires_in_seconds);
  EXPECT_EQ(a.metadata_json, b.metadata_json);
  EXPECT_EQ(a.actor, b.actor);
}

// The plain reader takes `text`, and the strict reader reads the same.
void expect_plain(const std::string& text) {
  SCOPED_TRACE(text);
  const auto plain = read_plain_create_request(text);
  ASSERT_TRUE(plain.has_value());
  const auto strict = read_create_request_strict(kFn, text);
  ASSERT_TRUE(strict.ok()) << strict.status().message();
  expect_same_request(*plain, *strict);
  const auto both = read_create_request(kFn, text);
  ASSERT_TRUE(both.ok());
  expect_same_request(*both, *strict);
}

// The plain reader leaves `text` to the strict reader, whose answer
// read_create_request gives unchanged.
void expect_strict(const std::string& text) {
  SCOPED_TRACE(text);
  EXPECT_FALSE(read_plain_create_request(text).has_value());
  const auto strict = read_create_request_strict(kFn, text);
  const auto both = read_create_request(kFn, text);
  ASSERT_EQ(both.ok(), strict.ok());
  if (strict.ok()) {
    expect_same_request(*both, *strict);
  } else {
    EXPECT_EQ(both.status().code(), strict.status().code());
    EXPECT_EQ(both.status().message(), strict.status().message());
  }
}

TEST(CapiCreateRequest, WhatBindingsSendIsReadPlainly) {
  // Python's encoder, the C bench, Node's JSON.stringify: compact, in any
  // key order, null for an absent optional key.
  expect_plain(
      R"({"order_id":"order-1","amount":"25.00","idempotency_key":"key-1","metadata":{"cart":"c-1","terminal":"pos-7"}})");
  expect_plain(R"({"order_id":"o","amount":"1"})");
  expect_plain(R"({"amount":"1","order_id":"o"})");
  expect_plain(
      R"({"order_id":"o","amount":"0.10","chain":"eip155:1337","token":"USD1","idempotency_key":"k-1","actor":"clerk.1","expires_in_seconds":3600,"metadata":{}})");
  expect_plain(
      R"({"order_id":"o","amount":"1","chain":null,"token":null,"idempotency_key":null,"expires_in_seconds":null,"metadata":null,"actor":null})");
  expect_plain(R"({"order_id":"","amount":"","actor":""})");  // empty: the Processor refuses
  expect_plain(R"({"order_id":"o","amount":"1","expires_in_seconds":-5})");
  expect_plain(R"({"order_id":"o","amount":"1","expires_in_seconds":0})");
  expect_plain(R"({"order_id":"o","amount":"1","expires_in_seconds":999999999999999999})");
  expect_plain(
      R"({"order_id":"o","amount":"1","metadata":{"a":[1,-2,true,null,{"b":"c"}],"z":{}}})");
  expect_plain(R"x({"order_id":"a b/c:~!@#$%^&*()","amount":"1"})x");
  // The order id as the value text: a key's name inside a value is no key.
  expect_plain(R"({"order_id":"amount","amount":"order_id"})");
}

TEST(CapiCreateRequest, EverythingElseIsTheStrictReadersWithItsMessages) {
  for (const std::string& text : {
           std::string(),
           std::string("{"),
           std::string("{}"),
           std::string("[]"),
           std::string("null"),
           std::string(R"({"order_id":"o","amount":"1"} )"),
           std::string(R"( {"order_id":"o","amount":"1"})"),
           std::string(R"({"order_id": "o","amount":"1"})"),
           std::string(R"({"order_id":"o","amount":"1",})"),
           std::string(R"({"order_id":"o","amount":"1"}x)"),
           std::string(R"({"order_id":"o","amount":"1"}{})"),
           std::string(R"({"order_id":"o"})"),                // missing amount
           std::string(R"({"order_id":null,"amount":"1"})"),  // null required
           std::string(R"({"order_id":"o","amount":25})"),    // a number: how to write it
           std::string(R"({"order_id":"o","amount":25.5})"),
           std::string(R"({"order_id":"o","amount":"1","amout":"1"})"),     // did you mean
           std::string(R"({"order_id":"o","amount":"1","amount":"100"})"),  // twice
           std::string(R"({"order_id":"o","amount":"1","chain":null,"chain":"x"})"),
           std::string(R"({"order_id":"o","amount":"1","metadata":{"a":1,"a":2}})"),
           std::string(R"({"order_id":"o","amount":"1","metadata":{"b":1,"a":2}})"),  // unsorted
           std::string(R"({"order_id":"o","amount":"1","metadata":{"a":1.5}})"),
           std::string(R"({"order_id":"o","amount":"1","metadata":{"a":"\u00e9"}})"),
           std::string(R"({"order_id":"o","amount":"1","metadata":[]})"),
           std::string(R"({"order_id":"o","amount":"1","metadata":"{}"})"),
           std::string(R"({"order_id":"o\n","amount":"1"})"),  // escapes
           std::string(R"({"order_id":"o\"","amount":"1"})"),
           std::string(R"({"order_id":"o\/","amount":"1"})"),
           std::string("{\"order_id\":\"caf\xc3\xa9\",\"amount\":\"1\"}"),  // UTF-8
           std::string("{\"order_id\":\"bad\xff\",\"amount\":\"1\"}"),
           std::string("{\"order_id\":\"tab\t\",\"amount\":\"1\"}"),
           std::string(R"({"order_id":"o","amount":"1","expires_in_seconds":1.5})"),
           std::string(R"({"order_id":"o","amount":"1","expires_in_seconds":1e3})"),
           std::string(R"({"order_id":"o","amount":"1","expires_in_seconds":-0})"),
           std::string(R"({"order_id":"o","amount":"1","expires_in_seconds":01})"),
           std::string(R"({"order_id":"o","amount":"1","expires_in_seconds":"60"})"),
           std::string(R"({"order_id":"o","amount":"1","expires_in_seconds":9223372036854775807})"),
           std::string(R"({"order_id":"o","amount":"1","expires_in_seconds":9223372036854775808})"),
           std::string(R"({"order_id":"o","amount":"1","expires_in_seconds":true})"),
           std::string(R"({"order_id":"o","amount":"1","actor":7})"),
           std::string(R"({"order_id":"o","amount":"1","chain":["x"]})"),
           std::string(R"({"order_id":"o","amount":"1","token":nul})"),
           std::string(R"({"order_id":"o","amount":"1","token":nulll})"),
           std::string(R"({"order_id":"o","amount":"1"))"),
           std::string(R"({"order_id":"o","amount":"1")"),
           std::string(R"({"order_id":"o","amount":"1)"),
           std::string(R"({"order_id""o","amount":"1"})"),
           std::string(R"({"order_id":"o","amount":"1","expires_in_seconds":1e999})"),
           std::string(R"({"order_id":-8888888888888888888E888})"),
       }) {
    expect_strict(text);
  }
  // Past the plain reader's size (64 KiB): the strict reader's, even plain.
  const std::string big_id(70 * 1024, 'x');
  expect_strict(R"({"order_id":")" + big_id + R"(","amount":"1"})");
  // The strict reader's messages are what callers see.
  auto twice = read_create_request(kFn, R"({"order_id":"o","amount":"1","amount":"2"})");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "intent_create: request_json: duplicate key 'amount'");
  // A number beyond a double is bad input, not an internal error (libFuzzer
  // found it: nlohmann throws out_of_range, not parse_error).
  auto huge =
      read_create_request(kFn, R"({"order_id":"o","amount":"1","expires_in_seconds":-1e999})");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(huge.status().message(),
            "intent_create: request_json: 'expires_in_seconds': number -1e999 is beyond the "
            "range of a double");
  auto typo = read_create_request(kFn, R"({"order_id":"o","amout":"1"})");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("unknown key 'amout' (did you mean 'amount'?)"),
            std::string::npos)
      << typo.status().message();
}

TEST(CapiCreateRequest, RandomTextsThePlainReaderTakesReadTheSameStrictly) {
  // Texts spliced from request pieces, well-formed or not: whenever the plain
  // reader takes one, the strict reader must read the same request.
  const std::vector<std::string> pieces = {"{",
                                           "}",
                                           ",",
                                           ":",
                                           "[",
                                           "]",
                                           "\"order_id\"",
                                           "\"amount\"",
                                           "\"chain\"",
                                           "\"token\"",
                                           "\"idempotency_key\"",
                                           "\"expires_in_seconds\"",
                                           "\"metadata\"",
                                           "\"actor\"",
                                           "\"o\"",
                                           "\"25.00\"",
                                           "\"\"",
                                           "\"a\"",
                                           "\"b\"",
                                           "null",
                                           "true",
                                           "0",
                                           "-1",
                                           "60",
                                           "1.5",
                                           " ",
                                           "\"\\n\"",
                                           "{\"a\":1}",
                                           "{}",
                                           "{\"b\":[1]}"};
  std::uint64_t state = 0x2545f4914f6cdd1dULL;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int taken = 0;
  for (int n = 0; n < 300000; ++n) {
    // Most texts start as a valid request and get one to three pieces
    // spliced in; the rest are pieces alone.
    std::string text;
    if (n % 2 == 0) {
      // Members: a key piece, ':', a value piece, most of them well placed.
      text = R"({"order_id":"o","amount":"1")";
      const std::size_t count = next() % 5;
      for (std::size_t i = 0; i < count; ++i) {
        text += ",";
        text += pieces[6 + next() % 8];  // a key
        text += ":";
        text += pieces[14 + next() % (pieces.size() - 14)];  // a value
      }
      if (next() % 8 == 0) text.insert(next() % text.size(), pieces[next() % pieces.size()]);
      text += "}";
    } else {
      text = (n % 4 == 1) ? R"({"order_id":"o","amount":"1")" : "{";
      const std::size_t count = 1 + next() % 8;
      for (std::size_t i = 0; i < count; ++i) text += pieces[next() % pieces.size()];
      if (next() % 2 == 0) text += "}";
    }
    const auto plain = read_plain_create_request(text);
    if (!plain) continue;
    ++taken;
    const auto strict = read_create_request_strict(kFn, text);
    ASSERT_TRUE(strict.ok()) << text << ": " << strict.status().message();
    SCOPED_TRACE(text);
    expect_same_request(*plain, *strict);
    if (HasFailure()) return;
  }
  EXPECT_GT(taken, 1000);  // the property was tried on many texts
}

}  // namespace
}  // namespace usd1pay::capi
