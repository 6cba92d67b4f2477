#include "usd1pay/id.h"

#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "usd1pay/encoding.h"

namespace usd1pay {
namespace {

constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// Bytes >= 248 (= 4 * 62) are discarded so that byte % 62 is uniform.
constexpr unsigned kAcceptBelow = 248;
constexpr std::size_t kMaxPrefixLetters = 8;

// Ids take their random bytes from a per-thread block of CSPRNG output
// (one RAND_bytes call every thirty or so ids instead of one per id: the
// call, not the bytes, is what costs). A fork bumps the generation, and a
// block of an older generation is thrown away unread: a child must never
// hand out the ids its parent's unused bytes would have made.
constexpr std::size_t kIdPoolBytes = 512;
std::atomic<unsigned long> g_fork_generation{0};
std::once_flag g_atfork_once;

void on_fork_child() {
  g_fork_generation.fetch_add(1, std::memory_order_relaxed);
}

struct IdBytePool {
  std::array<std::uint8_t, kIdPoolBytes> bytes{};
  std::size_t used = kIdPoolBytes;
  unsigned long generation = 0;
};

/// This thread's pool, emptied when a fork happened since it was filled.
IdBytePool& id_byte_pool() {
  std::call_once(g_atfork_once, [] { pthread_atfork(nullptr, nullptr, on_fork_child); });
  thread_local IdBytePool pool;
  const unsigned long generation = g_fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != generation) {
    pool.used = pool.bytes.size();
    pool.generation = generation;
  }
  return pool;
}

/// The next random byte of `pool`, refilled from the CSPRNG when used up.
Status next_id_byte(IdBytePool& pool, std::uint8_t* out) {
  if (pool.used == pool.bytes.size()) {
    USD1PAY_RETURN_IF_ERROR(random_bytes(pool.bytes.data(), pool.bytes.size()));
    pool.used = 0;
  }
  *out = pool.bytes[pool.used];
  pool.bytes[pool.used++] = 0;  // a byte handed out is not kept
  return Status();
}

/// 62^8 - 1: the latest time kIdTimeLength base62 digits hold.
constexpr std::uint64_t kMaxIdTime = 218340105584895ULL;
static_assert(kIdTimeLength == 8, "kMaxIdTime is 62^kIdTimeLength - 1");

bool is_base62(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

Status check_prefix(std::string_view prefix) {
  const std::size_t letters = prefix.empty() ? 0 : prefix.size() - 1;
  bool ok = !prefix.empty() && prefix.back() == '_' && letters >= 1 && letters <= kMaxPrefixLetters;
  for (std::size_t i = 0; ok && i < letters; ++i) ok = prefix[i] >= 'a' && prefix[i] <= 'z';
  if (!ok) {
    return Status(ErrorCode::kInvalidArgument,
                  "id: prefix \"" + std::string(prefix) +
                      "\" is not 1 to 8 lowercase letters followed by '_'");
  }
  return Status();
}

}  // namespace

Status random_bytes(std::uint8_t* out, std::size_t n) {
  // RAND_bytes takes an int; feed large requests in slices.
  while (n > 0) {
    const std::size_t slice = n < static_cast<std::size_t>(INT_MAX) ? n : INT_MAX;
    if (RAND_bytes(out, static_cast<int>(slice)) != 1) {
      return Status(ErrorCode::kInternal, "random: the OpenSSL CSPRNG failed (RAND_bytes)");
    }
    out += slice;
    n -= slice;
  }
  return Status();
}

Result<std::string> try_new_id_at(std::string_view prefix, std::int64_t unix_ms) {
  USD1PAY_RETURN_IF_ERROR(check_prefix(prefix));
  std::string id;
  id.reserve(prefix.size() + kIdBodyLength);
  id.append(prefix);
  // The time, most significant digit first: base62 digits in kBase62 order
  // are in byte order, so comparing ids compares times.
  std::uint64_t t = unix_ms < 0 ? 0 : static_cast<std::uint64_t>(unix_ms);
  if (t > kMaxIdTime) t = kMaxIdTime;
  std::array<char, kIdTimeLength> stamp{};
  for (std::size_t i = kIdTimeLength; i-- > 0;) {
    stamp[i] = kBase62[t % 62];
    t /= 62;
  }
  id.append(stamp.data(), stamp.size());
  // Each byte is kept with probability 248/256 (uniform base62).
  IdBytePool& pool = id_byte_pool();
  while (id.size() < prefix.size() + kIdBodyLength) {
    std::uint8_t b = 0;
    USD1PAY_RETURN_IF_ERROR(next_id_byte(pool, &b));
    if (b < kAcceptBelow) id.push_back(kBase62[b % 62]);
  }
  return id;
}

Result<std::string> try_new_id(std::string_view prefix) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return try_new_id_at(prefix, static_cast<std::int64_t>(now.count()));
}

Result<std::int64_t> id_time_ms(std::string_view id, std::string_view expected_prefix) {
  USD1PAY_RETURN_IF_ERROR(validate_id(id, expected_prefix));
  std::int64_t t = 0;
  for (std::size_t i = 0; i < kIdTimeLength; ++i) {
    const char c = id[expected_prefix.size() + i];
    const int digit = c <= '9' ? c - '0' : c <= 'Z' ? c - 'A' + 10 : c - 'a' + 36;
    t = t * 62 + digit;
  }
  return t;
}

std::string new_id(std::string_view prefix) {
  Result<std::string> id = try_new_id(prefix);
  if (!id.ok()) {
    std::fprintf(stderr, "usd1pay: new_id: %s\n", id.status().message().c_str());
    std::abort();
  }
  return std::move(*id);
}

Status validate_id(std::string_view id, std::string_view expected_prefix) {
  if (id.empty()) return Status(ErrorCode::kInvalidArgument, "id: empty");
  if (id.substr(0, expected_prefix.size()) != expected_prefix) {
    const std::size_t underscore = id.find('_');
    std::string seen = underscore == std::string_view::npos
                           ? "no prefix"
                           : "\"" + std::string(id.substr(0, underscore + 1)) + "\"";
    return Status(ErrorCode::kInvalidArgument,
                  "id: expected prefix \"" + std::string(expected_prefix) + "\", got " + seen);
  }
  for (std::size_t i = expected_prefix.size(); i < id.size(); ++i) {
    if (!is_base62(id[i])) {
      return Status(ErrorCode::kInvalidArgument, "id: bad character " + quote_char(id[i]) +
                                                     " at position " + std::to_string(i) +
                                                     " (expected 0-9, A-Z, a-z)");
    }
  }
  const std::size_t body = id.size() - expected_prefix.size();
  if (body != kIdBodyLength) {
    return Status(ErrorCode::kInvalidArgument, "id: has " + std::to_string(body) +
                                                   " characters after \"" +
                                                   std::string(expected_prefix) + "\"; expected " +
                                                   std::to_string(kIdBodyLength));
  }
  return Status();
}

}  // namespace usd1pay
