// The tracker's watch list.
#include "tracker/tracker_watch.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace usd1pay::tracker_internal {

bool WatchList::add(const IntentRow& row, std::size_t chain_index) {
  if (chain_index >= families_.size() || row.id.empty() || row.id.size() > 31) return false;
  const ChainFamily family = families_[chain_index];
  if (row.strategy == "static") {
    auto& list = statics_[chain_index];
    if (std::any_of(list.begin(), list.end(),
                    [&](const StaticWatch& s) { return s.id == row.id; })) {
      return false;
    }
    // Kept oldest first (then by id): a payment to the merchant address goes
    // to the oldest open intent of its exact amount, whatever order the
    // store listed the intents in (new ones arrive newest first).
    StaticWatch w{row.id, row.token_contract, row.amount_base_units, row.created_at_ms};
    const auto at = std::upper_bound(
        list.begin(), list.end(), w, [](const StaticWatch& a, const StaticWatch& b) {
          return a.created_at_ms != b.created_at_ms ? a.created_at_ms < b.created_at_ms
                                                    : a.id < b.id;
        });
    list.insert(at, std::move(w));
    ++count_;
    return true;
  }
  const bool by_reference = row.strategy == "reference";
  AccountKey key{};
  const std::string& keyed = by_reference ? row.reference : row.deposit_address;
  if (!address_key(by_reference ? ChainFamily::kSolana : family, keyed, &key)) return false;
  const WatchKind kind = by_reference ? WatchKind::kReference : WatchKind::kAddress;
  bool known = false;
  index_.for_each(key, [&](std::uint32_t v) {
    const WatchedIntent& w = slots_[v];
    if (w.id_view() == row.id && w.kind == kind) known = true;
  });
  if (known) return false;
  WatchedIntent w;
  std::copy(row.id.begin(), row.id.end(), w.id.begin());
  w.id_len = static_cast<std::uint8_t>(row.id.size());
  w.chain = static_cast<std::uint16_t>(chain_index);
  w.kind = kind;
  w.live = 1;
  slots_.push_back(w);
  index_.insert(key, static_cast<std::uint32_t>(slots_.size() - 1));
  ++count_;
  return true;
}

void WatchList::clear() {
  index_.clear();
  slots_.clear();
  slots_.shrink_to_fit();
  for (auto& s : statics_) s.clear();
  count_ = 0;
}

}  // namespace usd1pay::tracker_internal
