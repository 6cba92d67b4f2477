// Standard Webhooks signing and verification (include/usd1pay/webhook.h):
// known answers, rotation, tolerance edges, and every error with its code and
// message.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"
#include "usd1pay/webhook.h"

namespace usd1pay {
namespace {

// The example of the Standard Webhooks specification (and of the svix / the
// standardwebhooks libraries' READMEs), re-computed with the openssl CLI:
//   key=$(echo -n MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p -c 256)
//   printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
//     openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -binary | base64
constexpr char kSpecSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kSpecId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kSpecTimestamp = 1614265330;
constexpr char kSpecBody[] = "{\"test\": 2432232314}";
constexpr char kSpecSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// A 100-byte key (longer than SHA-256's 64-byte block, so HMAC hashes it
// first) and an empty body:
//   key=$(python3 -c "print(bytes(range(100)).hex())")
//   printf '%s' 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W.1700000000.' |
//     openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -binary | base64
constexpr char kLongSecret[] =
    "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+"
    "P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiYw==";
constexpr char kLongId[] = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
constexpr char kLongSignature[] = "v1,ljRRYyQhR+zCWkjY/dDqLRmVnhio2uOzkkLoEWLTJtI=";

// A one-byte key given as bare base64 (no "whsec_"), timestamp 0:
//   printf '%s' 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W.0.{"type":"intent.succeeded"}' |
//     openssl dgst -sha256 -mac HMAC -macopt hexkey:01 -binary | base64
constexpr char kOneByteSecret[] = "AQ==";
constexpr char kOneByteBody[] = "{\"type\":\"intent.succeeded\"}";
constexpr char kOneByteSignature[] = "v1,KKqdWLicQ84ZrcVZRZsRWlA8dzD+t2ux+EynPMU7S1w=";

// A second secret for rotation tests (32 bytes 0x20..0x3f).
constexpr char kOtherSecret[] = "whsec_ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

VerifyWebhookParams spec_params() {
  VerifyWebhookParams p;
  p.secrets = {kSpecSecret};
  p.id = kSpecId;
  p.timestamp = "1614265330";
  p.signature = kSpecSignature;
  p.body = kSpecBody;
  p.now = kSpecTimestamp;
  return p;
}

// The status must carry `code` and contain `fragment`; messages all start with
// "webhook: ".
void expect_error(const Status& s, ErrorCode code, const std::string& fragment) {
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_NE(s.message().find(fragment), std::string::npos)
      << "message \"" << s.message() << "\" lacks \"" << fragment << "\"";
  EXPECT_EQ(s.message().rfind("webhook: ", 0), 0U) << s.message();
}

// ---- known answers ----

TEST(WebhookSignatureTest, SpecExampleSignsToTheSpecSignature) {
  auto key = decode_webhook_secret(kSpecSecret);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->size(), 24U);
  EXPECT_EQ(webhook_signature_v1(*key, kSpecId, kSpecTimestamp, kSpecBody), kSpecSignature);

