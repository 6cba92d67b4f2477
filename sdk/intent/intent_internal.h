// Private helpers of the intent module: input validation, the canonical
// request hash, amounts at par and time conversions. Declared here so that
// unit tests can reach them; not part of the public API.
#ifndef USD1PAY_SDK_INTENT_INTENT_INTERNAL_H
#define USD1PAY_SDK_INTENT_INTENT_INTERNAL_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "usd1pay/amount.h"
#include "usd1pay/clock.h"
#include "usd1pay/status.h"

namespace usd1pay::intent_internal {

/// Unix milliseconds, rounded towards the past.
std::int64_t to_ms(TimePoint t) noexcept;
TimePoint from_ms(std::int64_t ms) noexcept;

/// 1..kMaxOrderIdBytes bytes of valid UTF-8 without ASCII control characters.
Status validate_order_id(std::string_view order_id);
/// 1..kMaxIdempotencyKeyBytes bytes of printable ASCII (0x21..0x7e).
Status validate_idempotency_key(std::string_view key);
/// 1..kMaxActorBytes of [A-Za-z0-9._:@-] (the rule of config.actor).
Status validate_actor(std::string_view actor);

/// The fiat amount: an exact decimal with at most 2 places, above zero.
/// Errors carry amount.h's message after "intent: ".
Result<Amount> parse_fiat_amount(std::string_view text);

/// The token amount at par (1 token = 1 USD): `usd` rescaled exactly to the
/// token's decimals. kOutOfRange when it cannot be written exactly (a token
/// with fewer than 2 decimals and cents that do not fit) or overflows.
Result<Amount> amount_at_par(const Amount& usd, unsigned token_decimals,
                             std::string_view token_symbol);

/// Validates metadata and returns its canonical form: compact JSON, object
/// keys sorted, no insignificant whitespace. Refuses anything but an object,
/// invalid JSON (naming the byte), duplicate keys, nesting deeper than 32,
/// and a canonical form longer than max_bytes (kOutOfRange). An empty object
/// is always accepted.
Result<std::string> canonical_metadata(std::string_view text, std::size_t max_bytes);

/// What identifies a creation request for idempotency (everything but the
/// key itself, the actor and the time), after defaults are applied.
struct RequestFingerprint {
  std::string order_id;
  std::string amount;  ///< normal form, 2 decimals ("25.00")
  std::string chain;   ///< CAIP-2
  std::string token;   ///< symbol
  std::int64_t expires_in_seconds = 0;
  std::string metadata_json;  ///< canonical
};

/// Hex SHA-256 of a canonical JSON array of the fingerprint's fields, with a
/// version tag first so that a future change of the fields cannot collide.
std::string request_hash(const RequestFingerprint& fp);

}  // namespace usd1pay::intent_internal

#endif  // USD1PAY_SDK_INTENT_INTENT_INTERNAL_H
