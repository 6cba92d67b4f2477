// Reconciliation end to end on a real local chain: ganache 7 (npm) on
// 127.0.0.1, two ERC-20 tokens compiled by solc and deployed there, the real
// Tracker and Processor over a real SQLite store, customers' transfers sent as
// real transactions. One scenario produces every status of the closed set at
// least once; the records are checked row by row against what the scenario
// did, the CSV export is written twice (byte-identical) and read back by
// Python's csv module (strict) into exactly the expected rows.
//
// Two chains share the one node (recon needs both strategies): eip155:1337
// with xpub deposit addresses and token A, and "eip155:31337" (the same node,
// check_chain_id off) with the static strategy, a merchant address and token
// B, each tracker chain scanning only its own token. Token B sent to an
// xpub intent's deposit address is a payment on the wrong network; token B to
// the merchant address with no intent of that amount is an unmatched
// transfer; two static intents of the same amount make the payment ambiguous.
//
// Clocks as in the tracker's ganache test: the ManualClock starts at the
// latest block's time; expiry moves it and ganache's clock by the same 120 s.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/ganache.h"
#include "support/ganache_rpc.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/config.h"
#include "usd1pay/intent.h"
#include "usd1pay/recon.h"
#include "usd1pay/store.h"
#include "usd1pay/tracker.h"

namespace usd1pay {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::GanacheNode;
using testing::read_file;
using testing::run_process;
using testing::TempDir;

constexpr const char* kXpub =
    "xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54"
    "JoNXVsXFYSYwHsnJxqP";
constexpr const char* kChainB = "eip155:31337";
constexpr const char* kMerchant = "0x000000000000000000000000000000000000dEaD";
// An order id with a comma, quotes and non-ASCII text (intents refuse control
// characters): must survive the CSV.
const char kHostileOrder[] = "A,\"1\" line \xc3\xa9";

/// What a CSV row must hold (the columns a scenario decides).
struct Want {
  std::string label;  ///< the scenario's name for the intent ("" none)
  std::string status;
  std::string amount_expected;
  std::string amount_received;
  std::string difference;
  bool final = false;
  std::string tx_hash;  ///< "" when the row has no payment
  std::string chain;
  std::string order_id;
  std::string intent_id;  ///< filled from the label
};

Want W(const std::string& label, const std::string& status, const std::string& expected,
       const std::string& received, const std::string& difference, bool final,
       const std::string& tx_hash, const std::string& chain) {
  Want w;
  w.label = label;
  w.status = status;
  w.amount_expected = expected;
  w.amount_received = received;
  w.difference = difference;
  w.final = final;
  w.tx_hash = tx_hash;
  w.chain = chain;
  return w;
}

class ReconScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(GanacheNode::cli_path().empty())
        << "ganache is not installed in tests/peers: run scripts/install-deps.sh --npm";
    ASSERT_EQ(node_.start(), "");
    const json deploy = {{"op", "deploy"}, {"decimals", 6}, {"symbol", "USD1"}};
    auto tokens = testing::erc20_commands(node_, {deploy, deploy});
    ASSERT_EQ(tokens.size(), 2U);
    token_a_ = tokens[0]["address"];
    token_b_ = tokens[1]["address"];
    accounts_ = chain_.accounts();
    ASSERT_GE(accounts_.size(), 2U);
    send(0, token_a_, testing::kErc20MintSelector, accounts_[1], 1000000000);
    send(0, token_b_, testing::kErc20MintSelector, accounts_[1], 1000000000);
    clock_ = std::make_shared<ManualClock>(from_unix_seconds(head_time()));