  SignWebhookParams p;
  p.secrets = {kSpecSecret};
  p.id = kSpecId;
  p.timestamp = kSpecTimestamp;
  p.body = kSpecBody;
  auto headers = sign_webhook(p);
  ASSERT_TRUE(headers.ok()) << headers.status().message();
  EXPECT_EQ(headers->id, kSpecId);
  EXPECT_EQ(headers->timestamp, "1614265330");
  EXPECT_EQ(headers->signature, kSpecSignature);
}

TEST(WebhookSignatureTest, SpecExampleVerifies) {
  EXPECT_TRUE(verify_webhook(spec_params()).ok());
}

TEST(WebhookSignatureTest, LongKeyAndEmptyBodyKnownAnswer) {
  auto key = decode_webhook_secret(kLongSecret);
  ASSERT_TRUE(key.ok()) << key.status().message();
  ASSERT_EQ(key->size(), 100U);
  for (std::size_t i = 0; i < key->size(); ++i) EXPECT_EQ((*key)[i], i);
  EXPECT_EQ(webhook_signature_v1(*key, kLongId, 1700000000, ""), kLongSignature);
  VerifyWebhookParams p;
  p.secrets = {kLongSecret};
  p.id = kLongId;
  p.timestamp = "1700000000";
  p.signature = kLongSignature;
  p.body = "";
  p.now = 1700000000;
  EXPECT_TRUE(verify_webhook(p).ok());
}

TEST(WebhookSignatureTest, BareBase64SecretAndTimestampZeroKnownAnswer) {
  auto key = decode_webhook_secret(kOneByteSecret);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(*key, Bytes{0x01});
  EXPECT_EQ(webhook_signature_v1(*key, kLongId, 0, kOneByteBody), kOneByteSignature);
  VerifyWebhookParams p;
  p.secrets = {kOneByteSecret};
  p.id = kLongId;
  p.timestamp = "0";
  p.signature = kOneByteSignature;
  p.body = kOneByteBody;
  p.now = 0;
  EXPECT_TRUE(verify_webhook(p).ok());
  // The same key spelled with the prefix is the same key.
  p.secrets = {std::string("whsec_") + kOneByteSecret};
  EXPECT_TRUE(verify_webhook(p).ok());
}

// The MAC fed in pieces equals the core one-shot HMAC of the joined content,
// for keys around the 64-byte block size and bodies of many lengths.
TEST(WebhookSignatureTest, MatchesCoreHmacForManyKeyAndBodyLengths) {
  std::mt19937_64 rng(5);
  for (std::size_t key_len : {1U, 31U, 32U, 63U, 64U, 65U, 128U, 256U}) {
    for (std::size_t body_len : {0U, 1U, 55U, 56U, 64U, 500U, 4096U}) {
      Bytes key(key_len);
      for (auto& b : key) b = static_cast<std::uint8_t>(rng());
      std::string body(body_len, '\0');
      for (auto& c : body) c = static_cast<char>(rng());
      const std::string id = "msg_" + std::to_string(rng());
      const auto ts = static_cast<std::int64_t>(rng() >> 2);
      const std::string content = id + "." + std::to_string(ts) + "." + body;
      const std::string expected = "v1," + base64_encode(hmac_sha256(key, ByteView::of(content)));
      EXPECT_EQ(webhook_signature_v1(key, id, ts, body), expected) << key_len << " " << body_len;
    }
  }
}

// ---- secrets ----

TEST(WebhookSecretTest, GeneratedSecretsAreWhsecOf32RandomBytes) {
  std::vector<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto secret = generate_webhook_secret();
    ASSERT_TRUE(secret.ok()) << secret.status().message();
    ASSERT_EQ(secret->size(), 6U + 44U) << *secret;
    EXPECT_EQ(secret->substr(0, 6), "whsec_");
    auto key = decode_webhook_secret(*secret);
    ASSERT_TRUE(key.ok()) << key.status().message();
    EXPECT_EQ(key->size(), 32U);
    for (const auto& s : seen) EXPECT_NE(s, *secret);
    seen.push_back(*secret);
  }
}

TEST(WebhookSecretTest, AcceptsOneTo256Bytes) {
  for (std::size_t n : {1U, 2U, 3U, 24U, 32U, 64U, 255U, 256U}) {
    Bytes key(n, 0xA5);
    auto decoded = decode_webhook_secret("whsec_" + base64_encode(key));
    ASSERT_TRUE(decoded.ok()) << n << ": " << decoded.status().message();
    EXPECT_EQ(*decoded, key);
    decoded = decode_webhook_secret(base64_encode(key));
    ASSERT_TRUE(decoded.ok()) << n << ": " << decoded.status().message();
    EXPECT_EQ(*decoded, key);
  }
}

struct BadSecret {
  std::string secret;
  std::string fragment;
};

