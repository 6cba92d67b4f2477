// SimChain: mining, determinism, transfers and filters, heads and finality,
// reorgs (drop / requeue / refusals), failure injection, and concurrent use.
#include "usd1pay/sim_chain.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace usd1pay {
namespace {

const char kToken[] = "0x1111111111111111111111111111111111111111";
const char kOther[] = "0x2222222222222222222222222222222222222222";
const char kAlice[] = "0xAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAaAa";
const char kBob[] = "0xBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBb";
const char kCarol[] = "0xCcCcCcCcCcCcCcCcCcCcCcCcCcCcCcCcCcCcCcCc";

bool is_hash(const std::string& s) {
  if (s.size() != 66 || s.compare(0, 2, "0x") != 0) return false;
  for (std::size_t i = 2; i < s.size(); ++i) {
    const char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

SimTransfer pay(const char* token, const char* from, const char* to, std::uint64_t amount) {
  return SimTransfer{token, from, to, Uint128(amount), {}};
}

TransfersParams range(std::uint64_t from, std::uint64_t to,
                      std::vector<std::string> tokens = {kToken},
                      std::vector<std::string> recipients = {}) {
  TransfersParams p;
  p.from_block = from;
  p.to_block = to;
  p.tokens = std::move(tokens);
  p.recipients = std::move(recipients);
  return p;
}

std::vector<BlockRef> all_blocks(SimChain& chain) {
  std::vector<BlockRef> out;
  const std::uint64_t top = chain.head().number;
  for (std::uint64_t n = 0; n <= top; ++n) {
    auto b = chain.block({n});
    EXPECT_TRUE(b.ok()) << to_string(b.status());
    if (b.ok()) out.push_back(*b);
  }
  return out;
}

void expect_linked(const std::vector<BlockRef>& blocks) {
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(blocks[i].number, i);
    EXPECT_TRUE(is_hash(blocks[i].hash)) << blocks[i].hash;
    if (i > 0) {
      EXPECT_EQ(blocks[i].parent_hash, blocks[i - 1].hash) << "block " << i;
    }
  }
}

TEST(SimChainTest, StartsWithGenesis) {
  SimChain chain;
  EXPECT_EQ(chain.chain_id(), "eip155:1337");
  const BlockRef g = chain.head();
  EXPECT_EQ(g.number, 0U);
  EXPECT_TRUE(is_hash(g.hash));
  EXPECT_EQ(g.parent_hash, "0x" + std::string(64, '0'));
  EXPECT_EQ(g.timestamp, 1767225600);
  auto heads = chain.heads({});
  ASSERT_TRUE(heads.ok());
  EXPECT_EQ(heads->latest, g);
  ASSERT_TRUE(heads->safe.has_value());
  ASSERT_TRUE(heads->finalized.has_value());
  EXPECT_EQ(*heads->safe, g);
  EXPECT_EQ(*heads->finalized, g);
  EXPECT_TRUE(chain.all_transfers().empty());
  EXPECT_EQ(chain.pending(), 0U);
}

TEST(SimChainTest, MinesLinkedBlocksWithTimestamps) {
  SimChainOptions o;
  o.genesis_time = 1000;
  o.block_time_seconds = 2;
  SimChain chain(o);
  const BlockRef last = chain.mine(5);
  EXPECT_EQ(last.number, 5U);
  EXPECT_EQ(last.timestamp, 1010);
  EXPECT_EQ(chain.head(), last);
  const auto blocks = all_blocks(chain);
  ASSERT_EQ(blocks.size(), 6U);
  expect_linked(blocks);
  std::set<std::string> hashes;
  for (const auto& b : blocks) hashes.insert(b.hash);
  EXPECT_EQ(hashes.size(), 6U) << "every block has its own hash";
  EXPECT_EQ(chain.mine(0), last) << "mining zero blocks changes nothing";
  EXPECT_EQ(chain.mine().number, 6U);
}

TEST(SimChainTest, SameSeedSameActionsSameHashes) {
  auto drive = [](std::uint64_t seed) {
    SimChainOptions o;
    o.seed = seed;
    o.finalized_depth = 2;
    SimChain chain(o);
    std::vector<std::string> out;
    out.push_back(chain.submit_transfer(pay(kToken, kAlice, kBob, 5)));
    chain.mine(3);
    out.push_back(chain.submit_transfer(pay(kToken, kBob, kCarol, 7)));
    chain.mine();
    EXPECT_TRUE(chain.reorg({1, 2, ReorgTransfers::kRequeue, false}).ok());
    for (const auto& b : all_blocks(chain)) out.push_back(b.hash);
    for (const auto& t : chain.all_transfers()) out.push_back(t.tx_hash + "/" + t.block_hash);
    return out;
  };
  const auto a = drive(1);
  EXPECT_EQ(a, drive(1));
  const auto c = drive(2);
  ASSERT_EQ(a.size(), c.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NE(a[i], c[i]) << "index " << i;
}

TEST(SimChainTest, DifferentChainIdsDifferentHashes) {
  SimChainOptions o;
  o.chain_id = "eip155:8453";
  SimChain base(o);
  SimChain local;
  EXPECT_NE(base.head().hash, local.head().hash);
  EXPECT_EQ(base.chain_id(), "eip155:8453");
}

TEST(SimChainTest, TransfersCarryEveryFieldInOrder) {
  SimChain chain;
  chain.mine(2);
  const std::string tx1 = chain.submit_transfer(pay(kToken, kAlice, kBob, 25000000));
  SimTransfer with_refs = pay(kOther, kAlice, kCarol, 1);
  with_refs.references = {"ref1", "ref2"};
  const std::string tx2 = chain.submit_transfer(with_refs);
  const std::string tx3 = chain.submit_transfer(
      SimTransfer{kToken, kBob, kCarol, Uint128::max(), {}});  // 2^128-1 survives exactly
  EXPECT_TRUE(is_hash(tx1));
  EXPECT_NE(tx1, tx2);
  EXPECT_NE(tx2, tx3);
  EXPECT_EQ(chain.pending(), 3U);
  const BlockRef b3 = chain.mine();
  EXPECT_EQ(chain.pending(), 0U);
  const std::string tx4 = chain.submit_transfer(pay(kToken, kAlice, kBob, 25000000));
  EXPECT_NE(tx4, tx1) << "an identical transfer is a different transaction";
  const BlockRef b4 = chain.mine();

  const auto all = chain.all_transfers();
  ASSERT_EQ(all.size(), 4U);
  const TokenTransfer& t = all[0];
  EXPECT_EQ(t.chain, "eip155:1337");
  EXPECT_EQ(t.tx_hash, tx1);
  EXPECT_EQ(t.log_index, 0U);
  EXPECT_EQ(t.block_number, 3U);
  EXPECT_EQ(t.block_hash, b3.hash);
  EXPECT_EQ(t.block_time, b3.timestamp);
  EXPECT_EQ(t.token, kToken);
  EXPECT_EQ(t.from, kAlice);
  EXPECT_EQ(t.to, kBob);
  EXPECT_EQ(t.amount, Uint128(25000000));
  EXPECT_TRUE(t.references.empty());
  EXPECT_EQ(all[1].tx_hash, tx2);
  EXPECT_EQ(all[1].log_index, 1U);
  EXPECT_EQ(all[1].references, (std::vector<std::string>{"ref1", "ref2"}));
  EXPECT_EQ(all[2].log_index, 2U);
  EXPECT_EQ(all[2].amount, Uint128::max());
  EXPECT_EQ(all[3].tx_hash, tx4);
  EXPECT_EQ(all[3].log_index, 0U);
  EXPECT_EQ(all[3].block_hash, b4.hash);

  auto got = chain.transfers(range(0, 4, {kToken, kOther}));
  ASSERT_TRUE(got.ok()) << to_string(got.status());
  EXPECT_EQ(got->transfers, all);
  ASSERT_EQ(got->blocks.size(), 5U);
  expect_linked(got->blocks);
  EXPECT_EQ(got->blocks.back(), b4);
}

TEST(SimChainTest, FiltersByTokenRecipientAndRange) {
  SimChain chain;
  chain.submit_transfer(pay(kToken, kAlice, kBob, 1));
  chain.submit_transfer(pay(kOther, kAlice, kBob, 2));
  chain.mine();  // block 1
  chain.submit_transfer(pay(kToken, kAlice, kCarol, 3));
  chain.mine();  // block 2
  chain.mine();  // block 3, empty
  chain.submit_transfer(pay(kToken, kCarol, kBob, 4));
  chain.mine();  // block 4

  auto amounts = [](const TransfersResult& r) {
    std::vector<std::uint64_t> out;
    for (const auto& t : r.transfers) out.push_back(t.amount.lo());
    return out;
  };
  auto r = chain.transfers(range(0, 4));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(amounts(*r), (std::vector<std::uint64_t>{1, 3, 4}));
  r = chain.transfers(range(0, 4, {kOther}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(amounts(*r), (std::vector<std::uint64_t>{2}));
  r = chain.transfers(range(0, 4, {kToken, kOther}, {kBob}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(amounts(*r), (std::vector<std::uint64_t>{1, 2, 4}));
  r = chain.transfers(range(2, 3, {kToken}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(amounts(*r), (std::vector<std::uint64_t>{3}));
  ASSERT_EQ(r->blocks.size(), 2U);
  EXPECT_EQ(r->blocks[0].number, 2U);
  EXPECT_EQ(r->blocks[1].number, 3U);
  r = chain.transfers(range(3, 3));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->transfers.empty());
  ASSERT_EQ(r->blocks.size(), 1U);
  EXPECT_EQ(r->blocks[0].number, 3U);
  // Exact string comparison: another spelling of the token is another token.
  r = chain.transfers(range(0, 4, {"0X1111111111111111111111111111111111111111"}));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->transfers.empty());
  r = chain.transfers(range(0, 4, {kToken}, {"0xnobody"}));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->transfers.empty());
}

TEST(SimChainTest, TransfersRefusesBadRanges) {
  SimChain chain;
  chain.mine(7);
  auto r = chain.transfers(range(5, 3));
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "simchain: transfers: from_block 5 is above to_block 3");
  r = chain.transfers(range(2, 9));
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(r.status().message(), "simchain: transfers: to_block 9 is above the head 7");
  r = chain.transfers(range(8, 8));
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  r = chain.transfers(range(0, 7, {}));
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "simchain: transfers: tokens must not be empty");
  EXPECT_TRUE(chain.transfers(range(7, 7)).ok());
}

TEST(SimChainTest, BlockAboveHeadIsNotFound) {
  SimChain chain;
  chain.mine(3);
  auto b = chain.block({4});
  EXPECT_EQ(b.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(b.status().message(), "simchain: no block 4 (the head is 3)");
  b = chain.block({~std::uint64_t{0}});
  EXPECT_EQ(b.status().code(), ErrorCode::kNotFound);
  b = chain.block({3});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, chain.head());
}

TEST(SimChainTest, HeadsFollowDepths) {
  SimChainOptions o;
  o.finalized_depth = 10;
  o.safe_depth = 4;
  SimChain chain(o);
  chain.mine(3);
  auto h = chain.heads({});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->latest.number, 3U);
  EXPECT_EQ(h->safe->number, 0U) << "clamped at genesis";
  EXPECT_EQ(h->finalized->number, 0U);
  chain.mine(22);
  h = chain.heads({});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->latest.number, 25U);
  EXPECT_EQ(h->safe->number, 21U);
  EXPECT_EQ(h->finalized->number, 15U);
  EXPECT_EQ(*h->finalized, *chain.block({15}));
  EXPECT_EQ(*h->safe, *chain.block({21}));
}

TEST(SimChainTest, DepthZeroMakesEveryBlockFinal) {
  SimChainOptions o;
  o.finalized_depth = 0;
  o.safe_depth = 0;
  SimChain chain(o);
  chain.mine(4);
  auto h = chain.heads({});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->finalized->number, 4U);
  EXPECT_EQ(h->safe->number, 4U);
}

TEST(SimChainTest, PinnedHeadsOverrideDepthsAndClampToLatest) {
  SimChain chain;  // depths 64 / 32
  chain.mine(10);
  chain.set_finalized(6);
  chain.set_safe(8);
  auto h = chain.heads({});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->finalized->number, 6U);
  EXPECT_EQ(h->safe->number, 8U);
  chain.set_finalized(50);
  h = chain.heads({});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->finalized->number, 10U) << "a pinned head above latest reads as latest";
  chain.clear_pinned_heads();
  h = chain.heads({});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->finalized->number, 0U);
  EXPECT_EQ(h->safe->number, 0U);
}

