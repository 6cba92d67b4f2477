// Processor against a trompeloeil MockStore and a ManualClock: creation with
// every strategy and every validation error, idempotency answers from the
// store, cancellation from every status, the expiry sweep at its exact
// boundary, and the argument checks of the read calls.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <gtest/trompeloeil.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "usd1pay/address.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hd.h"
#include "usd1pay/id.h"
#include "usd1pay/intent.h"
#include "usd1pay/mocks/store_mock.h"
#include "usd1pay/request.h"

namespace usd1pay {
namespace {

using trompeloeil::_;
using namespace std::chrono_literals;

// BIP-32 test vector 1, chain m (public).
constexpr const char* kXpub =
    "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TM"
    "g7usUDFdp6W1EGMcet8";

std::array<std::uint8_t, 20> bytes20(std::uint8_t seed) {
  std::array<std::uint8_t, 20> b{};
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

std::string solana_address(std::uint8_t seed) {
  std::array<std::uint8_t, 32> b{};
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(seed + i * 3);
  return base58_encode(b);
}

const std::string& evm_token() {
  static const std::string a = evm_checksum_address(bytes20(1));
  return a;
}

Config test_config() {
  Config c;
  c.source = "<test>";
  ChainConfig evm;
  evm.id = *ChainId::parse("eip155:1");
  evm.family = ChainFamily::kEvm;
  evm.backend = "sim";
  evm.tokens = {{"USD1", evm_token(), 18},
                {"SIX", evm_checksum_address(bytes20(2)), 6},
                {"ONE", evm_checksum_address(bytes20(3)), 1},
                {"ZERO", evm_checksum_address(bytes20(4)), 0}};
  evm.strategy = DepositStrategy::kXpub;
  evm.xpub = kXpub;
  evm.derivation_path = "0";
  ChainConfig sol;
  sol.id = *ChainId::parse("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp");
  sol.family = ChainFamily::kSolana;
  sol.backend = "sim";
  sol.tokens = {{"USD1", solana_address(9), 6}};
  sol.strategy = DepositStrategy::kReference;
  sol.merchant_address = solana_address(40);
  ChainConfig tron;
  tron.id = *ChainId::parse("tron:0x2b6653dc");
  tron.family = ChainFamily::kTron;
  tron.backend = "sim";
  tron.tokens = {{"USD1", tron_address_from_account(bytes20(5)), 18}};
  tron.strategy = DepositStrategy::kStatic;
  tron.merchant_address = tron_address_from_account(bytes20(6));
  c.chains = {evm, sol, tron};
  c.default_chain = "eip155:1";
  c.default_token = "USD1";
  c.default_expiry_seconds = 900;
  c.metadata_max_bytes = 64;
  c.actor = "api";
  return c;
}

const TimePoint kStart = from_unix_seconds(1800000000) + 123ms;

// What the real store does on a fresh insert: returns the row, version 1.
Result<CreateIntentResult> inserted(const CreateIntentParams& p) {
  CreateIntentResult r;
  r.intent = p.intent;
  r.intent.version = 1;
  r.created = true;
  return r;
}

class ProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override { open(test_config()); }

  void open(Config config) {
    ProcessorOptions o;
    o.config = std::move(config);
    o.store = store_;
    o.clock = clock_;
    auto p = Processor::open(std::move(o));
    ASSERT_TRUE(p.ok()) << p.status().message();
    processor_ = std::move(*p);
  }

  CreateIntentRequest request() const {
    CreateIntentRequest r;
    r.order_id = "order-1";
    r.amount = "25.00";
    return r;
  }

  std::shared_ptr<mocks::MockStore> store_ = std::make_shared<mocks::MockStore>();
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kStart);
  std::unique_ptr<Processor> processor_;
};

// ---------------------------------------------------------------- creation

TEST_F(ProcessorTest, CreatesAnXpubIntentWithItsEventInOneStoreCall) {
  CreateIntentParams seen;
  REQUIRE_CALL(*store_, allocate_deposit_index(_))
      .WITH(_1.chain == "eip155:1" && _1.key_id.rfind("xpub:", 0) == 0 &&
            _1.key_id.size() == 5 + 32 + 2 && _1.key_id.substr(37) == "/0")
      .RETURN(Result<std::uint32_t>(7U));
  REQUIRE_CALL(*store_, create_intent(_)).LR_SIDE_EFFECT(seen = _1).LR_RETURN(inserted(_1));

  auto r = processor_->create_intent(request());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto expected_address = ExtendedPublicKey::parse(kXpub)->derive_path("0/7")->evm_address();
  EXPECT_EQ(r->status, IntentStatus::kRequiresPayment);
  EXPECT_EQ(validate_id(r->id, "pi_"), Status());
  EXPECT_EQ(r->order_id, "order-1");
  EXPECT_EQ(r->deposit_address, expected_address);
  ASSERT_TRUE(r->deposit_index.has_value());
  EXPECT_EQ(*r->deposit_index, 7U);
  EXPECT_EQ(r->reference, "");
  EXPECT_EQ(r->strategy, DepositStrategy::kXpub);
  EXPECT_EQ(r->amount.to_string_fixed(2), "25.00");
  EXPECT_EQ(r->amount_due.base_units().to_decimal(), "25000000000000000000");
  EXPECT_EQ(r->amount_due.decimals(), 18U);
  EXPECT_EQ(r->token_symbol, "USD1");
  EXPECT_EQ(r->token_contract, evm_token());
  EXPECT_EQ(r->payment_uri, "ethereum:" + evm_token() + "@1/transfer?address=" + expected_address +
                                "&uint256=25000000000000000000");
  EXPECT_EQ(r->created_at, kStart);
  EXPECT_EQ(r->updated_at, kStart);
  EXPECT_EQ(r->expires_at, kStart + 900s);
  EXPECT_EQ(r->metadata_json, "{}");
  EXPECT_FALSE(r->idempotency_key.has_value());
  EXPECT_EQ(r->request_hash.size(), 64U);
  EXPECT_EQ(r->version, 1U);

  // The event: intent.created by the config's actor, at creation time, with
  // the intent as its data.
  EXPECT_EQ(seen.created.type, "intent.created");
  EXPECT_EQ(seen.created.actor, "api");
  EXPECT_EQ(seen.created.created_at_ms, 1800000000123);
  EXPECT_EQ(validate_id(seen.created.id, "evt_"), Status());
  EXPECT_EQ(seen.created.data_json, "{\"intent\":" + intent_to_json(*r) + "}");
  const auto data = nlohmann::json::parse(seen.created.data_json)["intent"];
  EXPECT_EQ(data["deposit_address"], expected_address);
  EXPECT_EQ(data["expires_at"], "2027-01-15T08:15:00.123Z");
  EXPECT_EQ(seen.intent.status, "requires_payment");
  EXPECT_EQ(seen.intent.amount, "25.00");
  EXPECT_EQ(seen.intent.currency, "USD");
}

TEST_F(ProcessorTest, CreatesAReferenceIntentWithoutAnIndex) {
  FORBID_CALL(*store_, allocate_deposit_index(_));
  REQUIRE_CALL(*store_, create_intent(_)).LR_RETURN(inserted(_1));
  auto req = request();
  req.chain = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
  req.amount = "1.5";
  auto r = processor_->create_intent(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->strategy, DepositStrategy::kReference);
  EXPECT_EQ(r->deposit_address, solana_address(40));
  EXPECT_FALSE(r->deposit_index.has_value());
  auto ref = base58_decode(r->reference);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->size(), 32U);
  EXPECT_EQ(r->amount_due.base_units().to_decimal(), "1500000");
  auto uri = parse_solana_pay(r->payment_uri);
  ASSERT_TRUE(uri.ok()) << r->payment_uri;
  EXPECT_EQ(uri->recipient, solana_address(40));
  EXPECT_EQ(uri->spl_token, solana_address(9));
  EXPECT_EQ(uri->amount, "1.5");
  ASSERT_EQ(uri->references.size(), 1U);
  EXPECT_EQ(uri->references[0], r->reference);
}

