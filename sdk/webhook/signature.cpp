// Standard Webhooks signatures (include/usd1pay/webhook.h): "v1," + base64 of
// HMAC-SHA256(key, id "." timestamp "." body).
//
// The MAC is computed with OpenSSL's EVP_MAC: the HMAC algorithm is fetched
// once per process and each thread keeps one MAC context, so a signature costs
// the key set-up and the hashing only, and the signed content is fed in its
// three pieces instead of being copied into one string first.
//
// Header grammar (what verify_webhook accepts):
//   webhook-id         1..256 bytes of visible ASCII (0x21..0x7E) except '.':
//                      the content signed is "id.timestamp.body", and an id
//                      without '.' makes that split unambiguous (no signed
//                      content can be read as a different id/timestamp/body);
//   webhook-timestamp  1..20 decimal digits, no sign, no leading zero (so the
//                      text is exactly the number the sender signed);
//   webhook-signature  entries "<version>,<value>" separated by single spaces;
//                      version 1..16 ASCII letters/digits; a "v1" value is the
//                      canonical base64 of 32 bytes (44 characters); values of
//                      other versions are 1 or more visible ASCII characters
//                      and are skipped; at most 8 KiB in all.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "usd1pay/hash.h"
#include "usd1pay/id.h"
#include "usd1pay/webhook.h"

namespace usd1pay {
namespace {

constexpr std::size_t kSecretKeyBytes = 32;      // what generate_webhook_secret makes
constexpr std::size_t kMaxSecretKeyBytes = 256;  // what a secret may hold
constexpr std::size_t kMaxSecretBase64 = (kMaxSecretKeyBytes + 2) / 3 * 4;  // 344
constexpr std::size_t kMaxIdLength = 256;
constexpr std::size_t kMaxTimestampDigits = 20;
constexpr std::size_t kMaxSignatureHeader = 8192;
constexpr std::size_t kMaxVersionLength = 16;
constexpr std::size_t kMacBytes = 32;

[[noreturn]] void openssl_failed(const char* what) noexcept {
  std::fprintf(stderr, "usd1pay: OpenSSL %s failed\n", what);
  std::abort();
}

EVP_MAC* hmac_algorithm() noexcept {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) openssl_failed("EVP_MAC_fetch(HMAC)");
  return mac;
}

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};

// One HMAC-SHA256 context per thread, told its digest once; EVP_MAC_init then
// only sets the key.
EVP_MAC_CTX* thread_mac_ctx() noexcept {
  thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx;
  if (!ctx) {
    ctx.reset(EVP_MAC_CTX_new(hmac_algorithm()));
    if (!ctx) openssl_failed("EVP_MAC_CTX_new");
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(ctx.get(), params) != 1) openssl_failed("EVP_MAC_CTX_set_params");
  }
  return ctx.get();
}

void mac_update(EVP_MAC_CTX* ctx, std::string_view piece) noexcept {
  if (piece.empty()) return;
  if (EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(piece.data()), piece.size()) !=
      1) {
    openssl_failed("EVP_MAC_update");
  }
}

// HMAC-SHA256(key, id "." timestamp "." body).
Hash256 signed_content_mac(ByteView key, std::string_view id, std::string_view timestamp,
                           std::string_view body) noexcept {
  EVP_MAC_CTX* ctx = thread_mac_ctx();
  // A null key means "keep the previous key" to EVP_MAC_init; an empty key is
  // a valid HMAC key (never one of ours, but webhook_signature_v1 takes any).
  static const unsigned char kEmpty = 0;
  if (EVP_MAC_init(ctx, key.empty() ? &kEmpty : key.data(), key.size(), nullptr) != 1) {
    openssl_failed("EVP_MAC_init");
  }
  mac_update(ctx, id);
  mac_update(ctx, ".");
  mac_update(ctx, timestamp);
  mac_update(ctx, ".");
  mac_update(ctx, body);
  Hash256 out{};
  std::size_t len = 0;
  if (EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1 || len != out.size()) {
    openssl_failed("EVP_MAC_final");
  }
  return out;
}

Status invalid(std::string message) {
  return Status(ErrorCode::kInvalidArgument, "webhook: " + std::move(message));
}