TEST(SimChainTest, HeadsWithoutTags) {
  SimChainOptions o;
  o.report_safe = false;
  o.report_finalized = false;
  SimChain chain(o);
  chain.mine(100);
  auto h = chain.heads({});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->latest.number, 100U);
  EXPECT_FALSE(h->safe.has_value());
  EXPECT_FALSE(h->finalized.has_value());
}

TEST(SimChainTest, ReorgDropReplacesBlocksFromTheForkUp) {
  SimChainOptions o;
  o.finalized_depth = 5;
  SimChain chain(o);
  chain.mine(6);
  const std::string tx = chain.submit_transfer(pay(kToken, kAlice, kBob, 9));
  chain.mine();  // block 7 holds tx
  chain.submit_transfer(pay(kToken, kAlice, kCarol, 10));
  chain.mine(3);  // block 8 holds the second, head 10
  const auto before = all_blocks(chain);
  ASSERT_EQ(chain.all_transfers().size(), 2U);

  ASSERT_TRUE(chain.reorg({4, 4, ReorgTransfers::kDrop, false}).ok());  // replaces 7..10
  const auto after = all_blocks(chain);
  ASSERT_EQ(after.size(), 11U);
  expect_linked(after);
  for (std::size_t i = 0; i <= 6; ++i) EXPECT_EQ(after[i], before[i]) << "below the fork: " << i;
  for (std::size_t i = 7; i <= 10; ++i) {
    EXPECT_NE(after[i].hash, before[i].hash) << "at or above the fork: " << i;
    EXPECT_EQ(after[i].timestamp, before[i].timestamp);
  }
  EXPECT_TRUE(chain.all_transfers().empty()) << "dropped transfers vanish";
  EXPECT_EQ(chain.pending(), 0U);
  auto r = chain.transfers(range(0, 10));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->transfers.empty());
  (void)tx;
}

