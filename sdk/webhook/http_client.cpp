// The webhook transport's HTTP/1.1 client for plain http:// (see
// http_client.h). It exists for speed: per delivery it makes one sendmsg()
// (request head and body together), one poll() and usually one recv(), where
// cpp-httplib's client took several times the CPU (its share of the
// delivering process was the largest single cost). Its rules:
//
// Where it connects: to the addresses check_destination() approved, in
// order, as IP literals (never resolving the host again, so DNS rebinding
// changes nothing), moving to the next address only when connecting fails.
// The Host header is the URL's host (with the port unless it is the default).
//
// Time: connect_timeout bounds each connect; request_timeout bounds each wait
// for the socket to take request bytes or give response bytes; and the whole
// post() ends connect_timeout + request_timeout after it began, however
// slowly a server trickles bytes. Waits are poll() on a non-blocking socket:
// no thread, no signal.
//
// Keep-alive: idle connections wait in a pool per (host, port, address), at
// most max_idle_per_origin each, and are closed instead of reused after 30 s
// or when the server closed them or sent anything while they were idle (a
// poll with no wait before each reuse). A connection goes back to the pool
// only after a complete HTTP/1.1 answer without "Connection: close" whose
// body was framed (Content-Length or chunked) and read to its end, with no
// byte after it.
//
// At least once, never lost: a post succeeds only with a complete status
// line and headers. When a REUSED connection fails before any response byte
// arrived, by the server closing or resetting it (not a timeout, not a
// malformed answer), the post is sent once more on a new connection: the
// server most likely closed the idle connection as the request went out.
// If it had in fact received and acted on the first copy, the receiver sees
// the webhook twice with the same webhook-id (allowed: webhooks are
// at-least-once and receivers de-duplicate); any other failure is an error,
// and the dispatcher retries by its schedule.
//
// Response bodies: the first max_response_bytes are kept; up to 64 KiB more
// are read and dropped so that the connection can be reused; beyond that (or
// when Content-Length says so) reading stops and the connection is closed
// (the answer is still a value, body_truncated set). Status line and headers
// take at most 64 KiB (interim 1xx answers included). The parser is
// http_response.h.
#include "webhook/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "usd1pay/encoding.h"
#include "webhook/http_response.h"

