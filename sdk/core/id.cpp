#include "usd1pay/id.h"

#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "usd1pay/encoding.h"

namespace usd1pay {
namespace {

constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// Bytes >= 248 (= 4 * 62) are discarded so that byte % 62 is uniform.
constexpr unsigned kAcceptBelow = 248;
constexpr std::size_t kMaxPrefixLetters = 8;
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
  // 32 bytes usually suffice for 16 characters (each byte is kept with
  // probability 248/256); refill when rejections eat the pool.
  std::array<std::uint8_t, 32> pool{};
  std::size_t used = pool.size();
  while (id.size() < prefix.size() + kIdBodyLength) {
    if (used == pool.size()) {
      USD1PAY_RETURN_IF_ERROR(random_bytes(pool.data(), pool.size()));
      used = 0;
    }
    const unsigned b = pool[used++];
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
