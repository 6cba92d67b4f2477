// The watch index: open addressing, linear probing, backward-shift deletion;
// the EVM hex fast path; the huge-page allocator of its table.
#include "tracker/watch_index.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "usd1pay/encoding.h"

namespace usd1pay::tracker_internal {
namespace {

constexpr std::size_t kMinCapacity = 16;
constexpr std::size_t kHugePage = std::size_t{2} << 20;

// At most 7/10 full.
constexpr bool fits(std::size_t entries, std::size_t capacity) {
  return entries * 10 <= capacity * 7;
}

#if defined(__SSE2__)

// 16 hex digits at p -> 8 bytes in the low half; sets bits of *bad for each
// character that is not a hex digit.
inline __m128i decode16(const char* p, int* bad) noexcept {
  const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i lower = _mm_or_si128(c, _mm_set1_epi8(0x20));
  // Signed compares: bytes >= 0x80 are negative and match neither range.
  const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(c, _mm_set1_epi8('9' + 1)));
  const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                       _mm_cmplt_epi8(lower, _mm_set1_epi8('f' + 1)));
  *bad |= _mm_movemask_epi8(_mm_or_si128(digit, letter)) ^ 0xffff;
  const __m128i value =
      _mm_or_si128(_mm_and_si128(digit, _mm_sub_epi8(c, _mm_set1_epi8('0'))),
                   _mm_and_si128(letter, _mm_sub_epi8(lower, _mm_set1_epi8('a' - 10))));
  // Each 16-bit lane holds (high digit, low digit): make it one byte.
  const __m128i pair = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(value, _mm_set1_epi16(0x00ff)), 4),
                                    _mm_srli_epi16(value, 8));
  return _mm_packus_epi16(pair, pair);
}

// 40 hex digits at p -> 20 bytes (three overlapping blocks of 16 digits).
inline bool decode40(const char* p, std::uint8_t* out) noexcept {
  int bad = 0;
  const __m128i a = decode16(p, &bad);
  const __m128i b = decode16(p + 16, &bad);
  const __m128i c = decode16(p + 24, &bad);
  std::array<std::uint8_t, 16> tail{};
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), a);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(tail.data()), b);
  std::memcpy(out + 8, tail.data(), 8);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(tail.data()), c);
  std::memcpy(out + 12, tail.data(), 8);
  return bad == 0;
}

#else

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHigh = 0x8080808080808080ULL;

// 8 hex digits at p (first digit in the lowest byte of x) -> 4 bytes; sets
// high bits of *bad for each character that is not a hex digit.
inline std::uint32_t decode8(const char* p, std::uint64_t* bad) noexcept {
  std::uint64_t x = 0;
  for (std::size_t k = 0; k < 8; ++k) {
    x |= std::uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
  }
  const std::uint64_t lower = x | (kOnes * 0x20);
  // For bytes < 0x80, (b + 0x80 - lo) has its high bit set iff b >= lo (no
  // carry leaves a byte); bytes >= 0x80 are rejected through `x` below.
  const std::uint64_t digit = (x + kOnes * (0x80 - '0')) & ~(x + kOnes * (0x80 - '9' - 1));
  const std::uint64_t letter = (lower + kOnes * (0x80 - 'a')) & ~(lower + kOnes * (0x80 - 'f' - 1));
  *bad |= (x | ~(digit | letter)) & kHigh;
  const std::uint64_t value = (x & (kOnes * 0x0f)) + ((x >> 6) & kOnes) * 9;
  std::uint64_t w = ((value << 4) & 0x00f000f000f000f0ULL) | ((value >> 8) & 0x000f000f000f000fULL);
  w = (w | (w >> 8)) & 0x0000ffff0000ffffULL;
  w = (w | (w >> 16)) & 0xffffffffULL;
  return static_cast<std::uint32_t>(w);
}

inline bool decode40(const char* p, std::uint8_t* out) noexcept {
  std::uint64_t bad = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    const std::uint32_t w = decode8(p + 8 * i, &bad);
    // Byte order: the first digit pair is the lowest byte of w.
    for (std::size_t j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(w >> (8 * j));
  }
  return bad == 0;
}

#endif

}  // namespace

bool evm_address_key(std::string_view address, AccountKey* out) noexcept {
  if (address.size() != 42 || address[0] != '0' || (address[1] != 'x' && address[1] != 'X')) {
    return false;
  }
  return decode40(address.data() + 2, out->data());
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

std::size_t huge_page_rounded(std::size_t bytes) noexcept {
  if (bytes < kHugePage) return bytes;
  return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}

void* huge_page_allocate(std::size_t bytes) {
  if (bytes < kHugePage) {
    if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
    throw std::bad_alloc();
  }
  const std::size_t rounded = huge_page_rounded(bytes);
  void* p = nullptr;
  if (posix_memalign(&p, kHugePage, rounded) != 0 || p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Advice only: without transparent huge pages the table still works.
  (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return p;
}

void huge_page_free(void* p) noexcept {
  std::free(p);
}

void WatchIndex::reserve(std::size_t n) {
  std::size_t cap = kMinCapacity;
  while (!fits(n, cap)) cap *= 2;
  if (cap > table_.size()) rehash(cap);
}

void WatchIndex::rehash(std::size_t new_capacity) {
  decltype(table_) old;
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
  if (table_.empty() || !fits(size_ + 1, table_.size())) {
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
    if (same_key(table_[i].key, key)) return table_[i].value;
    i = (i + 1) & mask_;
  }
  return kNone;
}

bool WatchIndex::erase(const AccountKey& key, std::uint32_t value) {
  if (table_.empty() || value == kNone) return false;
  std::size_t i = home(key);
  while (true) {
    if (table_[i].value == kNone) return false;
    if (table_[i].value == value && same_key(table_[i].key, key)) break;
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
