// Standard Webhooks signatures against an implementation nobody here wrote:
// the npm `standardwebhooks` package (tests/peers/webhook_oracle.js).
//   - what usd1pay's sign_webhook makes, Webhook.verify accepts: hundreds of
//     random bodies (UTF-8 JSON-like text), ids, timestamps and secrets of
//     1..256 bytes, with two signatures during a rotation (verified with
//     either secret), at both edges of the 5-minute window; and it refuses
//     the same messages tampered, stale, early or under a wrong secret (so
//     that the oracle is seen to check something);
//   - what Webhook.sign makes, usd1pay's verify_webhook accepts (and the
//     signature is byte-identical to usd1pay's), and refuses with the right
//     code when the body, id or timestamp is tampered, the timestamp is old
//     or new, or the secret is wrong.
// Each test runs one node process fed JSON lines. Random cases come from fixed
// seeds, so a failure repeats.
#include <gtest/gtest.h>

#include <cstdint>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "support/node_oracle.h"
#include "usd1pay/encoding.h"
#include "usd1pay/webhook.h"

namespace usd1pay {
namespace {

using nlohmann::json;

std::vector<json> ask_oracle(const std::vector<json>& requests) {
  return testing::ask_node_oracle("webhook_oracle.js", requests);
}

class Random {
 public:
  explicit Random(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) { return rng_() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }

  Bytes bytes(std::size_t n) {
    Bytes out(n);
    for (auto& b : out) b = static_cast<std::uint8_t>(below(256));
    return out;
  }

  // "whsec_" + base64 of a key: mostly 32 bytes (what usd1pay makes), 24
  // (what svix makes), or any length 1..256; sometimes bare base64.
  std::string secret() {
    const std::uint64_t kind = below(4);
    const std::size_t n = kind == 0 ? 32 : kind == 1 ? 24 : 1 + below(256);
    const std::string b64 = base64_encode(bytes(n));
    return below(8) == 0 ? b64 : "whsec_" + b64;
  }

  // Mostly what usd1pay sends ("msg_" + 24 base62); otherwise any visible
  // ASCII except '.', 1..64 characters.
  std::string id() {
    static const char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string out;
    if (below(4) != 0) {
      out = "msg_";
      for (int i = 0; i < 24; ++i) out += kBase62[below(62)];
      return out;
    }
    const std::size_t n = 1 + below(64);
    while (out.size() < n) {
      const char c = static_cast<char>(0x21 + below(0x7E - 0x21 + 1));
      if (c != '.') out += c;
    }
    return out;
  }