// known_last_block: the caller's header of to_block is accepted while it is
// the chain's, refused (kUnavailable, retry) once a reorg replaced it, and
// ignored when it is not to_block.
TEST(SimChainTest, KnownLastBlockIsCheckedAgainstTheChain) {
  SimChain chain;
  chain.mine(3);
  chain.submit_transfer(pay(kToken, kAlice, kBob, 9));
  chain.mine();  // block 4
  const BlockRef old4 = chain.head();
  TransfersParams p = range(2, 4);
  p.known_last_block = old4;
  auto r = chain.transfers(p);
  ASSERT_TRUE(r.ok()) << to_string(r.status());
  EXPECT_EQ(r->transfers.size(), 1U);
  EXPECT_EQ(r->blocks.back(), old4);
  ASSERT_TRUE(chain.reorg({1, 1, ReorgTransfers::kRequeue, false}).ok());  // a new block 4
  r = chain.transfers(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("simchain: transfers: block 4 is now"), std::string::npos)
      << r.status().message();
  p.to_block = 3;  // not to_block: ignored
  r = chain.transfers(p);
  EXPECT_TRUE(r.ok()) << to_string(r.status());
}

TEST(SimChainTest, EmptyReplacementBlocksStillGetNewHashes) {
  SimChain chain;
  chain.mine(3);
  const auto before = all_blocks(chain);
  ASSERT_TRUE(chain.reorg({1, 1, ReorgTransfers::kDrop, false}).ok());
  const auto after = all_blocks(chain);
  EXPECT_NE(after[3].hash, before[3].hash);
  EXPECT_EQ(after[3].parent_hash, before[2].hash);
  // And once more at the same height: a third hash.
  ASSERT_TRUE(chain.reorg({1, 1, ReorgTransfers::kDrop, false}).ok());
  const auto again = all_blocks(chain);
  EXPECT_NE(again[3].hash, before[3].hash);
  EXPECT_NE(again[3].hash, after[3].hash);
}