TEST_F(ProcessorTest, ReferencesAreFreshPerIntent) {
  FORBID_CALL(*store_, allocate_deposit_index(_));
  ALLOW_CALL(*store_, create_intent(_)).LR_RETURN(inserted(_1));
  auto req = request();
  req.chain = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
  auto a = processor_->create_intent(req);
  auto b = processor_->create_intent(req);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->reference, b->reference);
  EXPECT_NE(a->id, b->id);
}

TEST_F(ProcessorTest, CreatesAStaticIntentOnTron) {
  FORBID_CALL(*store_, allocate_deposit_index(_));
  REQUIRE_CALL(*store_, create_intent(_)).LR_RETURN(inserted(_1));
  auto req = request();
  req.chain = "tron:0x2b6653dc";
  req.token = "USD1";
  req.expires_in_seconds = 60;
  auto r = processor_->create_intent(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->deposit_address, tron_address_from_account(bytes20(6)));
  EXPECT_EQ(r->payment_uri, r->deposit_address);
  EXPECT_EQ(r->expires_at, kStart + 60s);
}

TEST_F(ProcessorTest, XpubOnTronGivesTheTronSpellingOfTheDerivedKey) {
  Config c = test_config();
  c.chains[2].strategy = DepositStrategy::kXpub;
  c.chains[2].xpub = kXpub;
  c.chains[2].derivation_path = "";
  c.chains[2].merchant_address.clear();
  open(c);
  REQUIRE_CALL(*store_, allocate_deposit_index(_))
      .WITH(_1.chain == "tron:0x2b6653dc" && _1.key_id.substr(37) == "/")
      .RETURN(Result<std::uint32_t>(3U));
  REQUIRE_CALL(*store_, create_intent(_)).LR_RETURN(inserted(_1));
  auto req = request();
  req.chain = "tron:0x2b6653dc";
  auto r = processor_->create_intent(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->deposit_address, ExtendedPublicKey::parse(kXpub)->derive_child(3)->tron_address());
}

TEST_F(ProcessorTest, TokenDefaultsToTheChainsFirstWhenTheDefaultIsNotThere) {
  Config c = test_config();
  c.chains[1].tokens[0].symbol = "USDX";
  open(c);
  REQUIRE_CALL(*store_, create_intent(_)).LR_RETURN(inserted(_1));
  auto req = request();
  req.chain = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
  auto r = processor_->create_intent(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->token_symbol, "USDX");
}

