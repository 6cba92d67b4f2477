#include "usd1pay/chain.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace usd1pay {
namespace {

TEST(ChainIdTest, ParsesKnownChains) {
  struct Case {
    const char* text;
    const char* ns;
    const char* reference;
    ChainFamily family;
  };
  const Case cases[] = {
      {"eip155:1", "eip155", "1", ChainFamily::kEvm},
      {"eip155:8453", "eip155", "8453", ChainFamily::kEvm},
      {"eip155:1337", "eip155", "1337", ChainFamily::kEvm},
      {"tron:0x2b6653dc", "tron", "0x2b6653dc", ChainFamily::kTron},
      {"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "solana", "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
       ChainFamily::kSolana},
  };
  for (const Case& c : cases) {
    auto id = ChainId::parse(c.text);
    ASSERT_TRUE(id.ok()) << c.text << ": " << id.status().message();
    EXPECT_EQ(id->ns, c.ns);
    EXPECT_EQ(id->reference, c.reference);
    EXPECT_EQ(id->to_string(), c.text);
    auto family = id->family();
    ASSERT_TRUE(family.ok()) << c.text;
    EXPECT_EQ(*family, c.family);
  }
}

TEST(ChainIdTest, AcceptsTheWholeCaip2Grammar) {
  // Syntax is CAIP-2's; whether usd1pay supports a namespace is family()'s job.
  for (const char* text : {"cosmos:cosmoshub-4", "bip122:000000000019d6689c085ae165831e93", "abc:a",
                           "a-b-1234:A_b-9", "eip155:0123"}) {
    auto id = ChainId::parse(text);
    ASSERT_TRUE(id.ok()) << text << ": " << id.status().message();
    EXPECT_EQ(id->to_string(), text);
  }
  auto reference32 = ChainId::parse("abc:" + std::string(32, 'Z'));
  EXPECT_TRUE(reference32.ok());
  auto namespace8 = ChainId::parse("abcdefgh:1");
  EXPECT_TRUE(namespace8.ok());
}

TEST(ChainIdTest, RejectsMalformedIdsNamingWhatAndWhere) {
  struct Case {
    std::string text;
    const char* message;
  };
  const Case cases[] = {
      {"", "chain: empty"},
      {"eip155",
       "chain: missing ':' in \"eip155\"; expected <namespace>:<reference> such as eip155:1"},
      {"EIP155:1",
       "chain: bad character 'E' at position 0 in the namespace (allowed: a-z, 0-9, '-')"},
      {"eip_155:1",
       "chain: bad character '_' at position 3 in the namespace (allowed: a-z, 0-9, '-')"},
      {" eip155:1",
       "chain: bad character ' ' at position 0 in the namespace (allowed: a-z, 0-9, '-')"},
      {"ab:1", "chain: namespace \"ab\" has 2 characters; expected 3 to 8"},
      {":1", "chain: namespace \"\" has 0 characters; expected 3 to 8"},
      {"abcdefghi:1", "chain: namespace \"abcdefghi\" has 9 characters; expected 3 to 8"},
      {"eip155:", "chain: reference has 0 characters; expected 1 to 32"},
      {"abc:" + std::string(33, 'a'), "chain: reference has 33 characters; expected 1 to 32"},
      {"eip155:1:2",
       "chain: bad character ':' at position 8 in the reference (allowed: a-z, A-Z, 0-9, '-', "
       "'_')"},
      {"eip155:1 ",
       "chain: bad character ' ' at position 8 in the reference (allowed: a-z, A-Z, 0-9, '-', "
       "'_')"},
      {"tron:0x2b.6653dc",
       "chain: bad character '.' at position 9 in the reference (allowed: a-z, A-Z, 0-9, '-', "
       "'_')"},
      {"eip155:\xC3\xA9",
       "chain: bad character byte 0xc3 at position 7 in the reference (allowed: a-z, A-Z, 0-9, "
       "'-', '_')"},
  };
  for (const Case& c : cases) {
    auto id = ChainId::parse(c.text);
    ASSERT_FALSE(id.ok()) << c.text;
    EXPECT_EQ(id.status().code(), ErrorCode::kInvalidArgument) << c.text;
    EXPECT_EQ(id.status().message(), c.message) << c.text;
  }
}

TEST(ChainIdTest, UnknownNamespaceIsUnsupported) {
  auto id = ChainId::parse("cosmos:cosmoshub-4");
  ASSERT_TRUE(id.ok());
  auto family = id->family();
  ASSERT_FALSE(family.ok());
  EXPECT_EQ(family.status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(family.status().message(),
            "chain: namespace \"cosmos\" is not supported (supported: eip155, tron, solana)");
}

TEST(ChainIdTest, EvmChainId) {
  struct Case {
    const char* text;
    std::uint64_t expected;
  };
  const Case cases[] = {
      {"eip155:1", 1},
      {"eip155:8453", 8453},
      {"eip155:1337", 1337},
      {"eip155:18446744073709551615", 18446744073709551615ULL},
  };
  for (const Case& c : cases) {
    auto id = ChainId::parse(c.text);
    ASSERT_TRUE(id.ok()) << c.text;
    auto n = id->evm_chain_id();
    ASSERT_TRUE(n.ok()) << c.text << ": " << n.status().message();
    EXPECT_EQ(*n, c.expected);
  }
}

TEST(ChainIdTest, EvmChainIdRejections) {
  struct Case {
    const char* text;
    ErrorCode code;
    const char* message;
  };
  const Case cases[] = {
      {"eip155:0", ErrorCode::kInvalidArgument,
       "chain: eip155 chain id 0 is not valid; chain ids start at 1"},
      {"eip155:01", ErrorCode::kInvalidArgument,
       "chain: eip155 chain id \"01\" has a leading zero at position 7"},
      {"eip155:0x1", ErrorCode::kInvalidArgument,
       "chain: bad character 'x' at position 8 in an eip155 chain id (decimal digits only)"},
      {"eip155:mainnet", ErrorCode::kInvalidArgument,
       "chain: bad character 'm' at position 7 in an eip155 chain id (decimal digits only)"},
      {"eip155:18446744073709551616", ErrorCode::kOutOfRange,
       "chain: eip155 chain id 18446744073709551616 exceeds 2^64-1"},
      {"eip155:99999999999999999999999999999999", ErrorCode::kOutOfRange,
       "chain: eip155 chain id 99999999999999999999999999999999 exceeds 2^64-1"},
      {"tron:0x2b6653dc", ErrorCode::kInvalidArgument,
       "chain: \"tron:0x2b6653dc\" is not an eip155 chain, so it has no EVM chain id"},
  };
  for (const Case& c : cases) {
    auto id = ChainId::parse(c.text);
    ASSERT_TRUE(id.ok()) << c.text;
    auto n = id->evm_chain_id();
    ASSERT_FALSE(n.ok()) << c.text;
    EXPECT_EQ(n.status().code(), c.code) << c.text;
    EXPECT_EQ(n.status().message(), c.message);
  }
}

TEST(ChainFamilyTest, Names) {
  EXPECT_STREQ(chain_family_name(ChainFamily::kEvm), "evm");
  EXPECT_STREQ(chain_family_name(ChainFamily::kTron), "tron");
  EXPECT_STREQ(chain_family_name(ChainFamily::kSolana), "solana");
}

TEST(ChainSelectorTest, FamilyNames) {
  for (ChainFamily f : {ChainFamily::kEvm, ChainFamily::kTron, ChainFamily::kSolana}) {
    auto s = ChainSelector::parse(chain_family_name(f));
    ASSERT_TRUE(s.ok()) << chain_family_name(f);
    EXPECT_EQ(s->family, f);
    EXPECT_FALSE(s->id.has_value());
  }
}

TEST(ChainSelectorTest, Caip2Ids) {
  auto base = ChainSelector::parse("eip155:8453");
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(base->family, ChainFamily::kEvm);
  ASSERT_TRUE(base->id.has_value());
  EXPECT_EQ(base->id->reference, "8453");
  auto tron = ChainSelector::parse("tron:0x2b6653dc");
  ASSERT_TRUE(tron.ok());
  EXPECT_EQ(tron->family, ChainFamily::kTron);
  auto sol = ChainSelector::parse("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp");
  ASSERT_TRUE(sol.ok());
  EXPECT_EQ(sol->family, ChainFamily::kSolana);
  ASSERT_TRUE(sol->id.has_value());
  EXPECT_EQ(sol->id->to_string(), "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp");
}

TEST(ChainSelectorTest, Rejections) {
  struct Case {
    const char* text;
    ErrorCode code;
    const char* message;
  };
  const Case cases[] = {
      {"", ErrorCode::kInvalidArgument, "chain: empty"},
      {"ethereum", ErrorCode::kInvalidArgument,
       "chain: unknown chain \"ethereum\"; expected evm, tron, solana or a CAIP-2 id such as "
       "eip155:1"},
      {"EVM", ErrorCode::kInvalidArgument,
       "chain: unknown chain \"EVM\"; expected evm, tron, solana or a CAIP-2 id such as eip155:1"},
      {"cosmos:cosmoshub-4", ErrorCode::kUnsupported,
       "chain: namespace \"cosmos\" is not supported (supported: eip155, tron, solana)"},
      {"eip155:0", ErrorCode::kInvalidArgument,
       "chain: eip155 chain id 0 is not valid; chain ids start at 1"},
      {"Eip155:1", ErrorCode::kInvalidArgument,
       "chain: bad character 'E' at position 0 in the namespace (allowed: a-z, 0-9, '-')"},
  };
  for (const Case& c : cases) {
    auto s = ChainSelector::parse(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.status().code(), c.code) << c.text;
    EXPECT_EQ(s.status().message(), c.message);
  }
}

}  // namespace
}  // namespace usd1pay