TEST(SimChainTest, ReorgRequeueMinesTheSameTransactionsInTheFirstNewBlock) {
  SimChain chain;
  chain.mine(2);
  const std::string a = chain.submit_transfer(pay(kToken, kAlice, kBob, 1));
  chain.mine();  // block 3: a (log 0)
  chain.mine();  // block 4: empty
  const std::string b = chain.submit_transfer(pay(kToken, kAlice, kCarol, 2));
  const std::string c = chain.submit_transfer(pay(kOther, kBob, kCarol, 3));
  chain.mine();  // block 5: b (0), c (1)
  const std::string waiting = chain.submit_transfer(pay(kToken, kCarol, kAlice, 4));
  EXPECT_EQ(chain.pending(), 1U);
  const auto before = all_blocks(chain);

  // Replace 3..5 by a shorter chain of two blocks.
  ASSERT_TRUE(chain.reorg({3, 2, ReorgTransfers::kRequeue, false}).ok());
  EXPECT_EQ(chain.head().number, 4U);
  EXPECT_EQ(chain.pending(), 0U);
  const auto after = all_blocks(chain);
  expect_linked(after);
  EXPECT_EQ(after[2], before[2]);
  EXPECT_NE(after[3].hash, before[3].hash);
  EXPECT_NE(after[4].hash, before[4].hash);

  const auto all = chain.all_transfers();
  ASSERT_EQ(all.size(), 4U);
  const std::vector<std::string> order = {a, b, c, waiting};
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].tx_hash, order[i]) << "same tx hashes, removed ones first";
    EXPECT_EQ(all[i].block_number, 3U);
    EXPECT_EQ(all[i].block_hash, after[3].hash);
    EXPECT_EQ(all[i].log_index, i);
  }
  EXPECT_EQ(all[1].amount, Uint128(2));
  EXPECT_EQ(all[2].token, kOther);
}

