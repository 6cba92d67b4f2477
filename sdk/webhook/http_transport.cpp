// The webhook HTTP transport (see webhook_dispatcher.h, section "transport"):
// plain http:// goes through the lean client in http_client.cpp (its rules
// are there); https:// through cpp-httplib, as follows.
//
// Connections go to the addresses check_destination() approved: each client is
// pinned to one address (set_hostname_addr_map), while the Host header, TLS SNI
// and certificate name checks use the URL's host. So a name that resolves
// elsewhere between the check and the connection (DNS rebinding) changes
// nothing.
//
// Keep-alive: an httplib client holds one connection and must not be used by
// two threads at once, so each post() checks a client out of a pool of idle
// ones per (scheme, host, port, address), or makes one, and gives it back when
// the exchange ended cleanly. A connection that failed, timed out or was cut
// short is closed, never pooled. A post on a reused connection that fails
// before any response byte (the server closed the idle connection as we sent)
// is sent once more on a new connection, as browsers and Go's net/http do:
// webhooks are at-least-once, and the receiver de-duplicates by webhook-id.
//
// Time: connect_timeout bounds connecting (per address tried); request_timeout
// bounds each read and write, and a watchdog thread stops any exchange still
// running connect_timeout + request_timeout after post() began, so a server
// trickling headers or body bytes cannot hold a worker longer. (A hostile TLS
// handshake is bounded by httplib per step, not as a whole: a stop waits for
// the handshake to end.)
//
// Response bodies: the first max_response_bytes are kept; up to kDrainBytes
// more are read and dropped so that the connection can be reused; beyond that
// (or when Content-Length says so) reading stops and the connection is closed.
#include <httplib.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "usd1pay/webhook_dispatcher.h"
#include "webhook/http_client.h"

