// The Tracker: one step per chain per poll (docs/tracking.md).
//
//   heads -> reorg check -> ONE transfers() call -> match -> finality ->
//   settle the touched intents -> ONE Store::apply_scan.
//
// Nothing is written before the final apply_scan, so an error anywhere
// leaves the store as it was and the next poll starts over from the stored
// cursor.
#include "usd1pay/tracker.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "tracker/tracker_watch.h"
#include "usd1pay/evm_rpc.h"
#include "usd1pay/id.h"
#include "usd1pay/intent.h"
#include "usd1pay/settlement.h"
#include "usd1pay/sim_chain.h"

namespace usd1pay {

bool PollReport::ok() const noexcept {
  return std::all_of(chains.begin(), chains.end(),
                     [](const ChainPollReport& c) { return c.error.ok(); });
}

bool PollReport::caught_up() const noexcept {
  return std::all_of(chains.begin(), chains.end(),
                     [](const ChainPollReport& c) { return c.error.ok() && c.caught_up; });
}

Status PollReport::first_error() const {
  for (const auto& c : chains) {
    if (!c.error.ok()) return c.error;
  }
  return Status();
}

namespace {

// ChainBackend's promise for block hashes: "0x" + 64 lowercase hex digits.
// Anything else is a broken or hostile node, never something to remember.
bool is_block_hash(std::string_view h) noexcept {
  if (h.size() != 66 || h[0] != '0' || h[1] != 'x') return false;
  for (std::size_t i = 2; i < h.size(); ++i) {
    const char c = h[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

using tracker_internal::AccountKey;
using tracker_internal::StaticWatch;
using tracker_internal::WatchedIntent;
using tracker_internal::WatchKind;
using tracker_internal::WatchList;
using json = nlohmann::json;

// Statuses whose intents are watched: the open ones always, the closed ones
// for closed_watch_ms after their last change (payments after success, late
// payments and wrong-network payments stay visible).
constexpr std::array<const char*, 7> kWatchedStatuses = {
    "requires_payment", "processing", "underpaid", "succeeded", "expired", "canceled", "paid_late"};
constexpr std::int64_t kClosedWatchMs = 30LL * 24 * 3600 * 1000;
// Full rebuild of the watch list (drops intents closed for too long).
constexpr std::int64_t kRebuildEveryMs = 3600LL * 1000;
// New intents are read with created_at >= newest seen - this margin (clock
// skew between processes, commits out of created_at order).
constexpr std::int64_t kCreatedMarginMs = 5LL * 60 * 1000;
// Depth a never-scanned chain starts below latest under a tag policy.
constexpr std::uint64_t kTagStartDepth = 64;

std::int64_t to_ms(TimePoint t) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool is_open_status(std::string_view s) {
  return s == "requires_payment" || s == "processing" || s == "underpaid";
}

struct ChainRt {
  const ChainConfig* config = nullptr;
  std::string id;
  ChainFamily family = ChainFamily::kEvm;
  std::shared_ptr<ChainBackend> backend;
  std::shared_ptr<SimChain> sim;
  std::vector<std::string> tokens;
  std::string merchant_address;  // static / reference strategies
};

std::vector<std::string> parse_flags(const std::string& flags_json) {
  std::vector<std::string> out;
  const json j = json::parse(flags_json, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string flags_to_json(const std::vector<std::string>& flags) {
  return json(flags).dump();
}

bool has_flag(const PaymentRow& p, std::string_view flag) {
  const auto flags = parse_flags(p.flags_json);
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

void add_flag(PaymentRow* p, const std::string& flag) {
  auto flags = parse_flags(p->flags_json);
  if (std::find(flags.begin(), flags.end(), flag) != flags.end()) return;
  flags.push_back(flag);
  p->flags_json = flags_to_json(flags);
}

std::string payment_json(const PaymentRow& p) {
  json j;
  j["id"] = p.id;
  j["chain"] = p.chain;
  j["tx_hash"] = p.tx_hash;
  j["log_index"] = p.log_index;
  j["block_number"] = p.block_number;
  j["block_hash"] = p.block_hash;
  j["block_time"] = format_iso8601(from_unix_seconds(p.block_time));
  j["token_contract"] = p.token_contract;
  j["from"] = p.from_address;
  j["to"] = p.to_address;
  j["amount_base_units"] = p.amount_base_units;
  j["intent_id"] = p.intent_id.empty() ? json(nullptr) : json(p.intent_id);
  j["status"] = p.status;
  j["flags"] = parse_flags(p.flags_json);
  return json{{"payment", j}}.dump();
}

std::string flags_of(const std::set<IntentFlag>& flags) {
  std::vector<std::string> names;
  names.reserve(flags.size());
  for (IntentFlag f : flags) names.emplace_back(intent_flag_name(f));
  return flags_to_json(names);
}

using PaymentKey = std::tuple<std::string, std::string, std::uint32_t>;
PaymentKey key_of(const PaymentRow& p) {
  return {p.chain, p.tx_hash, p.log_index};
}

}  // namespace

struct Tracker::Impl {
  TrackerOptions options;
  std::shared_ptr<Store> store;
  std::shared_ptr<const Clock> clock;
  std::vector<ChainRt> chains;

  // Serialises poll steps (poll_once from the host or the loop).
  std::mutex poll_mu;
  std::unique_ptr<WatchList> watch;  // guarded by poll_mu
  std::int64_t newest_created_ms = 0;
  std::int64_t last_rebuild_ms = 0;

  // Reports, stats and the loop.
  mutable std::mutex state_mu;
  TrackerStats stats;
  PollReport last_poll;
  std::condition_variable cv;
  bool stopping = false;
  bool loop_running = false;
  std::thread loop;

  std::int64_t now_ms() const { return to_ms(clock->now()); }

  std::optional<std::size_t> chain_index(std::string_view id) const {
    for (std::size_t i = 0; i < chains.size(); ++i) {
      if (chains[i].id == id) return i;
    }
    return std::nullopt;
  }

  // ---- the watch list ----

  Status rebuild_watch() {
    ListOpenIntentsParams p;
    for (const char* s : kWatchedStatuses) p.statuses.emplace_back(s);
    auto rows = store->list_open_intents(p);
    if (!rows.ok()) return rows.status().with_context("tracker: reading open intents");
    std::vector<ChainFamily> families;
    families.reserve(chains.size());
    for (const auto& c : chains) families.push_back(c.family);
    auto fresh = std::make_unique<WatchList>(std::move(families));
    fresh->reserve(rows->size());
    const std::int64_t now = now_ms();
    std::int64_t newest = 0;
    for (const IntentRow& row : *rows) {
      newest = std::max(newest, row.created_at_ms);
      if (!is_open_status(row.status) && row.updated_at_ms + kClosedWatchMs < now) continue;
      if (auto ci = chain_index(row.chain)) fresh->add(row, *ci);
    }
    watch = std::move(fresh);
    newest_created_ms = std::max(newest_created_ms, newest);
    last_rebuild_ms = now;
    return Status();
  }

  // Picks up intents created since the last look (cheap: an indexed range).
  Status refresh_watch() {
    if (!watch || now_ms() - last_rebuild_ms >= kRebuildEveryMs) return rebuild_watch();
    ListIntentsParams p;
    p.created_from_ms = newest_created_ms - kCreatedMarginMs;
    p.limit = 1000;
    std::int64_t newest = newest_created_ms;
    for (int page = 0; page < 100000; ++page) {
      auto got = store->list_intents(p);
      if (!got.ok()) return got.status().with_context("tracker: reading new intents");
      for (const IntentRow& row : got->intents) {
        newest = std::max(newest, row.created_at_ms);
        if (auto ci = chain_index(row.chain)) watch->add(row, *ci);
      }
      if (got->next_cursor.empty()) break;
      p.cursor = got->next_cursor;
    }
    newest_created_ms = newest;
    return Status();
  }

  // ---- matching ----

  struct Match {
    enum Kind { kNone, kIntent, kWrongNetwork, kUnmatched } kind = kNone;
    IntentRow intent;
  };

  Result<Match> match(const ChainRt& rt, std::size_t ci, const TokenTransfer& t) {
    Match m;
    AccountKey key{};
    const bool keyed = rt.family == ChainFamily::kEvm
                           ? tracker_internal::evm_address_key(t.to, &key)
                           : tracker_internal::address_key(rt.family, t.to, &key);
    std::vector<std::uint32_t> native;
    std::vector<std::uint32_t> other;
    if (keyed) {
      watch->index().for_each(key, [&](std::uint32_t v) {
        const WatchedIntent& w = watch->slot(v);
        if (w.kind != WatchKind::kAddress || watch->family(w.chain) != rt.family) return;
        if (w.chain == ci) {
          native.push_back(v);
        } else if (rt.family == ChainFamily::kEvm) {
          other.push_back(v);
        }
      });
    }
    // Solana Pay references.
    for (const auto& ref : t.references) {
      AccountKey rk{};
      if (!tracker_internal::address_key(ChainFamily::kSolana, ref, &rk)) continue;
      watch->index().for_each(rk, [&](std::uint32_t v) {
        const WatchedIntent& w = watch->slot(v);
        if (w.kind == WatchKind::kReference && w.chain == ci) native.push_back(v);
      });
    }
    auto load = [&](std::uint32_t v) -> Result<std::optional<IntentRow>> {
      auto row = store->get_intent({std::string(watch->slot(v).id_view())});
      if (!row.ok()) {
        if (row.status().code() == ErrorCode::kNotFound) return std::optional<IntentRow>();
        return row.status();
      }
      // Confirm the full address / reference (keys are prefixes for Solana).
      const bool by_ref = watch->slot(v).kind == WatchKind::kReference;
      const bool same = by_ref ? std::find(t.references.begin(), t.references.end(),
                                           row->reference) != t.references.end()
                               : row->deposit_address == t.to;
      if (!same) return std::optional<IntentRow>();
      return std::optional<IntentRow>(std::move(*row));
    };
    for (std::uint32_t v : native) {
      auto row = load(v);
      if (!row.ok()) return row.status();
      if (*row) {
        m.kind = Match::kIntent;
        m.intent = std::move(**row);
        return m;
      }
    }
    // Static strategy: the oldest open intent of the token with this exact amount.
    if (!rt.merchant_address.empty() && t.to == rt.merchant_address) {
      const std::string amount = t.amount.to_decimal();
      for (const StaticWatch& s : watch->statics(ci)) {
        if (s.token_contract != t.token || s.amount_base_units != amount) continue;
        auto row = store->get_intent({s.id});
        if (!row.ok()) {
          if (row.status().code() == ErrorCode::kNotFound) continue;
          return row.status();
        }
        if (row->status != "requires_payment") continue;
        m.kind = Match::kIntent;
        m.intent = std::move(*row);
        return m;
      }
    }
    for (std::uint32_t v : other) {
      auto row = load(v);
      if (!row.ok()) return row.status();
      if (*row) {
        m.kind = Match::kWrongNetwork;
        m.intent = std::move(**row);
        return m;
      }
    }
    if (!rt.merchant_address.empty() && t.to == rt.merchant_address) m.kind = Match::kUnmatched;
    return m;
  }

  // ---- one step on one chain ----

  NewEvent event(const std::string& type, std::string data, std::int64_t at) const {
    NewEvent e;
    e.id = new_id(kEventIdPrefix);
    e.type = type;
    e.actor = options.actor;
    e.created_at_ms = at;
    e.data_json = std::move(data);
    return e;
  }

  bool final_by_policy(const ChainRt& rt, const ChainHeads& heads, std::uint64_t verified_top,
                       std::uint64_t block) const {
    if (block > verified_top) return false;
    const FinalityConfig& f = rt.config->finality;
    switch (f.kind) {
      case FinalityConfig::Kind::kConfirmations:
        return heads.latest.number >= block &&
               heads.latest.number - block + 1 >= std::uint64_t{f.confirmations};
      case FinalityConfig::Kind::kFinalized:
        return heads.finalized.has_value() && block <= heads.finalized->number;
      case FinalityConfig::Kind::kSafe:
        return heads.safe.has_value() && block <= heads.safe->number;
    }
    return false;
  }

  Status step(std::size_t ci, ChainPollReport& rep) {
    ChainRt& rt = chains[ci];
    const std::string where = "tracker: chain " + rt.id;
    auto backend_error = [&](const Status& s, const std::string& what) {
      return s.with_context(where + ": " + what);
    };

    const FinalityConfig& fin = rt.config->finality;
    HeadsParams heads_params;
    // A confirmation count needs only the latest head (RPC economy).
    heads_params.include_tags = fin.kind != FinalityConfig::Kind::kConfirmations;
    auto heads = rt.backend->heads(heads_params);
    ++rep.backend_calls;
    if (!heads.ok()) return backend_error(heads.status(), "heads");
    const std::uint64_t latest = heads->latest.number;
    rep.latest = latest;
    if (fin.kind != FinalityConfig::Kind::kConfirmations) {
      const bool have = fin.kind == FinalityConfig::Kind::kFinalized ? heads->finalized.has_value()
                                                                     : heads->safe.has_value();
      if (!have) {
        return Status(ErrorCode::kUnavailable, where + ": the backend reports no " +
                                                   finality_kind_name(fin.kind) +
                                                   " head, which the finality policy needs");
      }
    }

    auto cursor_row = store->get_cursor({rt.id});
    if (!cursor_row.ok()) return cursor_row.status().with_context(where);
    std::optional<std::uint64_t> expected;
    std::uint64_t cursor = 0;
    if (*cursor_row) {
      expected = (*cursor_row)->next_block;
      cursor = *expected;
    } else if (rt.config->start_block) {
      cursor = *rt.config->start_block;  // the chain's own (config "start_block")
    } else if (options.start_block) {
      cursor = *options.start_block;
    } else {
      const std::uint64_t depth = fin.kind == FinalityConfig::Kind::kConfirmations
                                      ? std::uint64_t{fin.confirmations}
                                      : kTagStartDepth;
      cursor = latest + 1 > depth ? latest + 1 - depth : 0;
    }

    const std::uint64_t window = options.reorg_window;
    ListBlockHashesParams lp;
    lp.chain = rt.id;
    lp.from_number = cursor > window ? cursor - window : 0;
    lp.limit = static_cast<std::size_t>(window) + 64;
    auto remembered = store->list_block_hashes(lp);
    if (!remembered.ok()) return remembered.status().with_context(where);

    // A fresh cursor at S also remembers the hash of S-1 (free when S-1 is
    // the latest block, one block() call otherwise, once per chain): without
    // it a reorg forking at S-1 would replace every remembered block and look
    // deeper than the window. It is checked like any remembered block: the
    // scanned block S must name it as parent.
    std::optional<BlockHashRow> start_parent;
    if (!*cursor_row && cursor > 0 && cursor - 1 <= latest &&
        (remembered->empty() || remembered->back().number < cursor - 1)) {
      std::string hash = heads->latest.hash;
      if (cursor - 1 < latest) {
        auto b = rt.backend->block({cursor - 1});
        ++rep.backend_calls;
        if (!b.ok()) return backend_error(b.status(), "block " + std::to_string(cursor - 1));
        hash = b->hash;
      }
      if (!is_block_hash(hash)) {
        return Status(ErrorCode::kUnavailable, where + ": block " + std::to_string(cursor - 1) +
                                                   ": malformed block hash from the backend");
      }
      start_parent = BlockHashRow{rt.id, cursor - 1, hash};
      remembered->push_back(*start_parent);
    }

    // Walks remembered hashes newest first: the newest one still on the
    // node's chain is the fork base. nullopt base with OK: the node is
    // behind us (every checked block matches but our newest is above latest).
    std::optional<std::uint64_t> fork_base;
    bool reorg = false;
    auto find_fork = [&]() -> Status {
      std::size_t checked = 0;
      for (auto it = remembered->rbegin(); it != remembered->rend(); ++it) {
        if (it->number > latest) continue;
        std::string hash;
        if (it->number == latest) {
          hash = heads->latest.hash;
        } else {
          auto b = rt.backend->block({it->number});
          ++rep.backend_calls;
          if (!b.ok()) return backend_error(b.status(), "block " + std::to_string(it->number));
          hash = b->hash;
        }
        ++checked;
        if (hash == it->hash) {
          fork_base = it->number;
          return Status();
        }
        reorg = true;
      }
      if (checked == 0) return Status();  // all above latest: the node is behind
      return Status(ErrorCode::kFailedPrecondition,
                    where + ": reorg deeper than the reorg window: none of the " +
                        std::to_string(checked) + " remembered blocks " +
                        std::to_string(remembered->front().number) + ".." +
                        std::to_string(remembered->back().number) +
                        " is on the node's chain any more; payments there cannot be "
                        "re-checked automatically (raise reorg_window or re-scan by hand)");
    };

    const BlockHashRow* newest = remembered->empty() ? nullptr : &remembered->back();
    bool verified = newest == nullptr;
    bool node_behind = false;
    if (newest != nullptr && newest->number >= latest) {
      USD1PAY_RETURN_IF_ERROR(find_fork());
      verified = true;
      if (!reorg) {
        // Every checked block matches: nothing new (== latest) or a node
        // that is behind us (> latest) and must catch up first.
        node_behind = newest->number > latest;
        fork_base.reset();
      }
    }

    // Payments that a rewind puts back in question.
    std::map<PaymentKey, PaymentRow> candidates;
    auto load_candidates = [&]() -> Status {
      for (const char* st : {"pending", "final"}) {
        ListPaymentsParams pp;
        pp.chain = rt.id;
        pp.status = st;
        pp.limit = 100000;
        auto got = store->list_payments(pp);
        if (!got.ok()) return got.status().with_context(where);
        for (auto& p : *got) {
          if (p.block_number > *fork_base) candidates.emplace(key_of(p), std::move(p));
        }
      }
      return Status();
    };

    std::uint64_t from = cursor;
    if (reorg) {
      from = *fork_base + 1;
      USD1PAY_RETURN_IF_ERROR(load_candidates());
    }

    TransfersResult scanned;
    std::uint64_t to = 0;
    bool did_scan = false;
    auto scan = [&]() -> Status {
      did_scan = false;
      scanned = TransfersResult{};
      if (node_behind || from > latest) return Status();
      to = std::min<std::uint64_t>(latest, from + options.max_blocks_per_poll - 1);
      for (const auto& [k, p] : candidates) {
        (void)k;
        to = std::max(to, std::min(latest, p.block_number));
      }
      TransfersParams tp;
      tp.from_block = from;
      tp.to_block = to;
      tp.tokens = rt.tokens;
      // The scan ends at the head heads() just returned: the backend need
      // not fetch that header again (one call less per poll when following).
      if (to == latest) tp.known_last_block = heads->latest;
      auto got = rt.backend->transfers(tp);
      ++rep.backend_calls;
      if (!got.ok()) {
        return backend_error(got.status(),
                             "transfers " + std::to_string(from) + ".." + std::to_string(to));
      }
      scanned = std::move(*got);
      did_scan = true;
      return Status();
    };
    USD1PAY_RETURN_IF_ERROR(scan());

    // The newest remembered block below the scanned range: check it is the
    // parent of what was scanned (free when the backend reported the first
    // block's parent, one block() call otherwise).
    if (!verified && did_scan) {
      std::optional<bool> linked;
      for (const BlockRef& b : scanned.blocks) {
        if (b.number == newest->number + 1 && !b.parent_hash.empty()) {
          linked = b.parent_hash == newest->hash;
        }
      }
      if (!linked) {
        auto b = rt.backend->block({newest->number});
        ++rep.backend_calls;
        if (!b.ok()) return backend_error(b.status(), "block " + std::to_string(newest->number));
        if (!is_block_hash(b->hash)) {
          return Status(ErrorCode::kUnavailable, where + ": block " +
                                                     std::to_string(newest->number) +
                                                     ": malformed block hash from the backend");
        }
        linked = b->hash == newest->hash;
      }
      if (!*linked) {
        USD1PAY_RETURN_IF_ERROR(find_fork());
        reorg = true;
        from = *fork_base + 1;
        USD1PAY_RETURN_IF_ERROR(load_candidates());
        USD1PAY_RETURN_IF_ERROR(scan());
      }
    }

    // Check the answer before believing it.
    std::map<std::uint64_t, std::string> block_hashes;
    std::map<std::uint64_t, std::int64_t> block_times;
    if (did_scan) {
      const auto malformed = [&where](std::uint64_t number) {
        return Status(ErrorCode::kUnavailable, where + ": block " + std::to_string(number) +
                                                   ": malformed block hash from the backend");
      };
      for (const BlockRef& b : scanned.blocks) {
        if (b.number < from || b.number > to) continue;
        if (!is_block_hash(b.hash)) return malformed(b.number);
        block_hashes[b.number] = b.hash;
        block_times[b.number] = b.timestamp;
      }
      // (chain, tx, log_index) identifies a payment: the same transfer twice in
      // one answer is kept once when the copies agree, and refused when they
      // do not (the node contradicts itself).
      std::map<std::pair<std::string, std::uint32_t>, const TokenTransfer*> seen;
      std::vector<TokenTransfer> unique;
      unique.reserve(scanned.transfers.size());
      for (const TokenTransfer& t : scanned.transfers) {
        if (t.block_number < from || t.block_number > to) {
          return Status(ErrorCode::kUnavailable,
                        where + ": the backend returned a transfer in block " +
                            std::to_string(t.block_number) + ", outside the range asked " +
                            std::to_string(from) + ".." + std::to_string(to));
        }
        if (!t.chain.empty() && t.chain != rt.id) {
          return Status(ErrorCode::kUnavailable,
                        where + ": the backend returned a transfer of chain " + t.chain);
        }
        if (!is_block_hash(t.block_hash)) return malformed(t.block_number);
        auto it = block_hashes.find(t.block_number);
        if (it != block_hashes.end() && it->second != t.block_hash) {
          return Status(ErrorCode::kUnavailable,
                        where + ": inconsistent answer: block " + std::to_string(t.block_number) +
                            " has two hashes (the chain moved during the call); will retry");
        }
        block_hashes.emplace(t.block_number, t.block_hash);
        block_times.emplace(t.block_number, t.block_time);
        const auto [dup, inserted] = seen.emplace(std::make_pair(t.tx_hash, t.log_index), &t);
        if (!inserted) {
          if (!(*dup->second == t)) {
            return Status(ErrorCode::kUnavailable,
                          where + ": the backend returned transaction " + t.tx_hash + " log " +
                              std::to_string(t.log_index) + " twice, with different contents");
          }
          continue;
        }
        unique.push_back(t);
      }
      scanned.transfers = std::move(unique);
      if (block_hashes.find(to) == block_hashes.end()) {
        auto b = rt.backend->block({to});
        ++rep.backend_calls;
        if (!b.ok()) return backend_error(b.status(), "block " + std::to_string(to));
        if (!is_block_hash(b->hash)) return malformed(to);
        block_hashes[to] = b->hash;
      }
    }

    if (start_parent && (!reorg || *fork_base >= start_parent->number)) {
      block_hashes.emplace(start_parent->number, start_parent->hash);
    }

    const std::int64_t now = now_ms();
    ApplyScanParams ap;
    ap.chain = rt.id;
    ap.expected_next_block = expected;
    ap.at_ms = now;
    std::uint64_t next = cursor;
    if (did_scan) {
      next = to + 1;
    } else if (reorg) {
      next = *fork_base + 1;
    } else if (!expected) {
      next = cursor;
    }
    ap.new_next_block = next;
    if (reorg) ap.forget_blocks_from = *fork_base + 1;
    for (const auto& [n, h] : block_hashes) ap.remember_blocks.push_back({rt.id, n, h});
    if (next > window) ap.prune_blocks_below = next - window;

    std::map<PaymentKey, PaymentRow> upserts;
    std::set<std::string> touched;
    std::vector<NewIntentEvent> payment_events;
    std::map<PaymentKey, std::string> payment_intent_status;  // intent status when first seen

    if (did_scan) {
      for (const TokenTransfer& t : scanned.transfers) {
        if (std::find(rt.tokens.begin(), rt.tokens.end(), t.token) == rt.tokens.end()) continue;
        auto m = match(rt, ci, t);
        if (!m.ok()) return m.status().with_context(where);
        if (m->kind == Match::kNone) continue;
        const PaymentKey key{rt.id, t.tx_hash, t.log_index};
        std::optional<PaymentRow> existing;
        auto cand = candidates.find(key);
        if (cand != candidates.end()) {
          existing = cand->second;
          candidates.erase(cand);
        } else {
          ListPaymentsParams pp;
          pp.chain = rt.id;
          pp.tx_hash = t.tx_hash;
          pp.limit = 100000;
          auto got = store->list_payments(pp);
          if (!got.ok()) return got.status().with_context(where);
          for (auto& p : *got) {
            if (p.log_index == t.log_index) existing = std::move(p);
          }
        }
        PaymentRow row;
        bool is_new = !existing.has_value();
        if (existing) {
          row = std::move(*existing);
          if (row.block_hash == t.block_hash && row.status != "orphaned") continue;  // unchanged
          if (row.status == "orphaned") is_new = true;  // back on the chain
          row.status = "pending";
          row.final_at_ms = 0;
          row.final_head_block.reset();
        } else {
          row.id = new_id(kPaymentIdPrefix);
          row.chain = rt.id;
          row.tx_hash = t.tx_hash;
          row.log_index = t.log_index;
          row.token_contract = t.token;
          row.from_address = t.from;
          row.to_address = t.to;
          row.amount_base_units = t.amount.to_decimal();
          row.intent_id = m->kind == Match::kUnmatched ? std::string() : m->intent.id;
          row.status = "pending";
          row.detected_at_ms = now;
          if (m->kind == Match::kWrongNetwork) add_flag(&row, "wrong_network");
          if (m->kind == Match::kIntent && m->intent.status == "succeeded") {
            add_flag(&row, "after_success");
          }
        }
        row.block_number = t.block_number;
        row.block_hash = t.block_hash;
        row.block_time = t.block_time;
        row.updated_at_ms = now;
        if (is_new) {
          const char* type = m->kind == Match::kWrongNetwork ? "payment.wrong_network"
                             : m->kind == Match::kUnmatched  ? "payment.unmatched"
                                                             : "payment.detected";
          payment_events.push_back({row.intent_id, event(type, payment_json(row), now)});
          if (m->kind == Match::kWrongNetwork) {
            ++rep.payments_wrong_network;
          } else if (m->kind == Match::kUnmatched) {
            ++rep.payments_unmatched;
          } else {
            ++rep.payments_detected;
          }
        }
        if (!row.intent_id.empty()) touched.insert(row.intent_id);
        upserts[key] = std::move(row);
      }
    }

    // Candidates not seen again: their blocks were replaced.
    for (auto& [key, p] : candidates) {
      const bool decided = p.block_number > latest || (did_scan && p.block_number <= to);
      if (!decided) continue;
      p.status = "orphaned";
      p.final_at_ms = 0;
      p.final_head_block.reset();
      p.updated_at_ms = now;
      payment_events.push_back({p.intent_id, event("payment.orphaned", payment_json(p), now)});
      ++rep.payments_orphaned;
      if (!p.intent_id.empty()) touched.insert(p.intent_id);
      upserts[key] = p;
    }

    // Finality of pending payments (heads only, no transfer calls).
    const std::uint64_t verified_top = next == 0 ? 0 : next - 1;
    {
      std::set<PaymentKey> changed;
      for (const auto& [k, p] : upserts) {
        (void)p;
        changed.insert(k);
      }
      ListPaymentsParams pp;
      pp.chain = rt.id;
      pp.status = "pending";
      pp.limit = 100000;
      auto pending = store->list_payments(pp);
      if (!pending.ok()) return pending.status().with_context(where);
      for (auto& p : *pending) {
        const PaymentKey key = key_of(p);
        if (upserts.find(key) == upserts.end()) upserts.emplace(key, std::move(p));
      }
      for (auto it = upserts.begin(); it != upserts.end();) {
        PaymentRow& p = it->second;
        if (p.status == "pending" && final_by_policy(rt, *heads, verified_top, p.block_number)) {
          p.status = "final";
          p.final_at_ms = now;
          // The head that made it final: its confirmations at settlement.
          p.final_head_block = std::max(heads->latest.number, p.block_number);
          p.updated_at_ms = now;
          payment_events.push_back({p.intent_id, event("payment.confirmed", payment_json(p), now)});
          ++rep.payments_confirmed;
          if (!p.intent_id.empty()) touched.insert(p.intent_id);
          ++it;
        } else if (changed.count(it->first) == 0) {
          it = upserts.erase(it);  // nothing changed: do not rewrite
        } else {
          ++it;
        }
      }
    }

    // Settle the touched intents.
    std::vector<NewIntentEvent> late_events;
    for (const std::string& id : touched) {
      USD1PAY_RETURN_IF_ERROR(settle_into(id, upserts, now, &ap, &late_events, &rep));
    }

    for (auto& [k, p] : upserts) {
      (void)k;
      ap.upsert_payments.push_back(std::move(p));
    }
    ap.events = std::move(payment_events);
    for (auto& e : late_events) ap.events.push_back(std::move(e));

    rep.next_block = next;
    rep.caught_up = next > latest && !node_behind;
    if (did_scan) {
      rep.from_block = from;
      rep.to_block = to;
      rep.blocks_scanned = to - from + 1;
    }
    if (reorg) {
      rep.reorgs = 1;
      rep.reorg_depth = cursor > *fork_base + 1 ? cursor - (*fork_base + 1) : 0;
    }

    const bool nothing = ap.expected_next_block == ap.new_next_block &&
                         ap.remember_blocks.empty() && ap.upsert_payments.empty() &&
                         ap.transitions.empty() && ap.events.empty() && !ap.forget_blocks_from;
    if (nothing) return Status();
    Status applied = store->apply_scan(ap);
    if (!applied.ok()) {
      rep.payments_detected = rep.payments_confirmed = rep.payments_orphaned = 0;
      rep.payments_wrong_network = rep.payments_unmatched = rep.intents_changed = 0;
      rep.next_block = cursor;
      rep.caught_up = false;
      return applied.with_context(where);
    }
    return Status();
  }

  // Runs settlement for one intent over its stored payments overlaid with
  // this step's changes; appends the transitions and payment.late events.
  Status settle_into(const std::string& id, std::map<PaymentKey, PaymentRow>& upserts,
                     std::int64_t now, ApplyScanParams* ap, std::vector<NewIntentEvent>* events,
                     ChainPollReport* rep) {
    auto row = store->get_intent({id});
    if (!row.ok()) return row.status().with_context("tracker: intent " + id);
    auto intent = intent_from_row(*row);
    if (!intent.ok()) return intent.status();
    ListPaymentsParams pp;
    pp.intent_id = id;
    pp.limit = 100000;
    auto stored = store->list_payments(pp);
    if (!stored.ok()) return stored.status().with_context("tracker: intent " + id);
    std::map<PaymentKey, PaymentRow> all;
    for (auto& p : *stored) all.emplace(key_of(p), std::move(p));
    for (const auto& [k, p] : upserts) {
      if (p.intent_id == id) all[k] = p;
    }
    SettlementInput in;
    in.intent = *intent;
    for (const auto& [k, p] : all) {
      (void)k;
      in.payments.push_back(p);
    }
    auto tol = Amount::parse(options.config.underpayment_tolerance, intent->token_decimals);
    if (!tol.ok()) return tol.status().with_context("tracker: underpayment_tolerance");
    in.tolerance = *tol;
    in.now = clock->now();
    auto d = settle(in);
    if (!d.ok()) return d.status().with_context("tracker: intent " + id);

    // Payments the rules call late: flag them once, with payment.late.
    for (const std::string& pid : d->late_payments) {
      for (auto& [k, p] : all) {
        if (p.id != pid || has_flag(p, "late")) continue;
        add_flag(&p, "late");
        p.updated_at_ms = now;
        upserts[k] = p;
        events->push_back({id, event("payment.late", payment_json(p), now)});
      }
    }

    if (!d->status_changed && !d->flags_changed) return Status();
    PaymentIntent cur = *intent;
    std::vector<IntentStatus> steps = d->steps;
    if (steps.empty()) steps.push_back(d->status);  // flags only: same status
    const std::set<IntentFlag> old_flags = cur.flags;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const bool last = i + 1 == steps.size();
      TransitionIntentParams t;
      t.id = id;
      t.from_statuses = {intent_status_name(cur.status)};
      t.to_status = intent_status_name(steps[i]);
      t.expected_version = cur.version;
      t.at_ms = now;
      if (last) t.flags_json = flags_of(d->flags);
      std::string type;
      if (steps[i] != cur.status) {
        type = std::string("intent.") + intent_status_name(steps[i]);
      } else {
        type = "intent.updated";
        for (IntentFlag f : d->flags) {
          if (old_flags.count(f) == 0) {
            type = std::string("intent.") + intent_flag_name(f);
            break;
          }
        }
      }
      cur.status = steps[i];
      if (last) cur.flags = d->flags;
      cur.updated_at = from_unix_seconds(0) + std::chrono::milliseconds(now);
      cur.version += 1;
      json data = json::parse(intent_to_json(cur), nullptr, false);
      if (data.is_discarded()) data = json::object();
      data["settlement"] = {{"final_received", d->final_received.to_string()},
                            {"pending_received", d->pending_received.to_string()},
                            {"remaining", d->remaining.to_string()},
                            {"excess", d->excess.to_string()}};
      if (!d->note.empty()) data["settlement"]["note"] = d->note;
      if (last && (cur.status == IntentStatus::kUnderpaid) && !d->remaining.is_zero()) {
        auto uri = remaining_payment_uri(cur, d->remaining);
        if (uri.ok()) data["settlement"]["remaining_payment_uri"] = *uri;
      }
      t.event = event(type, json{{"intent", data}}.dump(), now);
      ap->transitions.push_back(std::move(t));
    }
    // Flags newly set that did not name the event already get their own.
    for (IntentFlag f : d->flags) {
      if (old_flags.count(f) != 0) continue;
      const std::string type = std::string("intent.") + intent_flag_name(f);
      if (ap->transitions.back().event.type == type) continue;
      json data = json::parse(intent_to_json(cur), nullptr, false);
      events->push_back({id, event(type, json{{"intent", data}}.dump(), now)});
    }
    ++rep->intents_changed;
    return Status();
  }

  // Expiry of processing intents whose time ran out: settle() decides with
  // `now` (intents the chain step touched were settled there already).
  //
  // Crash safety: each intent's decision (every transition step, each a CAS
  // on the intent's version, the payment flags and the events) is written
  // with ONE Store::apply_scan whose cursor compare-and-set leaves the cursor
  // where it is. All of it commits, or none of it does. A crash before the
  // commit leaves the intent processing and past expiry, so the next poll
  // (of this process or a restarted one) decides again from the same stored
  // payments and writes the same transitions once: nothing lost, nothing
  // twice. After the commit the intent is not processing any more and is
  // not listed again. A CAS that fails (another tracker moved the cursor or
  // the intent) writes nothing; the next poll looks again.
  void expire_due() {
    ListExpirableParams p;
    p.now_ms = now_ms();
    p.statuses = {"processing"};
    p.limit = 1000;
    auto due = store->list_expirable(p);
    if (!due.ok()) return;
    for (const IntentRow& row : *due) {
      // A processing intent was credited by a scan of its chain, so the
      // chain has a cursor; without one there is nothing to guard with.
      auto cursor = store->get_cursor({row.chain});
      if (!cursor.ok() || !*cursor) continue;
      std::map<PaymentKey, PaymentRow> upserts;
      ApplyScanParams ap;
      ap.chain = row.chain;
      ap.expected_next_block = (*cursor)->next_block;
      ap.new_next_block = (*cursor)->next_block;
      ap.at_ms = (*cursor)->updated_at_ms;  // the cursor did not move
      std::vector<NewIntentEvent> events;
      ChainPollReport rep;
      if (!settle_into(row.id, upserts, p.now_ms, &ap, &events, &rep).ok()) continue;
      if (ap.transitions.empty() && events.empty() && upserts.empty()) continue;
      for (auto& [k, pay] : upserts) {
        (void)k;
        ap.upsert_payments.push_back(std::move(pay));
      }
      ap.events = std::move(events);
      (void)store->apply_scan(ap);  // failed: nothing written, next poll decides again
    }
  }

  PollReport poll() {
    PollReport report;
    for (std::size_t i = 0; i < chains.size(); ++i) {
      ChainPollReport rep;
      rep.chain = chains[i].id;
      rep.error = step(i, rep);
      report.chains.push_back(std::move(rep));
    }
    expire_due();
    return report;
  }
};

Tracker::Tracker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Tracker::~Tracker() {
  stop();
}

Result<std::unique_ptr<Tracker>> Tracker::open(TrackerOptions options) {
  auto impl = std::make_unique<Impl>();
  const Config& config = options.config;
  if (config.chains.empty()) {
    return Status(ErrorCode::kInvalidArgument, "tracker: the config has no chains");
  }
  if (options.max_blocks_per_poll < 1 || options.max_blocks_per_poll > 100000) {
    return Status(ErrorCode::kOutOfRange, "tracker: max_blocks_per_poll " +
                                              std::to_string(options.max_blocks_per_poll) +
                                              " is outside 1..100000");
  }
  if (options.reorg_window < 2 || options.reorg_window > 100000) {
    return Status(
        ErrorCode::kOutOfRange,
        "tracker: reorg_window " + std::to_string(options.reorg_window) + " is outside 2..100000");
  }
  if (options.poll_interval < std::chrono::milliseconds(1) ||
      options.poll_interval > std::chrono::hours(1)) {
    return Status(ErrorCode::kOutOfRange, "tracker: poll_interval " +
                                              std::to_string(options.poll_interval.count()) +
                                              " ms is outside 1 ms .. 1 h");
  }
  if (options.max_backoff < options.poll_interval) options.max_backoff = options.poll_interval;
  if (options.actor.empty() || options.actor.size() > 64) {
    return Status(ErrorCode::kInvalidArgument, "tracker: actor must be 1..64 characters");
  }
  for (const auto& [id, b] : options.backends) {
    if (config.find_chain(id) == nullptr) {
      return Status(ErrorCode::kInvalidArgument,
                    "tracker: a backend is given for chain " + id + ", which is not configured");
    }
    if (!b)
      return Status(ErrorCode::kInvalidArgument, "tracker: the backend of " + id + " is null");
    if (b->chain_id() != id) {
      return Status(ErrorCode::kInvalidArgument,
                    "tracker: the backend given for " + id + " talks to chain " + b->chain_id());
    }
  }
  for (const ChainConfig& c : config.chains) {
    ChainRt rt;
    rt.id = c.id.to_string();
    rt.family = c.family;
    if (c.finality.kind == FinalityConfig::Kind::kConfirmations &&
        options.reorg_window <= c.finality.confirmations) {
      return Status(ErrorCode::kOutOfRange,
                    "tracker: reorg_window " + std::to_string(options.reorg_window) +
                        " must exceed the confirmation depth " +
                        std::to_string(c.finality.confirmations) + " of chain " + rt.id);
    }
    for (const auto& t : c.tokens) rt.tokens.push_back(t.contract);
    if (c.strategy != DepositStrategy::kXpub) rt.merchant_address = c.merchant_address;
    auto given = options.backends.find(rt.id);
    if (given != options.backends.end()) {
      rt.backend = given->second;
      rt.sim = std::dynamic_pointer_cast<SimChain>(rt.backend);
    } else if (c.backend == "sim") {
      SimChainOptions so;
      so.chain_id = rt.id;
      auto sim = SimChain::create(so);
      if (!sim.ok()) return sim.status().with_context("tracker: chain " + rt.id);
      rt.sim = std::shared_ptr<SimChain>(std::move(*sim));
      rt.backend = rt.sim;
    } else if (c.backend == "evm-rpc") {
      auto eo = evm_rpc_options_from_json(rt.id, c.backend_json);
      if (!eo.ok()) return eo.status().with_context("tracker: chain " + rt.id);
      auto b = make_evm_rpc_backend(std::move(*eo));
      if (!b.ok()) return b.status().with_context("tracker: chain " + rt.id);
      rt.backend = std::shared_ptr<ChainBackend>(std::move(*b));
    } else {
      return Status(ErrorCode::kUnsupported,
                    "tracker: chain " + rt.id + ": unknown backend '" + c.backend + "'");
    }
    impl->chains.push_back(std::move(rt));
  }
  if (!options.store) {
    auto s = open_sqlite_store_for(config);
    if (!s.ok()) return s.status();
    options.store = std::move(s).value();
  }
  impl->store = options.store;
  impl->clock = options.clock ? options.clock
                              : std::shared_ptr<const Clock>(std::shared_ptr<const Clock>(),
                                                             &SystemClock::instance());
  impl->options = std::move(options);
  for (std::size_t i = 0; i < impl->chains.size(); ++i) {
    impl->chains[i].config = &impl->options.config.chains[i];
  }
  impl->options.backends.clear();  // the chains hold them
  {
    std::lock_guard<std::mutex> lock(impl->poll_mu);
    USD1PAY_RETURN_IF_ERROR(impl->rebuild_watch());
    impl->stats.watched_addresses = impl->watch->size();
  }
  return std::unique_ptr<Tracker>(new Tracker(std::move(impl)));
}

Result<PollReport> Tracker::poll_once() {
  Impl& m = *impl_;
  PollReport report;
  {
    std::lock_guard<std::mutex> lock(m.poll_mu);
    Status refreshed = m.refresh_watch();
    if (!refreshed.ok()) {
      std::lock_guard<std::mutex> s(m.state_mu);
      ++m.stats.polls;
      ++m.stats.failed_polls;
      m.stats.last_error = refreshed;
      return refreshed;
    }
    report = m.poll();
    std::lock_guard<std::mutex> s(m.state_mu);
    m.stats.watched_addresses = m.watch->size();
  }
  std::lock_guard<std::mutex> s(m.state_mu);
  ++m.stats.polls;
  if (!report.ok()) {
    ++m.stats.failed_polls;
    m.stats.last_error = report.first_error();
  }
  for (const auto& c : report.chains) {
    m.stats.backend_calls += c.backend_calls;
    m.stats.blocks_scanned += c.blocks_scanned;
    m.stats.payments_detected += c.payments_detected;
    m.stats.reorgs += c.reorgs;
  }
  m.last_poll = report;
  return report;
}

Status Tracker::start() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.state_mu);
  if (m.loop_running) return Status(ErrorCode::kFailedPrecondition, "tracker: already running");
  m.stopping = false;
  m.loop_running = true;
  m.loop = std::thread([this] {
    Impl& mm = *impl_;
    std::uint64_t failures = 0;
    while (true) {
      {
        std::lock_guard<std::mutex> l(mm.state_mu);
        if (mm.stopping) break;
      }
      auto r = poll_once();
      bool again_now = false;
      if (r.ok() && r->ok()) {
        failures = 0;
        again_now = !r->caught_up();
      } else {
        ++failures;
      }
      {
        std::lock_guard<std::mutex> l(mm.state_mu);
        mm.stats.consecutive_failures = failures;
      }
      if (r.ok() && mm.options.on_poll) mm.options.on_poll(*r);
      auto wait = mm.options.poll_interval;
      if (failures > 0) {
        const unsigned shift = static_cast<unsigned>(std::min<std::uint64_t>(failures - 1, 20));
        const auto grown = mm.options.poll_interval * (std::int64_t{1} << shift);
        wait = std::min(grown, mm.options.max_backoff);
      } else if (again_now) {
        wait = std::chrono::milliseconds(0);
      }
      std::unique_lock<std::mutex> l(mm.state_mu);
      mm.cv.wait_for(l, wait, [&] { return mm.stopping; });
      if (mm.stopping) break;
    }
  });
  return Status();
}

void Tracker::stop() {
  Impl& m = *impl_;
  std::thread t;
  {
    std::lock_guard<std::mutex> lock(m.state_mu);
    if (!m.loop_running) return;
    m.stopping = true;
    t = std::move(m.loop);
  }
  m.cv.notify_all();
  if (t.joinable()) t.join();
  std::lock_guard<std::mutex> lock(m.state_mu);
  m.loop_running = false;
}

bool Tracker::running() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu);
  return impl_->loop_running;
}

std::shared_ptr<ChainBackend> Tracker::backend(std::string_view chain) const {
  for (const auto& c : impl_->chains) {
    if (c.id == chain) return c.backend;
  }
  return nullptr;
}

std::shared_ptr<SimChain> Tracker::sim_chain(std::string_view chain) const {
  for (const auto& c : impl_->chains) {
    if (c.id == chain) return c.sim;
  }
  return nullptr;
}

TrackerStats Tracker::stats() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu);
  return impl_->stats;
}

PollReport Tracker::last_report() const {
  std::lock_guard<std::mutex> lock(impl_->state_mu);
  return impl_->last_poll;
}

const Config& Tracker::config() const noexcept {
  return impl_->options.config;
}

}  // namespace usd1pay
