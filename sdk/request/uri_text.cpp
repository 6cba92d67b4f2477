#include "request/uri_text.h"

#include <cstdint>

#include "usd1pay/encoding.h"

namespace usd1pay::uri {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string describe_byte(char c) {
  return quote_char(c);
}

Status error_at(ErrorCode code, const std::string& what, std::size_t pos) {
  return Status(code, "uri: " + what + " at position " + std::to_string(pos));
}

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

Status check_uri_characters(std::string_view uri) {
  // gen-delims other than # [ ] (no fragment or IP literal in either spec),
  // sub-delims, and '%' which percent_decode checks later.
  static constexpr std::string_view kAllowed = ":/?@!$&'()*+,;=%";
  for (std::size_t i = 0; i < uri.size(); ++i) {
    const char c = uri[i];
    if (is_unreserved(c) || kAllowed.find(c) != std::string_view::npos) continue;
    return error_at(ErrorCode::kInvalidArgument, "bad character " + describe_byte(c), i);
  }
  return Status();
}

Result<Decoded> percent_decode(std::string_view raw, std::size_t offset, bool plus_is_space,
                               const std::string& what) {
  Decoded out;
  out.text.reserve(raw.size());
  out.origin.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '%') {
      const int h = i + 1 < raw.size() ? hex_value(raw[i + 1]) : -1;
      const int l = i + 2 < raw.size() ? hex_value(raw[i + 2]) : -1;
      if (h < 0 || l < 0) {
        const std::string seen(raw.substr(i, 3));
        return error_at(ErrorCode::kInvalidArgument,
                        "bad percent-encoding '" + seen + "' in " + what, offset + i);
      }
      out.text.push_back(static_cast<char>(h * 16 + l));
      out.origin.push_back(offset + i);
      i += 2;
    } else {
      out.text.push_back(plus_is_space && c == '+' ? ' ' : c);
      out.origin.push_back(offset + i);
    }
  }
  if (const std::size_t bad = find_invalid_utf8(out.text); bad != std::string_view::npos) {
    return error_at(ErrorCode::kInvalidArgument, "invalid UTF-8 in " + what, out.origin[bad]);
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char c : text) {
    if (is_unreserved(c)) {
      out.push_back(c);
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 0xf]);
  }
  return out;
}

Result<std::vector<RawParam>> split_query(std::string_view q, std::size_t offset) {
  std::vector<RawParam> params;
  std::size_t start = 0;
  while (true) {
    const std::size_t amp = q.find('&', start);
    const std::size_t end = amp == std::string_view::npos ? q.size() : amp;
    const std::string_view part = q.substr(start, end - start);
    const std::size_t pos = offset + start;
    if (part.empty()) return error_at(ErrorCode::kInvalidArgument, "empty parameter", pos);
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return error_at(ErrorCode::kInvalidArgument,
                      "parameter '" + std::string(part) + "' has no '='", pos);
    }
    if (eq == 0) return error_at(ErrorCode::kInvalidArgument, "parameter with empty name", pos);
    params.push_back(RawParam{part.substr(0, eq), part.substr(eq + 1), pos, pos + eq + 1});
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return params;
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != lower(prefix[i])) return false;
  }
  return true;
}

}  // namespace usd1pay::uri
