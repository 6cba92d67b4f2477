// The tracker's watch list: which intents a transfer may belong to (private).
//
// Intents are kept as compact slots; the WatchIndex maps an account key to
// slot numbers. Static-strategy intents all share the merchant address, so
// they are kept per chain in a small list matched by token and exact amount
// instead of in the index. Everything else about an intent is read from the
// store on a hit (hits are rare next to the transfers scanned).
//
// THREAD SAFETY: none; the tracker guards it.
#ifndef USD1PAY_TRACKER_TRACKER_WATCH_H
#define USD1PAY_TRACKER_TRACKER_WATCH_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tracker/watch_index.h"
#include "usd1pay/chain.h"
#include "usd1pay/store.h"

namespace usd1pay::tracker_internal {

enum class WatchKind : std::uint8_t { kAddress, kReference };

/// One watched intent: 36 bytes.
struct WatchedIntent {
  std::array<char, 31> id{};
  std::uint8_t id_len = 0;
  std::uint16_t chain = 0;  ///< index into the tracker's chains
  WatchKind kind = WatchKind::kAddress;
  std::uint8_t live = 0;  ///< 0 for a freed slot

  std::string_view id_view() const noexcept { return {id.data(), id_len}; }
};

struct StaticWatch {
  std::string id;
  std::string token_contract;
  std::string amount_base_units;
  std::int64_t created_at_ms = 0;
};

/// The family of each configured chain, by the tracker's chain index.
class WatchList {
 public:
  explicit WatchList(std::vector<ChainFamily> families) : families_(std::move(families)) {
    statics_.resize(families_.size());
  }

  /// Adds an intent of chain `chain_index` (a no-op when it is watched
  /// already or cannot be keyed). Returns true when added.
  bool add(const IntentRow& row, std::size_t chain_index);
  /// Forgets everything.
  void clear();

  const WatchIndex& index() const noexcept { return index_; }
  const WatchedIntent& slot(std::uint32_t i) const { return slots_[i]; }
  const std::vector<StaticWatch>& statics(std::size_t chain_index) const {
    return statics_[chain_index];
  }
  ChainFamily family(std::size_t chain_index) const { return families_[chain_index]; }
  std::size_t size() const noexcept { return count_; }
  /// Bytes held: the index table plus the slots (capacity).
  std::size_t memory_bytes() const noexcept {
    return index_.memory_bytes() + slots_.capacity() * sizeof(WatchedIntent);
  }
  void reserve(std::size_t n) {
    index_.reserve(n);
    slots_.reserve(n);
  }

 private:
  std::vector<ChainFamily> families_;
  WatchIndex index_;
  std::vector<WatchedIntent> slots_;
  std::vector<std::vector<StaticWatch>> statics_;
  std::size_t count_ = 0;
};

}  // namespace usd1pay::tracker_internal

#endif  // USD1PAY_TRACKER_TRACKER_WATCH_H
