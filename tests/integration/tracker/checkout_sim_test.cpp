// The whole checkout as a merchant sees it, on SimChain + SQLite + Processor
// + Tracker: the Processor and the Tracker each open the store named by the
// config (two connections on one file, as two processes would), the Tracker
// builds its SimChains from the config ("backend": "sim") and the test drives
// them as the customers' wallets and the miners would.
//
// Cases: exact payment (events in the documented order, the payment row, the
// audit chain); underpaid by an exchange's fee -> expiry -> underpaid with
// the remaining amount and its payment request -> the rest paid ->
// succeeded; overpaid; paid twice; paid after expiry; paid on the wrong EVM
// network (same xpub); Solana Pay reference strategy; a reorg that removes a
// credited payment (orphaned, reverted, never succeeded) and one that
// re-queues it (credited once).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/pipeline.h"
#include "support/sample_config.h"
#include "support/temp_dir.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/settlement.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"

namespace usd1pay {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

constexpr const char* kEvm = "eip155:1337";
constexpr const char* kBase = "eip155:8453";
constexpr const char* kSolana = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
constexpr const char* kToken = "0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA";
constexpr const char* kBaseToken = "0x8d12A197cB00D4747a1fe03395095ce2A5CC6819";
constexpr const char* kMint = "6N4DoZFyhkdHb8qMYeACVH7Hi3C1LEHJ8aQw1drUFX5Z";
constexpr const char* kMerchantSol = "3Koo8UGnRrxpiK1hMaXeqmw7L9DxWmcexfuVrW28hML7";
constexpr const char* kCustomer = "0x1111111111111111111111111111111111111111";
constexpr const char* kCustomerSol = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
constexpr std::int64_t kGenesis = 1767225600;  // SimChain's default genesis time

std::string config_text(const std::string& store_path) {
  nlohmann::json c = {{"version", 1},
                      {"store", {{"path", store_path}, {"synchronous", "normal"}}},
                      {"chains",
                       {testing::sim_evm_chain_json(kEvm, kToken),
                        testing::sim_evm_chain_json(kBase, kBaseToken),
                        {{"id", kSolana},
                         {"backend", "sim"},
                         {"finality", {{"kind", "finalized"}}},
                         {"tokens", {{{"symbol", "USD1"}, {"contract", kMint}, {"decimals", 6}}}},
                         {"strategy", "reference"},
                         {"merchant_address", kMerchantSol}}}},
                      {"default_chain", kEvm},
                      {"default_token", "USD1"},
                      {"default_expiry_seconds", 900},
                      {"underpayment_tolerance", "0.00"},
                      {"actor", "shop"}};
  return c.dump();
}

class Checkout : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = Config::parse(config_text(dir.file("shop.db")));
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    config = *parsed;
    processor = testing::open_processor_or_throw(config, nullptr, clock);
    TrackerOptions to;
    to.config = config;
    to.clock = clock;
    to.start_block = 0;
    tracker = testing::open_tracker_or_throw(std::move(to));
    evm = tracker->sim_chain(kEvm);
    base = tracker->sim_chain(kBase);
    sol = tracker->sim_chain(kSolana);
    ASSERT_TRUE(evm && base && sol);
    // The merchant reads payments through a store of its own.
    auto s = open_sqlite_store({dir.file("shop.db")});
    ASSERT_TRUE(s.ok()) << s.status().message();
    store = std::move(*s);
    catch_up();
  }

  PaymentIntent create(const std::string& amount, const char* chain = kEvm,
                       std::int64_t expires_in = 900) {
    CreateIntentRequest r;
    r.order_id = "order-" + std::to_string(++orders);
    r.amount = amount;
    r.chain = chain;
    r.expires_in_seconds = expires_in;
    auto i = processor->create_intent(r);
    EXPECT_TRUE(i.ok()) << i.status().message();
    return i.ok() ? *i : PaymentIntent{};
  }

  std::string pay(SimChain& chain, const std::string& to, std::uint64_t units,
                  const char* token = kToken) {
    return chain.submit_transfer({token, kCustomer, to, Uint128(units), {}});
  }

  PollReport poll() {
    auto r = tracker->poll_once();
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return PollReport{};
    EXPECT_TRUE(r->ok()) << r->first_error().message();
    return *r;
  }

  void catch_up() {
    for (int i = 0; i < 50; ++i) {
      if (poll().caught_up()) return;
    }
    FAIL() << "not caught up";
  }

  PaymentIntent reload(const PaymentIntent& i) {
    auto got = processor->get_intent(i.id);
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : PaymentIntent{};
  }

  IntentStatus status_of(const PaymentIntent& i) { return reload(i).status; }

  std::vector<PaymentRow> payments_of(const PaymentIntent& i) {
    ListPaymentsParams p;
    p.intent_id = i.id;
    auto got = store->list_payments(p);
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : std::vector<PaymentRow>{};
  }

  std::vector<EventRow> events_of(const PaymentIntent& i) {
    auto ev = processor->list_events(i.id);
    EXPECT_TRUE(ev.ok());
    return ev.ok() ? *ev : std::vector<EventRow>{};
  }

  std::vector<std::string> types_of(const PaymentIntent& i) {
    std::vector<std::string> out;
    for (const auto& e : events_of(i)) out.push_back(e.type);
    return out;
  }

  std::size_t count(const PaymentIntent& i, const std::string& type) {
    std::size_t n = 0;
    for (const auto& t : types_of(i)) n += t == type ? 1U : 0U;
    return n;
  }

  // The data of the last event of a type (null when none).
  nlohmann::json last_event(const PaymentIntent& i, const std::string& type) {
    nlohmann::json out;
    for (const auto& e : events_of(i)) {
      if (e.type == type) out = nlohmann::json::parse(e.data_json);
    }
    return out;
  }

  void expect_audit_ok() {
    auto audit = processor->verify_audit();
    ASSERT_TRUE(audit.ok()) << audit.status().message();
    EXPECT_TRUE(audit->ok) << audit->problem << " at seq " << audit->first_bad_seq;
    EXPECT_GT(audit->events_checked, 0U);
  }

  // The events of an intent, step by step: a poll step writes its events
  // together (one apply_scan), in the order store.h gives for
  // ApplyScanParams (payment events and the intent's transition events;
  // that order is being revised to put the cause first), so each step is
  // compared as a multiset and the steps in order.
  static void expect_steps(const std::vector<std::string>& types,
                           const std::vector<std::vector<std::string>>& steps) {
    std::size_t at = 0;
    for (const auto& step : steps) {
      ASSERT_LE(at + step.size(), types.size()) << ::testing::PrintToString(types);
      std::vector<std::string> got(types.begin() + static_cast<std::ptrdiff_t>(at),
                                   types.begin() + static_cast<std::ptrdiff_t>(at + step.size()));
      std::vector<std::string> want = step;
      std::sort(got.begin(), got.end());
      std::sort(want.begin(), want.end());
      EXPECT_EQ(got, want) << "step at " << at << " of " << ::testing::PrintToString(types);
      at += step.size();
    }
    EXPECT_EQ(at, types.size()) << ::testing::PrintToString(types);
  }

  static bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }

  static std::vector<std::string> flags(const PaymentRow& p) {
    return nlohmann::json::parse(p.flags_json).get<std::vector<std::string>>();
  }

  TempDir dir;
  Config config;
  std::shared_ptr<ManualClock> clock =
      std::make_shared<ManualClock>(from_unix_seconds(kGenesis + 60));
  std::unique_ptr<Processor> processor;
  std::unique_ptr<Tracker> tracker;
  std::unique_ptr<Store> store;
  std::shared_ptr<SimChain> evm;
  std::shared_ptr<SimChain> base;
  std::shared_ptr<SimChain> sol;
  int orders = 0;
};