  // UTF-8 text of 0..2000 bytes mixing JSON punctuation, ASCII, escapes and
  // multi-byte characters.
  std::string body() {
    static const std::vector<std::string> pieces = {"{",
                                                    "}",
                                                    "[",
                                                    "]",
                                                    ",",
                                                    ":",
                                                    "\"id\"",
                                                    "\"evt_",
                                                    "a",
                                                    "Z",
                                                    "0",
                                                    "9",
                                                    " ",
                                                    "\n",
                                                    "\t",
                                                    "\\\"",
                                                    ".",
                                                    "25.00",
                                                    "\xc3\xa9",
                                                    "\xe2\x82\xac",
                                                    "\xf0\x9f\x98\x80",
                                                    "null",
                                                    "true",
                                                    "\r",
                                                    "\x7f",
                                                    "\x01",
                                                    "=",
                                                    "whsec_",
                                                    "v1,"};
    const std::size_t target = below(8) == 0 ? 0 : below(2000);
    std::string out;
    while (out.size() < target) out += pieces[below(pieces.size())];
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

json verify_request(const std::string& secret, const std::string& id, const std::string& ts,
                    const std::string& signature, const std::string& body, std::int64_t now) {
  return json{
      {"op", "verify"},  {"secret", secret},       {"id", id},
      {"timestamp", ts}, {"signature", signature}, {"body_b64", base64_encode(ByteView::of(body))},
      {"now", now}};
}

// What each verify request expects from the oracle: "" = accepted, else a
// fragment of the library's error.
struct Expect {
  std::string what;
  std::string error;
};

TEST(StandardWebhooksPeerTest, LibraryVerifiesWhatUsd1paySigns) {
  Random rnd(20240601);
  std::vector<json> requests;
  std::vector<Expect> expects;
  int rotations = 0;
  constexpr int kMessages = 250;
  for (int m = 0; m < kMessages; ++m) {
    SignWebhookParams p;
    p.secrets = {rnd.secret()};
    if (m % 3 == 0) {
      p.secrets.push_back(rnd.secret());
      ++rotations;
    }
    p.id = rnd.id();
    p.timestamp = rnd.between(0, 10'000'000'000);
    const std::string body = rnd.body();
    p.body = body;
    auto headers = sign_webhook(p);
    ASSERT_TRUE(headers.ok()) << headers.status().message();
    const std::string tag = "message " + std::to_string(m) + " ";

    // Accepted with each secret, anywhere within the window (edges included).
    for (std::size_t s = 0; s < p.secrets.size(); ++s) {
      const std::int64_t offsets[] = {rnd.between(-300, 300), 300, -300};
      const std::int64_t now = p.timestamp + offsets[m % 3];
      requests.push_back(verify_request(p.secrets[s], headers->id, headers->timestamp,
                                        headers->signature, body, now));
      expects.push_back({tag + "secret " + std::to_string(s), ""});
    }
    // Refused: tampered body, stale, early, wrong secret.
    const std::string tampered = body.empty() ? std::string("{}") : body + " ";
    requests.push_back(verify_request(p.secrets[0], headers->id, headers->timestamp,
                                      headers->signature, tampered, p.timestamp));
    expects.push_back({tag + "tampered body", "No matching signature found"});
    requests.push_back(verify_request(p.secrets[0], headers->id, headers->timestamp,
                                      headers->signature, body, p.timestamp + 301));
    expects.push_back({tag + "301 s old", "Message timestamp too old"});
    requests.push_back(verify_request(p.secrets[0], headers->id, headers->timestamp,
                                      headers->signature, body, p.timestamp - 301));
    expects.push_back({tag + "301 s early", "Message timestamp too new"});
    requests.push_back(verify_request(rnd.secret(), headers->id, headers->timestamp,
                                      headers->signature, body, p.timestamp));
    expects.push_back({tag + "wrong secret", "No matching signature found"});
  }
  ASSERT_GE(rotations, 80);

  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), requests.size());
  int accepted = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const json& a = answers[i];
    if (expects[i].error.empty()) {
      EXPECT_TRUE(a.at("ok").get<bool>()) << expects[i].what << ": " << a.dump() << "\n"
                                          << requests[i].dump();
      ++accepted;
    } else {
      EXPECT_FALSE(a.at("ok").get<bool>()) << expects[i].what << ": " << requests[i].dump();
      // The answer's JSON text holds the library's message.
      EXPECT_NE(a.dump().find(expects[i].error), std::string::npos)
          << expects[i].what << ": " << a.dump();
    }
  }
  EXPECT_EQ(accepted, kMessages + rotations);
}

// Signed now by usd1pay, verified by the library on its own (real) clock.
TEST(StandardWebhooksPeerTest, LibraryVerifiesOnItsRealClock) {
  auto secret = generate_webhook_secret();
  ASSERT_TRUE(secret.ok());
  SignWebhookParams p;
  p.secrets = {*secret};
  p.id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
  p.timestamp = static_cast<std::int64_t>(std::time(nullptr));
  p.body = R"({"id":"evt_1","type":"intent.succeeded","data":{"amount":"25.00"}})";
  auto headers = sign_webhook(p);
  ASSERT_TRUE(headers.ok());
  json request = verify_request(*secret, headers->id, headers->timestamp, headers->signature,
                                std::string(p.body), 0);
  request["now"] = nullptr;  // the oracle leaves Date.now alone
  const auto answers = ask_oracle({request});
  ASSERT_EQ(answers.size(), 1U);
  EXPECT_TRUE(answers[0].at("ok").get<bool>()) << answers[0].dump();
}

TEST(StandardWebhooksPeerTest, Usd1payVerifiesWhatTheLibrarySigns) {
  Random rnd(77);
  struct Message {
    std::vector<std::string> secrets;
    std::string id;
    std::int64_t timestamp = 0;
    std::string body;
  };
  std::vector<Message> messages;
  std::vector<json> requests;
  constexpr int kMessages = 250;
  for (int m = 0; m < kMessages; ++m) {
    Message msg;
    msg.secrets = {rnd.secret()};
    if (m % 3 == 0) msg.secrets.push_back(rnd.secret());
    msg.id = rnd.id();
    msg.timestamp = rnd.between(0, 10'000'000'000);
    msg.body = rnd.body();
    for (const auto& secret : msg.secrets) {
      requests.push_back(json{{"op", "sign"},
                              {"secret", secret},
                              {"id", msg.id},
                              {"timestamp", msg.timestamp},
                              {"body_b64", base64_encode(ByteView::of(msg.body))}});
    }
    messages.push_back(std::move(msg));
  }
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), requests.size());

