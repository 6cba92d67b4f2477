// Fuzzes the EVM JSON-RPC response decoders (sdk/chain/evm_rpc_decode.h) with
// arbitrary bytes as a node's answer.
//
// Input: the first byte picks the decoder (eth_getLogs body, block body, or a
// batch of 1..4 replies), the rest is the response body. Invariants checked:
//  - no crash, no sanitizer report, no exception escapes;
//  - an error is kUnavailable, kOutOfRange or (block only) kNotFound, with a
//    non-empty message naming the method;
//  - decoded transfers are in (block, log index) order, inside the range
//    asked for, of the token asked for, with lowercase 0x hashes of 64 digits
//    and EIP-55 addresses that validate;
//  - a decoded block has 64-digit lowercase hashes and a non-negative time.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chain/evm_rpc_decode.h"
#include "usd1pay/address.h"

namespace {

using usd1pay::ErrorCode;
namespace rpc = usd1pay::evm_rpc_internal;

void check(bool condition) {
  if (!condition) std::abort();
}

void check_hash(const std::string& h) {
  check(h.size() == 66 && h[0] == '0' && h[1] == 'x');
  for (std::size_t i = 2; i < h.size(); ++i) {
    check((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'));
  }
}

void check_address(const std::string& a) {
  auto info = usd1pay::validate_address(usd1pay::ChainFamily::kEvm, a);
  check(info.ok() && info->canonical == a);
}

void check_error(const usd1pay::Status& s, bool not_found_ok) {
  check(s.code() == ErrorCode::kUnavailable || s.code() == ErrorCode::kOutOfRange ||
        (not_found_ok && s.code() == ErrorCode::kNotFound));
  check(!s.message().empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (mode % 3) {
    case 0: {
      rpc::LogFilter filter{"eip155:1", 0, 1000, {"0x5FbDB2315678afecb367f032d93F642f64180aa3"}};
      if (mode & 0x80) filter.tokens.clear();
      auto r = rpc::decode_logs_response(body, filter);
      if (!r.ok()) {
        check_error(r.status(), false);
        check(r.status().message().rfind("eth_getLogs", 0) == 0);
        break;
      }
      for (std::size_t i = 0; i < r->size(); ++i) {
        const auto& t = (*r)[i];
        check(t.block_number <= 1000);
        check_hash(t.tx_hash);
        check_hash(t.block_hash);
        check_address(t.token);
        check_address(t.from);
        check_address(t.to);
        if (!filter.tokens.empty()) check(t.token == filter.tokens[0]);
        if (i > 0) {
          const auto& p = (*r)[i - 1];
          check(p.block_number < t.block_number ||
                (p.block_number == t.block_number && p.log_index < t.log_index));
        }
      }
      break;
    }
    case 1: {
      auto b = rpc::decode_block_response(body);
      if (!b.ok()) {
        check_error(b.status(), true);
        break;
      }
      check_hash(b->hash);
      check_hash(b->parent_hash);
      check(b->timestamp >= 0);
      break;
    }
    default: {
      auto parsed = rpc::parse_body(body, "batch");
      if (!parsed.ok()) {
        check_error(parsed.status(), false);
        break;
      }
      const std::size_t count = 1 + (mode >> 2) % 4;
      auto replies = rpc::decode_replies(*parsed, count, count > 1 || (mode & 0x40), "batch");
      if (!replies.ok()) {
        check_error(replies.status(), false);
        break;
      }
      check(replies->size() == count);
      for (const auto& r : *replies) {
        if (r.ok) {
          auto q = rpc::parse_quantity(r.result, "q");
          if (q.ok()) check(rpc::parse_quantity_text(rpc::to_quantity(*q), "q").value_or(0) == *q);
        }
      }
      break;
    }
  }
  return 0;
}