TEST_F(Checkout, ExactPaymentProcessingThenSucceededWithEventsInOrder) {
  auto intent = create("25.00");
  EXPECT_EQ(intent.status, IntentStatus::kRequiresPayment);
  EXPECT_EQ(intent.amount_due.base_units(), Uint128(25000000));
  const std::string tx = pay(*evm, intent.deposit_address, 25000000);
  const BlockRef mined = evm->mine();
  auto r = poll();
  EXPECT_EQ(r.chains[0].payments_detected, 1U);
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);
  expect_steps(types_of(intent), {{"intent.created"}, {"intent.processing", "payment.detected"}});
  auto detected = last_event(intent, "payment.detected");
  EXPECT_EQ(detected["payment"]["tx_hash"], tx);
  EXPECT_EQ(detected["payment"]["status"], "pending");
  EXPECT_EQ(detected["payment"]["amount_base_units"], "25000000");
  EXPECT_EQ(detected["payment"]["intent_id"], intent.id);

  evm->mine(2);
  r = poll();
  EXPECT_EQ(r.chains[0].payments_confirmed, 1U);
  const auto got = reload(intent);
  EXPECT_EQ(got.status, IntentStatus::kSucceeded);
  EXPECT_TRUE(got.flags.empty());
  expect_steps(types_of(intent), {{"intent.created"},
                                  {"intent.processing", "payment.detected"},
                                  {"intent.succeeded", "payment.confirmed"}});
  auto succeeded = last_event(intent, "intent.succeeded");
  EXPECT_EQ(succeeded["intent"]["status"], "succeeded");
  EXPECT_EQ(succeeded["intent"]["settlement"]["final_received"], "25");
  EXPECT_EQ(succeeded["intent"]["settlement"]["remaining"], "0");
  EXPECT_EQ(succeeded["intent"]["settlement"]["excess"], "0");
  for (const auto& e : events_of(intent)) {
    if (e.type != "intent.created") {
      EXPECT_EQ(e.actor, "tracker") << e.type;
    }
  }

  const auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 1U);
  EXPECT_EQ(pays[0].status, "final");
  EXPECT_EQ(pays[0].chain, kEvm);
  EXPECT_EQ(pays[0].tx_hash, tx);
  EXPECT_EQ(pays[0].log_index, 0U);
  EXPECT_EQ(pays[0].amount_base_units, "25000000");
  EXPECT_EQ(pays[0].block_number, mined.number);
  EXPECT_EQ(pays[0].block_hash, mined.hash);
  EXPECT_EQ(pays[0].block_time, mined.timestamp);
  EXPECT_EQ(pays[0].token_contract, kToken);
  EXPECT_EQ(pays[0].from_address, kCustomer);
  EXPECT_EQ(pays[0].to_address, intent.deposit_address);
  EXPECT_TRUE(flags(pays[0]).empty());
  EXPECT_GT(pays[0].final_at_ms, 0);

  // Nothing more happens on further polls.
  evm->mine(5);
  catch_up();
  EXPECT_EQ(events_of(intent).size(), 5U);
  expect_audit_ok();
}