  std::size_t next = 0;
  int verified = 0;
  for (std::size_t m = 0; m < messages.size(); ++m) {
    const Message& msg = messages[m];
    std::string header;
    for (const auto& secret : msg.secrets) {
      const json& a = answers[next++];
      ASSERT_TRUE(a.at("ok").get<bool>()) << a.dump();
      const std::string signature = a.at("signature").get<std::string>();
      // Byte-identical to what usd1pay computes.
      auto key = decode_webhook_secret(secret);
      ASSERT_TRUE(key.ok()) << key.status().message();
      EXPECT_EQ(signature, webhook_signature_v1(*key, msg.id, msg.timestamp, msg.body));
      if (!header.empty()) header += ' ';
      header += signature;
    }
    const std::string ts = std::to_string(msg.timestamp);
    const std::string tag = "message " + std::to_string(m);
    VerifyWebhookParams v;
    v.secrets = msg.secrets;
    v.id = msg.id;
    v.timestamp = ts;
    v.signature = header;
    v.body = msg.body;
    v.now = msg.timestamp;
    // All secrets, then each alone; at both edges of the window.
    EXPECT_TRUE(verify_webhook(v).ok()) << tag << ": " << verify_webhook(v).message();
    for (const auto& secret : msg.secrets) {
      VerifyWebhookParams one = v;
      one.secrets = {secret};
      one.now = msg.timestamp + (m % 2 == 0 ? 300 : -300);
      const Status s = verify_webhook(one);
      EXPECT_TRUE(s.ok()) << tag << ": " << s.message();
      verified += s.ok() ? 1 : 0;
    }

    VerifyWebhookParams bad = v;
    const std::string tampered_body = msg.body.empty() ? std::string(" ") : msg.body + "\n";
    bad.body = tampered_body;
    EXPECT_EQ(verify_webhook(bad).code(), ErrorCode::kChecksumMismatch) << tag << " body";

    bad = v;
    std::string tampered_id = msg.id;
    tampered_id.back() = tampered_id.back() == 'A' ? 'B' : 'A';
    bad.id = tampered_id;
    EXPECT_EQ(verify_webhook(bad).code(), ErrorCode::kChecksumMismatch) << tag << " id";

    bad = v;
    const std::string later = std::to_string(msg.timestamp + 1);
    bad.timestamp = later;
    bad.now = msg.timestamp + 1;
    EXPECT_EQ(verify_webhook(bad).code(), ErrorCode::kChecksumMismatch) << tag << " timestamp";

    bad = v;
    bad.now = msg.timestamp + 301;
    const Status old = verify_webhook(bad);
    EXPECT_EQ(old.code(), ErrorCode::kOutOfRange) << tag << " old";
    EXPECT_NE(old.message().find("301 seconds in the past"), std::string::npos) << old.message();

    bad.now = msg.timestamp - 301;
    EXPECT_EQ(verify_webhook(bad).code(), ErrorCode::kOutOfRange) << tag << " new";

    bad = v;
    bad.secrets = {rnd.secret(), rnd.secret()};
    EXPECT_EQ(verify_webhook(bad).code(), ErrorCode::kChecksumMismatch) << tag << " secret";
  }
  EXPECT_EQ(next, answers.size());
  EXPECT_GE(verified, kMessages);
}

}  // namespace
}  // namespace usd1pay
