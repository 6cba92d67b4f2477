// RIPEMD-160 (Dobbertin, Bosselaers, Preneel 1996), private to the address
// module: BIP-32 fingerprints are the first 4 bytes of HASH160 =
// RIPEMD-160(SHA-256(public key)). Implemented in hd.cpp rather than taken from
// OpenSSL, because OpenSSL 3 moved RIPEMD-160 to the legacy provider in 3.0.0
// to 3.0.6, so it may be missing at run time depending on the installation.
//
// THREAD SAFETY: pure functions.
#ifndef USD1PAY_SDK_ADDRESS_HD_RIPEMD160_H
#define USD1PAY_SDK_ADDRESS_HD_RIPEMD160_H

#include <array>
#include <cstdint>

#include "usd1pay/encoding.h"

namespace usd1pay::hd_detail {

using Hash160 = std::array<std::uint8_t, 20>;

/// RIPEMD-160 of the bytes.
Hash160 ripemd160(ByteView data) noexcept;

/// RIPEMD-160(SHA-256(data)), Bitcoin's HASH160.
Hash160 hash160(ByteView data) noexcept;

}  // namespace usd1pay::hd_detail

#endif  // USD1PAY_SDK_ADDRESS_HD_RIPEMD160_H