TEST_F(Checkout, UnderpaidByAnExchangeFeeThenTheRemainingAmountIsPaid) {
  auto intent = create("25.00", kEvm, 600);
  pay(*evm, intent.deposit_address, 24000000);  // the exchange kept 1.00
  evm->mine(3);
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);  // final, but short, not expired
  EXPECT_EQ(count(intent, "payment.confirmed"), 1U);
  clock->advance(601s);
  poll();
  const auto under = reload(intent);
  EXPECT_EQ(under.status, IntentStatus::kUnderpaid);
  auto data = last_event(intent, "intent.underpaid");
  ASSERT_FALSE(data.is_null());
  const Amount remaining = *Amount::parse("1.00", 6);
  EXPECT_EQ(data["intent"]["settlement"]["remaining"], remaining.to_string());
  EXPECT_EQ(data["intent"]["settlement"]["final_received"], "24");
  auto uri = remaining_payment_uri(under, remaining);
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_EQ(data["intent"]["settlement"]["remaining_payment_uri"], *uri);
  // The request is for exactly the rest, to the same address and token.
  EXPECT_NE(uri->find(intent.deposit_address), std::string::npos) << *uri;
  EXPECT_NE(uri->find(kToken), std::string::npos) << *uri;
  EXPECT_NE(uri->find("uint256=1000000"), std::string::npos) << *uri;
  EXPECT_EQ(uri->find("uint256=25000000"), std::string::npos) << *uri;

  // The customer pays the remaining amount.
  pay(*evm, intent.deposit_address, 1000000);
  evm->mine();
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);  // underpaid -> processing
  evm->mine(2);
  poll();
  const auto done = reload(intent);
  EXPECT_EQ(done.status, IntentStatus::kSucceeded);
  EXPECT_EQ(done.flags.count(IntentFlag::kMultiplePayments), 1U);
  EXPECT_EQ(done.flags.count(IntentFlag::kOverpaid), 0U);
  const auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 2U);
  EXPECT_EQ(pays[0].amount_base_units, "24000000");
  EXPECT_EQ(pays[1].amount_base_units, "1000000");
  EXPECT_EQ(pays[0].status, "final");
  EXPECT_EQ(pays[1].status, "final");
  EXPECT_EQ(count(intent, "intent.succeeded"), 1U);
  const auto types = types_of(intent);
  const std::vector<std::string> statuses = [&] {
    std::vector<std::string> s;
    for (const auto& t : types) {
      if (t == "intent.processing" || t == "intent.underpaid" || t == "intent.succeeded") {
        s.push_back(t);
      }
    }
    return s;
  }();
  EXPECT_EQ(statuses, (std::vector<std::string>{"intent.processing", "intent.underpaid",
                                                "intent.processing", "intent.succeeded"}));
  expect_audit_ok();
}

