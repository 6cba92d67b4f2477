// Standard Webhooks verification speed of usd1pay.
//
//   bench_webhook_verify generate N FILE   writes N messages signed now, one
//       JSON object per line {secret, id, timestamp, signature, body}: one
//       endpoint secret, "msg_" ids, ~500-byte JSON event bodies (fixed seed)
//   bench_webhook_verify run FILE ROUNDS   verifies every message ROUNDS
//       times with verify_webhook (the secret decoded, the timestamp checked
//       against the real clock with the default 5-minute tolerance, the
//       signature compared, on every call); prints "OPS <verifications/s>"
//
// Every verification must succeed, so that the work cannot be skipped and a
// wrong result cannot pass as a fast one.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "usd1pay/id.h"
#include "usd1pay/webhook.h"

namespace {

struct Message {
  std::string secret;
  std::string id;
  std::string timestamp;
  std::string signature;
  std::string body;
};

std::string event_body(std::mt19937_64& rng, std::size_t n) {
  static const char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const auto id = [&](const char* prefix) {
    std::string s = prefix;
    for (int i = 0; i < 24; ++i) s += kBase62[rng() % 62];
    return s;
  };
  std::string body = "{\"id\":\"" + id("evt_") +
                     "\",\"type\":\"intent.succeeded\",\"created\":\"2025-01-02T03:04:05Z\","
                     "\"data\":{\"intent\":{\"id\":\"" +
                     id("pi_") + "\",\"status\":\"succeeded\",\"amount\":\"" +
                     std::to_string(rng() % 100000) + "." + std::to_string(10 + rng() % 90) +
                     "\",\"token\":\"USD1\",\"chain\":\"eip155:1\",\"address\":\"0x" +
                     std::to_string(rng()) + std::to_string(rng()) +
                     "\",\"metadata\":{\"order_id\":\"" + std::to_string(rng()) + "\"},\"tx\":\"";
  while (body.size() + 4 < n) body += kBase62[rng() % 16];
  body += "\"}}}";
  return body;
}

int generate(std::size_t n, const char* path) {
  std::mt19937_64 rng(0x5EB);
  auto secret = usd1pay::generate_webhook_secret();
  if (!secret.ok()) return 1;
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  std::ofstream out(path);
  for (std::size_t i = 0; i < n; ++i) {
    usd1pay::SignWebhookParams p;
    p.secrets = {*secret};
    p.id = usd1pay::new_id(usd1pay::kWebhookMessageIdPrefix);
    p.timestamp = now - static_cast<std::int64_t>(i % 60);
    const std::string body = event_body(rng, 480 + rng() % 40);
    p.body = body;
    auto h = usd1pay::sign_webhook(p);
    if (!h.ok()) {
      std::cerr << "bench_webhook_verify: " << h.status().message() << "\n";
      return 1;
    }
    out << nlohmann::json{{"secret", *secret},
                          {"id", h->id},
                          {"timestamp", h->timestamp},
                          {"signature", h->signature},
                          {"body", body}}
               .dump()
        << '\n';
  }
  return out ? 0 : 1;
}

int run(const char* path, int rounds) {
  std::ifstream in(path);
  std::vector<Message> messages;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    messages.push_back({j.at("secret").get<std::string>(), j.at("id").get<std::string>(),
                        j.at("timestamp").get<std::string>(), j.at("signature").get<std::string>(),
                        j.at("body").get<std::string>()});
  }
  if (messages.empty()) {
    std::cerr << "bench_webhook_verify: no messages in " << path << "\n";
    return 1;
  }
  std::size_t valid = 0;
  const auto pass = [&](std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      const Message& m = messages[i];
      usd1pay::VerifyWebhookParams v;
      v.secrets = {m.secret};
      v.id = m.id;
      v.timestamp = m.timestamp;
      v.signature = m.signature;
      v.body = m.body;
      v.now = static_cast<std::int64_t>(std::time(nullptr));
      const usd1pay::Status s = usd1pay::verify_webhook(v);
      if (!s.ok()) {
        std::cerr << "bench_webhook_verify: " << m.id << ": " << s.message() << "\n";
        return false;
      }
      ++valid;
    }
    return true;
  };
  if (!pass(std::min<std::size_t>(messages.size(), 2000))) return 1;  // warm-up
  valid = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    if (!pass(messages.size())) return 1;
  }
  const std::chrono::duration<double> secs = std::chrono::steady_clock::now() - start;
  if (valid != messages.size() * static_cast<std::size_t>(rounds)) return 1;
  std::printf("OPS %.0f\n", static_cast<double>(valid) / secs.count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "generate" && argc == 4) return generate(std::stoul(argv[2]), argv[3]);
  if (cmd == "run" && argc == 4) return run(argv[2], std::stoi(argv[3]));
  std::cerr << "usage: bench_webhook_verify generate N FILE | bench_webhook_verify run FILE "
               "ROUNDS\n";
  return 2;
}