namespace usd1pay {
namespace {

using SteadyClock = std::chrono::steady_clock;

using webhook_internal::kDrainBytes;
using webhook_internal::kMaxIdle;

std::pair<time_t, time_t> sec_usec(std::chrono::milliseconds ms) {
  const auto count = std::max<std::int64_t>(ms.count(), 1);
  return {static_cast<time_t>(count / 1000), static_cast<time_t>((count % 1000) * 1000)};
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Stops exchanges that outlive their deadline (httplib::ClientImpl::stop() is
// the one call that is safe from another thread while a request runs).
class Watchdog {
 public:
  Watchdog() : thread_([this] { run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  /// Watches `client` until disarm(ticket); returns the ticket.
  std::uint64_t arm(httplib::ClientImpl* client, SteadyClock::time_point deadline) {
    std::uint64_t ticket = 0;
    bool earliest = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ticket = ++next_ticket_;
      entries_.emplace(ticket, Entry{client, deadline, false, false});
      earliest = deadline < next_wake_;
    }
    if (earliest) cv_.notify_all();
    return ticket;
  }

  /// Stops watching; waits for a stop in progress on that client. True when
  /// the watchdog stopped the exchange.
  bool disarm(std::uint64_t ticket) {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = entries_.find(ticket);
    cv_.wait(lock, [&] { return !it->second.stopping; });
    const bool fired = it->second.fired;
    entries_.erase(it);
    return fired;
  }

 private:
  struct Entry {
    httplib::ClientImpl* client;
    SteadyClock::time_point deadline;
    bool fired;
    bool stopping;
  };

  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      const auto now = SteadyClock::now();
      next_wake_ = SteadyClock::time_point::max();
      Entry* due = nullptr;
      for (auto& [ticket, e] : entries_) {
        if (e.fired) continue;
        if (e.deadline <= now) {
          due = &e;
          break;
        }
        next_wake_ = std::min(next_wake_, e.deadline);
      }
      if (due != nullptr) {
        due->fired = true;
        due->stopping = true;
        httplib::ClientImpl* client = due->client;
        lock.unlock();
        client->stop();  // may wait for a connect / handshake in progress
        lock.lock();
        due->stopping = false;  // entries_ is a map: `due` is stable until disarm
        cv_.notify_all();
        continue;
      }
      if (next_wake_ == SteadyClock::time_point::max()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, next_wake_);
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::uint64_t, Entry> entries_;
  std::uint64_t next_ticket_ = 0;
  SteadyClock::time_point next_wake_ = SteadyClock::time_point::max();
  bool done_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

struct PooledClient {
  std::unique_ptr<httplib::ClientImpl> client;
  SteadyClock::time_point idle_since;
};

// One exchange's outcome, before it becomes a Result.
struct Exchange {
  bool sent = false;
  httplib::Error error = httplib::Error::Success;
  bool got_response = false;   // the status line and headers arrived
  bool cap_stop = false;       // we stopped reading a too-large body
  bool deadline_stop = false;  // the deadline passed while reading
  bool watchdog_stop = false;  // the watchdog cut the exchange
  long verify_result = 0;      // X509 verification result (TLS)
  HttpPostResult result;
};

class HttpTransportImpl final : public HttpTransport {
 public:
  explicit HttpTransportImpl(HttpTransportOptions options)
      : options_(std::move(options)), plain_(options_.max_idle_per_origin) {}

  Result<HttpPostResult> post(const HttpPostParams& p) override {
    const WebhookUrl& url = p.destination.url;
    if (url.scheme != "http" && url.scheme != "https") {
      return Status(ErrorCode::kInvalidArgument,
                    "webhook post: scheme \"" + url.scheme + "\" is not http or https");
    }
    if (p.destination.addresses.empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    "webhook post: " + webhook_internal::webhook_authority(url) +
                        ": no checked address to connect to");
    }
    USD1PAY_RETURN_IF_ERROR(webhook_internal::check_request_headers(p));
    if (url.scheme == "http") return plain_.post(p);
    const auto start = SteadyClock::now();
    const auto deadline = start + p.connect_timeout + p.request_timeout;
    Status last;
    for (const std::string& address : p.destination.addresses) {
      const std::string key =
          url.scheme + "|" + url.host + "|" + std::to_string(url.port) + "|" + address;
      bool reused = false;
      std::unique_ptr<httplib::ClientImpl> client = checkout(key, url, address, reused);
      configure(*client, p);
      const auto began = SteadyClock::now();
      Exchange x = exchange(*client, p, deadline);
      // A read that timed out reached a slow server, not a dead connection.
      const bool quick = SteadyClock::now() - began < p.request_timeout / 2;
      if (quick && !x.sent && reused && !x.got_response && !x.watchdog_stop && !x.deadline_stop &&
          (x.error == httplib::Error::Read || x.error == httplib::Error::Write) &&
          SteadyClock::now() < deadline) {
        // The idle connection died under us: once more on a fresh one.
        client = make_client(url, address);
        configure(*client, p);
        x = exchange(*client, p, deadline);
      }
      if (x.sent && !x.cap_stop && !x.watchdog_stop && !x.deadline_stop) {
        checkin(key, std::move(client));
        return std::move(x.result);
      }
      if (x.got_response && x.cap_stop) {
        return std::move(x.result);  // a complete status and headers; the body capped
      }
      last = describe(x, url, address, p, SteadyClock::now() - start);
      // Only a failure to connect moves on to the next checked address.
      if (x.error != httplib::Error::Connection || SteadyClock::now() >= deadline) break;
    }
    return last;
  }

 private:
  std::unique_ptr<httplib::ClientImpl> make_client(const WebhookUrl& url,
                                                   const std::string& address) const {
    std::unique_ptr<httplib::ClientImpl> client;
    if (url.scheme == "https") {
      client = std::make_unique<httplib::SSLClient>(url.host, url.port);
      client->enable_server_certificate_verification(options_.verify_tls);
      if (!options_.ca_file.empty()) client->set_ca_cert_path(options_.ca_file);
    } else {
      client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
    }
    client->set_hostname_addr_map({{url.host, address}});
    client->set_keep_alive(true);
    client->set_follow_location(false);  // a 3xx is an answer, not an instruction
    client->set_tcp_nodelay(true);
    return client;
  }

  static void configure(httplib::ClientImpl& client, const HttpPostParams& p) {
    const auto connect = sec_usec(p.connect_timeout);
    const auto io = sec_usec(p.request_timeout);
    client.set_connection_timeout(connect.first, connect.second);
    client.set_read_timeout(io.first, io.second);
    client.set_write_timeout(io.first, io.second);
  }

  std::unique_ptr<httplib::ClientImpl> checkout(const std::string& key, const WebhookUrl& url,
                                                const std::string& address, bool& reused) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = idle_.find(key);
      const auto now = SteadyClock::now();
      while (it != idle_.end() && !it->second.empty()) {
        PooledClient pc = std::move(it->second.back());
        it->second.pop_back();
        if (now - pc.idle_since < kMaxIdle && pc.client->is_socket_open() != 0) {
          reused = true;
          return std::move(pc.client);
        }
        // Too old: dropped (closed) here.
      }
    }
    reused = false;
    return make_client(url, address);
  }

  void checkin(const std::string& key, std::unique_ptr<httplib::ClientImpl> client) {
    if (client->is_socket_open() == 0) return;  // the server closed it
    std::lock_guard<std::mutex> lock(mu_);
    auto& idle = idle_[key];
    if (idle.size() >= options_.max_idle_per_origin) return;
    idle.push_back(PooledClient{std::move(client), SteadyClock::now()});
  }

  Exchange exchange(httplib::ClientImpl& client, const HttpPostParams& p,
                    SteadyClock::time_point deadline) {
    Exchange x;
    const std::size_t cap = p.max_response_bytes;
    std::size_t seen = 0;
    bool stop_at_cap = false;

    httplib::Request req;
    req.method = "POST";
    req.path = p.destination.url.path_and_query;
    req.headers.emplace("Host", webhook_internal::webhook_host_header(p.destination.url));
    req.headers.emplace("Content-Type", p.content_type);
    for (const auto& [name, value] : p.headers) req.headers.emplace(name, value);
    req.body = p.body;
    req.response_handler = [&](const httplib::Response& r) {
      x.got_response = true;
      x.result.status = r.status;
      x.result.headers.reserve(r.headers.size());
      for (const auto& [name, value] : r.headers) x.result.headers.emplace_back(lower(name), value);
      if (r.has_header("Content-Length")) {
        const std::string& len = r.get_header_value("Content-Length");
        if (len.size() > 19 || std::strtoull(len.c_str(), nullptr, 10) > cap + kDrainBytes) {
          stop_at_cap = true;  // will not be drained: stop once the kept part is in
          if (cap == 0) {
            x.result.body_truncated = true;
            x.cap_stop = true;
            return false;
          }
        }
      }
      return true;
    };
    req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
      if (SteadyClock::now() > deadline) {
        x.deadline_stop = true;
        return false;
      }
      seen += n;
      const std::size_t room = cap - std::min(cap, x.result.body.size());
      if (n > room) x.result.body_truncated = true;
      x.result.body.append(data, std::min(n, room));
      if (x.result.body_truncated && (stop_at_cap || seen > cap + kDrainBytes)) {
        x.cap_stop = true;
        return false;
      }
      return true;
    };

    httplib::Response res;
    const std::uint64_t ticket = watchdog_.arm(&client, deadline);
    x.sent = client.send(req, res, x.error);
    x.watchdog_stop = watchdog_.disarm(ticket) && !x.sent;
    if (x.sent && !x.got_response) {
      // httplib calls no response_handler for a 204 (no body to receive).
      x.got_response = true;
      x.result.status = res.status;
      for (const auto& [name, value] : res.headers)
        x.result.headers.emplace_back(lower(name), value);
    }
    if (x.error == httplib::Error::SSLServerVerification) {
      if (auto* ssl = dynamic_cast<httplib::SSLClient*>(&client)) {
        x.verify_result = ssl->get_openssl_verify_result();
      }
    }
    return x;
  }

  static Status describe(const Exchange& x, const WebhookUrl& url, const std::string& address,
                         const HttpPostParams& p, SteadyClock::duration elapsed) {
    const std::string where = webhook_internal::webhook_post_where(url, address);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    std::string what;
    if (x.watchdog_stop || x.deadline_stop) {
      what = "timed out: no complete response within " +
             std::to_string((p.connect_timeout + p.request_timeout).count()) + " ms";
    } else {
      switch (x.error) {
        case httplib::Error::Connection:
          what =
              ms >= p.connect_timeout.count()
                  ? "connect timed out after " + std::to_string(p.connect_timeout.count()) + " ms"
                  : "connection refused (or the address is unreachable)";
          break;
        case httplib::Error::Read:
          what = ms >= p.request_timeout.count()
                     ? "timed out after " + std::to_string(p.request_timeout.count()) +
                           " ms waiting for the response"
                     : (x.got_response ? "connection reset or closed in the middle of the response"
                                       : "connection reset or closed before a response");
          break;
        case httplib::Error::Write:
          what = "connection reset or closed while sending the request";
          break;
        case httplib::Error::SSLConnection: what = "TLS handshake failed"; break;
        case httplib::Error::SSLLoadingCerts:
          what = "TLS: cannot load the CA certificates" + (p.destination.url.scheme == "https"
                                                               ? std::string(" (check ca_file)")
                                                               : std::string());
          break;
        case httplib::Error::SSLServerVerification:
          what = "TLS verification failed: " +
                 (x.verify_result != X509_V_OK
                      ? std::string(X509_verify_cert_error_string(x.verify_result))
                      : "the certificate is not valid for " + url.host);
          break;
        default: what = httplib::to_string(x.error); break;
      }
    }
    return Status(ErrorCode::kUnavailable, where + ": " + what);
  }

  HttpTransportOptions options_;
  webhook_internal::PlainHttpClient plain_;  // http://
  std::mutex mu_;
  std::map<std::string, std::vector<PooledClient>> idle_;
  Watchdog watchdog_;  // after the pool: joined before the clients go
};

}  // namespace

std::unique_ptr<HttpTransport> make_http_transport(const HttpTransportOptions& options) {
  return std::make_unique<HttpTransportImpl>(options);
}

}  // namespace usd1pay