TEST_F(ProcessorTest, ExplicitActorAndMetadataAreUsed) {
  CreateIntentParams seen;
  ALLOW_CALL(*store_, allocate_deposit_index(_)).RETURN(Result<std::uint32_t>(0U));
  REQUIRE_CALL(*store_, create_intent(_)).LR_SIDE_EFFECT(seen = _1).LR_RETURN(inserted(_1));
  auto req = request();
  req.actor = "pos-terminal@shop:1";
  req.metadata_json = R"( { "b" : 1, "a" : ["x", {"z":null,"y":true}] } )";
  req.idempotency_key = "key-1";
  auto r = processor_->create_intent(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(seen.created.actor, "pos-terminal@shop:1");
  EXPECT_EQ(r->metadata_json, R"({"a":["x",{"y":true,"z":null}],"b":1})");
  ASSERT_TRUE(r->idempotency_key.has_value());
  EXPECT_EQ(*r->idempotency_key, "key-1");
  const auto data = nlohmann::json::parse(seen.created.data_json)["intent"];
  EXPECT_EQ(data["metadata"]["b"], 1);
  EXPECT_EQ(data["idempotency_key"], "key-1");
}

struct BadCreate {
  const char* name;
  std::function<void(CreateIntentRequest&)> change;
  ErrorCode code;
  std::string message;
};

TEST_F(ProcessorTest, EveryValidationErrorIsExactAndTouchesNoStore) {
  // No expectations: any store call fails the test.
  const std::vector<BadCreate> cases = {
      {"empty order", [](auto& r) { r.order_id = ""; }, ErrorCode::kInvalidArgument,
       "intent: order id is empty"},
      {"long order", [](auto& r) { r.order_id = std::string(201, 'o'); },
       ErrorCode::kInvalidArgument, "intent: order id is 201 bytes long, longer than 200"},
      {"bad utf-8", [](auto& r) { r.order_id = "ab\xff"; }, ErrorCode::kInvalidArgument,
       "intent: order id is not valid UTF-8 at byte 2"},
      {"overlong utf-8", [](auto& r) { r.order_id = "\xc0\xaf"; }, ErrorCode::kInvalidArgument,
       "intent: order id is not valid UTF-8 at byte 0"},
      {"surrogate", [](auto& r) { r.order_id = "x\xed\xa0\x80"; }, ErrorCode::kInvalidArgument,
       "intent: order id is not valid UTF-8 at byte 1"},
      {"truncated utf-8", [](auto& r) { r.order_id = "caf\xc3"; }, ErrorCode::kInvalidArgument,
       "intent: order id is not valid UTF-8 at byte 3"},
      {"control", [](auto& r) { r.order_id = "a\nb"; }, ErrorCode::kInvalidArgument,
       "intent: order id has the control character byte 0x0a at byte 1"},
      {"empty amount", [](auto& r) { r.amount = ""; }, ErrorCode::kInvalidArgument,
       "intent: amount: empty"},
      {"negative", [](auto& r) { r.amount = "-1"; }, ErrorCode::kInvalidArgument,
       "intent: amount: negative amounts are not allowed"},
      {"three places", [](auto& r) { r.amount = "1.001"; }, ErrorCode::kOutOfRange, ""},
      {"zero", [](auto& r) { r.amount = "0"; }, ErrorCode::kInvalidArgument,
       "intent: amount must be greater than zero"},
      {"zero cents", [](auto& r) { r.amount = "0.00"; }, ErrorCode::kInvalidArgument,
       "intent: amount must be greater than zero"},
      {"grouping", [](auto& r) { r.amount = "1,000.00"; }, ErrorCode::kInvalidArgument, ""},
      {"exponent", [](auto& r) { r.amount = "1e3"; }, ErrorCode::kInvalidArgument, ""},
      {"too big for 18 decimals", [](auto& r) { r.amount = "1000000000000000000000"; },
       ErrorCode::kOutOfRange, ""},
      {"unknown chain", [](auto& r) { r.chain = "eip155:5"; }, ErrorCode::kInvalidArgument,
       "intent: chain 'eip155:5' is not configured (configured: eip155:1, "
       "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp, tron:0x2b6653dc)"},
      {"family is not a chain", [](auto& r) { r.chain = "evm"; }, ErrorCode::kInvalidArgument, ""},
      {"unknown token", [](auto& r) { r.token = "USDT"; }, ErrorCode::kInvalidArgument,
       "intent: token 'USDT' is not configured on chain eip155:1 (configured: USD1, SIX, ONE, "
       "ZERO)"},
      {"token case", [](auto& r) { r.token = "usd1"; }, ErrorCode::kInvalidArgument, ""},
      {"cents on a 1-decimal token",
       [](auto& r) {
         r.token = "ONE";
         r.amount = "2.05";
       },
       ErrorCode::kOutOfRange, ""},
      {"cents on a 0-decimal token",
       [](auto& r) {
         r.token = "ZERO";
         r.amount = "2.50";
       },
       ErrorCode::kOutOfRange, ""},
      {"expiry too short", [](auto& r) { r.expires_in_seconds = 59; }, ErrorCode::kOutOfRange,
       "intent: expiry of 59 seconds is outside 60..2592000"},
      {"expiry too long", [](auto& r) { r.expires_in_seconds = 2592001; }, ErrorCode::kOutOfRange,
       "intent: expiry of 2592001 seconds is outside 60..2592000"},
      {"expiry negative", [](auto& r) { r.expires_in_seconds = -1; }, ErrorCode::kOutOfRange, ""},
      {"metadata array", [](auto& r) { r.metadata_json = "[1]"; }, ErrorCode::kInvalidArgument,
       "intent: metadata is not a JSON object"},
      {"metadata null", [](auto& r) { r.metadata_json = "null"; }, ErrorCode::kInvalidArgument,
       "intent: metadata is not a JSON object"},
      {"metadata string", [](auto& r) { r.metadata_json = "\"x\""; }, ErrorCode::kInvalidArgument,
       "intent: metadata is not a JSON object"},
      {"metadata empty", [](auto& r) { r.metadata_json = ""; }, ErrorCode::kInvalidArgument, ""},
      {"metadata broken", [](auto& r) { r.metadata_json = "{\"a\":}"; },
       ErrorCode::kInvalidArgument, "intent: metadata is not valid JSON at byte 5"},
      {"metadata trailing", [](auto& r) { r.metadata_json = "{} {}"; }, ErrorCode::kInvalidArgument,
       ""},
      // nlohmann stops reading at a NUL byte: what follows must not be
      // dropped silently.
      {"metadata NUL then more",
       [](auto& r) { r.metadata_json = std::string("{}\0{\"a\":1}", 10); },
       ErrorCode::kInvalidArgument, "intent: metadata has a NUL byte at byte 2"},
      {"metadata NUL inside a string",
       [](auto& r) { r.metadata_json = std::string("{\"a\":\"x\0y\"}", 11); },
       ErrorCode::kInvalidArgument, "intent: metadata has a NUL byte at byte 7"},
      {"metadata duplicate", [](auto& r) { r.metadata_json = R"({"a":1,"a":2})"; },
       ErrorCode::kInvalidArgument, "intent: metadata has the key \"a\" twice"},
      {"metadata too big",
       [](auto& r) { r.metadata_json = "{\"k\":\"" + std::string(57, 'v') + "\"}"; },
       ErrorCode::kOutOfRange,
       "intent: metadata of 65 bytes (compact) exceeds the limit of 64 bytes"},
      {"metadata too deep",
       [](auto& r) {
         r.metadata_json = "{\"a\":" + std::string(32, '[') + std::string(32, ']') + "}";
       },
       ErrorCode::kInvalidArgument, "intent: metadata is nested deeper than 32 levels"},
      {"metadata bad utf-8", [](auto& r) { r.metadata_json = "{\"a\":\"\xff\"}"; },
       ErrorCode::kInvalidArgument, ""},
      {"empty key", [](auto& r) { r.idempotency_key = ""; }, ErrorCode::kInvalidArgument,
       "intent: idempotency key is empty"},
      {"long key", [](auto& r) { r.idempotency_key = std::string(256, 'k'); },
       ErrorCode::kInvalidArgument, "intent: idempotency key is 256 bytes long, longer than 255"},
      {"key with space", [](auto& r) { r.idempotency_key = "a b"; }, ErrorCode::kInvalidArgument,
       "intent: idempotency key has the character ' ' at byte 1 (printable ASCII only, no "
       "space)"},
      {"key non-ascii", [](auto& r) { r.idempotency_key = "k\xc3\xa9"; },
       ErrorCode::kInvalidArgument, ""},
      {"actor space", [](auto& r) { r.actor = "bad actor"; }, ErrorCode::kInvalidArgument,
       "intent: actor has the character ' ' at byte 3 (allowed: A-Z a-z 0-9 . _ : @ -)"},
      {"actor long", [](auto& r) { r.actor = std::string(65, 'a'); }, ErrorCode::kInvalidArgument,
       "intent: actor is 65 bytes long, longer than 64"},
  };
  for (const auto& c : cases) {
    auto req = request();
    c.change(req);
    auto r = processor_->create_intent(req);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), c.code) << c.name << ": " << r.status().message();
    if (!c.message.empty()) {
      EXPECT_EQ(r.status().message(), c.message) << c.name;
    } else {
      EXPECT_EQ(r.status().message().rfind("intent: ", 0), 0U)
          << c.name << ": " << r.status().message();
    }
  }
}

