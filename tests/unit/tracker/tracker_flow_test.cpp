// The Tracker end to end on SimChain and a real SQLite store in a TempDir:
// every intent state reached through payments, finality policies, reorgs
// (drop and requeue, shallow and beyond finality, beyond the window), backend
// errors, idempotent polls, two trackers on one store, wrong network, the
// background loop, and option validation.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/pipeline.h"
#include "support/sample_config.h"
#include "support/temp_dir.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"

namespace usd1pay {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

using testing::kToken;
constexpr const char* kToken2 = "0x8d12A197cB00D4747a1fe03395095ce2A5CC6819";
constexpr const char* kCustomer = "0x1111111111111111111111111111111111111111";
constexpr const char* kChainA = "eip155:1337";
constexpr const char* kChainB = "eip155:8453";

Config make_config(nlohmann::json finality, const std::string& tolerance = "0.00") {
  nlohmann::json c = {{"version", 1},
                      {"store", {{"path", "t.db"}}},
                      {"chains",
                       {testing::sim_evm_chain_json(kChainA, kToken, finality),
                        testing::sim_evm_chain_json(kChainB, kToken2)}},
                      {"default_chain", kChainA},
                      {"default_token", "USD1"},
                      {"underpayment_tolerance", tolerance}};
  return testing::parse_config_or_throw(c);
}

nlohmann::json confirmations(int n) {
  return {{"kind", "confirmations"}, {"confirmations", n}};
}

class TrackerFlow : public ::testing::Test {
 protected:
  void SetUp() override { init(make_config(confirmations(3))); }

  void init(Config config, std::uint32_t window = 256) {
    config.store.path = dir.file("t.db");
    cfg = config;
    auto s = open_sqlite_store({dir.file("t.db")});
    ASSERT_TRUE(s.ok()) << s.status().message();
    store = std::shared_ptr<Store>(std::move(*s));
    SimChainOptions oa;
    oa.chain_id = kChainA;
    oa.finalized_depth = 5;
    oa.safe_depth = 2;
    chain_a = std::make_shared<SimChain>(oa);
    SimChainOptions ob;
    ob.chain_id = kChainB;
    chain_b = std::make_shared<SimChain>(ob);
    processor = testing::open_processor_or_throw(cfg, store, clock);
    tracker = open_tracker(window);
    ASSERT_NE(tracker, nullptr);
  }

  std::unique_ptr<Tracker> open_tracker(std::uint32_t window = 256) {
    TrackerOptions to;
    to.config = cfg;
    to.store = store;
    to.clock = clock;
    to.backends = {{kChainA, chain_a}, {kChainB, chain_b}};
    to.reorg_window = window;
    to.poll_interval = 5ms;
    auto t = Tracker::open(std::move(to));
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? std::move(*t) : nullptr;
  }

  PaymentIntent create(const std::string& amount = "25.00", const char* chain = kChainA,
                       std::int64_t expires_in = 900) {
    CreateIntentRequest r;
    r.order_id = "order-" + std::to_string(++orders);
    r.amount = amount;
    r.chain = chain;
    r.expires_in_seconds = expires_in;
    auto i = processor->create_intent(r);
    EXPECT_TRUE(i.ok()) << i.status().message();
    return *i;
  }

  std::string pay(SimChain& chain, const std::string& to, std::uint64_t units,
                  const char* token = kToken) {
    return chain.submit_transfer({token, kCustomer, to, Uint128(units), {}});
  }

  PollReport poll() {
    auto r = tracker->poll_once();
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : PollReport{};
  }

  // Polls until every chain is caught up (or 50 polls).
  void catch_up() {
    for (int i = 0; i < 50; ++i) {
      auto r = poll();
      ASSERT_TRUE(r.ok()) << r.first_error().message();
      if (r.caught_up()) return;
    }
    FAIL() << "not caught up";
  }

  IntentStatus status_of(const PaymentIntent& i) {
    auto got = processor->get_intent(i.id);
    EXPECT_TRUE(got.ok());
    return got.ok() ? got->status : IntentStatus::kRequiresPayment;
  }

  PaymentIntent reload(const PaymentIntent& i) { return *processor->get_intent(i.id); }

