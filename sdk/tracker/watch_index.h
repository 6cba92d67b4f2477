// The tracker's in-memory index of watched addresses (private).
//
// Maps a 20-byte account key to 32-bit values (the tracker's intent slots).
// The key of an address:
//   - EVM: the 20 account bytes of "0x" + 40 hex digits (any case);
//   - TRON: the 20 account bytes after the 0x41 prefix of the base58check form;
//   - Solana: the first 20 of the 32 public-key bytes (addresses and Solana
//     Pay references); a Solana hit is confirmed against the full string by
//     the caller, since two keys may share their first 20 bytes.
// EVM and TRON addresses of one key share the account bytes; the caller keeps
// the family beside each value and filters by it.
//
// The table is open addressing with linear probing over 24-byte slots
// {key, value}, a power-of-two capacity kept at most 7/8 full, and
// backward-shift deletion (no tombstones). The same key may hold several
// values (an address watched for intents of several chains); they sit in one
// probe run. Keys are hashes of public keys (uniform), so a multiply-shift of
// the first 8 bytes spreads them well. Memory: 24 / load bytes per entry, on
// average about 37 B at the typical load between 7/16 and 7/8.
//
// THREAD SAFETY: none; the tracker guards it.
#ifndef USD1PAY_TRACKER_WATCH_INDEX_H
#define USD1PAY_TRACKER_WATCH_INDEX_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "usd1pay/chain.h"

namespace usd1pay::tracker_internal {

using AccountKey = std::array<std::uint8_t, 20>;

/// The key of a canonical address of `family`; false when it cannot be one.
bool address_key(ChainFamily family, std::string_view address, AccountKey* out);

/// Fast path for EVM "0x" + 40 hex digits (either case); false otherwise.
bool evm_address_key(std::string_view address, AccountKey* out) noexcept;

class WatchIndex {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffU;

  /// Makes room for `n` entries without growing.
  void reserve(std::size_t n);
  /// Adds (key, value); duplicates of the same pair are allowed (the caller
  /// avoids them).
  void insert(const AccountKey& key, std::uint32_t value);
  /// Removes one (key, value) pair; false when absent.
  bool erase(const AccountKey& key, std::uint32_t value);
  /// Calls f(value) for every value stored under `key`.
  template <typename F>
  void for_each(const AccountKey& key, F&& f) const {
    if (table_.empty()) return;
    std::size_t i = home(key);
    while (table_[i].value != kNone) {
      if (std::memcmp(table_[i].key.data(), key.data(), key.size()) == 0) f(table_[i].value);
      i = (i + 1) & mask_;
    }
  }
  /// The first value under `key`, or kNone.
  std::uint32_t find_first(const AccountKey& key) const noexcept;
  bool contains(const AccountKey& key) const noexcept { return find_first(key) != kNone; }

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return table_.size(); }
  /// Bytes held by the table (capacity * slot size).
  std::size_t memory_bytes() const noexcept { return table_.capacity() * sizeof(Slot); }
  void clear();

 private:
  struct Slot {
    AccountKey key{};
    std::uint32_t value = kNone;
  };
  static_assert(sizeof(Slot) == 24, "a slot is 24 bytes");

  std::size_t home(const AccountKey& key) const noexcept {
    std::uint64_t h = 0;
    std::memcpy(&h, key.data(), sizeof h);
    h *= 0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>(h >> shift_);
  }
  void rehash(std::size_t new_capacity);

  std::vector<Slot> table_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
};

}  // namespace usd1pay::tracker_internal

#endif  // USD1PAY_TRACKER_WATCH_INDEX_H
