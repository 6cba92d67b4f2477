// An HTTP/1.1 response parser for the webhook transport's plain-http client
// (RFC 9112), fed the bytes of one connection as they arrive.
//
// What it reads: a status line "HTTP/1.0" or "HTTP/1.1", a 3-digit status
// 100..599 and an optional reason; header fields (names are tokens, stored
// lowercased; values without control bytes other than tab, with the
// surrounding spaces and tabs removed; no obsolete line folding); then the
// body, framed as RFC 9112 section 6.3 says for a response to a POST:
//  - 1xx (but 101) is an interim answer: its headers are dropped and the
//    next status line read (101 Switching Protocols was never asked for: an
//    error);
//  - 204 and 304 have no body;
//  - Transfer-Encoding whose last coding is "chunked": chunks (size in hex,
//    extensions ignored), then trailer fields (dropped); another last coding:
//    the body runs to the end of the connection; either way a Content-Length
//    beside it is ignored and the connection not reused;
//  - otherwise Content-Length (repeated values must agree);
//  - otherwise the body runs to the end of the connection.
// Lines end in CRLF or a bare LF; a CR elsewhere in a line is an error.
//
// Limits: the status lines, header and trailer lines of one response
// (interim ones included) take at most max_head_bytes and max_headers
// fields; a chunk-size line at most kMaxChunkLine bytes. Of the body, the
// first keep_body bytes are kept; up to drain_body more are read and dropped
// so that the connection can carry the next request; a longer body (or a
// Content-Length saying it will be) ends the parse as done, capped, with
// body_truncated set: the caller then closes the connection.
//
// Errors name what and where: "malformed response: <what> at byte N" (N
// counts from the first byte of the response) or "malformed response:
// headers exceed N bytes". They never quote more than one byte of what the
// server sent.
#ifndef USD1PAY_SDK_WEBHOOK_HTTP_RESPONSE_H
#define USD1PAY_SDK_WEBHOOK_HTTP_RESPONSE_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "usd1pay/webhook_dispatcher.h"

namespace usd1pay::webhook_internal {

struct HttpResponseLimits {
  std::size_t max_head_bytes = std::size_t{64} * 1024;
  std::size_t max_headers = 128;
  std::size_t keep_body = 1024;
  std::size_t drain_body = std::size_t{64} * 1024;
};

/// Longest chunk-size line (size, extensions, line end) accepted.
constexpr std::size_t kMaxChunkLine = 1024;

class HttpResponseParser {
 public:
  enum class State {
    kMore,   ///< needs more bytes (or the end of the connection)
    kDone,   ///< a final response is complete (or capped: see capped())
    kError,  ///< malformed or over a limit: error() says why
  };

  explicit HttpResponseParser(HttpResponseLimits limits = {});

  /// Consumes bytes from `data` until the response is done or all are used;
  /// `consumed` is set to how many were. Bytes left over after kDone are not
  /// part of this response. After kDone or kError it consumes nothing.
  State feed(const char* data, std::size_t n, std::size_t& consumed);

  /// The server closed its side: kDone for a body that runs to the end of
  /// the connection, kError otherwise (closed_early() then tells).
  State finish();

  State state() const { return state_; }
  /// True once any byte arrived (a response has begun).
  bool started() const { return offset_ > 0; }
  /// True once the final status line and headers arrived.
  bool got_head() const { return got_head_; }
  /// Done, but only the kept part read: the rest is still on the wire.
  bool capped() const { return capped_; }
  /// After kDone: the connection may carry another request (HTTP/1.1, no
  /// "Connection: close", a framed body, not capped).
  bool reusable() const;
  /// After finish() returned kError: the connection ended before the
  /// response did (not a malformed response).
  bool closed_early() const { return closed_early_; }
  const std::string& error() const { return error_; }
  const HttpPostResult& result() const { return result_; }
  HttpPostResult take_result() { return std::move(result_); }

 private:
  enum class Phase {
    kStatusLine,
    kHeaderLine,
    kBodyLength,  // Content-Length
    kBodyClose,   // to the end of the connection
    kChunkSize,
    kChunkData,
    kChunkDataEnd,  // the CRLF after a chunk's data
    kTrailerLine,
    kEnd,
  };

  enum class LineKind { kHead, kChunkSize };
  // Collects one line; true when complete (then `cur_` holds it without its
  // line end). The kind bounds the bytes the line may take with its line
  // end (what is left of max_head_bytes, or kMaxChunkLine); over it, the
  // parse fails.
  bool take_line(const char* data, std::size_t n, std::size_t& i, LineKind kind);
  void fail_at(const std::string& what, std::uint64_t at);
  bool status_line();
  bool header_line();
  void end_of_head();
  bool chunk_size_line();
  void body_bytes(const char* data, std::size_t n);
  bool over_body_limit() const;
  State done();

  HttpResponseLimits limits_;
  State state_ = State::kMore;
  Phase phase_ = Phase::kStatusLine;
  std::string line_;              // a line split across feeds
  std::string_view cur_;          // the complete line (in the input or line_)
  bool in_line_ = false;          // line_ holds the start of a line
  std::uint64_t line_start_ = 0;  // the line's offset in the response
  std::size_t line_bytes_ = 0;    // the line's length with its line end
  std::uint64_t base_ = 0;        // the offset of the current feed's first byte
  std::uint64_t offset_ = 0;      // bytes consumed so far
  bool interim_ = false;          // reading a 1xx answer's headers
  bool has_te_ = false;           // Transfer-Encoding present
  bool chunk_cr_ = false;         // the CR after a chunk's data came
  std::size_t head_bytes_ = 0;    // status, header and trailer lines so far
  std::size_t header_count_ = 0;  // fields so far (interim answers included)
  bool http11_ = false;
  bool got_head_ = false;
  bool capped_ = false;
  bool closed_early_ = false;
  bool conn_close_ = false;  // "Connection: close", HTTP/1.0 or an unframed body
  bool chunked_ = false;
  bool has_length_ = false;
  std::uint64_t length_ = 0;     // Content-Length
  std::uint64_t remaining_ = 0;  // of the body (Content-Length) or chunk
  std::uint64_t body_seen_ = 0;  // body bytes read (kept and dropped)
  std::string error_;
  HttpPostResult result_;
};

}  // namespace usd1pay::webhook_internal

#endif  // USD1PAY_SDK_WEBHOOK_HTTP_RESPONSE_H