  std::vector<PaymentRow> payments_of(const PaymentIntent& i) {
    ListPaymentsParams p;
    p.intent_id = i.id;
    auto got = store->list_payments(p);
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : std::vector<PaymentRow>{};
  }

  std::vector<std::string> event_types(const PaymentIntent& i) {
    auto ev = processor->list_events(i.id);
    std::vector<std::string> out;
    for (const auto& e : *ev) out.push_back(e.type);
    return out;
  }

  std::size_t count_events(const PaymentIntent& i, const std::string& type) {
    std::size_t n = 0;
    for (const auto& t : event_types(i)) n += t == type ? 1U : 0U;
    return n;
  }

  TempDir dir;
  Config cfg;
  std::shared_ptr<ManualClock> clock =
      std::make_shared<ManualClock>(from_unix_seconds(1767225600 + 60));
  std::shared_ptr<Store> store;
  std::shared_ptr<SimChain> chain_a;
  std::shared_ptr<SimChain> chain_b;
  std::unique_ptr<Processor> processor;
  std::unique_ptr<Tracker> tracker;
  int orders = 0;
};

TEST_F(TrackerFlow, ExactPaymentGoesProcessingThenSucceededAfterThreeConfirmations) {
  catch_up();
  auto intent = create("25.00");
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine();
  auto r = poll();
  ASSERT_EQ(r.chains.size(), 2U);
  EXPECT_EQ(r.chains[0].payments_detected, 1U);
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);
  auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 1U);
  EXPECT_EQ(pays[0].status, "pending");
  EXPECT_EQ(pays[0].amount_base_units, "25000000");
  EXPECT_FALSE(pays[0].final_head_block.has_value());
  chain_a->mine();  // 2 confirmations: not final
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);
  EXPECT_EQ(payments_of(intent)[0].status, "pending");
  EXPECT_FALSE(payments_of(intent)[0].final_head_block.has_value());
  const std::uint64_t head = chain_a->mine().number;  // 3 confirmations: final
  r = poll();
  EXPECT_EQ(r.chains[0].payments_confirmed, 1U);
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  EXPECT_EQ(payments_of(intent)[0].status, "final");
  // The head that made it final is kept: 3 confirmations at settlement.
  EXPECT_EQ(payments_of(intent)[0].final_head_block, std::optional<std::uint64_t>(head));
  EXPECT_EQ(head - payments_of(intent)[0].block_number + 1, 3U);
  chain_a->mine(4);
  poll();
  EXPECT_EQ(payments_of(intent)[0].final_head_block, std::optional<std::uint64_t>(head));
  const auto types = event_types(intent);
  const std::vector<std::string> want = {"intent.created", "payment.detected", "intent.processing",
                                         "payment.confirmed", "intent.succeeded"};
  EXPECT_EQ(types, want);
  auto audit = processor->verify_audit();
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->ok);
}

TEST_F(TrackerFlow, PollOnceIsIdempotentAndWritesNothingWhenNothingHappened) {
  catch_up();
  auto intent = create();
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine(4);
  catch_up();
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  const auto before = processor->list_events(std::nullopt)->size();
  const auto calls_before = chain_a->calls();
  for (int i = 0; i < 3; ++i) poll();
  EXPECT_EQ(processor->list_events(std::nullopt)->size(), before);
  EXPECT_EQ(payments_of(intent).size(), 1U);
  // A caught-up poll costs one heads() call per chain and nothing else.
  const auto calls_after = chain_a->calls();
  EXPECT_EQ(calls_after.heads - calls_before.heads, 3U);
  EXPECT_EQ(calls_after.transfers, calls_before.transfers);
  EXPECT_EQ(calls_after.block, calls_before.block);
}

TEST_F(TrackerFlow, PartialPaymentStaysProcessingThenUnderpaidAtExpiry) {
  catch_up();
  auto intent = create("25.00", kChainA, 600);
  pay(*chain_a, intent.deposit_address, 20000000);
  chain_a->mine(3);
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);
  clock->advance(601s);
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kUnderpaid);
  // The underpaid event offers the remaining amount.
  auto ev = processor->list_events(intent.id);
  bool offered = false;
  for (const auto& e : *ev) {
    if (e.type != "intent.underpaid") continue;
    auto j = nlohmann::json::parse(e.data_json);
    EXPECT_EQ(j["intent"]["settlement"]["remaining"], "5");
    offered = j["intent"]["settlement"].contains("remaining_payment_uri");
  }
  EXPECT_TRUE(offered);
  // Paying the rest makes it succeed.
  pay(*chain_a, intent.deposit_address, 5000000);
  chain_a->mine(3);
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
}

