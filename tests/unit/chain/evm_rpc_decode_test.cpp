// The strict decoders of EVM JSON-RPC answers: tables of good and bad inputs.
#include "chain/evm_rpc_decode.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace usd1pay::evm_rpc_internal {
namespace {

using nlohmann::json;

TEST(EvmRpcDecodeTest, QuantitiesGood) {
  const std::pair<const char*, std::uint64_t> good[] = {
      {"0x0", 0},    {"0x1", 1},   {"0xff", 255},
      {"0xFF", 255}, {"0x10", 16}, {"0xffffffffffffffff", ~std::uint64_t{0}},
  };
  for (const auto& [text, value] : good) {
    auto r = parse_quantity(json(text), "f");
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().message();
    EXPECT_EQ(*r, value);
  }
  EXPECT_EQ(to_quantity(0), "0x0");
  EXPECT_EQ(to_quantity(255), "0xff");
  EXPECT_EQ(to_quantity(~std::uint64_t{0}), "0xffffffffffffffff");
}

TEST(EvmRpcDecodeTest, QuantitiesBad) {
  struct Case {
    json value;
    ErrorCode code;
    const char* message;
  };
  const Case cases[] = {
      {"", ErrorCode::kUnavailable, "f: expected a hex quantity starting with 0x"},
      {"12", ErrorCode::kUnavailable, "f: expected a hex quantity starting with 0x"},
      {"0X12", ErrorCode::kUnavailable, "f: expected a hex quantity starting with 0x"},
      {"0x", ErrorCode::kUnavailable, "f: expected hex digits after 0x"},
      {"0x00", ErrorCode::kUnavailable, "f: hex quantity with a leading zero"},
      {"0x01", ErrorCode::kUnavailable, "f: hex quantity with a leading zero"},
      {"0x1g", ErrorCode::kUnavailable, "f: bad character 'g' at position 3"},
      {"0x-1", ErrorCode::kUnavailable, "f: bad character '-' at position 2"},
      {"0x1 ", ErrorCode::kUnavailable, "f: bad character ' ' at position 3"},
      {"0x10000000000000000", ErrorCode::kOutOfRange,
       "f: quantity 0x10000000000000000 does not fit 64 bits"},
      {12, ErrorCode::kUnavailable, "f: expected a hex quantity string, got number"},
      {nullptr, ErrorCode::kUnavailable, "f: expected a hex quantity string, got null"},
      {json::array(), ErrorCode::kUnavailable, "f: expected a hex quantity string, got array"},
      {true, ErrorCode::kUnavailable, "f: expected a hex quantity string, got boolean"},
  };
  for (const auto& c : cases) {
    auto r = parse_quantity(c.value, "f");
    ASSERT_FALSE(r.ok()) << c.value.dump();
    EXPECT_EQ(r.status().code(), c.code) << c.value.dump();
    EXPECT_EQ(r.status().message(), c.message) << c.value.dump();
  }
}

TEST(EvmRpcDecodeTest, AddressTopics) {
  auto ok = parse_address_topic(
      json("0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266"), "t");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  EXPECT_EQ(address_topic("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            "0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  const std::pair<json, const char*> bad[] = {
      {"0x100000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
       "t: expected an address topic (12 leading zero bytes), byte 0 is not zero"},
      {"0x000000000000000000000001f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
       "t: expected an address topic (12 leading zero bytes), byte 11 is not zero"},
      {"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
       "t: expected a 32-byte topic (64 hex digits), got 40 digits"},
      {"000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266ab",
       "t: expected a 32-byte topic starting with 0x"},
      {nullptr, "t: expected a 32-byte topic, got null"},
  };
  for (const auto& [value, message] : bad) {
    auto r = parse_address_topic(value, "t");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
    EXPECT_EQ(r.status().message(), message);
  }
}

TEST(EvmRpcDecodeTest, Uint256Words) {
  const std::string zeros32(32, '0');
  auto max = parse_uint256_word(json("0x" + zeros32 + std::string(32, 'f')), "d");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, Uint128::max());
  auto one = parse_uint256_word(json("0x" + std::string(63, '0') + "1"), "d");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, Uint128(1));
  auto mixed =
      parse_uint256_word(json("0x" + zeros32 + "0000000000000001" + "000000000000000A"), "d");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(*mixed, Uint128(1, 10));

  auto big = parse_uint256_word(json("0x" + std::string(31, '0') + "1" + zeros32), "d");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(big.status().message(), "d: amount above 2^128-1");
  auto top = parse_uint256_word(json("0x8" + std::string(63, '0')), "d");
  EXPECT_EQ(top.status().code(), ErrorCode::kOutOfRange);
  const std::pair<json, const char*> bad[] = {
      {"0x", "d: expected a 32-byte uint256 (64 hex digits), got 0 digits"},
      {"0x1", "d: expected a 32-byte uint256 (64 hex digits), got 1 digits"},
      {"0x" + std::string(66, '0'), "d: expected a 32-byte uint256 (64 hex digits), got 66 digits"},
      {"0x" + std::string(63, '0') + "x", "d: bad character 'x' at position 65"},
      {5, "d: expected a 32-byte uint256, got number"},
  };
  for (const auto& [value, message] : bad) {
    auto r = parse_uint256_word(value, "d");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
    EXPECT_EQ(r.status().message(), message);
  }
}

TEST(EvmRpcDecodeTest, HashesAreLowercased) {
  auto h = parse_hash32(json("0x" + std::string(64, 'A')), "h");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, "0x" + std::string(64, 'a'));
  EXPECT_FALSE(parse_hash32(json("0x" + std::string(62, 'a')), "h").ok());
}