TEST_F(ProcessorTest, AmountMessagesComeFromAmountParse) {
  auto req = request();
  req.amount = "1.001";
  EXPECT_EQ(processor_->create_intent(req).status().message(),
            "intent: " + Amount::parse("1.001", 2).status().message());
}

TEST_F(ProcessorTest, EdgesThatAreAccepted) {
  ALLOW_CALL(*store_, allocate_deposit_index(_)).RETURN(Result<std::uint32_t>(0U));
  ALLOW_CALL(*store_, create_intent(_)).LR_RETURN(inserted(_1));
  auto req = request();
  // 200 bytes of multi-byte UTF-8 (100 x U+00E9).
  std::string order;
  for (int i = 0; i < 100; ++i) order += "\xc3\xa9";
  req.order_id = order;
  req.amount = "0.01";
  req.expires_in_seconds = 2592000;
  req.idempotency_key = std::string(255, '~');
  req.actor = std::string(64, 'a');
  auto r = processor_->create_intent(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->amount_due.base_units().to_decimal(), "10000000000000000");

  // Whole units on a 0-decimal token, tenths on a 1-decimal token.
  req = request();
  req.token = "ZERO";
  req.amount = "3.00";
  r = processor_->create_intent(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->amount_due.base_units().to_decimal(), "3");
  req.token = "ONE";
  req.amount = "2.5";
  r = processor_->create_intent(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->amount_due.base_units().to_decimal(), "25");
  req.token = "SIX";
  req.amount = "007.10";
  r = processor_->create_intent(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->amount_due.base_units().to_decimal(), "7100000");
  EXPECT_EQ(r->amount.to_string_fixed(2), "7.10");
  // The metadata limit is on the compact form; an empty object always fits.
  req.metadata_json = "{\"k\":   \"" + std::string(56, 'v') + "\"}";
  EXPECT_TRUE(processor_->create_intent(req).ok());
  Config c = test_config();
  c.metadata_max_bytes = 0;
  open(c);
  req.metadata_json = " { } ";
  r = processor_->create_intent(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->metadata_json, "{}");
}

// ------------------------------------------------------------- idempotency

