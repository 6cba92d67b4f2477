// EIP-681 ("URL Format for Transaction Requests"), as usd1pay reads and
// writes it. The grammar of the EIP:
//
//   request        = "ethereum" ":" [ "pay-" ] target_address [ "@" chain_id ]
//                    [ "/" function_name ] [ "?" parameters ]
//   target_address = ( "0x" 40*HEXDIG ) / ENS_NAME
//   chain_id       = 1*DIGIT
//   parameters     = parameter *( "&" parameter )
//   parameter      = key "=" value
//   key            = "value" / "gas" / "gasLimit" / "gasPrice" / TYPE
//   number         = [ "-" / "+" ] *DIGIT [ "." 1*DIGIT ] [ ( "e" / "E" ) [ 1*DIGIT ] ]
//
// Where usd1pay is stricter than the grammar, and why:
// - addresses are exactly 40 hex digits and mixed case must pass EIP-55
//   (a wrong checksum is how a mistyped address is caught);
// - ENS names are kUnsupported: resolving them needs a node and trust in its
//   answer, which a watch-only payment screen must not depend on;
// - an exponent marker must be followed by digits ("1e" is refused: the EIP
//   does not say what it would mean, and money must not be guessed);
// - a sign of '-' is refused (kOutOfRange) even for zero;
// - the scheme and "pay-" are matched without regard to case (RFC 3986
//   schemes are case-insensitive), everything else as written.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "request/uri_text.h"
#include "usd1pay/address.h"
#include "usd1pay/encoding.h"
#include "usd1pay/request.h"

namespace usd1pay {
namespace {

using uri::error_at;

constexpr std::string_view kScheme = "ethereum:";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$';
    if (!alpha && !(i > 0 && is_digit(c))) return false;
  }
  return true;
}

bool is_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-' ||
         c == '.';
}

// The first byte of `key` that a parameter name may not hold, or npos.
std::size_t bad_key_char(std::string_view key) {
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (!is_key_char(key[i])) return i;
  }
  return std::string_view::npos;
}

// Validates an EVM address found at `pos` of the URI (as `what`) and returns
// its EIP-55 spelling.
Result<std::string> read_address(std::string_view text, const std::string& what, std::size_t pos) {
  if (text.empty()) return error_at(ErrorCode::kInvalidArgument, "empty " + what, pos);
  if (!uri::starts_with_icase(text, "0x") && text.find('.') != std::string_view::npos) {
    return error_at(ErrorCode::kUnsupported,
                    "ENS name '" + std::string(text) + "' as " + what +
                        " is not supported (an address is needed)",
                    pos);
  }
  auto info = validate_address(ChainFamily::kEvm, text);
  if (!info.ok()) {
    const Status s = info.status();
    return Status(s.code(), "uri: bad " + what + " at position " + std::to_string(pos) + " (" +
                                s.message() + ")");
  }
  return info->canonical;
}

// Reads an EIP-681 number (decoded text, `origin` maps each byte to its URI
// position) as a whole non-negative value below 2^128.
Result<Uint128> read_number(const uri::Decoded& d, const std::string& key, std::size_t pos) {
  const std::string& s = d.text;
  if (s.empty()) return error_at(ErrorCode::kInvalidArgument, "empty number in '" + key + "'", pos);
  std::size_t i = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    ++i;
  }
  std::string digits;  // integer and fraction digits together
  std::size_t fraction_digits = 0;
  const std::size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) digits.push_back(s[i++]);
  const bool had_int = i > int_start;
  if (i < s.size() && s[i] == '.') {
    const std::size_t dot = i++;
    const std::size_t frac_start = i;
    while (i < s.size() && is_digit(s[i])) digits.push_back(s[i++]);
    fraction_digits = i - frac_start;
    if (fraction_digits == 0) {
      return error_at(ErrorCode::kInvalidArgument, "missing digit after '.' in '" + key + "'",
                      d.origin[dot]);
    }
  }
  if (!had_int && fraction_digits == 0) {
    const std::size_t at = i < s.size() ? d.origin[i] : pos;
    return error_at(ErrorCode::kInvalidArgument, "number in '" + key + "' has no digits", at);
  }
  long long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    const std::size_t marker = i++;
    const std::size_t exp_start = i;
    while (i < s.size() && is_digit(s[i])) {
      // Saturate: anything this large is out of range unless the mantissa is 0.
      if (exponent < 100000) exponent = exponent * 10 + (s[i] - '0');
      ++i;
    }
    if (i == exp_start && i < s.size()) {
      return error_at(ErrorCode::kInvalidArgument,
                      "bad character " + uri::describe_byte(s[i]) + " in number '" + key + "'",
                      d.origin[i]);
    }
    if (i == exp_start) {
      return error_at(
          ErrorCode::kInvalidArgument,
          "missing exponent digits after '" + std::string(1, s[marker]) + "' in '" + key + "'",
          d.origin[marker]);
    }
  }
  if (i < s.size()) {
    return error_at(ErrorCode::kInvalidArgument,
                    "bad character " + uri::describe_byte(s[i]) + " in number '" + key + "'",
                    d.origin[i]);
  }
  if (negative) {
    return error_at(ErrorCode::kOutOfRange, "negative number in '" + key + "'", pos);
  }

  const std::size_t first_nonzero = digits.find_first_not_of('0');
  if (first_nonzero == std::string::npos) return Uint128();
  digits.erase(0, first_nonzero);
  // value = digits * 10^(exponent - fraction_digits)
  long long shift = exponent - static_cast<long long>(fraction_digits);
  if (shift < 0) {
    const auto drop = static_cast<std::size_t>(-shift);
    if (drop >= digits.size() ||
        digits.find_first_not_of('0', digits.size() - drop) != std::string::npos) {
      return error_at(ErrorCode::kOutOfRange, "'" + key + "' is not a whole number of base units",
                      pos);
    }
    digits.erase(digits.size() - drop);
    shift = 0;
  }
  // 2^128-1 has 39 digits.
  if (static_cast<long long>(digits.size()) + shift > 39) {
    return error_at(ErrorCode::kOutOfRange, "'" + key + "' is above 2^128-1", pos);
  }
  digits.append(static_cast<std::size_t>(shift), '0');
  auto value = Uint128::parse_decimal(digits);
  if (!value.ok()) {
    if (value.status().code() == ErrorCode::kOutOfRange) {
      return error_at(ErrorCode::kOutOfRange, "'" + key + "' is above 2^128-1", pos);
    }
    return Status(ErrorCode::kInternal, "uri: number digits refused: " + value.status().message());
  }
  return *value;
}

