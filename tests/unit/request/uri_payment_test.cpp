// build_payment_uri: one chain-independent request, the payload of its chain;
// and the TRON display (address payload plus amount text).
#include <gtest/gtest.h>

#include <string>

#include "usd1pay/request.h"

namespace usd1pay {
namespace {

const std::string kTokenLower = "0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e7";
const std::string kToken = "0x89205A3A3b2A69De6Dbf7f01ED13B2108B2c43e7";
const std::string kPayeeLower = "0x8e23ee67d1332ad560396262c48ffbb01f93d052";
const std::string kPayee = "0x8e23Ee67d1332aD560396262C48ffbB01F93D052";
const std::string kSolPayee = "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN";
const std::string kUsdc = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
const std::string kRef = "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny";
// TRON: the USDT contract, in base58check and in the 41-hex form.
const std::string kTronToken = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
const std::string kTronTokenHex = "41a614f803b6fd780986a42c78ec9c7f77e6ded13c";
const std::string kTronPayee = "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7";

Amount amount(const char* text, unsigned decimals) {
  auto a = Amount::parse(text, decimals);
  EXPECT_TRUE(a.ok()) << a.status().message();
  return a.value_or(Amount());
}

ChainSelector chain(const char* text) {
  auto c = ChainSelector::parse(text);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.value_or(ChainSelector{ChainFamily::kEvm, std::nullopt});
}

TEST(PaymentUriTest, EvmTokenTransferInBaseUnits) {
  PaymentRequest req{chain("eip155:8453"), kTokenLower,  kPayeeLower, amount("25.00", 18), {},
                     std::string("Shop"),  std::nullopt, std::nullopt};
  auto uri = build_payment_uri(req);
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  // label is display-only and EIP-681 has no place for it: left out.
  EXPECT_EQ(*uri, "ethereum:" + kToken + "@8453/transfer?address=" + kPayee +
                      "&uint256=25000000000000000000");
  auto back = parse_eip681(*uri);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->amount, amount("25", 18).base_units());
}

TEST(PaymentUriTest, EvmNativeCoinIsAValuePayment) {
  PaymentRequest req{chain("eip155:1"), "", kPayeeLower, amount("0.5", 18), {}, {}, {}, {}};
  auto uri = build_payment_uri(req);
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_EQ(*uri, "ethereum:" + kPayee + "@1?value=500000000000000000");
}

TEST(PaymentUriTest, EvmRejections) {
  PaymentRequest no_id{chain("evm"), kToken, kPayee, amount("1", 6), {}, {}, {}, {}};
  auto r1 = build_payment_uri(no_id);
  EXPECT_EQ(r1.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r1.status().message(),
            "uri: an EIP-681 request needs a chain id (eip155:<n>), not just 'evm'");

  PaymentRequest refs{chain("eip155:1"), kToken, kPayee, amount("1", 6), {kRef}, {}, {}, {}};
  EXPECT_EQ(build_payment_uri(refs).status().message(),
            "uri: references cannot be carried by an EIP-681 URI");

  PaymentRequest memo{chain("eip155:1"),  kToken, kPayee, amount("1", 6), {}, {}, {},
                      std::string("pi_1")};
  EXPECT_EQ(build_payment_uri(memo).status().message(),
            "uri: a memo cannot be carried by an EIP-681 URI");

  PaymentRequest bad{chain("eip155:1"),
                     kToken,
                     "0x8E23Ee67d1332aD560396262C48ffbB01F93D052",
                     amount("1", 6),
                     {},
                     {},
                     {},
                     {}};
  EXPECT_EQ(build_payment_uri(bad).status().code(), ErrorCode::kChecksumMismatch);
}

TEST(PaymentUriTest, SolanaSplTokenWritesTheExactDecimal) {
  PaymentRequest req{chain("solana"),
                     kUsdc,
                     kSolPayee,
                     amount("25.5", 6),
                     {kRef},
                     std::string("USD1 shop"),
                     std::string("Order 12"),
                     std::string("pi_12")};
  auto uri = build_payment_uri(req);
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_EQ(*uri, "solana:" + kSolPayee + "?amount=25.5&spl-token=" + kUsdc + "&reference=" + kRef +
                      "&label=USD1%20shop&message=Order%2012&memo=pi_12");
  auto back = parse_solana_pay(*uri);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(solana_pay_amount(*back->amount, 6)->base_units(), Uint128(25500000));
}

TEST(PaymentUriTest, SolanaNativeSol) {
  PaymentRequest req{chain("solana"), "", kSolPayee, amount("0.000000001", 9), {}, {}, {}, {}};
  EXPECT_EQ(*build_payment_uri(req), "solana:" + kSolPayee + "?amount=0.000000001");

  PaymentRequest too_fine{chain("solana"), "", kSolPayee, amount("1", 18), {}, {}, {}, {}};
  auto r = build_payment_uri(too_fine);
  EXPECT_EQ(r.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(r.status().message(), "uri: amount has 18 decimals, more than SOL's 9");
}

TEST(PaymentUriTest, TronIsTheBareAddress) {
  PaymentRequest req{chain("tron"), kTronTokenHex, kTronPayee, amount("25", 6), {}, {}, {}, {}};
  EXPECT_EQ(*build_payment_uri(req), kTronPayee);

  PaymentRequest refs = req;
  refs.references = {kRef};
  EXPECT_EQ(build_payment_uri(refs).status().message(),
            "uri: references cannot be carried by a TRON payment (a bare address)");

  PaymentRequest bad = req;
  bad.recipient = kPayee;
  auto r = build_payment_uri(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("tron: address: ", 0), 0u) << r.status().message();
}

TEST(PaymentUriTest, TronDisplay) {
  auto shown = build_tron_payment(TronPaymentRequest{kTronPayee, amount("25", 6), kTronTokenHex});
  ASSERT_TRUE(shown.ok()) << shown.status().message();
  EXPECT_EQ(shown->payload, kTronPayee);
  EXPECT_EQ(shown->amount_text, "25.00");
  EXPECT_EQ(shown->token_contract, kTronToken);  // canonical base58check

  auto fine = build_tron_payment(TronPaymentRequest{kTronPayee, amount("0.123456", 6), ""});
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->amount_text, "0.123456");
  EXPECT_EQ(fine->token_contract, "");

  auto bad_token = build_tron_payment(
      TronPaymentRequest{kTronPayee, amount("1", 6), "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"});
  ASSERT_FALSE(bad_token.ok());
  EXPECT_EQ(bad_token.status().message().rfind("tron: token contract: ", 0), 0u)
      << bad_token.status().message();
}

}  // namespace
}  // namespace usd1pay
