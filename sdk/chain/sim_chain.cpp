// SimChain: blocks in a vector, a mempool, and one mutex around both.
//
// Hashes are Keccak-256 over a length-prefixed serialisation of the seed, the
// chain id and the contents, so that equal inputs always give equal hashes
// and no two different inputs can share a serialisation. The reorg counter is
// part of every block hash: a block mined after a reorg never repeats the
// hash of the block it replaces, even when its contents are the same.
#include "usd1pay/sim_chain.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <utility>

#include "usd1pay/chain.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"

namespace usd1pay {
namespace {

struct SimBlock {
  BlockRef ref;
  std::vector<TokenTransfer> transfers;
};

struct Queued {
  std::string tx_hash;
  SimTransfer transfer;
};

void put_u64(Keccak256& k, std::uint64_t v) {
  std::array<std::uint8_t, 8> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::uint8_t>(v >> (8 * (7 - i)));
  }
  k.update(ByteView(bytes));
}

void put_str(Keccak256& k, const std::string& s) {
  put_u64(k, s.size());
  k.update(ByteView::of(s));
}

std::string hash_hex(Keccak256& k) {
  return hex_encode(ByteView(k.finish()), true);
}

std::string zero_hash() {
  return "0x" + std::string(64, '0');
}

}  // namespace

struct SimChain::State {
  explicit State(SimChainOptions o) : options(std::move(o)) {
    if (options.block_time_seconds < 0) options.block_time_seconds = 0;
  }

  SimChainOptions options;
  mutable std::mutex mu;
  std::vector<SimBlock> blocks;
  std::vector<Queued> mempool;
  std::uint64_t tx_counter = 0;
  std::uint64_t reorg_count = 0;
  std::optional<std::uint64_t> pinned_safe;
  std::optional<std::uint64_t> pinned_finalized;
  std::size_t fail_remaining = 0;
  Status fail_status;
  SimCallCounts counts;

  // All below: the caller holds mu.

  std::uint64_t latest() const { return blocks.back().ref.number; }

  std::uint64_t below_tip(std::uint32_t depth, const std::optional<std::uint64_t>& pinned) const {
    const std::uint64_t top = latest();
    if (pinned) return std::min(*pinned, top);
    return top > depth ? top - depth : 0;
  }
  std::uint64_t finalized() const { return below_tip(options.finalized_depth, pinned_finalized); }
  std::uint64_t safe() const { return below_tip(options.safe_depth, pinned_safe); }

  std::int64_t time_of(std::uint64_t number) const {
    return options.genesis_time +
           static_cast<std::int64_t>(number) * std::int64_t{options.block_time_seconds};
  }

  void make_genesis() {
    SimBlock g;
    g.ref.number = 0;
    g.ref.parent_hash = zero_hash();
    g.ref.timestamp = time_of(0);
    Keccak256 k;
    k.update("usd1pay simchain genesis");
    put_u64(k, options.seed);
    put_str(k, options.chain_id);
    put_u64(k, static_cast<std::uint64_t>(g.ref.timestamp));
    g.ref.hash = hash_hex(k);
    blocks.push_back(std::move(g));
  }

  // Mines one block holding the whole mempool.
  void mine_one() {
    const BlockRef& parent = blocks.back().ref;
    SimBlock b;
    b.ref.number = parent.number + 1;
    b.ref.parent_hash = parent.hash;
    b.ref.timestamp = time_of(b.ref.number);
    Keccak256 k;
    k.update("usd1pay simchain block");
    put_u64(k, options.seed);
    put_str(k, options.chain_id);
    put_u64(k, reorg_count);
    put_u64(k, b.ref.number);
    put_str(k, b.ref.parent_hash);
    put_u64(k, static_cast<std::uint64_t>(b.ref.timestamp));
    put_u64(k, mempool.size());
    for (const Queued& q : mempool) put_str(k, q.tx_hash);
    b.ref.hash = hash_hex(k);

    b.transfers.reserve(mempool.size());
    std::uint32_t log_index = 0;
    for (Queued& q : mempool) {
      TokenTransfer t;
      t.chain = options.chain_id;
      t.tx_hash = std::move(q.tx_hash);
      t.log_index = log_index++;
      t.block_number = b.ref.number;
      t.block_hash = b.ref.hash;
      t.block_time = b.ref.timestamp;
      t.token = std::move(q.transfer.token);
      t.from = std::move(q.transfer.from);
      t.to = std::move(q.transfer.to);
      t.amount = q.transfer.amount;
      t.references = std::move(q.transfer.references);
      b.transfers.push_back(std::move(t));
    }
    mempool.clear();
    blocks.push_back(std::move(b));
  }

