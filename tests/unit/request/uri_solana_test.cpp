// Solana Pay transfer requests: the spec's examples, encoding of texts, the
// amount rules, round trips, and a table of every rejection with its code and
// message (position included).
#include <gtest/gtest.h>

#include <string>

#include "usd1pay/request.h"

namespace usd1pay {
namespace {

// Addresses from the Solana Pay spec's examples: a wallet, the USDC mint and
// a reference key.
const std::string kRecipient = "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN";  // 43 chars
const std::string kUsdc = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
const std::string kRef = "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny";
const std::string kSystem = "11111111111111111111111111111111";
// "solana:" + recipient + "?": the query starts at position 51.
const std::string kQ = "solana:" + kRecipient + "?";

TEST(SolanaPayTest, SpecExampleRecipientOnly) {
  auto r = parse_solana_pay("solana:" + kRecipient);
  ASSERT_TRUE(r.ok()) << r.status().message();
  SolanaPayRequest expected;
  expected.recipient = kRecipient;
  EXPECT_EQ(*r, expected);
  EXPECT_EQ(*build_solana_pay(expected), "solana:" + kRecipient);
}

TEST(SolanaPayTest, SpecExampleSolWithLabelMessageMemo) {
  const std::string uri =
      "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?amount=1&label=Michael&message="
      "Thanks%20for%20all%20the%20fish&memo=OrderId12345";
  auto r = parse_solana_pay(uri);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->recipient, kRecipient);
  EXPECT_EQ(r->amount, "1");
  EXPECT_EQ(r->spl_token, std::nullopt);
  EXPECT_TRUE(r->references.empty());
  EXPECT_EQ(r->label, "Michael");
  EXPECT_EQ(r->message, "Thanks for all the fish");
  EXPECT_EQ(r->memo, "OrderId12345");
  EXPECT_TRUE(r->other_params.empty());
  // Our encoding is the spec's own: building the parsed fields gives it back.
  EXPECT_EQ(*build_solana_pay(*r), uri);
}

TEST(SolanaPayTest, SpecExampleSplToken) {
  const std::string uri =
      "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?amount=0.01&spl-token="
      "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
  auto r = parse_solana_pay(uri);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->amount, "0.01");
  EXPECT_EQ(r->spl_token, kUsdc);
  EXPECT_EQ(*build_solana_pay(*r), uri);
  auto amount = solana_pay_amount(*r->amount, 6);
  ASSERT_TRUE(amount.ok()) << amount.status().message();
  EXPECT_EQ(amount->base_units(), Uint128(10000));
  EXPECT_EQ(amount->decimals(), 6u);
}

TEST(SolanaPayTest, ReferencesKeepTheirOrder) {
  auto r = parse_solana_pay(kQ + "reference=" + kRef + "&amount=2&reference=" + kSystem +
                            "&reference=" + kRef);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->references, (std::vector<std::string>{kRef, kSystem, kRef}));
  EXPECT_EQ(*build_solana_pay(*r),
            kQ + "amount=2&reference=" + kRef + "&reference=" + kSystem + "&reference=" + kRef);
}

TEST(SolanaPayTest, TextsAreDecodedLikeUrlSearchParams) {
  auto r = parse_solana_pay(
      kQ + "label=a+b%2Bc%26d%3D&message=%E2%82%AC%F0%9F%8D%95&memo=" + "x%20y!*'()&lab%65l2=v");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->label, "a b+c&d=");
  EXPECT_EQ(r->message, "\xe2\x82\xac\xf0\x9f\x8d\x95");  // euro sign, slice of pizza
  EXPECT_EQ(r->memo, "x y!*'()");
  EXPECT_EQ(r->other_params, (std::vector<UriParam>{{"label2", "v"}}));
}

TEST(SolanaPayTest, PercentEncodedKeysAndSchemeCase) {
  auto r = parse_solana_pay("SOLANA:" + kRecipient + "?spl%2Dtoken=" + kUsdc + "&%61mount=3");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->spl_token, kUsdc);
  EXPECT_EQ(r->amount, "3");
}

TEST(SolanaPayTest, EmptyTextsAreAbsentAndUnknownParamsKept) {
  auto r = parse_solana_pay(kQ + "label=&message=&memo=&foo=bar&foo=&x%20y=%2B");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->label, std::nullopt);
  EXPECT_EQ(r->message, std::nullopt);
  EXPECT_EQ(r->memo, std::nullopt);
  const std::vector<UriParam> expected = {{"foo", "bar"}, {"foo", ""}, {"x y", "+"}};
  EXPECT_EQ(r->other_params, expected);
  EXPECT_EQ(*build_solana_pay(*r), kQ + "foo=bar&foo=&x%20y=%2B");
}