TEST_F(ProcessorTest, ARetryReturnsTheStoredIntentAsIs) {
  // The store knows the key with the same request hash: it returns the first
  // intent (another id, index and time) and writes nothing.
  IntentRow first;
  ALLOW_CALL(*store_, allocate_deposit_index(_)).RETURN(Result<std::uint32_t>(1U));
  REQUIRE_CALL(*store_, create_intent(_)).LR_SIDE_EFFECT(first = _1.intent).LR_RETURN(inserted(_1));
  auto req = request();
  req.idempotency_key = "retry-me";
  auto a = processor_->create_intent(req);
  ASSERT_TRUE(a.ok());

  clock_->advance(5s);
  std::string second_hash;
  REQUIRE_CALL(*store_, create_intent(_))
      .WITH(_1.intent.idempotency_key == std::optional<std::string>("retry-me"))
      .LR_SIDE_EFFECT(second_hash = _1.intent.request_hash)
      .LR_RETURN(Result<CreateIntentResult>(CreateIntentResult{[&] {
                                                                 IntentRow r = first;
                                                                 r.version = 1;
                                                                 return r;
                                                               }(),
                                                               false}));
  auto b = processor_->create_intent(req);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(second_hash, first.request_hash);
  EXPECT_EQ(b->id, a->id);
  EXPECT_EQ(b->deposit_address, a->deposit_address);
  EXPECT_EQ(b->created_at, kStart);
  EXPECT_EQ(intent_to_json(*b), intent_to_json(*a));
}

TEST_F(ProcessorTest, AConflictFromTheStoreIsReturned) {
  ALLOW_CALL(*store_, allocate_deposit_index(_)).RETURN(Result<std::uint32_t>(1U));
  REQUIRE_CALL(*store_, create_intent(_))
      .RETURN(Result<CreateIntentResult>(Status(
          ErrorCode::kConflict, "store: idempotency key 'k' was used with other parameters")));
  auto req = request();
  req.idempotency_key = "k";
  auto r = processor_->create_intent(req);
  EXPECT_EQ(r.status().code(), ErrorCode::kConflict);
}

TEST_F(ProcessorTest, StoreFailuresAreReturnedUnchanged) {
  REQUIRE_CALL(*store_, allocate_deposit_index(_))
      .RETURN(Result<std::uint32_t>(Status(ErrorCode::kIo, "store: disk full")));
  FORBID_CALL(*store_, create_intent(_));
  auto r = processor_->create_intent(request());
  EXPECT_EQ(r.status(), Status(ErrorCode::kIo, "store: disk full"));
}

TEST_F(ProcessorTest, AHardenedIndexIsNeverUsed) {
  REQUIRE_CALL(*store_, allocate_deposit_index(_)).RETURN(Result<std::uint32_t>(0x80000000U));
  FORBID_CALL(*store_, create_intent(_));
  auto r = processor_->create_intent(request());
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
}

// Request hashes: equal for the same parameters however written, different
// when any parameter differs.
TEST_F(ProcessorTest, RequestHashCoversEveryParameterAndNothingElse) {
  std::vector<std::string> hashes;
  ALLOW_CALL(*store_, allocate_deposit_index(_)).RETURN(Result<std::uint32_t>(0U));
  ALLOW_CALL(*store_, create_intent(_))
      .LR_SIDE_EFFECT(hashes.push_back(_1.intent.request_hash))
      .LR_RETURN(inserted(_1));
  auto base = request();
  base.metadata_json = R"({"a":1,"b":2})";
  auto hash_of = [&](const CreateIntentRequest& r) {
    EXPECT_TRUE(processor_->create_intent(r).ok());
    return hashes.back();
  };
  const std::string h0 = hash_of(base);
  // Same parameters, other spelling / key / actor / time.
  auto same = base;
  same.amount = "25";
  same.metadata_json = R"({ "b":2, "a":1 })";
  same.chain = "eip155:1";
  same.token = "USD1";
  same.expires_in_seconds = 900;
  same.idempotency_key = "other-key";
  same.actor = "someone";
  clock_->advance(1h);
  EXPECT_EQ(hash_of(same), h0);
  // Each parameter changes it.
  std::vector<std::function<void(CreateIntentRequest&)>> changes = {
      [](auto& r) { r.order_id = "order-2"; },
      [](auto& r) { r.amount = "25.01"; },
      [](auto& r) { r.chain = "tron:0x2b6653dc"; },
      [](auto& r) { r.token = "SIX"; },
      [](auto& r) { r.expires_in_seconds = 901; },
      [](auto& r) { r.metadata_json = R"({"a":1,"b":3})"; },
      [](auto& r) { r.metadata_json = std::nullopt; },
  };
  std::set<std::string> seen = {h0};
  for (const auto& change : changes) {
    auto r = base;
    change(r);
    EXPECT_TRUE(seen.insert(hash_of(r)).second) << "hash collision for a changed parameter";
  }
}

// ------------------------------------------------------------ cancellation

IntentRow stored_row(const std::string& status, std::int64_t expires_at_ms = 0) {
  IntentRow row;
  row.id = "pi_" + std::string(24, 'A');
  row.order_id = "order-1";
  row.status = status;
  row.chain = "eip155:1";
  row.token_symbol = "USD1";
  row.token_contract = evm_token();
  row.token_decimals = 18;
  row.amount = "25.00";
  row.currency = "USD";
  row.amount_base_units = "25000000000000000000";
  row.strategy = "static";
  row.deposit_address = evm_checksum_address(bytes20(8));
  row.payment_uri = "ethereum:x";
  row.request_hash = std::string(64, '0');
  row.created_at_ms = 1000;
  row.updated_at_ms = 1000;
  row.expires_at_ms = expires_at_ms;
  row.version = 3;
  return row;
}