TEST(WebhookSecretTest, MalformedSecretsNameTheProblemAndPosition) {
  const std::vector<BadSecret> cases = {
      {"", "webhook: secret is empty"},
      {"whsec_", "webhook: secret has nothing after \"whsec_\""},
      {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
       "webhook: secret: bad character byte 0x0a at position 38 (expected base64)"},
      {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS ",
       "webhook: secret: bad character ' ' at position 37"},
      {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS-",
       "webhook: secret: bad character '-' at position 37"},
      {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS_", "bad character '_' at position 37"},
      {"WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "bad character '_' at position 5"},
      {"whsec_whsec_AAAA", "bad character '_' at position 11"},
      {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "base64 of length 31 (from position 6)"},
      {"whsec_AQ", "base64 of length 2 (from position 6) is not a multiple of 4"},
      {"whsec_A===", "is not a multiple of 4 with at most two '=' at the end"},
      {"whsec_AQ=A", "webhook: secret: misplaced base64 padding at position 8"},
      {"whsec_=AAA", "misplaced base64 padding at position 6"},
      {"whsec_AR==", "non-zero unused bits in the base64 character at position 7"},
      {"whsec_AAB=", "non-zero unused bits in the base64 character at position 8"},
      {"AR==", "non-zero unused bits in the base64 character at position 1"},
      {"whsec_" + std::string(348, 'A'),
       "webhook: secret is too long (348 characters of base64, at most 344 for 256 bytes)"},
      {"whsec_" + base64_encode(Bytes(257, 1)), "webhook: secret holds 257 bytes (at most 256)"},
      {"whsec_\xc3\xa9xyz", "bad character byte 0xc3 at position 6"},
  };
  for (const auto& c : cases) {
    auto key = decode_webhook_secret(c.secret);
    ASSERT_FALSE(key.ok()) << c.secret;
    expect_error(key.status(), ErrorCode::kInvalidArgument, c.fragment);
  }
}

TEST(WebhookSecretTest, ErrorsNameTheSecretGivenAndNeverEchoIt) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa!w";
  auto key = decode_webhook_secret(secret, "endpoint we_1 secret");
  ASSERT_FALSE(key.ok());
  expect_error(key.status(), ErrorCode::kInvalidArgument,
               "webhook: endpoint we_1 secret: bad character '!' at position 36");
  EXPECT_EQ(key.status().message().find("MfKQ9r8G"), std::string::npos);
}

// ---- signing ----

TEST(WebhookSignTest, OneSignaturePerSecretInOrder) {
  SignWebhookParams p;
  p.secrets = {kOtherSecret, kSpecSecret};
  p.id = kSpecId;
  p.timestamp = kSpecTimestamp;
  p.body = kSpecBody;
  auto headers = sign_webhook(p);
  ASSERT_TRUE(headers.ok()) << headers.status().message();
  auto other = decode_webhook_secret(kOtherSecret);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(headers->signature, webhook_signature_v1(*other, kSpecId, kSpecTimestamp, kSpecBody) +
                                    " " + kSpecSignature);
}

TEST(WebhookSignTest, BadArgumentsAreRefused) {
  SignWebhookParams p;
  p.id = kSpecId;
  p.timestamp = kSpecTimestamp;
  p.body = kSpecBody;
  expect_error(sign_webhook(p).status(), ErrorCode::kInvalidArgument,
               "webhook: no secrets to sign with");

  p.secrets = {kSpecSecret, "whsec_bad!"};
  expect_error(sign_webhook(p).status(), ErrorCode::kInvalidArgument,
               "webhook: secrets[1]: bad character '!' at position 9");

  p.secrets = {kSpecSecret, ""};
  expect_error(sign_webhook(p).status(), ErrorCode::kInvalidArgument,
               "webhook: secrets[1] is empty");

  p.secrets = {kSpecSecret};
  p.id = "";
  expect_error(sign_webhook(p).status(), ErrorCode::kInvalidArgument,
               "webhook: webhook-id is empty");
  // An id that receivers would refuse is refused when signing too.
  p.id = "msg.1";
  expect_error(sign_webhook(p).status(), ErrorCode::kInvalidArgument,
               "webhook: webhook-id: '.' at position 3 is not allowed");
  p.id = "msg 1";
  expect_error(sign_webhook(p).status(), ErrorCode::kInvalidArgument,
               "webhook: webhook-id: bad character ' ' at position 3");

  p.id = kSpecId;
  p.timestamp = -1;
  expect_error(sign_webhook(p).status(), ErrorCode::kInvalidArgument,
               "webhook: timestamp -1 is negative");
  p.timestamp = 0;
  EXPECT_TRUE(sign_webhook(p).ok());
  p.timestamp = std::numeric_limits<std::int64_t>::max();
  auto headers = sign_webhook(p);
  ASSERT_TRUE(headers.ok());
  EXPECT_EQ(headers->timestamp, "9223372036854775807");
}

TEST(WebhookSignTest, SignedHeadersVerifyWithEachSecret) {
  SignWebhookParams s;
  s.secrets = {kSpecSecret, kOtherSecret};
  s.id = "msg_x";
  s.timestamp = 1700000000;
  s.body = "{\"id\":\"evt_1\"}";
  auto headers = sign_webhook(s);
  ASSERT_TRUE(headers.ok());
  for (const char* secret : {kSpecSecret, kOtherSecret}) {
    VerifyWebhookParams v;
    v.secrets = {secret};
    v.id = headers->id;
    v.timestamp = headers->timestamp;
    v.signature = headers->signature;
    v.body = s.body;
    v.now = 1700000000;
    EXPECT_TRUE(verify_webhook(v).ok()) << secret;
  }
}

// ---- verification: rotation and versions ----

TEST(WebhookVerifyTest, RotationAnyOfSeveralSecretsAndSignatures) {
  auto spec_key = decode_webhook_secret(kSpecSecret);
  auto other_key = decode_webhook_secret(kOtherSecret);
  ASSERT_TRUE(spec_key.ok() && other_key.ok());
  const std::string sig_spec = kSpecSignature;
  const std::string sig_other =
      webhook_signature_v1(*other_key, kSpecId, kSpecTimestamp, kSpecBody);

  auto p = spec_params();
  const std::string both = sig_other + " " + sig_spec;
  p.signature = both;
  // Either secret alone, both, in either order.
  for (const auto& secrets : std::vector<std::vector<std::string>>{{kSpecSecret},
                                                                   {kOtherSecret},
                                                                   {kSpecSecret, kOtherSecret},
                                                                   {kOtherSecret, kSpecSecret}}) {
    p.secrets = secrets;
    EXPECT_TRUE(verify_webhook(p).ok()) << secrets.size();
  }
  // One signature, the receiver holding the old and the new secret.
  p.secrets = {kOtherSecret, kSpecSecret};
  p.signature = sig_spec;
  EXPECT_TRUE(verify_webhook(p).ok());
  p.signature = sig_other;
  EXPECT_TRUE(verify_webhook(p).ok());
  // A secret that signed neither.
  const std::string unrelated = "whsec_" + base64_encode(Bytes(32, 7));
  p.secrets = {unrelated};
  p.signature = both;
  expect_error(verify_webhook(p), ErrorCode::kChecksumMismatch,
               "webhook: no v1 signature in webhook-signature matches (2 signatures checked "
               "against 1 secret)");
  p.secrets = {unrelated, unrelated};
  p.signature = sig_spec;
  expect_error(verify_webhook(p), ErrorCode::kChecksumMismatch,
               "(1 signature checked against 2 secrets)");
}

TEST(WebhookVerifyTest, OtherVersionsAreSkipped) {
  auto p = spec_params();
  const std::string header = std::string("v1a,bm90IGFuIGVkMjU1MTkgc2lnbmF0dXJl v2,x ") +
                             kSpecSignature + " v1b,whatever-is=here";
  p.signature = header;
  EXPECT_TRUE(verify_webhook(p).ok());

  // Only other versions: no v1 to check.
  p.signature = "v1a,bm90IGFuIGVkMjU1MTkgc2lnbmF0dXJl v2,x";
  expect_error(verify_webhook(p), ErrorCode::kChecksumMismatch,
               "webhook: webhook-signature has no v1 signature (2 entries of other versions)");

  // The right MAC under another version label does not count.
  p.signature = "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  expect_error(verify_webhook(p), ErrorCode::kChecksumMismatch, "has no v1 signature");
  p.signature = "V1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  expect_error(verify_webhook(p), ErrorCode::kChecksumMismatch, "has no v1 signature");
}

// ---- verification: tampering ----

TEST(WebhookVerifyTest, TamperedContentIsAMismatch) {
  const std::string body = kSpecBody;
  std::vector<std::string> bodies = {"", body + " ", body.substr(1), "{\"test\": 2432232315}",
                                     "{\"test\":  2432232314}"};
  for (const auto& b : bodies) {
    auto p = spec_params();
    p.body = b;
    expect_error(verify_webhook(p), ErrorCode::kChecksumMismatch, "no v1 signature");
  }
  // Every single-bit flip of the body.
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string b = body;
      b[i] = static_cast<char>(b[i] ^ (1 << bit));
      auto p = spec_params();
      p.body = b;
      EXPECT_EQ(verify_webhook(p).code(), ErrorCode::kChecksumMismatch) << i << " " << bit;
    }
  }
  auto p = spec_params();
  p.id = "msg_p5jXN8AQM9LWM0D4loKWxJel";
  expect_error(verify_webhook(p), ErrorCode::kChecksumMismatch, "no v1 signature");
  p = spec_params();
  p.timestamp = "1614265331";
  expect_error(verify_webhook(p), ErrorCode::kChecksumMismatch, "no v1 signature");
  // Every single-bit flip of the MAC that still spells canonical base64.
  const std::string sig = kSpecSignature;
  int checked = 0;
  for (std::size_t i = 3; i < sig.size(); ++i) {
    for (const char* c = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"; *c;
         ++c) {
      if (*c == sig[i]) continue;
      std::string forged = sig;
      forged[i] = *c;
      p = spec_params();
      p.signature = forged;
      const Status s = verify_webhook(p);
      if (s.code() == ErrorCode::kInvalidArgument) continue;  // unused bits set
      EXPECT_EQ(s.code(), ErrorCode::kChecksumMismatch) << forged;
      ++checked;
    }
  }
  EXPECT_GT(checked, 40 * 60);
}

