// usd1pay: SimChain, an in-process deterministic chain behind ChainBackend.
//
// SimChain is the embedded default backend of `make demo` and the engine of
// the unit tests: a test submits token transfers, mines blocks, moves the
// safe / finalized heads, reorganises the last N blocks (dropping or
// re-queueing their transfers), and makes the next backend calls fail, all
// without a node or a network. It follows the ChainBackend conventions
// (chain_backend.h): hashes are "0x" + 64 lowercase hex, blocks link by
// parent_hash, amounts are exact base units.
//
// Determinism: every hash is Keccak-256 of the seed, the chain id and the
// block's or transfer's contents (number, parent hash, timestamp, tx hashes,
// and a reorg counter), so two SimChains built with the same options and
// driven by the same calls produce identical hashes, and a block that
// replaces another at the same height always gets a different hash. Block
// timestamps are genesis_time + number * block_time_seconds.
//
// Tokens, senders and recipients are compared as exact strings: pass the
// canonical spelling (EIP-55 for EVM), as every backend reports it. SimChain
// does not validate them, so any family's addresses may be used.
//
// Heads: latest is the last mined block; safe and finalized are latest minus
// safe_depth / finalized_depth (clamped at 0) unless set_safe / set_finalized
// pinned them (a pinned head above latest reads as latest). Either can be
// switched off (report_safe / report_finalized) to model a chain without
// those tags.
//
// Errors (each names the subject "simchain" and the values involved):
//   block(): kNotFound above the head;
//   transfers(): kInvalidArgument for empty tokens or from_block > to_block,
//     kOutOfRange when to_block is above the head, kUnavailable when
//     known_last_block is to_block but the chain has replaced that block;
//   reorg(): kInvalidArgument for depth 0, kOutOfRange deeper than the chain
//     (genesis is never replaced), kFailedPrecondition when it would replace
//     a finalized block and allow_finalized is false;
//   any backend call: the error given to fail_next_calls().
//
// THREAD SAFETY: every member function may be called from any number of
// threads at once (one internal mutex): a tracker may poll from a background
// thread while a test mines and reorgs from another. Ownership: a plain
// object, neither copyable nor movable; hand it out by reference or
// unique_ptr.
#ifndef USD1PAY_SIM_CHAIN_H
#define USD1PAY_SIM_CHAIN_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "usd1pay/amount.h"
#include "usd1pay/chain_backend.h"
#include "usd1pay/status.h"

namespace usd1pay {

struct SimChainOptions {
  std::string chain_id = "eip155:1337";    ///< CAIP-2
  std::int64_t genesis_time = 1767225600;  ///< Unix seconds (2026-01-01T00:00:00Z)
  int block_time_seconds = 12;             ///< >= 0
  std::uint32_t finalized_depth = 64;      ///< finalized = latest - depth (>= 0)
  std::uint32_t safe_depth = 32;           ///< safe = latest - depth (>= 0)
  std::uint64_t seed = 1;                  ///< all hashes derive from it
  bool report_safe = true;                 ///< false: heads().safe is absent
  bool report_finalized = true;            ///< false: heads().finalized is absent
};

/// A transfer to put in the mempool.
struct SimTransfer {
  std::string token;                    ///< contract / mint, canonical
  std::string from;                     ///< canonical
  std::string to;                       ///< canonical
  Uint128 amount;                       ///< base units
  std::vector<std::string> references;  ///< Solana Pay references (optional)
};

/// What happens to the transfers of the blocks a reorg removes.
enum class ReorgTransfers {
  kDrop,     ///< they vanish (never mined again)
  kRequeue,  ///< back to the mempool, mined in the first new block (same tx hash)
};

struct SimReorg {
  /// Blocks to remove from the tip (>= 1; genesis is never removed).
  std::uint32_t depth = 1;
  /// Blocks to mine in their place; fewer than depth makes the chain shorter,
  /// 0 leaves the head at the fork point.
  std::uint32_t new_blocks = 1;
  ReorgTransfers mode = ReorgTransfers::kDrop;
  /// Allow replacing finalized blocks (to test beyond-finality reorgs).
  bool allow_finalized = false;
};

/// Backend calls made so far, by kind (failed ones included).
struct SimCallCounts {
  std::size_t heads = 0;
  std::size_t block = 0;
  std::size_t transfers = 0;
  std::size_t total() const { return heads + block + transfers; }
};

class SimChain : public ChainBackend {
 public:
  /// Starts with the genesis block 0 (parent hash all zeros). The options are
  /// trusted: a negative block time is treated as 0. Use create() to have the
  /// chain id checked.
  explicit SimChain(SimChainOptions options = {});
  /// Checks the options: kInvalidArgument for a chain id that is not CAIP-2
  /// ("simchain: chain_id: ...") or a negative block time.
  static Result<std::unique_ptr<SimChain>> create(SimChainOptions options);
  ~SimChain() override;
  SimChain(const SimChain&) = delete;
  SimChain& operator=(const SimChain&) = delete;
  SimChain(SimChain&&) = delete;
  SimChain& operator=(SimChain&&) = delete;

  // ---- driving the chain (tests, demo) ----

  /// Queues a transfer in the mempool; returns its tx hash ("0x" + 64 hex,
  /// unique within this chain).
  std::string submit_transfer(const SimTransfer& transfer);
  /// Mines `count` blocks (0 mines nothing); the first includes every queued
  /// transfer, log_index 0, 1, ... in queue order. Returns the new head.
  BlockRef mine(std::uint32_t count = 1);
  /// Pins the finalized / safe head at a height (instead of the depth rule).
  void set_finalized(std::uint64_t number);
  void set_safe(std::uint64_t number);
  /// Back to the depth rules.
  void clear_pinned_heads();
  /// Replaces the last `depth` blocks by `new_blocks` new ones (see
  /// SimReorg). The new blocks are mined like mine(new_blocks): the first
  /// takes the whole mempool (re-queued transfers first). Returns the error
  /// and changes nothing when refused.
  Status reorg(const SimReorg& reorg);
  /// The next `n` backend calls (heads, block, transfers) return `error`
  /// instead of answering. An OK `error` (or n == 0) cancels pending failures.
  void fail_next_calls(std::size_t n, Status error);

  // ---- inspection (not counted as backend calls) ----

  SimCallCounts calls() const;
  /// The last mined block.
  BlockRef head() const;
  /// Transfers waiting in the mempool.
  std::size_t pending() const;
  /// Every transfer on the current chain, in (block_number, log_index) order.
  std::vector<TokenTransfer> all_transfers() const;

  // ---- ChainBackend ----

  std::string chain_id() const override;
  Result<ChainHeads> heads(const HeadsParams& p) override;
  Result<BlockRef> block(const BlockParams& p) override;
  Result<TransfersResult> transfers(const TransfersParams& p) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace usd1pay

#endif  // USD1PAY_SIM_CHAIN_H