  // Counts a backend call; returns the injected failure, if one is due.
  std::optional<Status> begin_call(std::size_t SimCallCounts::*kind) {
    ++(counts.*kind);
    if (fail_remaining == 0) return std::nullopt;
    --fail_remaining;
    return fail_status;
  }
};

SimChain::SimChain(SimChainOptions options) : state_(std::make_unique<State>(std::move(options))) {
  state_->make_genesis();
}

SimChain::~SimChain() = default;

Result<std::unique_ptr<SimChain>> SimChain::create(SimChainOptions options) {
  auto id = ChainId::parse(options.chain_id);
  if (!id.ok()) return id.status().with_context("simchain: chain_id");
  if (options.block_time_seconds < 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "simchain: block_time_seconds: expected 0 or more, got " +
                      std::to_string(options.block_time_seconds));
  }
  return std::make_unique<SimChain>(std::move(options));
}

std::string SimChain::submit_transfer(const SimTransfer& transfer) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  Keccak256 k;
  k.update("usd1pay simchain tx");
  put_u64(k, s.options.seed);
  put_str(k, s.options.chain_id);
  put_u64(k, s.tx_counter++);
  put_str(k, transfer.token);
  put_str(k, transfer.from);
  put_str(k, transfer.to);
  put_u64(k, transfer.amount.hi());
  put_u64(k, transfer.amount.lo());
  put_u64(k, transfer.references.size());
  for (const std::string& r : transfer.references) put_str(k, r);
  Queued q{hash_hex(k), transfer};
  std::string tx_hash = q.tx_hash;
  s.mempool.push_back(std::move(q));
  return tx_hash;
}

BlockRef SimChain::mine(std::uint32_t count) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  for (std::uint32_t i = 0; i < count; ++i) s.mine_one();
  return s.blocks.back().ref;
}

void SimChain::set_finalized(std::uint64_t number) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->pinned_finalized = number;
}

void SimChain::set_safe(std::uint64_t number) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->pinned_safe = number;
}

void SimChain::clear_pinned_heads() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->pinned_safe.reset();
  state_->pinned_finalized.reset();
}

Status SimChain::reorg(const SimReorg& reorg) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  if (reorg.depth == 0) {
    return Status(ErrorCode::kInvalidArgument, "simchain: reorg: depth must be at least 1");
  }
  const std::uint64_t latest = s.latest();
  if (reorg.depth > latest) {
    return Status(ErrorCode::kOutOfRange, "simchain: reorg: depth " + std::to_string(reorg.depth) +
                                              " is deeper than the chain (head " +
                                              std::to_string(latest) +
                                              "; genesis is never replaced)");
  }
  const std::uint64_t first_removed = latest - reorg.depth + 1;
  const std::uint64_t finalized = s.finalized();
  if (!reorg.allow_finalized && first_removed <= finalized) {
    return Status(ErrorCode::kFailedPrecondition,
                  "simchain: reorg: depth " + std::to_string(reorg.depth) +
                      " would replace block " + std::to_string(first_removed) +
                      ", at or below the finalized block " + std::to_string(finalized) +
                      " (set allow_finalized to test that)");
  }

  std::vector<Queued> requeued;
  const auto keep = static_cast<std::size_t>(first_removed);
  if (reorg.mode == ReorgTransfers::kRequeue) {
    for (std::size_t i = keep; i < s.blocks.size(); ++i) {
      for (TokenTransfer& t : s.blocks[i].transfers) {
        requeued.push_back(Queued{std::move(t.tx_hash),
                                  SimTransfer{std::move(t.token), std::move(t.from),
                                              std::move(t.to), t.amount, std::move(t.references)}});
      }
    }
  }
  s.blocks.resize(keep);
  ++s.reorg_count;
  if (!requeued.empty()) {
    requeued.insert(requeued.end(), std::make_move_iterator(s.mempool.begin()),
                    std::make_move_iterator(s.mempool.end()));
    s.mempool = std::move(requeued);
  }
  for (std::uint32_t i = 0; i < reorg.new_blocks; ++i) s.mine_one();
  return Status();
}