// Moving bytes between the fields of "id.timestamp.body" keeps the signed
// content the same; the '.' rule for ids refuses the forgery.
TEST(WebhookVerifyTest, FieldBoundaryShiftIsRefused) {
  auto key = decode_webhook_secret(kSpecSecret);
  ASSERT_TRUE(key.ok());
  // Signed: id "msg_a", timestamp 1700000000, body "5.{}".
  const std::string sig = webhook_signature_v1(*key, "msg_a", 1700000000, "5.{}");
  VerifyWebhookParams p;
  p.secrets = {kSpecSecret};
  p.signature = sig;
  p.now = 1700000000;
  p.id = "msg_a";
  p.timestamp = "1700000000";
  p.body = "5.{}";
  ASSERT_TRUE(verify_webhook(p).ok());
  // Same content "msg_a.1700000000.5.{}" read as id "msg_a.1700000000",
  // timestamp 5 is refused for the id before anything else.
  p.id = "msg_a.1700000000";
  p.timestamp = "5";
  p.body = "{}";
  expect_error(verify_webhook(p), ErrorCode::kInvalidArgument,
               "webhook: webhook-id: '.' at position 5 is not allowed (it separates the signed "
               "fields)");
}

// ---- verification: timestamps ----

TEST(WebhookVerifyTest, ToleranceEdges) {
  auto p = spec_params();
  p.now = kSpecTimestamp + 300;  // exactly 300 s old
  EXPECT_TRUE(verify_webhook(p).ok());
  p.now = kSpecTimestamp + 301;
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange,
               "webhook: webhook-timestamp is 301 seconds in the past (tolerance 300 seconds)");
  p.now = kSpecTimestamp - 300;  // 300 s in the future
  EXPECT_TRUE(verify_webhook(p).ok());
  p.now = kSpecTimestamp - 301;
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange,
               "webhook: webhook-timestamp is 301 seconds in the future (tolerance 300 seconds)");
  p.now = kSpecTimestamp + 86400;
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange, "86400 seconds in the past");

  p.tolerance_seconds = 0;
  p.now = kSpecTimestamp;
  EXPECT_TRUE(verify_webhook(p).ok());
  p.now = kSpecTimestamp + 1;
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange,
               "1 second in the past (tolerance 0 seconds)");
  p.now = kSpecTimestamp - 1;
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange, "1 second in the future");

  p.tolerance_seconds = 3600;
  p.now = kSpecTimestamp + 3600;
  EXPECT_TRUE(verify_webhook(p).ok());
  p.now = kSpecTimestamp + 3601;
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange, "(tolerance 3600 seconds)");

  p.tolerance_seconds = -1;
  p.now = kSpecTimestamp;
  expect_error(verify_webhook(p), ErrorCode::kInvalidArgument,
               "webhook: tolerance_seconds -1 is negative");
}

