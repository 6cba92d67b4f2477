// usd1pay: typed random identifiers and the CSPRNG.
//
// An id is a type prefix followed by a random body: "pi_" + 24 characters of
// base62 ([0-9A-Za-z]), e.g. "pi_3kF9wQ0aZ7bXy1LmN4oP2rSt". 24 base62
// characters carry 24 * log2(62) ~ 142.9 bits of entropy, so ids are
// unguessable and collisions are negligible without any coordination. The
// body comes from OpenSSL's CSPRNG (RAND_bytes) with rejection sampling, so
// every character is uniform (no modulo bias).
//
// A prefix is 1 to 8 lowercase ASCII letters followed by '_'. The prefixes in
// use are the constants below.
//
// THREAD SAFETY: all functions may be called from any number of threads at
// once (OpenSSL 3's default RAND is thread safe).
#ifndef USD1PAY_ID_H
#define USD1PAY_ID_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "usd1pay/status.h"

namespace usd1pay {

/// Prefixes of the id types.
inline constexpr std::string_view kIntentIdPrefix = "pi_";
inline constexpr std::string_view kEventIdPrefix = "evt_";
inline constexpr std::string_view kPaymentIdPrefix = "py_";
inline constexpr std::string_view kWebhookEndpointIdPrefix = "we_";

/// The number of base62 characters after the prefix.
inline constexpr std::size_t kIdBodyLength = 24;

/// The first kIdTimeLength characters of an id's body are the milliseconds
/// since the Unix epoch when it was made, in base62 (digits, then upper
/// case, then lower case, so byte order is time order; good until the year
/// 8888); the other kIdBodyLength - kIdTimeLength are random (about 95 bits).
/// Ids made close together in time therefore sort close together, so that a
/// store's indexes keyed by them take new rows on a few pages instead of on
/// a random page each (KSUID / UUIDv7 style). Ids are still unguessable, and
/// unique whatever the clock does; only their order follows the clock.
inline constexpr std::size_t kIdTimeLength = 8;

/// Fills out[0, n) with bytes from the CSPRNG. kInternal when the CSPRNG
/// fails (not seeded, entropy source unavailable); out is then unspecified.
/// @param[out] out  at least n bytes; may be null only when n == 0.
Status random_bytes(std::uint8_t* out, std::size_t n);

/// A new id: `prefix` + kIdBodyLength base62 characters, the time now
/// (system clock) then random ones (see kIdTimeLength).
/// kInvalidArgument when the prefix is not 1-8 lowercase letters and '_';
/// kInternal when the CSPRNG fails.
Result<std::string> try_new_id(std::string_view prefix);

/// As try_new_id, stamped with `unix_ms` (clamped to [0, 62^8 - 1]) instead
/// of the time now: for tests and tools.
Result<std::string> try_new_id_at(std::string_view prefix, std::int64_t unix_ms);

/// The time stamped in an id made by try_new_id (milliseconds since the Unix
/// epoch). kInvalidArgument as validate_id when `id` is not `expected_prefix`
/// followed by kIdBodyLength base62 characters. Ids made before the time
/// stamp (fully random bodies) decode to a meaningless time.
Result<std::int64_t> id_time_ms(std::string_view id, std::string_view expected_prefix);

/// As try_new_id, for callers that cannot continue without an id.
/// Precondition: `prefix` is valid (one of the constants above). If the CSPRNG
/// fails, or the prefix is invalid, this terminates the process (std::abort)
/// after writing the reason to stderr: handing out a predictable or malformed
/// id would be worse than stopping.
std::string new_id(std::string_view prefix);

/// Checks that `id` is `expected_prefix` followed by kIdBodyLength base62
/// characters. kInvalidArgument naming what is wrong: the prefix (with the one
/// seen), a bad character and its 0-based position in `id`, or the length.
Status validate_id(std::string_view id, std::string_view expected_prefix);

}  // namespace usd1pay

#endif  // USD1PAY_ID_H