struct KnownSlot {
  std::optional<Uint128>* number = nullptr;
  std::optional<std::string>* address = nullptr;
  const char* name = nullptr;  // the slot's name, shared by "gas"/"gasLimit"
};

}  // namespace

bool operator==(const Eip681Request& a, const Eip681Request& b) {
  return a.pay_prefix == b.pay_prefix && a.target == b.target && a.chain_id == b.chain_id &&
         a.function == b.function && a.value == b.value && a.gas_limit == b.gas_limit &&
         a.gas_price == b.gas_price && a.recipient == b.recipient && a.amount == b.amount &&
         a.other_params == b.other_params;
}

Result<Eip681Request> parse_eip681(std::string_view text) {
  USD1PAY_RETURN_IF_ERROR(uri::check_uri_characters(text));
  if (!uri::starts_with_icase(text, kScheme)) {
    return error_at(ErrorCode::kInvalidArgument, "expected scheme 'ethereum:'", 0);
  }
  Eip681Request req;
  std::size_t pos = kScheme.size();
  if (uri::starts_with_icase(text.substr(pos), "pay-")) {
    req.pay_prefix = true;
    pos += 4;
  }

  const std::size_t target_end = std::min(text.find_first_of("@/?", pos), text.size());
  auto target = read_address(text.substr(pos, target_end - pos), "target address", pos);
  if (!target.ok()) return target.status();
  req.target = std::move(*target);
  pos = target_end;

  if (pos < text.size() && text[pos] == '@') {
    const std::size_t start = ++pos;
    const std::size_t end = std::min(text.find_first_of("/?", pos), text.size());
    if (end == start) {
      return error_at(ErrorCode::kInvalidArgument, "missing chain id after '@'", start);
    }
    std::uint64_t id = 0;
    for (std::size_t i = start; i < end; ++i) {
      if (!is_digit(text[i])) {
        return error_at(ErrorCode::kInvalidArgument,
                        "bad character " + uri::describe_byte(text[i]) + " in chain id", i);
      }
      const auto digit = static_cast<std::uint64_t>(text[i] - '0');
      if (id > (UINT64_MAX - digit) / 10) {
        return error_at(ErrorCode::kOutOfRange, "chain id above 2^64-1", start);
      }
      id = id * 10 + digit;
    }
    req.chain_id = id;
    pos = end;
  }

  if (pos < text.size() && text[pos] == '/') {
    const std::size_t start = ++pos;
    const std::size_t end = std::min(text.find('?', pos), text.size());
    const std::string_view name = text.substr(start, end - start);
    if (name.empty()) {
      return error_at(ErrorCode::kInvalidArgument, "missing function name after '/'", start);
    }
    if (!is_identifier(name)) {
      return error_at(ErrorCode::kInvalidArgument, "bad function name '" + std::string(name) + "'",
                      start);
    }
    req.function = std::string(name);
    pos = end;
  }

  if (pos < text.size()) {
    // Only '?' can be here: the target, chain id and function stop at it.
    const std::size_t query_start = pos + 1;
    auto params = uri::split_query(text.substr(query_start), query_start);
    if (!params.ok()) return params.status();
    const bool transfer = req.function == "transfer";
    for (const auto& p : *params) {
      if (const std::size_t bad = bad_key_char(p.key); bad != std::string_view::npos) {
        return error_at(ErrorCode::kInvalidArgument,
                        "bad character " + uri::describe_byte(p.key[bad]) + " in parameter name",
                        p.key_pos + bad);
      }
      const std::string key(p.key);
      auto value = uri::percent_decode(p.value, p.value_pos, false, "'" + key + "'");
      if (!value.ok()) return value.status();

      KnownSlot slot;
      if (key == "value") {
        slot = {&req.value, nullptr, "value"};
      } else if (key == "gas" || key == "gasLimit") {
        slot = {&req.gas_limit, nullptr, "gasLimit"};
      } else if (key == "gasPrice") {
        slot = {&req.gas_price, nullptr, "gasPrice"};
      } else if (transfer && key == "uint256") {
        slot = {&req.amount, nullptr, "uint256"};
      } else if (transfer && key == "address") {
        slot = {nullptr, &req.recipient, "address"};
      } else {
        req.other_params.emplace_back(key, std::move(value->text));
        continue;
      }
      if ((slot.number != nullptr && slot.number->has_value()) ||
          (slot.address != nullptr && slot.address->has_value())) {
        const std::string also = key == slot.name ? "" : std::string(" (as '") + slot.name + "')";
        return error_at(ErrorCode::kInvalidArgument, "duplicate parameter '" + key + "'" + also,
                        p.key_pos);
      }
      if (slot.number != nullptr) {
        auto n = read_number(*value, key, p.value_pos);
        if (!n.ok()) return n.status();
        *slot.number = *n;
      } else {
        auto a = read_address(value->text, "'address' parameter", p.value_pos);
        if (!a.ok()) return a.status();
        *slot.address = std::move(*a);
      }
    }
  }

  if (req.function == "transfer") {
    for (const auto& [present, name] : {std::pair{req.recipient.has_value(), "address"},
                                        std::pair{req.amount.has_value(), "uint256"}}) {
      if (!present) {
        return Status(ErrorCode::kInvalidArgument,
                      std::string("uri: transfer request without '") + name + "' parameter");
      }
    }
  }
  return req;
}