namespace usd1pay::webhook_internal {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool is_ipv6(const std::string& host) {
  return host.find(':') != std::string::npos;
}

bool is_tchar(char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool iequals(const std::string& a, const char* b) {
  const std::size_t n = std::strlen(b);
  if (a.size() != n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

// Where a header value has a byte that is not tab, SP, VCHAR or obs-text.
std::size_t bad_value_byte(const std::string& v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto u = static_cast<unsigned char>(v[i]);
    if (u != '\t' && (u < 0x20 || u == 0x7f)) return i;
  }
  return std::string::npos;
}

// Milliseconds left until `deadline` (0 when passed), capped at `step`.
int wait_ms(SteadyClock::time_point deadline, milliseconds step, bool& deadline_first) {
  const auto left =
      std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now()).count() + 1;
  deadline_first = left <= step.count();
  const auto ms = std::max<std::int64_t>(0, std::min<std::int64_t>(left, step.count()));
  return static_cast<int>(std::min<std::int64_t>(ms, 0x7fffffff));
}

enum class Wait { kReady, kTimeout, kDeadline, kError };

// Waits for `events` on fd, for at most `step` and not past `deadline`.
Wait wait_for(int fd, short events, milliseconds step, SteadyClock::time_point deadline) {
  while (true) {
    if (SteadyClock::now() >= deadline) return Wait::kDeadline;
    bool deadline_first = false;
    const int ms = wait_ms(deadline, step, deadline_first);
    pollfd pfd{fd, events, 0};
    const int rc = ::poll(&pfd, 1, ms);
    if (rc > 0) return Wait::kReady;  // includes POLLHUP / POLLERR: the next call tells
    if (rc == 0) {
      if (deadline_first || SteadyClock::now() >= deadline) return Wait::kDeadline;
      return Wait::kTimeout;
    }
    if (errno != EINTR) return Wait::kError;
  }
}

// Closes an fd it owns.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() { reset(); }
  Socket(Socket&& o) noexcept : fd_(o.release()) {}
  Socket& operator=(Socket&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// How an exchange (or a connect) ended.
enum class End {
  kOk,
  kConnectFailed,   // refused or unreachable
  kConnectTimeout,  // connect_timeout passed
  kWriteFailed,     // reset or closed while sending
  kWriteTimeout,    // request_timeout passed waiting to send
  kReadTimeout,     // request_timeout passed waiting for a byte
  kDeadline,        // connect_timeout + request_timeout since post() began
  kClosedBefore,    // closed or reset before any response byte
  kClosedMid,       // closed or reset in the middle of the response
  kMalformed,       // the parser refused the answer
};

struct Outcome {
  End end = End::kOk;
  bool reusable = false;
  bool answered = false;  // any byte of an answer came back
  std::string detail;     // the parser's message (kMalformed)
  HttpPostResult result;
};

bool is_connect_failure(End e) {
  return e == End::kConnectFailed || e == End::kConnectTimeout;
}

// Connects to `address` (an IP literal) and `port`, non-blocking, TCP_NODELAY.
End connect_to(const std::string& address, std::uint16_t port, const HttpPostParams& p,
               SteadyClock::time_point deadline, Socket& out) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    return End::kConnectFailed;  // check_destination gives IP literals only
  }
  Socket s(::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.valid()) return End::kConnectFailed;
  int one = 1;
  ::setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) return End::kConnectFailed;
    const Wait w = wait_for(s.fd(), POLLOUT, p.connect_timeout, deadline);
    if (w == Wait::kTimeout) return End::kConnectTimeout;
    if (w == Wait::kDeadline) return End::kDeadline;
    if (w == Wait::kError) return End::kConnectFailed;
    int err = 0;
    socklen_t err_len = sizeof err;
    if (::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0) {
      return End::kConnectFailed;
    }
  }
  out = std::move(s);
  return End::kOk;
}

