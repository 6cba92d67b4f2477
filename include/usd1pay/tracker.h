// usd1pay: the payment tracker (scanning, matching, confirmations, finality,
// reorgs, cursors, wrong-network detection).
//
// The Tracker watches every configured chain through its ChainBackend and
// turns token transfers into payments and intent state changes. One poll of
// one chain (a "step", docs/tracking.md):
//   1. heads(): latest, safe and finalized tips (one backend call);
//   2. reorg check: the newest remembered block hash is compared with the
//      chain's block at that height; on a mismatch the tracker walks back to
//      the fork point (within reorg_window remembered blocks), rewinds its
//      cursor and re-scans; payments in blocks above the fork that are not
//      seen again become "orphaned" and their intents are re-settled (which
//      may revert them, e.g. succeeded -> processing / requires_payment);
//   3. scan [cursor, min(latest, cursor + max_blocks_per_poll - 1)] with ONE
//      transfers() call for all of the chain's tokens (never one call per
//      intent or address);
//   4. match each transfer to an intent through an in-memory index of the
//      watched deposit addresses (and Solana Pay references);
//   5. finality by the chain's policy (N confirmations, or the finalized /
//      safe tag): pending payments become final with no extra transfer calls;
//   6. settlement (settlement.h) decides each touched intent's status/flags;
//   7. everything the step decided (cursor compare-and-set, remembered block
//      hashes, payments, intent transitions guarded by their version, and all
//      events) is written with ONE Store::apply_scan transaction.
// A crash at any point loses nothing and credits nothing twice: the cursor
// moves only together with the data, and payments are unique by
// (chain, tx_hash, log_index). Two trackers on one store are safe: the loser
// of the cursor compare-and-set writes nothing and re-reads next time.
//
// A payment is never reported final unless its block is final by the policy.
// Wrong network: an EVM intent's address is watched on every configured EVM
// chain; a transfer to it on another chain is recorded (flag wrong_network,
// event payment.wrong_network) and never credited.
//
// Ownership: a Tracker owns its Config copy and shares its Store, Clock and
// backends with the caller. Reports are values.
//
// THREAD SAFETY: poll_once() calls are serialised by the Tracker (one step at
// a time); start()/stop() may be called from any thread; backend(),
// sim_chain(), stats() and last_report() may be called from any thread at
// any time. Do not call poll_once() from an on_poll callback.
#ifndef USD1PAY_TRACKER_H
#define USD1PAY_TRACKER_H

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/chain_backend.h"
#include "usd1pay/clock.h"
#include "usd1pay/config.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"

