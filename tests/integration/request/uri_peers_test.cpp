// Payment request URIs against implementations nobody here wrote:
//   - Solana Pay URIs built by usd1pay are read by @solana/pay's parseURL into
//     the same fields, and URIs written by its encodeURL are read by usd1pay
//     into the same fields;
//   - EIP-681 URIs built by usd1pay are read by eth-url-parser into the same
//     target, chain id, function and parameters (with ethers confirming the
//     EIP-55 spelling), and URIs written by eth-url-parser's build (which
//     writes amounts as "1.2345e8") are read by usd1pay to the same values.
// The peers run in one node process per test (tests/peers/uri_oracle.js),
// fed JSON lines. Random cases come from fixed seeds, so a failure repeats.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "support/node_oracle.h"
#include "usd1pay/address.h"
#include "usd1pay/encoding.h"
#include "usd1pay/request.h"

namespace usd1pay {
namespace {

using nlohmann::json;

std::vector<json> ask_oracle(const std::vector<json>& requests) {
  return testing::ask_node_oracle("uri_oracle.js", requests);
}

class Random {
 public:
  explicit Random(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) { return rng_() % n; }
  bool coin() { return below(2) == 1; }

  template <std::size_t N>
  std::array<std::uint8_t, N> bytes() {
    std::array<std::uint8_t, N> out{};
    for (auto& b : out) b = static_cast<std::uint8_t>(below(256));
    return out;
  }

  std::string solana_address() { return base58_encode(bytes<32>()); }

  // An EVM address as a user might paste it: lower case or EIP-55.
  std::string evm_address() {
    const auto b = bytes<20>();
    return coin() ? hex_encode(b, true) : evm_checksum_address(b);
  }

  // A normalised decimal that a double carries exactly at 10 decimals: at
  // most 5 integer digits and 9 fraction digits, no redundant zeros.
  std::string decimal() {
    std::string s = std::to_string(below(2) == 0 ? below(10) : below(100000));
    const std::uint64_t places = below(10);
    std::string frac;
    for (std::uint64_t i = 0; i < places; ++i) frac += static_cast<char>('0' + below(10));
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return frac.empty() ? s : s + "." + frac;
  }

  // Display text mixing ASCII, URI-reserved characters and multi-byte UTF-8.
  std::string text() {
    static const std::vector<std::string> pieces = {
        "a",
        "Z",
        "7",
        " ",
        "&",
        "=",
        "+",
        "?",
        "#",
        "%",
        "/",
        ":",
        "@",
        ";",
        ",",
        "$",
        "!",
        "'",
        "(",
        ")",
        "*",
        "~",
        "-",
        "_",
        ".",
        "\"",
        "<",
        ">",
        "\\",
        "\t",
        "\n",
        "%20",
        "%ZZ",
        "\xc3\xa9",                  // é
        "\xe2\x82\xac",              // €
        "\xf0\x9f\x8d\x95",          // pizza (4 bytes)
        "\xe4\xb8\xad\xe6\x96\x87",  // 中文
        "\xd7\xa9\xd7\x9c",          // Hebrew, right to left
        "e\xcc\x81",                 // e + combining acute
        "\xef\xbb\xbf",              // U+FEFF
    };
    std::string s;
    const std::uint64_t n = 1 + below(12);
    for (std::uint64_t i = 0; i < n; ++i) s += pieces[below(pieces.size())];
    return s;
  }

  // Amounts across the whole range, often with trailing zeros so that
  // exponent forms ("1.2345e30") appear.
  Uint128 units() {
    switch (below(4)) {
      case 0: return Uint128(below(1000000));
      case 1: return Uint128(rng_(), rng_());
      default: {
        Uint128 m(1 + below(999999)), p, out;
        if (Uint128::pow10(static_cast<unsigned>(below(33)), &p) && Uint128::mul(m, p, &out)) {
          return out;
        }
        return m;
      }
    }
  }