TEST_F(TrackerFlow, OverpaymentSucceedsWithOverpaidFlag) {
  catch_up();
  auto intent = create("25.00");
  pay(*chain_a, intent.deposit_address, 30000000);
  chain_a->mine(3);
  poll();
  auto got = reload(intent);
  EXPECT_EQ(got.status, IntentStatus::kSucceeded);
  EXPECT_EQ(got.flags.count(IntentFlag::kOverpaid), 1U);
  EXPECT_EQ(count_events(intent, "intent.overpaid"), 1U);
}

TEST_F(TrackerFlow, ToleranceEdges) {
  init(make_config(confirmations(3), "0.05"));
  catch_up();
  auto at_edge = create("25.00");
  auto below = create("25.00");
  pay(*chain_a, at_edge.deposit_address, 24950000);
  pay(*chain_a, below.deposit_address, 24949999);
  chain_a->mine(3);
  poll();
  EXPECT_EQ(status_of(at_edge), IntentStatus::kSucceeded);
  EXPECT_EQ(status_of(below), IntentStatus::kProcessing);
}

TEST_F(TrackerFlow, LatePaymentOnExpiredIntentIsPaidLateAndFlagged) {
  catch_up();
  auto intent = create("25.00", kChainA, 600);
  clock->advance(601s);
  auto expired = processor->expire_due();
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(status_of(intent), IntentStatus::kExpired);
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine(3);
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kPaidLate);
  EXPECT_EQ(count_events(intent, "intent.paid_late"), 1U);
}

TEST_F(TrackerFlow, SecondPaymentAfterSuccessIsRecordedAndFlagged) {
  catch_up();
  auto intent = create("25.00");
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine(3);
  poll();
  ASSERT_EQ(status_of(intent), IntentStatus::kSucceeded);
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine(3);
  poll();
  auto got = reload(intent);
  EXPECT_EQ(got.status, IntentStatus::kSucceeded);
  EXPECT_EQ(got.flags.count(IntentFlag::kMultiplePayments), 1U);
  EXPECT_EQ(got.flags.count(IntentFlag::kOverpaid), 1U);
  auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 2U);
  EXPECT_NE(pays[1].flags_json.find("after_success"), std::string::npos);
}

TEST_F(TrackerFlow, FinalityByFinalizedTag) {
  init(make_config({{"kind", "finalized"}}));
  catch_up();
  auto intent = create();
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine(3);  // 3 confirmations mean nothing under this policy
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);
  chain_a->mine(2);  // finalized = latest - 5 is still below the payment's block
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);
  const std::uint64_t head = chain_a->mine(1).number;  // now it reaches it
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  // The latest head when it became final (6 blocks on top of the payment's).
  auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 1U);
  EXPECT_EQ(pays[0].final_head_block, std::optional<std::uint64_t>(head));
  EXPECT_EQ(head - pays[0].block_number + 1, 6U);
}

TEST_F(TrackerFlow, FinalityBySafeTagAndPinnedHead) {
  init(make_config({{"kind", "safe"}}));
  catch_up();
  auto intent = create();
  pay(*chain_a, intent.deposit_address, 25000000);
  const auto block = chain_a->mine().number;
  chain_a->mine(5);
  chain_a->set_safe(block - 1);  // pinned below the payment
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);
  chain_a->set_safe(block);
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
}

TEST_F(TrackerFlow, TagPolicyWithoutTheTagIsAnErrorNotAFinalPayment) {
  init(make_config({{"kind", "finalized"}}));
  SimChainOptions o;
  o.chain_id = kChainA;
  o.report_finalized = false;
  chain_a = std::make_shared<SimChain>(o);
  tracker = open_tracker();
  auto r = poll();
  ASSERT_FALSE(r.chains[0].error.ok());
  EXPECT_EQ(r.chains[0].error.code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.chains[0].error.message().find("no finalized head"), std::string::npos);
}

