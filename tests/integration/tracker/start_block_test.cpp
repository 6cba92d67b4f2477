// The configuration's per-chain `start_block` (docs/config.md#start_block)
// with real parts: the config parsed from JSON text, a Processor and a
// Tracker on one SQLite file (each its own connection), and SimChains that
// the test mines before the tracker ever runs. The same SimChain is handed to
// every Tracker opened in a test, so a second open sees the chain and the
// store as the first one left them, as a restarted process would.
//
// Cases: a payment mined before the first poll is found with start_block and
// not without it; the chain's start_block wins over
// TrackerOptions::start_block, which still serves a chain without one; a
// start above the head waits there; an existing cursor is never moved by a
// later, different start_block (lower or higher); two chains, only one with
// start_block.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/pipeline.h"
#include "support/sample_config.h"
#include "support/temp_dir.h"
#include "usd1pay/amount.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/sim_chain.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"

namespace usd1pay {
namespace {

using testing::kChain;
using testing::kCustomer;
using testing::kToken;
using testing::TempDir;

constexpr const char* kOther = "eip155:31337";
constexpr const char* kOtherToken = "0x8d12A197cB00D4747a1fe03395095ce2A5CC6819";

class TrackerStartBlock : public ::testing::Test {
 protected:
  void SetUp() override {
    chain = std::make_shared<SimChain>();
    SimChainOptions other_options;
    other_options.chain_id = kOther;
    other = std::make_shared<SimChain>(other_options);
    auto s = open_sqlite_store({dir.file("shop.db")});
    ASSERT_TRUE(s.ok()) << s.status().message();
    store = std::move(*s);
  }

  // The shop config (3 confirmations on kChain) with `start_block` on kChain
  // when given, and kOther as a second chain when `two_chains`.
  Config config(std::optional<std::uint64_t> start_block, bool two_chains = false) {
    nlohmann::json doc = testing::sim_shop_config_json(dir.file("shop.db"));
    if (start_block) doc["chains"][0]["start_block"] = *start_block;
    if (two_chains) doc["chains"].push_back(testing::sim_evm_chain_json(kOther, kOtherToken));
    auto parsed = Config::parse(doc.dump());
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    return parsed.ok() ? *parsed : Config{};
  }

  // A Tracker on `c` over the test's SimChains, opening the store the
  // config names (a connection of its own).
  std::unique_ptr<Tracker> open_tracker(const Config& c,
                                        std::optional<std::uint64_t> option = std::nullopt) {
    TrackerOptions to;
    to.config = c;
    to.backends[kChain] = chain;
    if (c.find_chain(kOther) != nullptr) to.backends[kOther] = other;
    to.start_block = option;
    return testing::open_tracker_or_throw(std::move(to));
  }

  PaymentIntent create(const Config& c, const std::string& amount, const char* on = kChain) {
    if (!processor) processor = testing::open_processor_or_throw(c);
    CreateIntentRequest r;
    r.order_id = "order-" + std::to_string(++orders);
    r.amount = amount;
    r.chain = on;
    auto i = processor->create_intent(r);
    EXPECT_TRUE(i.ok()) << i.status().message();
    return i.ok() ? *i : PaymentIntent{};
  }

  // Pays the intent in full on `on` and mines the block holding it; returns
  // that block's number.
  std::uint64_t pay(const PaymentIntent& intent, SimChain& on, const char* token = kToken) {
    on.submit_transfer(
        {token, kCustomer, intent.deposit_address, intent.amount_due.base_units(), {}});
    return on.mine(1).number;
  }

  // The chain's report of one poll (which must succeed everywhere).
  ChainPollReport poll(Tracker& tracker, const char* which = kChain) {
    auto r = tracker.poll_once();
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return {};
    EXPECT_TRUE(r->ok()) << r->first_error().message();
    for (const auto& c : r->chains) {
      if (c.chain == which) return c;
    }
    ADD_FAILURE() << "no report for " << which;
    return {};
  }

  IntentStatus status_of(const PaymentIntent& i) {
    auto got = processor->get_intent(i.id);
    EXPECT_TRUE(got.ok()) << got.status().message();
    return got.ok() ? got->status : IntentStatus::kCanceled;
  }

  std::vector<PaymentRow> payments(const char* on = kChain) {
    ListPaymentsParams p;
    p.chain = on;
    auto got = store->list_payments(p);
    EXPECT_TRUE(got.ok()) << got.status().message();
    return got.ok() ? *got : std::vector<PaymentRow>{};
  }

  std::optional<std::uint64_t> cursor(const char* on = kChain) {
    auto got = store->get_cursor({on});
    EXPECT_TRUE(got.ok()) << got.status().message();
    if (!got.ok() || !*got) return std::nullopt;
    return (*got)->next_block;
  }