int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Checks that text[from, to) is canonical padded base64 (what base64_decode
// accepts), with positions counted in the whole `text`. `subject` starts the
// message ("secrets[0]", "webhook-signature").
Status check_base64(std::string_view subject, std::string_view text, std::size_t from,
                    std::size_t to) {
  const std::string who(subject);
  for (std::size_t i = from; i < to; ++i) {
    if (base64_value(text[i]) < 0 && text[i] != '=') {
      return invalid(who + ": bad character " + quote_char(text[i]) + " at position " +
                     std::to_string(i) + " (expected base64)");
    }
  }
  std::size_t pad = 0;
  while (pad < to - from && text[to - 1 - pad] == '=') ++pad;
  for (std::size_t i = from; i < to - pad; ++i) {
    if (text[i] == '=') {
      return invalid(who + ": misplaced base64 padding at position " + std::to_string(i));
    }
  }
  const std::size_t n = to - from;
  if (n % 4 != 0 || pad > 2) {
    return invalid(who + ": base64 of length " + std::to_string(n) + " (from position " +
                   std::to_string(from) +
                   ") is not a multiple of 4 with at most two '=' at the end");
  }
  if (pad > 0) {
    // The last data character carries 2 (one '=') or 4 (two '=') unused low
    // bits, zero in the one canonical spelling.
    const std::size_t last = to - pad - 1;
    const int unused_mask = pad == 1 ? 0x3 : 0xF;
    if ((base64_value(text[last]) & unused_mask) != 0) {
      return invalid(who + ": non-zero unused bits in the base64 character at position " +
                     std::to_string(last) + " (not the canonical spelling)");
    }
  }
  return Status();
}

bool is_visible_ascii(char c) noexcept {
  return c >= 0x21 && c <= 0x7E;
}

bool is_alnum_ascii(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

Status check_id(std::string_view id) {
  if (id.empty()) return invalid("webhook-id is empty");
  if (id.size() > kMaxIdLength) {
    return invalid("webhook-id is too long (" + std::to_string(id.size()) + " bytes, at most " +
                   std::to_string(kMaxIdLength) + ")");
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (id[i] == '.') {
      return invalid("webhook-id: '.' at position " + std::to_string(i) +
                     " is not allowed (it separates the signed fields)");
    }
    if (!is_visible_ascii(id[i])) {
      return invalid("webhook-id: bad character " + quote_char(id[i]) + " at position " +
                     std::to_string(i) + " (expected visible ASCII)");
    }
  }
  return Status();
}

// A webhook-timestamp's value; one above INT64_MAX (20 digits allow up to
// 10^20 - 1) sets `overflow` instead.
struct ParsedTimestamp {
  std::int64_t value = 0;
  bool overflow = false;
};

Result<ParsedTimestamp> parse_timestamp(std::string_view text) {
  if (text.empty()) return invalid("webhook-timestamp is empty");
  if (text.size() > kMaxTimestampDigits) {
    return invalid("webhook-timestamp is too long (" + std::to_string(text.size()) +
                   " characters, at most " + std::to_string(kMaxTimestampDigits) + " digits)");
  }
  ParsedTimestamp out;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') {
      return invalid("webhook-timestamp: bad character " + quote_char(c) + " at position " +
                     std::to_string(i) + " (expected Unix seconds as decimal digits)");
    }
  }
  if (text[0] == '0' && text.size() > 1) {
    return invalid("webhook-timestamp: leading zero at position 0");
  }
  for (const char c : text) {
    const int digit = c - '0';
    if (!out.overflow && out.value > (kMax - digit) / 10) out.overflow = true;
    if (!out.overflow) out.value = out.value * 10 + digit;
  }
  return out;
}

// One entry of webhook-signature.
struct SignatureEntry {
  std::size_t position = 0;  // of the entry in the header
  bool v1 = false;
  Hash256 mac{};  // when v1
};