TEST_F(ProcessorTest, CancelFromEveryStatus) {
  for (const IntentStatus s : kAllIntentStatuses) {
    const std::string name = intent_status_name(s);
    const IntentRow row = stored_row(name);
    REQUIRE_CALL(*store_, get_intent(_)).WITH(_1.id == row.id).RETURN(Result<IntentRow>(row));
    if (s == IntentStatus::kRequiresPayment) {
      TransitionIntentParams seen;
      REQUIRE_CALL(*store_, transition_intent(_)).LR_SIDE_EFFECT(seen = _1).LR_RETURN([&] {
        IntentRow after = row;
        after.status = "canceled";
        after.updated_at_ms = _1.at_ms;
        after.version = row.version + 1;
        return Result<IntentRow>(after);
      }());
      auto r = processor_->cancel_intent(row.id, "clerk-7");
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_EQ(r->status, IntentStatus::kCanceled);
      EXPECT_EQ(seen.from_statuses, std::vector<std::string>{"requires_payment"});
      EXPECT_EQ(seen.to_status, "canceled");
      EXPECT_EQ(seen.at_ms, 1800000000123);
      EXPECT_EQ(seen.event.type, "intent.canceled");
      EXPECT_EQ(seen.event.actor, "clerk-7");
      const auto data = nlohmann::json::parse(seen.event.data_json)["intent"];
      EXPECT_EQ(data["status"], "canceled");
      EXPECT_EQ(data["version"], 4);
      EXPECT_EQ(seen.event.data_json, "{\"intent\":" + intent_to_json(*r) + "}");
    } else {
      FORBID_CALL(*store_, transition_intent(_));
      auto r = processor_->cancel_intent(row.id, "");
      ASSERT_FALSE(r.ok()) << name;
      EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition) << name;
      EXPECT_EQ(r.status().message(), "intent: cannot cancel " + row.id + ": it is " + name +
                                          " (only requires_payment can be canceled)");
    }
  }
}

TEST_F(ProcessorTest, CancelRaceLosesToTheStoresCompareAndSet) {
  const IntentRow row = stored_row("requires_payment");
  REQUIRE_CALL(*store_, get_intent(_)).RETURN(Result<IntentRow>(row));
  REQUIRE_CALL(*store_, transition_intent(_))
      .RETURN(Result<IntentRow>(Status(ErrorCode::kFailedPrecondition,
                                       "store: intent is processing, not requires_payment")));
  EXPECT_EQ(processor_->cancel_intent(row.id).status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(ProcessorTest, CancelChecksIdAndActorBeforeTheStore) {
  EXPECT_EQ(processor_->cancel_intent("pi_short").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(processor_->cancel_intent("evt_" + std::string(24, 'A')).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(processor_->cancel_intent("pi_" + std::string(24, 'A'), "no spaces").status().code(),
            ErrorCode::kInvalidArgument);
  REQUIRE_CALL(*store_, get_intent(_))
      .RETURN(Result<IntentRow>(Status(ErrorCode::kNotFound, "store: no intent")));
  EXPECT_EQ(processor_->cancel_intent("pi_" + std::string(24, 'B')).status().code(),
            ErrorCode::kNotFound);
}

// ----------------------------------------------------------------- expiry

// A MockStore whose list_expirable and transition_intent behave like the real
// store over an in-memory list of rows.
class SweepFixture {
 public:
  SweepFixture(mocks::MockStore& store, std::vector<IntentRow>& rows) {
    keep_.push_back(NAMED_ALLOW_CALL(store, list_expirable(_)).LR_RETURN(list(rows, _1)));
    keep_.push_back(NAMED_ALLOW_CALL(store, transition_intent(_))
                        .LR_SIDE_EFFECT(transitions.push_back(_1))
                        .LR_RETURN(apply(rows, _1)));
  }
  std::vector<TransitionIntentParams> transitions;

 private:
  static Result<std::vector<IntentRow>> list(const std::vector<IntentRow>& rows,
                                             const ListExpirableParams& p) {
    std::vector<IntentRow> due;
    for (const auto& r : rows) {
      if (r.expires_at_ms <= p.now_ms &&
          std::find(p.statuses.begin(), p.statuses.end(), r.status) != p.statuses.end() &&
          due.size() < p.limit) {
        due.push_back(r);
      }
    }
    return due;
  }
  static Result<IntentRow> apply(std::vector<IntentRow>& rows, const TransitionIntentParams& p) {
    for (auto& r : rows) {
      if (r.id != p.id) continue;
      if (std::find(p.from_statuses.begin(), p.from_statuses.end(), r.status) ==
          p.from_statuses.end()) {
        return Status(ErrorCode::kFailedPrecondition, "store: intent is " + r.status);
      }
      r.status = p.to_status;
      r.updated_at_ms = p.at_ms;
      ++r.version;
      return r;
    }
    return Status(ErrorCode::kNotFound, "store: no intent " + p.id);
  }
  std::vector<std::unique_ptr<trompeloeil::expectation>> keep_;
};

TEST_F(ProcessorTest, ExpiryAtTheExactBoundary) {
  const std::int64_t expires_ms = 1800000900123;
  std::vector<IntentRow> rows = {stored_row("requires_payment", expires_ms)};
  SweepFixture sweep(*store_, rows);

  clock_->set(TimePoint(std::chrono::milliseconds(expires_ms - 1)));
  auto n = processor_->expire_due();
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 0U);
  EXPECT_TRUE(sweep.transitions.empty());
  EXPECT_EQ(rows[0].status, "requires_payment");

  clock_->set(TimePoint(std::chrono::milliseconds(expires_ms)));
  n = processor_->expire_due();
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 1U);
  ASSERT_EQ(sweep.transitions.size(), 1U);
  const auto& t = sweep.transitions[0];
  EXPECT_EQ(t.from_statuses, std::vector<std::string>{"requires_payment"});
  EXPECT_EQ(t.to_status, "expired");
  EXPECT_EQ(t.at_ms, expires_ms);
  EXPECT_EQ(t.event.type, "intent.expired");
  EXPECT_EQ(t.event.actor, "system");
  EXPECT_EQ(t.event.created_at_ms, expires_ms);
  const auto data = nlohmann::json::parse(t.event.data_json)["intent"];
  EXPECT_EQ(data["status"], "expired");
  EXPECT_EQ(data["id"], rows[0].id);
  EXPECT_EQ(rows[0].status, "expired");

  // A second sweep finds nothing more to do.
  n = processor_->expire_due();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0U);
  EXPECT_EQ(sweep.transitions.size(), 1U);
}

TEST_F(ProcessorTest, ExpirySweepsOnlyDueRequiresPaymentIntentsAcrossPages) {
  std::vector<IntentRow> rows;
  // 1,203 due (more than two pages), one not yet due, and due ones in other
  // statuses (the tracker's, or finished).
  for (int i = 0; i < 1203; ++i) {
    IntentRow r = stored_row("requires_payment", 1000 + i);
    r.id = "pi_" + std::string(20, 'A') + std::to_string(1000 + i);
    rows.push_back(r);
  }
  IntentRow later = stored_row("requires_payment", 1800000000124);
  later.id = "pi_" + std::string(24, 'L');
  rows.push_back(later);
  char tag = 'a';
  for (const char* s : {"processing", "succeeded", "canceled", "underpaid"}) {
    IntentRow r = stored_row(s, 5);
    r.id = "pi_" + std::string(23, 'S') + tag++;
    rows.push_back(r);
  }
  SweepFixture sweep(*store_, rows);
  auto n = processor_->expire_due();
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 1203U);
  EXPECT_EQ(sweep.transitions.size(), 1203U);
  for (const auto& r : rows) {
    if (r.expires_at_ms <= 1800000000123 && r.id.substr(0, 23) == "pi_" + std::string(20, 'A')) {
      EXPECT_EQ(r.status, "expired") << r.id;
    }
  }
  EXPECT_EQ(rows[1203].status, "requires_payment");
  EXPECT_EQ(rows[1204].status, "processing");
  EXPECT_EQ(rows[1205].status, "succeeded");
}