void SimChain::fail_next_calls(std::size_t n, Status error) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (error.ok()) n = 0;
  state_->fail_remaining = n;
  state_->fail_status = std::move(error);
}

SimCallCounts SimChain::calls() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->counts;
}

BlockRef SimChain::head() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->blocks.back().ref;
}

std::size_t SimChain::pending() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->mempool.size();
}

std::vector<TokenTransfer> SimChain::all_transfers() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<TokenTransfer> out;
  for (const SimBlock& b : state_->blocks) {
    out.insert(out.end(), b.transfers.begin(), b.transfers.end());
  }
  return out;
}

std::string SimChain::chain_id() const {
  // The options never change after construction; no lock needed.
  return state_->options.chain_id;
}

Result<ChainHeads> SimChain::heads(const HeadsParams& /*p*/) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  if (auto failure = s.begin_call(&SimCallCounts::heads)) return *std::move(failure);
  ChainHeads h;
  h.latest = s.blocks.back().ref;
  if (s.options.report_safe) h.safe = s.blocks[static_cast<std::size_t>(s.safe())].ref;
  if (s.options.report_finalized) {
    h.finalized = s.blocks[static_cast<std::size_t>(s.finalized())].ref;
  }
  return h;
}

Result<BlockRef> SimChain::block(const BlockParams& p) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  if (auto failure = s.begin_call(&SimCallCounts::block)) return *std::move(failure);
  if (p.number > s.latest()) {
    return Status(ErrorCode::kNotFound, "simchain: no block " + std::to_string(p.number) +
                                            " (the head is " + std::to_string(s.latest()) + ")");
  }
  return s.blocks[static_cast<std::size_t>(p.number)].ref;
}

Result<TransfersResult> SimChain::transfers(const TransfersParams& p) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  if (auto failure = s.begin_call(&SimCallCounts::transfers)) return *std::move(failure);
  if (p.tokens.empty()) {
    return Status(ErrorCode::kInvalidArgument, "simchain: transfers: tokens must not be empty");
  }
  if (p.from_block > p.to_block) {
    return Status(ErrorCode::kInvalidArgument,
                  "simchain: transfers: from_block " + std::to_string(p.from_block) +
                      " is above to_block " + std::to_string(p.to_block));
  }
  if (p.to_block > s.latest()) {
    return Status(ErrorCode::kOutOfRange, "simchain: transfers: to_block " +
                                              std::to_string(p.to_block) + " is above the head " +
                                              std::to_string(s.latest()));
  }
  // A caller's header of to_block that the chain has since replaced: an EVM
  // node would give logs with another block hash, which the backend refuses.
  if (p.known_last_block && p.known_last_block->number == p.to_block &&
      p.known_last_block->hash != s.blocks[static_cast<std::size_t>(p.to_block)].ref.hash) {
    return Status(ErrorCode::kUnavailable,
                  "simchain: transfers: block " + std::to_string(p.to_block) + " is now " +
                      s.blocks[static_cast<std::size_t>(p.to_block)].ref.hash +
                      ", not the known_last_block " + p.known_last_block->hash +
                      " (reorganised since); retry");
  }
  const std::unordered_set<std::string> tokens(p.tokens.begin(), p.tokens.end());
  const std::unordered_set<std::string> recipients(p.recipients.begin(), p.recipients.end());
  TransfersResult out;
  const auto first = static_cast<std::size_t>(p.from_block);
  const auto last = static_cast<std::size_t>(p.to_block);
  out.blocks.reserve(last - first + 1);
  for (std::size_t i = first; i <= last; ++i) {
    const SimBlock& b = s.blocks[i];
    out.blocks.push_back(b.ref);
    for (const TokenTransfer& t : b.transfers) {
      if (tokens.count(t.token) == 0) continue;
      if (!recipients.empty() && recipients.count(t.to) == 0) continue;
      out.transfers.push_back(t);
    }
  }
  return out;
}

}  // namespace usd1pay