    const json evm_backend = {{"url", node_.url()},         {"max_retries", 1},
                              {"backoff_base_ms", 20},      {"backoff_max_ms", 200},
                              {"connect_timeout_ms", 1000}, {"read_timeout_ms", 5000}};
    json backend_b = evm_backend;
    backend_b["check_chain_id"] = false;  // the same node under a second id
    const json finality = {{"kind", "confirmations"}, {"confirmations", 3}};
    json c = {{"version", 1},
              {"store", {{"path", "t.db"}, {"synchronous", "normal"}}},
              {"chains",
               {{{"id", GanacheNode::chain_id()},
                 {"backend", "evm-rpc"},
                 {"backend_settings", evm_backend},
                 {"finality", finality},
                 {"tokens", {{{"symbol", "USD1"}, {"contract", token_a_}, {"decimals", 6}}}},
                 {"strategy", "xpub"},
                 {"xpub", kXpub},
                 {"derivation_path", "0"}},
                {{"id", kChainB},
                 {"backend", "evm-rpc"},
                 {"backend_settings", backend_b},
                 {"finality", finality},
                 {"tokens", {{{"symbol", "USD1"}, {"contract", token_b_}, {"decimals", 6}}}},
                 {"strategy", "static"},
                 {"merchant_address", kMerchant}}}},
              {"default_chain", GanacheNode::chain_id()},
              {"default_token", "USD1"}};
    auto parsed = Config::parse(c.dump());
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    config_ = *parsed;
    config_.store.path = dir_.file("t.db");
    auto s = open_sqlite_store({dir_.file("t.db"), true, SqliteSynchronous::kNormal, 5000});
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::shared_ptr<Store>(std::move(*s));
    ProcessorOptions po;
    po.config = config_;
    po.store = store_;
    po.clock = clock_;
    auto p = Processor::open(po);
    ASSERT_TRUE(p.ok()) << p.status().message();
    processor_ = std::move(*p);
    TrackerOptions to;
    to.config = config_;
    to.store = store_;
    to.clock = clock_;
    to.start_block = head() + 1;
    auto t = Tracker::open(std::move(to));
    ASSERT_TRUE(t.ok()) << t.status().message();
    tracker_ = std::move(*t);
  }

  json rpc(const std::string& method, const json& params = json::array()) const {
    return chain_.call(method, params);
  }
  std::uint64_t head() const { return chain_.head(); }
  std::int64_t head_time() const { return chain_.head_time(); }
  void mine(int n) const { chain_.mine(n); }

  /// A token call from account `from`, mined at once (instamine eager).
  std::string send(std::size_t from, const std::string& token, const char* selector,
                   const std::string& to, std::uint64_t units) const {
    return chain_.token_call(accounts_[from], token, selector, to, units).tx_hash;
  }

  /// The customer (account 1) pays `units` (6 decimals) of a token.
  std::string pay(const std::string& token, const std::string& to, std::uint64_t units) const {
    return send(1, token, testing::kErc20TransferSelector, to, units);
  }

  std::uint64_t block_of(const std::string& tx_hash) const {
    json receipt = rpc("eth_getTransactionReceipt", json::array({tx_hash}));
    return receipt.is_object() ? testing::hex_quantity(receipt["blockNumber"]) : 0;
  }

  PaymentIntent create(const std::string& label, const std::string& amount, std::int64_t expires_in,
                       const std::string& chain = "") {
    CreateIntentRequest r;
    r.order_id = label == "matched" ? std::string(kHostileOrder) : "order-" + label;
    r.amount = amount;
    r.expires_in_seconds = expires_in;
    if (!chain.empty()) r.chain = chain;
    auto i = processor_->create_intent(r);
    EXPECT_TRUE(i.ok()) << label << ": " << i.status().message();
    if (!i.ok()) return {};
    intents_[label] = *i;
    return *i;
  }

  IntentStatus status_of(const std::string& label) const {
    auto got = processor_->get_intent(intents_.at(label).id);
    EXPECT_TRUE(got.ok()) << got.status().message();
    return got.ok() ? got->status : IntentStatus::kRequiresPayment;
  }

  void catch_up() {
    for (int i = 0; i < 50; ++i) {
      auto r = tracker_->poll_once();
      ASSERT_TRUE(r.ok()) << r.status().message();
      ASSERT_TRUE(r->ok()) << r->first_error().message();
      if (r->caught_up()) return;
    }
    FAIL() << "tracker not caught up after 50 polls";
  }

  Result<ExportResult> export_csv(const std::string& path) {
    ExportParams p;
    p.format = ExportFormat::kCsv;
    p.out_path = path;
    p.reconcile.orders_file = dir_.file("orders.csv");
    return export_settlement(*store_, p);
  }

  TempDir dir_;
  GanacheNode node_;
  testing::GanacheRpc chain_{node_};
  std::string token_a_;
  std::string token_b_;
  std::vector<std::string> accounts_;
  std::shared_ptr<ManualClock> clock_;
  Config config_;
  std::shared_ptr<Store> store_;
  std::unique_ptr<Processor> processor_;
  std::unique_ptr<Tracker> tracker_;
  std::map<std::string, PaymentIntent> intents_;
};

