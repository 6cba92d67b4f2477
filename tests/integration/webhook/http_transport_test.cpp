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

// ---------------------------------------------------------------- the plain-http client's edges
//
// What the lean HTTP/1.1 client (sdk/webhook/http_client.cpp) must get right
// against a raw socket server: malformed and oversized answers, framings,
// reuse rules, and when a request may be sent twice.

// Reads the requests of one connection in order, keeping bytes that arrive
// early (a request is a head and a Content-Length body).
class Requests {
 public:
  explicit Requests(int fd) : fd_(fd) {}
  /// The next request's head (up to the blank line) and body; false at EOF.
  bool next(std::string& head, std::string& body) {
    std::size_t end = std::string::npos;
    while ((end = data_.find("\r\n\r\n")) == std::string::npos) {
      if (!more()) return false;
    }
    head = data_.substr(0, end + 4);
    std::size_t length = 0;
    const std::size_t cl = head.find("Content-Length: ");
    if (cl != std::string::npos) length = std::stoul(head.substr(cl + 16));
    while (data_.size() < end + 4 + length) {
      if (!more()) return false;
    }
    body = data_.substr(end + 4, length);
    data_.erase(0, end + 4 + length);
    return true;
  }
  /// The next request's webhook-id ("" at EOF).
  std::string next_id() {
    std::string head;
    std::string body;
    if (!next(head, body)) return "";
    const std::size_t at = head.find("webhook-id: ");
    if (at == std::string::npos) return "<no webhook-id>";
    return head.substr(at + 12, head.find("\r\n", at) - at - 12);
  }

 private:
  bool more() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  int fd_;
  std::string data_;
};

// The webhook-ids a server saw, in order.
class Seen {
 public:
  void add(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    ids_.push_back(id);
  }
  std::vector<std::string> ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> ids_;
};

const std::string kOkAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

HttpPostParams raw_params(int port, const std::string& id = "msg_1") {
  auto p = params(pinned("http", "127.0.0.1", port, "127.0.0.1"));
  p.headers[0].second = id;
  return p;
}

std::string where(int port) {
  return "webhook post: http://127.0.0.1:" + std::to_string(port) + ": ";
}

// Answers every request on a connection with `answer(n)` (n counts requests
// over all connections, from 0) while it returns something; "" closes.
RawServer::Serve answering(std::function<std::string(int)> answer, std::atomic<int>& count,
                           Seen* seen = nullptr) {
  return [answer = std::move(answer), &count, seen](int fd, const std::atomic<bool>&) {
    Requests requests(fd);
    while (true) {
      const std::string id = requests.next_id();
      if (id.empty()) return;
      if (seen != nullptr) seen->add(id);
      const std::string a = answer(count++);
      if (a.empty()) return;
      send_all(fd, a);
    }
  };
}

TEST(HttpClientEdgesTest, MalformedStatusLineIsAnErrorNamingItAndTheConnectionIsDropped) {
  std::atomic<int> count{0};
  RawServer raw(answering(
      [](int n) {
        return n == 0   ? "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n"
               : n == 1 ? "SSH-2.0-OpenSSH_9.6\r\n"
                        : kOkAnswer;
      },
      count));
  auto transport = make_http_transport();
  auto r = transport->post(raw_params(raw.port()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.status().message(), where(raw.port()) +
                                      "malformed response: status line: expected a 3-digit "
                                      "status code at byte 10");
  r = transport->post(raw_params(raw.port()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), where(raw.port()) +
                                      "malformed response: status line: expected \"HTTP/1.1\", "
                                      "not 'S' at byte 0");
  r = transport->post(raw_params(raw.port()));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(count.load(), 3);    // each sent once: a malformed answer is not retried
  EXPECT_EQ(raw.accepted(), 3);  // and its connection is never reused
}

TEST(HttpClientEdgesTest, OversizedHeadersAreRefusedWithoutWaiting) {
  RawServer raw([](int fd, const std::atomic<bool>& stopping) {
    if (!read_request(fd)) return;
    send_all(fd, "HTTP/1.1 200 OK\r\n");
    const std::string line = "X-Big: " + std::string(1000, 'b') + "\r\n";
    for (int i = 0; i < 1000 && !stopping; ++i) {  // 1 MB of headers, never the blank line
      if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) <= 0) return;
    }
  });
  const auto start = SteadyClock::now();
  auto r = make_http_transport()->post(raw_params(raw.port()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            where(raw.port()) + "malformed response: headers exceed 65536 bytes");
  EXPECT_LT(ms_since(start), 4000) << "the 5 s request timeout must not be what ended it";
}