 private:
  std::mt19937_64 rng_;
};

json opt(const std::optional<std::string>& s) {
  return s ? json(*s) : json(nullptr);
}

SolanaPayRequest random_solana_request(Random& rnd) {
  SolanaPayRequest req;
  req.recipient = rnd.solana_address();
  if (rnd.below(4) != 0) req.amount = rnd.decimal();
  if (rnd.coin()) req.spl_token = rnd.solana_address();
  for (std::uint64_t i = rnd.below(4); i > 0; --i) req.references.push_back(rnd.solana_address());
  if (rnd.coin()) req.label = rnd.text();
  if (rnd.coin()) req.message = rnd.text();
  if (rnd.coin()) req.memo = rnd.text();
  return req;
}

void expect_same_fields(const json& peer, const SolanaPayRequest& ours, const std::string& uri) {
  ASSERT_TRUE(peer.at("ok").get<bool>()) << uri << ": " << peer.dump();
  EXPECT_EQ(peer.at("recipient"), ours.recipient) << uri;
  EXPECT_EQ(peer.at("amount"), opt(ours.amount)) << uri;
  EXPECT_EQ(peer.at("spl_token"), opt(ours.spl_token)) << uri;
  EXPECT_EQ(peer.at("references"), json(ours.references)) << uri;
  EXPECT_EQ(peer.at("label"), opt(ours.label)) << uri;
  EXPECT_EQ(peer.at("message"), opt(ours.message)) << uri;
  EXPECT_EQ(peer.at("memo"), opt(ours.memo)) << uri;
}

TEST(UriPeersTest, SolanaPayBuiltByUsIsReadBySolanaPay) {
  Random rnd(20220301);
  std::vector<SolanaPayRequest> cases;
  std::vector<std::string> uris;
  std::vector<json> requests;
  for (int i = 0; i < 400; ++i) {
    cases.push_back(random_solana_request(rnd));
    auto uri = build_solana_pay(cases.back());
    ASSERT_TRUE(uri.ok()) << uri.status().message();
    uris.push_back(*uri);
    requests.push_back({{"op", "sp_parse"}, {"uri", *uri}});
  }
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) expect_same_fields(answers[i], cases[i], uris[i]);
}

TEST(UriPeersTest, SolanaPayEncodedBySolanaPayIsReadByUs) {
  Random rnd(681);
  std::vector<SolanaPayRequest> cases;
  std::vector<json> requests;
  for (int i = 0; i < 400; ++i) {
    cases.push_back(random_solana_request(rnd));
    const auto& c = cases.back();
    requests.push_back({{"op", "sp_encode"},
                        {"fields",
                         {{"recipient", c.recipient},
                          {"amount", opt(c.amount)},
                          {"spl_token", opt(c.spl_token)},
                          {"references", c.references},
                          {"label", opt(c.label)},
                          {"message", opt(c.message)},
                          {"memo", opt(c.memo)}}}});
  }
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    ASSERT_TRUE(answers[i].at("ok").get<bool>()) << answers[i].dump();
    const std::string uri = answers[i].at("uri");
    auto parsed = parse_solana_pay(uri);
    ASSERT_TRUE(parsed.ok()) << uri << ": " << parsed.status().message();
    EXPECT_EQ(*parsed, cases[i]) << uri;
  }
}

TEST(UriPeersTest, SolanaPayAgreesOnWhichAmountsAreMalformed) {
  const std::string prefix = "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?amount=";
  std::vector<json> requests;
  const std::vector<std::string> bad = {".5",  "1.",   "1e3",   "1E3", "-1",
                                        "1,5", "0x10", "1.2.3", "%2B1"};
  for (const auto& a : bad) {
    const auto ours = parse_solana_pay(prefix + a);
    EXPECT_FALSE(ours.ok()) << a;
    requests.push_back({{"op", "sp_parse"}, {"uri", prefix + a}});
  }
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), bad.size());
  for (std::size_t i = 0; i < bad.size(); ++i) {
    EXPECT_FALSE(answers[i].at("ok").get<bool>()) << bad[i] << " " << answers[i].dump();
  }
}

