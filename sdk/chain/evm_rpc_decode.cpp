// Strict decoding of EVM JSON-RPC answers (see evm_rpc_decode.h).
#include "chain/evm_rpc_decode.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <exception>
#include <limits>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "usd1pay/address.h"
#include "usd1pay/encoding.h"
#include "usd1pay/json_strict.h"

namespace usd1pay::evm_rpc_internal {
namespace {

using nlohmann::json;

Status bad(const std::string& field, const std::string& what) {
  return Status(ErrorCode::kUnavailable, field + ": " + what);
}

const char* type_name(const json& v) {
  return v.type_name();
}

Status expected_string(const json& v, const std::string& field, const char* what) {
  return bad(field, std::string("expected ") + what + ", got " + type_name(v));
}

// "0x" followed by exactly `digits` hex digits; the decoded bytes.
Result<Bytes> fixed_hex(const json& value, const std::string& field, std::size_t bytes,
                        const char* what) {
  if (!value.is_string()) return expected_string(value, field, what);
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() < 2 || text[0] != '0' || text[1] != 'x') {
    return bad(field, std::string("expected ") + what + " starting with 0x");
  }
  if (text.size() != 2 + 2 * bytes) {
    return bad(field, std::string("expected ") + what + " (" + std::to_string(2 * bytes) +
                          " hex digits), got " + std::to_string(text.size() - 2) + " digits");
  }
  for (std::size_t i = 2; i < text.size(); ++i) {
    if (hex_digit_value(text[i]) < 0) {
      return bad(field,
                 "bad character " + quote_char(text[i]) + " at position " + std::to_string(i));
    }
  }
  const std::string_view view = text;
  auto decoded = hex_decode(view.substr(2));
  if (!decoded.ok()) return bad(field, decoded.status().message());
  return std::move(decoded).value();
}

std::string checksum(const std::uint8_t* p) {
  std::array<std::uint8_t, 20> a{};
  std::copy(p, p + 20, a.begin());
  return evm_checksum_address(a);
}

// Depth of nesting of arrays / objects, strings skipped; stops early past max.
bool depth_within(std::string_view body, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escape = false;
  for (char c : body) {
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace

Result<std::uint64_t> parse_quantity_text(std::string_view text, const std::string& field) {
  if (text.size() < 2 || text[0] != '0' || text[1] != 'x') {
    return bad(field, "expected a hex quantity starting with 0x");
  }
  std::string_view digits = text.substr(2);
  if (digits.empty()) return bad(field, "expected hex digits after 0x");
  if (digits.size() > 1 && digits[0] == '0') {
    return bad(field, "hex quantity with a leading zero");
  }
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    int d = hex_digit_value(digits[i]);
    if (d < 0) {
      return bad(field, "bad character " + quote_char(digits[i]) + " at position " +
                            std::to_string(i + 2));
    }
    if (value > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
      return Status(ErrorCode::kOutOfRange,
                    field + ": quantity " + std::string(text.substr(0, 40)) +
                        (text.size() > 40 ? "..." : "") + " does not fit 64 bits");
    }
    value = (value << 4) | static_cast<std::uint64_t>(d);
  }
  return value;
}

Result<std::uint64_t> parse_quantity(const json& value, const std::string& field) {
  if (!value.is_string()) return expected_string(value, field, "a hex quantity string");
  return parse_quantity_text(value.get_ref<const std::string&>(), field);
}

Result<std::string> parse_hash32(const json& value, const std::string& field) {
  auto bytes = fixed_hex(value, field, 32, "a 32-byte hash");
  if (!bytes.ok()) return bytes.status();
  return hex_encode(*bytes, true);
}

Result<std::string> parse_address(const json& value, const std::string& field) {
  auto bytes = fixed_hex(value, field, 20, "a 20-byte address");
  if (!bytes.ok()) return bytes.status();
  return checksum(bytes->data());
}

Result<std::string> parse_address_topic(const json& value, const std::string& field) {
  auto bytes = fixed_hex(value, field, 32, "a 32-byte topic");
  if (!bytes.ok()) return bytes.status();
  for (std::size_t i = 0; i < 12; ++i) {
    if ((*bytes)[i] != 0) {
      return bad(field, "expected an address topic (12 leading zero bytes), byte " +
                            std::to_string(i) + " is not zero");
    }
  }
  return checksum(bytes->data() + 12);
}

Result<Uint128> parse_uint256_word(const json& value, const std::string& field) {
  auto bytes = fixed_hex(value, field, 32, "a 32-byte uint256");
  if (!bytes.ok()) return bytes.status();
  for (std::size_t i = 0; i < 16; ++i) {
    if ((*bytes)[i] != 0) {
      return Status(ErrorCode::kOutOfRange, field + ": amount above 2^128-1");
    }
  }
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  for (std::size_t i = 16; i < 24; ++i) hi = (hi << 8) | (*bytes)[i];
  for (std::size_t i = 24; i < 32; ++i) lo = (lo << 8) | (*bytes)[i];
  return Uint128(hi, lo);
}

std::string address_topic(std::string_view address) {
  std::string out = "0x000000000000000000000000";
  for (char c : address.substr(2)) {
    out += (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string to_quantity(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (value == 0) return "0x0";
  std::string rev;
  while (value != 0) {
    rev += kDigits[value & 0xf];
    value >>= 4;
  }
  return "0x" + std::string(rev.rbegin(), rev.rend());
}

Result<json> parse_body(std::string_view body, const std::string& method) {
  if (!depth_within(body, kMaxJsonDepth)) {
    return Status(ErrorCode::kUnavailable, method + ": response nested deeper than " +
                                               std::to_string(kMaxJsonDepth) + " levels");
  }
  // Duplicate keys: nlohmann keeps the last of two equal keys; a node that
  // sends {"hash": A, "hash": B} contradicts itself, and which one a decoder
  // sees must never be an accident.
  JsonKeyPaths paths;
  try {
    return json::parse(body.begin(), body.end(), StrictJsonCallback<json>(&paths, kMaxJsonDepth));
  } catch (const JsonStrictViolation& d) {
    if (d.kind == JsonStrictViolation::Kind::kTooDeep) {  // depth_within let it through
      return Status(ErrorCode::kUnavailable, method + ": response nested deeper than " +
                                                 std::to_string(kMaxJsonDepth) + " levels");
    }
    std::string shown = d.path.substr(0, 120);
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return Status(ErrorCode::kUnavailable,
                  method + ": response has the key \"" + shown + "\" twice (duplicate keys)");
  } catch (const json::parse_error& e) {
    return Status(ErrorCode::kUnavailable, method + ": response is not valid JSON (byte " +
                                               std::to_string(e.byte) + " of " +
                                               std::to_string(body.size()) + ")");
  } catch (const json::exception& e) {  // e.g. a number too large for a double
    return Status(ErrorCode::kUnavailable,
                  method + ": response is not valid JSON (" + std::to_string(e.id) + ")");
  }
}

namespace {

Result<std::pair<std::size_t, RpcReply>> decode_one(const json& obj, std::size_t count,
                                                    const std::string& field, bool allow_null_id) {
  if (!obj.is_object()) {
    return bad(field, std::string("expected a JSON-RPC response object, got ") + type_name(obj));
  }
  auto version = obj.find("jsonrpc");
  if (version == obj.end() || !version->is_string() || *version != "2.0") {
    return bad(field + ".jsonrpc", "expected \"2.0\"");
  }
  std::size_t id = 0;
  auto id_it = obj.find("id");
  if (id_it == obj.end()) return bad(field + ".id", "missing");
  if (id_it->is_null() && allow_null_id) {
    id = 0;
  } else if (id_it->is_number_unsigned() && id_it->get<std::uint64_t>() >= 1 &&
             id_it->get<std::uint64_t>() <= count) {
    id = static_cast<std::size_t>(id_it->get<std::uint64_t>());
  } else {
    return bad(field + ".id", "expected a request id 1.." + std::to_string(count) + ", got " +
                                  id_it->dump().substr(0, 40));
  }
  auto result = obj.find("result");
  auto error = obj.find("error");
  RpcReply reply;
  if (result != obj.end() && error != obj.end()) {
    return bad(field, "has both result and error");
  }
  if (error != obj.end()) {
    if (!error->is_object()) return bad(field + ".error", "expected an object");
    auto code = error->find("code");
    auto message = error->find("message");
    if (code == error->end() || !code->is_number_integer()) {
      return bad(field + ".error.code", "expected an integer");
    }
    if (message == error->end() || !message->is_string()) {
      return bad(field + ".error.message", "expected a string");
    }
    reply.ok = false;
    reply.error_code = code->get<std::int64_t>();
    reply.error_message = message->get<std::string>().substr(0, 300);
  } else if (result != obj.end()) {
    if (id == 0) return bad(field + ".id", "null id on a result");
    reply.ok = true;
    reply.result = *result;
  } else {
    return bad(field, "has neither result nor error");
  }
  return std::make_pair(id, std::move(reply));
}

}  // namespace

Result<std::vector<RpcReply>> decode_replies(const json& body, std::size_t count, bool batch,
                                             const std::string& method) {
  std::vector<RpcReply> out(count);
  if (!batch || body.is_object()) {
    // A single answer; for a batch only a rejection of the whole batch.
    auto one = decode_one(body, count, method, batch || count == 1);
    if (!one.ok()) return one.status();
    if (one->first == 0 || batch) {
      if (one->second.ok) return bad(method, "expected an array of responses to a batch");
      for (auto& r : out) r = one->second;
      return out;
    }
    out[0] = std::move(one->second);
    return out;
  }
  if (!body.is_array()) {
    return bad(method, std::string("expected an array of responses, got ") + type_name(body));
  }
  if (body.size() != count) {
    return bad(method, "expected " + std::to_string(count) + " responses, got " +
                           std::to_string(body.size()));
  }
  std::vector<bool> seen(count + 1, false);
  for (std::size_t i = 0; i < body.size(); ++i) {
    auto one = decode_one(body[i], count, method + "[" + std::to_string(i) + "]", false);
    if (!one.ok()) return one.status();
    if (seen[one->first]) {
      return bad(method + "[" + std::to_string(i) + "].id",
                 "duplicate id " + std::to_string(one->first));
    }
    seen[one->first] = true;
    out[one->first - 1] = std::move(one->second);
  }
  return out;
}

Result<BlockRef> decode_block(const json& block, const std::string& field) {
  if (!block.is_object()) {
    return bad(field, std::string("expected a block object, got ") + type_name(block));
  }
  auto member = [&](const char* key) -> const json* {
    auto it = block.find(key);
    return it == block.end() ? nullptr : &*it;
  };
  static const json kMissing;  // null
  const json* number = member("number");
  const json* hash = member("hash");
  const json* parent = member("parentHash");
  const json* timestamp = member("timestamp");
  BlockRef ref;
  auto n = parse_quantity(number ? *number : kMissing, field + ".number");
  if (!n.ok()) return n.status();
  ref.number = *n;
  auto h = parse_hash32(hash ? *hash : kMissing, field + ".hash");
  if (!h.ok()) return h.status();
  ref.hash = std::move(h).value();
  auto p = parse_hash32(parent ? *parent : kMissing, field + ".parentHash");
  if (!p.ok()) return p.status();
  ref.parent_hash = std::move(p).value();
  auto t = parse_quantity(timestamp ? *timestamp : kMissing, field + ".timestamp");
  if (!t.ok()) return t.status();
  if (*t > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Status(ErrorCode::kOutOfRange, field + ".timestamp: above 2^63-1");
  }
  ref.timestamp = static_cast<std::int64_t>(*t);
  return ref;
}

Result<std::vector<DecodedLog>> decode_logs(const json& logs, const LogFilter& filter) {
  const std::string base = "eth_getLogs.result";
  if (!logs.is_array()) {
    return bad(base, std::string("expected an array of logs, got ") + type_name(logs));
  }
  static const json kMissing;
  std::vector<DecodedLog> out;
  out.reserve(logs.size());
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const std::string f = base + "[" + std::to_string(i) + "]";
    const json& log = logs[i];
    if (!log.is_object()) {
      return bad(f, std::string("expected a log object, got ") + type_name(log));
    }
    auto get = [&](const char* key) -> const json& {
      auto it = log.find(key);
      return it == log.end() ? kMissing : *it;
    };
    DecodedLog d;
    TokenTransfer& t = d.transfer;
    t.chain = filter.chain;
    const json& removed = get("removed");
    if (!removed.is_null()) {
      if (!removed.is_boolean()) return bad(f + ".removed", "expected a boolean");
      d.removed = removed.get<bool>();
    }
    auto token = parse_address(get("address"), f + ".address");
    if (!token.ok()) return token.status();
    t.token = std::move(token).value();
    if (!filter.tokens.empty() &&
        std::find(filter.tokens.begin(), filter.tokens.end(), t.token) == filter.tokens.end()) {
      return bad(f + ".address", t.token + " is not a token that was asked for");
    }
    const json& topics = get("topics");
    if (!topics.is_array()) return bad(f + ".topics", "expected an array");
    if (topics.size() != 3) {
      return bad(f + ".topics",
                 "expected 3 topics (Transfer, from, to), got " + std::to_string(topics.size()));
    }
    if (!topics[0].is_string() || topics[0].get_ref<const std::string&>().size() != 66) {
      return bad(f + ".topics[0]", "expected the Transfer event topic");
    }
    {
      std::string topic0 = topics[0].get<std::string>();
      std::transform(topic0.begin(), topic0.end(), topic0.begin(),
                     [](char c) { return (c >= 'A' && c <= 'F') ? static_cast<char>(c + 32) : c; });
      if (topic0 != kTransferTopic) {
        return bad(f + ".topics[0]", "expected the Transfer event topic");
      }
    }
    auto from = parse_address_topic(topics[1], f + ".topics[1]");
    if (!from.ok()) return from.status();
    t.from = std::move(from).value();
    auto to = parse_address_topic(topics[2], f + ".topics[2]");
    if (!to.ok()) return to.status();
    t.to = std::move(to).value();
    auto amount = parse_uint256_word(get("data"), f + ".data");
    if (!amount.ok()) return amount.status();
    t.amount = *amount;
    auto number = parse_quantity(get("blockNumber"), f + ".blockNumber");
    if (!number.ok()) return number.status();
    if (*number < filter.from_block || *number > filter.to_block) {
      return bad(f + ".blockNumber", "block " + std::to_string(*number) + " is outside " +
                                         std::to_string(filter.from_block) + ".." +
                                         std::to_string(filter.to_block));
    }
    t.block_number = *number;
    auto block_hash = parse_hash32(get("blockHash"), f + ".blockHash");
    if (!block_hash.ok()) return block_hash.status();
    t.block_hash = std::move(block_hash).value();
    auto tx = parse_hash32(get("transactionHash"), f + ".transactionHash");
    if (!tx.ok()) return tx.status();
    t.tx_hash = std::move(tx).value();
    auto index = parse_quantity(get("logIndex"), f + ".logIndex");
    if (!index.ok()) return index.status();
    if (*index > std::numeric_limits<std::uint32_t>::max()) {
      return Status(ErrorCode::kOutOfRange, f + ".logIndex: above 2^32-1");
    }
    t.log_index = static_cast<std::uint32_t>(*index);
    const json& ts = get("blockTimestamp");
    if (!ts.is_null()) {
      auto time = parse_quantity(ts, f + ".blockTimestamp");
      if (!time.ok()) return time.status();
      if (*time > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return Status(ErrorCode::kOutOfRange, f + ".blockTimestamp: above 2^63-1");
      }
      t.block_time = static_cast<std::int64_t>(*time);
      d.has_block_time = true;
    }
    out.push_back(std::move(d));
  }
  // One log per (block, index); one hash per block.
  std::set<std::pair<std::uint64_t, std::uint32_t>> keys;
  std::vector<std::pair<std::uint64_t, const std::string*>> hashes;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto& t = out[i].transfer;
    if (out[i].removed) continue;
    if (!keys.emplace(t.block_number, t.log_index).second) {
      return bad(base + "[" + std::to_string(i) + "]",
                 "a second log at block " + std::to_string(t.block_number) + " log index " +
                     std::to_string(t.log_index));
    }
    hashes.emplace_back(t.block_number, &t.block_hash);
  }
  std::sort(hashes.begin(), hashes.end());
  for (std::size_t i = 1; i < hashes.size(); ++i) {
    if (hashes[i].first == hashes[i - 1].first && *hashes[i].second != *hashes[i - 1].second) {
      return bad(base, "two block hashes for block " + std::to_string(hashes[i].first));
    }
  }
  return out;
}

Result<std::vector<TokenTransfer>> decode_logs_response(std::string_view body,
                                                        const LogFilter& filter) {
  auto parsed = parse_body(body, "eth_getLogs");
  if (!parsed.ok()) return parsed.status();
  auto replies = decode_replies(*parsed, 1, false, "eth_getLogs");
  if (!replies.ok()) return replies.status();
  const RpcReply& reply = (*replies)[0];
  if (!reply.ok) {
    return Status(
        ErrorCode::kUnavailable,
        "eth_getLogs: node error " + std::to_string(reply.error_code) + ": " + reply.error_message);
  }
  auto logs = decode_logs(reply.result, filter);
  if (!logs.ok()) return logs.status();
  std::vector<TokenTransfer> out;
  for (auto& d : *logs) {
    if (!d.removed) out.push_back(std::move(d.transfer));
  }
  std::sort(out.begin(), out.end(), [](const TokenTransfer& a, const TokenTransfer& b) {
    return std::tie(a.block_number, a.log_index) < std::tie(b.block_number, b.log_index);
  });
  return out;
}

Result<BlockRef> decode_block_response(std::string_view body) {
  const std::string method = "eth_getBlockByNumber";
  auto parsed = parse_body(body, method);
  if (!parsed.ok()) return parsed.status();
  auto replies = decode_replies(*parsed, 1, false, method);
  if (!replies.ok()) return replies.status();
  const RpcReply& reply = (*replies)[0];
  if (!reply.ok) {
    return Status(
        ErrorCode::kUnavailable,
        method + ": node error " + std::to_string(reply.error_code) + ": " + reply.error_message);
  }
  if (reply.result.is_null()) return Status(ErrorCode::kNotFound, method + ": no such block");
  return decode_block(reply.result, method + ".result");
}

}  // namespace usd1pay::evm_rpc_internal
