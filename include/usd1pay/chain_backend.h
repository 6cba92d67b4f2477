// usd1pay: the pluggable chain backend.
//
// The tracker learns everything about a chain through a ChainBackend: the
// current heads, the hash of a block by number, and the token transfers in a
// block range. One virtual per operation, arguments in `...Params` structs so
// that adding a field breaks nobody. Implementations:
//   - SimChain (sim_chain.h): in-process, deterministic, can reorg on demand;
//     the embedded default and the engine of unit tests and the demo;
//   - the EVM JSON-RPC backend (evm_rpc.h): any EVM node over HTTP(S).
// A backend for another chain implements this interface (docs/chains.md).
//
// Conventions for every backend:
//   - block and transaction hashes: "0x" + 64 lowercase hex digits;
//   - addresses and token contracts: the family's canonical spelling
//     (EIP-55 for EVM), so they compare equal to the config's;
//   - amounts: exact base units (Uint128), never floating point;
//   - a malformed answer from a node is an error naming the field, never a
//     zero or a guess; a node that cannot be reached is kUnavailable.
//
// THREAD SAFETY: a backend may be called from one tracker thread while another
// thread reads its stats; implementations say what else they allow.
#ifndef USD1PAY_CHAIN_BACKEND_H
#define USD1PAY_CHAIN_BACKEND_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "usd1pay/amount.h"
#include "usd1pay/status.h"

namespace usd1pay {

/// A block as far as the tracker needs it.
struct BlockRef {
  std::uint64_t number = 0;
  std::string hash;            ///< "0x" + 64 lowercase hex
  std::string parent_hash;     ///< "0x" + 64 lowercase hex ("" when unknown)
  std::int64_t timestamp = 0;  ///< Unix seconds, from the block header

  friend bool operator==(const BlockRef& a, const BlockRef& b) {
    return a.number == b.number && a.hash == b.hash && a.parent_hash == b.parent_hash &&
           a.timestamp == b.timestamp;
  }
};

/// One token transfer (an ERC-20 / TRC-20 Transfer event, an SPL transfer).
/// (chain, tx_hash, log_index) identifies it: it can be credited once.
struct TokenTransfer {
  std::string chain;            ///< CAIP-2 id
  std::string tx_hash;          ///< "0x" + 64 lowercase hex (EVM); base58 signature (Solana)
  std::uint32_t log_index = 0;  ///< position of the event in its block
  std::uint64_t block_number = 0;
  std::string block_hash;
  std::int64_t block_time = 0;  ///< Unix seconds
  std::string token;            ///< contract / mint, canonical
  std::string from;             ///< canonical
  std::string to;               ///< canonical
  Uint128 amount;               ///< base units
  /// Solana Pay reference keys carried by the transaction (Solana only).
  std::vector<std::string> references;

  friend bool operator==(const TokenTransfer& a, const TokenTransfer& b) {
    return a.chain == b.chain && a.tx_hash == b.tx_hash && a.log_index == b.log_index &&
           a.block_number == b.block_number && a.block_hash == b.block_hash &&
           a.block_time == b.block_time && a.token == b.token && a.from == b.from && a.to == b.to &&
           a.amount == b.amount && a.references == b.references;
  }
};

struct HeadsParams {
  /// Also report the safe and finalized heads. A caller whose finality policy
  /// is a confirmation count needs only latest, and saves the calls (two of
  /// the three on an EVM node).
  bool include_tags = true;
};

/// The chain's tips. `safe` and `finalized` are absent where the chain has no
/// such notion (or the node does not answer the tags).
struct ChainHeads {
  BlockRef latest;
  std::optional<BlockRef> safe;
  std::optional<BlockRef> finalized;
};

struct BlockParams {
  std::uint64_t number = 0;
};

struct TransfersParams {
  std::uint64_t from_block = 0;  ///< inclusive
  std::uint64_t to_block = 0;    ///< inclusive; from_block <= to_block
  /// Token contracts / mints to report (canonical). Never empty.
  std::vector<std::string> tokens;
  /// Recipients to report, when the backend can filter by them cheaply;
  /// empty means every recipient. Backends may return more than asked.
  std::vector<std::string> recipients;
  /// The header of to_block when the caller already has it (the tracker
  /// passes the latest block heads() just returned when its scan reaches the
  /// head). A backend may use it instead of fetching the header again (the
  /// EVM backend saves one eth_getBlockByNumber per scan), and then reports
  /// it in TransfersResult::blocks. The chain may have moved since the
  /// caller read it: a backend must refuse (kUnavailable, "retry") transfers
  /// of to_block whose block hash differs from it, never mix the two (SimChain
  /// refuses any known_last_block that is no longer its block). Ignored when
  /// its number is not to_block; the EVM backend refuses a malformed hash
  /// (kInvalidArgument).
  std::optional<BlockRef> known_last_block;
};

struct TransfersResult {
  /// In (block_number, log_index) order.
  std::vector<TokenTransfer> transfers;
  /// The blocks of the range that the backend learned on the way (at least
  /// the last one, to_block), so the tracker can remember their hashes
  /// without extra calls. In number order.
  std::vector<BlockRef> blocks;
};

class ChainBackend {
 public:
  virtual ~ChainBackend() = default;

  /// The CAIP-2 id of the chain this backend talks to.
  virtual std::string chain_id() const = 0;
  /// Latest, safe and finalized heads.
  virtual Result<ChainHeads> heads(const HeadsParams& p) = 0;
  /// The block at a height; kNotFound above the head.
  virtual Result<BlockRef> block(const BlockParams& p) = 0;
  /// Token transfers in [from_block, to_block] of the given tokens.
  virtual Result<TransfersResult> transfers(const TransfersParams& p) = 0;
};

}  // namespace usd1pay

#endif  // USD1PAY_CHAIN_BACKEND_H