TEST_F(ProcessorTest, ExpirySkipsAnIntentChangedMeanwhileAndStopsOnRealErrors) {
  const IntentRow a = stored_row("requires_payment", 10);
  IntentRow b = a;
  b.id = "pi_" + std::string(24, 'B');
  IntentRow c = a;
  c.id = "pi_" + std::string(24, 'C');
  ALLOW_CALL(*store_, list_expirable(_))
      .RETURN(Result<std::vector<IntentRow>>(std::vector<IntentRow>{a, b, c}));
  // a was paid meanwhile, b was deleted (never happens, but is not ours), c expires.
  REQUIRE_CALL(*store_, transition_intent(_))
      .WITH(_1.id == a.id)
      .RETURN(Result<IntentRow>(Status(ErrorCode::kFailedPrecondition, "store: processing")));
  REQUIRE_CALL(*store_, transition_intent(_))
      .WITH(_1.id == b.id)
      .RETURN(Result<IntentRow>(Status(ErrorCode::kNotFound, "store: gone")));
  REQUIRE_CALL(*store_, transition_intent(_)).WITH(_1.id == c.id).RETURN(Result<IntentRow>(c));
  auto n = processor_->expire_due();
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 1U);

  REQUIRE_CALL(*store_, transition_intent(_))
      .WITH(_1.id == a.id)
      .RETURN(Result<IntentRow>(Status(ErrorCode::kIo, "store: disk I/O error")));
  EXPECT_EQ(processor_->expire_due().status().code(), ErrorCode::kIo);
}

TEST_F(ProcessorTest, ExpiryReportsAListingError) {
  REQUIRE_CALL(*store_, list_expirable(_))
      .WITH(_1.now_ms == 1800000000123 &&
            _1.statuses == std::vector<std::string>{"requires_payment"})
      .RETURN(Result<std::vector<IntentRow>>(Status(ErrorCode::kIo, "store: locked")));
  EXPECT_EQ(processor_->expire_due().status(), Status(ErrorCode::kIo, "store: locked"));
}

// ---------------------------------------------------------------- reading

TEST_F(ProcessorTest, GetChecksTheIdAndConvertsTheRow) {
  EXPECT_EQ(processor_->get_intent("").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(processor_->get_intent("pi_" + std::string(24, '-')).status().code(),
            ErrorCode::kInvalidArgument);
  const IntentRow row = stored_row("succeeded");
  REQUIRE_CALL(*store_, get_intent(_)).WITH(_1.id == row.id).RETURN(Result<IntentRow>(row));
  auto r = processor_->get_intent(row.id);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, IntentStatus::kSucceeded);
  EXPECT_EQ(r->version, 3U);

  IntentRow broken = row;
  broken.status = "paid";
  REQUIRE_CALL(*store_, get_intent(_)).RETURN(Result<IntentRow>(broken));
  EXPECT_EQ(processor_->get_intent(row.id).status().code(), ErrorCode::kInternal);
}

