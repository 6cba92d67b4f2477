// EvmRpcBackend against a real Ethereum node nobody here wrote: ganache 7
// (npm), with a real ERC-20 compiled by solc and driven by ethers
// (tests/peers/erc20.js). ethers is the oracle for every field.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/ganache.h"
#include "support/subprocess.h"
#include "usd1pay/evm_rpc.h"

namespace usd1pay {
namespace {

using nlohmann::json;
using testing::GanacheNode;

// Runs erc20.js with the commands, one answer per command; fails the test on
// an {"error"} answer.
std::vector<json> erc20(const GanacheNode& node, const std::vector<json>& commands) {
  std::string input;
  for (const auto& c : commands) input += c.dump() + "\n";
  auto r = testing::run_node_peer("erc20.js", {node.url()}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> out;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    out.push_back(json::parse(line));
    EXPECT_FALSE(out.back().contains("error")) << out.back().dump();
  }
  EXPECT_EQ(out.size(), commands.size()) << r.out << r.err;
  return out;
}

class EvmRpcGanacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // make test installs the npm peers: a missing ganache is a broken set-up,
    // never a silent skip.
    ASSERT_FALSE(GanacheNode::cli_path().empty())
        << "ganache is not installed in tests/peers: run scripts/install-deps.sh --npm";
    std::string err = node_.start();
    ASSERT_EQ(err, "");
    EvmRpcOptions o;
    o.chain_id = GanacheNode::chain_id();
    o.url = node_.url();
    o.backoff_base = std::chrono::milliseconds(50);
    auto b = make_evm_rpc_backend(o);
    ASSERT_TRUE(b.ok()) << to_string(b.status());
    backend_ = std::move(b).value();
  }

  GanacheNode node_;
  std::unique_ptr<ChainBackend> backend_;
};

