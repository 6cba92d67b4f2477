// usd1pay mocks: a trompeloeil mock of usd1pay::ChainBackend.
//
// For integrators who test their own code against usd1pay without a node,
// and for usd1pay's own tracker tests when a scripted answer is clearer than
// driving a SimChain (sim_chain.h): a node error on the third call, a head
// that goes backwards, a transfer in a block whose hash then changes. Link
// the header-only CMake target `usd1pay::mocks` (it brings
// `usd1pay::usd1pay`; add trompeloeil yourself).
//
// Include your test framework and its trompeloeil adapter first, so that
// failed expectations are reported through it, then this header:
//
//   #include <gtest/gtest.h>
//   #include <gtest/trompeloeil.hpp>
//   #include "usd1pay/mocks/chain_backend_mock.h"
//
//   usd1pay::mocks::MockChainBackend chain;
//   ALLOW_CALL(chain, chain_id()).RETURN("eip155:1");
//   REQUIRE_CALL(chain, block(trompeloeil::_))
//       .WITH(_1.number == 9)
//       .RETURN(usd1pay::Result<usd1pay::BlockRef>(usd1pay::Status(
//           usd1pay::ErrorCode::kUnavailable, "evm_rpc: connection refused")));
//
// Every ChainBackend virtual is mocked with its own name; heads / block /
// transfers take their one Params argument (`_1` in WITH / SIDE_EFFECT /
// RETURN clauses), chain_id() is const and takes none. A call nobody expected
// fails the test. Ownership: the mock is a plain object; pass it by reference,
// or hand a std::unique_ptr<MockChainBackend> to code that wants a
// std::unique_ptr<ChainBackend>. THREAD SAFETY: trompeloeil expectations may
// be matched from several threads (a tracker's background thread), but set
// them up before the threads start.
#ifndef USD1PAY_MOCKS_CHAIN_BACKEND_MOCK_H
#define USD1PAY_MOCKS_CHAIN_BACKEND_MOCK_H

#include <trompeloeil.hpp>

#include "usd1pay/chain_backend.h"

namespace usd1pay::mocks {

class MockChainBackend : public trompeloeil::mock_interface<ChainBackend> {
 public:
  IMPLEMENT_CONST_MOCK0(chain_id);
  IMPLEMENT_MOCK1(heads);
  IMPLEMENT_MOCK1(block);
  IMPLEMENT_MOCK1(transfers);
};

}  // namespace usd1pay::mocks

#endif  // USD1PAY_MOCKS_CHAIN_BACKEND_MOCK_H