TEST(UriPeersTest, Eip681BuiltByUsIsReadByEthUrlParser) {
  Random rnd(55);
  std::vector<json> requests;
  struct Expected {
    std::string uri, target, chain, function, recipient, amount_key, amount;
  };
  std::vector<Expected> expected;
  const std::uint64_t chains[] = {1, 10, 137, 8453, 42161, 1337, 11155111};
  for (int i = 0; i < 300; ++i) {
    const std::uint64_t chain_id = rnd.coin() ? chains[rnd.below(7)] : rnd.below(UINT64_MAX);
    const Uint128 units = rnd.units();
    Expected e;
    Result<std::string> uri = Status(ErrorCode::kInternal, "unset");
    if (rnd.below(4) != 0) {
      const Eip681Transfer t{rnd.evm_address(), chain_id, rnd.evm_address(), units};
      uri = build_eip681_transfer(t);
      e.target = validate_address(ChainFamily::kEvm, t.token)->canonical;
      e.recipient = validate_address(ChainFamily::kEvm, t.recipient)->canonical;
      e.function = "transfer";
      e.amount_key = "uint256";
    } else {
      Eip681Request plain;
      plain.target = rnd.evm_address();
      plain.chain_id = chain_id;
      plain.value = units;
      uri = build_eip681(plain);
      e.target = validate_address(ChainFamily::kEvm, plain.target)->canonical;
      e.amount_key = "value";
    }
    ASSERT_TRUE(uri.ok()) << uri.status().message();
    e.uri = *uri;
    e.chain = std::to_string(chain_id);
    e.amount = units.to_decimal();
    expected.push_back(e);
    requests.push_back({{"op", "eth_parse"}, {"uri", *uri}});
  }
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& a = answers[i];
    const auto& e = expected[i];
    ASSERT_TRUE(a.at("ok").get<bool>()) << e.uri << ": " << a.dump();
    EXPECT_EQ(a.at("target_address"), e.target) << e.uri;
    EXPECT_TRUE(a.at("target_checksum_ok").get<bool>()) << e.uri;  // ethers agrees on EIP-55
    EXPECT_EQ(a.at("chain_id"), e.chain) << e.uri;
    EXPECT_EQ(a.at("function_name"), e.function.empty() ? json(nullptr) : json(e.function))
        << e.uri;
    json params = {{e.amount_key, e.amount}};
    if (!e.recipient.empty()) {
      params["address"] = e.recipient;
      EXPECT_TRUE(a.at("address_checksum_ok").get<bool>()) << e.uri;
    }
    EXPECT_EQ(a.at("parameters"), params) << e.uri;
  }
}

TEST(UriPeersTest, Eip681BuiltByEthUrlParserIsReadByUs) {
  Random rnd(831);
  std::vector<json> requests;
  struct Expected {
    std::string target, recipient;
    std::uint64_t chain_id;
    Uint128 amount;
  };
  std::vector<Expected> expected;
  for (int i = 0; i < 300; ++i) {
    const auto token = rnd.bytes<20>();
    const auto recipient = rnd.bytes<20>();
    Expected e{evm_checksum_address(token), evm_checksum_address(recipient), 1 + rnd.below(100000),
               rnd.units()};
    expected.push_back(e);
    requests.push_back(
        {{"op", "eth_build"},
         {"data",
          {{"target_address", hex_encode(token, true)},
           {"chain_id", std::to_string(e.chain_id)},
           {"function_name", "transfer"},
           {"parameters",
            {{"address", hex_encode(recipient, true)}, {"uint256", e.amount.to_decimal()}}}}}});
  }
  const auto answers = ask_oracle(requests);
  ASSERT_EQ(answers.size(), expected.size());
  int exponent_forms = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(answers[i].at("ok").get<bool>()) << answers[i].dump();
    const std::string uri = answers[i].at("uri");
    if (uri.find("e", uri.find("uint256=")) != std::string::npos) ++exponent_forms;
    auto parsed = parse_eip681(uri);
    ASSERT_TRUE(parsed.ok()) << uri << ": " << parsed.status().message();
    EXPECT_EQ(parsed->target, expected[i].target) << uri;
    EXPECT_EQ(parsed->chain_id, std::optional<std::uint64_t>(expected[i].chain_id)) << uri;
    EXPECT_EQ(parsed->function, "transfer") << uri;
    EXPECT_EQ(parsed->recipient, expected[i].recipient) << uri;
    EXPECT_EQ(parsed->amount, expected[i].amount)
        << uri << " expected " << expected[i].amount.to_decimal();
  }
  // The point of this direction is the exponent forms: make sure we saw many.
  EXPECT_GT(exponent_forms, 100);
}

}  // namespace
}  // namespace usd1pay