TEST(SimChainTest, ReorgRequeueWithNoNewBlocksLeavesThemPending) {
  SimChain chain;
  const std::string a = chain.submit_transfer(pay(kToken, kAlice, kBob, 1));
  chain.mine(2);
  ASSERT_TRUE(chain.reorg({2, 0, ReorgTransfers::kRequeue, false}).ok());
  EXPECT_EQ(chain.head().number, 0U);
  EXPECT_EQ(chain.pending(), 1U);
  EXPECT_TRUE(chain.all_transfers().empty());
  chain.mine();
  const auto all = chain.all_transfers();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].tx_hash, a);
  EXPECT_EQ(all[0].block_number, 1U);
}

TEST(SimChainTest, ReorgRefusals) {
  SimChainOptions o;
  o.finalized_depth = 3;
  SimChain chain(o);
  chain.mine(5);  // finalized = 2
  const auto before = all_blocks(chain);

  Status s = chain.reorg({0, 1, ReorgTransfers::kDrop, false});
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "simchain: reorg: depth must be at least 1");

  s = chain.reorg({6, 6, ReorgTransfers::kDrop, true});
  EXPECT_EQ(s.code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(
      s.message(),
      "simchain: reorg: depth 6 is deeper than the chain (head 5; genesis is never replaced)");

  s = chain.reorg({3, 3, ReorgTransfers::kDrop, false});  // would replace 3: fine
  EXPECT_TRUE(s.ok()) << to_string(s);
  const auto mid = all_blocks(chain);
  s = chain.reorg({4, 4, ReorgTransfers::kDrop, false});  // would replace 2 = finalized
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "simchain: reorg: depth 4 would replace block 2, at or below the finalized block 2 "
            "(set allow_finalized to test that)");
  EXPECT_EQ(all_blocks(chain), mid) << "a refused reorg changes nothing";
  EXPECT_EQ(mid[2], before[2]);

  // A pinned finalized head counts too.
  chain.set_finalized(4);
  EXPECT_TRUE(chain.reorg({1, 1, ReorgTransfers::kDrop, false}).ok()) << "replaces 5 only";
  const auto pinned = all_blocks(chain);
  s = chain.reorg({2, 2, ReorgTransfers::kDrop, false});
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("replace block 4, at or below the finalized block 4"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(all_blocks(chain), pinned);

  // Beyond finality when asked for.
  s = chain.reorg({5, 5, ReorgTransfers::kDrop, true});
  EXPECT_TRUE(s.ok()) << to_string(s);
  const auto after = all_blocks(chain);
  EXPECT_EQ(after[0], before[0]);
  for (std::size_t i = 1; i <= 5; ++i) EXPECT_NE(after[i].hash, pinned[i].hash);
  expect_linked(after);
}