TEST(SolanaPayTest, AmountForms) {
  for (const char* a : {"0", "1", "007.50", "0.000000001", "123456789012345678901234567890"}) {
    auto r = parse_solana_pay(kQ + "amount=" + a);
    ASSERT_TRUE(r.ok()) << a << ": " << r.status().message();
    EXPECT_EQ(r->amount, a);  // kept exactly as written
  }
  // More places than SOL's 9 are fine once the token is an SPL mint, in
  // either order of the parameters.
  auto spl = parse_solana_pay(kQ + "amount=0.0000000001&spl-token=" + kUsdc);
  ASSERT_TRUE(spl.ok()) << spl.status().message();
  EXPECT_EQ(spl->amount, "0.0000000001");
}

TEST(SolanaPayTest, AmountToExactAmount) {
  auto a = solana_pay_amount("25.5", 6);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->base_units(), Uint128(25500000));
  EXPECT_EQ(a->decimals(), 6u);
  EXPECT_EQ(solana_pay_amount("1.000000", 6)->base_units(), Uint128(1000000));
  EXPECT_EQ(solana_pay_amount("0", 0)->base_units(), Uint128(0));

  struct Case {
    const char* amount;
    unsigned decimals;
    ErrorCode code;
    const char* message;
  };
  const Case cases[] = {
      {"0.1234567", 6, ErrorCode::kOutOfRange,
       "amount: too many decimal places (7) for a token with 6 decimals"},
      // Zeros count: the spec says the wallet must reject the URL.
      {"1.0000000", 6, ErrorCode::kOutOfRange,
       "amount: too many decimal places (7) for a token with 6 decimals"},
      {"1.5", 0, ErrorCode::kOutOfRange,
       "amount: too many decimal places (1) for a token with 0 decimals"},
      {".5", 6, ErrorCode::kInvalidArgument, "amount must not start with '.' at position 0"},
      {"1e6", 6, ErrorCode::kInvalidArgument, "scientific notation in amount at position 1"},
      {"", 6, ErrorCode::kInvalidArgument, "empty amount at position 0"},
      {"-1", 6, ErrorCode::kInvalidArgument, "negative amount at position 0"},
      {"1.", 6, ErrorCode::kInvalidArgument, "missing digit after '.' in amount at position 1"},
      {"1 ", 6, ErrorCode::kInvalidArgument, "bad character ' ' in amount at position 1"},
  };
  for (const auto& c : cases) {
    auto r = solana_pay_amount(c.amount, c.decimals);
    ASSERT_FALSE(r.ok()) << c.amount;
    EXPECT_EQ(r.status().code(), c.code) << c.amount;
    EXPECT_EQ(r.status().message(), c.message) << c.amount;
  }
  // Above 2^128-1 base units: Amount says so.
  auto big = solana_pay_amount("340282366920938463463374607431768211456", 0);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), ErrorCode::kOutOfRange);
}

TEST(SolanaPayTest, BuildEncodesTextsAsUtf8) {
  SolanaPayRequest req;
  req.recipient = kRecipient;
  req.amount = "25.00";
  req.spl_token = kUsdc;
  req.references = {kRef};
  req.label = "Caf\xc3\xa9 & Bar";
  req.message = "Order #12: 2\xc3\x97 tea + cake = 100% / ok?";
  req.memo = "pi_123";
  auto uri = build_solana_pay(req);
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_EQ(*uri, kQ + "amount=25.00&spl-token=" + kUsdc + "&reference=" + kRef +
                      "&label=Caf%C3%A9%20%26%20Bar" +
                      "&message=Order%20%2312%3A%202%C3%97%20tea%20%2B%20cake%20%3D%20100%25%20%2F"
                      "%20ok%3F&memo=pi_123");
  auto back = parse_solana_pay(*uri);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, req);
}

