// SHA-256, HMAC and constant-time comparison through OpenSSL 3 (EVP and
// EVP_MAC, none of the APIs deprecated in 3.0). Keccak-256 is in keccak.cpp.
//
// The functions are noexcept and return fixed-size digests: with valid
// arguments OpenSSL has no reason to fail, so a failure means a broken
// OpenSSL installation and aborts rather than returning a wrong digest.
#include "usd1pay/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace usd1pay {
namespace {

[[noreturn]] void openssl_failed(const char* what) noexcept {
  std::fprintf(stderr, "usd1pay: OpenSSL %s failed\n", what);
  std::abort();
}

// Fetched once: implicit fetching on every call would cost a lookup in the
// provider tables each time.
const EVP_MD* sha256_md() noexcept {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) openssl_failed("EVP_MD_fetch(SHA256)");
  return md;
}

template <std::size_t N>
std::array<std::uint8_t, N> hmac(const char* digest, ByteView key, ByteView data) noexcept {
  std::array<std::uint8_t, N> out{};
  std::size_t out_len = 0;
  // A null key pointer means "no key" to EVP_MAC_init; HMAC with an empty key
  // is well defined, so point at something harmless.
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* key_ptr = key.empty() ? &kEmpty : key.data();
  static const std::uint8_t kNoData = 0;
  const std::uint8_t* data_ptr = data.empty() ? &kNoData : data.data();
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key_ptr, key.size(), data_ptr,
                data.size(), out.data(), out.size(), &out_len) == nullptr ||
      out_len != N) {
    openssl_failed("EVP_Q_mac(HMAC)");
  }
  return out;
}

}  // namespace

Hash256 sha256(ByteView data) noexcept {
  Hash256 out{};
  unsigned int len = 0;
  static const std::uint8_t kNoData = 0;
  if (EVP_Digest(data.empty() ? &kNoData : data.data(), data.size(), out.data(), &len, sha256_md(),
                 nullptr) != 1 ||
      len != out.size()) {
    openssl_failed("EVP_Digest(SHA256)");
  }
  return out;
}

Hash256 double_sha256(ByteView data) noexcept {
  return sha256(ByteView(sha256(data)));
}

Hash256 hmac_sha256(ByteView key, ByteView data) noexcept {
  return hmac<32>("SHA256", key, data);
}

Hash512 hmac_sha512(ByteView key, ByteView data) noexcept {
  return hmac<64>("SHA512", key, data);
}

bool constant_time_equal(ByteView a, ByteView b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace usd1pay
