#include "usd1pay/id.h"

#include <openssl/rand.h>

#include <array>
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

Result<std::string> try_new_id(std::string_view prefix) {
  USD1PAY_RETURN_IF_ERROR(check_prefix(prefix));
  std::string id;
  id.reserve(prefix.size() + kIdBodyLength);
  id.append(prefix);
  // 32 bytes usually suffice for 24 characters (each byte is kept with
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