TEST(HttpClientEdgesTest, ChunkedAnswerWithABadSizeIsAnError) {
  for (const auto& [chunk, error] : std::vector<std::pair<std::string, std::string>>{
           {"5x\r\nhello\r\n0\r\n\r\n", "chunk size: bad character 'x' at byte 48"},
           {"zz\r\n", "chunk size: expected a hex number, not 'z' at byte 47"},
           {"fffffffffffffffff\r\n", "chunk size: more than 16 hex digits at byte 47"},
           {"5\r\nhelloX", "chunk data: expected a line end at byte 55"},
       }) {
    std::atomic<int> count{0};
    const std::string answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk;
    RawServer raw(answering([&](int) { return answer; }, count));
    auto r = make_http_transport()->post(raw_params(raw.port()));
    ASSERT_FALSE(r.ok()) << chunk;
    EXPECT_EQ(r.status().message(), where(raw.port()) + "malformed response: " + error);
  }
}

TEST(HttpClientEdgesTest, ChunkedAnswersInPiecesAreReadAndTheConnectionKept) {
  std::atomic<int> count{0};
  RawServer raw([&](int fd, const std::atomic<bool>&) {
    Requests requests(fd);
    while (!requests.next_id().empty()) {
      ++count;
      // Each piece its own send: the client must join them.
      for (const char* piece :
           {"HTTP/1.1 200 OK\r\nTransfer-", "Encoding: chunked\r\nRetry-After: 7\r\n\r\n5\r",
            "\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n", "\r\n"}) {
        send_all(fd, piece);
      }
    }
  });
  auto transport = make_http_transport();
  for (int i = 0; i < 5; ++i) {
    auto r = transport->post(raw_params(raw.port()));
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello world");
    EXPECT_EQ(header(*r, "retry-after"), "7");
    EXPECT_EQ(header(*r, "x-trailer"), "<absent>");
  }
  EXPECT_EQ(count.load(), 5);
  EXPECT_EQ(raw.accepted(), 1);
}

TEST(HttpClientEdgesTest, InterimAnswersAreSkipped) {
  std::atomic<int> count{0};
  RawServer raw(answering(
      [](int) {
        return std::string(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
            "HTTP/1.1 202 Accepted\r\nContent-Length: 4\r\n\r\nlater");
      },
      count));
  auto transport = make_http_transport();
  for (int i = 0; i < 3; ++i) {
    auto r = transport->post(raw_params(raw.port()));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 202);
    EXPECT_EQ(r->body, "late");
    EXPECT_EQ(header(*r, "link"), "<absent>");
  }
  // "later" has one byte more than its Content-Length: that byte was never
  // asked for, so the connection was not trusted again.
  EXPECT_EQ(raw.accepted(), 3);
}