TEST(SimChainTest, ShorterChainPullsDepthFinalityDown) {
  SimChainOptions o;
  o.finalized_depth = 2;
  SimChain chain(o);
  chain.mine(10);  // finalized 8
  ASSERT_TRUE(chain.reorg({2, 0, ReorgTransfers::kDrop, false}).ok());
  auto h = chain.heads({});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->latest.number, 8U);
  EXPECT_EQ(h->finalized->number, 6U);
}

TEST(SimChainTest, FailureInjectionAndCallCounts) {
  SimChain chain;
  chain.mine(2);
  EXPECT_EQ(chain.calls().total(), 0U) << "driving and inspecting are not backend calls";
  const Status down(ErrorCode::kUnavailable, "simchain: node down (injected)");
  chain.fail_next_calls(3, down);
  auto h = chain.heads({});
  EXPECT_EQ(h.status(), down);
  auto b = chain.block({1});
  EXPECT_EQ(b.status(), down);
  auto t = chain.transfers(range(9, 1));  // the failure comes before validation
  EXPECT_EQ(t.status(), down);
  EXPECT_TRUE(chain.heads({}).ok());
  EXPECT_TRUE(chain.block({1}).ok());
  EXPECT_TRUE(chain.transfers(range(0, 2)).ok());
  const SimCallCounts c = chain.calls();
  EXPECT_EQ(c.heads, 2U);
  EXPECT_EQ(c.block, 2U);
  EXPECT_EQ(c.transfers, 2U);
  EXPECT_EQ(c.total(), 6U);
  EXPECT_EQ(chain.chain_id(), "eip155:1337");
  EXPECT_EQ(chain.calls().total(), 6U) << "chain_id() is not counted";

  chain.fail_next_calls(5, down);
  chain.fail_next_calls(0, down);
  EXPECT_TRUE(chain.heads({}).ok()) << "n == 0 cancels";
  chain.fail_next_calls(5, down);
  chain.fail_next_calls(5, Status());
  EXPECT_TRUE(chain.heads({}).ok()) << "an OK status cancels";
}

TEST(SimChainTest, CreateChecksOptions) {
  SimChainOptions o;
  o.chain_id = "eip155";
  auto c = SimChain::create(o);
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.status().message().rfind("simchain: chain_id: ", 0), 0U) << c.status().message();
  o.chain_id = "eip155:8453";
  o.block_time_seconds = -1;
  c = SimChain::create(o);
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "simchain: block_time_seconds: expected 0 or more, got -1");
  o.block_time_seconds = 1;
  c = SimChain::create(o);
  ASSERT_TRUE(c.ok()) << to_string(c.status());
  EXPECT_EQ((*c)->chain_id(), "eip155:8453");
  EXPECT_EQ((*c)->mine(3).timestamp, o.genesis_time + 3);
}

