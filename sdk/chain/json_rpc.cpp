// JSON-RPC 2.0 over cpp-httplib (see json_rpc.h).
#include "chain/json_rpc.h"

#include <httplib.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <thread>
#include <utility>

#include "usd1pay/clock.h"
#include "usd1pay/encoding.h"

namespace usd1pay::evm_rpc_internal {
namespace {

using Clock = std::chrono::steady_clock;

bool host_char_ok(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

std::pair<time_t, time_t> sec_usec(std::chrono::milliseconds ms) {
  auto count = std::max<std::int64_t>(ms.count(), 1);
  return {static_cast<time_t>(count / 1000), static_cast<time_t>((count % 1000) * 1000)};
}

// A Retry-After (delta-seconds or an HTTP-date) as a wait in ms; -1 when
// unreadable.
long parse_retry_after_ms(const std::string& value) {
  const TimePoint now = std::chrono::system_clock::now();
  const auto at = parse_retry_after(value, now);
  if (!at) return -1;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*at - now).count();
  return static_cast<long>(std::clamp<std::int64_t>(ms, 0, 999999999));
}

}  // namespace

Result<ParsedUrl> parse_url(std::string_view url) {
  ParsedUrl out;
  std::string_view rest;
  if (url.substr(0, 7) == "http://") {
    out.scheme = "http";
    out.port = 80;
    rest = url.substr(7);
  } else if (url.substr(0, 8) == "https://") {
    out.scheme = "https";
    out.port = 443;
    rest = url.substr(8);
  } else {
    return Status(ErrorCode::kInvalidArgument, "url: expected http:// or https://, got \"" +
                                                   std::string(url.substr(0, 40)) + "\"");
  }
  for (std::size_t i = 0; i < url.size(); ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c >= 0x7f) {
      return Status(ErrorCode::kInvalidArgument, "url: bad character " + quote_char(url[i]) +
                                                     " at position " + std::to_string(i));
    }
  }
  std::size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
  if (!path.empty() && path[0] != '/') {
    return Status(ErrorCode::kInvalidArgument, "url: the path must start with '/'");
  }
  if (path.find('#') != std::string_view::npos) {
    return Status(ErrorCode::kInvalidArgument, "url: a fragment ('#') is not allowed");
  }
  out.path = std::string(path);
  if (authority.find('@') != std::string_view::npos) {
    return Status(ErrorCode::kInvalidArgument,
                  "url: credentials in the URL are not supported (use headers)");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status(ErrorCode::kInvalidArgument, "url: unterminated '[' in the host");
    }
    host = authority.substr(0, close + 1);
    for (char c : host.substr(1, host.size() - 2)) {
      if (hex_digit_value(c) < 0 && c != ':' && c != '.') {
        return Status(ErrorCode::kInvalidArgument, "url: bad IPv6 host");
      }
    }
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Status(ErrorCode::kInvalidArgument, "url: junk after ']'");
      port = after.substr(1);
      if (port.empty()) return Status(ErrorCode::kInvalidArgument, "url: empty port");
    }
  } else {
    std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return Status(ErrorCode::kInvalidArgument, "url: empty port");
    }
    for (std::size_t i = 0; i < host.size(); ++i) {
      if (!host_char_ok(host[i])) {
        return Status(ErrorCode::kInvalidArgument,
                      "url: bad character " + quote_char(host[i]) + " in the host");
      }
    }
  }
  if (host.empty() || host == "[]") {
    return Status(ErrorCode::kInvalidArgument, "url: missing host");
  }
  out.host = std::string(host);
  if (!port.empty()) {
    if (port.size() > 5) return Status(ErrorCode::kInvalidArgument, "url: port out of range");
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') {
        return Status(ErrorCode::kInvalidArgument, "url: port: bad character " + quote_char(c));
      }
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) {
      return Status(ErrorCode::kInvalidArgument, "url: port out of range 1..65535");
    }
    out.port = value;
  }
  return out;
}

JsonRpcClient::JsonRpcClient(const EvmRpcOptions& options, ParsedUrl url)
    : options_(options), url_(std::move(url)), rng_(std::random_device{}()) {
  reset_client();
}

JsonRpcClient::~JsonRpcClient() = default;

void JsonRpcClient::reset_client() {
  client_ = std::make_unique<httplib::Client>(url_.scheme + "://" + url_.host + ":" +
                                              std::to_string(url_.port));
  auto connect = sec_usec(options_.connect_timeout);
  auto read = sec_usec(options_.read_timeout);
  client_->set_connection_timeout(connect.first, connect.second);
  client_->set_read_timeout(read.first, read.second);
  client_->set_write_timeout(read.first, read.second);
  client_->set_keep_alive(true);
  client_->set_follow_location(false);  // only the configured URL is contacted
  if (url_.scheme == "https") {
    client_->enable_server_certificate_verification(options_.verify_tls);
    if (!options_.ca_file.empty()) client_->set_ca_cert_path(options_.ca_file);
  }
}

RpcStats JsonRpcClient::stats() const {
  RpcStats s;
  s.requests = requests_.load(std::memory_order_relaxed);
  s.calls = calls_.load(std::memory_order_relaxed);
  s.retries = retries_.load(std::memory_order_relaxed);
  s.range_splits = range_splits_.load(std::memory_order_relaxed);
  return s;
}