TEST_F(Checkout, OverpaidSucceedsWithFlagAndExcess) {
  auto intent = create("25.00");
  pay(*evm, intent.deposit_address, 30500000);
  evm->mine(3);
  poll();
  const auto got = reload(intent);
  EXPECT_EQ(got.status, IntentStatus::kSucceeded);
  EXPECT_EQ(got.flags, (std::set<IntentFlag>{IntentFlag::kOverpaid}));
  auto data = last_event(intent, "intent.succeeded");
  EXPECT_EQ(data["intent"]["settlement"]["excess"], "5.5");
  EXPECT_EQ(data["intent"]["settlement"]["final_received"], "30.5");
  EXPECT_EQ(count(intent, "intent.overpaid"), 1U);
  ASSERT_EQ(payments_of(intent).size(), 1U);
  expect_audit_ok();
}

TEST_F(Checkout, PaidTwiceIsRecordedAndFlagged) {
  auto intent = create("25.00");
  const std::string first = pay(*evm, intent.deposit_address, 25000000);
  evm->mine(3);
  poll();
  ASSERT_EQ(status_of(intent), IntentStatus::kSucceeded);
  const std::string second = pay(*evm, intent.deposit_address, 25000000);
  evm->mine();
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);  // sticky: never back to processing
  evm->mine(2);
  poll();
  const auto got = reload(intent);
  EXPECT_EQ(got.status, IntentStatus::kSucceeded);
  EXPECT_EQ(got.flags,
            (std::set<IntentFlag>{IntentFlag::kOverpaid, IntentFlag::kMultiplePayments}));
  const auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 2U);
  EXPECT_EQ(pays[0].tx_hash, first);
  EXPECT_EQ(pays[1].tx_hash, second);
  EXPECT_FALSE(has(flags(pays[0]), "after_success"));
  EXPECT_TRUE(has(flags(pays[1]), "after_success"));
  EXPECT_EQ(count(intent, "payment.detected"), 2U);
  EXPECT_EQ(count(intent, "intent.succeeded"), 1U);
  EXPECT_EQ(count(intent, "intent.multiple_payments"), 1U);
  auto data = last_event(intent, "intent.multiple_payments");
  EXPECT_EQ(data["intent"]["status"], "succeeded");
  expect_audit_ok();
}

TEST_F(Checkout, LatePaymentAfterExpiryIsPaidLateNotSucceeded) {
  auto intent = create("25.00", kEvm, 600);
  clock->advance(601s);
  auto swept = processor->expire_due();
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1U);
  ASSERT_EQ(status_of(intent), IntentStatus::kExpired);
  // The chain's clock catches up with the wall clock: the payment's block
  // time is after expires_at.
  evm->mine(60);
  pay(*evm, intent.deposit_address, 25000000);
  const BlockRef b = evm->mine();
  ASSERT_GT(b.timestamp, to_unix_seconds(intent.expires_at));
  evm->mine(2);
  catch_up();
  EXPECT_EQ(status_of(intent), IntentStatus::kPaidLate);
  const auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 1U);
  EXPECT_EQ(pays[0].status, "final");
  EXPECT_TRUE(has(flags(pays[0]), "late"));
  EXPECT_EQ(count(intent, "intent.paid_late"), 1U);
  EXPECT_EQ(count(intent, "payment.late"), 1U);
  EXPECT_EQ(count(intent, "intent.succeeded"), 0U);
  expect_audit_ok();
}

TEST_F(Checkout, WrongNetworkPaymentIsFlaggedAndNotCredited) {
  auto intent = create("25.00", kEvm);
  // Same xpub on Base: the same address exists there; the customer picked
  // the wrong network in the wallet.
  pay(*base, intent.deposit_address, 25000000, kBaseToken);
  base->mine(3);
  auto r = poll();
  EXPECT_EQ(r.chains[1].payments_wrong_network, 1U);
  EXPECT_EQ(r.chains[0].payments_detected, 0U);
  const auto got = reload(intent);
  EXPECT_EQ(got.status, IntentStatus::kRequiresPayment);
  EXPECT_EQ(got.flags, (std::set<IntentFlag>{IntentFlag::kWrongNetwork}));
  const auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 1U);
  EXPECT_EQ(pays[0].chain, kBase);
  EXPECT_EQ(pays[0].token_contract, kBaseToken);
  EXPECT_EQ(pays[0].status, "final");  // confirmed by the chain it was seen on
  EXPECT_TRUE(has(flags(pays[0]), "wrong_network"));
  EXPECT_EQ(count(intent, "payment.wrong_network"), 1U);
  EXPECT_EQ(count(intent, "intent.wrong_network"), 1U);
  EXPECT_EQ(count(intent, "payment.detected"), 0U);
  EXPECT_EQ(count(intent, "intent.succeeded"), 0U);
  // The right payment afterwards still works.
  pay(*evm, intent.deposit_address, 25000000);
  evm->mine(3);
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  EXPECT_EQ(reload(intent).flags.count(IntentFlag::kWrongNetwork), 1U);
  expect_audit_ok();
}