TEST_F(ReconScenarioTest, EveryStatusOnARealChainRowByRowExportedTwiceAndReadByPython) {
  catch_up();
  const std::string kA = GanacheNode::chain_id();
  // ---- intents (10.00 due unless said; expiry 60 s for those that expire) ----
  create("matched", "10.00", 3600);
  create("split", "10.00", 3600);   // 6 then 6: matched, then overpaid
  create("under", "10.00", 60);     // 4, then expiry: underpaid
  create("unpaid", "10.00", 3600);  // the orders file says 12.50: order_mismatch
  create("expired", "10.00", 60);
  create("late", "10.00", 60);
  create("dup", "10.00", 3600);
  create("orphan", "10.00", 3600);
  create("noorder", "10.00", 3600);  // not in the orders file
  create("wrongnet", "10.00", 3600);
  create("amb1", "3.00", 3600, kChainB);  // two static intents of 3.00
  create("amb2", "3.00", 3600, kChainB);
  ASSERT_FALSE(HasFailure());
  std::map<std::string, std::vector<std::string>> tx;  // label -> tx hashes in order

  // ---- payments before expiry ----
  tx["matched"].push_back(pay(token_a_, intents_["matched"].deposit_address, 10000000));
  tx["split"].push_back(pay(token_a_, intents_["split"].deposit_address, 6000000));
  tx["split"].push_back(pay(token_a_, intents_["split"].deposit_address, 6000000));
  tx["under"].push_back(pay(token_a_, intents_["under"].deposit_address, 4000000));
  tx["dup"].push_back(pay(token_a_, intents_["dup"].deposit_address, 10000000));
  // Token B (chain B) to an intent of chain A: the wrong network.
  tx["wrongnet"].push_back(pay(token_b_, intents_["wrongnet"].deposit_address, 10000000));
  // Token B to the merchant: 3.00 (two static intents could take it), 1.23 (none).
  const std::string amb_tx = pay(token_b_, kMerchant, 3000000);
  const std::string unmatched_tx = pay(token_b_, kMerchant, 1230000);
  mine(3);
  catch_up();
  // Every payment so far became final in that poll, at this head.
  const std::uint64_t head1 = head();
  EXPECT_EQ(status_of("matched"), IntentStatus::kSucceeded);
  EXPECT_EQ(status_of("split"), IntentStatus::kSucceeded);
  EXPECT_EQ(status_of("dup"), IntentStatus::kSucceeded);
  // The tracker gave the 3.00 to one of the two static intents: which one is
  // its business; the export must call it ambiguous and leave the other open.
  const bool first_took = status_of("amb1") == IntentStatus::kSucceeded;
  const std::string took = first_took ? "amb1" : "amb2";
  const std::string open_static = first_took ? "amb2" : "amb1";
  EXPECT_EQ(status_of(took), IntentStatus::kSucceeded);
  EXPECT_EQ(status_of(open_static), IntentStatus::kRequiresPayment);
  tx[took].push_back(amb_tx);
  // The customer pays `dup` again after it succeeded.
  tx["dup"].push_back(pay(token_a_, intents_["dup"].deposit_address, 10000000));
  mine(3);
  catch_up();
  const std::uint64_t head2 = head();

  // ---- expiry: both clocks move 120 s ----
  rpc("evm_increaseTime", {120});
  clock_->advance(120s);
  catch_up();
  auto expired = processor_->expire_due();
  ASSERT_TRUE(expired.ok()) << expired.status().message();
  EXPECT_EQ(status_of("under"), IntentStatus::kUnderpaid);
  EXPECT_EQ(status_of("expired"), IntentStatus::kExpired);
  EXPECT_EQ(status_of("late"), IntentStatus::kExpired);
  tx["late"].push_back(pay(token_a_, intents_["late"].deposit_address, 10000000));
  mine(3);
  catch_up();
  const std::uint64_t head3 = head();
  EXPECT_EQ(status_of("late"), IntentStatus::kPaidLate);

  // ---- a reorg drops a payment (evm_snapshot / evm_revert) ----
  const std::string snapshot = rpc("evm_snapshot").get<std::string>();
  tx["orphan"].push_back(pay(token_a_, intents_["orphan"].deposit_address, 10000000));
  catch_up();
  EXPECT_EQ(status_of("orphan"), IntentStatus::kProcessing);
  ASSERT_EQ(rpc("evm_revert", {snapshot}), true);
  mine(4);
  catch_up();
  EXPECT_EQ(status_of("orphan"), IntentStatus::kRequiresPayment);

  // ---- the shop's orders ----
  std::string orders = "order_id,amount,currency,created_at\r\n";
  orders += "\"A,\"\"1\"\" line \xc3\xa9\",10.00,USD,2026-03-01T10:00:00Z\r\n";
  for (const char* label :
       {"split", "under", "expired", "late", "dup", "orphan", "wrongnet", "amb1", "amb2"}) {
    const std::string amount = std::string(label).rfind("amb", 0) == 0 ? "3.00" : "10.00";
    orders += std::string("order-") + label + "," + amount + ",USD,2026-03-01T10:00:00Z\r\n";
  }
  orders += "order-unpaid,12.50,USD,2026-03-01T10:00:00Z\r\n";
  orders += "ORD-NOINTENT,5.00,USD,2026-03-01T09:00:00Z\r\n";
  testing::write_file(dir_.file("orders.csv"), orders);

  // ---- what the records must say, intents in id order ----
  std::map<std::string, std::vector<Want>> per_label = {
      {"matched", {W("matched", "matched", "10.00", "10.00", "0.00", true, tx["matched"][0], kA)}},
      {"split",
       {W("split", "matched", "10.00", "6.00", "-4.00", true, tx["split"][0], kA),
        W("split", "overpaid", "10.00", "6.00", "2.00", true, tx["split"][1], kA)}},
      {"under", {W("under", "underpaid", "10.00", "4.00", "-6.00", true, tx["under"][0], kA)}},
      {"unpaid",
       {W("unpaid", "unpaid", "10.00", "", "-10.00", false, "", kA),
        W("unpaid", "order_mismatch", "12.50", "", "", false, "", kA)}},
      {"expired", {W("expired", "expired_unpaid", "10.00", "", "-10.00", false, "", kA)}},
      {"late", {W("late", "paid_late", "10.00", "10.00", "0.00", true, tx["late"][0], kA)}},
      {"dup",
       {W("dup", "matched", "10.00", "10.00", "0.00", true, tx["dup"][0], kA),
        W("dup", "duplicate_payment", "10.00", "10.00", "10.00", true, tx["dup"][1], kA)}},
      {"orphan",
       {W("orphan", "orphaned", "10.00", "10.00", "", false, tx["orphan"][0], kA),
        W("orphan", "unpaid", "10.00", "", "-10.00", false, "", kA)}},
      {"noorder",
       {W("noorder", "unpaid", "10.00", "", "-10.00", false, "", kA),
        W("noorder", "intent_without_order", "10.00", "", "", false, "", kA)}},
      {"wrongnet",
       {W("wrongnet", "wrong_network", "10.00", "10.00", "", true, tx["wrongnet"][0], kChainB),
        W("wrongnet", "unpaid", "10.00", "", "-10.00", false, "", kA)}},
      {took, {W(took, "ambiguous", "3.00", "3.00", "0.00", true, amb_tx, kChainB)}},
      {open_static, {W(open_static, "unpaid", "3.00", "", "-3.00", false, "", kChainB)}},
  };
  std::vector<std::pair<std::string, std::string>> by_id;  // (intent id, label)
  for (const auto& [label, intent] : intents_) by_id.emplace_back(intent.id, label);
  std::sort(by_id.begin(), by_id.end());
  std::vector<Want> want;
  for (const auto& [id, label] : by_id) {
    for (Want w : per_label.at(label)) {
      w.intent_id = id;
      w.order_id = intents_.at(label).order_id;
      want.push_back(w);
    }
  }
  want.push_back(W("", "unmatched_transfer", "", "1.23", "", true, unmatched_tx, kChainB));
  Want orphan_order = W("", "order_without_intent", "5.00", "", "", false, "", "");
  orphan_order.order_id = "ORD-NOINTENT";
  want.push_back(orphan_order);

  // Every status of the closed set is in the scenario.
  std::set<std::string> statuses;
  for (const Want& w : want) statuses.insert(w.status);
  for (int s = 0; s <= static_cast<int>(ReconStatus::kOrderMismatch); ++s) {
    const std::string name(recon_status_name(static_cast<ReconStatus>(s)));
    EXPECT_EQ(statuses.count(name), 1U) << name << " is not produced by the scenario";
  }

  // ---- exported twice: byte-identical ----
  auto first = export_csv(dir_.file("first.csv"));
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = export_csv(dir_.file("second.csv"));
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(first->records, want.size());
  EXPECT_EQ(read_file(dir_.file("first.csv")), read_file(dir_.file("second.csv")));
  EXPECT_EQ(first->sha256_hex, second->sha256_hex);

  // ---- read back by Python's csv module, strict ----
  const char* script =
      "import csv, json, sys\n"
      "with open(sys.argv[1], newline='', encoding='utf-8', errors='strict') as f:\n"
      "    rows = list(csv.DictReader(f, strict=True))\n"
      "print(json.dumps(rows))\n";
  const auto py = run_process({"python3", "-c", script, dir_.file("first.csv")});
  ASSERT_EQ(py.exit_code, 0) << py.err;
  const json rows = json::parse(py.out);
  ASSERT_EQ(rows.size(), want.size());
  for (std::size_t k = 0; k < want.size(); ++k) {
    const Want& w = want[k];
    const json& row = rows[k];
    SCOPED_TRACE("row " + std::to_string(k + 1) + " (" + w.label + " " + w.status + ")");
    ASSERT_EQ(row.size(), 24U);
    EXPECT_EQ(row["schema_version"], "1");
    EXPECT_EQ(row["order_id"], w.order_id);
    EXPECT_EQ(row["intent_id"], w.intent_id);
    EXPECT_EQ(row["status"], w.status);
    EXPECT_EQ(row["chain"], w.chain);
    EXPECT_EQ(row["amount_expected"], w.amount_expected);
    EXPECT_EQ(row["amount_received"], w.amount_received);
    EXPECT_EQ(row["difference"], w.difference);
    EXPECT_EQ(row["final"], w.final ? "true" : "false");
    EXPECT_EQ(row["tx_hash"], w.tx_hash);
    EXPECT_EQ(row["token_symbol"], w.status == "order_without_intent" ? "" : "USD1");
    if (!w.tx_hash.empty()) {
      EXPECT_EQ(row["payer_address"].get<std::string>().size(), 42U);
      EXPECT_FALSE(row["block_number"].get<std::string>().empty());
      EXPECT_EQ(row["block_hash"].get<std::string>().size(), 66U);
    }
    // Confirmations at settlement: the head of the poll that made the
    // payment final (the policy's 3 at least) minus its block, plus one.
    const std::string conf = row["confirmations_at_settlement"];
    if (w.final) {
      const std::uint64_t block = block_of(w.tx_hash);
      const std::uint64_t at = w.tx_hash == tx["dup"].back()    ? head2
                               : w.tx_hash == tx["late"].back() ? head3
                                                                : head1;
      EXPECT_EQ(conf, std::to_string(at - block + 1));
      EXPECT_GE(at - block + 1, 3U);
      EXPECT_EQ(row["block_number"], std::to_string(block));
    } else {
      EXPECT_EQ(conf, "");
    }
  }
}

}  // namespace
}  // namespace usd1pay