std::string JsonRpcClient::describe_error(httplib::Error err) const {
  switch (err) {
    case httplib::Error::SSLServerVerification: {
      const long result = client_->get_openssl_verify_result();
      return "TLS verification failed: " + (result != X509_V_OK
                                                ? std::string(X509_verify_cert_error_string(result))
                                                : "the certificate is not valid for " + url_.host);
    }
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts:
      return "TLS: cannot load the CA certificates (check ca_file)";
    default: return httplib::to_string(err);
  }
}

JsonRpcClient::Attempt JsonRpcClient::attempt(const std::string& payload,
                                              const std::string& label) {
  Attempt a;
  const std::size_t cap = options_.max_response_bytes;
  const auto deadline = Clock::now() + options_.connect_timeout + options_.read_timeout;
  bool timed_out = false;
  int status = 0;

  httplib::Request req;
  req.method = "POST";
  req.path = url_.path;
  req.headers.emplace("Content-Type", "application/json");
  req.headers.emplace("Accept", "application/json");
  for (const auto& [name, value] : options_.headers) req.headers.emplace(name, value);
  req.body = payload;
  req.response_handler = [&](const httplib::Response& r) {
    status = r.status;
    if (r.has_header("Retry-After")) {
      a.retry_after_ms = parse_retry_after_ms(r.get_header_value("Retry-After"));
    }
    if (r.has_header("Content-Length")) {
      const std::string& len = r.get_header_value("Content-Length");
      if (len.size() > 19 || std::strtoull(len.c_str(), nullptr, 10) > cap) {
        a.too_large = true;
        return false;
      }
    }
    return true;
  };
  req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
    if (Clock::now() > deadline) {
      timed_out = true;
      return false;
    }
    if (n > cap - std::min(cap, a.body.size())) {
      a.too_large = true;
      return false;
    }
    a.body.append(data, n);
    return true;
  };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  requests_.fetch_add(1, std::memory_order_relaxed);
  const bool sent = client_->send(req, res, err);
  const std::string where = label + ": " + url_.scheme + "://" + url_.host;
  if (a.too_large) {
    reset_client();
    a.status = Status(ErrorCode::kUnavailable,
                      where + ": response larger than " + std::to_string(cap) + " bytes");
    a.body.clear();
    a.body.shrink_to_fit();
    return a;
  }
  if (timed_out || (sent && Clock::now() > deadline)) {
    reset_client();
    a.status =
        Status(ErrorCode::kUnavailable, where + ": response not complete within " +
                                            std::to_string(options_.read_timeout.count()) + " ms");
    a.retryable = true;
    return a;
  }
  if (!sent) {
    a.status = Status(ErrorCode::kUnavailable, where + ": " + describe_error(err));
    a.retryable = err != httplib::Error::SSLLoadingCerts &&
                  err != httplib::Error::SSLServerVerification &&
                  err != httplib::Error::Compression && err != httplib::Error::Canceled;
    return a;
  }
  if (status == 429 || status >= 500) {
    a.status = Status(ErrorCode::kUnavailable, where + ": HTTP " + std::to_string(status));
    a.retryable = true;
    return a;
  }
  if (status != 200) {
    a.status = Status(ErrorCode::kUnavailable, where + ": HTTP " + std::to_string(status));
    return a;
  }
  return a;
}

BatchOutcome JsonRpcClient::call(const std::vector<RpcCall>& calls, const std::string& label) {
  BatchOutcome out;
  nlohmann::json request;
  const bool batch = calls.size() != 1;
  if (batch) {
    request = nlohmann::json::array();
    for (std::size_t i = 0; i < calls.size(); ++i) {
      request.push_back({{"jsonrpc", "2.0"},
                         {"id", i + 1},
                         {"method", calls[i].method},
                         {"params", calls[i].params}});
    }
  } else {
    request = {
        {"jsonrpc", "2.0"}, {"id", 1}, {"method", calls[0].method}, {"params", calls[0].params}};
  }
  const std::string payload = request.dump();
  calls_.fetch_add(calls.size(), std::memory_order_relaxed);

  for (int attempt_no = 0;; ++attempt_no) {
    Attempt a = attempt(payload, label);
    if (a.too_large) {
      out.status = a.status;
      out.too_large = true;
      return out;
    }
    if (a.status.ok()) {
      auto parsed = parse_body(a.body, label);
      if (!parsed.ok()) {
        out.status = parsed.status();
        return out;
      }
      auto replies = decode_replies(*parsed, calls.size(), batch, label);
      if (!replies.ok()) {
        out.status = replies.status();
        return out;
      }
      out.replies = std::move(replies).value();
      return out;
    }
    if (!a.retryable || attempt_no >= options_.max_retries) {
      out.status =
          attempt_no > 0
              ? a.status.with_context("after " + std::to_string(attempt_no + 1) + " attempts")
              : a.status;
      return out;
    }
    // Exponential backoff with full jitter; a longer Retry-After wins.
    const auto base = options_.backoff_base.count();
    const auto cap = std::max<std::int64_t>(options_.backoff_max.count(), 0);
    std::int64_t ceiling = base;
    for (int i = 0; i < attempt_no && ceiling < cap; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, cap);
    std::int64_t wait = 0;
    if (ceiling > 0) {
      wait = std::uniform_int_distribution<std::int64_t>(0, ceiling)(rng_);
    }
    if (a.retry_after_ms > wait) wait = std::min<std::int64_t>(a.retry_after_ms, cap);
    retries_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
}

}  // namespace usd1pay::evm_rpc_internal