Result<std::vector<SignatureEntry>> parse_signatures(std::string_view header) {
  if (header.empty()) return invalid("webhook-signature is empty");
  if (header.size() > kMaxSignatureHeader) {
    return invalid("webhook-signature is too long (" + std::to_string(header.size()) +
                   " bytes, at most " + std::to_string(kMaxSignatureHeader) + ")");
  }
  std::vector<SignatureEntry> entries;
  std::size_t start = 0;
  while (true) {
    std::size_t end = header.find(' ', start);
    if (end == std::string_view::npos) end = header.size();
    if (end == start) {
      return invalid("webhook-signature: empty entry at position " + std::to_string(start) +
                     " (entries are separated by single spaces)");
    }
    const std::size_t comma = header.find(',', start);
    if (comma == std::string_view::npos || comma >= end) {
      return invalid("webhook-signature: the entry at position " + std::to_string(start) +
                     " has no ',' (expected \"<version>,<signature>\")");
    }
    if (comma == start) {
      return invalid("webhook-signature: the entry at position " + std::to_string(start) +
                     " has no version before ','");
    }
    if (comma - start > kMaxVersionLength) {
      return invalid("webhook-signature: the version at position " + std::to_string(start) +
                     " is too long (" + std::to_string(comma - start) + " characters, at most " +
                     std::to_string(kMaxVersionLength) + ")");
    }
    for (std::size_t i = start; i < comma; ++i) {
      if (!is_alnum_ascii(header[i])) {
        return invalid("webhook-signature: bad character " + quote_char(header[i]) +
                       " at position " + std::to_string(i) + " (expected a version like v1)");
      }
    }
    if (comma + 1 == end) {
      return invalid("webhook-signature: the entry at position " + std::to_string(start) +
                     " has no signature after ','");
    }
    SignatureEntry entry;
    entry.position = start;
    entry.v1 = header.substr(start, comma - start) == "v1";
    if (entry.v1) {
      const std::size_t from = comma + 1;
      USD1PAY_RETURN_IF_ERROR(check_base64("webhook-signature", header, from, end));
      auto bytes = base64_decode(header.substr(from, end - from));
      if (!bytes.ok()) return bytes.status().with_context("webhook: webhook-signature");
      if (bytes->size() != kMacBytes) {
        return invalid("webhook-signature: the v1 signature at position " + std::to_string(from) +
                       " decodes to " + std::to_string(bytes->size()) + " bytes, not " +
                       std::to_string(kMacBytes) + " (HMAC-SHA256)");
      }
      std::copy(bytes->begin(), bytes->end(), entry.mac.begin());
    } else {
      for (std::size_t i = comma + 1; i < end; ++i) {
        if (!is_visible_ascii(header[i])) {
          return invalid("webhook-signature: bad character " + quote_char(header[i]) +
                         " at position " + std::to_string(i) + " (expected visible ASCII)");
        }
      }
    }
    entries.push_back(entry);
    if (end == header.size()) break;
    start = end + 1;
  }
  return entries;
}

std::string describe_seconds(std::uint64_t seconds) {
  return std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
}

Result<std::vector<Bytes>> decode_secrets(const std::vector<std::string>& secrets,
                                          const char* none_message) {
  if (secrets.empty()) return invalid(none_message);
  std::vector<Bytes> keys;
  keys.reserve(secrets.size());
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    auto key = decode_webhook_secret(secrets[i], "secrets[" + std::to_string(i) + "]");
    if (!key.ok()) return key.status();
    keys.push_back(std::move(*key));
  }
  return keys;
}

}  // namespace

Result<std::string> generate_webhook_secret() {
  std::array<std::uint8_t, kSecretKeyBytes> key{};
  USD1PAY_RETURN_IF_ERROR(random_bytes(key.data(), key.size()));
  std::string secret(kWebhookSecretPrefix);
  secret += base64_encode(key);
  return secret;
}

Result<Bytes> decode_webhook_secret(std::string_view secret, std::string_view what) {
  const std::string subject(what);
  if (secret.empty()) return invalid(subject + " is empty");
  std::size_t from = 0;
  if (secret.substr(0, kWebhookSecretPrefix.size()) == kWebhookSecretPrefix) {
    from = kWebhookSecretPrefix.size();
    if (from == secret.size()) {
      return invalid(subject + " has nothing after \"" + std::string(kWebhookSecretPrefix) + "\"");
    }
  }
  const std::size_t n = secret.size() - from;
  if (n > kMaxSecretBase64) {
    return invalid(subject + " is too long (" + std::to_string(n) +
                   " characters of base64, at most " + std::to_string(kMaxSecretBase64) + " for " +
                   std::to_string(kMaxSecretKeyBytes) + " bytes)");
  }
  USD1PAY_RETURN_IF_ERROR(check_base64(subject, secret, from, secret.size()));
  auto key = base64_decode(secret.substr(from));
  if (!key.ok()) return key.status().with_context("webhook: " + subject);
  if (key->size() > kMaxSecretKeyBytes) {
    return invalid(subject + " holds " + std::to_string(key->size()) + " bytes (at most " +
                   std::to_string(kMaxSecretKeyBytes) + ")");
  }
  return key;
}