// The timestamp is checked before the signature: a stale message is reported
// as stale whatever its signature.
TEST(WebhookVerifyTest, StaleIsReportedBeforeMismatch) {
  auto p = spec_params();
  p.body = "tampered";
  p.now = kSpecTimestamp + 1000;
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange, "1000 seconds in the past");
}

TEST(WebhookVerifyTest, ExtremeTimestampsAndClocksDoNotOverflow) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  auto p = spec_params();
  p.timestamp = "9223372036854775807";
  p.now = kMin;
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange,
               "webhook: webhook-timestamp is 18446744073709551615 seconds in the future");
  p.timestamp = "0";
  p.now = kMax;
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange,
               "9223372036854775807 seconds in the past");
  p.timestamp = "9223372036854775808";  // INT64_MAX + 1
  p.now = kSpecTimestamp;
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange,
               "webhook: webhook-timestamp 9223372036854775808 is too far in the future");
  p.timestamp = "99999999999999999999";  // 20 digits, above UINT64_MAX
  expect_error(verify_webhook(p), ErrorCode::kOutOfRange,
               "webhook-timestamp 99999999999999999999 is too far in the future (tolerance 300 "
               "seconds)");
  // The largest timestamp verifies when the clock agrees and it was signed.
  auto key = decode_webhook_secret(kSpecSecret);
  ASSERT_TRUE(key.ok());
  const std::string sig = webhook_signature_v1(*key, kSpecId, kMax, kSpecBody);
  p.signature = sig;
  p.timestamp = "9223372036854775807";
  p.now = kMax;
  EXPECT_TRUE(verify_webhook(p).ok());
  p.tolerance_seconds = kMax;
  p.now = 0;
  EXPECT_TRUE(verify_webhook(p).ok());
}

