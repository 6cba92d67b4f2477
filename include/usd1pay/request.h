// usd1pay: payment request URIs, built and parsed strictly by their specs.
//
// EIP-681 (https://eips.ethereum.org/EIPS/eip-681), EVM chains:
//   ethereum:[pay-]<target>[@<chain id>][/<function>][?<key>=<value>&...]
// An ERC-20 payment is a call of `transfer` on the token contract:
//   ethereum:<token>@<chain id>/transfer?address=<recipient>&uint256=<base units>
// and a native-coin payment names the recipient as target and the amount in
// wei: ethereum:<recipient>@<chain id>?value=<wei>. A missing chain id means
// Ethereum mainnet (1) by EIP-681; usd1pay always writes it. Numbers are read
// in every form of the EIP-681 grammar ("1", "2.014e18", "+1e6", ".5e1") and
// must come out as a whole, non-negative value below 2^128; we write plain
// digits. '+' in an EIP-681 query is a literal plus (RFC 3986), not a space.
//
// Solana Pay transfer requests (https://docs.solanapay.com/spec, "Transfer
// Request"):
//   solana:<recipient>?amount=<decimal>&spl-token=<mint>&reference=<key>...
//       &label=<text>&message=<text>&memo=<text>
// The amount is a decimal in the token's own units ("1.5" SOL / USD1), never
// in scientific notation and never starting with '.'. Without spl-token the
// payment is in SOL, whose 9 decimals bound the amount; with spl-token the
// mint's decimals are not in the URI, so solana_pay_amount() checks them for a
// caller who knows them. Query values are URL-encoded UTF-8 read as browsers
// and @solana/pay read them ('+' is a space); we write %20 for a space.
// Solana Pay transaction requests (solana:<https link>) are kUnsupported.
//
// TRON has no ratified payment URI standard. build_tron_payment() returns the
// plain base58check address as the QR payload, and the exact amount and token
// to show beside it.
//
// Errors: ErrorCode and a message "uri: <what> at position <n>", where <n> is
// the 0-based byte offset in the URI. Every rejection and its code is listed
// in docs/payment-requests.md.
//
// Ownership: every type here is a plain value; the functions keep nothing.
// THREAD SAFETY: pure functions on values; safe from any number of threads.
#ifndef USD1PAY_REQUEST_H
#define USD1PAY_REQUEST_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "usd1pay/amount.h"
#include "usd1pay/chain.h"
#include "usd1pay/status.h"

namespace usd1pay {

/// A query parameter usd1pay does not interpret, kept in URI order with its
/// value percent-decoded.
using UriParam = std::pair<std::string, std::string>;

// ---------------------------------------------------------------- EIP-681

/// An ERC-20 transfer request, the form usd1pay builds for EVM chains.
struct Eip681Transfer {
  std::string token;                      ///< ERC-20 contract address (any valid EVM spelling)
  std::optional<std::uint64_t> chain_id;  ///< absent: omitted, i.e. mainnet (1)
  std::string recipient;                  ///< payee address (any valid EVM spelling)
  Uint128 amount;                         ///< base units of the token
};

/// Everything an EIP-681 URI says, as far as usd1pay reads it.
struct Eip681Request {
  bool pay_prefix = false;  ///< "ethereum:pay-..."
  /// The target address in EIP-55 spelling: the contract called, or for a
  /// plain payment the payee.
  std::string target;
  /// Absent when the URI has no "@<chain id>": EIP-681 then means mainnet (1).
  std::optional<std::uint64_t> chain_id;
  /// "" for a plain payment; otherwise the function name ("transfer").
  std::string function;
  std::optional<Uint128> value;      ///< "value": wei sent with the call
  std::optional<Uint128> gas_limit;  ///< "gasLimit" (or its synonym "gas")
  std::optional<Uint128> gas_price;  ///< "gasPrice"
  /// function "transfer" only: the "address" parameter, EIP-55 spelling.
  std::optional<std::string> recipient;
  /// function "transfer" only: the "uint256" parameter, token base units.
  std::optional<Uint128> amount;
  /// Every other parameter, in order. Repeats are kept.
  std::vector<UriParam> other_params;

