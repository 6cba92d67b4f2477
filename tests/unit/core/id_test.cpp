#include "usd1pay/id.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace usd1pay {
namespace {

bool is_base62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

TEST(IdTest, NewIdHasPrefixAndBase62Body) {
  for (std::string_view prefix :
       {kIntentIdPrefix, kEventIdPrefix, kPaymentIdPrefix, kWebhookEndpointIdPrefix}) {
    const std::string id = new_id(prefix);
    ASSERT_EQ(id.size(), prefix.size() + kIdBodyLength) << id;
    EXPECT_EQ(id.substr(0, prefix.size()), prefix);
    for (std::size_t i = prefix.size(); i < id.size(); ++i) {
      EXPECT_TRUE(is_base62(id[i])) << id;
    }
    EXPECT_TRUE(validate_id(id, prefix).ok()) << id;
  }
  EXPECT_EQ(kIdBodyLength, 24U);
}

TEST(IdTest, HundredThousandIdsAreUniqueAndUniform) {
  constexpr int kCount = 100000;
  std::unordered_set<std::string> seen;
  seen.reserve(kCount);
  std::array<long, 128> counts{};
  for (int i = 0; i < kCount; ++i) {
    std::string id = new_id(kIntentIdPrefix);
    for (std::size_t k = kIntentIdPrefix.size(); k < id.size(); ++k) {
      ++counts[static_cast<unsigned char>(id[k]) & 0x7F];
    }
    ASSERT_TRUE(seen.insert(std::move(id)).second) << "duplicate at " << i;
  }
  // 2.4M characters over 62 symbols: ~38710 each, standard deviation ~195.
  // +-5% is about 10 deviations: a biased mapping (plain byte % 62 gives the
  // first 8 symbols 5/256 instead of 4/256, +25%) fails; a fair one never does.
  const long expected = static_cast<long>(kCount) * static_cast<long>(kIdBodyLength) / 62;
  int symbols = 0;
  for (int c = 0; c < 128; ++c) {
    if (counts[static_cast<std::size_t>(c)] == 0) continue;
    ++symbols;
    ASSERT_TRUE(is_base62(static_cast<char>(c))) << c;
    const long n = counts[static_cast<std::size_t>(c)];
    EXPECT_GT(n, expected - expected / 20) << "symbol " << static_cast<char>(c);
    EXPECT_LT(n, expected + expected / 20) << "symbol " << static_cast<char>(c);
  }
  EXPECT_EQ(symbols, 62);
}

TEST(IdTest, TryNewIdRejectsBadPrefixes) {
  for (const char* prefix : {"", "_", "pi", "PI_", "p1_", "toolongxx_", "pi__", "p-_"}) {
    auto id = try_new_id(prefix);
    ASSERT_FALSE(id.ok()) << prefix;
    EXPECT_EQ(id.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(id.status().message(), std::string("id: prefix \"") + prefix +
                                         "\" is not 1 to 8 lowercase letters followed by '_'");
  }
  auto ok = try_new_id("abcdefgh_");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 9 + kIdBodyLength);
}

TEST(IdTest, ValidateAcceptsWellFormedIds) {
  EXPECT_TRUE(validate_id("pi_0123456789ABCDEFGHIJabcd", "pi_").ok());
  EXPECT_TRUE(validate_id("evt_zzzzzzzzzzzzzzzzzzzzzzzz", "evt_").ok());
}

TEST(IdTest, ValidateNamesWhatIsWrong) {
  struct Case {
    std::string id;
    std::string prefix;
    std::string message;
  };
  const std::string body(kIdBodyLength, 'a');
  const Case cases[] = {
      {"", "pi_", "id: empty"},
      {"evt_" + body, "pi_", "id: expected prefix \"pi_\", got \"evt_\""},
      {"pi" + body, "pi_", "id: expected prefix \"pi_\", got no prefix"},
      {"PI_" + body, "pi_", "id: expected prefix \"pi_\", got \"PI_\""},
      {"pi", "pi_", "id: expected prefix \"pi_\", got no prefix"},
      {"pi_" + body.substr(1), "pi_", "id: has 23 characters after \"pi_\"; expected 24"},
      {"pi_" + body + "a", "pi_", "id: has 25 characters after \"pi_\"; expected 24"},
      {"pi_", "pi_", "id: has 0 characters after \"pi_\"; expected 24"},
      {"pi_aaaa-aaaaaaaaaaaaaaaaaaa", "pi_",
       "id: bad character '-' at position 7 (expected 0-9, A-Z, a-z)"},
      {"pi_aaaaaaaaaaaaaaaaaaaaaaa ", "pi_",
       "id: bad character ' ' at position 26 (expected 0-9, A-Z, a-z)"},
      {"pi_aaa\xC3\xA9", "pi_",
       "id: bad character byte 0xc3 at position 6 (expected 0-9, A-Z, a-z)"},
      {"pi_" + body + "_x", "pi_", "id: bad character '_' at position 27 (expected 0-9, A-Z, a-z)"},
  };
  for (const Case& c : cases) {
    const Status s = validate_id(c.id, c.prefix);
    ASSERT_FALSE(s.ok()) << c.id;
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << c.id;
    EXPECT_EQ(s.message(), c.message) << c.id;
  }
}

TEST(RandomBytesTest, FillsBuffersOfAnySize) {
  EXPECT_TRUE(random_bytes(nullptr, 0).ok());
  std::vector<std::uint8_t> a(4096, 0);
  std::vector<std::uint8_t> b(4096, 0);
  ASSERT_TRUE(random_bytes(a.data(), a.size()).ok());
  ASSERT_TRUE(random_bytes(b.data(), b.size()).ok());
  EXPECT_NE(a, b);
  // 4096 random bytes: every byte value should show up in at least one
  // buffer with overwhelming probability (a zeroed or constant buffer fails).
  std::array<bool, 256> seen{};
  for (std::uint8_t x : a) seen[x] = true;
  int distinct = 0;
  for (bool s : seen) distinct += s ? 1 : 0;
  EXPECT_GT(distinct, 240);
}

}  // namespace
}  // namespace usd1pay