TEST(SimChainTest, UsableAsAChainBackend) {
  auto owned = SimChain::create({});
  ASSERT_TRUE(owned.ok());
  SimChain* sim = owned->get();
  std::unique_ptr<ChainBackend> backend = std::move(*owned);
  sim->submit_transfer(pay(kToken, kAlice, kBob, 3));
  sim->mine();
  auto r = backend->transfers(range(1, 1));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->transfers.size(), 1U);
  EXPECT_EQ(r->transfers[0].amount, Uint128(3));
}

// One thread drives the chain (submit, mine, reorg); others poll it like a
// tracker. Every answer must be self-consistent: heads ordered, blocks
// linked, transfers inside their block range and matching its hashes.
TEST(SimChainTest, ConcurrentDrivingAndPolling) {
  SimChainOptions o;
  o.finalized_depth = 8;
  o.safe_depth = 4;
  SimChain chain(o);
  std::atomic<bool> done{false};
  std::atomic<int> inconsistencies{0};
  std::atomic<int> polls{0};

  std::thread driver([&] {
    // At least 400 rounds, and on until the pollers have polled a while.
    for (int i = 0; i < 400 || (polls.load() < 300 && i < 200000); ++i) {
      chain.submit_transfer(pay(kToken, kAlice, kBob, static_cast<std::uint64_t>(i) + 1));
      if (i % 3 == 0) chain.submit_transfer(pay(kOther, kAlice, kCarol, 1));
      chain.mine();
      if (i % 25 == 24) {
        (void)chain.reorg(
            {3, 4, (i % 2) != 0 ? ReorgTransfers::kRequeue : ReorgTransfers::kDrop, false});
      }
      if (i % 50 == 0) chain.fail_next_calls(2, Status(ErrorCode::kUnavailable, "injected"));
    }
    done = true;
  });
  auto poller = [&] {
    while (!done) {
      auto h = chain.heads({});
      if (!h.ok()) {
        if (h.status().code() != ErrorCode::kUnavailable) ++inconsistencies;
        continue;
      }
      if (h->finalized->number > h->safe->number || h->safe->number > h->latest.number) {
        ++inconsistencies;
      }
      const std::uint64_t top = h->latest.number;
      const std::uint64_t from = top > 10 ? top - 10 : 0;
      auto r = chain.transfers(range(from, top, {kToken, kOther}));
      if (r.ok()) {
        for (std::size_t i = 1; i < r->blocks.size(); ++i) {
          if (r->blocks[i].parent_hash != r->blocks[i - 1].hash) ++inconsistencies;
        }
        for (const auto& t : r->transfers) {
          if (t.block_number < from || t.block_number > from + r->blocks.size() - 1 ||
              r->blocks[t.block_number - from].hash != t.block_hash) {
            ++inconsistencies;
          }
        }
      } else if (r.status().code() != ErrorCode::kUnavailable &&
                 r.status().code() != ErrorCode::kOutOfRange) {
        ++inconsistencies;  // kOutOfRange: a reorg shortened the chain meanwhile
      }
      ++polls;
    }
  };
  std::thread p1(poller);
  std::thread p2(poller);
  driver.join();
  p1.join();
  p2.join();
  chain.fail_next_calls(0, Status());  // failures the pollers did not consume
  EXPECT_EQ(inconsistencies.load(), 0);
  EXPECT_GT(polls.load(), 0);
  expect_linked(all_blocks(chain));
  const auto all = chain.all_transfers();
  std::set<std::string> txs;
  for (const auto& t : all) txs.insert(t.tx_hash);
  EXPECT_EQ(txs.size(), all.size()) << "no transaction is on the chain twice";
}

}  // namespace
}  // namespace usd1pay
