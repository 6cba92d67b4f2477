// EIP-681: the spec's examples, the number forms, round trips, and a table of
// every rejection with its code and message (position included).
#include <gtest/gtest.h>

#include <string>

#include "usd1pay/request.h"

namespace usd1pay {
namespace {

// The addresses of EIP-681's ERC-20 example, as the EIP writes them (all
// lower case: valid, but without a checksum) and in EIP-55 spelling.
const std::string kTokenLower = "0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e7";
const std::string kToken = "0x89205A3A3b2A69De6Dbf7f01ED13B2108B2c43e7";
const std::string kRecipientLower = "0x8e23ee67d1332ad560396262c48ffbb01f93d052";
const std::string kRecipient = "0x8e23Ee67d1332aD560396262C48ffbB01F93D052";
// The address of EIP-681's value example (it is EIP-55's own example).
const std::string kPayee = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
// "ethereum:" + token + "@1/transfer?": the query starts at position 63.
const std::string kTransferPrefix = "ethereum:" + kToken + "@1/transfer?";
// "ethereum:" + token + "?value=": the number starts at position 58.
const std::string kValuePrefix = "ethereum:" + kToken + "?value=";

const Uint128 kMax = Uint128::max();

TEST(Eip681Test, SpecErc20TransferExample) {
  // The EIP's own example, lower-case addresses: accepted (no checksum to
  // check) and read into EIP-55 spelling.
  auto r = parse_eip681(
      "ethereum:0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e7/transfer?address="
      "0x8e23ee67d1332ad560396262c48ffbb01f93d052&uint256=1");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->pay_prefix);
  EXPECT_EQ(r->target, kToken);
  EXPECT_EQ(r->chain_id, std::nullopt);  // mainnet implied
  EXPECT_EQ(r->function, "transfer");
  EXPECT_EQ(r->recipient, kRecipient);
  EXPECT_EQ(r->amount, Uint128(1));
  EXPECT_EQ(r->value, std::nullopt);
  EXPECT_TRUE(r->other_params.empty());
}

TEST(Eip681Test, SpecValueExampleHasABadChecksumAsWritten) {
  // EIP-681 writes "0xfb6916095ca1df60bb79Ce92ce3ea74c37c5d359": mixed case
  // that is not the EIP-55 spelling (0xfB69...bB79Ce92cE3Ea...), so it is a
  // mistyped address by EIP-55 and refused, never "corrected".
  auto bad = parse_eip681("ethereum:0xfb6916095ca1df60bb79Ce92ce3ea74c37c5d359?value=2.014e18");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kChecksumMismatch);
  EXPECT_NE(bad.status().message().find("uri: bad target address at position 9"), std::string::npos)
      << bad.status().message();

  auto good = parse_eip681("ethereum:" + kPayee + "?value=2.014e18");
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(good->target, kPayee);
  EXPECT_EQ(good->function, "");
  EXPECT_EQ(good->value, Uint128(2014000000000000000ULL));
  EXPECT_EQ(good->recipient, std::nullopt);
  EXPECT_EQ(good->amount, std::nullopt);
}

TEST(Eip681Test, PayPrefixChainIdSchemeCase) {
  auto r = parse_eip681("ETHEREUM:Pay-" + kPayee + "@8453?value=1e18");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->pay_prefix);
  EXPECT_EQ(r->chain_id, std::optional<std::uint64_t>(8453));
  EXPECT_EQ(r->value, Uint128(1000000000000000000ULL));

  auto max_id = parse_eip681("ethereum:" + kPayee + "@18446744073709551615");
  ASSERT_TRUE(max_id.ok()) << max_id.status().message();
  EXPECT_EQ(max_id->chain_id, std::optional<std::uint64_t>(UINT64_MAX));
}

