// usd1pay: BIP-32 extended public keys and watch-only (public) derivation.
//
// Format (BIP-32, "Serialization format"): base58check of 78 bytes
//   4  version        0x0488B21E "xpub" (mainnet) or 0x043587CF "tpub" (testnet)
//   1  depth          0 for a master key
//   4  parent fingerprint (first 4 bytes of HASH160 of the parent's public key;
//                      zero at depth 0)
//   4  child number   big-endian; zero at depth 0
//   32 chain code
//   33 public key     compressed SEC1 secp256k1 point (0x02 / 0x03 + X)
//
// Derivation is BIP-32's CKDpub: I = HMAC-SHA512(chain code, pubkey || ser32(i)),
// child key = point(IL) + parent key, child chain code = IR. Only
// non-hardened indexes (i < 2^31) can be derived from a public key; usd1pay
// never holds a private key, so extended private keys (xprv / tprv) are refused
// at parse time and hardened indexes are refused at derivation time.
//
// Addresses: the EVM account is the last 20 bytes of keccak-256 of the 64-byte
// uncompressed point X || Y (EIP-55 spelling for display); the TRON address is
// 0x41 + the same 20 bytes in base58check.
//
// Which index to use next (gap limit, never reusing one) is decided by the
// intent module, not here.
//
// OWNERSHIP: ExtendedPublicKey is a small value type (copyable, no heap).
// THREAD SAFETY: values and pure functions; a const ExtendedPublicKey may be
// used from any number of threads at once.
#ifndef USD1PAY_HD_H
#define USD1PAY_HD_H

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "usd1pay/status.h"

namespace usd1pay {

class ExtendedPublicKey {
 public:
  /// Parses a base58check extended public key: mainnet "xpub" (version
  /// 0x0488B21E) or testnet "tpub" (0x043587CF). Errors:
  /// - kInvalidArgument: an extended PRIVATE key (xprv 0x0488ADE4, tprv
  ///   0x04358394; "usd1pay is watch-only"), a bad base58 character (with its
  ///   position), a decoded length other than 78 bytes, a public key that is
  ///   not a valid compressed secp256k1 point, depth 0 with a non-zero parent
  ///   fingerprint or child number;
  /// - kUnsupported: any other version bytes (ypub, zpub, ...), named in hex;
  /// - kChecksumMismatch: the base58check checksum does not verify.
  static Result<ExtendedPublicKey> parse(std::string_view text);

  /// The base58check spelling (round-trips parse()).
  std::string to_string() const;

  /// Non-hardened child (CKDpub). index >= 2^31 is kInvalidArgument (hardened
  /// derivation needs the private key). The astronomically rare invalid child
  /// (IL >= n or the point at infinity) is kOutOfRange: skip to the next
  /// index, as BIP-32 says. Depth 255 cannot have children: kOutOfRange.
  Result<ExtendedPublicKey> derive_child(std::uint32_t index) const;

  /// A relative path of non-hardened indexes separated by '/': "0/5", "0",
  /// "" (this key itself). Refuses absolute "m/..." paths, hardened markers
  /// (' or h), non-digits, empty components and numbers >= 2^31 with
  /// kInvalidArgument naming the 0-based position in the path.
  Result<ExtendedPublicKey> derive_path(std::string_view relative_path) const;

  std::uint8_t depth() const noexcept { return depth_; }
  std::uint32_t child_number() const noexcept { return child_number_; }
  bool is_testnet() const noexcept { return testnet_; }
  /// Compressed SEC1 encoding (33 bytes).
  const std::array<std::uint8_t, 33>& public_key() const noexcept { return public_key_; }
  const std::array<std::uint8_t, 32>& chain_code() const noexcept { return chain_code_; }
  std::array<std::uint8_t, 4> parent_fingerprint() const noexcept { return parent_fingerprint_; }

  /// First 4 bytes of HASH160 (RIPEMD-160 of SHA-256) of public_key().
  std::array<std::uint8_t, 4> fingerprint() const;

  /// The 20-byte Ethereum account: last 20 bytes of keccak-256 of the 64-byte
  /// uncompressed point (X || Y, without the 0x04 prefix).
  std::array<std::uint8_t, 20> evm_account() const;
  /// evm_checksum_address(evm_account()).
  std::string evm_address() const;
  /// tron_address_from_account(evm_account()).
  std::string tron_address() const;

  friend bool operator==(const ExtendedPublicKey& a, const ExtendedPublicKey& b);
  friend bool operator!=(const ExtendedPublicKey& a, const ExtendedPublicKey& b) {
    return !(a == b);
  }

 private:
  ExtendedPublicKey() = default;

  bool testnet_ = false;
  std::uint8_t depth_ = 0;
  std::uint32_t child_number_ = 0;
  std::array<std::uint8_t, 4> parent_fingerprint_{};
  std::array<std::uint8_t, 32> chain_code_{};
  std::array<std::uint8_t, 33> public_key_{};
  // The same point uncompressed (X || Y): kept so that deriving and computing
  // addresses need no square root to decompress public_key_ again.
  std::array<std::uint8_t, 64> point_{};
};

}  // namespace usd1pay

#endif  // USD1PAY_HD_H
