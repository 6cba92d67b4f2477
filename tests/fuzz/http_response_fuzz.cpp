// Fuzzes the webhook client's HTTP/1.1 response parser
// (sdk/webhook/http_response.h) with arbitrary bytes as a server's answer.
//
// Input: byte 0 picks the limits (body kept 0 / 1 / 16 / 1024 bytes, drain
// 0 / 8 / 64 KiB, head 64 bytes or 64 KiB, 3 or 128 header fields), byte 1
// the size of the pieces the answer arrives in (0 = at once), the rest is the
// answer; when the parser still wants bytes at the end, the connection
// closes. Invariants checked:
//  - no crash, no sanitizer report, no exception escapes;
//  - the outcome (state, error, status, headers, body, flags, and once done
//    the bytes consumed) is the same whether the answer arrives at once or
//    in pieces;
//  - "more" consumes every byte given; nothing is consumed once done or
//    failed;
//  - done: a final status 200..599, the head read, at most the kept bytes
//    of body (truncated when fewer than the body were kept), header names
//    lowercase tokens, values trimmed and free of CR, LF and NUL; a capped
//    answer is truncated and never reusable;
//  - failed: a message starting "malformed response: " (or naming the
//    close) of bounded length, quoting at most one byte of the answer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "webhook/http_response.h"

namespace {

using usd1pay::webhook_internal::HttpResponseLimits;
using usd1pay::webhook_internal::HttpResponseParser;
using State = HttpResponseParser::State;

void check(bool condition) {
  if (!condition) std::abort();
}

struct Outcome {
  State state = State::kMore;
  std::size_t consumed = 0;
  bool capped = false;
  bool reusable = false;
  bool closed_early = false;
  std::string error;
  usd1pay::HttpPostResult result;
};

Outcome run(const char* data, std::size_t size, std::size_t step, const HttpResponseLimits& l) {
  HttpResponseParser parser(l);
  Outcome o;
  std::size_t at = 0;
  while (at < size && o.state == State::kMore) {
    const std::size_t n = step == 0 ? size - at : std::min(step, size - at);
    std::size_t used = 0;
    o.state = parser.feed(data + at, n, used);
    check(used <= n);
    if (o.state == State::kMore) check(used == n);
    o.consumed += used;
    at += n;
  }
  if (o.state == State::kMore) o.state = parser.finish();
  check(o.state == parser.state());
  std::size_t used = 1;
  check(parser.feed("x", 1, used) == o.state && used == 0);  // final
  o.capped = parser.capped();
  o.reusable = parser.reusable();
  o.closed_early = parser.closed_early();
  o.error = parser.error();
  if (o.state == State::kDone) check(parser.got_head());
  o.result = parser.take_result();
  return o;
}

bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) return true;
  return std::string("!#$%&'*+-.^_`|~").find(c) != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t mode = data[0];
  const std::size_t step = data[1];
  HttpResponseLimits l;
  static constexpr std::size_t kKeep[] = {0, 1, 16, 1024};
  static constexpr std::size_t kDrain[] = {0, 8, 64 * 1024, 8};
  l.keep_body = kKeep[mode & 3];
  l.drain_body = kDrain[(mode >> 2) & 3];
  l.max_head_bytes = (mode & 0x10) != 0 ? 64 : 64 * 1024;
  l.max_headers = (mode & 0x20) != 0 ? 3 : 128;
  const char* bytes = reinterpret_cast<const char*>(data + 2);
  const std::size_t n = size - 2;

  const Outcome whole = run(bytes, n, 0, l);
  const Outcome pieces = run(bytes, n, step, l);
  check(whole.state == pieces.state);
  if (whole.state == State::kDone) check(whole.consumed == pieces.consumed);
  check(whole.error == pieces.error);
  check(whole.capped == pieces.capped && whole.reusable == pieces.reusable);
  check(whole.closed_early == pieces.closed_early);
  check(whole.result.status == pieces.result.status);
  check(whole.result.headers == pieces.result.headers);
  check(whole.result.body == pieces.result.body);
  check(whole.result.body_truncated == pieces.result.body_truncated);

  const Outcome& o = whole;
  check(o.consumed <= n);
  if (o.state == State::kDone) {
    check(o.error.empty());
    check(o.result.status >= 200 && o.result.status <= 599);
    check(o.result.body.size() <= l.keep_body);
    if (o.result.body_truncated) check(o.result.body.size() == l.keep_body);
    if (o.capped) check(o.result.body_truncated && !o.reusable);
    check(o.result.headers.size() <= l.max_headers);
    for (const auto& [name, value] : o.result.headers) {
      check(!name.empty());
      for (char c : name) check(is_tchar(c));
      for (char c : value) check(c != '\r' && c != '\n' && c != '\0');
      if (!value.empty()) {
        check(value.front() != ' ' && value.front() != '\t');
        check(value.back() != ' ' && value.back() != '\t');
      }
    }
  } else {
    check(o.state == State::kError);
    check(o.error.rfind("malformed response: ", 0) == 0 ||
          (o.closed_early && o.error.rfind("connection closed ", 0) == 0));
    check(o.error.size() < 160);
    check(!o.reusable);
  }
  return 0;
}