// ---- verification: malformed headers ----

struct BadHeader {
  std::string id;
  std::string timestamp;
  std::string signature;
  std::string fragment;
};

TEST(WebhookVerifyTest, MalformedHeadersAreInvalidArgumentsWithPositions) {
  const std::string ok_id = kSpecId;
  const std::string ok_ts = "1614265330";
  const std::string ok_sig = kSpecSignature;
  const std::string mac = ok_sig.substr(3);
  const std::vector<BadHeader> cases = {
      // webhook-id
      {"", ok_ts, ok_sig, "webhook: webhook-id is empty"},
      {std::string(257, 'a'), ok_ts, ok_sig,
       "webhook: webhook-id is too long (257 bytes, at most 256)"},
      {"msg_1\n", ok_ts, ok_sig,
       "webhook: webhook-id: bad character byte 0x0a at position 5 (expected visible ASCII)"},
      {"msg 1", ok_ts, ok_sig, "webhook-id: bad character ' ' at position 3"},
      {" msg", ok_ts, ok_sig, "webhook-id: bad character ' ' at position 0"},
      {std::string("ms\0g", 4), ok_ts, ok_sig, "webhook-id: bad character byte 0x00 at position 2"},
      {"msg_\x7f", ok_ts, ok_sig, "webhook-id: bad character byte 0x7f at position 4"},
      {"msg_\xc3\xa9", ok_ts, ok_sig, "webhook-id: bad character byte 0xc3 at position 4"},
      {"a.b", ok_ts, ok_sig, "webhook-id: '.' at position 1 is not allowed"},
      {".", ok_ts, ok_sig, "webhook-id: '.' at position 0 is not allowed"},
      // webhook-timestamp
      {ok_id, "", ok_sig, "webhook: webhook-timestamp is empty"},
      {ok_id, "-1614265330", ok_sig,
       "webhook: webhook-timestamp: bad character '-' at position 0 (expected Unix seconds as "
       "decimal digits)"},
      {ok_id, "+1614265330", ok_sig, "webhook-timestamp: bad character '+' at position 0"},
      {ok_id, "1614265330.5", ok_sig, "webhook-timestamp: bad character '.' at position 10"},
      {ok_id, " 1614265330", ok_sig, "webhook-timestamp: bad character ' ' at position 0"},
      {ok_id, "1614265330 ", ok_sig, "webhook-timestamp: bad character ' ' at position 10"},
      {ok_id, "1614265330abc", ok_sig, "webhook-timestamp: bad character 'a' at position 10"},
      {ok_id, "0x60380f72", ok_sig, "webhook-timestamp: bad character 'x' at position 1"},
      {ok_id, "1.6e9", ok_sig, "webhook-timestamp: bad character '.' at position 1"},
      {ok_id, "01614265330", ok_sig, "webhook: webhook-timestamp: leading zero at position 0"},
      {ok_id, "00", ok_sig, "webhook-timestamp: leading zero at position 0"},
      {ok_id, "\xd9\xa1", ok_sig, "webhook-timestamp: bad character byte 0xd9 at position 0"},
      {ok_id, std::string(21, '1'), ok_sig,
       "webhook: webhook-timestamp is too long (21 characters, at most 20 digits)"},
      // webhook-signature
      {ok_id, ok_ts, "", "webhook: webhook-signature is empty"},
      {ok_id, ok_ts, " " + ok_sig,
       "webhook: webhook-signature: empty entry at position 0 (entries are separated by single "
       "spaces)"},
      {ok_id, ok_ts, ok_sig + " ", "webhook-signature: empty entry at position 48"},
      {ok_id, ok_ts, ok_sig + "  " + ok_sig, "webhook-signature: empty entry at position 48"},
      {ok_id, ok_ts, mac,
       "webhook: webhook-signature: the entry at position 0 has no ',' (expected "
       "\"<version>,<signature>\")"},
      {ok_id, ok_ts, ok_sig + " v1", "webhook-signature: the entry at position 48 has no ','"},
      {ok_id, ok_ts, "," + mac, "webhook-signature: the entry at position 0 has no version"},
      {ok_id, ok_ts, "v1,", "webhook-signature: the entry at position 0 has no signature after"},
      {ok_id, ok_ts, "v1a, " + ok_sig, "the entry at position 0 has no signature after ','"},
      {ok_id, ok_ts, "v_1," + mac,
       "webhook-signature: bad character '_' at position 1 (expected a version like v1)"},
      {ok_id, ok_ts, "v1\t," + mac, "bad character byte 0x09 at position 2"},
      {ok_id, ok_ts, "v12345678901234567," + mac,
       "webhook-signature: the version at position 0 is too long (18 characters, at most 16)"},
      {ok_id, ok_ts, "v1," + mac.substr(0, 43),
       "webhook-signature: base64 of length 43 (from position 3) is not a multiple of 4"},
      {ok_id, ok_ts, "v1," + mac.substr(0, 42) + "F=",
       "webhook-signature: non-zero unused bits in the base64 character at position 45 (not the "
       "canonical spelling)"},
      {ok_id, ok_ts, "v1," + mac.substr(0, 43) + "A",
       "webhook-signature: the v1 signature at position 3 decodes to 33 bytes, not 32 "
       "(HMAC-SHA256)"},
      {ok_id, ok_ts, "v1," + mac.substr(0, 40) + "AAAAAAAA",
       "the v1 signature at position 3 decodes to 36 bytes"},
      {ok_id, ok_ts, "v1," + mac + "AAAA",
       "webhook-signature: misplaced base64 padding at position 46"},
      {ok_id, ok_ts, "v1,AAAA", "the v1 signature at position 3 decodes to 3 bytes"},
      {ok_id, ok_ts, "v1," + mac.substr(0, 10) + "-" + mac.substr(11),
       "webhook-signature: bad character '-' at position 13 (expected base64)"},
      {ok_id, ok_ts, "v1," + mac.substr(0, 10) + "_" + mac.substr(11),
       "bad character '_' at position 13"},
      {ok_id, ok_ts, "v1," + mac.substr(0, 10) + "=" + mac.substr(11),
       "webhook-signature: misplaced base64 padding at position 13"},
      {ok_id, ok_ts, "v1," + mac + ",extra", "bad character ',' at position 47"},
      {ok_id, ok_ts, ok_sig + " v1a,abc\x01", "bad character byte 0x01 at position 55"},
      {ok_id, ok_ts, ok_sig + "\n", "bad character byte 0x0a at position 47"},
      {ok_id, ok_ts, std::string(8193, 'v'),
       "webhook: webhook-signature is too long (8193 bytes, at most 8192)"},
  };
  for (const auto& c : cases) {
    auto p = spec_params();
    p.id = c.id;
    p.timestamp = c.timestamp;
    p.signature = c.signature;
    expect_error(verify_webhook(p), ErrorCode::kInvalidArgument, c.fragment);
  }
}

