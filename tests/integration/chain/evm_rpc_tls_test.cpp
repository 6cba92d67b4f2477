// The EVM JSON-RPC backend over HTTPS against a real TLS server on 127.0.0.1
// (an httplib::SSLServer playing a tiny node: eth_chainId and
// eth_getBlockByNumber), with a CA and server certificate made at test time:
// trusted through ca_file, untrusted (another CA, the system store), and
// verification off.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "support/temp_dir.h"
#include "support/tls.h"
#include "usd1pay/evm_rpc.h"

namespace usd1pay {
namespace {

using nlohmann::json;

constexpr std::uint64_t kHead = 0x2a;

std::string quantity(std::uint64_t n) {
  static const char* digits = "0123456789abcdef";
  if (n == 0) return "0x0";
  std::string out;
  while (n != 0) {
    out.insert(out.begin(), digits[n % 16]);
    n /= 16;
  }
  return "0x" + out;
}

std::string block_hash(std::uint64_t n) {
  std::string d = quantity(n).substr(2);
  return "0x" + std::string(64 - d.size(), 'b') + d;
}

json answer(const json& call) {
  json reply = {{"jsonrpc", "2.0"}, {"id", call.at("id")}};
  const std::string method = call.at("method");
  if (method == "eth_chainId") {
    reply["result"] = quantity(1337);
  } else if (method == "eth_getBlockByNumber") {
    const std::string tag = call.at("params").at(0);
    std::uint64_t n = tag == "latest" ? kHead : tag == "safe" ? kHead - 2 : kHead - 4;
    if (tag.rfind("0x", 0) == 0) n = std::stoull(tag.substr(2), nullptr, 16);
    reply["result"] = {{"number", quantity(n)},
                       {"hash", block_hash(n)},
                       {"parentHash", block_hash(n - 1)},
                       {"timestamp", quantity(1700000000 + n)},
                       {"transactions", json::array()}};
  } else {
    reply["error"] = {{"code", -32601}, {"message", "method not found"}};
  }
  return reply;
}

class EvmRpcTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = testing::make_test_certificates(dir_.path(), {"localhost"}, {"127.0.0.1"});
    other_ = testing::make_test_certificates(dir_.path(), {"localhost"}, {"127.0.0.1"}, "other-");
    auto server = testing::make_tls_server(certs_);
    server->Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests_;
      json request = json::parse(req.body);
      json reply;
      if (request.is_array()) {
        reply = json::array();
        for (const auto& call : request) reply.push_back(answer(call));
      } else {
        reply = answer(request);
      }
      res.set_content(reply.dump(), "application/json");
    });
    node_ = std::make_unique<testing::LoopbackServer>(std::move(server));
  }

  EvmRpcOptions options(const std::string& host) const {
    EvmRpcOptions o;
    o.chain_id = "eip155:1337";
    o.url = "https://" + host + ":" + std::to_string(node_->port()) + "/";
    o.max_retries = 0;
    o.connect_timeout = std::chrono::milliseconds(2000);
    o.read_timeout = std::chrono::milliseconds(5000);
    return o;
  }

  static Result<ChainHeads> heads_with(const EvmRpcOptions& o) {
    auto backend = make_evm_rpc_backend(o);
    if (!backend.ok()) return backend.status();
    return (*backend)->heads({});
  }

  testing::TempDir dir_;
  testing::TestCertificates certs_;
  testing::TestCertificates other_;
  std::atomic<int> requests_{0};
  std::unique_ptr<testing::LoopbackServer> node_;
};

TEST_F(EvmRpcTlsTest, TrustedThroughCaFile) {
  for (const char* host : {"127.0.0.1", "localhost"}) {
    EvmRpcOptions o = options(host);
    o.ca_file = certs_.ca_cert;
    auto heads = heads_with(o);
    ASSERT_TRUE(heads.ok()) << host << ": " << heads.status().message();
    EXPECT_EQ(heads->latest.number, kHead);
    EXPECT_EQ(heads->latest.hash, block_hash(kHead));
    ASSERT_TRUE(heads->safe.has_value());
    EXPECT_EQ(heads->safe->number, kHead - 2);
    ASSERT_TRUE(heads->finalized.has_value());
    EXPECT_EQ(heads->finalized->number, kHead - 4);
  }
  EXPECT_EQ(requests_.load(), 2);
}

TEST_F(EvmRpcTlsTest, TrustedThroughConfigJson) {
  auto o = evm_rpc_options_from_json(
      "eip155:1337",
      json{{"url", options("localhost").url}, {"ca_file", certs_.ca_cert}, {"max_retries", 0}}
          .dump());
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->ca_file, certs_.ca_cert);
  EXPECT_TRUE(o->verify_tls);
  auto heads = heads_with(*o);
  ASSERT_TRUE(heads.ok()) << heads.status().message();
  EXPECT_EQ(heads->latest.number, kHead);
}

TEST_F(EvmRpcTlsTest, UntrustedCertificateIsRefused) {
  EvmRpcOptions other_ca = options("127.0.0.1");
  other_ca.ca_file = other_.ca_cert;
  EvmRpcOptions system_store = options("127.0.0.1");  // verify on, the system's CAs
  for (const auto& o : {other_ca, system_store}) {
    auto heads = heads_with(o);
    ASSERT_FALSE(heads.ok());
    EXPECT_EQ(heads.status().code(), ErrorCode::kUnavailable);
    EXPECT_NE(heads.status().message().find("TLS verification failed: "), std::string::npos)
        << heads.status().message();
  }
  EXPECT_EQ(requests_.load(), 0);
}

TEST_F(EvmRpcTlsTest, VerificationOffAcceptsTheCertificate) {
  EvmRpcOptions o = options("127.0.0.1");
  o.verify_tls = false;
  auto heads = heads_with(o);
  ASSERT_TRUE(heads.ok()) << heads.status().message();
  EXPECT_EQ(heads->latest.number, kHead);
  EXPECT_EQ(requests_.load(), 1);
}

}  // namespace
}  // namespace usd1pay