Result<std::string> build_eip681(const Eip681Request& req) {
  auto target = validate_address(ChainFamily::kEvm, req.target);
  if (!target.ok()) return target.status().with_context("uri: target");
  const bool transfer = req.function == "transfer";
  if (!req.function.empty() && !is_identifier(req.function)) {
    return Status(ErrorCode::kInvalidArgument, "uri: bad function name '" + req.function + "'");
  }
  if (!transfer && (req.recipient || req.amount)) {
    return Status(ErrorCode::kInvalidArgument,
                  "uri: recipient and amount are parameters of function 'transfer' only");
  }
  if (transfer && !(req.recipient && req.amount)) {
    return Status(ErrorCode::kInvalidArgument,
                  "uri: function 'transfer' needs both recipient and amount");
  }

  std::string out(kScheme);
  if (req.pay_prefix) out += "pay-";
  out += target->canonical;
  if (req.chain_id) out += "@" + std::to_string(*req.chain_id);
  if (!req.function.empty()) out += "/" + req.function;

  std::vector<std::string> params;
  if (req.value) params.push_back("value=" + req.value->to_decimal());
  if (req.gas_limit) params.push_back("gasLimit=" + req.gas_limit->to_decimal());
  if (req.gas_price) params.push_back("gasPrice=" + req.gas_price->to_decimal());
  if (transfer) {
    auto recipient = validate_address(ChainFamily::kEvm, *req.recipient);
    if (!recipient.ok()) return recipient.status().with_context("uri: recipient");
    params.push_back("address=" + recipient->canonical);
    params.push_back("uint256=" + req.amount->to_decimal());
  }
  for (const auto& [key, value] : req.other_params) {
    if (key.empty() || bad_key_char(key) != std::string_view::npos) {
      return Status(ErrorCode::kInvalidArgument, "uri: bad parameter name '" + key + "'");
    }
    const bool known = key == "value" || key == "gas" || key == "gasLimit" || key == "gasPrice" ||
                       (transfer && (key == "address" || key == "uint256"));
    if (known) {
      return Status(ErrorCode::kInvalidArgument,
                    "uri: '" + key + "' is a known parameter, not an other parameter");
    }
    if (const std::size_t bad = find_invalid_utf8(value); bad != std::string_view::npos) {
      return Status(
          ErrorCode::kInvalidArgument,
          "uri: value of '" + key + "' is not valid UTF-8 at byte " + std::to_string(bad));
    }
    params.push_back(key + "=" + uri::percent_encode(value));
  }
  for (std::size_t i = 0; i < params.size(); ++i) out += (i == 0 ? "?" : "&") + params[i];
  return out;
}

Result<std::string> build_eip681_transfer(const Eip681Transfer& transfer) {
  auto token = validate_address(ChainFamily::kEvm, transfer.token);
  if (!token.ok()) return token.status().with_context("uri: token");
  auto recipient = validate_address(ChainFamily::kEvm, transfer.recipient);
  if (!recipient.ok()) return recipient.status().with_context("uri: recipient");
  Eip681Request req;
  req.target = token->canonical;
  req.chain_id = transfer.chain_id;
  req.function = "transfer";
  req.recipient = recipient->canonical;
  req.amount = transfer.amount;
  return build_eip681(req);
}

}  // namespace usd1pay
