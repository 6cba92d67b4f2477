// The webhook HTTP transport against real servers on 127.0.0.1: an
// httplib::Server (plain and TLS, certificates made at test time) and, for
// misbehaviour httplib cannot produce (headers trickled byte by byte, a
// connection closed mid-response, a server closing idle connections without
// saying so), a raw socket server.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"
#include "support/tls.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay {
namespace {

using std::chrono::milliseconds;
using testing::LoopbackServer;
using SteadyClock = std::chrono::steady_clock;

CheckedDestination destination(const std::string& url_text) {
  auto url = parse_webhook_url(url_text);
  EXPECT_TRUE(url.ok()) << url.status().message();
  DestinationPolicy allow;
  allow.allow_private_destinations = true;
  auto checked = check_destination(*url, allow);
  EXPECT_TRUE(checked.ok()) << checked.status().message();
  return *checked;
}

// A destination whose name is never resolved: the transport must connect to
// `address` and still speak to the server as `host`.
CheckedDestination pinned(const std::string& scheme, const std::string& host, int port,
                          const std::string& address, const std::string& path = "/hook") {
  CheckedDestination d;
  d.url.scheme = scheme;
  d.url.host = host;
  d.url.port = static_cast<std::uint16_t>(port);
  d.url.path_and_query = path;
  d.addresses = {address};
  return d;
}

HttpPostParams params(CheckedDestination d, std::string body = R"({"id":"evt_1"})") {
  HttpPostParams p;
  p.destination = std::move(d);
  p.headers = {{"webhook-id", "msg_1"},
               {"webhook-timestamp", "1700000000"},
               {"webhook-signature", "v1,c2lnbmF0dXJl"}};
  p.body = std::move(body);
  p.connect_timeout = milliseconds(2000);
  p.request_timeout = milliseconds(5000);
  return p;
}

std::string header(const HttpPostResult& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

// An httplib::Server on 127.0.0.1 that records what it saw.
class Receiver {
 public:
  explicit Receiver(std::unique_ptr<httplib::Server> server = std::make_unique<httplib::Server>())
      : server_(std::move(server)) {
    server_->set_keep_alive_max_count(100000);
    server_->set_tcp_nodelay(true);
    auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        connections_.insert(req.remote_port);
        ++requests_;
        last_ = req;
      }
      std::function<void(const httplib::Request&, httplib::Response&)> h;
      {
        std::lock_guard<std::mutex> lock(mu_);
        h = handler_;
      }
      if (h) {
        h(req, res);
      } else {
        res.set_content("ok", "text/plain");
      }
    };
    server_->Post(".*", handle);
    server_->Get(".*", handle);
    running_ = std::make_unique<LoopbackServer>(std::move(server_));
  }

  int port() const { return running_->port(); }
  httplib::Server& server() { return running_->server(); }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  void on(std::function<void(const httplib::Request&, httplib::Response&)> h) {
    std::lock_guard<std::mutex> lock(mu_);
    handler_ = std::move(h);
  }
  std::size_t connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_.size();
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  httplib::Request last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::mutex mu_;
  std::function<void(const httplib::Request&, httplib::Response&)> handler_;
  std::set<int> connections_;
  int requests_ = 0;
  httplib::Request last_;
  std::unique_ptr<LoopbackServer> running_;  // last: stopped before the rest goes
};

// A raw TCP server on 127.0.0.1: `serve(fd, stopping)` runs on its own thread
// for each accepted connection; the server closes the connection after it.
class RawServer {
 public:
  using Serve = std::function<void(int fd, const std::atomic<bool>& stopping)>;
  explicit RawServer(Serve serve) : serve_(std::move(serve)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      ADD_FAILURE() << "raw server: cannot listen";
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] {
      while (true) {
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;  // shut down
        accepted_.fetch_add(1);
        std::lock_guard<std::mutex> lock(mu_);
        fds_.push_back(fd);
        threads_.emplace_back([this, fd] {
          serve_(fd, stopping_);
          ::shutdown(fd, SHUT_RDWR);
        });
      }
    });
  }
  ~RawServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    accept_thread_.join();
    ::close(listen_fd_);
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : threads_) t.join();
    for (int fd : fds_) ::close(fd);
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  Serve serve_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