TEST_F(TrackerFlow, ReorgDropOrphansPendingPaymentAndRevertsIntent) {
  catch_up();
  auto intent = create();
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine();
  poll();
  ASSERT_EQ(status_of(intent), IntentStatus::kProcessing);
  ASSERT_TRUE(chain_a->reorg({1, 2, ReorgTransfers::kDrop, false}).ok());
  auto r = poll();
  EXPECT_EQ(r.chains[0].reorgs, 1U);
  EXPECT_EQ(r.chains[0].payments_orphaned, 1U);
  EXPECT_EQ(status_of(intent), IntentStatus::kRequiresPayment);
  auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 1U);
  EXPECT_EQ(pays[0].status, "orphaned");
  EXPECT_EQ(count_events(intent, "payment.orphaned"), 1U);
  chain_a->mine(5);
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kRequiresPayment);
  EXPECT_EQ(count_events(intent, "payment.confirmed"), 0U);
}

class TrackerReorgDepth : public TrackerFlow, public ::testing::WithParamInterface<int> {};

TEST_P(TrackerReorgDepth, RequeuedPaymentIsCreditedOnceAtItsNewBlock) {
  const int depth = GetParam();
  catch_up();
  auto intent = create();
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine(static_cast<std::uint32_t>(depth));
  poll();
  const auto before = payments_of(intent);
  ASSERT_EQ(before.size(), 1U);
  SimReorg reorg{static_cast<std::uint32_t>(depth), static_cast<std::uint32_t>(depth) + 1,
                 ReorgTransfers::kRequeue, true};
  ASSERT_TRUE(chain_a->reorg(reorg).ok());
  chain_a->mine(3);
  catch_up();
  auto after = payments_of(intent);
  ASSERT_EQ(after.size(), 1U);  // same (tx, log index): one payment
  EXPECT_EQ(after[0].id, before[0].id);
  EXPECT_NE(after[0].block_hash, before[0].block_hash);
  EXPECT_EQ(after[0].status, "final");
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  // Re-seen with enough confirmations in the same step: final again, no revert.
  EXPECT_EQ(count_events(intent, "intent.succeeded"), 1U);
  auto audit = processor->verify_audit();
  EXPECT_TRUE(audit->ok);
}

TEST_P(TrackerReorgDepth, DroppedPaymentIsOrphanedEvenBeyondFinality) {
  const int depth = GetParam();
  catch_up();
  auto intent = create();
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine(static_cast<std::uint32_t>(depth));
  poll();
  const bool was_final = depth >= 3;
  EXPECT_EQ(status_of(intent), was_final ? IntentStatus::kSucceeded : IntentStatus::kProcessing);
  ASSERT_TRUE(chain_a
                  ->reorg({static_cast<std::uint32_t>(depth), static_cast<std::uint32_t>(depth) + 1,
                           ReorgTransfers::kDrop, true})
                  .ok());
  auto r = poll();
  ASSERT_TRUE(r.ok()) << r.first_error().message();
  EXPECT_EQ(r.chains[0].payments_orphaned, 1U);
  EXPECT_EQ(status_of(intent), IntentStatus::kRequiresPayment);
  EXPECT_EQ(payments_of(intent)[0].status, "orphaned");
  // No longer final: no head at finality either.
  EXPECT_FALSE(payments_of(intent)[0].final_head_block.has_value());
  EXPECT_EQ(reload(intent).flags.count(IntentFlag::kOrphanedPayment), 1U);
}

INSTANTIATE_TEST_SUITE_P(Depths, TrackerReorgDepth, ::testing::Values(1, 2, 3, 5, 8));

TEST_F(TrackerFlow, ReorgDeeperThanTheWindowIsAnErrorNamingIt) {
  init(make_config(confirmations(3)), 4);
  catch_up();
  auto intent = create();
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine();
  poll();
  chain_a->mine(6);
  poll();
  ASSERT_TRUE(chain_a->reorg({7, 8, ReorgTransfers::kDrop, true}).ok());
  auto r = poll();
  ASSERT_FALSE(r.chains[0].error.ok());
  EXPECT_EQ(r.chains[0].error.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.chains[0].error.message().find("tracker: chain eip155:1337: reorg deeper than the "
                                             "reorg window"),
            std::string::npos)
      << r.chains[0].error.message();
}

