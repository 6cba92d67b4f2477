// Fuzzes both payment URI parsers with arbitrary bytes. Beyond "does not
// crash", every URI a parser accepts must survive a round trip:
//   parse(s) = r  =>  build(r) succeeds, parse(build(r)) == r, and building
//   that again gives the same text (our output is a fixed point).
// The same bytes go to parse_eip681 and parse_solana_pay, and a Solana Pay
// amount that parses must also convert with solana_pay_amount at 38 decimals
// (or be refused only for being above 2^128-1).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "usd1pay/request.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& input, const std::string& detail) {
  std::fprintf(stderr, "uri_fuzz: %s\ninput: %s\ndetail: %s\n", what, input.c_str(),
               detail.c_str());
  std::abort();
}

template <typename Parse, typename Build>
void check_round_trip(const std::string& input, Parse parse, Build build) {
  const auto first = parse(input);
  if (!first.ok()) {
    if (first.status().message().rfind("uri: ", 0) != 0) {
      fail("error message without the 'uri: ' subject", input, first.status().message());
    }
    return;
  }
  const auto text = build(*first);
  if (!text.ok()) fail("accepted URI does not build back", input, text.status().message());
  const auto second = parse(*text);
  if (!second.ok())
    fail("built URI does not parse", input, *text + " -> " + second.status().message());
  if (!(*second == *first)) fail("fields changed in the round trip", input, *text);
  const auto again = build(*second);
  if (!again.ok() || *again != *text) fail("building is not a fixed point", input, *text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  check_round_trip(
      input, [](std::string_view s) { return usd1pay::parse_eip681(s); },
      [](const usd1pay::Eip681Request& r) { return usd1pay::build_eip681(r); });
  check_round_trip(
      input, [](std::string_view s) { return usd1pay::parse_solana_pay(s); },
      [](const usd1pay::SolanaPayRequest& r) { return usd1pay::build_solana_pay(r); });

  const auto sp = usd1pay::parse_solana_pay(input);
  if (sp.ok() && sp->amount) {
    const auto amount = usd1pay::solana_pay_amount(*sp->amount, usd1pay::Amount::kMaxDecimals);
    const bool fraction_fits =
        sp->amount->find('.') == std::string::npos ||
        sp->amount->size() - sp->amount->find('.') - 1 <= usd1pay::Amount::kMaxDecimals;
    if (!amount.ok() && fraction_fits &&
        amount.status().code() != usd1pay::ErrorCode::kOutOfRange) {
      fail("parsed amount refused by solana_pay_amount", input, amount.status().message());
    }
  }
  return 0;
}
