#include "usd1pay/id.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
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
    for (std::size_t k = kIntentIdPrefix.size() + kIdTimeLength; k < id.size(); ++k) {
      ++counts[static_cast<unsigned char>(id[k]) & 0x7F];
    }
    ASSERT_TRUE(seen.insert(std::move(id)).second) << "duplicate at " << i;
  }
  // The random part: 1.6M characters over 62 symbols: ~25806 each, standard
  // deviation ~159.
  // +-5% is about 10 deviations: a biased mapping (plain byte % 62 gives the
  // first 8 symbols 5/256 instead of 4/256, +25%) fails; a fair one never does.
  const long expected =
      static_cast<long>(kCount) * static_cast<long>(kIdBodyLength - kIdTimeLength) / 62;
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

TEST(IdTest, BodyStartsWithTheTimeItWasMade) {
  const auto now_ms = [] {
    return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
  };
  const std::int64_t before = now_ms();
  const std::string id = new_id(kEventIdPrefix);
  const std::int64_t after = now_ms();
  auto t = id_time_ms(id, kEventIdPrefix);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_GE(*t, before) << id;
  EXPECT_LE(*t, after) << id;
}

TEST(IdTest, StampEncodesAndDecodesAtTheEdges) {
  // 62^8 - 1 is the last time eight base62 digits hold (year 8888).
  const std::int64_t max = 218340105584895LL;
  const std::vector<std::pair<std::int64_t, std::string>> cases = {
      {0, "00000000"},
      {1, "00000001"},
      {61, "0000000z"},
      {62, "00000010"},
      {3843, "000000zz"},
      {3844, "00000100"},
      {1795000000000, "0VbK14RE"},
      {max, "zzzzzzzz"},
  };
  for (const auto& [ms, stamp] : cases) {
    auto id = try_new_id_at(kIntentIdPrefix, ms);
    ASSERT_TRUE(id.ok()) << id.status().message();
    EXPECT_EQ(id->substr(kIntentIdPrefix.size(), kIdTimeLength), stamp) << ms;
    auto back = id_time_ms(*id, kIntentIdPrefix);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, ms) << *id;
  }
  // Out of range times are clamped, not wrapped.
  auto before_epoch = try_new_id_at(kIntentIdPrefix, -5);
  ASSERT_TRUE(before_epoch.ok());
  EXPECT_EQ(before_epoch->substr(kIntentIdPrefix.size(), kIdTimeLength), "00000000");
  auto too_late = try_new_id_at(kIntentIdPrefix, max + 1000);
  ASSERT_TRUE(too_late.ok());
  EXPECT_EQ(too_late->substr(kIntentIdPrefix.size(), kIdTimeLength), "zzzzzzzz");
  EXPECT_FALSE(try_new_id_at("Bad_", 0).ok());
}

TEST(IdTest, ByteOrderIsTimeOrder) {
  // Times spread over every digit position (and across digit class
  // boundaries '9' < 'A', 'Z' < 'a'): ids compare as their times do, whatever
  // their random parts.
  std::vector<std::int64_t> times;
  std::int64_t t = 0;
  for (int i = 0; t <= 218340105584895LL; ++i) {
    times.push_back(t);
    t += 1 + t / 7 + (i % 3) * 9;
  }
  ASSERT_GT(times.size(), 200U);
  times.push_back(1795000000000);
  times.push_back(1795000000001);
  std::vector<std::string> ids;
  for (std::int64_t ms : times) {
    auto id = try_new_id_at(kPaymentIdPrefix, ms);
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
  }
  for (std::size_t i = 0; i < times.size(); ++i) {
    for (std::size_t j = i + 1; j < times.size(); j += 7) {
      ASSERT_EQ(times[i] < times[j], ids[i] < ids[j]) << ids[i] << " " << ids[j];
    }
  }
}

TEST(IdTest, IdTimeMsRejectsWhatIsNotAnId) {
  auto bad = id_time_ms("pi_short", kIntentIdPrefix);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  auto wrong_prefix = id_time_ms(new_id(kEventIdPrefix), kIntentIdPrefix);
  ASSERT_FALSE(wrong_prefix.ok());
  EXPECT_NE(wrong_prefix.status().message().find("expected prefix \"pi_\""), std::string::npos)
      << wrong_prefix.status().message();
}

// Random bytes come from a per-thread block: a forked child must not make
// the ids its parent's unused bytes would have made.
TEST(IdTest, AForkedChildMakesOtherIdsThanItsParent) {
  (void)new_id(kEventIdPrefix);  // the block is filled, most of it unused
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  constexpr int kIds = 50;
  if (child == 0) {
    close(fds[0]);
    std::string all;
    for (int i = 0; i < kIds; ++i) all += new_id(kEventIdPrefix).substr(4 + kIdTimeLength) + "\n";
    const bool ok = write(fds[1], all.data(), all.size()) == static_cast<ssize_t>(all.size());
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  std::set<std::string> parent;
  for (int i = 0; i < kIds; ++i) parent.insert(new_id(kEventIdPrefix).substr(4 + kIdTimeLength));
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  int seen = 0;
  for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    const std::string random_part = text.substr(at, end - at);
    EXPECT_EQ(random_part.size(), kIdBodyLength - kIdTimeLength);
    EXPECT_EQ(parent.count(random_part), 0U) << "the child repeated its parent's " << random_part;
    ++seen;
  }
  EXPECT_EQ(seen, kIds);
}

TEST(IdTest, ThreadsMakeUniqueIds) {
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kEach; ++i)
        made[static_cast<std::size_t>(t)].push_back(new_id(kPaymentIdPrefix));
    });
  }
  for (std::thread& t : threads) t.join();
  std::unordered_set<std::string> all;
  for (const auto& ids : made) {
    for (const std::string& id : ids) ASSERT_TRUE(all.insert(id).second) << id;
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
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