TEST(Eip681Test, NumberForms) {
  struct Case {
    const char* text;
    Uint128 value;
  };
  const Case cases[] = {
      {"0", Uint128(0)},
      {"1", Uint128(1)},
      {"000123", Uint128(123)},
      {"+7", Uint128(7)},
      {"1e18", Uint128(1000000000000000000ULL)},
      {"1E3", Uint128(1000)},
      {"2.5e6", Uint128(2500000)},
      {"2.014e18", Uint128(2014000000000000000ULL)},
      {"1.50e1", Uint128(15)},
      {".5e1", Uint128(5)},
      {"0.0e0", Uint128(0)},
      {"0e99999999999999999999", Uint128(0)},
      {"1.000", Uint128(1)},  // fraction of zeros: still a whole number
      {"1e0", Uint128(1)},
      {"18446744073709551616", Uint128(1, 0)},
      {"340282366920938463463374607431768211455", kMax},
      {"3.40282366920938463463374607431768211455e38", kMax},
      {"%31%65%36", Uint128(1000000)},  // "1e6", percent-encoded
  };
  for (const auto& c : cases) {
    auto r = parse_eip681(kValuePrefix + c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().message();
    EXPECT_EQ(r->value, c.value) << c.text;
  }
}

TEST(Eip681Test, GasParametersAndUnknownParameters) {
  auto r = parse_eip681("ethereum:" + kTokenLower + "@8453/approve?address=" + kRecipientLower +
                        "&uint256=5&gas=21000&gasPrice=1e9&foo=a%20b+c&foo=2&x=");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->function, "approve");
  EXPECT_EQ(r->gas_limit, Uint128(21000));
  EXPECT_EQ(r->gas_price, Uint128(1000000000));
  // Not a transfer: address and uint256 are kept as they are, unvalidated.
  EXPECT_EQ(r->recipient, std::nullopt);
  EXPECT_EQ(r->amount, std::nullopt);
  const std::vector<UriParam> expected = {
      {"address", kRecipientLower}, {"uint256", "5"}, {"foo", "a b+c"}, {"foo", "2"}, {"x", ""}};
  EXPECT_EQ(r->other_params, expected);
}

TEST(Eip681Test, BuildTransfer) {
  auto uri = build_eip681_transfer(Eip681Transfer{kTokenLower, 1, kRecipientLower, Uint128(1)});
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_EQ(*uri, "ethereum:" + kToken + "@1/transfer?address=" + kRecipient + "&uint256=1");

  auto no_chain =
      build_eip681_transfer(Eip681Transfer{kToken, std::nullopt, kRecipient, Uint128(0)});
  ASSERT_TRUE(no_chain.ok());
  EXPECT_EQ(*no_chain, "ethereum:" + kToken + "/transfer?address=" + kRecipient + "&uint256=0");

  auto big = build_eip681_transfer(Eip681Transfer{kToken, 8453, kRecipient, kMax});
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(*big, "ethereum:" + kToken + "@8453/transfer?address=" + kRecipient +
                      "&uint256=340282366920938463463374607431768211455");
  auto back = parse_eip681(*big);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->amount, kMax);
  EXPECT_EQ(back->chain_id, std::optional<std::uint64_t>(8453));
}

TEST(Eip681Test, BuildTransferRejectsBadAddresses) {
  auto bad_token = build_eip681_transfer(Eip681Transfer{"0x1234", 1, kRecipient, Uint128(1)});
  ASSERT_FALSE(bad_token.ok());
  EXPECT_EQ(bad_token.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_token.status().message().rfind("uri: token: ", 0), 0u)
      << bad_token.status().message();

  // One letter's case flipped: the checksum catches it.
  const std::string flipped = "0x8E23Ee67d1332aD560396262C48ffbB01F93D052";
  auto bad_recipient = build_eip681_transfer(Eip681Transfer{kToken, 1, flipped, Uint128(1)});
  ASSERT_FALSE(bad_recipient.ok());
  EXPECT_EQ(bad_recipient.status().code(), ErrorCode::kChecksumMismatch);
  EXPECT_EQ(bad_recipient.status().message().rfind("uri: recipient: ", 0), 0u)
      << bad_recipient.status().message();
}