std::string request_head(const HttpPostParams& p) {
  const WebhookUrl& url = p.destination.url;
  std::string head;
  head.reserve(160 + url.path_and_query.size() + p.content_type.size() + 64 * p.headers.size());
  head += "POST ";
  head += url.path_and_query;
  head += " HTTP/1.1\r\nHost: ";
  head += webhook_host_header(url);
  head += "\r\nContent-Type: ";
  head += p.content_type;
  head += "\r\nContent-Length: ";
  head += std::to_string(p.body.size());
  head += "\r\n";
  for (const auto& [name, value] : p.headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

// Sends head and body (one sendmsg when the socket takes them at once).
End send_request(int fd, const std::string& head, const std::string& body, const HttpPostParams& p,
                 SteadyClock::time_point deadline) {
  iovec iov[2];
  iov[0].iov_base = const_cast<char*>(head.data());
  iov[0].iov_len = head.size();
  iov[1].iov_base = const_cast<char*>(body.data());
  iov[1].iov_len = body.size();
  std::size_t first = 0;
  std::size_t count = body.empty() ? 1 : 2;
  while (first < count) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = count - first;
    // sendmsg, not writev: MSG_NOSIGNAL makes a closed peer EPIPE, not SIGPIPE.
    const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      auto left = static_cast<std::size_t>(n);
      while (first < count && left >= iov[first].iov_len) {
        left -= iov[first].iov_len;
        ++first;
      }
      if (first < count) {
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return End::kWriteFailed;
    const Wait w = wait_for(fd, POLLOUT, p.request_timeout, deadline);
    if (w == Wait::kTimeout) return End::kWriteTimeout;
    if (w == Wait::kDeadline) return End::kDeadline;
    if (w == Wait::kError) return End::kWriteFailed;
  }
  return End::kOk;
}

Outcome read_response(int fd, const HttpPostParams& p, SteadyClock::time_point deadline) {
  Outcome o;
  HttpResponseLimits limits;
  limits.max_head_bytes = kMaxResponseHeadBytes;
  limits.keep_body = p.max_response_bytes;
  limits.drain_body = kDrainBytes;
  HttpResponseParser parser(limits);
  char buf[16384];
  while (true) {
    const Wait w = wait_for(fd, POLLIN, p.request_timeout, deadline);
    if (w == Wait::kTimeout || w == Wait::kDeadline) {
      o.end = w == Wait::kTimeout ? End::kReadTimeout : End::kDeadline;
      return o;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n > 0) o.answered = true;
    if (n <= 0) {  // closed (0) or reset
      if (n == 0 && parser.finish() == HttpResponseParser::State::kDone) {
        o.result = parser.take_result();
        return o;  // a body that ran to the end of the connection
      }
      o.end = parser.started() ? End::kClosedMid : End::kClosedBefore;
      return o;
    }
    std::size_t used = 0;
    const auto state = parser.feed(buf, static_cast<std::size_t>(n), used);
    if (state == HttpResponseParser::State::kDone) {
      // Bytes after the answer were never asked for: the connection is not
      // trusted with another request.
      o.reusable = parser.reusable() && used == static_cast<std::size_t>(n);
      o.result = parser.take_result();
      return o;
    }
    if (state == HttpResponseParser::State::kError) {
      o.end = End::kMalformed;
      o.detail = parser.error();
      return o;
    }
  }
}

Outcome exchange(int fd, const std::string& head, const HttpPostParams& p,
                 SteadyClock::time_point deadline) {
  Outcome o;
  o.end = send_request(fd, head, p.body, p, deadline);
  if (o.end == End::kWriteFailed) {
    // The server may have answered (and closed) before taking the whole
    // request, or closed an idle connection; what it said, if anything,
    // is readable still.
    Outcome r = read_response(fd, p, deadline);
    if (r.answered) {  // the request surely arrived: never sent again
      r.reusable = false;
      return r;
    }
    return o;
  }
  if (o.end != End::kOk) return o;
  return read_response(fd, p, deadline);
}

Status describe(End end, const std::string& detail, const HttpPostParams& p,
                const std::string& address) {
  std::string what;
  const auto ms = [](milliseconds t) { return std::to_string(t.count()) + " ms"; };
  switch (end) {
    case End::kConnectFailed: what = "connection refused (or the address is unreachable)"; break;
    case End::kConnectTimeout: what = "connect timed out after " + ms(p.connect_timeout); break;
    case End::kWriteFailed: what = "connection reset or closed while sending the request"; break;
    case End::kWriteTimeout:
      what = "timed out after " + ms(p.request_timeout) + " sending the request";
      break;
    case End::kReadTimeout:
      what = "timed out after " + ms(p.request_timeout) + " waiting for the response";
      break;
    case End::kDeadline:
      what = "timed out: no complete response within " + ms(p.connect_timeout + p.request_timeout);
      break;
    case End::kClosedBefore: what = "connection reset or closed before a response"; break;
    case End::kClosedMid: what = "connection reset or closed in the middle of the response"; break;
    case End::kMalformed: what = detail; break;
    case End::kOk: what = "internal: no error"; break;
  }
  return Status(ErrorCode::kUnavailable,
                webhook_post_where(p.destination.url, address) + ": " + what);
}

}  // namespace

std::string webhook_authority(const WebhookUrl& url) {
  std::string host = is_ipv6(url.host) ? "[" + url.host + "]" : url.host;
  return host + ":" + std::to_string(url.port);
}

std::string webhook_host_header(const WebhookUrl& url) {
  std::string host = is_ipv6(url.host) ? "[" + url.host + "]" : url.host;
  const bool default_port =
      (url.scheme == "https" && url.port == 443) || (url.scheme == "http" && url.port == 80);
  return default_port ? host : host + ":" + std::to_string(url.port);
}

std::string webhook_post_where(const WebhookUrl& url, const std::string& address) {
  std::string where = "webhook post: " + url.scheme + "://" + webhook_authority(url);
  if (address != url.host) where += " (" + address + ")";
  return where;
}

Status check_request_headers(const HttpPostParams& p) {
  const std::size_t ct = bad_value_byte(p.content_type);
  if (ct != std::string::npos) {
    return Status(ErrorCode::kInvalidArgument,
                  "webhook post: content type: control byte at position " + std::to_string(ct));
  }
  for (const auto& [name, value] : p.headers) {
    if (name.empty()) {
      return Status(ErrorCode::kInvalidArgument, "webhook post: header with an empty name");
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (!is_tchar(name[i])) {
        return Status(ErrorCode::kInvalidArgument, "webhook post: header name: bad character " +
                                                       quote_char(name[i]) + " at position " +
                                                       std::to_string(i));
      }
    }
    for (const char* own : {"host", "content-length", "transfer-encoding", "connection"}) {
      if (iequals(name, own)) {
        return Status(ErrorCode::kInvalidArgument,
                      "webhook post: header \"" + name + "\" is written by the transport");
      }
    }
    const std::size_t bad = bad_value_byte(value);
    if (bad != std::string::npos) {
      return Status(
          ErrorCode::kInvalidArgument,
          "webhook post: header \"" + name + "\": control byte at position " + std::to_string(bad));
    }
  }
  return Status();
}

PlainHttpClient::PlainHttpClient(std::size_t max_idle_per_origin)
    : max_idle_(max_idle_per_origin) {}

PlainHttpClient::~PlainHttpClient() {
  for (auto& [key, conns] : idle_) {
    for (const Idle& c : conns) ::close(c.fd);
  }
}

int PlainHttpClient::checkout(const std::string& key) {
  std::vector<int> dead;
  int fd = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = idle_.find(key);
    const auto now = SteadyClock::now();
    while (it != idle_.end() && !it->second.empty()) {
      const Idle c = it->second.back();
      it->second.pop_back();
      // Idle means silent: a readable idle socket was closed by the server
      // (or holds bytes nobody asked for).
      pollfd pfd{c.fd, POLLIN, 0};
      if (now - c.since < kMaxIdle && ::poll(&pfd, 1, 0) == 0) {
        fd = c.fd;
        break;
      }
      dead.push_back(c.fd);
    }
  }
  for (int d : dead) ::close(d);
  return fd;
}