// Reads one request's head and Content-Length body from `fd` (what the
// transport sends: no chunked bodies). False at EOF / error.
bool read_request(int fd) {
  std::string data;
  char buf[4096];
  std::size_t head_end = std::string::npos;
  while (head_end == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
    head_end = data.find("\r\n\r\n");
  }
  std::size_t length = 0;
  std::size_t cl = data.find("Content-Length: ");
  if (cl != std::string::npos) length = std::stoul(data.substr(cl + 16));
  while (data.size() < head_end + 4 + length) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

void send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

// A port nothing listens on (bound, then closed).
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

long ms_since(SteadyClock::time_point t) {
  return static_cast<long>(
      std::chrono::duration_cast<milliseconds>(SteadyClock::now() - t).count());
}

// ---------------------------------------------------------------- answers

TEST(HttpTransportTest, PostsHeadersAndBodyAndReturnsTheAnswer) {
  Receiver rx;
  rx.on([](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Receiver", "Yes");
    res.set_content("thanks", "text/plain");
  });
  auto transport = make_http_transport();
  auto r = transport->post(params(destination(rx.url("/hook/in?shop=7"))));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "thanks");
  EXPECT_FALSE(r->body_truncated);
  EXPECT_EQ(header(*r, "x-receiver"), "Yes");  // names lowercased, values as sent
  EXPECT_EQ(header(*r, "content-type"), "text/plain");
  for (const auto& [name, value] : r->headers) {
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
  }
  httplib::Request seen = rx.last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/hook/in");
  EXPECT_EQ(seen.get_param_value("shop"), "7");
  EXPECT_EQ(seen.body, R"({"id":"evt_1"})");
  EXPECT_EQ(seen.get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(seen.get_header_value("webhook-id"), "msg_1");
  EXPECT_EQ(seen.get_header_value("webhook-timestamp"), "1700000000");
  EXPECT_EQ(seen.get_header_value("webhook-signature"), "v1,c2lnbmF0dXJl");
  EXPECT_EQ(seen.get_header_value("Host"), "127.0.0.1:" + std::to_string(rx.port()));
}

TEST(HttpTransportTest, ErrorStatusesAreValues) {
  Receiver rx;
  auto transport = make_http_transport();
  for (int status : {500, 410, 404, 429, 204}) {
    rx.on([status](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      if (status != 204) res.set_content("status " + std::to_string(status), "text/plain");
    });
    auto r = transport->post(params(destination(rx.url())));
    ASSERT_TRUE(r.ok()) << status << ": " << r.status().message();
    EXPECT_EQ(r->status, status);
    EXPECT_EQ(r->body, status == 204 ? "" : "status " + std::to_string(status));
  }
  EXPECT_EQ(rx.connections(), 1u);  // error answers keep the connection too
}

TEST(HttpTransportTest, RedirectIsReturnedNotFollowed) {
  Receiver rx;
  for (int status : {301, 302, 307, 308}) {
    rx.on([status, &rx](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      res.set_header("Location", rx.url("/other"));
    });
    auto r = make_http_transport()->post(params(destination(rx.url())));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, status);
    EXPECT_EQ(header(*r, "location"), rx.url("/other"));
  }
  EXPECT_EQ(rx.requests(), 4);  // GET or POST to /other would count
  EXPECT_EQ(rx.last().path, "/hook");
}

TEST(HttpTransportTest, RetryAfterIsVisible) {
  Receiver rx;
  rx.on([](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_header("Retry-After", "120");
  });
  auto r = make_http_transport()->post(params(destination(rx.url())));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(header(*r, "retry-after"), "120");
}

// ---------------------------------------------------------------- bodies