namespace usd1pay {

class SimChain;

/// What one poll did on one chain.
struct ChainPollReport {
  std::string chain;  ///< CAIP-2 id
  /// OK, or why this chain's step failed (nothing of the step was written
  /// then; the cursor stays where it was).
  Status error;
  std::uint64_t latest = 0;      ///< the chain's latest block number
  std::uint64_t from_block = 0;  ///< first block scanned (when blocks_scanned > 0)
  std::uint64_t to_block = 0;    ///< last block scanned (when blocks_scanned > 0)
  std::uint64_t blocks_scanned = 0;
  std::uint64_t next_block = 0;            ///< the cursor after the step
  bool caught_up = false;                  ///< the cursor reached latest + 1
  std::size_t payments_detected = 0;       ///< new payments credited to an intent
  std::size_t payments_confirmed = 0;      ///< pending -> final
  std::size_t payments_orphaned = 0;       ///< removed by a reorg
  std::size_t payments_wrong_network = 0;  ///< new transfers to an intent of another chain
  std::size_t payments_unmatched = 0;      ///< new transfers to a merchant address, no intent
  std::size_t intents_changed = 0;         ///< status or flags changed
  std::size_t reorgs = 0;                  ///< reorgs detected (0 or 1 per step)
  std::uint64_t reorg_depth = 0;           ///< blocks rewound
  std::size_t backend_calls = 0;           ///< calls made to the backend by this step
};

/// What one poll_once() did: one entry per configured chain, in config order.
struct PollReport {
  std::vector<ChainPollReport> chains;
  /// Every chain's step succeeded.
  bool ok() const noexcept;
  /// Every chain is scanned up to its latest block.
  bool caught_up() const noexcept;
  /// The first failing chain's error (OK when ok()).
  Status first_error() const;
};

/// One chain's step as compact JSON text, as `usd1pay watch` prints it and the
/// C ABI returns it: {"chain", "ok", "latest", "next_block", "blocks_scanned",
/// "caught_up", "payments_detected", "payments_confirmed", "payments_orphaned",
/// "payments_wrong_network", "payments_unmatched", "intents_changed", "reorgs",
/// "backend_calls"}, and "error" (the message) when the step failed.
std::string chain_poll_report_to_json(const ChainPollReport& r);

/// A recorded payment as compact JSON text, as `usd1pay payments` prints it
/// and the C ABI returns it: {"id", "chain", "tx_hash", "log_index",
/// "block_number", "block_hash", "block_time" (whole seconds), "token", "from",
/// "to", "amount_base_units", "intent_id" (null when unmatched), "status",
/// "flags" (as stored), "detected_at", "final_at" (milliseconds, null for
/// never), "final_head_block" (the chain's latest block when the payment
/// became final, so its confirmations then were final_head_block -
/// block_number + 1; null while not final, and for payments finalised
/// before store schema 5)}.
std::string payment_to_json(const PaymentRow& p);

/// Counters since open().
struct TrackerStats {
  std::uint64_t polls = 0;
  std::uint64_t failed_polls = 0;          ///< polls where some chain failed
  std::uint64_t consecutive_failures = 0;  ///< of the background loop, for backoff
  std::uint64_t backend_calls = 0;
  std::uint64_t blocks_scanned = 0;
  std::uint64_t payments_detected = 0;
  std::uint64_t reorgs = 0;
  std::size_t watched_addresses = 0;  ///< entries in the watch index
  Status last_error;                  ///< the latest failure (OK if none yet)
};

struct TrackerOptions {
  Config config;
  /// null: open the SQLite store named by config.store.
  std::shared_ptr<Store> store;
  /// null: the system clock.
  std::shared_ptr<const Clock> clock;
  /// Backends by CAIP-2 id. Chains missing here are built from the config:
  /// backend "sim" -> a fresh SimChain per chain (sim_chain() exposes it, so
  /// a demo or test can drive it); "evm-rpc" -> make_evm_rpc_backend with the
  /// chain's backend_settings. A backend whose chain_id() differs from its
  /// key is refused at open (kInvalidArgument).
  std::map<std::string, std::shared_ptr<ChainBackend>> backends;
  /// Blocks scanned per chain per poll, 1..100000 (one transfers() call).
  std::uint64_t max_blocks_per_poll = 2000;
  /// Block hashes remembered per chain to detect reorgs, 2..100000. Must
  /// exceed every confirmation depth configured (open refuses otherwise):
  /// a reorg deeper than the window is reported as an error naming the
  /// chain and depth, never followed silently.
  std::uint32_t reorg_window = 256;
  /// The background loop's interval between polls (1 ms .. 1 h).
  std::chrono::milliseconds poll_interval{2000};
  /// The background loop's longest wait after consecutive failures
  /// (exponential backoff from poll_interval, doubling, capped here).
  std::chrono::milliseconds max_backoff{60000};
  /// Where a chain that was never scanned (no cursor in the store) starts,
  /// for every chain whose config has no `start_block` of its own
  /// (ChainConfig::start_block, the config key, wins for its chain). Absent
  /// in both: latest - depth + 1 where depth is the confirmation count (or
  /// 64 for tag policies), so that any payment that is not yet final is
  /// still seen. A chain with a cursor continues from it: neither setting
  /// ever moves an existing cursor.
  std::optional<std::uint64_t> start_block;
  /// The actor written in events: 1..64 of [A-Za-z0-9._:@-].
  std::string actor = "tracker";
  /// Called by the background loop after each poll (on its thread).
  std::function<void(const PollReport&)> on_poll;
};

class Tracker {
 public:
  /// Validates the options (chains, backends, window vs finality depths),
  /// opens the store if needed, builds the backends and the watch index from
  /// the store's open intents. Errors: kInvalidArgument / kOutOfRange naming
  /// the option ("tracker: reorg_window 10 must exceed the confirmation depth
  /// 12 of chain eip155:1"); kUnsupported for a chain family no backend is
  /// available for; store errors as reported.
  static Result<std::unique_ptr<Tracker>> open(TrackerOptions options);

  ~Tracker();  ///< stops the background loop if running
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  /// One step on every chain (see the top of this header). A failing chain
  /// does not stop the others: its error is in its ChainPollReport. The
  /// Result itself fails only when nothing could be done (the watch index
  /// could not be refreshed from the store).
  Result<PollReport> poll_once();

  /// Starts the background loop: poll_once() every poll_interval (sooner,
  /// immediately again, while some chain is not caught up), exponential
  /// backoff on failures. kFailedPrecondition when already running.
  Status start();
  /// Stops the loop and joins its thread; returns promptly (the wait is on a
  /// condition variable, and an in-flight poll finishes its step first).
  /// Safe to call when not running.
  void stop();
  bool running() const;

  /// The backend of a configured chain, or nullptr.
  std::shared_ptr<ChainBackend> backend(std::string_view chain) const;
  /// The SimChain of a configured chain when its backend is one, or nullptr.
  std::shared_ptr<SimChain> sim_chain(std::string_view chain) const;

  TrackerStats stats() const;
  /// The latest poll's report (empty before the first poll).
  PollReport last_report() const;

  const Config& config() const noexcept;

 private:
  struct Impl;
  explicit Tracker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace usd1pay

#endif  // USD1PAY_TRACKER_H
