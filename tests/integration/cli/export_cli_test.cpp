// `usd1pay export` and `usd1pay lookup` as real processes on a real SQLite
// file with the sample configuration.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/store.h"

namespace usd1pay {
namespace {

using testing::ProcessResult;
using testing::read_file;
using testing::required_env;
using testing::run_process;
using testing::TempDir;
using testing::write_file;

class ExportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.file("usd1pay.json");
    write_file(config_, read_file(required_env("USD1PAY_SOURCE_DIR") + "/samples/usd1pay.json"));
    ASSERT_EQ(cli({"init"}).exit_code, 0);
    const auto r = cli({"intent", "create", "--order", "A,\"x\" \xc3\xa9", "--amount", "25.00"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    intent_ = nlohmann::json::parse(r.out);
    intent_id_ = intent_["id"];
  }

  ProcessResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), required_env("USD1PAY_CLI"));
    args.push_back("--config");
    args.push_back(config_);
    return run_process(args);
  }

  TempDir dir_;
  std::string config_;
  nlohmann::json intent_;
  std::string intent_id_;
};

TEST_F(ExportCliTest, CsvToStdoutIsSilentOnStderrWhenPiped) {
  const auto r = cli({"export", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // no progress bar when stderr is not a terminal
  EXPECT_EQ(r.out.rfind("schema_version,settlement_time,order_id,", 0), 0u);
  EXPECT_NE(r.out.find(",\"A,\"\"x\"\" \xc3\xa9\"," + intent_id_ + ",unpaid,"), std::string::npos)
      << r.out;
}

TEST_F(ExportCliTest, OutAndManifestAreByteIdenticalAcrossRuns) {
  const auto a = cli({"export", "--format", "jsonl", "--out", dir_.file("a.jsonl"), "--manifest"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b = cli({"export", "--format", "jsonl", "--out", dir_.file("b.jsonl")});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(read_file(dir_.file("a.jsonl")), read_file(dir_.file("b.jsonl")));
  const auto summary = nlohmann::json::parse(a.out);
  const auto manifest = nlohmann::json::parse(read_file(dir_.file("a.jsonl.manifest.json")));
  EXPECT_EQ(summary["sha256"], manifest["sha256"]);
  EXPECT_EQ(manifest["records"], 1);
}

TEST_F(ExportCliTest, OrdersColumnMappingFindsTheOrderAndReportsTheOthers) {
  write_file(dir_.file("shop.csv"),
             "Total,Order No,Placed,Cur\n25.00,\"A,\"\"x\"\" \xc3\xa9\",2026-03-01T10:00:00Z,USD\n"
             "9.99,ORD-9,2026-03-01T09:00:00Z,USD\n");
  auto r = cli({"export", "--orders", dir_.file("shop.csv"), "--orders-id-column", "Order No",
                "--orders-amount-column", "Total", "--orders-currency-column", "Cur",
                "--orders-created-column", "Placed"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The intent's order is found (no intent_without_order row); ORD-9 is not
  // any intent's.
  EXPECT_NE(r.out.find("," + intent_id_ + ",unpaid,"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("intent_without_order"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(",ORD-9,,order_without_intent,none,"), std::string::npos) << r.out;
  // Without the mapping the default names are missing from that header.
  r = cli({"export", "--orders", dir_.file("shop.csv")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("shop.csv:1:1: the header has no column 'order_id'"), std::string::npos)
      << r.err;
}

TEST_F(ExportCliTest, JournalAccountOptions) {
  auto r = cli({"export", "--format", "journal", "--account-wallet", "Bank:{chain}:{token}",
                "--account-receivable", "AR", "--account-customer-credit", "Credits",
                "--account-unapplied", "Suspense"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("journal_id,line,date,account,", 0), 0u) << r.out;
  r = cli({"export", "--format", "csv", "--account-receivable", "AR"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--account-receivable applies to --format journal only"), std::string::npos)
      << r.err;
  r = cli({"export", "--format", "journal", "--account-wallet", ""});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--account-wallet: the name is empty"), std::string::npos) << r.err;
  r = cli({"export", "--orders-id-column", "No"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--orders-id-column needs --orders FILE"), std::string::npos) << r.err;
}

TEST_F(ExportCliTest, BadOptionsAreUsageErrors) {
  auto r = cli({"export", "--format", "xml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown export format 'xml'"), std::string::npos) << r.err;
  r = cli({"export", "--from", "2024-02-30"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--from '2024-02-30'"), std::string::npos) << r.err;
  r = cli({"export", "--manifest"});
  EXPECT_EQ(r.exit_code, 2);
  write_file(dir_.file("orders.csv"), "order_id,amount,currency,created_at\nx,1,USD,\"bad\n");
  r = cli({"export", "--orders", dir_.file("orders.csv"), "--out", dir_.file("o.csv")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("orders.csv:2:9: quoted field is not closed"), std::string::npos) << r.err;
}

TEST_F(ExportCliTest, LookupByIntentAndOrder) {
  auto r = cli({"lookup", intent_id_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["intents"].size(), 1u);
  EXPECT_EQ(j["intents"][0]["order_id"], "A,\"x\" \xc3\xa9");
  EXPECT_EQ(j["events"][0]["type"], "intent.created");
  r = cli({"lookup", "A,\"x\" \xc3\xa9", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["intents"][0]["id"], intent_id_);
  r = cli({"lookup", "no-such-order"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "nothing found for no-such-order\n");
}

// A payment's lookup JSON carries what a support person needs to judge it:
// the block's hash and time, when it was seen and became final, and the
// chain's head at finality (null while not final).
TEST_F(ExportCliTest, LookupJsonShowsPaymentFinality) {
  {
    SqliteStoreOptions o;
    o.path = dir_.file("usd1pay.db");  // the sample configuration's store
    auto store = open_sqlite_store(o);
    ASSERT_TRUE(store.ok()) << to_string(store.status());
    auto payment = [&](const std::string& id, char tx, bool final) {
      PaymentRow p;
      p.id = id;
      p.chain = intent_["chain"];
      p.tx_hash = "0x" + std::string(64, tx);
      p.block_number = 40;
      p.block_hash = "0x" + std::string(64, 'b');
      p.block_time = 1700000000;
      p.token_contract = intent_["token_contract"];
      p.from_address = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
      p.to_address = intent_["deposit_address"];
      p.amount_base_units = "1000";
      p.intent_id = intent_id_;
      p.status = final ? "final" : "pending";
      p.detected_at_ms = 1700000060000;
      p.final_at_ms = final ? 1700000120000 : 0;
      if (final) p.final_head_block = 42;
      p.updated_at_ms = 1700000120000;
      return p;
    };
    ApplyScanParams p;
    p.chain = intent_["chain"];
    p.new_next_block = 50;
    p.at_ms = 1700000120000;
    p.upsert_payments = {payment("py_final", 'a', true), payment("py_pending", 'c', false)};
    const Status st = (*store)->apply_scan(p);
    ASSERT_TRUE(st.ok()) << to_string(st);
  }
  const auto r = cli({"lookup", intent_id_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["payments"].size(), 2u) << r.out;
  for (const auto& p : j["payments"]) {
    EXPECT_EQ(p["intent_id"], intent_id_);
    EXPECT_EQ(p["block_hash"], "0x" + std::string(64, 'b'));
    EXPECT_EQ(p["block_time"], "2023-11-14T22:13:20Z");
    EXPECT_EQ(p["detected_at"], "2023-11-14T22:14:20.000Z");
    if (p["id"] == "py_final") {
      EXPECT_EQ(p["status"], "final");
      EXPECT_EQ(p["final_at"], "2023-11-14T22:15:20.000Z");
      EXPECT_EQ(p["final_head_block"], 42);  // 3 confirmations at finality
    } else {
      EXPECT_EQ(p["id"], "py_pending");
      EXPECT_TRUE(p["final_at"].is_null()) << p;
      EXPECT_TRUE(p["final_head_block"].is_null()) << p;
    }
  }
}

}  // namespace
}  // namespace usd1pay
