// The webhook transport's HTTP/1.1 response parser (see http_response.h).
#include "webhook/http_response.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "usd1pay/encoding.h"

namespace usd1pay::webhook_internal {
namespace {

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 9110 tchar.
bool is_tchar(char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

// A field value or reason phrase byte: HTAB, SP, VCHAR or obs-text.
bool is_text(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

char lower_char(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower_char(a[i]) != lower_char(b[i])) return false;
  }
  return true;
}

}  // namespace

HttpResponseParser::HttpResponseParser(HttpResponseLimits limits) : limits_(limits) {}

void HttpResponseParser::fail_at(const std::string& what, std::uint64_t at) {
  error_ = "malformed response: " + what + " at byte " + std::to_string(at);
  state_ = State::kError;
}

bool HttpResponseParser::take_line(const char* data, std::size_t n, std::size_t& i, LineKind kind) {
  const std::size_t limit =
      kind == LineKind::kHead ? limits_.max_head_bytes - head_bytes_ : kMaxChunkLine;
  if (!in_line_) {
    line_.clear();
    line_start_ = base_ + i;
  }
  const void* nl = std::memchr(data + i, '\n', n - i);
  const std::size_t end =
      nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) : n;
  const std::size_t taken = line_.size() + (end - i) + (nl != nullptr ? 1 : 0);
  if (taken > limit || (nl == nullptr && taken >= limit)) {
    switch (kind) {
      case LineKind::kHead:
        error_ = "malformed response: headers exceed " + std::to_string(limits_.max_head_bytes) +
                 " bytes";
        state_ = State::kError;
        break;
      case LineKind::kChunkSize:
        fail_at("chunk size: line longer than " + std::to_string(kMaxChunkLine) + " bytes",
                line_start_);
        break;
    }
    return false;
  }
  if (nl == nullptr) {
    line_.append(data + i, end - i);
    in_line_ = true;
    i = n;
    return false;
  }
  if (in_line_) {
    line_.append(data + i, end - i);
    cur_ = line_;
  } else {
    cur_ = std::string_view(data + i, end - i);
  }
  in_line_ = false;
  line_bytes_ = taken;
  i = end + 1;
  if (!cur_.empty() && cur_.back() == '\r') cur_.remove_suffix(1);
  return true;
}

bool HttpResponseParser::status_line() {
  const std::string_view s = cur_;
  const std::uint64_t at = line_start_;
  static constexpr std::string_view kHttp = "HTTP/1.";
  if (s.size() < kHttp.size() + 1 || s.compare(0, kHttp.size(), kHttp) != 0) {
    std::size_t k = 0;
    while (k < s.size() && k < kHttp.size() && s[k] == kHttp[k]) ++k;
    fail_at("status line: expected \"HTTP/1.1\"" +
                (k < s.size() ? ", not " + quote_char(s[k]) : std::string(", the line ended")),
            at + k);
    return false;
  }
  const char minor = s[kHttp.size()];
  if (minor != '0' && minor != '1') {
    fail_at("status line: unsupported version HTTP/1." + quote_char(minor), at + kHttp.size());
    return false;
  }
  std::size_t k = kHttp.size() + 1;
  if (k >= s.size() || s[k] != ' ') {
    fail_at("status line: expected a space after the version", at + k);
    return false;
  }
  ++k;
  int status = 0;
  for (std::size_t d = 0; d < 3; ++d, ++k) {
    if (k >= s.size() || !is_digit(s[k])) {
      fail_at("status line: expected a 3-digit status code", at + k);
      return false;
    }
    status = status * 10 + (s[k] - '0');
  }
  if (k < s.size() && s[k] != ' ') {
    fail_at("status line: expected a space after the status code, not " + quote_char(s[k]), at + k);
    return false;
  }
  for (std::size_t r = k; r < s.size(); ++r) {
    if (!is_text(s[r])) {
      fail_at("status line: bad character " + quote_char(s[r]) + " in the reason", at + r);
      return false;
    }
  }
  if (status < 100 || status > 599) {
    fail_at("status line: status " + std::to_string(status) + " is not in 100..599",
            at + kHttp.size() + 2);
    return false;
  }
  if (status == 101) {
    fail_at("status line: 101 Switching Protocols, which was not asked for", at + kHttp.size() + 2);
    return false;
  }
  interim_ = status < 200;
  if (!interim_) {
    http11_ = minor == '1';
    result_.status = status;
  }
  return true;
}

