// usd1pay: address validation and canonical forms.
//
// EVM (EIP-55): "0x" + 40 hex digits. All-lowercase or all-uppercase hex is a
// valid address that carries no checksum (the result says checksummed=false);
// mixed case must match the EIP-55 checksum exactly, and a mismatch is
// kChecksumMismatch; it is never "corrected". In strict mode (for point-of-sale
// screens) an address without a checksum is refused. The canonical form is the
// EIP-55 checksummed spelling.
//
// TRON: base58check (double SHA-256 checksum) of 25 bytes, the first of which
// is the version byte 0x41 ("T..." addresses). The 42-digit hex form "41..." is
// accepted as well. The canonical form is the base58check spelling.
//
// Solana: base58 of exactly 32 bytes (off-curve keys are valid addresses). The
// canonical form is the input itself (base58 has one spelling per value).
//
// Every rejection says why and where: wrong length (with the length seen and
// expected), bad character (with the character and its 0-based position),
// checksum mismatch, wrong prefix or version byte.
//
// THREAD SAFETY: pure functions.
#ifndef USD1PAY_ADDRESS_H
#define USD1PAY_ADDRESS_H

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "usd1pay/chain.h"
#include "usd1pay/status.h"

namespace usd1pay {

struct AddressOptions {
  /// EVM only: refuse addresses without an EIP-55 checksum.
  bool strict = false;
};

struct AddressInfo {
  ChainFamily family = ChainFamily::kEvm;
  /// The canonical spelling (EIP-55 for EVM, base58check "T..." for TRON).
  std::string canonical;
  /// EVM: the input carried a (valid) EIP-55 checksum. TRON: always true
  /// (base58check) except for the hex form. Solana: false (no checksum).
  bool checksummed = false;
};

/// Validates `text` as an address of `family`.
Result<AddressInfo> validate_address(ChainFamily family, std::string_view text,
                                     const AddressOptions& options = {});

/// The EIP-55 checksummed spelling of 20 address bytes.
std::string evm_checksum_address(const std::array<std::uint8_t, 20>& bytes);

/// The base58check "T..." spelling of the 20 account bytes (the version byte
/// 0x41 is added).
std::string tron_address_from_account(const std::array<std::uint8_t, 20>& bytes);

}  // namespace usd1pay

#endif  // USD1PAY_ADDRESS_H