TEST(Eip681Test, BuildGeneralRequestRoundTrips) {
  Eip681Request req;
  req.pay_prefix = true;
  req.target = kToken;
  req.chain_id = 137;
  req.function = "transfer";
  req.value = Uint128(0);
  req.gas_limit = Uint128(65000);
  req.gas_price = Uint128(30000000000ULL);
  req.recipient = kRecipient;
  req.amount = Uint128(12345);
  req.other_params = {{"note", "order #12 & co = 100%"}, {"emoji", "\xf0\x9f\x8d\x95"}};
  auto uri = build_eip681(req);
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_EQ(*uri, "ethereum:pay-" + kToken + "@137/transfer?value=0&gasLimit=65000&gasPrice=" +
                      "30000000000&address=" + kRecipient +
                      "&uint256=12345&note=order%20%2312%20%26%20co%20%3D%20100%25" +
                      "&emoji=%F0%9F%8D%95");
  auto back = parse_eip681(*uri);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, req);
}

TEST(Eip681Test, BuildGeneralRequestRejections) {
  Eip681Request plain;
  plain.target = kPayee;
  plain.recipient = kRecipient;
  auto r1 = build_eip681(plain);
  EXPECT_EQ(r1.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r1.status().message(),
            "uri: recipient and amount are parameters of function 'transfer' only");

  Eip681Request transfer;
  transfer.target = kToken;
  transfer.function = "transfer";
  transfer.recipient = kRecipient;
  auto r2 = build_eip681(transfer);
  EXPECT_EQ(r2.status().message(), "uri: function 'transfer' needs both recipient and amount");

  Eip681Request bad_fn;
  bad_fn.target = kToken;
  bad_fn.function = "2x";
  EXPECT_EQ(build_eip681(bad_fn).status().message(), "uri: bad function name '2x'");

  Eip681Request known;
  known.target = kToken;
  known.other_params = {{"gas", "1"}};
  EXPECT_EQ(build_eip681(known).status().message(),
            "uri: 'gas' is a known parameter, not an other parameter");

  Eip681Request bad_key;
  bad_key.target = kToken;
  bad_key.other_params = {{"a b", "1"}};
  EXPECT_EQ(build_eip681(bad_key).status().message(), "uri: bad parameter name 'a b'");

  Eip681Request bad_utf8;
  bad_utf8.target = kToken;
  bad_utf8.other_params = {{"k", "ok\xff"}};
  EXPECT_EQ(build_eip681(bad_utf8).status().message(),
            "uri: value of 'k' is not valid UTF-8 at byte 2");

  Eip681Request bad_target;
  bad_target.target = "alice.eth";
  EXPECT_FALSE(build_eip681(bad_target).ok());
}

struct Rejection {
  std::string uri;
  ErrorCode code;
  std::string fragment;  // expected within the message
};