std::string webhook_signature_v1(ByteView key, std::string_view id, std::int64_t timestamp,
                                 std::string_view body) {
  const std::string ts = std::to_string(timestamp);
  std::string out = "v1,";
  out += base64_encode(signed_content_mac(key, id, ts, body));
  return out;
}

Result<WebhookHeaders> sign_webhook(const SignWebhookParams& p) {
  auto keys = decode_secrets(p.secrets, "no secrets to sign with");
  if (!keys.ok()) return keys.status();
  USD1PAY_RETURN_IF_ERROR(check_id(p.id));
  if (p.timestamp < 0) {
    return invalid("timestamp " + std::to_string(p.timestamp) + " is negative");
  }
  WebhookHeaders headers;
  headers.id = p.id;
  headers.timestamp = std::to_string(p.timestamp);
  for (const Bytes& key : *keys) {
    if (!headers.signature.empty()) headers.signature += ' ';
    headers.signature += "v1,";
    headers.signature += base64_encode(signed_content_mac(key, p.id, headers.timestamp, p.body));
  }
  return headers;
}

Status verify_webhook(const VerifyWebhookParams& p) {
  auto keys = decode_secrets(p.secrets, "no secrets to verify with");
  if (!keys.ok()) return keys.status();
  if (p.tolerance_seconds < 0) {
    return invalid("tolerance_seconds " + std::to_string(p.tolerance_seconds) + " is negative");
  }
  USD1PAY_RETURN_IF_ERROR(check_id(p.id));
  auto ts = parse_timestamp(p.timestamp);
  if (!ts.ok()) return ts.status();
  auto entries = parse_signatures(p.signature);
  if (!entries.ok()) return entries.status();

  // The distance to now, computed in unsigned arithmetic so that no
  // combination of int64 values overflows: ts >= 0 always, and each branch
  // subtracts the smaller from the larger.
  const auto tolerance = static_cast<std::uint64_t>(p.tolerance_seconds);
  const std::string window = " (tolerance " + describe_seconds(tolerance) + ")";
  if (ts->overflow) {
    return Status(ErrorCode::kOutOfRange, "webhook: webhook-timestamp " + std::string(p.timestamp) +
                                              " is too far in the future" + window);
  }
  if (ts->value >= p.now) {
    const std::uint64_t ahead =
        static_cast<std::uint64_t>(ts->value) - static_cast<std::uint64_t>(p.now);
    if (ahead > tolerance) {
      return Status(
          ErrorCode::kOutOfRange,
          "webhook: webhook-timestamp is " + describe_seconds(ahead) + " in the future" + window);
    }
  } else {
    const std::uint64_t behind =
        static_cast<std::uint64_t>(p.now) - static_cast<std::uint64_t>(ts->value);
    if (behind > tolerance) {
      return Status(ErrorCode::kOutOfRange, "webhook: webhook-timestamp is " +
                                                describe_seconds(behind) + " in the past" + window);
    }
  }

  // Every v1 entry against every secret, each comparison constant-time and
  // none cut short: the time depends on the counts only, not on which entry
  // or secret matched, nor on how much of a forgery was right.
  std::size_t v1_entries = 0;
  for (const auto& e : *entries) v1_entries += e.v1 ? 1 : 0;
  if (v1_entries == 0) {
    return Status(ErrorCode::kChecksumMismatch, "webhook: webhook-signature has no v1 signature (" +
                                                    std::to_string(entries->size()) +
                                                    " entries of other versions)");
  }
  unsigned matched = 0;
  for (const Bytes& key : *keys) {
    const Hash256 expected = signed_content_mac(key, p.id, p.timestamp, p.body);
    for (const auto& e : *entries) {
      if (!e.v1) continue;
      matched |= constant_time_equal(ByteView(expected), ByteView(e.mac)) ? 1u : 0u;
    }
  }
  if (matched == 0) {
    return Status(
        ErrorCode::kChecksumMismatch,
        "webhook: no v1 signature in webhook-signature matches (" + std::to_string(v1_entries) +
            (v1_entries == 1 ? " signature" : " signatures") + " checked against " +
            std::to_string(keys->size()) + (keys->size() == 1 ? " secret)" : " secrets)"));
  }
  return Status();
}

}  // namespace usd1pay
