// The stateful `usd1pay` commands (init, intent, events, audit) run as real
// processes on a real SQLite file, with the sample configuration.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace usd1pay {
namespace {

using testing::ProcessResult;
using testing::read_file;
using testing::required_env;
using testing::run_process;
using testing::TempDir;
using testing::write_file;

class IntentCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.file("usd1pay.json");
    write_file(config_, read_file(required_env("USD1PAY_SOURCE_DIR") + "/samples/usd1pay.json"));
  }

  ProcessResult cli(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), required_env("USD1PAY_CLI"));
    args.push_back("--config");
    args.push_back(config_);
    return run_process(args, input);
  }

  nlohmann::json create(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"intent", "create"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  TempDir dir_;
  std::string config_;
};

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

TEST_F(IntentCliTest, InitCreatesTheStoreNextToTheConfig) {
  const auto r = cli({"init"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NO_THROW(read_file(dir_.file("usd1pay.db")));
  EXPECT_EQ(cli({"init"}).exit_code, 0);  // idempotent
}

TEST_F(IntentCliTest, CreatePrintsTheIntentWithAnXpubAddressAndUri) {
  const auto j = create({"--order", "order-1001", "--amount", "25.00"});
  EXPECT_EQ(j["status"], "requires_payment");
  EXPECT_EQ(j["order_id"], "order-1001");
  EXPECT_EQ(j["amount"], "25.00");
  EXPECT_EQ(j["amount_base_units"], "25000000000000000000");
  EXPECT_EQ(j["chain"], "eip155:1337");
  EXPECT_EQ(j["token"], "USD1");
  EXPECT_EQ(j["strategy"], "xpub");
  EXPECT_EQ(j["deposit_index"], 0);
  // The sample xpub is the m/44'/60'/0' key of the well-known test mnemonic;
  // its 0/0 address is the first account of every local devnet.
  EXPECT_EQ(j["deposit_address"], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  const std::string uri = j["payment_uri"];
  EXPECT_EQ(uri.rfind("ethereum:", 0), 0u);
  EXPECT_NE(uri.find("@1337/transfer?address=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
                     "&uint256=25000000000000000000"),
            std::string::npos)
      << uri;
  EXPECT_EQ(j["id"].get<std::string>().rfind("pi_", 0), 0u);
  EXPECT_EQ(j["expires_at"].get<std::string>().back(), 'Z');

  const auto second = create({"--order", "order-1002", "--amount", "1"});
  EXPECT_EQ(second["deposit_index"], 1);
  EXPECT_NE(second["deposit_address"], j["deposit_address"]);
}

TEST_F(IntentCliTest, IdempotencyKeyReturnsTheSameIntentOrRefusesOtherParameters) {
  const auto a = create({"--order", "o-1", "--amount", "25", "--idempotency-key", "k-1"});
  const auto b = create({"--order", "o-1", "--amount", "25.00", "--idempotency-key", "k-1"});
  EXPECT_EQ(a["id"], b["id"]);
  const auto c =
      cli({"intent", "create", "--order", "o-2", "--amount", "25", "--idempotency-key", "k-1"});
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_NE(c.err.find("idempotency key 'k-1'"), std::string::npos) << c.err;
  // Only one intent.created event exists for the key.
  const auto events = json_lines(cli({"events"}).out);
  EXPECT_EQ(events.size(), 1u);
}

TEST_F(IntentCliTest, ShowListCancelAndEvents) {
  const auto j = create({"--order", "o-9", "--amount", "10.50"});
  const std::string id = j["id"];
  const auto shown = cli({"intent", "show", id});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(nlohmann::json::parse(shown.out)["id"], id);

  create({"--order", "o-10", "--amount", "1"});
  const auto listed = nlohmann::json::parse(cli({"intent", "list", "--order", "o-9"}).out);
  ASSERT_EQ(listed["intents"].size(), 1u);
  EXPECT_EQ(listed["intents"][0]["id"], id);
  const auto page = nlohmann::json::parse(cli({"intent", "list", "--limit", "1"}).out);
  EXPECT_EQ(page["intents"].size(), 1u);
  EXPECT_FALSE(page["next_cursor"].get<std::string>().empty());

  const auto canceled = cli({"intent", "cancel", id});
  ASSERT_EQ(canceled.exit_code, 0) << canceled.err;
  EXPECT_EQ(nlohmann::json::parse(canceled.out)["status"], "canceled");
  const auto again = cli({"intent", "cancel", id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("canceled"), std::string::npos) << again.err;

  const auto events = json_lines(cli({"events", "--intent", id}).out);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "intent.created");
  EXPECT_EQ(events[0]["intent_seq"], 1);
  EXPECT_EQ(events[1]["type"], "intent.canceled");
  EXPECT_EQ(events[1]["intent_seq"], 2);
  EXPECT_EQ(events[1]["data"]["intent"]["status"], "canceled");

  // One hash chain over the whole log, in seq order (o-10's event sits between).
  const auto all = json_lines(cli({"events"}).out);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["prev_hash"], std::string(64, '0'));
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_EQ(all[i]["seq"], all[i - 1]["seq"].get<int>() + 1);
    EXPECT_EQ(all[i]["prev_hash"], all[i - 1]["hash"]);
  }

  const auto verified = cli({"audit", "verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  const auto report = nlohmann::json::parse(verified.out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["events_checked"], 3);
}

TEST_F(IntentCliTest, BadInputNamesTheArgumentOrKey) {
  const auto amount = cli({"intent", "create", "--order", "o", "--amount", "1,000.00"});
  EXPECT_EQ(amount.exit_code, 1);
  EXPECT_NE(amount.err.find("amount"), std::string::npos) << amount.err;
  EXPECT_NE(amount.err.find("position 1"), std::string::npos) << amount.err;

  const auto chain =
      cli({"intent", "create", "--order", "o", "--amount", "1", "--chain", "eip155:5"});
  EXPECT_EQ(chain.exit_code, 1);
  EXPECT_NE(chain.err.find("eip155:5"), std::string::npos) << chain.err;

  const auto metadata =
      cli({"intent", "create", "--order", "o", "--amount", "1", "--metadata", "[1]"});
  EXPECT_EQ(metadata.exit_code, 1);
  EXPECT_NE(metadata.err.find("metadata"), std::string::npos) << metadata.err;

  const auto missing = cli({"intent", "create", "--amount", "1"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--order"), std::string::npos) << missing.err;

  const auto status = cli({"intent", "list", "--status", "paid"});
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_NE(status.err.find("--status"), std::string::npos) << status.err;

  const auto unknown = cli({"intent", "show", "pi_000000000000000000000000"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("pi_000000000000000000000000"), std::string::npos) << unknown.err;
}

TEST_F(IntentCliTest, ConfigErrorsNameTheKeyPath) {
  auto config = nlohmann::json::parse(read_file(config_));
  config["chains"][0]["tokens"][0]["decimals"] = "18";
  write_file(config_, config.dump());
  const auto r = cli({"init"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("chains[0].tokens[0].decimals"), std::string::npos) << r.err;

  write_file(config_, "{\"version\": 1,");
  const auto syntax = cli({"init"});
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_NE(syntax.err.find("line 1"), std::string::npos) << syntax.err;
}

TEST_F(IntentCliTest, ForeignDatabaseIsAClearErrorNotACrash) {
  write_file(dir_.file("usd1pay.db"), std::string(4096, 'x'));
  const auto r = cli({"init"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("usd1pay.db"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not a SQLite database"), std::string::npos) << r.err;
}

// The config's start_block reaches the tracker `usd1pay watch` runs: a chain
// the store has no cursor for starts there (the sim chain of a fresh process
// is at block 0, so a start of 5 waits there), and a later run with another
// start_block, or none, goes on from the cursor.
TEST_F(IntentCliTest, WatchStartsANewChainAtItsConfiguredStartBlockOnce) {
  const std::string sample = read_file(config_);
  auto with_start = [&](const nlohmann::json& start) {
    nlohmann::json doc = nlohmann::json::parse(sample);
    if (!start.is_null()) doc["chains"][0]["start_block"] = start;
    write_file(config_, doc.dump());
  };
  // The report line of the devnet chain.
  auto devnet_report = [&]() {
    const auto r = cli({"watch", "--once"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const auto& line : json_lines(r.out)) {
      if (line.contains("chain") && line["chain"] == "eip155:1337") return line;
    }
    ADD_FAILURE() << "no eip155:1337 line in " << r.out;
    return nlohmann::json();
  };

  with_start(5);
  auto line = devnet_report();
  EXPECT_EQ(line["ok"], true);
  EXPECT_EQ(line["latest"], 0);
  EXPECT_EQ(line["next_block"], 5);
  EXPECT_EQ(line["blocks_scanned"], 0);
  for (const nlohmann::json& later : {nlohmann::json(2), nlohmann::json()}) {
    with_start(later);
    line = devnet_report();
    EXPECT_EQ(line["next_block"], 5) << "start_block " << later.dump();
    EXPECT_EQ(line["blocks_scanned"], 0);
  }
  // A fresh store without start_block starts near the head (block 0 here).
  nlohmann::json fresh = nlohmann::json::parse(sample);
  fresh["store"]["path"] = "fresh.db";
  write_file(config_, fresh.dump());
  line = devnet_report();
  EXPECT_EQ(line["next_block"], 1);
  EXPECT_EQ(line["blocks_scanned"], 1);

  // A bad one is refused before anything runs, naming the chain and key.
  with_start(-3);
  const auto r = cli({"watch", "--once"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("chains[0].start_block: -3 is not a block number of eip155:1337"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace usd1pay
