// PaymentIntent <-> IntentRow, the intent's JSON, timestamps, the QR helper,
// and rows that hold what usd1pay never writes.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "usd1pay/intent.h"

namespace usd1pay {
namespace {

using namespace std::chrono_literals;

IntentRow sample_row() {
  IntentRow row;
  row.id = "pi_" + std::string(24, 'Q');
  row.order_id = "caf\xc3\xa9-42";
  row.status = "processing";
  row.chain = "eip155:8453";
  row.token_symbol = "USD1";
  row.token_contract = "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA";
  row.token_decimals = 18;
  row.amount = "25.10";
  row.currency = "USD";
  row.amount_base_units = "25100000000000000000";
  row.strategy = "xpub";
  row.deposit_address = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
  row.deposit_index = 4294967295U;
  row.payment_uri = "ethereum:x";
  row.metadata_json = R"({"a":[1,2],"b":"x"})";
  row.idempotency_key = "k";
  row.request_hash = std::string(64, 'f');
  row.flags_json = R"(["overpaid","wrong_network"])";
  row.created_at_ms = -1;  // 1969-12-31T23:59:59.999Z
  row.updated_at_ms = 1800000000007;
  row.expires_at_ms = 1800000900000;
  row.version = 9;
  return row;
}

void expect_rows_equal(const IntentRow& a, const IntentRow& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.order_id, b.order_id);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.chain, b.chain);
  EXPECT_EQ(a.token_symbol, b.token_symbol);
  EXPECT_EQ(a.token_contract, b.token_contract);
  EXPECT_EQ(a.token_decimals, b.token_decimals);
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.currency, b.currency);
  EXPECT_EQ(a.amount_base_units, b.amount_base_units);
  EXPECT_EQ(a.strategy, b.strategy);
  EXPECT_EQ(a.deposit_address, b.deposit_address);
  EXPECT_EQ(a.deposit_index, b.deposit_index);
  EXPECT_EQ(a.reference, b.reference);
  EXPECT_EQ(a.payment_uri, b.payment_uri);
  EXPECT_EQ(a.metadata_json, b.metadata_json);
  EXPECT_EQ(a.idempotency_key, b.idempotency_key);
  EXPECT_EQ(a.request_hash, b.request_hash);
  EXPECT_EQ(a.flags_json, b.flags_json);
  EXPECT_EQ(a.created_at_ms, b.created_at_ms);
  EXPECT_EQ(a.updated_at_ms, b.updated_at_ms);
  EXPECT_EQ(a.expires_at_ms, b.expires_at_ms);
  EXPECT_EQ(a.version, b.version);
}

TEST(IntentModelTest, RowRoundTripsExactly) {
  const IntentRow row = sample_row();
  auto intent = intent_from_row(row);
  ASSERT_TRUE(intent.ok()) << intent.status().message();
  EXPECT_EQ(intent->status, IntentStatus::kProcessing);
  EXPECT_EQ(intent->chain.to_string(), "eip155:8453");
  EXPECT_EQ(intent->amount.base_units().to_decimal(), "2510");
  EXPECT_EQ(intent->amount_due.decimals(), 18U);
  EXPECT_EQ(intent->strategy, DepositStrategy::kXpub);
  EXPECT_EQ(intent->flags.size(), 2U);
  EXPECT_EQ(intent->flags.count(IntentFlag::kOverpaid), 1U);
  EXPECT_EQ(intent->created_at, TimePoint(-1ms));
  expect_rows_equal(intent_to_row(*intent), row);

  IntentRow minimal = sample_row();
  minimal.deposit_index.reset();
  minimal.idempotency_key.reset();
  minimal.flags_json = "[]";
  minimal.strategy = "reference";
  minimal.reference = "ref";
  auto again = intent_from_row(minimal);
  ASSERT_TRUE(again.ok());
  expect_rows_equal(intent_to_row(*again), minimal);
}

