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
// {key, value} in one flat array (no per-entry allocation), a power-of-two
// capacity kept at most 7/10 full, and backward-shift deletion (no
// tombstones). The same key may hold several values (an address watched for
// intents of several chains); they sit in one probe run. Keys are hashes of
// public keys (uniform), so a multiply-shift of the first 8 bytes spreads them
// well; the keys are chosen by the merchant's wallet, not by the senders of
// the transfers looked up, so nobody outside can lengthen the probe runs.
// Memory: 24 / load bytes per entry, 34..69 B (about 50 B at 1,000,000
// entries). Tables of 2 MiB and more are 2 MiB-aligned and, on Linux, marked
// for transparent huge pages: a lookup is one random memory access, and with
// 4 KiB pages a TLB miss (a page walk) would double its cost.
//
// evm_address_key() is on the path of every transfer scanned: it decodes the
// 40 hex digits with SSE2 (x86-64) or 64-bit SWAR arithmetic (elsewhere),
// without table loads or branches per digit, and validates them at once.
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

/// Fast path for EVM "0x" + 40 hex digits (either case); false otherwise
/// (`*out` is then unspecified).
bool evm_address_key(std::string_view address, AccountKey* out) noexcept;

/// Allocator for large flat tables: blocks of 2 MiB and more are 2 MiB
/// aligned, rounded up to whole 2 MiB and advised for huge pages (Linux).
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() noexcept = default;
  template <typename U>
  explicit HugePageAllocator(const HugePageAllocator<U>& /*other*/) noexcept {}
  T* allocate(std::size_t n);
  void deallocate(T* p, std::size_t /*n*/) noexcept;
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) noexcept {
    return true;
  }
  friend bool operator!=(const HugePageAllocator&, const HugePageAllocator&) noexcept {
    return false;
  }
};

/// Bytes actually reserved by HugePageAllocator for `bytes` requested.
std::size_t huge_page_rounded(std::size_t bytes) noexcept;
/// Raw allocation behind HugePageAllocator (throws std::bad_alloc).
void* huge_page_allocate(std::size_t bytes);
void huge_page_free(void* p) noexcept;

template <typename T>
T* HugePageAllocator<T>::allocate(std::size_t n) {
  return static_cast<T*>(huge_page_allocate(n * sizeof(T)));
}
template <typename T>
void HugePageAllocator<T>::deallocate(T* p, std::size_t /*n*/) noexcept {
  huge_page_free(p);
}

class WatchIndex {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffU;

  /// Makes room for `n` entries without growing.
  void reserve(std::size_t n);
  /// Adds (key, value); duplicates of the same pair are allowed (the caller
  /// avoids them). `value` must not be kNone.
  void insert(const AccountKey& key, std::uint32_t value);
  /// Removes one (key, value) pair; false when absent.
  bool erase(const AccountKey& key, std::uint32_t value);
  /// Calls f(value) for every value stored under `key`.
  template <typename F>
  void for_each(const AccountKey& key, F&& f) const {
    if (table_.empty()) return;
    std::size_t i = home(key);
    while (table_[i].value != kNone) {
      if (same_key(table_[i].key, key)) f(table_[i].value);
      i = (i + 1) & mask_;
    }
  }
  /// The first value under `key`, or kNone.
  std::uint32_t find_first(const AccountKey& key) const noexcept;
  bool contains(const AccountKey& key) const noexcept { return find_first(key) != kNone; }

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return table_.size(); }
  /// Bytes held by the table (capacity * slot size, as allocated).
  std::size_t memory_bytes() const noexcept {
    return table_.capacity() == 0 ? 0 : huge_page_rounded(table_.capacity() * sizeof(Slot));
  }
  void clear();

 private:
  struct Slot {
    AccountKey key{};
    std::uint32_t value = kNone;
  };
  static_assert(sizeof(Slot) == 24, "a slot is 24 bytes");

  static bool same_key(const AccountKey& a, const AccountKey& b) noexcept {
    std::uint64_t a0 = 0;
    std::uint64_t b0 = 0;
    std::memcpy(&a0, a.data(), sizeof a0);
    std::memcpy(&b0, b.data(), sizeof b0);
    if (a0 != b0) return false;
    return std::memcmp(a.data() + 8, b.data() + 8, 12) == 0;
  }
  std::size_t home(const AccountKey& key) const noexcept {
    std::uint64_t h = 0;
    std::memcpy(&h, key.data(), sizeof h);
    h *= 0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>(h >> shift_);
  }
  void rehash(std::size_t new_capacity);

  std::vector<Slot, HugePageAllocator<Slot>> table_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
};

}  // namespace usd1pay::tracker_internal

#endif  // USD1PAY_TRACKER_WATCH_INDEX_H
