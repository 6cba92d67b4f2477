// The tracker's watch index: address keys (EVM hex fast path, TRON, Solana
// addresses and references) and the open-addressing table (insert, find,
// several values per key, erase with backward shift, growth, collisions,
// memory), checked against a reference model.
#include "tracker/watch_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "usd1pay/address.h"
#include "usd1pay/encoding.h"

namespace usd1pay::tracker_internal {
namespace {

constexpr std::uint32_t kNone = WatchIndex::kNone;

AccountKey random_key(std::mt19937_64& rng) {
  AccountKey k{};
  for (auto& b : k) b = static_cast<std::uint8_t>(rng());
  return k;
}

std::vector<std::uint32_t> values_of(const WatchIndex& index, const AccountKey& key) {
  std::vector<std::uint32_t> out;
  index.for_each(key, [&](std::uint32_t v) { out.push_back(v); });
  std::sort(out.begin(), out.end());
  return out;
}

// Reference decoding, one digit at a time.
bool reference_evm_key(const std::string& s, AccountKey* out) {
  if (s.size() != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  for (std::size_t i = 0; i < 20; ++i) {
    const int hi = hex_digit_value(s[2 + 2 * i]);
    const int lo = hex_digit_value(s[3 + 2 * i]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

// ---- keys ----

TEST(WatchIndexKeyTest, EvmKeyIsTheAccountBytesInAnyCase) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {
    const AccountKey bytes = random_key(rng);
    const std::string checksummed = evm_checksum_address(bytes);
    const std::string lower = hex_encode(ByteView(bytes), true);
    std::string upper = lower;
    std::transform(upper.begin() + 2, upper.end(), upper.begin() + 2,
                   [](char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 32) : c; });
    for (const std::string& s : {checksummed, lower, upper, "0X" + lower.substr(2)}) {
      AccountKey k{};
      ASSERT_TRUE(evm_address_key(s, &k)) << s;
      EXPECT_EQ(k, bytes) << s;
      AccountKey k2{};
      ASSERT_TRUE(address_key(ChainFamily::kEvm, s, &k2)) << s;
      EXPECT_EQ(k2, bytes) << s;
    }
  }
}

TEST(WatchIndexKeyTest, EvmKeyOfKnownAddress) {
  AccountKey k{};
  ASSERT_TRUE(evm_address_key("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", &k));
  const AccountKey want = {0x5a, 0xae, 0xb6, 0x05, 0x3f, 0x3e, 0x94, 0xc9, 0xb9, 0xa0,
                           0x9f, 0x33, 0x66, 0x94, 0x35, 0xe7, 0xef, 0x1b, 0xea, 0xed};
  EXPECT_EQ(k, want);
  ASSERT_TRUE(evm_address_key("0x0000000000000000000000000000000000000000", &k));
  EXPECT_EQ(k, AccountKey{});
  ASSERT_TRUE(evm_address_key("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", &k));
  EXPECT_TRUE(std::all_of(k.begin(), k.end(), [](std::uint8_t b) { return b == 0xff; }));
}

TEST(WatchIndexKeyTest, EvmKeyRefusesBadShapes) {
  const std::string good = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
  AccountKey k{};
  for (const std::string& s : {std::string(), std::string("0x"), good.substr(0, 41), good + "0",
                               good.substr(2), "00" + good.substr(2), "1x" + good.substr(2),
                               "0y" + good.substr(2), " " + good.substr(1), good + " "}) {
    EXPECT_FALSE(evm_address_key(s, &k)) << '"' << s << '"';
    EXPECT_FALSE(address_key(ChainFamily::kEvm, s, &k)) << '"' << s << '"';
  }
}

// Every byte value at every digit position: accepted exactly when it is a
// hex digit, and then decoded into the right nibble.
TEST(WatchIndexKeyTest, EvmKeyChecksEveryCharacterAtEveryPosition) {
  for (std::size_t pos = 0; pos < 40; ++pos) {
    for (int c = 0; c < 256; ++c) {
      std::string s = "0x" + std::string(40, 'a');
      s[2 + pos] = static_cast<char>(c);
      AccountKey k{};
      const int v = hex_digit_value(static_cast<char>(c));
      ASSERT_EQ(evm_address_key(s, &k), v >= 0) << "position " << pos << " byte " << c;
      if (v < 0) continue;
      const std::uint8_t want = pos % 2 == 0 ? static_cast<std::uint8_t>(v << 4 | 0x0a)
                                             : static_cast<std::uint8_t>(0xa0 | v);
      ASSERT_EQ(k[pos / 2], want) << "position " << pos << " byte " << c;
    }
  }
}

TEST(WatchIndexKeyTest, EvmKeyAgreesWithReferenceOnRandomStrings) {
  std::mt19937_64 rng(2);
  const std::string alphabet = "0123456789abcdefABCDEFgG:@`/ xX";
  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string s = "0x";
    for (int j = 0; j < 40; ++j) s += "0123456789abcdefABCDEF"[rng() % 22];
    const int damage = static_cast<int>(rng() % 3);
    for (int j = 0; j < damage; ++j) s[2 + rng() % 40] = alphabet[rng() % alphabet.size()];
    AccountKey want{};
    AccountKey got{};
    const bool ok = reference_evm_key(s, &want);
    ASSERT_EQ(evm_address_key(s, &got), ok) << s;
    if (ok) {
      ASSERT_EQ(got, want) << s;
      ++accepted;
    } else {
      ++refused;
    }
  }
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(refused, 1000);
}

TEST(WatchIndexKeyTest, TronKeyIsTheAccountBytesAfter0x41) {
  std::mt19937_64 rng(3);
  const AccountKey bytes = random_key(rng);
  const std::string tron = tron_address_from_account(bytes);
  ASSERT_EQ(tron[0], 'T');
  AccountKey k{};
  ASSERT_TRUE(address_key(ChainFamily::kTron, tron, &k));
  EXPECT_EQ(k, bytes);
  // The same account on EVM has the same key (the caller filters by family).
  AccountKey e{};
  ASSERT_TRUE(evm_address_key(evm_checksum_address(bytes), &e));
  EXPECT_EQ(e, k);
}

TEST(WatchIndexKeyTest, TronKeyRefusesOtherPayloads) {
  std::mt19937_64 rng(4);
  const AccountKey bytes = random_key(rng);
  Bytes payload(bytes.begin(), bytes.end());
  payload.insert(payload.begin(), 0x42);  // not the 0x41 mainnet prefix
  AccountKey k{};
  EXPECT_FALSE(address_key(ChainFamily::kTron, base58check_encode(payload), &k));
  payload[0] = 0x41;
  payload.pop_back();  // 20 bytes with the prefix
  EXPECT_FALSE(address_key(ChainFamily::kTron, base58check_encode(payload), &k));
  std::string tron = tron_address_from_account(bytes);
  tron.back() = tron.back() == '1' ? '2' : '1';  // checksum no longer matches
  EXPECT_FALSE(address_key(ChainFamily::kTron, tron, &k));
  EXPECT_FALSE(address_key(ChainFamily::kTron, "T0OIl", &k));  // not base58
  EXPECT_FALSE(address_key(ChainFamily::kTron, evm_checksum_address(bytes), &k));
  EXPECT_FALSE(address_key(ChainFamily::kTron, "", &k));
}

TEST(WatchIndexKeyTest, SolanaKeyIsTheFirst20Of32Bytes) {
  std::mt19937_64 rng(5);
  std::array<std::uint8_t, 32> pk{};
  for (auto& b : pk) b = static_cast<std::uint8_t>(rng());
  AccountKey k{};
  ASSERT_TRUE(address_key(ChainFamily::kSolana, base58_encode(ByteView(pk)), &k));
  EXPECT_TRUE(std::equal(k.begin(), k.end(), pk.begin()));
  // A reference differing only after byte 20 has the same key: the caller
  // confirms Solana hits on the full string.
  std::array<std::uint8_t, 32> other = pk;
  other[31] ^= 1;
  AccountKey k2{};
  ASSERT_TRUE(address_key(ChainFamily::kSolana, base58_encode(ByteView(other)), &k2));
  EXPECT_EQ(k2, k);
  EXPECT_NE(base58_encode(ByteView(other)), base58_encode(ByteView(pk)));
}

TEST(WatchIndexKeyTest, SolanaKeyRefusesOtherLengthsAndCharacters) {
  std::array<std::uint8_t, 31> short_key{};
  short_key.fill(7);
  std::array<std::uint8_t, 33> long_key{};
  long_key.fill(7);
  AccountKey k{};
  EXPECT_FALSE(address_key(ChainFamily::kSolana, base58_encode(ByteView(short_key)), &k));
  EXPECT_FALSE(address_key(ChainFamily::kSolana, base58_encode(ByteView(long_key)), &k));
  EXPECT_FALSE(
      address_key(ChainFamily::kSolana, "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4O", &k));
  EXPECT_FALSE(address_key(ChainFamily::kSolana, "", &k));
}

// ---- table ----

TEST(WatchIndexTest, EmptyIndexFindsNothing) {
  WatchIndex index;
  std::mt19937_64 rng(6);
  const AccountKey k = random_key(rng);
  EXPECT_EQ(index.find_first(k), kNone);
  EXPECT_FALSE(index.contains(k));
  EXPECT_TRUE(values_of(index, k).empty());
  EXPECT_FALSE(index.erase(k, 0));
  EXPECT_EQ(index.size(), 0U);
  EXPECT_EQ(index.capacity(), 0U);
  EXPECT_EQ(index.memory_bytes(), 0U);
}

TEST(WatchIndexTest, InsertFindErase) {
  WatchIndex index;
  std::mt19937_64 rng(7);
  const AccountKey a = random_key(rng);
  const AccountKey b = random_key(rng);
  index.insert(a, 10);
  EXPECT_EQ(index.size(), 1U);
  EXPECT_EQ(index.find_first(a), 10U);
  EXPECT_EQ(index.find_first(b), kNone);
  EXPECT_FALSE(index.erase(a, 11));  // wrong value
  EXPECT_FALSE(index.erase(b, 10));  // wrong key
  EXPECT_FALSE(index.erase(a, kNone));
  EXPECT_EQ(index.size(), 1U);
  EXPECT_TRUE(index.erase(a, 10));
  EXPECT_EQ(index.size(), 0U);
  EXPECT_EQ(index.find_first(a), kNone);
  EXPECT_FALSE(index.erase(a, 10));
}

TEST(WatchIndexTest, SeveralValuesUnderOneKey) {
  WatchIndex index;
  std::mt19937_64 rng(8);
  const AccountKey a = random_key(rng);
  const AccountKey b = random_key(rng);
  index.insert(a, 1);
  index.insert(b, 2);
  index.insert(a, 3);
  index.insert(a, 5);
  EXPECT_EQ(values_of(index, a), (std::vector<std::uint32_t>{1, 3, 5}));
  EXPECT_EQ(values_of(index, b), (std::vector<std::uint32_t>{2}));
  EXPECT_TRUE(index.erase(a, 3));
  EXPECT_EQ(values_of(index, a), (std::vector<std::uint32_t>{1, 5}));
  EXPECT_NE(index.find_first(a), kNone);
  EXPECT_TRUE(index.erase(a, 1));
  EXPECT_TRUE(index.erase(a, 5));
  EXPECT_FALSE(index.contains(a));
  EXPECT_EQ(values_of(index, b), (std::vector<std::uint32_t>{2}));
}

// Keys sharing the 8 hashed bytes all land on one home slot: they form one
// long probe run and must stay apart by their other bytes, including after
// erasing from the middle of the run. The prefix is chosen so that, with the
// index's multiply-shift hash, the home is the last of 16 slots and the run
// wraps around the end of the table.
TEST(WatchIndexTest, KeysWithTheSameHashStayDistinct) {
  std::uint64_t prefix = 1;
  while ((prefix * 0x9E3779B97F4A7C15ULL) >> 60 != 15) ++prefix;
  WatchIndex index;
  std::vector<AccountKey> keys;
  for (std::uint8_t i = 0; i < 11; ++i) {
    AccountKey k{};
    k.fill(0xab);
    std::memcpy(k.data(), &prefix, sizeof prefix);
    k[19] = i;  // differ in the last byte only
    keys.push_back(k);
    index.insert(k, i);
  }
  ASSERT_EQ(index.capacity(), 16U);
  for (std::uint8_t i = 0; i < 11; ++i) {
    EXPECT_EQ(values_of(index, keys[i]), (std::vector<std::uint32_t>{i}));
  }
  AccountKey absent = keys[0];
  absent[19] = 99;
  EXPECT_EQ(index.find_first(absent), kNone);
  absent[19] = 0;
  absent[8] = 0;  // differs in the first byte after the hashed ones
  EXPECT_EQ(index.find_first(absent), kNone);
  for (const std::uint32_t i : {5U, 0U, 10U, 3U}) ASSERT_TRUE(index.erase(keys[i], i));
  for (std::uint8_t i = 0; i < 11; ++i) {
    const bool erased = i == 5 || i == 0 || i == 10 || i == 3;
    EXPECT_EQ(index.find_first(keys[i]), erased ? kNone : std::uint32_t{i}) << int{i};
  }
}

TEST(WatchIndexTest, GrowsKeepingEveryEntryAndLoadAtMost70Percent) {
  WatchIndex index;
  std::mt19937_64 rng(9);
  std::vector<AccountKey> keys;
  std::size_t last_capacity = 0;
  int growths = 0;
  for (std::uint32_t i = 0; i < 50000; ++i) {
    keys.push_back(random_key(rng));
    index.insert(keys.back(), i);
    ASSERT_LE(index.size() * 10, index.capacity() * 7);
    if (index.capacity() != last_capacity) {
      ++growths;
      last_capacity = index.capacity();
      ASSERT_EQ(last_capacity & (last_capacity - 1), 0U) << "a power of two";
    }
  }
  EXPECT_GT(growths, 10);
  EXPECT_EQ(index.size(), 50000U);
  for (std::uint32_t i = 0; i < keys.size(); ++i) ASSERT_EQ(index.find_first(keys[i]), i);
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(index.contains(random_key(rng)));
}

TEST(WatchIndexTest, ReserveAvoidsGrowth) {
  WatchIndex index;
  index.reserve(1000);
  const std::size_t cap = index.capacity();
  EXPECT_GE(cap * 7, 1000U * 10);
  EXPECT_EQ(index.size(), 0U);
  std::mt19937_64 rng(10);
  for (std::uint32_t i = 0; i < 1000; ++i) index.insert(random_key(rng), i);
  EXPECT_EQ(index.capacity(), cap);
  index.reserve(10);  // never shrinks
  EXPECT_EQ(index.capacity(), cap);
}

TEST(WatchIndexTest, ClearForgetsEverything) {
  WatchIndex index;
  std::mt19937_64 rng(11);
  const AccountKey a = random_key(rng);
  for (std::uint32_t i = 0; i < 100; ++i) index.insert(random_key(rng), i);
  index.insert(a, 7);
  index.clear();
  EXPECT_EQ(index.size(), 0U);
  EXPECT_EQ(index.capacity(), 0U);
  EXPECT_EQ(index.memory_bytes(), 0U);
  EXPECT_FALSE(index.contains(a));
  index.insert(a, 8);
  EXPECT_EQ(index.find_first(a), 8U);
}

TEST(WatchIndexTest, CopiesAreIndependent) {
  WatchIndex index;
  std::mt19937_64 rng(12);
  const AccountKey a = random_key(rng);
  index.insert(a, 1);
  WatchIndex copy = index;
  copy.insert(a, 2);
  ASSERT_TRUE(index.erase(a, 1));
  EXPECT_TRUE(values_of(index, a).empty());
  EXPECT_EQ(values_of(copy, a), (std::vector<std::uint32_t>{1, 2}));
}

// Random inserts and erases against std::multimap, in a small table where
// runs wrap around its end and share home slots (few distinct prefixes).
TEST(WatchIndexTest, AgreesWithMultimapUnderRandomOperations) {
  std::mt19937_64 rng(13);
  std::vector<AccountKey> pool;
  for (int i = 0; i < 40; ++i) {
    AccountKey k = random_key(rng);
    if (i % 3 != 0 && !pool.empty()) {
      // Share the hashed prefix with an earlier key.
      std::copy(pool[static_cast<std::size_t>(i) / 3].begin(),
                pool[static_cast<std::size_t>(i) / 3].begin() + 8, k.begin());
    }
    pool.push_back(k);
  }
  WatchIndex index;
  std::multimap<AccountKey, std::uint32_t> model;
  for (int step = 0; step < 20000; ++step) {
    const AccountKey& k = pool[rng() % pool.size()];
    const auto v = static_cast<std::uint32_t>(rng() % 4);
    const bool present = [&] {
      auto range = model.equal_range(k);
      return std::any_of(range.first, range.second, [&](const auto& e) { return e.second == v; });
    }();
    if (rng() % 2 == 0 && !present && model.size() < 60) {
      index.insert(k, v);
      model.emplace(k, v);
    } else {
      ASSERT_EQ(index.erase(k, v), present) << "step " << step;
      if (present) {
        auto range = model.equal_range(k);
        for (auto it = range.first; it != range.second; ++it) {
          if (it->second == v) {
            model.erase(it);
            break;
          }
        }
      }
    }
    ASSERT_EQ(index.size(), model.size());
    for (const AccountKey& q : pool) {
      std::vector<std::uint32_t> want;
      auto range = model.equal_range(q);
      for (auto it = range.first; it != range.second; ++it) want.push_back(it->second);
      std::sort(want.begin(), want.end());
      ASSERT_EQ(values_of(index, q), want) << "step " << step;
    }
  }
}

TEST(WatchIndexTest, MemoryStaysUnder70BytesPerEntry) {
  WatchIndex index;
  index.reserve(1000000);
  std::mt19937_64 rng(14);
  for (std::uint32_t i = 0; i < 1000000; ++i) index.insert(random_key(rng), i);
  const double per_entry =
      static_cast<double>(index.memory_bytes()) / static_cast<double>(index.size());
  EXPECT_LE(per_entry, 70.0);
  EXPECT_GE(index.memory_bytes(), index.capacity() * 24);
}

TEST(WatchIndexTest, LargeTablesAreHugePageAligned) {
  EXPECT_EQ(huge_page_rounded(100), 100U);
  EXPECT_EQ(huge_page_rounded((std::size_t{2} << 20) - 1), (std::size_t{2} << 20) - 1);
  EXPECT_EQ(huge_page_rounded(std::size_t{2} << 20), std::size_t{2} << 20);
  EXPECT_EQ(huge_page_rounded((std::size_t{2} << 20) + 1), std::size_t{4} << 20);
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> big(std::size_t{1} << 19);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(big.data()) % (std::size_t{2} << 20), 0U);
  big.back() = 1;
  EXPECT_EQ(big.back(), 1U);
}

}  // namespace
}  // namespace usd1pay::tracker_internal