TEST(HttpTransportTest, HugeBodyIsCappedAndTheConnectionClosed) {
  Receiver rx;
  const std::string huge(8 * 1024 * 1024, 'x');
  rx.on([&](const httplib::Request&, httplib::Response& res) {
    res.set_content(huge, "text/plain");
  });
  auto transport = make_http_transport();
  auto p = params(destination(rx.url()));
  p.max_response_bytes = 1024;
  auto r = transport->post(p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, std::string(1024, 'x'));
  EXPECT_TRUE(r->body_truncated);
  // Not drained (8 MiB): that connection was closed; the next post opens another.
  rx.on(
      [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  ASSERT_TRUE(transport->post(p).ok());
  EXPECT_EQ(rx.connections(), 2u);
}

TEST(HttpTransportTest, EndlessChunkedBodyIsCapped) {
  Receiver rx;
  std::atomic<std::size_t> sent{0};
  rx.on([&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [&](std::size_t, httplib::DataSink& sink) {
      const std::string chunk(16 * 1024, 'y');
      if (sent.load() > 512u * 1024 * 1024) return false;  // give up at 512 MiB
      sent += chunk.size();
      return sink.write(chunk.data(), chunk.size());
    });
  });
  auto p = params(destination(rx.url()));
  p.max_response_bytes = 100;
  auto r = make_http_transport()->post(p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, std::string(100, 'y'));
  EXPECT_TRUE(r->body_truncated);
  EXPECT_LT(sent.load(), 64u * 1024 * 1024);  // the client stopped reading long before
}

TEST(HttpTransportTest, SmallOverflowIsDrainedAndTheConnectionKept) {
  Receiver rx;
  rx.on([](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content(std::string(5000, 'e'), "text/plain");
  });
  auto transport = make_http_transport();
  auto p = params(destination(rx.url()));
  p.max_response_bytes = 1024;
  for (int i = 0; i < 3; ++i) {
    auto r = transport->post(p);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(r->body.size(), 1024u);
    EXPECT_TRUE(r->body_truncated);
  }
  EXPECT_EQ(rx.connections(), 1u);
}

// ---------------------------------------------------------------- time

TEST(HttpTransportTest, TrickledBodyTimesOutWithinTheBound) {
  Receiver rx;
  std::atomic<bool> done{false};
  rx.on([&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [&](std::size_t, httplib::DataSink& sink) {
      if (done.load()) return false;
      std::this_thread::sleep_for(milliseconds(50));
      return sink.write("z", 1);  // one byte every 50 ms: no single read times out
    });
  });
  auto p = params(destination(rx.url()));
  p.connect_timeout = milliseconds(500);
  p.request_timeout = milliseconds(1000);
  const auto start = SteadyClock::now();
  auto r = make_http_transport()->post(p);
  const long elapsed = ms_since(start);
  done = true;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("127.0.0.1:" + std::to_string(rx.port())), std::string::npos)
      << r.status().message();
  EXPECT_LT(elapsed, 1500 + 1000) << "bound is connect + request timeout (1500 ms)";
}

TEST(HttpTransportTest, TrickledHeadersTimeOutWithinTheBound) {
  RawServer raw([](int fd, const std::atomic<bool>& stopping) {
    if (!read_request(fd)) return;
    send_all(fd, "HTTP/1.1 200 OK\r\n");
    while (!stopping) {  // a header line every 50 ms, never the blank line
      std::this_thread::sleep_for(milliseconds(50));
      if (::send(fd, "X-Slow: a\r\n", 11, MSG_NOSIGNAL) <= 0) return;
    }
  });
  auto p = params(pinned("http", "127.0.0.1", raw.port(), "127.0.0.1"));
  p.connect_timeout = milliseconds(500);
  p.request_timeout = milliseconds(1000);
  const auto start = SteadyClock::now();
  auto r = make_http_transport()->post(p);
  const long elapsed = ms_since(start);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status().message();
  EXPECT_GE(elapsed, 1400);
  EXPECT_LT(elapsed, 1500 + 1000);
}

