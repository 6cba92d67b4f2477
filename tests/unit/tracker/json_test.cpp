// The JSON of a chain's poll step and of a recorded payment that the usd1pay
// command and the C ABI both print: exact text, field order, the error only
// when the step failed, nulls for "never", "unmatched" and an unknown head at
// finality, flags as stored.
#include <gtest/gtest.h>

#include <string>

#include "usd1pay/tracker.h"

namespace usd1pay {
namespace {

constexpr std::int64_t kNoon = 1795176000000;  // 2026-11-20T12:00:00.000Z

ChainPollReport report() {
  ChainPollReport r;
  r.chain = "eip155:1";
  r.latest = 100;
  r.from_block = 90;
  r.to_block = 100;
  r.blocks_scanned = 11;
  r.next_block = 101;
  r.caught_up = true;
  r.payments_detected = 1;
  r.payments_confirmed = 2;
  r.payments_orphaned = 3;
  r.payments_wrong_network = 4;
  r.payments_unmatched = 5;
  r.intents_changed = 6;
  r.reorgs = 7;
  r.reorg_depth = 8;
  r.backend_calls = 9;
  return r;
}

TEST(TrackerJson, SucceededStep) {
  EXPECT_EQ(chain_poll_report_to_json(report()),
            R"({"chain":"eip155:1","ok":true,"latest":100,"next_block":101,"blocks_scanned":11,)"
            R"("caught_up":true,"payments_detected":1,"payments_confirmed":2,)"
            R"("payments_orphaned":3,"payments_wrong_network":4,"payments_unmatched":5,)"
            R"("intents_changed":6,"reorgs":7,"backend_calls":9})");
}

TEST(TrackerJson, FailedStepNamesTheError) {
  ChainPollReport r = report();
  r.error = Status(ErrorCode::kUnavailable, "rpc: \"node\" down\n");
  r.caught_up = false;
  EXPECT_EQ(chain_poll_report_to_json(r),
            R"({"chain":"eip155:1","ok":false,"latest":100,"next_block":101,"blocks_scanned":11,)"
            R"("caught_up":false,"payments_detected":1,"payments_confirmed":2,)"
            R"("payments_orphaned":3,"payments_wrong_network":4,"payments_unmatched":5,)"
            R"("intents_changed":6,"reorgs":7,"backend_calls":9,"error":"rpc: \"node\" down\n"})");
}

PaymentRow payment() {
  PaymentRow p;
  p.id = "py_1";
  p.chain = "eip155:1";
  p.tx_hash = "0xab";
  p.log_index = 3;
  p.block_number = 99;
  p.block_hash = "0xcd";
  p.block_time = kNoon / 1000 + 5;
  p.token_contract = "0xt";
  p.from_address = "0xf";
  p.to_address = "0x0";
  p.amount_base_units = "25000000";
  p.intent_id = "pi_1";
  p.status = "final";
  p.flags_json = R"(["late"])";
  p.detected_at_ms = kNoon + 123;
  p.final_at_ms = kNoon + 60000;
  p.final_head_block = 110;  // final with 12 confirmations
  return p;
}

TEST(TrackerJson, Payment) {
  EXPECT_EQ(payment_to_json(payment()),
            R"({"id":"py_1","chain":"eip155:1","tx_hash":"0xab","log_index":3,)"
            R"("block_number":99,"block_hash":"0xcd","block_time":"2026-11-20T12:00:05Z",)"
            R"("token":"0xt","from":"0xf","to":"0x0","amount_base_units":"25000000",)"
            R"("intent_id":"pi_1","status":"final","flags":["late"],)"
            R"("detected_at":"2026-11-20T12:00:00.123Z","final_at":"2026-11-20T12:01:00.000Z",)"
            R"("final_head_block":110})");
}

// The head at finality is a block number like block_number: a JSON integer,
// exact to 2^64-1 in the text; null when it is not known.
TEST(TrackerJson, FinalHeadBlockIsAnIntegerOrNull) {
  PaymentRow p = payment();
  p.block_number = 18446744073709551610u;
  p.final_head_block = 18446744073709551615u;
  std::string j = payment_to_json(p);
  EXPECT_NE(j.find(R"("block_number":18446744073709551610,)"), std::string::npos) << j;
  EXPECT_NE(j.find(R"(,"final_head_block":18446744073709551615})"), std::string::npos) << j;
  // Finalised before store schema 5: unknown, never guessed.
  p = payment();
  p.final_head_block.reset();
  j = payment_to_json(p);
  EXPECT_NE(j.find(R"("final_at":"2026-11-20T12:01:00.000Z","final_head_block":null})"),
            std::string::npos)
      << j;
}

TEST(TrackerJson, UnmatchedPendingPaymentWithUnreadableFlags) {
  PaymentRow p = payment();
  p.intent_id = "";
  p.status = "pending";
  p.final_at_ms = 0;
  p.final_head_block.reset();
  p.flags_json = "[late";  // shown as stored, never dropped
  const std::string j = payment_to_json(p);
  EXPECT_NE(j.find(R"("intent_id":null,"status":"pending","flags":"[late",)"), std::string::npos)
      << j;
  EXPECT_NE(j.find(R"("final_at":null,"final_head_block":null})"), std::string::npos) << j;
}

}  // namespace
}  // namespace usd1pay