TEST(IntentModelTest, JsonHasEveryFieldInItsForm) {
  const auto intent = *intent_from_row(sample_row());
  const auto j = nlohmann::json::parse(intent_to_json(intent));
  EXPECT_EQ(j["id"], "pi_" + std::string(24, 'Q'));
  EXPECT_EQ(j["object"], "payment_intent");
  EXPECT_EQ(j["status"], "processing");
  EXPECT_EQ(j["order_id"], "caf\xc3\xa9-42");
  EXPECT_EQ(j["amount"], "25.10");
  EXPECT_EQ(j["currency"], "USD");
  EXPECT_EQ(j["amount_base_units"], "25100000000000000000");
  EXPECT_EQ(j["amount_due"], "25.10");
  EXPECT_EQ(j["chain"], "eip155:8453");
  EXPECT_EQ(j["token"], "USD1");
  EXPECT_EQ(j["token_contract"], "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA");
  EXPECT_EQ(j["decimals"], 18);
  EXPECT_EQ(j["strategy"], "xpub");
  EXPECT_EQ(j["deposit_address"], "0x8ba1f109551bD432803012645Ac136ddd64DBA72");
  EXPECT_EQ(j["deposit_index"], 4294967295U);
  EXPECT_TRUE(j["reference"].is_null());
  EXPECT_EQ(j["payment_uri"], "ethereum:x");
  EXPECT_EQ(j["created_at"], "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(j["updated_at"], "2027-01-15T08:00:00.007Z");
  EXPECT_EQ(j["expires_at"], "2027-01-15T08:15:00.000Z");
  EXPECT_EQ(j["metadata"], nlohmann::json::parse(R"({"a":[1,2],"b":"x"})"));
  EXPECT_EQ(j["idempotency_key"], "k");
  EXPECT_EQ(j["flags"], nlohmann::json::parse(R"(["overpaid","wrong_network"])"));
  EXPECT_EQ(j["version"], 9);

  IntentRow bare = sample_row();
  bare.deposit_index.reset();
  bare.idempotency_key.reset();
  bare.reference = "r";
  bare.flags_json = "[]";
  const auto k = nlohmann::json::parse(intent_to_json(*intent_from_row(bare)));
  EXPECT_TRUE(k["deposit_index"].is_null());
  EXPECT_TRUE(k["idempotency_key"].is_null());
  EXPECT_EQ(k["reference"], "r");
  EXPECT_EQ(k["flags"], nlohmann::json::array());
}

// intent_to_json as it was first written: the fields in an ordered_json,
// dumped by nlohmann. The intent's JSON is part of hash-chained event data,
// so the hand-written one must give exactly these bytes for every intent.
std::string reference_intent_json(const PaymentIntent& intent) {
  nlohmann::ordered_json j;
  j["id"] = intent.id;
  j["object"] = "payment_intent";
  j["status"] = intent_status_name(intent.status);
  j["order_id"] = intent.order_id;
  j["amount"] = intent.amount.to_string_fixed(kFiatDecimals);
  j["currency"] = intent.currency;
  j["amount_base_units"] = intent.amount_due.base_units().to_decimal();
  j["amount_due"] = intent.amount_due.to_string_fixed(kFiatDecimals);
  j["chain"] = intent.chain.to_string();
  j["token"] = intent.token_symbol;
  j["token_contract"] = intent.token_contract;
  j["decimals"] = intent.token_decimals;
  j["strategy"] = deposit_strategy_name(intent.strategy);
  j["deposit_address"] = intent.deposit_address;
  if (intent.deposit_index) {
    j["deposit_index"] = *intent.deposit_index;
  } else {
    j["deposit_index"] = nullptr;
  }
  if (intent.reference.empty()) {
    j["reference"] = nullptr;
  } else {
    j["reference"] = intent.reference;
  }
  j["payment_uri"] = intent.payment_uri;
  j["created_at"] = format_intent_time(intent.created_at);
  j["updated_at"] = format_intent_time(intent.updated_at);
  j["expires_at"] = format_intent_time(intent.expires_at);
  nlohmann::ordered_json metadata =
      nlohmann::ordered_json::parse(intent.metadata_json, nullptr, false);
  if (!metadata.is_object()) metadata = nlohmann::ordered_json::object();
  j["metadata"] = std::move(metadata);
  if (intent.idempotency_key) {
    j["idempotency_key"] = *intent.idempotency_key;
  } else {
    j["idempotency_key"] = nullptr;
  }
  nlohmann::ordered_json flags = nlohmann::ordered_json::array();
  for (const IntentFlag f : intent.flags) flags.push_back(intent_flag_name(f));
  j["flags"] = std::move(flags);
  j["version"] = intent.version;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

TEST(IntentModelTest, JsonBytesAreNlohmannsDumpOfTheFields) {
  const PaymentIntent base = *intent_from_row(sample_row());
  EXPECT_EQ(intent_to_json(base), reference_intent_json(base));
  // Strings that need escapes, UTF-8, bytes that are not UTF-8 (replaced by
  // U+FFFD), DEL, and metadata in every form a row may hold.
  const std::vector<std::string> strings = {
      "",
      "plain-ascii ~!@#$%^&*()_+{}|:<>?/",
      "quote\"inside",
      "back\\slash",
      "ends with a backslash\\",
      std::string("nul\0byte", 8),
      "tab\tnew\nline\rcr\bbs\ffeed",
      "\x01\x1f control",
      "del\x7f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      "bad \xff utf-8",
      "truncated \xe2\x82",
      "\xc3",
      "overlong \xc0\xaf and surrogate \xed\xa0\x80",
      "</script>",
  };
  const std::vector<std::string> metadata = {
      "{}",
      "",
      "[]",
      "not json",
      "{\"a\":1",
      R"({"b":"x","a":[1,2.5,-3e2,true,null],"c":{"d":{}}})",
      R"({ "spaced" : "out" , "n" : 1.0 })",
      R"({"esc":"\u00e9\n\"\\\/","big":18446744073709551615,"neg":-9223372036854775808})",
      "{\"raw\":\"caf\xc3\xa9\"}",
      "{\"dup\":1,\"dup\":2}",
      "42",
  };
  for (const std::string& s : strings) {
    PaymentIntent i = base;
    i.id = s;
    i.order_id = s;
    i.token_symbol = s;
    i.token_contract = s;
    i.deposit_address = s;
    i.reference = s;
    i.payment_uri = s;
    i.idempotency_key = s;
    i.currency = s;
    EXPECT_EQ(intent_to_json(i), reference_intent_json(i)) << "string " << s;
  }
  for (const std::string& m : metadata) {
    PaymentIntent i = base;
    i.metadata_json = m;
    EXPECT_EQ(intent_to_json(i), reference_intent_json(i)) << "metadata " << m;
  }
  PaymentIntent bare = base;
  bare.deposit_index.reset();
  bare.idempotency_key.reset();
  bare.reference.clear();
  bare.flags.clear();
  bare.version = 18446744073709551615ULL;
  bare.token_decimals = 0;
  EXPECT_EQ(intent_to_json(bare), reference_intent_json(bare));
  bare.deposit_index = 0;
  bare.flags = {IntentFlag::kOverpaid};
  EXPECT_EQ(intent_to_json(bare), reference_intent_json(bare));
  // Every byte value in each position of a short string.
  for (int b = 0; b < 256; ++b) {
    PaymentIntent i = base;
    i.order_id = std::string("a") + static_cast<char>(b) + "z";
    EXPECT_EQ(intent_to_json(i), reference_intent_json(i)) << "byte " << b;
  }
}