TEST_F(TrackerFlow, BackendErrorKeepsCursorAndChangesNothing) {
  catch_up();
  auto intent = create();
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine(3);
  auto cursor = store->get_cursor({kChainA});
  ASSERT_TRUE(cursor.ok() && cursor->has_value());
  chain_a->fail_next_calls(2, Status(ErrorCode::kUnavailable, "simchain: injected outage"));
  auto r = poll();  // heads fails
  EXPECT_EQ(r.chains[0].error.code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.chains[0].error.message().find("tracker: chain eip155:1337: heads: simchain: "
                                             "injected outage"),
            std::string::npos)
      << r.chains[0].error.message();
  EXPECT_TRUE(r.chains[1].error.ok());  // the other chain carries on
  r = poll();                           // heads fails again
  EXPECT_FALSE(r.ok());
  EXPECT_EQ((*store->get_cursor({kChainA}))->next_block, (*cursor)->next_block);
  EXPECT_EQ(status_of(intent), IntentStatus::kRequiresPayment);
  EXPECT_TRUE(payments_of(intent).empty());
  r = poll();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  EXPECT_EQ(tracker->stats().failed_polls, 2U);
}

TEST_F(TrackerFlow, TwoTrackersOnOneStoreCreditOnce) {
  auto second = open_tracker();
  ASSERT_NE(second, nullptr);
  catch_up();
  auto intent = create();
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine(4);
  std::thread t1([&] {
    for (int i = 0; i < 20; ++i) (void)tracker->poll_once();
  });
  std::thread t2([&] {
    for (int i = 0; i < 20; ++i) (void)second->poll_once();
  });
  t1.join();
  t2.join();
  catch_up();
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  EXPECT_EQ(payments_of(intent).size(), 1U);
  EXPECT_EQ(count_events(intent, "payment.detected"), 1U);
  EXPECT_EQ(count_events(intent, "intent.succeeded"), 1U);
  EXPECT_TRUE(processor->verify_audit()->ok);
}

TEST_F(TrackerFlow, WrongNetworkTransferIsRecordedFlaggedNeverCredited) {
  catch_up();
  auto intent = create("25.00", kChainA);
  pay(*chain_b, intent.deposit_address, 25000000, kToken2);
  chain_b->mine(3);
  auto r = poll();
  EXPECT_EQ(r.chains[1].payments_wrong_network, 1U);
  auto got = reload(intent);
  EXPECT_EQ(got.status, IntentStatus::kRequiresPayment);
  EXPECT_EQ(got.flags.count(IntentFlag::kWrongNetwork), 1U);
  auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 1U);
  EXPECT_EQ(pays[0].chain, kChainB);
  EXPECT_NE(pays[0].flags_json.find("wrong_network"), std::string::npos);
  EXPECT_EQ(count_events(intent, "payment.wrong_network"), 1U);
  EXPECT_EQ(count_events(intent, "payment.detected"), 0U);
}

TEST_F(TrackerFlow, IntentsCreatedAfterOpenArePickedUp) {
  catch_up();
  for (int i = 0; i < 3; ++i) {
    auto intent = create();
    pay(*chain_a, intent.deposit_address, 25000000);
    chain_a->mine(3);
    poll();
    EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded) << i;
  }
  EXPECT_EQ(tracker->stats().watched_addresses, 3U);
}

TEST_F(TrackerFlow, StaticAddressPaymentGoesToTheOldestOpenIntentOfItsAmount) {
  nlohmann::json chain = testing::sim_evm_chain_json(kChainA, kToken, confirmations(3));
  chain.erase("xpub");
  chain.erase("derivation_path");
  chain["strategy"] = "static";
  chain["merchant_address"] = kCustomer;  // any valid address serves as the merchant's
  nlohmann::json c = {{"version", 1},
                      {"store", {{"path", "t.db"}}},
                      {"chains", {chain, testing::sim_evm_chain_json(kChainB, kToken2)}},
                      {"default_chain", kChainA},
                      {"default_token", "USD1"}};
  init(testing::parse_config_or_throw(c));
  poll();  // the watch list exists before the intents: they arrive by refresh
  const PaymentIntent older = create("7.00");
  clock->advance(1s);
  const PaymentIntent middle = create("7.00");
  clock->advance(1s);
  const PaymentIntent newer = create("7.00");
  ASSERT_EQ(older.deposit_address, newer.deposit_address);
  pay(*chain_a, older.deposit_address, 7000000);
  chain_a->mine(1);
  poll();
  EXPECT_EQ(status_of(older), IntentStatus::kProcessing);
  EXPECT_EQ(status_of(middle), IntentStatus::kRequiresPayment);
  EXPECT_EQ(status_of(newer), IntentStatus::kRequiresPayment);
  // The next payment of that amount goes to the next oldest.
  pay(*chain_a, older.deposit_address, 7000000);
  chain_a->mine(1);
  poll();
  EXPECT_EQ(status_of(middle), IntentStatus::kProcessing);
  EXPECT_EQ(status_of(newer), IntentStatus::kRequiresPayment);
}