void PlainHttpClient::checkin(const std::string& key, int fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& conns = idle_[key];
    if (conns.size() < max_idle_) {
      conns.push_back(Idle{fd, SteadyClock::now()});
      return;
    }
  }
  ::close(fd);
}

Result<HttpPostResult> PlainHttpClient::post(const HttpPostParams& p) {
  const WebhookUrl& url = p.destination.url;
  const auto deadline = SteadyClock::now() + p.connect_timeout + p.request_timeout;
  const std::string head = request_head(p);
  Status last;
  for (const std::string& address : p.destination.addresses) {
    const std::string key = url.host + "|" + std::to_string(url.port) + "|" + address;
    Socket s(checkout(key));
    const bool reused = s.valid();
    Outcome o;
    if (!reused) o.end = connect_to(address, url.port, p, deadline, s);
    if (o.end == End::kOk) o = exchange(s.fd(), head, p, deadline);
    if (reused && !o.answered && (o.end == End::kWriteFailed || o.end == End::kClosedBefore) &&
        SteadyClock::now() < deadline) {
      // The idle connection died under us (no response byte came back): once
      // more on a fresh one.
      s.reset();
      o = Outcome();
      o.end = connect_to(address, url.port, p, deadline, s);
      if (o.end == End::kOk) o = exchange(s.fd(), head, p, deadline);
    }
    if (o.end == End::kOk) {
      if (o.reusable) checkin(key, s.release());
      return std::move(o.result);
    }
    last = describe(o.end, o.detail, p, address);
    // Only a failure to connect moves on to the next checked address.
    if (!is_connect_failure(o.end)) break;
  }
  return last;
}

}  // namespace usd1pay::webhook_internal