  // The intent's event types in order.
  std::vector<std::string> events_of(const PaymentIntent& i) {
    ListEventsParams p;
    p.intent_id = i.id;
    auto got = store->list_events(p);
    EXPECT_TRUE(got.ok()) << got.status().message();
    std::vector<std::string> types;
    if (got.ok()) {
      for (const auto& e : *got) types.push_back(e.type);
    }
    return types;
  }

  TempDir dir;
  std::shared_ptr<SimChain> chain;
  std::shared_ptr<SimChain> other;
  std::shared_ptr<Store> store;  // the merchant's own reading connection
  std::unique_ptr<Processor> processor;
  int orders = 0;
};

TEST_F(TrackerStartBlock, APaymentMinedBeforeTheFirstPollIsFoundFromStartBlock) {
  const Config c = config(0);
  const PaymentIntent intent = create(c, "7.00");
  const std::uint64_t paid_in = pay(intent, *chain);
  EXPECT_EQ(paid_in, 1u);
  chain->mine(30);  // head 31: far below where a first scan would start

  auto tracker = open_tracker(c);
  const ChainPollReport r = poll(*tracker);
  EXPECT_EQ(r.from_block, 0u);
  EXPECT_EQ(r.to_block, 31u);
  EXPECT_EQ(r.blocks_scanned, 32u);
  EXPECT_EQ(r.payments_detected, 1u);
  EXPECT_EQ(r.payments_confirmed, 1u);
  EXPECT_TRUE(r.caught_up);
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  const auto pays = payments();
  ASSERT_EQ(pays.size(), 1u);
  EXPECT_EQ(pays[0].intent_id, intent.id);
  EXPECT_EQ(pays[0].block_number, paid_in);
  EXPECT_EQ(pays[0].status, "final");
  EXPECT_EQ(pays[0].final_head_block, std::optional<std::uint64_t>(31));
  EXPECT_EQ(cursor(), std::optional<std::uint64_t>(32));
}

TEST_F(TrackerStartBlock, WithoutStartBlockTheFirstScanStartsNearTheHeadAndMissesIt) {
  const Config c = config(std::nullopt);
  const PaymentIntent intent = create(c, "7.00");
  EXPECT_EQ(pay(intent, *chain), 1u);
  chain->mine(30);

  auto tracker = open_tracker(c);
  const ChainPollReport r = poll(*tracker);
  EXPECT_EQ(r.from_block, 29u);  // latest - 3 confirmations + 1
  EXPECT_EQ(r.to_block, 31u);
  EXPECT_EQ(r.payments_detected, 0u);
  EXPECT_TRUE(r.caught_up);
  EXPECT_EQ(status_of(intent), IntentStatus::kRequiresPayment);
  EXPECT_TRUE(payments().empty());
  // And it never will be: the next polls go on from the cursor.
  chain->mine(5);
  EXPECT_EQ(poll(*tracker).from_block, 32u);
  EXPECT_TRUE(payments().empty());
}

TEST_F(TrackerStartBlock, TheChainsStartBlockWinsOverTrackerOptionsWhichServesChainsWithout) {
  // Both set: the chain's own key decides (block 10), so the payment in
  // block 1 is not looked for although the option says 0.
  {
    const Config c = config(10);
    const PaymentIntent intent = create(c, "7.00");
    EXPECT_EQ(pay(intent, *chain), 1u);
    chain->mine(30);
    auto tracker = open_tracker(c, 0);
    const ChainPollReport r = poll(*tracker);
    EXPECT_EQ(r.from_block, 10u);
    EXPECT_EQ(r.payments_detected, 0u);
    EXPECT_TRUE(payments().empty());
  }
  // Only the option: it still applies (a fresh store, the same chain).
  TempDir second;
  nlohmann::json doc = testing::sim_shop_config_json(second.file("shop.db"));
  auto parsed = Config::parse(doc.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  auto tracker = open_tracker(*parsed, 5);
  EXPECT_EQ(poll(*tracker).from_block, 5u);
}

TEST_F(TrackerStartBlock, AStartAboveTheHeadWaitsForTheChain) {
  chain->mine(10);
  const Config c = config(20);
  const PaymentIntent early = create(c, "1.00");
  const PaymentIntent late = create(c, "2.00");
  auto tracker = open_tracker(c);
  ChainPollReport r = poll(*tracker);
  EXPECT_EQ(r.latest, 10u);
  EXPECT_EQ(r.blocks_scanned, 0u);
  EXPECT_EQ(r.next_block, 20u);
  EXPECT_EQ(cursor(), std::optional<std::uint64_t>(20));  // placed, waiting

  EXPECT_EQ(pay(early, *chain), 11u);  // below the start: not looked for
  chain->mine(8);                      // head 19
  r = poll(*tracker);
  EXPECT_EQ(r.blocks_scanned, 0u);
  EXPECT_EQ(r.next_block, 20u);
  EXPECT_EQ(pay(late, *chain), 20u);  // the start block itself
  chain->mine(2);
  r = poll(*tracker);
  EXPECT_EQ(r.from_block, 20u);
  EXPECT_EQ(r.to_block, 22u);
  EXPECT_EQ(r.payments_detected, 1u);
  EXPECT_EQ(status_of(early), IntentStatus::kRequiresPayment);
  EXPECT_EQ(status_of(late), IntentStatus::kSucceeded);
  const auto pays = payments();
  ASSERT_EQ(pays.size(), 1u);
  EXPECT_EQ(pays[0].intent_id, late.id);
}

TEST_F(TrackerStartBlock, AnExistingCursorIsNeverMovedByALaterStartBlock) {
  const Config first = config(0);
  const PaymentIntent intent = create(first, "7.00");
  EXPECT_EQ(pay(intent, *chain), 1u);
  chain->mine(30);
  {
    auto tracker = open_tracker(first);
    EXPECT_EQ(poll(*tracker).payments_detected, 1u);
  }
  ASSERT_EQ(cursor(), std::optional<std::uint64_t>(32));
  const std::vector<std::string> first_events = events_of(intent);
  EXPECT_EQ(std::count(first_events.begin(), first_events.end(), "payment.detected"), 1);
  EXPECT_EQ(std::count(first_events.begin(), first_events.end(), "intent.succeeded"), 1);

  // Reopened with an earlier start: it goes on from its cursor, nothing is
  // scanned again, credited twice or announced again.
  const PaymentIntent second = create(first, "3.00");
  const std::uint64_t second_in = pay(second, *chain);
  EXPECT_EQ(second_in, 32u);
  chain->mine(2);
  {
    auto tracker = open_tracker(config(1));
    const ChainPollReport r = poll(*tracker);
    EXPECT_EQ(r.from_block, 32u);
    EXPECT_EQ(r.to_block, 34u);
    EXPECT_EQ(r.payments_detected, 1u);
  }
  EXPECT_EQ(cursor(), std::optional<std::uint64_t>(35));
  EXPECT_EQ(status_of(intent), IntentStatus::kSucceeded);
  EXPECT_EQ(status_of(second), IntentStatus::kSucceeded);
  EXPECT_EQ(payments().size(), 2u);
  EXPECT_EQ(events_of(intent), first_events);  // nothing announced again

  // Reopened with a start far above the head, or with none: the same.
  chain->mine(3);
  for (const std::optional<std::uint64_t> later :
       {std::optional<std::uint64_t>(1000000), std::optional<std::uint64_t>()}) {
    const std::uint64_t before = *cursor();
    auto tracker = open_tracker(config(later));
    const ChainPollReport r = poll(*tracker);
    EXPECT_EQ(r.next_block, chain->head().number + 1);
    if (r.blocks_scanned > 0) {
      EXPECT_EQ(r.from_block, before);
    }
    EXPECT_EQ(cursor(), std::optional<std::uint64_t>(chain->head().number + 1));
  }
  EXPECT_EQ(payments().size(), 2u);
}

TEST_F(TrackerStartBlock, OnlyTheChainWithTheKeyStartsThere) {
  const Config c = config(0, /*two_chains=*/true);
  const PaymentIntent here = create(c, "7.00", kChain);
  const PaymentIntent there = create(c, "8.00", kOther);
  EXPECT_EQ(pay(here, *chain), 1u);
  EXPECT_EQ(pay(there, *other, kOtherToken), 1u);
  chain->mine(30);
  other->mine(30);
  auto tracker = open_tracker(c);
  auto r = tracker->poll_once();
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->ok()) << r->first_error().message();
  ASSERT_EQ(r->chains.size(), 2u);
  EXPECT_EQ(r->chains[0].chain, kChain);
  EXPECT_EQ(r->chains[0].from_block, 0u);
  EXPECT_EQ(r->chains[0].payments_detected, 1u);
  EXPECT_EQ(r->chains[1].chain, kOther);
  EXPECT_EQ(r->chains[1].from_block, 29u);
  EXPECT_EQ(r->chains[1].payments_detected, 0u);
  EXPECT_EQ(status_of(here), IntentStatus::kSucceeded);
  EXPECT_EQ(status_of(there), IntentStatus::kRequiresPayment);
}

}  // namespace
}  // namespace usd1pay
