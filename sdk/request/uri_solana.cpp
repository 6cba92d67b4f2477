// Solana Pay transfer requests, after the Solana Pay specification
// (https://docs.solanapay.com/spec, "Transfer Request"):
//
//   solana:<recipient>
//     ?amount=<amount>         optional, once; decimal in the token's units
//     &spl-token=<mint>        optional, once; absent means SOL
//     &reference=<reference>   optional, repeatable, order kept
//     &label=<label>           optional, once; URL-encoded UTF-8
//     &message=<message>       optional, once; URL-encoded UTF-8
//     &memo=<memo>             optional, once; URL-encoded UTF-8
//
// The amount is a non-negative integer or decimal; below 1 it needs the
// leading zero ("0.5", never ".5"), scientific notation is forbidden, and a
// wallet must reject more decimal places than the token has (SOL: 9).
// Addresses are base58 of 32 bytes. A "solana:" URI whose path holds ':' or
// '%' is a transaction request (an https link), which usd1pay does not do.
//
// Query text is read the way browsers' URLSearchParams (and so @solana/pay)
// read it, '+' meaning a space, but strictly: a malformed %XY escape or bytes
// that do not decode to UTF-8 are errors instead of being passed through or
// replaced with U+FFFD, and repeated single-valued parameters are errors
// instead of "the first one wins".
#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "request/uri_text.h"
#include "usd1pay/address.h"
#include "usd1pay/encoding.h"
#include "usd1pay/request.h"

