// The webhook client's HTTP/1.1 response parser (sdk/webhook/http_response.h):
// framings (Content-Length, chunked, to the end of the connection, none for
// 204 / 304), interim 1xx answers, reuse rules, the body cap and drain, the
// head limits, and malformed answers with the error naming what and where.
// Every good case is also fed one byte at a time and in two pieces at every
// split point: the outcome must not depend on how the bytes arrive.
#include "webhook/http_response.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace usd1pay::webhook_internal {
namespace {

using State = HttpResponseParser::State;

struct Parsed {
  State state = State::kMore;
  std::size_t consumed = 0;
  HttpResponseParser parser;
};

// Feeds `bytes` in pieces of `step` (0 = at once); `eof` then ends the
// connection when the parser still wants more.
Parsed parse(const std::string& bytes, HttpResponseLimits limits = {}, std::size_t step = 0,
             bool eof = false) {
  Parsed p{State::kMore, 0, HttpResponseParser(limits)};
  std::size_t at = 0;
  while (at < bytes.size() && p.state == State::kMore) {
    const std::size_t n = step == 0 ? bytes.size() - at : std::min(step, bytes.size() - at);
    std::size_t used = 0;
    p.state = p.parser.feed(bytes.data() + at, n, used);
    EXPECT_LE(used, n);
    p.consumed += used;
    if (p.state == State::kMore) {
      EXPECT_EQ(used, n) << "kMore must take every byte";
    }
    at += n;
  }
  if (eof && p.state == State::kMore) p.state = p.parser.finish();
  return p;
}

std::string header(const HttpPostResult& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

struct Good {
  const char* name;
  std::string bytes;
  bool eof;  // the server closes after these bytes
  int status;
  std::string body;
  bool truncated;
  bool reusable;
  std::size_t left_over;  // bytes after the response, not consumed
};

std::vector<Good> good_cases() {
  const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  return {
      {"content-length", kOk, false, 200, "ok", false, true, 0},
      {"no reason phrase", "HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n", false, 201, "", false, true,
       0},
      {"empty reason", "HTTP/1.1 202 \r\nContent-Length: 0\r\n\r\n", false, 202, "", false, true,
       0},
      {"bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", false, 200, "abc", false,
       true, 0},
      {"error status is a value",
       "HTTP/1.1 503 Busy\r\nRetry-After: 120\r\nContent-Length: 4\r\n\r\nbusy", false, 503, "busy",
       false, true, 0},
      {"chunked with extension and trailer",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "3;name=value\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n",
       false, 200, "abc0123456789abcdef", false, true, 0},
      {"chunked, coding names in any case",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n0\r\n\r\n", false, 200, "",
       false, true, 0},
      {"body to the end of the connection", "HTTP/1.1 200 OK\r\n\r\nall of it", true, 200,
       "all of it", false, false, 0},
      {"non-chunked transfer coding runs to the end",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", true, 200, "zz", false, false, 0},
      {"204 has no body whatever it says", "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n",
       false, 204, "", false, true, 0},
      {"304 has no body", "HTTP/1.1 304 Not Modified\r\n\r\n", false, 304, "", false, true, 0},
      {"connection close",
       "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok", false,
       200, "ok", false, false, 0},
      {"HTTP/1.0 is never reused",
       "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok",
       false, false, 0},
      {"interim answers skipped",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + kOk, false,
       200, "ok", false, true, 0},
      {"repeated equal content-length",
       "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok",
       false, true, 0},
      {"both framings: chunked wins, not reused",
       "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: "
       "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
       false, 200, "ok", false, false, 0},
      {"bytes after the answer are left over", kOk + "HTTP/1.1 200 OK\r\n", false, 200, "ok", false,
       true, 17},
      {"obs-text and tabs in values",
       "HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\nX-A:\t v\xff v \t\r\nContent-Length: 0\r\n\r\n", false,
       200, "", false, true, 0},
  };
}

TEST(HttpResponseParserTest, GoodAnswersWhicheverWayTheBytesArrive) {
  for (const Good& c : good_cases()) {
    std::vector<std::size_t> steps = {0, 1, 2, 7};
    for (std::size_t split = 1; split < c.bytes.size(); ++split) steps.push_back(split);
    for (std::size_t step : steps) {
      SCOPED_TRACE(std::string(c.name) + ", pieces of " + std::to_string(step));
      Parsed p = parse(c.bytes, {}, step, c.eof);
      ASSERT_EQ(p.state, State::kDone) << p.parser.error();
      EXPECT_TRUE(p.parser.got_head());
      EXPECT_EQ(p.parser.result().status, c.status);
      EXPECT_EQ(p.parser.result().body, c.body);
      EXPECT_EQ(p.parser.result().body_truncated, c.truncated);
      EXPECT_EQ(p.parser.reusable(), c.reusable);
      EXPECT_FALSE(p.parser.capped());
      EXPECT_EQ(p.consumed, c.bytes.size() - c.left_over);
    }
  }
}

TEST(HttpResponseParserTest, HeadersAreLowercasedTrimmedAndInterimOnesDropped) {
  Parsed p = parse(
      "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
      "HTTP/1.1 429 Too Many\r\nRetry-After:   120  \r\nX-Mixed-Case: Value With Spaces\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_EQ(p.state, State::kDone) << p.parser.error();
  const HttpPostResult& r = p.parser.result();
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(header(r, "retry-after"), "120");
  EXPECT_EQ(header(r, "x-mixed-case"), "Value With Spaces");
  EXPECT_EQ(header(r, "link"), "<absent>");
  EXPECT_EQ(r.headers.size(), 3u);
}

TEST(HttpResponseParserTest, TrailersAreDropped) {
  Parsed p = parse(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-Late: 1\r\n\r\n");
  ASSERT_EQ(p.state, State::kDone) << p.parser.error();
  EXPECT_EQ(header(p.parser.result(), "x-late"), "<absent>");
}

// ---------------------------------------------------------------- body cap

TEST(HttpResponseParserTest, BodyOverTheCapIsDrainedWithinTheDrainAllowance) {
  HttpResponseLimits l;
  l.keep_body = 4;
  l.drain_body = 10;
  for (const std::string& framing : {std::string("length"), std::string("chunked")}) {
    SCOPED_TRACE(framing);
    const std::string body(14, 'b');  // keep 4 + drain 10: still drained
    const std::string bytes =
        framing == "length"
            ? "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n" + body
            : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\ne\r\n" + body + "\r\n0\r\n\r\n";
    for (std::size_t step : std::vector<std::size_t>{0, 1, 3}) {
      Parsed p = parse(bytes, l, step);
      ASSERT_EQ(p.state, State::kDone) << p.parser.error();
      EXPECT_EQ(p.parser.result().body, "bbbb");
      EXPECT_TRUE(p.parser.result().body_truncated);
      EXPECT_FALSE(p.parser.capped());
      EXPECT_TRUE(p.parser.reusable());
      EXPECT_EQ(p.consumed, bytes.size());
    }
  }
}

TEST(HttpResponseParserTest, BodyBeyondTheDrainIsCappedAndNotReused) {
  HttpResponseLimits l;
  l.keep_body = 4;
  l.drain_body = 10;
  const std::string body(20, 'b');  // the 15th byte is one too many to drain
  for (const std::string& bytes :
       {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n" + body + "\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n" + body}) {
    SCOPED_TRACE(bytes);
    Parsed p = parse(bytes, l, 1);
    ASSERT_EQ(p.state, State::kDone) << p.parser.error();
    EXPECT_EQ(p.parser.result().body, "bbbb");
    EXPECT_TRUE(p.parser.result().body_truncated);
    EXPECT_TRUE(p.parser.capped());
    EXPECT_FALSE(p.parser.reusable());
    EXPECT_LT(p.consumed, bytes.size());  // stopped reading
  }
}

TEST(HttpResponseParserTest, ContentLengthBeyondTheDrainStopsOnceTheKeptPartIsIn) {
  HttpResponseLimits l;
  l.keep_body = 4;
  l.drain_body = 10;
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n";
  Parsed p = parse(head + "abcdefghijklmno", l);
  ASSERT_EQ(p.state, State::kDone);
  EXPECT_EQ(p.parser.result().body, "abcd");
  EXPECT_TRUE(p.parser.result().body_truncated);
  EXPECT_TRUE(p.parser.capped());
  EXPECT_EQ(p.consumed, head.size() + 4);

  // With nothing to keep, the head is all it reads.
  l.keep_body = 0;
  p = parse(head + "abcdefghijklmno", l);
  ASSERT_EQ(p.state, State::kDone);
  EXPECT_EQ(p.parser.result().body, "");
  EXPECT_TRUE(p.parser.result().body_truncated);
  EXPECT_TRUE(p.parser.capped());
  EXPECT_EQ(p.consumed, head.size());

  // A length of more digits than any number: saturated, still just capped.
  p = parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\nabcdef", l);
  ASSERT_EQ(p.state, State::kDone) << p.parser.error();
  EXPECT_TRUE(p.parser.capped());
}

// ---------------------------------------------------------------- the end

TEST(HttpResponseParserTest, ClosingEarlyIsAnErrorSayingWhere) {
  struct Case {
    std::string bytes;
    bool started;
  };
  for (const Case& c : std::vector<Case>{
           {"", false},
           {"HTTP/1.1 200 O", true},
           {"HTTP/1.1 200 OK\r\nContent-Le", true},
           {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nonly", true},
           {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true},
           {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", true},
           {"HTTP/1.1 100 Continue\r\n\r\n", true},
       }) {
    SCOPED_TRACE(c.bytes);
    Parsed p = parse(c.bytes, {}, 0, true);
    ASSERT_EQ(p.state, State::kError);
    EXPECT_TRUE(p.parser.closed_early());
    EXPECT_EQ(p.parser.started(), c.started);
    EXPECT_EQ(p.parser.error(), c.started
                                    ? "connection closed in the middle of the response at byte " +
                                          std::to_string(c.bytes.size())
                                    : "connection closed before a response");
  }
}

// ---------------------------------------------------------------- malformed

struct Bad {
  std::string bytes;
  std::string error;
};

TEST(HttpResponseParserTest, MalformedAnswersNameWhatAndWhere) {
  const std::string ok = "HTTP/1.1 200 OK\r\n";
  const std::vector<Bad> cases = {
      {"SSH-2.0-OpenSSH_9.6\r\n", "status line: expected \"HTTP/1.1\", not 'S' at byte 0"},
      {"HTTP/2 200\r\n", "status line: expected \"HTTP/1.1\", not '2' at byte 5"},
      {"HTTP/1.1\r\n", "status line: expected a space after the version at byte 8"},
      {"HTTP/1.\r\n", "status line: expected \"HTTP/1.1\", the line ended at byte 7"},
      {"\r\nHTTP/1.1 200 OK\r\n", "status line: expected \"HTTP/1.1\", the line ended at byte 0"},
      {"HTTP/1.2 200 OK\r\n", "status line: unsupported version HTTP/1.'2' at byte 7"},
      {"HTTP/1.1  200 OK\r\n", "status line: expected a 3-digit status code at byte 9"},
      {"HTTP/1.1 2OO OK\r\n", "status line: expected a 3-digit status code at byte 10"},
      {"HTTP/1.1 20\r\n", "status line: expected a 3-digit status code at byte 11"},
      {"HTTP/1.1 2000 OK\r\n",
       "status line: expected a space after the status code, not '0' at byte 12"},
      {"HTTP/1.1 099 Low\r\n", "status line: status 99 is not in 100..599 at byte 9"},
      {"HTTP/1.1 600 High\r\n", "status line: status 600 is not in 100..599 at byte 9"},
      {"HTTP/1.1 101 Switching Protocols\r\n",
       "status line: 101 Switching Protocols, which was not asked for at byte 9"},
      {"HTTP/1.1 200 O\x01K\r\n", "status line: bad character byte 0x01 in the reason at byte 14"},
      {"HTTP/1.1 200 O\rK\r\n", "status line: bad character byte 0x0d in the reason at byte 14"},
      {ok + "Bad Name: x\r\n", "header name: bad character ' ' at byte 20"},
      {ok + ": x\r\n", "header line: empty name at byte 17"},
      {ok + "NoColon\r\n", "header line: no ':' at byte 24"},
      {ok + "X-A: 1\r\n folded\r\n", "header line: obsolete line folding at byte 25"},
      {ok + std::string("X-A: a\0b\r\n", 10), "header value: bad character byte 0x00 at byte 23"},
      {ok + "Content-Length: 12a\r\n", "header content-length: bad character 'a' at byte 32"},
      {ok + "Content-Length: -1\r\n", "header content-length: bad character '-' at byte 32"},
      {ok + "Content-Length:\r\n", "header content-length: not a number at byte 32"},
      {ok + "Content-Length: 2,\r\n", "header content-length: not a number at byte 32"},
      {ok + "Content-Length: 2\r\nContent-Length: 3\r\n",
       "header content-length: conflicting values at byte 51"},
      {ok + "Content-Length: 2, 3\r\n", "header content-length: conflicting values at byte 32"},
      {ok + "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
       "chunk size: expected a hex number, not 'z' at byte 47"},
      {ok + "Transfer-Encoding: chunked\r\n\r\n\r\n",
       "chunk size: expected a hex number, the line ended at byte 47"},
      {ok + "Transfer-Encoding: chunked\r\n\r\n5x\r\n", "chunk size: bad character 'x' at byte 48"},
      {ok + "Transfer-Encoding: chunked\r\n\r\n-5\r\n",
       "chunk size: expected a hex number, not '-' at byte 47"},
      {ok + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
       "chunk size: more than 16 hex digits at byte 47"},
      {ok + "Transfer-Encoding: chunked\r\n\r\n5;a\x01\r\n",
       "chunk extension: bad character byte 0x01 at byte 50"},
      {ok + "Transfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n",
       "chunk data: expected a line end at byte 52"},
      {ok + "Transfer-Encoding: chunked\r\n\r\n2\r\nok\rX",
       "chunk data: expected a line end at byte 52"},
      {ok + "Transfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer\r\n",
       "header name: bad character ' ' at byte 53"},
  };
  for (const Bad& c : cases) {
    for (std::size_t step : std::vector<std::size_t>{0, 1}) {
      SCOPED_TRACE(c.bytes + " in pieces of " + std::to_string(step));
      Parsed p = parse(c.bytes, {}, step);
      ASSERT_EQ(p.state, State::kError);
      EXPECT_FALSE(p.parser.closed_early());
      EXPECT_EQ(p.parser.error(), "malformed response: " + c.error);
      // An error is final.
      std::size_t used = 1;
      EXPECT_EQ(p.parser.feed("x", 1, used), State::kError);
      EXPECT_EQ(used, 0u);
      EXPECT_EQ(p.parser.finish(), State::kError);
    }
  }
}

// ---------------------------------------------------------------- limits

TEST(HttpResponseParserTest, HeadersOverTheByteLimitAreRefused) {
  HttpResponseLimits l;
  l.max_head_bytes = 64;
  const std::string status = "HTTP/1.1 200 OK\r\n";  // 17 bytes
  // Exactly 64 bytes of head: accepted.
  const std::string fits = status + "X-Pad: " + std::string(36, 'p') + "\r\n\r\n";
  ASSERT_EQ(fits.size(), 64u);  // the blank line counts
  Parsed p = parse(fits, l, 0, true);
  ASSERT_EQ(p.state, State::kDone) << p.parser.error();
  // One more byte: refused, however it arrives, and long before an endless
  // header line ends.
  const std::string over = status + "X-Pad: " + std::string(37, 'p') + "\r\n\r\n";
  for (std::size_t step : std::vector<std::size_t>{0, 1, 5}) {
    p = parse(over, l, step, true);
    ASSERT_EQ(p.state, State::kError);
    EXPECT_EQ(p.parser.error(), "malformed response: headers exceed 64 bytes");
  }
  p = parse(status + "X-Endless: " + std::string(100000, 'e'), l);
  ASSERT_EQ(p.state, State::kError);
  EXPECT_EQ(p.parser.error(), "malformed response: headers exceed 64 bytes");
  // Interim answers count: an endless stream of 100 Continue ends too.
  std::string interims;
  for (int i = 0; i < 10; ++i) interims += "HTTP/1.1 100 Continue\r\n\r\n";
  p = parse(interims, l);
  ASSERT_EQ(p.state, State::kError);
  EXPECT_EQ(p.parser.error(), "malformed response: headers exceed 64 bytes");
  // So do trailers.
  l.max_head_bytes = 100;
  p = parse(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + std::string(100, 't'), l);
  ASSERT_EQ(p.state, State::kError);
  EXPECT_EQ(p.parser.error(), "malformed response: headers exceed 100 bytes");
}

TEST(HttpResponseParserTest, TooManyHeaderFieldsAreRefused) {
  HttpResponseLimits l;
  l.max_headers = 3;
  const std::string three = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(parse(three, l).state, State::kDone);
  Parsed p = parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", l);
  ASSERT_EQ(p.state, State::kError);
  EXPECT_EQ(p.parser.error(), "malformed response: more than 3 header fields at byte 35");
}

TEST(HttpResponseParserTest, LongChunkSizeLineIsRefused) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string ext = "1;" + std::string(kMaxChunkLine - 4, 'e') + "\r\n";  // 1024 bytes
  ASSERT_EQ(ext.size(), kMaxChunkLine);
  Parsed p = parse(head + ext + "x\r\n0\r\n\r\n");
  ASSERT_EQ(p.state, State::kDone) << p.parser.error();
  EXPECT_EQ(p.parser.result().body, "x");
  p = parse(head + "1;" + std::string(kMaxChunkLine, 'e'), {}, 100);
  ASSERT_EQ(p.state, State::kError);
  EXPECT_EQ(p.parser.error(),
            "malformed response: chunk size: line longer than 1024 bytes at "
            "byte " +
                std::to_string(head.size()));
}

}  // namespace
}  // namespace usd1pay::webhook_internal