TEST(IntentModelTest, TimesHaveExactMilliseconds) {
  EXPECT_EQ(format_intent_time(TimePoint{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_intent_time(from_unix_seconds(1800000000) + 5ms), "2027-01-15T08:00:00.005Z");
  EXPECT_EQ(format_intent_time(from_unix_seconds(1800000000) + 999999us),
            "2027-01-15T08:00:00.999Z");  // truncated towards the past
  EXPECT_EQ(format_intent_time(TimePoint(-1001ms)), "1969-12-31T23:59:58.999Z");
  auto parsed = parse_iso8601(format_intent_time(from_unix_seconds(1800000000) + 120ms));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, from_unix_seconds(1800000000) + 120ms);
}

TEST(IntentModelTest, RowsUsd1payNeverWritesAreInternalErrorsNamingTheField) {
  const std::vector<std::pair<std::string, std::function<void(IntentRow&)>>> cases = {
      {"status", [](IntentRow& r) { r.status = "paid"; }},
      {"chain", [](IntentRow& r) { r.chain = "eip155"; }},
      {"amount", [](IntentRow& r) { r.amount = "25.123"; }},
      {"currency", [](IntentRow& r) { r.currency = "EUR"; }},
      {"amount_base_units", [](IntentRow& r) { r.amount_base_units = "-5"; }},
      {"token_decimals", [](IntentRow& r) { r.token_decimals = 39; }},
      {"strategy", [](IntentRow& r) { r.strategy = "magic"; }},
      {"flags", [](IntentRow& r) { r.flags_json = "{}"; }},
      {"flags", [](IntentRow& r) { r.flags_json = "[1]"; }},
      {"flags", [](IntentRow& r) { r.flags_json = R"(["underpaid"])"; }},
      {"flags", [](IntentRow& r) { r.flags_json = "not json"; }},
  };
  for (const auto& [field, change] : cases) {
    IntentRow row = sample_row();
    change(row);
    auto r = intent_from_row(row);
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_EQ(r.status().code(), ErrorCode::kInternal) << field;
    EXPECT_EQ(r.status().message().rfind("intent: stored row " + row.id + ": " + field + ": ", 0),
              0U)
        << r.status().message();
  }
}

TEST(IntentModelTest, QrEncodesThePaymentUri) {
  auto intent = *intent_from_row(sample_row());
  intent.payment_uri =
      "ethereum:0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA@8453/transfer?address="
      "0x8ba1f109551bD432803012645Ac136ddd64DBA72&uint256=25100000000000000000";
  auto qr = intent_qr(intent);
  ASSERT_TRUE(qr.ok()) << qr.status().message();
  EXPECT_EQ(*qr, *encode_qr(intent.payment_uri));
  auto high = intent_qr(intent, QrErrorCorrection::kHigh);
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(high->error_correction(), QrErrorCorrection::kHigh);
  intent.payment_uri.clear();
  EXPECT_EQ(intent_qr(intent).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace usd1pay
