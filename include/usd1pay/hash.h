// usd1pay: the hashes and MACs the SDK needs.
//
// - keccak256: Keccak[c=512] with 256-bit output and the ORIGINAL Keccak
//   padding (domain byte 0x01, then pad10*1), as Ethereum uses it for EIP-55
//   checksums, function selectors and event topics. This is NOT FIPS 202
//   SHA3-256, which pads with 0x06 and gives different digests. Implemented
//   here (the Keccak-f[1600] permutation, rate 136 bytes) because OpenSSL 3.0
//   does not reliably expose legacy Keccak.
// - sha256, double_sha256 (SHA-256 of SHA-256, base58check checksums),
//   hmac_sha256, hmac_sha512 (RFC 2104): OpenSSL 3 EVP / EVP_MAC.
// - constant_time_equal: compares secrets (webhook signatures) in time that
//   depends only on the length.
//
// THREAD SAFETY: free functions are pure and may run on any number of threads
// at once. A Keccak256 object is a value; use one per thread.
#ifndef USD1PAY_HASH_H
#define USD1PAY_HASH_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "usd1pay/encoding.h"

namespace usd1pay {

using Hash256 = std::array<std::uint8_t, 32>;
using Hash512 = std::array<std::uint8_t, 64>;

/// Ethereum Keccak-256 of the bytes.
Hash256 keccak256(ByteView data) noexcept;
inline Hash256 keccak256(std::string_view text) noexcept {
  return keccak256(ByteView::of(text));
}

/// Incremental Keccak-256 for data that arrives in pieces.
class Keccak256 {
 public:
  static constexpr std::size_t kRate = 136;  ///< bytes absorbed per permutation

  Keccak256& update(ByteView data) noexcept;
  Keccak256& update(std::string_view text) noexcept { return update(ByteView::of(text)); }
  /// The digest of everything absorbed; the object is reset afterwards.
  Hash256 finish() noexcept;

 private:
  std::array<std::uint64_t, 25> state_{};
  std::size_t used_ = 0;  ///< bytes absorbed into the current block
};

/// FIPS 180-4 SHA-256.
Hash256 sha256(ByteView data) noexcept;
inline Hash256 sha256(std::string_view text) noexcept {
  return sha256(ByteView::of(text));
}

/// SHA-256(SHA-256(data)).
Hash256 double_sha256(ByteView data) noexcept;

/// RFC 2104 HMAC with SHA-256 / SHA-512; keys of any length.
Hash256 hmac_sha256(ByteView key, ByteView data) noexcept;
Hash512 hmac_sha512(ByteView key, ByteView data) noexcept;

/// True when a and b hold the same bytes. Runs in time that depends on the
/// lengths only (different lengths return false at once: lengths are not
/// secret).
bool constant_time_equal(ByteView a, ByteView b) noexcept;

}  // namespace usd1pay

#endif  // USD1PAY_HASH_H
