// Shared by the webhook integration tests: a real HTTP receiver on
// 127.0.0.1 (cpp-httplib) with scripted faults, which records every request
// it sees, and the shop config the intents are created with.
#ifndef USD1PAY_TESTS_INTEGRATION_WEBHOOK_SUPPORT_H
#define USD1PAY_TESTS_INTEGRATION_WEBHOOK_SUPPORT_H

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/sample_config.h"
#include "usd1pay/config.h"

namespace usd1pay::testing {

/// The sample shop config (support/sample_config.h) acting as "shop".
inline Config shop_config(const std::string& store_path) {
  nlohmann::json c = sim_shop_config_json(store_path);
  c["actor"] = "shop";
  return parse_config_or_throw(c);
}

inline std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// What the receiver does with one request.
enum class Fault {
  kOk,    ///< 200
  k500,   ///< 500
  kSlow,  ///< answers 503 only after `slow` (beyond the sender's timeout)
  kCut,   ///< starts a 200 with a 1000-byte body, sends 9 bytes, closes
};

/// One request as the receiver saw it.
struct Receipt {
  std::string id;
  std::string timestamp;
  std::string signature;
  std::string user_agent;
  std::string body;
  std::string event_id;  ///< from the body
  int answered = 0;      ///< the status of a complete answer; 0 = slow or cut
  std::int64_t at_ms = 0;
};

/// A cpp-httplib server on 127.0.0.1 answering POST /hook by `plan(n)` for
/// the n-th request (0-based, counted over restarts). stop() / restart()
/// take it down and bring it back on the same port.
class Receiver {
 public:
  explicit Receiver(std::function<Fault(std::size_t)> plan,
                    std::chrono::milliseconds slow = std::chrono::milliseconds(700))
      : plan_(std::move(plan)), slow_(slow) {
    start(0);
  }
  ~Receiver() { stop(); }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

  void stop() {
    if (!server_) return;
    server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  /// Listens again on the same port (retrying while the port is busy).
  void restart() {
    stop();
    for (int i = 0; i < 200; ++i) {
      if (start(port_)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("receiver: cannot listen on port " + std::to_string(port_) + " again");
  }

  std::vector<Receipt> receipts() {
    std::lock_guard<std::mutex> l(mu_);
    return receipts_;
  }

 private:
  bool start(int port) {
    auto s = std::make_unique<httplib::Server>();
    s->Post("/hook",
            [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    if (port == 0) {
      port_ = s->bind_to_any_port("127.0.0.1");
      if (port_ <= 0) throw std::runtime_error("receiver: cannot bind");
    } else if (!s->bind_to_port("127.0.0.1", port)) {
      return false;
    }
    server_ = std::move(s);
    httplib::Server* raw = server_.get();
    thread_ = std::thread([raw] { raw->listen_after_bind(); });
    return true;
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    Receipt r;
    r.at_ms = system_ms();
    r.id = req.get_header_value("webhook-id");
    r.timestamp = req.get_header_value("webhook-timestamp");
    r.signature = req.get_header_value("webhook-signature");
    r.user_agent = req.get_header_value("User-Agent");
    r.body = req.body;
    auto j = nlohmann::json::parse(req.body, nullptr, false);
    if (j.is_object() && j.contains("id") && j["id"].is_string()) r.event_id = j["id"];
    Fault f = Fault::kOk;
    {
      std::lock_guard<std::mutex> l(mu_);
      f = plan_(count_++);
    }
    switch (f) {
      case Fault::kOk:
        res.status = 200;
        res.set_content("ok", "text/plain");
        r.answered = 200;
        break;
      case Fault::k500:
        res.status = 500;
        res.set_content("try later", "text/plain");
        r.answered = 500;
        break;
      case Fault::kSlow:
        std::this_thread::sleep_for(slow_);
        res.status = 503;
        break;
      case Fault::kCut:
        res.status = 200;
        res.set_content_provider(1000, "application/json",
                                 [](std::size_t, std::size_t, httplib::DataSink& sink) {
                                   sink.write("{\"partial", 9);
                                   return false;  // abort: the connection is closed
                                 });
        break;
    }
    std::lock_guard<std::mutex> l(mu_);
    receipts_.push_back(std::move(r));
  }

  std::function<Fault(std::size_t)> plan_;
  std::chrono::milliseconds slow_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::size_t count_ = 0;
  std::vector<Receipt> receipts_;
};

}  // namespace usd1pay::testing

#endif  // USD1PAY_TESTS_INTEGRATION_WEBHOOK_SUPPORT_H