std::string log_body(const std::string& data, const std::string& number = "0x5") {
  return R"({"jsonrpc":"2.0","id":1,"result":[{"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3",)"
         R"("topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",)"
         R"("0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266",)"
         R"("0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"],)"
         R"("data":")" +
         data + R"(","blockNumber":")" + number + R"(","blockHash":"0x)" + std::string(64, 'b') +
         R"(","transactionHash":"0x)" + std::string(64, 'c') +
         R"(","logIndex":"0x2","transactionIndex":"0x0","removed":false}]})";
}

TEST(EvmRpcDecodeTest, LogsResponse) {
  LogFilter filter{"eip155:1337", 0, 10, {"0x5FbDB2315678afecb367f032d93F642f64180aa3"}};
  auto r = decode_logs_response(log_body("0x" + std::string(60, '0') + "2710"), filter);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 1U);
  const TokenTransfer& t = (*r)[0];
  EXPECT_EQ(t.chain, "eip155:1337");
  EXPECT_EQ(t.token, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  EXPECT_EQ(t.from, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  EXPECT_EQ(t.to, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  EXPECT_EQ(t.amount, Uint128(10000));
  EXPECT_EQ(t.block_number, 5U);
  EXPECT_EQ(t.log_index, 2U);
  EXPECT_EQ(t.block_hash, "0x" + std::string(64, 'b'));
  EXPECT_EQ(t.tx_hash, "0x" + std::string(64, 'c'));

  auto outside = decode_logs_response(log_body("0x" + std::string(64, '0'), "0xb"), filter);
  EXPECT_EQ(outside.status().message(),
            "eth_getLogs.result[0].blockNumber: block 11 is outside 0..10");
}

TEST(EvmRpcDecodeTest, EnvelopesBad) {
  LogFilter filter{"eip155:1", 0, 10, {}};
  const std::pair<const char*, const char*> bad[] = {
      {"", "eth_getLogs: response is not valid JSON"},
      {"nul", "eth_getLogs: response is not valid JSON"},
      {R"({"jsonrpc":"2.0","id":1,"result":[]} x)", "not valid JSON"},
      {"\"\xff\"", "not valid JSON"},
      {R"({"jsonrpc":"2.0","id":1,"result":[1e999]})", "not valid JSON"},  // found by rpc_fuzz
      {"[]", "eth_getLogs: expected a JSON-RPC response object, got array"},
      {R"({"id":1,"result":[]})", "eth_getLogs.jsonrpc: expected \"2.0\""},
      {R"({"jsonrpc":"2.0","result":[]})", "eth_getLogs.id: missing"},
      {R"({"jsonrpc":"2.0","id":2,"result":[]})",
       "eth_getLogs.id: expected a request id 1..1, got 2"},
      {R"({"jsonrpc":"2.0","id":"1","result":[]})", "eth_getLogs.id: expected a request id"},
      {R"({"jsonrpc":"2.0","id":null,"result":[]})", "eth_getLogs.id: null id on a result"},
      {R"({"jsonrpc":"2.0","id":1})", "eth_getLogs: has neither result nor error"},
      {R"({"jsonrpc":"2.0","id":1,"result":[],"error":{}})",
       "eth_getLogs: has both result and error"},
      {R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}})",
       "eth_getLogs.error.code: expected an integer"},
      {R"({"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"boom"}})",
       "eth_getLogs: node error -32000: boom"},
      {R"({"jsonrpc":"2.0","id":1,"result":{}})",
       "eth_getLogs.result: expected an array of logs, got object"},
      {R"({"jsonrpc":"2.0","id":1,"result":[1]})",
       "eth_getLogs.result[0]: expected a log object, got number"},
      {R"({"jsonrpc":"2.0","id":1,"result":[{}]})",
       "eth_getLogs.result[0].address: expected a 20-byte address, got null"},
  };
  for (const auto& [body, fragment] : bad) {
    auto r = decode_logs_response(body, filter);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable) << body;
    EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
  }
}

