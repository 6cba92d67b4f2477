// The webhook transport's own HTTP/1.1 client for plain http:// destinations
// (https stays on cpp-httplib, see http_transport.cpp). Its rules are in
// http_client.cpp's opening comment and docs/webhooks.md ("The HTTP client").
#ifndef USD1PAY_SDK_WEBHOOK_HTTP_CLIENT_H
#define USD1PAY_SDK_WEBHOOK_HTTP_CLIENT_H

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "usd1pay/status.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay::webhook_internal {

/// Bytes past max_response_bytes that are read and dropped to keep a
/// connection (both clients).
constexpr std::size_t kDrainBytes = std::size_t{64} * 1024;
/// Idle connections older than this are closed rather than reused.
constexpr auto kMaxIdle = std::chrono::seconds(30);
/// The most bytes a response's status line and headers may take.
constexpr std::size_t kMaxResponseHeadBytes = std::size_t{64} * 1024;

/// "host:port" (IPv6 in brackets), as messages write a destination.
std::string webhook_authority(const WebhookUrl& url);
/// The Host header's value: the port only when it is not the scheme's default.
std::string webhook_host_header(const WebhookUrl& url);
/// "webhook post: scheme://host:port" and " (address)" when the address is
/// not the host itself: how every transport error starts.
std::string webhook_post_where(const WebhookUrl& url, const std::string& address);

/// kInvalidArgument when a header name is not an RFC 9110 token or names a
/// field the transport writes itself (Host, Content-Length,
/// Transfer-Encoding, Connection), or a value (Content-Type's included)
/// holds a control byte other than tab (CR and LF would split the request).
Status check_request_headers(const HttpPostParams& p);

/// A pool of idle keep-alive connections per (host, port, address) and the
/// exchange on them. Safe for concurrent post() calls.
class PlainHttpClient {
 public:
  explicit PlainHttpClient(std::size_t max_idle_per_origin);
  ~PlainHttpClient();
  PlainHttpClient(const PlainHttpClient&) = delete;
  PlainHttpClient& operator=(const PlainHttpClient&) = delete;

  /// POSTs to p.destination (scheme "http", at least one address, headers
  /// already checked): the contract of HttpTransport::post.
  Result<HttpPostResult> post(const HttpPostParams& p);

 private:
  struct Idle {
    int fd;
    std::chrono::steady_clock::time_point since;
  };
  int checkout(const std::string& key);
  void checkin(const std::string& key, int fd);

  std::size_t max_idle_;
  std::mutex mu_;
  std::map<std::string, std::vector<Idle>> idle_;
};

}  // namespace usd1pay::webhook_internal

#endif  // USD1PAY_SDK_WEBHOOK_HTTP_CLIENT_H