// A malformed entry is an error even when another entry matches: the sender
// is broken and should hear so.
TEST(WebhookVerifyTest, MalformedEntryBesideAGoodOneIsStillAnError) {
  auto p = spec_params();
  const std::string header = std::string(kSpecSignature) + " v1,AAAA";
  p.signature = header;
  expect_error(verify_webhook(p), ErrorCode::kInvalidArgument,
               "the v1 signature at position 51 decodes to 3 bytes");
}

TEST(WebhookVerifyTest, IdsTheLibrariesSendAreAccepted) {
  auto key = decode_webhook_secret(kSpecSecret);
  ASSERT_TRUE(key.ok());
  for (const std::string& id : std::vector<std::string>{
           "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "a", "3f2b8c1e-4d5a-4e6f-9a0b-1c2d3e4f5a6b",
           "evt-123_456", "!\"#$%&'()*+,/:;<=>?@[\\]^_`{|}~", std::string(256, 'z')}) {
    const std::string sig = webhook_signature_v1(*key, id, kSpecTimestamp, kSpecBody);
    auto p = spec_params();
    p.id = id;
    p.signature = sig;
    EXPECT_TRUE(verify_webhook(p).ok()) << id;
  }
}

TEST(WebhookVerifyTest, SecretsAreCheckedFirstAndNamed) {
  auto p = spec_params();
  p.secrets = {};
  expect_error(verify_webhook(p), ErrorCode::kInvalidArgument,
               "webhook: no secrets to verify with");
  p.secrets = {kSpecSecret, kOtherSecret, "whsec_AAA"};
  p.id = "";  // also bad, but the secrets come first
  expect_error(verify_webhook(p), ErrorCode::kInvalidArgument,
               "webhook: secrets[2]: base64 of length 3 (from position 6)");
  p.secrets = {"", kSpecSecret};
  expect_error(verify_webhook(p), ErrorCode::kInvalidArgument, "webhook: secrets[0] is empty");
}