TEST(HttpClientEdgesTest, AnswersThatEndTheConnectionAreNotReused) {
  // Each kind of answer, then the server keeps the connection open and would
  // answer again: the client must not send there.
  for (const std::string& answer : {
           std::string("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
           std::string("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
           std::string("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n"
                       "\r\n2\r\nok\r\n0\r\n\r\n"),
       }) {
    std::atomic<int> count{0};
    RawServer raw(answering([&](int) { return answer; }, count));
    auto transport = make_http_transport();
    for (int i = 0; i < 3; ++i) {
      auto r = transport->post(raw_params(raw.port()));
      ASSERT_TRUE(r.ok()) << answer << ": " << r.status().message();
      EXPECT_EQ(r->body, "ok");
    }
    EXPECT_EQ(raw.accepted(), 3) << answer;
  }
}

TEST(HttpClientEdgesTest, BodyToTheEndOfTheConnectionIsReadThenTheConnectionClosed) {
  RawServer with_body([](int fd, const std::atomic<bool>&) {
    if (!read_request(fd)) return;
    send_all(fd, "HTTP/1.1 500 Oops\r\n\r\nall of it");
  });
  auto transport = make_http_transport();
  for (int i = 0; i < 2; ++i) {
    auto r = transport->post(raw_params(with_body.port()));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(r->body, "all of it");
    EXPECT_FALSE(r->body_truncated);
  }
  EXPECT_EQ(with_body.accepted(), 2);
}

TEST(HttpClientEdgesTest, EndlessBodyToTheEndOfTheConnectionIsCapped) {
  std::atomic<long> sent{0};
  RawServer raw([&](int fd, const std::atomic<bool>& stopping) {
    if (!read_request(fd)) return;
    send_all(fd, "HTTP/1.1 200 OK\r\n\r\n");
    const std::string chunk(16 * 1024, 'y');
    while (!stopping && sent.load() < 256L * 1024 * 1024) {
      const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += n;
    }
  });
  auto p = raw_params(raw.port());
  p.max_response_bytes = 100;
  auto r = make_http_transport()->post(p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, std::string(100, 'y'));
  EXPECT_TRUE(r->body_truncated);
  EXPECT_LT(sent.load(), 64L * 1024 * 1024);  // the client stopped reading long before
}

TEST(HttpClientEdgesTest, CloseInTheMiddleOfTheHeadersIsAnError) {
  RawServer raw([](int fd, const std::atomic<bool>&) {
    if (!read_request(fd)) return;
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Le");
  });
  auto r = make_http_transport()->post(raw_params(raw.port()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            where(raw.port()) + "connection reset or closed in the middle of the response");
}

TEST(HttpClientEdgesTest, ReceiverThatNeverReadsTimesOutWhileSending) {
  RawServer raw([](int, const std::atomic<bool>& stopping) {
    while (!stopping) std::this_thread::sleep_for(milliseconds(10));  // reads nothing
  });
  auto p = raw_params(raw.port());
  p.body = std::string(32 * 1024 * 1024, 'b');  // more than the socket buffers take
  p.connect_timeout = milliseconds(500);
  p.request_timeout = milliseconds(800);
  const auto start = SteadyClock::now();
  auto r = make_http_transport()->post(p);
  ASSERT_FALSE(r.ok());
  const std::string m = r.status().message();
  EXPECT_TRUE(m == where(raw.port()) + "timed out after 800 ms sending the request" ||
              m == where(raw.port()) + "timed out: no complete response within 1300 ms")
      << m;
  EXPECT_LT(ms_since(start), 1300 + 1000);
}

TEST(HttpClientEdgesTest, RequestTimeoutBoundsEachWaitNotTheWholeAnswer) {
  // A byte every 40 ms for about 600 ms: no wait reaches the 300 ms request
  // timeout, and the whole stays within connect + request timeout.
  RawServer raw([](int fd, const std::atomic<bool>& stopping) {
    if (!read_request(fd)) return;
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nslow!";
    for (std::size_t i = 0; i < answer.size() && !stopping; i += 4) {
      send_all(fd, answer.substr(i, 4));
      std::this_thread::sleep_for(milliseconds(40));
    }
  });
  auto p = raw_params(raw.port());
  p.connect_timeout = milliseconds(5000);  // the bound of the whole: 5300 ms
  p.request_timeout = milliseconds(300);
  auto r = make_http_transport()->post(p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "slow!");
}

// ---------------------------------------------------------------- sent twice?

TEST(HttpClientEdgesTest, ReusedConnectionClosedWithoutAnswerIsSentOnceMoreOnANewOne) {
  // The first connection answers one request, reads the second and closes
  // without a byte back: the client cannot know whether it was acted on, so
  // it sends it again (a duplicate is allowed, a loss is not).
  std::atomic<int> count{0};
  Seen seen;
  std::atomic<int> connections{0};
  RawServer raw([&](int fd, const std::atomic<bool>&) {
    const int c = connections++;
    Requests requests(fd);
    for (int i = 0;; ++i) {
      const std::string id = requests.next_id();
      if (id.empty()) return;
      seen.add(id);
      ++count;
      if (c == 0 && i == 1) return;  // closes without answering
      send_all(fd, kOkAnswer);
    }
  });
  auto transport = make_http_transport();
  ASSERT_TRUE(transport->post(raw_params(raw.port(), "msg_a")).ok());
  auto r = transport->post(raw_params(raw.port(), "msg_b"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(seen.ids(), (std::vector<std::string>{"msg_a", "msg_b", "msg_b"}));
  EXPECT_EQ(raw.accepted(), 2);
}

TEST(HttpClientEdgesTest, ReusedConnectionFailingAfterAnswerBytesIsNotSentAgain) {
  // Once any byte of an answer came back, the request surely arrived: a
  // failure then (cut answer, malformed answer, silence) is an error, and
  // the dispatcher's schedule decides when to try again.
  struct Case {
    std::string second;  // what the first connection sends for its second request
    bool silent;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false,
            "connection reset or closed in the middle of the response"},
           {"HTTP/1.1 2", false, "connection reset or closed in the middle of the response"},
           {"HTTP/9.9 200 OK\r\n\r\n", false,
            "malformed response: status line: expected \"HTTP/1.1\", not '9' at byte 5"},
           {"", true, "timed out after 300 ms waiting for the response"},
       }) {
    Seen seen;
    std::atomic<int> connections{0};
    RawServer raw([&](int fd, const std::atomic<bool>& stopping) {
      const int conn = connections++;
      Requests requests(fd);
      for (int i = 0;; ++i) {
        const std::string id = requests.next_id();
        if (id.empty()) return;
        seen.add(id);
        if (conn == 0 && i == 1) {
          if (c.silent) {
            while (!stopping) std::this_thread::sleep_for(milliseconds(10));
          }
          send_all(fd, c.second);
          return;
        }
        send_all(fd, kOkAnswer);
      }
    });
    auto transport = make_http_transport();
    ASSERT_TRUE(transport->post(raw_params(raw.port(), "msg_a")).ok());
    auto p = raw_params(raw.port(), "msg_b");
    p.request_timeout = milliseconds(300);
    auto r = transport->post(p);
    ASSERT_FALSE(r.ok()) << c.second;
    EXPECT_EQ(r.status().message(), where(raw.port()) + c.error);
    EXPECT_EQ(seen.ids(), (std::vector<std::string>{"msg_a", "msg_b"})) << c.second;
    EXPECT_EQ(raw.accepted(), 1) << c.second;
  }
}

TEST(HttpClientEdgesTest, NewConnectionClosedWithoutAnswerIsNotSentAgain) {
  // On a connection made for this request there is no stale-connection
  // excuse: the server read it and closed.
  Seen seen;
  RawServer raw([&](int fd, const std::atomic<bool>&) {
    Requests requests(fd);
    seen.add(requests.next_id());
  });
  auto r = make_http_transport()->post(raw_params(raw.port(), "msg_a"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            where(raw.port()) + "connection reset or closed before a response");
  EXPECT_EQ(seen.ids(), (std::vector<std::string>{"msg_a"}));
  EXPECT_EQ(raw.accepted(), 1);
}

TEST(HttpClientEdgesTest, IdleConnectionThatSpokeIsNotReused) {
  // After answering, the server sends bytes nobody asked for while the
  // connection is idle: it is not trusted with the next request.
  std::atomic<int> count{0};
  std::atomic<bool> spoke{false};
  RawServer raw([&](int fd, const std::atomic<bool>& stopping) {
    Requests requests(fd);
    while (!requests.next_id().empty()) {
      ++count;
      send_all(fd, kOkAnswer);
      std::this_thread::sleep_for(milliseconds(20));
      send_all(fd, "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n");
      spoke = true;
      if (stopping) return;
    }
  });
  auto transport = make_http_transport();
  ASSERT_TRUE(transport->post(raw_params(raw.port())).ok());
  for (int i = 0; i < 500 && !spoke.load(); ++i) std::this_thread::sleep_for(milliseconds(10));
  std::this_thread::sleep_for(milliseconds(20));  // the bytes cross the loopback
  auto r = transport->post(raw_params(raw.port()));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(count.load(), 2);
  EXPECT_EQ(raw.accepted(), 2);
}

// ---------------------------------------------------------------- the request

TEST(HttpClientEdgesTest, TheRequestOnTheWire) {
  std::string head;
  std::string body;
  std::mutex mu;
  RawServer raw([&](int fd, const std::atomic<bool>&) {
    Requests requests(fd);
    std::string h;
    std::string b;
    if (!requests.next(h, b)) return;
    {
      std::lock_guard<std::mutex> lock(mu);
      head = h;
      body = b;
    }
    send_all(fd, kOkAnswer);
  });
  auto p =
      params(pinned("http", "shop.invalid", raw.port(), "127.0.0.1", "/in?a=1&b=%2F"), "{\"x\":1}");
  ASSERT_TRUE(make_http_transport()->post(p).ok());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(head,
            "POST /in?a=1&b=%2F HTTP/1.1\r\nHost: shop.invalid:" + std::to_string(raw.port()) +
                "\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
                "webhook-id: msg_1\r\nwebhook-timestamp: 1700000000\r\n"
                "webhook-signature: v1,c2lnbmF0dXJl\r\n\r\n");
  EXPECT_EQ(body, "{\"x\":1}");
}

TEST(HttpClientEdgesTest, HeadersThatWouldSplitTheRequestAreRefusedBeforeSending) {
  RawServer raw([](int fd, const std::atomic<bool>&) { read_request(fd); });
  struct Case {
    std::string name;
    std::string value;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"x-a", "1\r\nX-Evil: 2", "webhook post: header \"x-a\": control byte at position 1"},
           {"x-a", std::string("a\0b", 3),
            "webhook post: header \"x-a\": control byte at position 1"},
           {"x a", "1", "webhook post: header name: bad character ' ' at position 1"},
           {"", "1", "webhook post: header with an empty name"},
           {"Host", "evil.example", "webhook post: header \"Host\" is written by the transport"},
           {"content-length", "0",
            "webhook post: header \"content-length\" is written by the transport"},
           {"Transfer-Encoding", "chunked",
            "webhook post: header \"Transfer-Encoding\" is written by the transport"},
       }) {
    for (const char* scheme : {"http", "https"}) {
      auto p = params(pinned(scheme, "127.0.0.1", raw.port(), "127.0.0.1"));
      p.headers.emplace_back(c.name, c.value);
      auto r = make_http_transport()->post(p);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
      EXPECT_EQ(r.status().message(), c.error);
    }
  }
  auto p = raw_params(raw.port());
  p.content_type = "application/json\r\nX-Evil: 1";
  auto r = make_http_transport()->post(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "webhook post: content type: control byte at position 16");
  EXPECT_EQ(raw.accepted(), 0);
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
