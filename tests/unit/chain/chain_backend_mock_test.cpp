// The shipped MockChainBackend implements every ChainBackend virtual, returns
// what its expectations say, and reports unexpected calls.
#include "usd1pay/mocks/chain_backend_mock.h"

#include <gtest/gtest.h>

#include <gtest/trompeloeil.hpp>
#include <memory>

namespace usd1pay {
namespace {

using trompeloeil::_;

TEST(ChainBackendMockTest, IsAConcreteChainBackend) {
  // Would not compile if a ChainBackend virtual were left unmocked.
  std::unique_ptr<ChainBackend> backend = std::make_unique<mocks::MockChainBackend>();
  EXPECT_NE(backend, nullptr);
}

TEST(ChainBackendMockTest, ReturnsWhatTheExpectationsSay) {
  mocks::MockChainBackend mock;
  BlockRef b9;
  b9.number = 9;
  b9.hash = "0x" + std::string(64, '9');
  ChainHeads heads;
  heads.latest = b9;
  TransfersResult tr;
  TokenTransfer t;
  t.tx_hash = "0x" + std::string(64, 'a');
  t.amount = Uint128(42);
  tr.transfers.push_back(t);
  tr.blocks.push_back(b9);

  ALLOW_CALL(mock, chain_id()).RETURN("eip155:1");
  REQUIRE_CALL(mock, heads(_)).RETURN(Result<ChainHeads>(heads));
  REQUIRE_CALL(mock, block(_)).WITH(_1.number == 9).RETURN(Result<BlockRef>(b9));
  REQUIRE_CALL(mock, block(_))
      .WITH(_1.number == 10)
      .RETURN(Result<BlockRef>(Status(ErrorCode::kNotFound, "evm_rpc: no block 10")));
  REQUIRE_CALL(mock, transfers(_))
      .WITH(_1.from_block == 5 && _1.to_block == 9 && _1.tokens.size() == 1)
      .RETURN(Result<TransfersResult>(tr));

  ChainBackend& backend = mock;
  EXPECT_EQ(backend.chain_id(), "eip155:1");
  auto h = backend.heads({});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->latest, b9);
  EXPECT_FALSE(h->finalized.has_value());
  auto found = backend.block({9});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, b9);
  auto missing = backend.block({10});
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  TransfersParams p;
  p.from_block = 5;
  p.to_block = 9;
  p.tokens = {"0xToken"};
  auto got = backend.transfers(p);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->transfers.size(), 1U);
  EXPECT_EQ(got->transfers[0].amount, Uint128(42));
}

TEST(ChainBackendMockTest, ScriptsASequenceOfFailuresThenSuccess) {
  mocks::MockChainBackend mock;
  trompeloeil::sequence seq;
  const Status down(ErrorCode::kUnavailable, "evm_rpc: connection refused");
  REQUIRE_CALL(mock, heads(_)).TIMES(2).IN_SEQUENCE(seq).RETURN(Result<ChainHeads>(down));
  REQUIRE_CALL(mock, heads(_)).IN_SEQUENCE(seq).RETURN(Result<ChainHeads>(ChainHeads{}));
  EXPECT_EQ(mock.heads({}).status(), down);
  EXPECT_EQ(mock.heads({}).status(), down);
  EXPECT_TRUE(mock.heads({}).ok());
}

TEST(ChainBackendMockTest, UnexpectedCallIsReported) {
  mocks::MockChainBackend mock;
  EXPECT_THROW((void)mock.block({1}), trompeloeil::expectation_violation);
  EXPECT_THROW((void)mock.chain_id(), trompeloeil::expectation_violation);
}

}  // namespace
}  // namespace usd1pay