TEST(HttpTransportTest, SilentServerTimesOut) {
  RawServer raw([](int fd, const std::atomic<bool>& stopping) {
    read_request(fd);
    while (!stopping) std::this_thread::sleep_for(milliseconds(10));
  });
  auto p = params(pinned("http", "127.0.0.1", raw.port(), "127.0.0.1"));
  p.connect_timeout = milliseconds(500);
  p.request_timeout = milliseconds(800);
  const auto start = SteadyClock::now();
  auto r = make_http_transport()->post(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status().message();
  EXPECT_LT(ms_since(start), 1300 + 1000);
}

// ---------------------------------------------------------------- failures

TEST(HttpTransportTest, AcceptThenCloseIsAnError) {
  RawServer raw([](int, const std::atomic<bool>&) {});  // closes at once
  auto r =
      make_http_transport()->post(params(pinned("http", "127.0.0.1", raw.port(), "127.0.0.1")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("reset or closed"), std::string::npos)
      << r.status().message();
}

TEST(HttpTransportTest, CloseMidResponseIsAnError) {
  RawServer raw([](int fd, const std::atomic<bool>&) {
    if (!read_request(fd)) return;
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
  });
  auto r =
      make_http_transport()->post(params(pinned("http", "127.0.0.1", raw.port(), "127.0.0.1")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("in the middle of the response"), std::string::npos)
      << r.status().message();
}

TEST(HttpTransportTest, RefusedPortIsAnErrorNamingHostAndPortNeverPathOrBody) {
  const int port = closed_port();
  auto p = params(destination("http://127.0.0.1:" + std::to_string(port) + "/hook?token=SECRET"),
                  "BODY-CONTENT");
  auto r = make_http_transport()->post(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  const std::string m = r.status().message();
  EXPECT_EQ(m, "webhook post: http://127.0.0.1:" + std::to_string(port) +
                   ": connection refused (or the address is unreachable)");
  EXPECT_EQ(m.find("SECRET"), std::string::npos);
  EXPECT_EQ(m.find("BODY"), std::string::npos);
}

TEST(HttpTransportTest, NextCheckedAddressIsTriedWhenOneRefuses) {
  Receiver rx;  // listens on 127.0.0.1 only: [::1] refuses (or is unreachable)
  auto d = pinned("http", "receiver.test", rx.port(), "::1");
  d.addresses.push_back("127.0.0.1");
  auto r = make_http_transport()->post(params(d));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
}

// ---------------------------------------------------------------- connections

TEST(HttpTransportTest, ConnectsToTheCheckedAddressAndSpeaksToTheHost) {
  Receiver rx;
  // ".invalid" never resolves (RFC 6761): only the pinned address can work.
  auto r = make_http_transport()->post(
      params(pinned("http", "shop.invalid", rx.port(), "127.0.0.1", "/in")));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(rx.last().get_header_value("Host"), "shop.invalid:" + std::to_string(rx.port()));
}

TEST(HttpTransportTest, KeepAliveReusesOneConnection) {
  Receiver rx;
  auto transport = make_http_transport();
  auto p = params(destination(rx.url()));
  for (int i = 0; i < 20; ++i) {
    auto r = transport->post(p);
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().message();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(rx.requests(), 20);
  EXPECT_EQ(rx.connections(), 1u);
}

TEST(HttpTransportTest, ServerClosingIdleConnectionsIsHandled) {
  // Answers one request per connection, then closes it without saying so
  // (no "Connection: close"): the pooled connection is dead when reused.
  std::atomic<int> answered{0};
  RawServer raw([&](int fd, const std::atomic<bool>&) {
    if (!read_request(fd)) return;
    ++answered;  // before the answer: the client may look as soon as it has it
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  auto transport = make_http_transport();
  auto p = params(pinned("http", "127.0.0.1", raw.port(), "127.0.0.1"));
  for (int i = 0; i < 5; ++i) {
    auto r = transport->post(p);
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().message();
    EXPECT_EQ(r->body, "ok");
  }
  EXPECT_EQ(answered.load(), 5);
  EXPECT_EQ(raw.accepted(), 5);
}

TEST(HttpTransportTest, ConcurrentPostsFromEightThreads) {
  Receiver rx;
  rx.on([](const httplib::Request& req, httplib::Response& res) {
    res.set_content("echo:" + req.get_header_value("webhook-id"), "text/plain");
  });
  auto transport = make_http_transport();
  const CheckedDestination d = destination(rx.url());
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto p = params(d);
        const std::string id = "msg_" + std::to_string(t) + "_" + std::to_string(i);
        p.headers[0].second = id;
        auto r = transport->post(p);
        if (r.ok() && r->status == 200 && r->body == "echo:" + id) {
          ++good;
        } else {
          ADD_FAILURE() << id << ": " << (r.ok() ? r->body : r.status().message());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 200);
  EXPECT_EQ(rx.requests(), 200);
  EXPECT_LE(rx.connections(), 8u);  // at most one per thread: the rest reused
}

TEST(HttpTransportTest, IdlePoolIsBoundedPerOrigin) {
  Receiver rx;
  HttpTransportOptions o;
  o.max_idle_per_origin = 1;
  auto transport = make_http_transport(o);
  const CheckedDestination d = destination(rx.url());
  // Two exchanges at once need two connections; only one may stay idle.
  std::atomic<bool> hold{true};
  std::atomic<int> waiting{0};
  rx.on([&](const httplib::Request&, httplib::Response& res) {
    ++waiting;
    while (hold.load() && waiting.load() < 2) std::this_thread::sleep_for(milliseconds(1));
    res.set_content("ok", "text/plain");
  });
  std::thread a([&] { EXPECT_TRUE(transport->post(params(d)).ok()); });
  std::thread b([&] { EXPECT_TRUE(transport->post(params(d)).ok()); });
  a.join();
  b.join();
  EXPECT_EQ(rx.connections(), 2u);
  rx.on(
      [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(transport->post(params(d)).ok());
  EXPECT_EQ(rx.connections(), 2u);  // the one kept idle served the rest
}

// ---------------------------------------------------------------- HTTPS

class HttpsTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ =
        testing::make_test_certificates(dir_.path(), {"localhost", "receiver.test"}, {"127.0.0.1"});
    other_ = testing::make_test_certificates(dir_.path(), {"localhost"}, {"127.0.0.1"}, "other-");
    rx_ = std::make_unique<Receiver>(testing::make_tls_server(certs_));
  }
  std::string url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(rx_->port()) + "/hook";
  }
  testing::TempDir dir_;
  testing::TestCertificates certs_;
  testing::TestCertificates other_;
  std::unique_ptr<Receiver> rx_;
};

TEST_F(HttpsTransportTest, VerifiedWithTheCaFile) {
  HttpTransportOptions o;
  o.ca_file = certs_.ca_cert;
  auto transport = make_http_transport(o);
  for (const char* host : {"127.0.0.1", "localhost"}) {  // IP and DNS names in the SAN
    auto r = transport->post(params(destination(url(host))));
    ASSERT_TRUE(r.ok()) << host << ": " << r.status().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "ok");
  }
  // Pinned to 127.0.0.1, verified as the URL's host (never resolved).
  auto r = transport->post(params(pinned("https", "receiver.test", rx_->port(), "127.0.0.1")));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(rx_->last().get_header_value("Host"), "receiver.test:" + std::to_string(rx_->port()));
}

TEST_F(HttpsTransportTest, KeepAliveOverTls) {
  HttpTransportOptions o;
  o.ca_file = certs_.ca_cert;
  auto transport = make_http_transport(o);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(transport->post(params(destination(url("127.0.0.1")))).ok());
  EXPECT_EQ(rx_->connections(), 1u);
}

TEST_F(HttpsTransportTest, CertificateForAnotherNameIsRefused) {
  HttpTransportOptions o;
  o.ca_file = certs_.ca_cert;
  // The address is right, the name is not in the certificate.
  auto r =
      make_http_transport(o)->post(params(pinned("https", "evil.test", rx_->port(), "127.0.0.1")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("TLS verification failed"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("evil.test"), std::string::npos) << r.status().message();
  EXPECT_EQ(rx_->requests(), 0);
}

TEST_F(HttpsTransportTest, UntrustedCertificateIsRefused) {
  HttpTransportOptions other_ca;
  other_ca.ca_file = other_.ca_cert;
  HttpTransportOptions system_store;  // verify on, the system's CAs
  for (const auto& o : {other_ca, system_store}) {
    auto r = make_http_transport(o)->post(params(destination(url("127.0.0.1"))));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
    EXPECT_NE(r.status().message().find("TLS verification failed"), std::string::npos)
        << r.status().message();
  }
  EXPECT_EQ(rx_->requests(), 0);
}

TEST_F(HttpsTransportTest, VerificationOffAcceptsAnyCertificate) {
  HttpTransportOptions o;
  o.verify_tls = false;
  auto r =
      make_http_transport(o)->post(params(pinned("https", "evil.test", rx_->port(), "127.0.0.1")));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpsTransportTest, MissingCaFileIsAnError) {
  HttpTransportOptions o;
  o.ca_file = dir_.file("no-such-ca.pem");
  auto r = make_http_transport(o)->post(params(destination(url("127.0.0.1"))));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("TLS"), std::string::npos) << r.status().message();
  EXPECT_EQ(rx_->requests(), 0);
}

}  // namespace
}  // namespace usd1pay
