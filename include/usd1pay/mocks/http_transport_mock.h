// usd1pay mocks: a trompeloeil mock of usd1pay::HttpTransport.
//
// For integrators who test their webhook setup without a receiver, and for
// usd1pay's own dispatcher tests: answer a delivery with a 500, a 410, a
// Retry-After, or "no response" (kUnavailable), and look at exactly what was
// sent (the destination, the Standard Webhooks headers, the body). Link the
// header-only CMake target `usd1pay::mocks` (it brings `usd1pay::usd1pay`;
// add trompeloeil yourself).
//
// Include your test framework and its trompeloeil adapter first, so that
// failed expectations are reported through it, then this header:
//
//   #include <gtest/gtest.h>
//   #include <gtest/trompeloeil.hpp>
//   #include "usd1pay/mocks/http_transport_mock.h"
//
//   usd1pay::mocks::MockHttpTransport http;
//   REQUIRE_CALL(http, post(trompeloeil::_))
//       .WITH(_1.destination.url.path_and_query == "/hooks")
//       .RETURN(usd1pay::mocks::http_answer(503, {{"retry-after", "120"}}));
//
// post() takes its one Params argument (`_1` in WITH / SIDE_EFFECT / RETURN
// clauses). A call nobody expected fails the test. Ownership: the mock is a
// plain object; pass it by pointer in WebhookDispatcherOptions::transport.
// THREAD SAFETY: the dispatcher calls post() from its worker threads;
// trompeloeil matches expectations from several threads, but set them up
// before the dispatcher runs.
#ifndef USD1PAY_MOCKS_HTTP_TRANSPORT_MOCK_H
#define USD1PAY_MOCKS_HTTP_TRANSPORT_MOCK_H

#include <string>
#include <trompeloeil.hpp>
#include <utility>
#include <vector>

#include "usd1pay/status.h"
#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay::mocks {

class MockHttpTransport : public trompeloeil::mock_interface<HttpTransport> {
 public:
  IMPLEMENT_MOCK1(post);
};

/// A response with `status`, the given headers (names lowercased, as the
/// real transport reports them) and `body`.
inline Result<HttpPostResult> http_answer(
    int status, std::vector<std::pair<std::string, std::string>> headers = {},
    std::string body = {}) {
  HttpPostResult r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

/// "No response": what the real transport returns for a refused connection,
/// a reset or a timeout.
inline Result<HttpPostResult> http_no_response(std::string message = "http: timed out") {
  return Status(ErrorCode::kUnavailable, std::move(message));
}

/// The value of header `name` (lowercase) in a request the dispatcher made,
/// or "" when absent.
inline std::string request_header(const HttpPostParams& p, const std::string& name) {
  for (const auto& [k, v] : p.headers) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace usd1pay::mocks

#endif  // USD1PAY_MOCKS_HTTP_TRANSPORT_MOCK_H