TEST(WebhookVerifyTest, ErrorOrderIsIdThenTimestampThenSignature) {
  auto p = spec_params();
  p.id = "";
  p.timestamp = "x";
  p.signature = "";
  expect_error(verify_webhook(p), ErrorCode::kInvalidArgument, "webhook-id is empty");
  p.id = kSpecId;
  expect_error(verify_webhook(p), ErrorCode::kInvalidArgument, "webhook-timestamp: bad");
  p.timestamp = "1614265330";
  expect_error(verify_webhook(p), ErrorCode::kInvalidArgument, "webhook-signature is empty");
  // Malformed headers come before the tolerance check.
  p.now = 0;
  expect_error(verify_webhook(p), ErrorCode::kInvalidArgument, "webhook-signature is empty");
}

TEST(WebhookVerifyTest, BinaryBodiesAreSignedByteForByte) {
  auto key = decode_webhook_secret(kSpecSecret);
  ASSERT_TRUE(key.ok());
  const std::string body("\x00\xff\r\n{\"a\":1}\x00", 12);
  const std::string sig = webhook_signature_v1(*key, kSpecId, kSpecTimestamp, body);
  auto p = spec_params();
  p.signature = sig;
  p.body = body;
  EXPECT_TRUE(verify_webhook(p).ok());
  const std::string shorter = body.substr(0, 11);
  p.body = shorter;
  EXPECT_EQ(verify_webhook(p).code(), ErrorCode::kChecksumMismatch);
}

}  // namespace
}  // namespace usd1pay