  friend bool operator==(const Eip681Request& a, const Eip681Request& b);
  friend bool operator!=(const Eip681Request& a, const Eip681Request& b) { return !(a == b); }
};

/// "ethereum:<token>[@<chain id>]/transfer?address=<recipient>&uint256=<n>",
/// addresses in EIP-55 spelling. Errors: an invalid address (its own
/// ErrorCode, message naming "token" or "recipient").
Result<std::string> build_eip681_transfer(const Eip681Transfer& transfer);

/// Writes any Eip681Request (the inverse of parse_eip681): known parameters
/// first (value, gasLimit, gasPrice, address, uint256), then other_params.
/// `recipient` / `amount` are only allowed with function "transfer", where
/// both are required.
Result<std::string> build_eip681(const Eip681Request& request);

/// Parses an EIP-681 URI. For function "transfer" both "address" and
/// "uint256" are required. ENS names are kUnsupported; a mixed-case address
/// whose EIP-55 checksum fails is kChecksumMismatch; numbers that are negative,
/// fractional or above 2^128-1 are kOutOfRange; a repeated known parameter is
/// kInvalidArgument.
Result<Eip681Request> parse_eip681(std::string_view uri);

// ---------------------------------------------------------- Solana Pay

/// A Solana Pay transfer request.
struct SolanaPayRequest {
  std::string recipient;                 ///< base58 address, 32 bytes
  std::optional<std::string> amount;     ///< exact decimal as written ("1.50")
  std::optional<std::string> spl_token;  ///< mint; absent means SOL
  std::vector<std::string> references;   ///< in order; may be empty
  /// Display texts and the memo, decoded UTF-8. An empty string is the same
  /// as absent (as in @solana/pay): it is neither written nor read.
  std::optional<std::string> label;
  std::optional<std::string> message;
  std::optional<std::string> memo;
  /// Every other parameter, in order, key and value decoded. Repeats kept.
  std::vector<UriParam> other_params;

  friend bool operator==(const SolanaPayRequest& a, const SolanaPayRequest& b);
  friend bool operator!=(const SolanaPayRequest& a, const SolanaPayRequest& b) { return !(a == b); }
};

/// The number of decimals of SOL, which bounds an amount without spl-token.
inline constexpr unsigned kSolDecimals = 9;

/// Writes "solana:<recipient>?amount=..&spl-token=..&reference=..(each)
/// &label=..&message=..&memo=.." then other_params, absent fields left out,
/// texts percent-encoded (everything but A-Z a-z 0-9 - . _ ~, as UTF-8).
/// Validates every address, the amount syntax (and at most 9 decimals without
/// spl-token) and that texts are valid UTF-8.
Result<std::string> build_solana_pay(const SolanaPayRequest& request);

/// Parses a Solana Pay transfer request URI. Percent-encoding must be well
/// formed and decode to valid UTF-8; every address must be valid; amount,
/// spl-token, label, message and memo may appear once each.
Result<SolanaPayRequest> parse_solana_pay(std::string_view uri);

/// The exact Amount of a Solana Pay amount string for a token with
/// `decimals` decimals. kOutOfRange when the string has more decimal places
/// than the token (the spec says the wallet must then reject the URI).
Result<Amount> solana_pay_amount(std::string_view amount, unsigned decimals);

// ---------------------------------------------------------------- TRON

/// A TRC-20 (or, with token_contract empty, TRX) payment request.
struct TronPaymentRequest {
  std::string address;         ///< payee ("T..." or 41-hex form)
  Amount amount;               ///< exact, with the token's decimals
  std::string token_contract;  ///< TRC-20 contract; empty for TRX
};

/// What a screen shows for a TRON payment: there is no URI standard, so the
/// QR holds only the address and the amount is shown as text beside it.
struct TronPaymentDisplay {
  std::string payload;         ///< QR content: the canonical address
  std::string amount_text;     ///< exact amount, at least 2 decimals ("25.00")
  std::string token_contract;  ///< canonical contract address, or empty
};

/// Validates and canonicalises the addresses.
Result<TronPaymentDisplay> build_tron_payment(const TronPaymentRequest& request);

// ------------------------------------------------- one call for all chains

/// A payment request independent of the chain, as intents hold it.
struct PaymentRequest {
  /// The chain. EVM needs a full id (eip155:<n>) because the URI must name
  /// it; Solana and TRON accept the bare family.
  ChainSelector chain;
  /// Token contract / mint. Empty means the chain's native coin (ETH, SOL,
  /// TRX).
  std::string token;
  std::string recipient;
  /// Exact amount; its decimals are the token's decimals.
  Amount amount;
  /// Solana Pay only: references, display texts and memo. references and
  /// memo on other chains are an error (dropping them would break matching);
  /// label and message are display-only and left out there.
  std::vector<std::string> references;
  std::optional<std::string> label;
  std::optional<std::string> message;
  std::optional<std::string> memo;
};

/// The QR payload of a payment request:
///   EVM: EIP-681 transfer (or value= for the native coin), amount in base
///        units, chain id always written;
///   Solana: Solana Pay transfer request, amount as Amount::to_string();
///   TRON: the plain address (see build_tron_payment for the amount text).
Result<std::string> build_payment_uri(const PaymentRequest& request);

}  // namespace usd1pay

#endif  // USD1PAY_REQUEST_H