bool HttpResponseParser::header_line() {
  const std::string_view s = cur_;
  const std::uint64_t at = line_start_;
  if (is_ows(s.front())) {
    fail_at("header line: obsolete line folding", at);
    return false;
  }
  if (header_count_ >= limits_.max_headers) {
    fail_at("more than " + std::to_string(limits_.max_headers) + " header fields", at);
    return false;
  }
  ++header_count_;
  std::size_t colon = 0;
  while (colon < s.size() && s[colon] != ':') {
    if (!is_tchar(s[colon])) {
      fail_at("header name: bad character " + quote_char(s[colon]), at + colon);
      return false;
    }
    ++colon;
  }
  if (colon == s.size()) {
    fail_at("header line: no ':'", at + colon);
    return false;
  }
  if (colon == 0) {
    fail_at("header line: empty name", at);
    return false;
  }
  for (std::size_t k = colon + 1; k < s.size(); ++k) {
    if (!is_text(s[k])) {
      fail_at("header value: bad character " + quote_char(s[k]), at + k);
      return false;
    }
  }
  if (interim_ || phase_ == Phase::kTrailerLine) return true;  // checked, then dropped

  std::string name(s.substr(0, colon));
  for (char& c : name) c = lower_char(c);
  const std::string_view value = trim(s.substr(colon + 1));
  const std::uint64_t value_at = at + colon + 1;

  if (name == "content-length") {
    // A list ("5, 5") is allowed when every member is the same number.
    std::size_t pos = 0;
    while (true) {
      const std::size_t comma = value.find(',', pos);
      const std::string_view item = trim(value.substr(pos, comma - pos));
      if (item.empty()) {
        fail_at("header content-length: not a number", value_at);
        return false;
      }
      std::uint64_t v = 0;
      for (char c : item) {
        if (!is_digit(c)) {
          fail_at("header content-length: bad character " + quote_char(c), value_at);
          return false;
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        v = v > (kMaxU64 - digit) / 10 ? kMaxU64 : v * 10 + digit;  // saturates: over any cap
      }
      if (has_length_ && v != length_) {
        fail_at("header content-length: conflicting values", value_at);
        return false;
      }
      has_length_ = true;
      length_ = v;
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
  } else if (name == "transfer-encoding") {
    has_te_ = true;
    // The last coding of the last field decides.
    std::string_view rest = value;
    std::string_view last;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      if (!item.empty()) last = item;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    if (!last.empty()) chunked_ = iequals(last, "chunked");
  } else if (name == "connection") {
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      if (iequals(trim(rest.substr(0, comma)), "close")) conn_close_ = true;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  result_.headers.emplace_back(std::move(name), std::string(value));
  return true;
}

void HttpResponseParser::end_of_head() {
  if (interim_) {
    interim_ = false;
    phase_ = Phase::kStatusLine;
    return;
  }
  got_head_ = true;
  if (!http11_) conn_close_ = true;
  if (result_.status == 204 || result_.status == 304) {
    done();
    return;
  }
  if (has_te_) {
    if (has_length_) conn_close_ = true;  // both framings: the connection is suspect
    if (chunked_) {
      phase_ = Phase::kChunkSize;
    } else {
      conn_close_ = true;
      phase_ = Phase::kBodyClose;
    }
    return;
  }
  if (has_length_) {
    if (length_ == 0) {
      done();
      return;
    }
    remaining_ = length_;
    phase_ = Phase::kBodyLength;
    if (over_body_limit()) {  // keep_body == 0 and more than the drain announced
      result_.body_truncated = true;
      capped_ = true;
      done();
    }
    return;
  }
  conn_close_ = true;
  phase_ = Phase::kBodyClose;
}

bool HttpResponseParser::chunk_size_line() {
  const std::string_view s = cur_;
  const std::uint64_t at = line_start_;
  std::size_t k = 0;
  std::uint64_t size = 0;
  std::size_t significant = 0;
  while (k < s.size() && hex_value(s[k]) >= 0) {
    if (significant > 0 || s[k] != '0') ++significant;
    if (significant > 16) {
      fail_at("chunk size: more than 16 hex digits", at);
      return false;
    }
    size = size * 16 + static_cast<std::uint64_t>(hex_value(s[k]));
    ++k;
  }
  if (k == 0) {
    fail_at("chunk size: expected a hex number" +
                (k < s.size() ? ", not " + quote_char(s[k]) : std::string(", the line ended")),
            at);
    return false;
  }
  std::size_t e = k;
  while (e < s.size() && is_ows(s[e])) ++e;
  if (e < s.size()) {
    if (s[e] != ';') {
      fail_at("chunk size: bad character " + quote_char(s[e]), at + e);
      return false;
    }
    for (std::size_t x = e; x < s.size(); ++x) {  // extensions: ignored, but text
      if (!is_text(s[x])) {
        fail_at("chunk extension: bad character " + quote_char(s[x]), at + x);
        return false;
      }
    }
  }
  if (size == 0) {
    phase_ = Phase::kTrailerLine;
  } else {
    remaining_ = size;
    phase_ = Phase::kChunkData;
  }
  return true;
}

void HttpResponseParser::body_bytes(const char* data, std::size_t n) {
  body_seen_ += n;
  std::string& body = result_.body;
  const std::size_t room = limits_.keep_body - std::min(limits_.keep_body, body.size());
  if (n > room) result_.body_truncated = true;
  body.append(data, std::min(n, room));
}

bool HttpResponseParser::over_body_limit() const {
  const std::uint64_t most = static_cast<std::uint64_t>(limits_.keep_body) + limits_.drain_body;
  if (phase_ == Phase::kBodyLength && length_ > most) {
    // Will not be drained: stop once the kept part is in.
    return result_.body.size() >= limits_.keep_body;
  }
  return body_seen_ > most;
}

HttpResponseParser::State HttpResponseParser::done() {
  phase_ = Phase::kEnd;
  state_ = State::kDone;
  return state_;
}

HttpResponseParser::State HttpResponseParser::feed(const char* data, std::size_t n,
                                                   std::size_t& consumed) {
  consumed = 0;
  if (state_ != State::kMore) return state_;
  base_ = offset_;
  std::size_t i = 0;
  while (i < n && state_ == State::kMore) {
    switch (phase_) {
      case Phase::kStatusLine:
      case Phase::kHeaderLine:
      case Phase::kTrailerLine: {
        if (!take_line(data, n, i, LineKind::kHead)) break;
        head_bytes_ += line_bytes_;
        if (phase_ == Phase::kStatusLine) {
          if (status_line()) phase_ = Phase::kHeaderLine;
        } else if (cur_.empty()) {
          if (phase_ == Phase::kTrailerLine) {
            done();
          } else {
            end_of_head();
          }
        } else {
          header_line();
        }
        break;
      }
      case Phase::kBodyLength:
      case Phase::kChunkData:
      case Phase::kBodyClose: {
        // Never past the byte that decides the cap: the answer ends at the
        // same byte however its bytes arrive.
        const std::uint64_t most =
            static_cast<std::uint64_t>(limits_.keep_body) + limits_.drain_body;
        std::uint64_t take = n - i;
        if (phase_ != Phase::kBodyClose) take = std::min(take, remaining_);
        if (phase_ == Phase::kBodyLength && length_ > most) {
          take = std::min<std::uint64_t>(take, limits_.keep_body - result_.body.size());
        } else {
          take = std::min(take, most + 1 - body_seen_);
        }
        body_bytes(data + i, static_cast<std::size_t>(take));
        i += static_cast<std::size_t>(take);
        if (phase_ != Phase::kBodyClose) remaining_ -= take;
        if (phase_ == Phase::kBodyLength && remaining_ == 0) {
          done();
        } else if (over_body_limit()) {
          result_.body_truncated = true;
          capped_ = true;
          done();
        } else if (phase_ == Phase::kChunkData && remaining_ == 0) {
          phase_ = Phase::kChunkDataEnd;
        }
        break;
      }
      case Phase::kChunkDataEnd:
        // CRLF (or LF) after a chunk's data; anything else fails at once.
        if (data[i] == '\r' && !chunk_cr_) {
          chunk_cr_ = true;
          ++i;
        } else if (data[i] == '\n') {
          chunk_cr_ = false;
          ++i;
          phase_ = Phase::kChunkSize;
        } else {
          fail_at("chunk data: expected a line end", base_ + i - (chunk_cr_ ? 1 : 0));
        }
        break;
      case Phase::kChunkSize:
        if (take_line(data, n, i, LineKind::kChunkSize)) chunk_size_line();
        break;
      case Phase::kEnd: break;
    }
  }
  consumed = i;
  offset_ += i;
  return state_;
}

HttpResponseParser::State HttpResponseParser::finish() {
  if (state_ != State::kMore) return state_;
  if (phase_ == Phase::kBodyClose) return done();
  closed_early_ = true;
  error_ = offset_ == 0 ? "connection closed before a response"
                        : "connection closed in the middle of the response at byte " +
                              std::to_string(offset_);
  state_ = State::kError;
  return state_;
}

bool HttpResponseParser::reusable() const {
  return state_ == State::kDone && !capped_ && !conn_close_;
}

}  // namespace usd1pay::webhook_internal
