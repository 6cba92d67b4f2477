// Private: the character-level pieces shared by the payment URI parsers and
// builders: which bytes a URI may hold (RFC 3986), strict percent-decoding
// that remembers where each decoded byte came from, UTF-8 validation
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) and
// percent-encoding of everything but the unreserved characters.
#ifndef USD1PAY_SDK_REQUEST_URI_TEXT_H
#define USD1PAY_SDK_REQUEST_URI_TEXT_H

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/status.h"

namespace usd1pay::uri {

/// A printable spelling of one byte for error messages, the same as the
/// rest of usd1pay's (quote_char): 'a', or 0x0a.
std::string describe_byte(char c);

/// "uri: <what> at position <pos>" with code `code`.
Status error_at(ErrorCode code, const std::string& what, std::size_t pos);

/// RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~
bool is_unreserved(char c);

/// Refuses any byte that cannot appear in a URI as written (controls, space,
/// non-ASCII, " < > \ ^ ` { | } and also # [ ], which neither payment spec
/// uses), naming the first one and its position.
Status check_uri_characters(std::string_view uri);

/// A decoded string and, for each of its bytes, the position in the URI of
/// the text it was decoded from.
struct Decoded {
  std::string text;
  std::vector<std::size_t> origin;
};

/// Decodes %XY escapes in `raw`, which starts at `offset` in the URI. A '%'
/// not followed by two hex digits is an error naming its position. With
/// `plus_is_space` ('application/x-www-form-urlencoded', as Solana Pay URLs
/// are read) '+' becomes a space. The result must be valid UTF-8; `what`
/// names the field in the error.
Result<Decoded> percent_decode(std::string_view raw, std::size_t offset, bool plus_is_space,
                               const std::string& what);

/// Percent-encodes every byte except the unreserved ones, hex upper case.
std::string percent_encode(std::string_view text);

/// One "key=value" of a query, raw (not decoded), with positions in the URI.
struct RawParam {
  std::string_view key;
  std::string_view value;
  std::size_t key_pos = 0;
  std::size_t value_pos = 0;
};

/// Splits the query `q` (starting at `offset` in the URI) on '&'. Empty
/// parameters, a missing '=' or an empty key are errors.
Result<std::vector<RawParam>> split_query(std::string_view q, std::size_t offset);

/// Case-insensitive ASCII prefix test.
bool starts_with_icase(std::string_view s, std::string_view prefix);

}  // namespace usd1pay::uri

#endif  // USD1PAY_SDK_REQUEST_URI_TEXT_H
