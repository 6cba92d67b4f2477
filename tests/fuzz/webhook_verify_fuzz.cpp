// Fuzzes Standard Webhooks verification (include/usd1pay/webhook.h) with
// arbitrary bytes. The input is split at the first four '\n' into secret, id,
// timestamp, signature and body (the body keeps any further '\n'); a missing
// field is empty. Beyond "does not crash":
//   - decode_webhook_secret: an accepted secret holds 1..256 bytes and is the
//     canonical spelling (re-encoding gives the text back); every error is
//     kInvalidArgument starting "webhook: ";
//   - verify_webhook: only kInvalidArgument / kOutOfRange / kChecksumMismatch,
//     messages starting "webhook: "; when it accepts, the signature header
//     really holds the v1 signature of id.timestamp.body under the secret (no
//     forgery passes);
//   - round trip: sign_webhook with the input's secret (or a fixed one when it
//     is malformed) and id (or a fixed one when refused) at a timestamp taken
//     from the input verifies with each of two rotated secrets, and fails as a
//     mismatch once the body, id or timestamp is changed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/encoding.h"
#include "usd1pay/webhook.h"

namespace {

using usd1pay::ErrorCode;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "webhook_verify_fuzz: %s\ndetail: %s\n", what, detail.c_str());
  std::abort();
}

void check_message(const usd1pay::Status& s, const char* where) {
  if (s.message().rfind("webhook: ", 0) != 0) fail(where, "message: " + s.message());
}

bool has_entry(std::string_view header, const std::string& entry) {
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t end = header.find(' ', start);
    if (end == std::string_view::npos) end = header.size();
    if (header.substr(start, end - start) == entry) return true;
    start = end + 1;
  }
  return false;
}

constexpr char kFixedSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kOtherSecret[] = "whsec_ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view fields[5];
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) {
      fields[i] = input.substr(start);
      start = input.size();
      break;
    }
    fields[i] = input.substr(start, nl - start);
    start = nl + 1;
  }
  if (start < input.size()) fields[4] = input.substr(start);
  const std::string secret(fields[0]);
  const std::string_view id = fields[1];
  const std::string_view timestamp = fields[2];
  const std::string_view signature = fields[3];
  const std::string_view body = fields[4];

  // ---- the secret ----
  const auto key = usd1pay::decode_webhook_secret(secret);
  if (key.ok()) {
    if (key->empty() || key->size() > 256) fail("secret of bad size accepted", secret);
    const std::string canonical = usd1pay::base64_encode(*key);
    const std::string_view given =
        std::string_view(secret).substr(secret.rfind("whsec_", 0) == 0 ? 6 : 0);
    if (given != canonical) fail("non-canonical secret accepted", secret + " vs " + canonical);
  } else {
    if (key.status().code() != ErrorCode::kInvalidArgument) fail("secret error code", secret);
    check_message(key.status(), "decode_webhook_secret");
  }

  // ---- verification of the input as given ----
  std::int64_t ts_value = 0;
  bool ts_digits = !timestamp.empty() && timestamp.size() <= 18;
  for (char c : timestamp) ts_digits = ts_digits && c >= '0' && c <= '9';
  if (ts_digits) ts_value = std::stoll(std::string(timestamp));
  for (const std::int64_t now : {ts_value, ts_value + 300, ts_value - 301, std::int64_t{0}}) {
    usd1pay::VerifyWebhookParams v;
    v.secrets = {secret};
    v.id = id;
    v.timestamp = timestamp;
    v.signature = signature;
    v.body = body;
    v.now = now;
    const usd1pay::Status s = usd1pay::verify_webhook(v);
    if (s.ok()) {
      if (!key.ok()) fail("verified with a malformed secret", secret);
      const std::string expected = usd1pay::webhook_signature_v1(*key, id, ts_value, body);
      if (!has_entry(signature, expected)) fail("accepted without the right v1 entry", expected);
    } else {
      if (s.code() != ErrorCode::kInvalidArgument && s.code() != ErrorCode::kOutOfRange &&
          s.code() != ErrorCode::kChecksumMismatch) {
        fail("unexpected error code", s.message());
      }
      check_message(s, "verify_webhook");
    }
  }

  // ---- round trip ----
  usd1pay::SignWebhookParams sp;
  sp.secrets = {key.ok() ? secret : std::string(kFixedSecret), kOtherSecret};
  sp.id = std::string(id);
  sp.timestamp = ts_digits ? ts_value : static_cast<std::int64_t>(size) * 1000003;
  sp.body = body;
  auto headers = usd1pay::sign_webhook(sp);
  if (!headers.ok()) {
    if (headers.status().code() != ErrorCode::kInvalidArgument) fail("sign error code", sp.id);
    check_message(headers.status(), "sign_webhook");
    sp.id = "msg_fuzz";
    headers = usd1pay::sign_webhook(sp);
    if (!headers.ok()) fail("sign failed", headers.status().message());
  }
  for (const auto& one : sp.secrets) {
    usd1pay::VerifyWebhookParams v;
    v.secrets = {one};
    v.id = headers->id;
    v.timestamp = headers->timestamp;
    v.signature = headers->signature;
    v.body = body;
    v.now = sp.timestamp;
    const usd1pay::Status s = usd1pay::verify_webhook(v);
    if (!s.ok()) fail("round trip does not verify", s.message());

    const std::string longer = std::string(body) + "x";
    v.body = longer;
    if (usd1pay::verify_webhook(v).code() != ErrorCode::kChecksumMismatch) {
      fail("tampered body not a mismatch", longer);
    }
    v.body = body;
    const std::string other_id = headers->id + "x";
    v.id = other_id;
    if (usd1pay::verify_webhook(v).code() != ErrorCode::kChecksumMismatch &&
        other_id.size() <= 256) {
      fail("tampered id not a mismatch", other_id);
    }
    v.id = headers->id;
    const std::string later = std::to_string(sp.timestamp + 1);
    v.timestamp = later;
    if (usd1pay::verify_webhook(v).code() != ErrorCode::kChecksumMismatch) {
      fail("tampered timestamp not a mismatch", later);
    }
  }
  return 0;
}