TEST_F(EvmRpcGanacheTest, TransfersMatchEthersAndHeadsMatchTheNode) {
  auto setup = erc20(node_, {{{"op", "accounts"}},
                             {{"op", "deploy"}, {"decimals", 6}, {"symbol", "USD6"}},
                             {{"op", "deploy"}, {"decimals", 18}, {"symbol", "USD18"}}});
  ASSERT_EQ(setup.size(), 3U);
  const std::vector<std::string> accounts = setup[0]["accounts"];
  const std::string token6 = setup[1]["address"];
  const std::string token18 = setup[2]["address"];
  const std::string a1 = accounts[1], a2 = accounts[2], a3 = accounts[3];
  // Customers (accounts 1, 2) get tokens, then pay merchants' addresses.
  const std::string merchant1 = "0x1111111111111111111111111111111111111111";
  const std::string merchant2 = "0x00000000000000000000000000000000DeaDBeef";
  auto txs = erc20(
      node_,
      {{{"op", "mint"}, {"token", token6}, {"to", a1}, {"amount", "100000000"}},
       {{"op", "mint"},
        {"token", token18},
        {"to", a2},
        {"amount", "340282366920938463463374607431768211455"}},
       {{"op", "transfer"},
        {"token", token6},
        {"from_index", 1},
        {"to", merchant1},
        {"amount", "25000000"}},
       {{"op", "transfer"},
        {"token", token18},
        {"from_index", 2},
        {"to", merchant2},
        {"amount", "25000000000000000000"}},
       {{"op", "transfer"}, {"token", token6}, {"from_index", 1}, {"to", a3}, {"amount", "1"}},
       {{"op", "mine"}, {"n", 3}}});
  ASSERT_EQ(txs.size(), 6U);
  const std::uint64_t head = txs[5]["block_number"];

  // ethers' view of every Transfer of both tokens: the oracle.
  auto oracle =
      erc20(node_, {{{"op", "logs"}, {"token", token6}, {"from_block", 0}, {"to_block", head}},
                    {{"op", "logs"}, {"token", token18}, {"from_block", 0}, {"to_block", head}}});
  std::vector<json> expected;
  for (const auto& o : oracle) {
    for (const auto& l : o["logs"]) expected.push_back(l);
  }
  ASSERT_EQ(expected.size(), 5U);  // 2 mints + 3 transfers
  std::sort(expected.begin(), expected.end(), [](const json& a, const json& b) {
    return std::make_pair(a["block_number"].get<std::uint64_t>(),
                          a["log_index"].get<std::uint64_t>()) <
           std::make_pair(b["block_number"].get<std::uint64_t>(),
                          b["log_index"].get<std::uint64_t>());
  });

  TransfersParams p;
  p.from_block = 0;
  p.to_block = head;
  p.tokens = {token6, token18};
  auto r = backend_->transfers(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  ASSERT_EQ(r->transfers.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(expected[i].dump());
    const TokenTransfer& t = r->transfers[i];
    EXPECT_EQ(t.chain, "eip155:1337");
    EXPECT_EQ(t.tx_hash, expected[i]["tx_hash"]);
    EXPECT_EQ(t.block_number, expected[i]["block_number"].get<std::uint64_t>());
    EXPECT_EQ(t.block_hash, expected[i]["block_hash"]);
    EXPECT_EQ(t.log_index, expected[i]["log_index"].get<std::uint32_t>());
    EXPECT_EQ(t.from, expected[i]["from"]);
    EXPECT_EQ(t.to, expected[i]["to"]);
    EXPECT_EQ(t.amount.to_decimal(), expected[i]["amount"]);
    EXPECT_TRUE(t.token == token6 || t.token == token18) << t.token;
    // The block time is the header's.
    auto block = erc20(node_, {{{"op", "block"}, {"number", t.block_number}}});
    ASSERT_EQ(block.size(), 1U);
    EXPECT_EQ(t.block_time, block[0]["timestamp"].get<std::int64_t>());
  }
  EXPECT_EQ(r->transfers[2].to, "0x1111111111111111111111111111111111111111");
  EXPECT_EQ(r->transfers[2].amount, Uint128(25000000));
  EXPECT_EQ(r->transfers[1].amount, Uint128::max());
  // The tx hashes are the ones ethers saw when sending.
  EXPECT_EQ(r->transfers[2].tx_hash, txs[2]["tx_hash"]);
  EXPECT_EQ(r->transfers[3].tx_hash, txs[3]["tx_hash"]);
  ASSERT_FALSE(r->blocks.empty());
  EXPECT_EQ(r->blocks.back().number, head);

  // Recipient filter (topic 2): only merchant2's transfer.
  p.recipients = {merchant2};
  auto only = backend_->transfers(p);
  ASSERT_TRUE(only.ok()) << to_string(only.status());
  ASSERT_EQ(only->transfers.size(), 1U);
  EXPECT_EQ(only->transfers[0].to, merchant2);
  EXPECT_EQ(only->transfers[0].token, token18);

  // Heads and block hashes agree with the node (through ethers).
  auto heads = backend_->heads({});
  ASSERT_TRUE(heads.ok()) << to_string(heads.status());
  EXPECT_EQ(heads->latest.number, head);
  auto latest =
      erc20(node_, {{{"op", "block"}, {"number", head}}, {{"op", "block"}, {"number", 2}}});
  EXPECT_EQ(heads->latest.hash, latest[0]["hash"]);
  EXPECT_EQ(heads->latest.parent_hash, latest[0]["parent_hash"]);
  EXPECT_EQ(heads->latest.timestamp, latest[0]["timestamp"].get<std::int64_t>());
  ASSERT_TRUE(heads->finalized.has_value());  // ganache answers the tag with latest
  EXPECT_EQ(heads->finalized->number, head);
  auto b2 = backend_->block({2});
  ASSERT_TRUE(b2.ok()) << to_string(b2.status());
  EXPECT_EQ(b2->hash, latest[1]["hash"]);
  EXPECT_EQ(backend_->block({head + 1}).status().code(), ErrorCode::kNotFound);
}

TEST_F(EvmRpcGanacheTest, RevertedBlocksGetNewHashes) {
  auto setup = erc20(node_, {{{"op", "accounts"}}, {{"op", "deploy"}, {"decimals", 6}}});
  const std::vector<std::string> accounts = setup[0]["accounts"];
  const std::string token = setup[1]["address"];
  const std::string customer = accounts[1];
  const std::string merchant = "0x2222222222222222222222222222222222222222";
  auto before =
      erc20(node_, {{{"op", "mint"}, {"token", token}, {"to", customer}, {"amount", "1000"}},
                    {{"op", "snapshot"}}});
  const std::string snapshot = before[1]["id"];
  const std::uint64_t base = before[0]["block_number"];
  auto paid = erc20(node_, {{{"op", "transfer"},
                             {"token", token},
                             {"from_index", 1},
                             {"to", merchant},
                             {"amount", "700"}},
                            {{"op", "mine"}, {"n", 2}}});
  const std::uint64_t pay_block = paid[0]["block_number"];
  const std::uint64_t head = paid[1]["block_number"];
  TransfersParams p;
  p.from_block = base + 1;
  p.to_block = head;
  p.tokens = {token};
  auto seen = backend_->transfers(p);
  ASSERT_TRUE(seen.ok()) << to_string(seen.status());
  ASSERT_EQ(seen->transfers.size(), 1U);
  EXPECT_EQ(seen->transfers[0].block_number, pay_block);
  std::vector<std::string> old_hashes;
  for (std::uint64_t n = base + 1; n <= head; ++n) {
    auto b = backend_->block({n});
    ASSERT_TRUE(b.ok()) << to_string(b.status());
    old_hashes.push_back(b->hash);
  }
  auto base_hash = backend_->block({base});
  ASSERT_TRUE(base_hash.ok());

  // Reorg: revert to the snapshot and mine new blocks past the old head.
  auto reorg = erc20(node_, {{{"op", "revert"}, {"id", snapshot}}, {{"op", "mine"}, {"n", 4}}});
  EXPECT_EQ(reorg[0]["reverted"], true);
  EXPECT_EQ(reorg[1]["block_number"].get<std::uint64_t>(), base + 4);
  for (std::uint64_t n = base + 1; n <= head; ++n) {
    auto b = backend_->block({n});
    ASSERT_TRUE(b.ok()) << to_string(b.status());
    EXPECT_NE(b->hash, old_hashes[n - base - 1]) << "height " << n;
  }
  auto base_after = backend_->block({base});
  ASSERT_TRUE(base_after.ok());
  EXPECT_EQ(base_after->hash, base_hash->hash);  // below the fork: unchanged
  auto after = backend_->transfers(p);
  ASSERT_TRUE(after.ok()) << to_string(after.status());
  EXPECT_TRUE(after->transfers.empty());  // the payment is gone
}

TEST_F(EvmRpcGanacheTest, NodeOutageIsUnavailableThenRecovers) {
  ASSERT_TRUE(backend_->heads({}).ok());
  node_.stop();
  EvmRpcOptions o;
  o.chain_id = GanacheNode::chain_id();
  o.url = node_.url();
  o.max_retries = 1;
  o.backoff_base = std::chrono::milliseconds(10);
  auto quick = make_evm_rpc_backend(o);
  ASSERT_TRUE(quick.ok());
  auto down = (*quick)->heads({});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), ErrorCode::kUnavailable);
  ASSERT_EQ(node_.restart(), "");
  auto up = (*quick)->heads({});
  ASSERT_TRUE(up.ok()) << to_string(up.status());
}

TEST_F(EvmRpcGanacheTest, WrongChainIdIsRefused) {
  EvmRpcOptions o;
  o.chain_id = "eip155:1";
  o.url = node_.url();
  auto b = make_evm_rpc_backend(o);
  ASSERT_TRUE(b.ok());
  auto h = (*b)->heads({});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(h.status().message().find("eip155:1337"), std::string::npos) << h.status().message();
}

}  // namespace
}  // namespace usd1pay
