// usd1pay: webhook signatures by the Standard Webhooks specification.
//
// A signed webhook carries three headers:
//   webhook-id         the message id ("msg_..."), the same on every retry;
//   webhook-timestamp  Unix seconds, as decimal digits, when it was sent;
//   webhook-signature  "v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>",
//                      several separated by single spaces while a secret is
//                      being rotated (one per secret).
// A secret is "whsec_" + base64 of its key bytes (usd1pay makes 32 random
// bytes from the CSPRNG); the key is the decoded bytes. Receivers can check
// these with the Standard Webhooks library of their own language, or with
// verify_webhook() here (and, later, the C ABI).
//
// Verification order and errors (every message starts with "webhook: " and
// names the header or secret at fault; positions are 0-based byte offsets in
// the value as given; a secret is never echoed):
//   - no secrets, or a secret that is not "whsec_" + canonical base64 of
//     1..256 bytes (a bare base64 secret, as the libraries accept, is accepted
//     too): kInvalidArgument naming which secret ("secrets[1]") and where;
//   - tolerance_seconds < 0: kInvalidArgument;
//   - a malformed header, kInvalidArgument naming the header and the position:
//       webhook-id         1..256 bytes of visible ASCII (0x21..0x7E) except
//                          '.'. The Standard Webhooks libraries take any
//                          string; this refuses only what no sender needs and
//                          what is unsafe: empty, huge, control bytes, spaces,
//                          non-ASCII, and '.', which separates the signed
//                          fields (with '.' allowed, one signed content
//                          "a.1.2.x" reads as several id/timestamp/body
//                          triples). usd1pay sends "msg_" + 24 base62.
//       webhook-timestamp  1..20 decimal digits, no sign, no leading zero;
//       webhook-signature  "<version>,<value>" entries separated by single
//                          spaces (at most 8192 bytes): version 1..16 ASCII
//                          letters or digits, a v1 value the canonical base64
//                          of 32 bytes, other versions' values visible ASCII.
//                          A malformed entry is an error even beside a good
//                          one. HTTP libraries trim the spaces around header
//                          values; pass the values as trimmed;
//   - a timestamp further than `tolerance_seconds` from now, in the past or
//     the future: kOutOfRange saying how far and which way ("webhook:
//     webhook-timestamp is 301 seconds in the past (tolerance 300 seconds)");
//     exactly `tolerance_seconds` away still passes;
//   - no "v1" signature matching any secret: kChecksumMismatch. Entries of
//     other versions ("v1a", ...) are skipped, not errors.
// Comparisons are constant-time and none is cut short: every v1 entry is
// compared with the MAC of every secret, so the time taken depends on the
// counts only, not on which secret matched or on how many leading bytes of a
// forged signature are right.
//
// THREAD SAFETY: pure functions; call from any thread.
#ifndef USD1PAY_WEBHOOK_H
#define USD1PAY_WEBHOOK_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/encoding.h"
#include "usd1pay/status.h"

namespace usd1pay {

inline constexpr std::string_view kWebhookSecretPrefix = "whsec_";
inline constexpr std::string_view kWebhookMessageIdPrefix = "msg_";
/// Standard Webhooks' recommended replay window.
inline constexpr std::int64_t kDefaultWebhookToleranceSeconds = 300;

/// A new secret: "whsec_" + base64 of 32 bytes from the CSPRNG. kInternal
/// only when the CSPRNG fails.
Result<std::string> generate_webhook_secret();

/// The key bytes of a secret ("whsec_<base64>", or bare base64). Errors as
/// described at the top, naming `what` ("secret" by default).
Result<std::vector<std::uint8_t>> decode_webhook_secret(std::string_view secret,
                                                        std::string_view what = "secret");

/// "v1," + base64(HMAC-SHA256(key, id.timestamp.body)).
std::string webhook_signature_v1(ByteView key, std::string_view id, std::int64_t timestamp,
                                 std::string_view body);

struct SignWebhookParams {
  /// One or more secrets; one signature each, in this order.
  std::vector<std::string> secrets;
  std::string id;              ///< the webhook-id
  std::int64_t timestamp = 0;  ///< Unix seconds
  std::string_view body;       ///< the exact bytes sent
};

/// The three header values, ready to send.
struct WebhookHeaders {
  std::string id;
  std::string timestamp;
  std::string signature;
};

/// kInvalidArgument for no secrets, a bad secret (naming "secrets[i]"), an id
/// that verify_webhook would refuse (empty, '.', ...) or a negative
/// timestamp.
Result<WebhookHeaders> sign_webhook(const SignWebhookParams& p);

struct VerifyWebhookParams {
  /// Any one of them may have signed (rotation). At least one.
  std::vector<std::string> secrets;
  std::string_view id;         ///< webhook-id header value
  std::string_view timestamp;  ///< webhook-timestamp header value
  std::string_view signature;  ///< webhook-signature header value
  std::string_view body;       ///< the raw body, byte for byte as received
  std::int64_t now = 0;        ///< Unix seconds (the receiver's clock)
  std::int64_t tolerance_seconds = kDefaultWebhookToleranceSeconds;  ///< >= 0
};

/// OK when a v1 signature matches one of the secrets and the timestamp is
/// within the tolerance; errors as described at the top of this header.
Status verify_webhook(const VerifyWebhookParams& p);

}  // namespace usd1pay

#endif  // USD1PAY_WEBHOOK_H