TEST_F(ProcessorTest, ListPassesFiltersAndPages) {
  ListIntentsParams seen;
  IntentPage page;
  page.intents = {stored_row("canceled")};
  page.next_cursor = "c2";
  REQUIRE_CALL(*store_, list_intents(_)).LR_SIDE_EFFECT(seen = _1).RETURN(Result<IntentPage>(page));
  IntentListRequest req;
  req.status = IntentStatus::kCanceled;
  req.order_id = "order-1";
  req.created_from = TimePoint(std::chrono::milliseconds(5));
  req.created_to = TimePoint(std::chrono::milliseconds(9));
  req.limit = 10;
  req.cursor = "c1";
  auto r = processor_->list_intents(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->intents.size(), 1U);
  EXPECT_EQ(r->intents[0].status, IntentStatus::kCanceled);
  EXPECT_EQ(r->next_cursor, "c2");
  EXPECT_EQ(seen.status, std::optional<std::string>("canceled"));
  EXPECT_EQ(seen.order_id, std::optional<std::string>("order-1"));
  EXPECT_EQ(seen.created_from_ms, std::optional<std::int64_t>(5));
  EXPECT_EQ(seen.created_to_ms, std::optional<std::int64_t>(9));
  EXPECT_EQ(seen.limit, 10U);
  EXPECT_EQ(seen.cursor, "c1");

  req.limit = 0;
  EXPECT_EQ(processor_->list_intents(req).status().code(), ErrorCode::kOutOfRange);
  req.limit = 1001;
  EXPECT_EQ(processor_->list_intents(req).status().code(), ErrorCode::kOutOfRange);
}

TEST_F(ProcessorTest, ListEventsChecksItsArguments) {
  EXPECT_EQ(processor_->list_events(std::nullopt, 0, 0).status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(processor_->list_events(std::nullopt, 0, 10001).status().code(),
            ErrorCode::kOutOfRange);
  EXPECT_EQ(processor_->list_events(std::string("pi_x"), 0, 10).status().code(),
            ErrorCode::kInvalidArgument);
  const std::string id = "pi_" + std::string(24, 'A');
  REQUIRE_CALL(*store_, list_events(_))
      .WITH(_1.intent_id == std::optional<std::string>(id) && _1.after_seq == 4 && _1.limit == 2)
      .RETURN(Result<std::vector<EventRow>>(std::vector<EventRow>(2)));
  auto r = processor_->list_events(id, 4, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2U);
  AuditReport bad;
  bad.ok = false;
  bad.first_bad_seq = 3;
  REQUIRE_CALL(*store_, verify_audit_chain(_)).RETURN(Result<AuditReport>(bad));
  auto v = processor_->verify_audit();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_seq, 3U);
}

// ------------------------------------------------------------------ open

TEST(ProcessorOpenTest, RefusesBrokenChainSettings) {
  auto store = std::make_shared<mocks::MockStore>();
  struct Case {
    const char* name;
    std::function<void(Config&)> change;
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {"no chains", [](Config& c) { c.chains.clear(); }, ErrorCode::kInvalidArgument},
      {"bad xpub checksum",
       [](Config& c) { c.chains[0].xpub.back() = c.chains[0].xpub.back() == '8' ? '9' : '8'; },
       ErrorCode::kChecksumMismatch},
      {"hardened path", [](Config& c) { c.chains[0].derivation_path = "0'"; },
       ErrorCode::kInvalidArgument},
      {"xpub on solana",
       [](Config& c) {
         c.chains[1].strategy = DepositStrategy::kXpub;
         c.chains[1].xpub = kXpub;
       },
       ErrorCode::kUnsupported},
      {"reference on evm",
       [](Config& c) {
         c.chains[0].strategy = DepositStrategy::kReference;
         c.chains[0].merchant_address = evm_token();
       },
       ErrorCode::kUnsupported},
      {"static without address", [](Config& c) { c.chains[2].merchant_address.clear(); },
       ErrorCode::kInvalidArgument},
      {"merchant address of the wrong family",
       [](Config& c) { c.chains[2].merchant_address = evm_token(); }, ErrorCode::kInvalidArgument},
      {"no tokens", [](Config& c) { c.chains[2].tokens.clear(); }, ErrorCode::kInvalidArgument},
      {"default expiry", [](Config& c) { c.default_expiry_seconds = 10; }, ErrorCode::kOutOfRange},
      {"actor", [](Config& c) { c.actor = "a b"; }, ErrorCode::kInvalidArgument},
      {"no store path", [](Config& c) { c.store.path.clear(); }, ErrorCode::kInvalidArgument},
  };
  for (const auto& c : cases) {
    ProcessorOptions o;
    o.config = test_config();
    c.change(o.config);
    if (std::string(c.name) != "no store path") o.store = store;
    auto p = Processor::open(std::move(o));
    ASSERT_FALSE(p.ok()) << c.name;
    EXPECT_EQ(p.status().code(), c.code) << c.name << ": " << p.status().message();
    EXPECT_EQ(p.status().message().rfind("intent: ", 0) == 0 ||
                  p.status().message().rfind("config: ", 0) == 0,
              true)
        << p.status().message();
  }
}

TEST(ProcessorOpenTest, KeepsTheConfigAndDefaultsTheClock) {
  ProcessorOptions o;
  o.config = test_config();
  o.store = std::make_shared<mocks::MockStore>();
  auto p = Processor::open(std::move(o));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ((*p)->config().chains.size(), 3U);
  EXPECT_EQ((*p)->config().source, "<test>");
}

}  // namespace
}  // namespace usd1pay