TEST(EvmRpcDecodeTest, BatchReplies) {
  auto body = json::parse(
      R"([{"jsonrpc":"2.0","id":2,"result":"0x2"},{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"no"}}])");
  auto r = decode_replies(body, 2, true, "m");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE((*r)[0].ok);
  EXPECT_EQ((*r)[0].error_code, -1);
  EXPECT_TRUE((*r)[1].ok);
  EXPECT_EQ((*r)[1].result, "0x2");
  // A lone error answering the whole batch applies to every call.
  auto whole = decode_replies(
      json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch off"}})"),
      3, true, "m");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ((*whole)[2].error_message, "batch off");
  EXPECT_EQ(decode_replies(json::parse(R"([{"jsonrpc":"2.0","id":1,"result":1}])"), 2, true, "m")
                .status()
                .message(),
            "m: expected 2 responses, got 1");
  EXPECT_NE(decode_replies(json::parse(R"({"jsonrpc":"2.0","id":1,"result":1})"), 2, true, "m")
                .status()
                .message()
                .find("expected an array of responses to a batch"),
            std::string::npos);
}

TEST(EvmRpcDecodeTest, BlockResponse) {
  auto b = decode_block_response(R"({"jsonrpc":"2.0","id":1,"result":{"number":"0x10","hash":"0x)" +
                                 std::string(64, 'A') + R"(","parentHash":"0x)" +
                                 std::string(64, '1') + R"(","timestamp":"0x65"}})");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->number, 16U);
  EXPECT_EQ(b->hash, "0x" + std::string(64, 'a'));
  EXPECT_EQ(b->timestamp, 0x65);
  EXPECT_EQ(decode_block_response(R"({"jsonrpc":"2.0","id":1,"result":null})").status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(decode_block_response(R"({"jsonrpc":"2.0","id":1,"result":"0x1"})").status().message(),
            "eth_getBlockByNumber.result: expected a block object, got string");
}

// nlohmann keeps the last of two equal keys; a node's answer with a key twice
// contradicts itself and is refused, naming the key and where it is.
TEST(EvmRpcDecodeTest, DuplicateKeysAreRefusedNamingTheKey) {
  LogFilter filter{"eip155:1337", 0, 10, {"0x5FbDB2315678afecb367f032d93F642f64180aa3"}};
  const std::string good = log_body("0x" + std::string(60, '0') + "2710");
  ASSERT_TRUE(decode_logs_response(good, filter).ok());
  auto with = [&good](const std::string& from, const std::string& to) {
    std::string b = good;
    const auto at = b.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return b.replace(at, from.size(), to);
  };
  const std::string block_hash = R"("blockHash":"0x)" + std::string(64, 'b') + R"(")";
  const std::string other_hash = R"("blockHash":"0x)" + std::string(64, 'd') + R"(")";
  const std::pair<std::string, const char*> bad[] = {
      // the same value twice is refused too: the node is still broken
      {with(block_hash, block_hash + "," + block_hash), "result[0].blockHash"},
      {with(block_hash, block_hash + "," + other_hash), "result[0].blockHash"},
      {with(R"("logIndex":"0x2")", R"("logIndex":"0x2","logIndex":"0x3")"), "result[0].logIndex"},
      {with(R"("id":1,)", R"("id":1,"id":1,)"), "\"id\""},
      {with(R"("jsonrpc":"2.0",)", R"("jsonrpc":"2.0","result":[],)"), "\"result\""},
      {R"({"jsonrpc":"2.0","id":1,"result":[{},{},{"a":{"b":[1,{"c":1,"c":2}]}}]})",
       "result[2].a.b[1].c"},
  };
  for (const auto& [body, key] : bad) {
    SCOPED_TRACE(body);
    auto r = decode_logs_response(body, filter);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
    EXPECT_NE(r.status().message().find("eth_getLogs: response has the key"), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find(key), std::string::npos) << r.status().message();
  }
  // Equal keys in different objects are fine, and so is a key equal to a value.
  auto two = decode_logs_response(
      R"({"jsonrpc":"2.0","id":1,"result":[{"a":"a","b":{"a":1}},{"a":2}]})", filter);
  ASSERT_FALSE(two.ok());  // not logs, but parsed: the error is about the log, not a key
  EXPECT_EQ(two.status().message().find("response has the key"), std::string::npos)
      << two.status().message();
  auto block = decode_block_response(
      R"({"jsonrpc":"2.0","id":1,"result":{"number":"0x10","hash":"0x)" + std::string(64, 'a') +
      R"(","parentHash":"0x)" + std::string(64, '1') + R"(","timestamp":"0x65","number":"0x11"}})");
  ASSERT_FALSE(block.ok());
  EXPECT_NE(block.status().message().find(
                "eth_getBlockByNumber: response has the key \"result.number\" twice"),
            std::string::npos)
      << block.status().message();
}

}  // namespace
}  // namespace usd1pay::evm_rpc_internal