TEST(SolanaPayTest, BuildRejections) {
  const auto base = [] {
    SolanaPayRequest r;
    r.recipient = kRecipient;
    return r;
  };
  struct Case {
    SolanaPayRequest req;
    ErrorCode code;
    std::string fragment;
  };
  std::vector<Case> cases;
  {
    auto r = base();
    r.recipient = "0OIl";
    cases.push_back({r, ErrorCode::kInvalidArgument, "uri: recipient: "});
  }
  {
    auto r = base();
    r.spl_token = kRecipient + "1";
    cases.push_back({r, ErrorCode::kInvalidArgument, "uri: spl-token: "});
  }
  {
    auto r = base();
    r.references = {kRef, "x"};
    cases.push_back({r, ErrorCode::kInvalidArgument, "uri: reference 1: "});
  }
  {
    auto r = base();
    r.amount = "1e3";
    cases.push_back(
        {r, ErrorCode::kInvalidArgument, "uri: scientific notation in amount at position 1"});
  }
  {
    auto r = base();
    r.amount = ".5";
    cases.push_back(
        {r, ErrorCode::kInvalidArgument, "uri: amount must not start with '.' at position 0"});
  }
  {
    auto r = base();
    r.amount = "0.0000000001";
    cases.push_back({r, ErrorCode::kOutOfRange,
                     "uri: amount: too many decimal places (10) for SOL with 9 decimals"});
  }
  {
    auto r = base();
    r.label = "ok\xc3";
    cases.push_back({r, ErrorCode::kInvalidArgument, "uri: label is not valid UTF-8 at byte 2"});
  }
  {
    auto r = base();
    r.memo = "\xed\xa0\x80";
    cases.push_back({r, ErrorCode::kInvalidArgument, "uri: memo is not valid UTF-8 at byte 0"});
  }
  {
    auto r = base();
    r.other_params = {{"reference", kRef}};
    cases.push_back({r, ErrorCode::kInvalidArgument,
                     "uri: 'reference' is a known parameter, not an other parameter"});
  }
  {
    auto r = base();
    r.other_params = {{"", "x"}};
    cases.push_back({r, ErrorCode::kInvalidArgument, "uri: empty parameter name"});
  }
  {
    auto r = base();
    r.other_params = {{"k", "\xff"}};
    cases.push_back(
        {r, ErrorCode::kInvalidArgument, "uri: parameter value is not valid UTF-8 at byte 0"});
  }
  for (const auto& c : cases) {
    auto uri = build_solana_pay(c.req);
    ASSERT_FALSE(uri.ok()) << c.fragment;
    EXPECT_EQ(uri.status().code(), c.code) << uri.status().message();
    EXPECT_NE(uri.status().message().find(c.fragment), std::string::npos) << uri.status().message();
  }
}