TEST_F(TrackerFlow, TransfersToUnknownAddressesAreIgnored) {
  catch_up();
  pay(*chain_a, "0x2222222222222222222222222222222222222222", 5);
  chain_a->mine(3);
  auto r = poll();
  EXPECT_EQ(r.chains[0].payments_detected + r.chains[0].payments_unmatched, 0U);
  ListPaymentsParams p;
  EXPECT_TRUE(store->list_payments(p)->empty());
}

TEST_F(TrackerFlow, BackgroundLoopStartsFollowsAndStopsPromptly) {
  auto intent = create();
  ASSERT_TRUE(tracker->start().ok());
  EXPECT_TRUE(tracker->running());
  EXPECT_EQ(tracker->start().code(), ErrorCode::kFailedPrecondition);
  pay(*chain_a, intent.deposit_address, 25000000);
  chain_a->mine(3);
  for (int i = 0; i < 400 && status_of(intent) != IntentStatus::kSucceeded; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  const auto t0 = std::chrono::steady_clock::now();
  tracker->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_FALSE(tracker->running());
  tracker->stop();  // harmless
}

TEST_F(TrackerFlow, BackgroundLoopBacksOffOnErrors) {
  chain_a->fail_next_calls(1000000, Status(ErrorCode::kUnavailable, "simchain: down"));
  ASSERT_TRUE(tracker->start().ok());
  std::this_thread::sleep_for(200ms);
  tracker->stop();
  // Doubling from 5 ms: at most ~6 polls in 200 ms (5+10+20+40+80).
  const auto s = tracker->stats();
  EXPECT_GE(s.failed_polls, 2U);
  EXPECT_LE(s.failed_polls, 8U);
  EXPECT_GE(s.consecutive_failures, 2U);
}

TEST(TrackerOpen, RefusesWindowNotAboveConfirmationDepth) {
  TrackerOptions to;
  to.config = make_config(confirmations(12));
  to.reorg_window = 12;
  TempDir dir;
  auto s = open_sqlite_store({dir.file("x.db")});
  to.store = std::shared_ptr<Store>(std::move(*s));
  auto t = Tracker::open(std::move(to));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(t.status().message(),
            "tracker: reorg_window 12 must exceed the confirmation depth 12 of chain eip155:1337");
}

TEST(TrackerOpen, RefusesBackendOfAnotherChain) {
  TrackerOptions to;
  to.config = make_config(confirmations(3));
  SimChainOptions o;
  o.chain_id = "eip155:5";
  to.backends[kChainA] = std::make_shared<SimChain>(o);
  TempDir dir;
  to.store = std::shared_ptr<Store>(std::move(*open_sqlite_store({dir.file("x.db")})));
  auto t = Tracker::open(std::move(to));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(),
            "tracker: the backend given for eip155:1337 talks to chain eip155:5");
}

TEST(TrackerOpen, BuildsSimChainsFromConfig) {
  TrackerOptions to;
  to.config = make_config(confirmations(3));
  TempDir dir;
  to.store = std::shared_ptr<Store>(std::move(*open_sqlite_store({dir.file("x.db")})));
  auto t = Tracker::open(std::move(to));
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_NE((*t)->sim_chain(kChainA), nullptr);
  EXPECT_EQ((*t)->sim_chain(kChainA)->chain_id(), kChainA);
  EXPECT_EQ((*t)->backend("eip155:9"), nullptr);
}

}  // namespace
}  // namespace usd1pay