namespace usd1pay {
namespace {

using uri::error_at;

constexpr std::string_view kScheme = "solana:";

bool is_known_key(std::string_view key) {
  return key == "amount" || key == "spl-token" || key == "reference" || key == "label" ||
         key == "message" || key == "memo";
}

// Checks the Solana Pay amount syntax, 1*DIGIT [ "." 1*DIGIT ]. On error the
// message says what, with the position origin[i] of the offending byte.
// Returns the number of decimal places.
Result<std::size_t> check_amount(std::string_view s, const std::vector<std::size_t>& origin,
                                 std::size_t pos, const char* prefix) {
  const auto fail = [&](ErrorCode code, const std::string& what, std::size_t at) {
    return Status(code, std::string(prefix) + what + " at position " + std::to_string(at));
  };
  if (s.empty()) return fail(ErrorCode::kInvalidArgument, "empty amount", pos);
  if (s[0] == '.') {
    return fail(ErrorCode::kInvalidArgument, "amount must not start with '.'", origin[0]);
  }
  if (s[0] == '-') return fail(ErrorCode::kInvalidArgument, "negative amount", origin[0]);
  std::size_t dot = std::string_view::npos;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') continue;
    if (c == '.' && dot == std::string_view::npos) {
      dot = i;
      continue;
    }
    if (c == 'e' || c == 'E') {
      return fail(ErrorCode::kInvalidArgument, "scientific notation in amount", origin[i]);
    }
    return fail(ErrorCode::kInvalidArgument,
                "bad character " + uri::describe_byte(c) + " in amount", origin[i]);
  }
  if (dot == s.size() - 1) {
    return fail(ErrorCode::kInvalidArgument, "missing digit after '.' in amount", origin[dot]);
  }
  return dot == std::string_view::npos ? std::size_t{0} : s.size() - dot - 1;
}

std::vector<std::size_t> identity_origin(std::size_t n) {
  std::vector<std::size_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

Status too_many_decimals(const char* prefix, std::size_t places, const std::string& whose,
                         unsigned max) {
  return Status(ErrorCode::kOutOfRange, std::string(prefix) + "too many decimal places (" +
                                            std::to_string(places) + ") for " + whose + " with " +
                                            std::to_string(max) + " decimals");
}

Result<std::string> read_solana_address(std::string_view text, const std::string& what,
                                        std::size_t pos) {
  if (text.empty()) return error_at(ErrorCode::kInvalidArgument, "empty " + what, pos);
  auto info = validate_address(ChainFamily::kSolana, text);
  if (!info.ok()) {
    const Status s = info.status();
    return Status(s.code(), "uri: bad " + what + " at position " + std::to_string(pos) + " (" +
                                s.message() + ")");
  }
  return info->canonical;
}

}  // namespace

bool operator==(const SolanaPayRequest& a, const SolanaPayRequest& b) {
  return a.recipient == b.recipient && a.amount == b.amount && a.spl_token == b.spl_token &&
         a.references == b.references && a.label == b.label && a.message == b.message &&
         a.memo == b.memo && a.other_params == b.other_params;
}

Result<SolanaPayRequest> parse_solana_pay(std::string_view text) {
  USD1PAY_RETURN_IF_ERROR(uri::check_uri_characters(text));
  if (!uri::starts_with_icase(text, kScheme)) {
    return error_at(ErrorCode::kInvalidArgument, "expected scheme 'solana:'", 0);
  }
  const std::size_t start = kScheme.size();
  const std::size_t path_end = std::min(text.find('?', start), text.size());
  const std::string_view path = text.substr(start, path_end - start);
  if (const std::size_t link = path.find_first_of(":%"); link != std::string_view::npos) {
    return error_at(ErrorCode::kUnsupported,
                    "Solana Pay transaction requests (a link, not a recipient) are not supported",
                    start + link);
  }
  SolanaPayRequest req;
  auto recipient = read_solana_address(path, "recipient", start);
  if (!recipient.ok()) return recipient.status();
  req.recipient = std::move(*recipient);
  if (path_end == text.size()) return req;

  const std::size_t query_start = path_end + 1;
  auto params = uri::split_query(text.substr(query_start), query_start);
  if (!params.ok()) return params.status();
  std::set<std::string> seen;
  std::size_t amount_pos = 0;
  std::size_t amount_places = 0;
  for (const auto& p : *params) {
    auto key = uri::percent_decode(p.key, p.key_pos, true, "parameter name");
    if (!key.ok()) return key.status();
    const std::string& k = key->text;
    auto value = uri::percent_decode(p.value, p.value_pos, true, "'" + k + "'");
    if (!value.ok()) return value.status();
    if (!is_known_key(k)) {
      req.other_params.emplace_back(k, std::move(value->text));
      continue;
    }
    if (k != "reference" && !seen.insert(k).second) {
      return error_at(ErrorCode::kInvalidArgument, "duplicate parameter '" + k + "'", p.key_pos);
    }
    std::string& v = value->text;
    if (k == "amount") {
      auto places = check_amount(v, value->origin, p.value_pos, "uri: ");
      if (!places.ok()) return places.status();
      amount_pos = p.value_pos;
      amount_places = *places;
      req.amount = std::move(v);
    } else if (k == "spl-token") {
      auto mint = read_solana_address(v, "'spl-token'", p.value_pos);
      if (!mint.ok()) return mint.status();
      req.spl_token = std::move(*mint);
    } else if (k == "reference") {
      auto ref = read_solana_address(v, "'reference'", p.value_pos);
      if (!ref.ok()) return ref.status();
      req.references.push_back(std::move(*ref));
    } else if (!v.empty()) {
      // An empty text is the same as none, as in @solana/pay.
      (k == "label" ? req.label : k == "message" ? req.message : req.memo) = std::move(v);
    }
  }
  if (req.amount && !req.spl_token && amount_places > kSolDecimals) {
    return error_at(ErrorCode::kOutOfRange,
                    "too many decimal places (" + std::to_string(amount_places) +
                        ") in amount of SOL with " + std::to_string(kSolDecimals) + " decimals",
                    amount_pos);
  }
  return req;
}

Result<std::string> build_solana_pay(const SolanaPayRequest& req) {
  auto recipient = validate_address(ChainFamily::kSolana, req.recipient);
  if (!recipient.ok()) return recipient.status().with_context("uri: recipient");
  std::string out = std::string(kScheme) + recipient->canonical;
  std::vector<std::string> params;
  if (req.amount) {
    auto places = check_amount(*req.amount, identity_origin(req.amount->size()), 0, "uri: ");
    if (!places.ok()) return places.status();
    if (!req.spl_token && *places > kSolDecimals) {
      return too_many_decimals("uri: amount: ", *places, "SOL", kSolDecimals);
    }
    params.push_back("amount=" + *req.amount);
  }
  if (req.spl_token) {
    auto mint = validate_address(ChainFamily::kSolana, *req.spl_token);
    if (!mint.ok()) return mint.status().with_context("uri: spl-token");
    params.push_back("spl-token=" + mint->canonical);
  }
  for (std::size_t i = 0; i < req.references.size(); ++i) {
    auto ref = validate_address(ChainFamily::kSolana, req.references[i]);
    if (!ref.ok()) return ref.status().with_context("uri: reference " + std::to_string(i));
    params.push_back("reference=" + ref->canonical);
  }
  const std::pair<const char*, const std::optional<std::string>*> texts[] = {
      {"label", &req.label}, {"message", &req.message}, {"memo", &req.memo}};
  for (const auto& [name, text] : texts) {
    if (!text->has_value() || (*text)->empty()) continue;
    if (const std::size_t bad = find_invalid_utf8(**text); bad != std::string_view::npos) {
      return Status(
          ErrorCode::kInvalidArgument,
          std::string("uri: ") + name + " is not valid UTF-8 at byte " + std::to_string(bad));
    }
    params.push_back(std::string(name) + "=" + uri::percent_encode(**text));
  }
  for (const auto& [key, value] : req.other_params) {
    if (key.empty()) return Status(ErrorCode::kInvalidArgument, "uri: empty parameter name");
    if (is_known_key(key)) {
      return Status(ErrorCode::kInvalidArgument,
                    "uri: '" + key + "' is a known parameter, not an other parameter");
    }
    for (const auto& [what, s] : {std::pair{"name", &key}, std::pair{"value", &value}}) {
      if (const std::size_t bad = find_invalid_utf8(*s); bad != std::string_view::npos) {
        return Status(ErrorCode::kInvalidArgument, std::string("uri: parameter ") + what +
                                                       " is not valid UTF-8 at byte " +
                                                       std::to_string(bad));
      }
    }
    params.push_back(uri::percent_encode(key) + "=" + uri::percent_encode(value));
  }
  for (std::size_t i = 0; i < params.size(); ++i) out += (i == 0 ? "?" : "&") + params[i];
  return out;
}

Result<Amount> solana_pay_amount(std::string_view amount, unsigned decimals) {
  // No "amount: " prefix: these messages name the amount themselves.
  auto places = check_amount(amount, identity_origin(amount.size()), 0, "");
  if (!places.ok()) return places.status();
  if (*places > decimals) return too_many_decimals("amount: ", *places, "a token", decimals);
  return Amount::parse(amount, decimals);
}

}  // namespace usd1pay