TEST(SolanaPayTest, EveryParseRejection) {
  struct Rejection {
    std::string uri;
    ErrorCode code;
    std::string fragment;
  };
  const Rejection cases[] = {
      // Scheme, characters, path.
      {"", ErrorCode::kInvalidArgument, "uri: expected scheme 'solana:' at position 0"},
      {"ethereum:" + kRecipient, ErrorCode::kInvalidArgument,
       "uri: expected scheme 'solana:' at position 0"},
      {"solana:", ErrorCode::kInvalidArgument, "uri: empty recipient at position 7"},
      {"solana:?amount=1", ErrorCode::kInvalidArgument, "uri: empty recipient at position 7"},
      {"solana:" + kRecipient + "#x", ErrorCode::kInvalidArgument,
       "uri: bad character '#' at position 50"},
      {"solana:https://example.com/pay", ErrorCode::kUnsupported,
       "uri: Solana Pay transaction requests (a link, not a recipient) are not supported at "
       "position 12"},
      {"solana:https%3A%2F%2Fexample.com", ErrorCode::kUnsupported, "at position 12"},
      {"solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2k0", ErrorCode::kInvalidArgument,
       "uri: bad recipient at position 7 ("},
      {"solana:" + kRecipient + "/x", ErrorCode::kInvalidArgument,
       "uri: bad recipient at position 7 ("},
      // Query shape.
      {kQ, ErrorCode::kInvalidArgument, "uri: empty parameter at position 51"},
      {kQ + "amount=1&", ErrorCode::kInvalidArgument, "uri: empty parameter at position 60"},
      {kQ + "amount", ErrorCode::kInvalidArgument,
       "uri: parameter 'amount' has no '=' at position 51"},
      {kQ + "=1", ErrorCode::kInvalidArgument, "uri: parameter with empty name at position 51"},
      {kQ + "%ZZ=1", ErrorCode::kInvalidArgument,
       "uri: bad percent-encoding '%ZZ' in parameter name at position 51"},
      {kQ + "%FF=1", ErrorCode::kInvalidArgument,
       "uri: invalid UTF-8 in parameter name at position 51"},
      {kQ + "label=a b", ErrorCode::kInvalidArgument, "uri: bad character ' ' at position 58"},
      // Percent-encoding and UTF-8 of texts.
      {kQ + "label=a%2", ErrorCode::kInvalidArgument,
       "uri: bad percent-encoding '%2' in 'label' at position 58"},
      {kQ + "label=%G0", ErrorCode::kInvalidArgument,
       "uri: bad percent-encoding '%G0' in 'label' at position 57"},
      {kQ + "message=ok%C3%28", ErrorCode::kInvalidArgument,
       "uri: invalid UTF-8 in 'message' at position 61"},
      {kQ + "memo=%C0%AF", ErrorCode::kInvalidArgument,
       "uri: invalid UTF-8 in 'memo' at position 56"},
      {kQ + "label=%ED%A0%80", ErrorCode::kInvalidArgument,
       "uri: invalid UTF-8 in 'label' at position 57"},
      // Amount.
      {kQ + "amount=", ErrorCode::kInvalidArgument, "uri: empty amount at position 58"},
      {kQ + "amount=.5", ErrorCode::kInvalidArgument,
       "uri: amount must not start with '.' at position 58"},
      {kQ + "amount=1e3", ErrorCode::kInvalidArgument,
       "uri: scientific notation in amount at position 59"},
      {kQ + "amount=1E3", ErrorCode::kInvalidArgument,
       "uri: scientific notation in amount at position 59"},
      {kQ + "amount=-1", ErrorCode::kInvalidArgument, "uri: negative amount at position 58"},
      {kQ + "amount=1.", ErrorCode::kInvalidArgument,
       "uri: missing digit after '.' in amount at position 59"},
      {kQ + "amount=1,5", ErrorCode::kInvalidArgument,
       "uri: bad character ',' in amount at position 59"},
      {kQ + "amount=1.2.3", ErrorCode::kInvalidArgument,
       "uri: bad character '.' in amount at position 61"},
      {kQ + "amount=+1", ErrorCode::kInvalidArgument,  // '+' reads as a space
       "uri: bad character ' ' in amount at position 58"},
      {kQ + "amount=%2B1", ErrorCode::kInvalidArgument,
       "uri: bad character '+' in amount at position 58"},
      {kQ + "amount=0x10", ErrorCode::kInvalidArgument,
       "uri: bad character 'x' in amount at position 59"},
      {kQ + "amount=0.0000000001", ErrorCode::kOutOfRange,
       "uri: too many decimal places (10) in amount of SOL with 9 decimals at position 58"},
      {kQ + "amount=0.0000000001&memo=x", ErrorCode::kOutOfRange, "at position 58"},
      // Addresses.
      {kQ + "spl-token=", ErrorCode::kInvalidArgument, "uri: empty 'spl-token' at position 61"},
      {kQ + "spl-token=" + kUsdc + "x", ErrorCode::kInvalidArgument,
       "uri: bad 'spl-token' at position 61 ("},
      {kQ + "reference=", ErrorCode::kInvalidArgument, "uri: empty 'reference' at position 61"},
      {kQ + "reference=abc", ErrorCode::kInvalidArgument, "uri: bad 'reference' at position 61 ("},
      {kQ + "reference=" + kRef + "&reference=0" + kRef.substr(1), ErrorCode::kInvalidArgument,
       "uri: bad 'reference' at position 116 ("},
      // Single-valued parameters appear once.
      {kQ + "amount=1&amount=2", ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'amount' at position 60"},
      {kQ + "label=&label=x", ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'label' at position 58"},
      {kQ + "message=a&message=a", ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'message' at position 61"},
      {kQ + "memo=a&memo=b", ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'memo' at position 58"},
      {kQ + "spl-token=" + kUsdc + "&spl%2Dtoken=" + kUsdc, ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'spl-token' at position 106"},
  };
  for (const auto& c : cases) {
    auto r = parse_solana_pay(c.uri);
    ASSERT_FALSE(r.ok()) << c.uri;
    EXPECT_EQ(r.status().code(), c.code) << c.uri << " -> " << r.status().message();
    EXPECT_NE(r.status().message().find(c.fragment), std::string::npos)
        << c.uri << " -> " << r.status().message();
  }
}

}  // namespace
}  // namespace usd1pay