TEST(Eip681Test, EveryRejection) {
  const std::string t = kTransferPrefix;
  const std::string v = kValuePrefix;
  const std::string addr = "address=" + kRecipient;
  const Rejection cases[] = {
      // Scheme and characters.
      {"", ErrorCode::kInvalidArgument, "uri: expected scheme 'ethereum:' at position 0"},
      {"bitcoin:" + kToken, ErrorCode::kInvalidArgument,
       "uri: expected scheme 'ethereum:' at position 0"},
      {"ethereum:" + kToken + " ", ErrorCode::kInvalidArgument,
       "uri: bad character ' ' at position 51"},
      {v + "1#frag", ErrorCode::kInvalidArgument, "uri: bad character '#' at position 59"},
      {"ethereum:" + kToken + "?x=\xc3\xa9", ErrorCode::kInvalidArgument,
       "uri: bad character byte 0xc3 at position 54"},
      // Target.
      {"ethereum:", ErrorCode::kInvalidArgument, "uri: empty target address at position 9"},
      {"ethereum:?value=1", ErrorCode::kInvalidArgument, "uri: empty target address at position 9"},
      {"ethereum:0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e", ErrorCode::kInvalidArgument,
       "uri: bad target address at position 9 ("},
      {"ethereum:0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43eg", ErrorCode::kInvalidArgument,
       "uri: bad target address at position 9 ("},
      {"ethereum:0xfb6916095ca1df60bb79Ce92ce3ea74c37c5d359?value=2.014e18",
       ErrorCode::kChecksumMismatch, "uri: bad target address at position 9 ("},
      {"ethereum:usd1.eth/transfer?" + addr + "&uint256=1", ErrorCode::kUnsupported,
       "uri: ENS name 'usd1.eth' as target address is not supported (an address is needed) at "
       "position 9"},
      {"ethereum:pay-usd1.eth", ErrorCode::kUnsupported, "at position 13"},
      // Chain id.
      {"ethereum:" + kToken + "@", ErrorCode::kInvalidArgument,
       "uri: missing chain id after '@' at position 52"},
      {"ethereum:" + kToken + "@/transfer", ErrorCode::kInvalidArgument,
       "uri: missing chain id after '@' at position 52"},
      {"ethereum:" + kToken + "@1x/transfer", ErrorCode::kInvalidArgument,
       "uri: bad character 'x' in chain id at position 53"},
      {"ethereum:" + kToken + "@1@2", ErrorCode::kInvalidArgument,
       "uri: bad character '@' in chain id at position 53"},
      {"ethereum:" + kToken + "@-1", ErrorCode::kInvalidArgument,
       "uri: bad character '-' in chain id at position 52"},
      {"ethereum:" + kToken + "@18446744073709551616", ErrorCode::kOutOfRange,
       "uri: chain id above 2^64-1 at position 52"},
      // Function.
      {"ethereum:" + kToken + "/", ErrorCode::kInvalidArgument,
       "uri: missing function name after '/' at position 52"},
      {"ethereum:" + kToken + "/?value=1", ErrorCode::kInvalidArgument,
       "uri: missing function name after '/' at position 52"},
      {"ethereum:" + kToken + "/trans-fer", ErrorCode::kInvalidArgument,
       "uri: bad function name 'trans-fer' at position 52"},
      {"ethereum:" + kToken + "/transfer/x", ErrorCode::kInvalidArgument,
       "uri: bad function name 'transfer/x' at position 52"},
      // Query shape.
      {t, ErrorCode::kInvalidArgument, "uri: empty parameter at position 63"},
      {t + addr + "&&uint256=1", ErrorCode::kInvalidArgument,
       "uri: empty parameter at position 114"},
      {t + addr + "&uint256=1&", ErrorCode::kInvalidArgument,
       "uri: empty parameter at position 124"},
      {t + "address", ErrorCode::kInvalidArgument,
       "uri: parameter 'address' has no '=' at position 63"},
      {t + "=1", ErrorCode::kInvalidArgument, "uri: parameter with empty name at position 63"},
      {t + "addr%65ss=" + kRecipient + "&uint256=1", ErrorCode::kInvalidArgument,
       "uri: bad character '%' in parameter name at position 67"},
      {t + "a:b=1", ErrorCode::kInvalidArgument,
       "uri: bad character ':' in parameter name at position 64"},
      // Transfer parameters.
      {t + addr, ErrorCode::kInvalidArgument, "uri: transfer request without 'uint256' parameter"},
      {t + "uint256=1", ErrorCode::kInvalidArgument,
       "uri: transfer request without 'address' parameter"},
      {t + addr + "&uint256=1&uint256=2", ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'uint256' at position 124"},
      {t + "uint256=1&" + addr + "&" + addr, ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'address' at position 124"},
      {t + "address=alice.eth&uint256=1", ErrorCode::kUnsupported,
       "uri: ENS name 'alice.eth' as 'address' parameter is not supported (an address is "
       "needed) at position 71"},
      {t + "address=0x8E23Ee67d1332aD560396262C48ffbB01F93D052&uint256=1",
       ErrorCode::kChecksumMismatch, "uri: bad 'address' parameter at position 71 ("},
      {t + "address=&uint256=1", ErrorCode::kInvalidArgument,
       "uri: empty 'address' parameter at position 71"},
      {t + addr + "&uint256=1.5", ErrorCode::kOutOfRange,
       "uri: 'uint256' is not a whole number of base units at position 122"},
      // Known parameters appear once ("gas" and "gasLimit" are one).
      {v + "1&value=1", ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'value' at position 60"},
      {"ethereum:" + kToken + "?gas=1&gasLimit=2", ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'gasLimit' at position 58"},
      {"ethereum:" + kToken + "?gasLimit=1&gas=2", ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'gas' (as 'gasLimit') at position 63"},
      {"ethereum:" + kToken + "?gasPrice=1&gasPrice=1", ErrorCode::kInvalidArgument,
       "uri: duplicate parameter 'gasPrice' at position 63"},
      // Numbers.
      {v, ErrorCode::kInvalidArgument, "uri: empty number in 'value' at position 58"},
      {v + "1.5e0", ErrorCode::kOutOfRange,
       "uri: 'value' is not a whole number of base units at position 58"},
      {v + "1.23", ErrorCode::kOutOfRange,
       "uri: 'value' is not a whole number of base units at position 58"},
      {v + "5e-0", ErrorCode::kInvalidArgument,
       "uri: bad character '-' in number 'value' at position 60"},
      {v + "-1", ErrorCode::kOutOfRange, "uri: negative number in 'value' at position 58"},
      {v + "-0", ErrorCode::kOutOfRange, "uri: negative number in 'value' at position 58"},
      {v + "340282366920938463463374607431768211456", ErrorCode::kOutOfRange,
       "uri: 'value' is above 2^128-1 at position 58"},
      {v + "1e39", ErrorCode::kOutOfRange, "uri: 'value' is above 2^128-1 at position 58"},
      {v + "1e99999999999999999999", ErrorCode::kOutOfRange,
       "uri: 'value' is above 2^128-1 at position 58"},
      {v + "1e", ErrorCode::kInvalidArgument,
       "uri: missing exponent digits after 'e' in 'value' at position 59"},
      {v + "1.", ErrorCode::kInvalidArgument,
       "uri: missing digit after '.' in 'value' at position 59"},
      {v + "1.e5", ErrorCode::kInvalidArgument,
       "uri: missing digit after '.' in 'value' at position 59"},
      {v + "e5", ErrorCode::kInvalidArgument,
       "uri: number in 'value' has no digits at position 58"},
      {v + "+", ErrorCode::kInvalidArgument, "uri: number in 'value' has no digits at position 58"},
      {v + "1,000", ErrorCode::kInvalidArgument,
       "uri: bad character ',' in number 'value' at position 59"},
      {v + "0x10", ErrorCode::kInvalidArgument,
       "uri: bad character 'x' in number 'value' at position 59"},
      {v + "1%2", ErrorCode::kInvalidArgument,
       "uri: bad percent-encoding '%2' in 'value' at position 59"},
      {v + "%FF", ErrorCode::kInvalidArgument, "uri: invalid UTF-8 in 'value' at position 58"},
      {v + "1%20", ErrorCode::kInvalidArgument,
       "uri: bad character ' ' in number 'value' at position 59"},
  };
  for (const auto& c : cases) {
    auto r = parse_eip681(c.uri);
    ASSERT_FALSE(r.ok()) << c.uri;
    EXPECT_EQ(r.status().code(), c.code) << c.uri << " -> " << r.status().message();
    EXPECT_NE(r.status().message().find(c.fragment), std::string::npos)
        << c.uri << " -> " << r.status().message();
  }
}

}  // namespace
}  // namespace usd1pay
