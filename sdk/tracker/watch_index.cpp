// The watch index: open addressing, linear probing, backward-shift deletion.
#include "tracker/watch_index.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "usd1pay/encoding.h"

namespace usd1pay::tracker_internal {
namespace {

constexpr std::size_t kMinCapacity = 16;

// Hex digit values; 0xff for anything else.
struct HexTable {
  std::array<std::uint8_t, 256> v{};
  constexpr HexTable() {
    for (auto& x : v) x = 0xff;
    for (int c = '0'; c <= '9'; ++c)
      v[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c)
      v[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c)
      v[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'A' + 10);
  }
};
constexpr HexTable kHex;

}  // namespace

bool evm_address_key(std::string_view address, AccountKey* out) noexcept {
  if (address.size() != 42 || address[0] != '0' || (address[1] != 'x' && address[1] != 'X')) {
    return false;
  }
  std::uint8_t bad = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    const std::uint8_t hi = kHex.v[static_cast<unsigned char>(address[2 + 2 * i])];
    const std::uint8_t lo = kHex.v[static_cast<unsigned char>(address[3 + 2 * i])];
    bad |= static_cast<std::uint8_t>(hi | lo);
    (*out)[i] = static_cast<std::uint8_t>((hi << 4) | (lo & 0x0f));
  }
  return (bad & 0xf0) == 0;
}

bool address_key(ChainFamily family, std::string_view address, AccountKey* out) {
  switch (family) {
    case ChainFamily::kEvm: return evm_address_key(address, out);
    case ChainFamily::kTron: {
      auto bytes = base58check_decode(address);
      if (!bytes.ok() || bytes->size() != 21 || (*bytes)[0] != 0x41) return false;
      std::copy(bytes->begin() + 1, bytes->end(), out->begin());
      return true;
    }
    case ChainFamily::kSolana: {
      auto bytes = base58_decode(address);
      if (!bytes.ok() || bytes->size() != 32) return false;
      std::copy(bytes->begin(), bytes->begin() + 20, out->begin());
      return true;
    }
  }
  return false;
}

void WatchIndex::reserve(std::size_t n) {
  std::size_t cap = kMinCapacity;
  while (cap / 8 * 7 < n) cap *= 2;
  if (cap > table_.size()) rehash(cap);
}

void WatchIndex::rehash(std::size_t new_capacity) {
  std::vector<Slot> old;
  old.swap(table_);
  table_.assign(new_capacity, Slot{});
  mask_ = new_capacity - 1;
  unsigned bits = 0;
  while ((std::size_t{1} << bits) < new_capacity) ++bits;
  shift_ = 64U - bits;
  for (const Slot& s : old) {
    if (s.value == kNone) continue;
    std::size_t i = home(s.key);
    while (table_[i].value != kNone) i = (i + 1) & mask_;
    table_[i] = s;
  }
}

void WatchIndex::insert(const AccountKey& key, std::uint32_t value) {
  if (table_.empty() || (size_ + 1) > table_.size() / 8 * 7) {
    rehash(table_.empty() ? kMinCapacity : table_.size() * 2);
  }
  std::size_t i = home(key);
  while (table_[i].value != kNone) i = (i + 1) & mask_;
  table_[i].key = key;
  table_[i].value = value;
  ++size_;
}

std::uint32_t WatchIndex::find_first(const AccountKey& key) const noexcept {
  if (table_.empty()) return kNone;
  std::size_t i = home(key);
  while (table_[i].value != kNone) {
    if (std::memcmp(table_[i].key.data(), key.data(), key.size()) == 0) return table_[i].value;
    i = (i + 1) & mask_;
  }
  return kNone;
}

bool WatchIndex::erase(const AccountKey& key, std::uint32_t value) {
  if (table_.empty()) return false;
  std::size_t i = home(key);
  while (true) {
    if (table_[i].value == kNone) return false;
    if (table_[i].value == value && table_[i].key == key) break;
    i = (i + 1) & mask_;
  }
  // Backward shift: move later members of the run into the hole when their
  // home position does not lie cyclically in (hole, j].
  std::size_t hole = i;
  std::size_t j = i;
  while (true) {
    j = (j + 1) & mask_;
    if (table_[j].value == kNone) break;
    const std::size_t h = home(table_[j].key);
    const bool in_between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (!in_between) {
      table_[hole] = table_[j];
      hole = j;
    }
  }
  table_[hole] = Slot{};
  --size_;
  return true;
}

void WatchIndex::clear() {
  table_.clear();
  table_.shrink_to_fit();
  size_ = 0;
  mask_ = 0;
  shift_ = 64;
}

}  // namespace usd1pay::tracker_internal