TEST_F(Checkout, SolanaPayReferenceStrategySucceeds) {
  auto intent = create("12.34", kSolana);
  EXPECT_EQ(intent.strategy, DepositStrategy::kReference);
  EXPECT_EQ(intent.deposit_address, kMerchantSol);
  ASSERT_FALSE(intent.reference.empty());
  // A transfer to the merchant carrying another reference is not this intent's.
  sol->submit_transfer(
      {kMint, kCustomerSol, kMerchantSol, Uint128(12340000), {"11111111111111111111111111111112"}});
  const std::string tx = sol->submit_transfer(
      {kMint, kCustomerSol, kMerchantSol, Uint128(12340000), {intent.reference}});
  sol->mine();
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);
  // Finality by the finalized tag (SimChain: latest - 64).
  sol->mine(63);
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kProcessing);
  sol->mine(1);
  poll();
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  const auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 1U);
  EXPECT_EQ(pays[0].tx_hash, tx);
  EXPECT_EQ(pays[0].chain, kSolana);
  EXPECT_EQ(pays[0].amount_base_units, "12340000");
  EXPECT_EQ(pays[0].status, "final");
  // The other transfer to the merchant address is kept for reconciliation.
  ListPaymentsParams unmatched;
  unmatched.intent_id = "";
  auto other = store->list_payments(unmatched);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1U);
  EXPECT_EQ((*other)[0].to_address, kMerchantSol);
  expect_steps(types_of(intent), {{"intent.created"},
                                  {"intent.processing", "payment.detected"},
                                  {"intent.succeeded", "payment.confirmed"}});
  expect_audit_ok();
}

TEST_F(Checkout, ReorgRemovingACreditedPaymentOrphansItAndNeverSucceeds) {
  auto intent = create("25.00");
  pay(*evm, intent.deposit_address, 25000000);
  evm->mine(2);  // 2 of 3 confirmations: credited, not final
  poll();
  ASSERT_EQ(status_of(intent), IntentStatus::kProcessing);
  ASSERT_TRUE(evm->reorg({2, 4, ReorgTransfers::kDrop, false}).ok());
  auto r = poll();
  EXPECT_EQ(r.chains[0].reorgs, 1U);
  EXPECT_EQ(r.chains[0].payments_orphaned, 1U);
  const auto got = reload(intent);
  EXPECT_EQ(got.status, IntentStatus::kRequiresPayment);
  EXPECT_EQ(got.flags.count(IntentFlag::kOrphanedPayment), 1U);
  evm->mine(10);
  catch_up();
  EXPECT_EQ(status_of(intent), IntentStatus::kRequiresPayment);
  const auto pays = payments_of(intent);
  ASSERT_EQ(pays.size(), 1U);
  EXPECT_EQ(pays[0].status, "orphaned");
  EXPECT_EQ(count(intent, "payment.orphaned"), 1U);
  EXPECT_EQ(count(intent, "intent.requires_payment"), 1U);
  EXPECT_EQ(count(intent, "intent.succeeded"), 0U);
  EXPECT_EQ(count(intent, "payment.confirmed"), 0U);
  expect_audit_ok();
}

TEST_F(Checkout, ReorgRequeueingACreditedPaymentCreditsItOnce) {
  auto intent = create("25.00");
  const std::string tx = pay(*evm, intent.deposit_address, 25000000);
  evm->mine(2);
  poll();
  const auto before = payments_of(intent);
  ASSERT_EQ(before.size(), 1U);
  ASSERT_TRUE(evm->reorg({2, 2, ReorgTransfers::kRequeue, false}).ok());
  poll();
  evm->mine(3);
  catch_up();
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  const auto after = payments_of(intent);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after[0].id, before[0].id);
  EXPECT_EQ(after[0].tx_hash, tx);
  EXPECT_NE(after[0].block_hash, before[0].block_hash);
  EXPECT_EQ(after[0].block_hash, evm->block({after[0].block_number})->hash);
  EXPECT_EQ(after[0].status, "final");
  EXPECT_EQ(count(intent, "intent.succeeded"), 1U);
  EXPECT_EQ(count(intent, "payment.confirmed"), 1U);
  expect_audit_ok();
}

}  // namespace
}  // namespace usd1pay
