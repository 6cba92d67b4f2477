// usd1pay: chain identifiers (CAIP-2) and address families.
//
// Chains are named by CAIP-2 ids: "<namespace>:<reference>", e.g. "eip155:1"
// (Ethereum mainnet), "eip155:8453" (Base), "eip155:1337" (a local devnet),
// "tron:0x2b6653dc" (TRON mainnet), "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
// (Solana mainnet). CAIP-2: namespace [-a-z0-9]{3,8}, reference
// [-_a-zA-Z0-9]{1,32}. Where a command takes a chain, the family names "evm",
// "tron" and "solana" are accepted too.
//
// THREAD SAFETY: values and pure functions.
#ifndef USD1PAY_CHAIN_H
#define USD1PAY_CHAIN_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "usd1pay/status.h"

namespace usd1pay {

/// The address format a chain uses.
enum class ChainFamily { kEvm, kTron, kSolana };

/// "evm", "tron", "solana".
const char* chain_family_name(ChainFamily family) noexcept;

/// A parsed CAIP-2 chain id.
struct ChainId {
  std::string ns;         ///< CAIP-2 namespace: "eip155", "tron", "solana".
  std::string reference;  ///< CAIP-2 reference: "1", "0x2b6653dc", ...

  /// Parses "<namespace>:<reference>" by the CAIP-2 grammar; errors name the
  /// bad character and its position.
  static Result<ChainId> parse(std::string_view text);
  /// "<ns>:<reference>".
  std::string to_string() const;
  /// The family of a known namespace; kUnsupported for others.
  Result<ChainFamily> family() const;
  /// For eip155 ids, the numeric chain id (no leading zeros, fits 64 bits).
  Result<std::uint64_t> evm_chain_id() const;

  friend bool operator==(const ChainId& a, const ChainId& b) {
    return a.ns == b.ns && a.reference == b.reference;
  }
};

/// A chain as given on a command line: a CAIP-2 id or a family name.
struct ChainSelector {
  ChainFamily family;
  std::optional<ChainId> id;  ///< absent when only a family was named

  /// "eip155:1", "evm", "tron", "solana", ...
  static Result<ChainSelector> parse(std::string_view text);
};

}  // namespace usd1pay

#endif  // USD1PAY_CHAIN_H
