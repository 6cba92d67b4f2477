// Fuzzes address validation and the encodings under it.
//
// Invariants, not just "does not crash":
// - whatever a family's validator accepts, its canonical form is accepted
//   again and is its own canonical form (canonicalisation is idempotent);
// - an EVM canonical form is checksummed and passes strict mode;
// - a TRON canonical form is a 34-character "T..." base58check address;
// - a Solana canonical form is the input itself;
// - every rejection carries a non-empty "address: " message and a code;
// - hex, base58 and base64 decoders accept only text that their encoder
//   gives back (base58 and strict base64 have one spelling per value, hex up
//   to case).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "usd1pay/address.h"
#include "usd1pay/encoding.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void fuzz_family(usd1pay::ChainFamily family, std::string_view text) {
  using usd1pay::AddressOptions;
  using usd1pay::ChainFamily;
  const auto r = usd1pay::validate_address(family, text);
  if (!r.ok()) {
    check(r.status().message().rfind("address: ", 0) == 0);
    check(r.status().code() != usd1pay::ErrorCode::kOk);
    return;
  }
  check(r->family == family);
  const auto again = usd1pay::validate_address(family, r->canonical, AddressOptions{true});
  check(again.ok());
  check(again->canonical == r->canonical);
  switch (family) {
    case ChainFamily::kEvm:
      check(again->checksummed);
      check(r->canonical.size() == 42);
      // The input differs from the canonical form at most in case.
      for (std::size_t i = 0; i < 42; ++i) {
        check((text[i] | 0x20) == (r->canonical[i] | 0x20));
      }
      check(r->checksummed == (text == r->canonical));
      break;
    case ChainFamily::kTron:
      check(r->canonical.size() == 34 && r->canonical[0] == 'T');
      check(again->checksummed);
      break;
    case ChainFamily::kSolana: check(r->canonical == text); break;
  }
}

void fuzz_encodings(std::string_view text) {
  if (const auto hex = usd1pay::hex_decode(text); hex.ok()) {
    const std::string back = usd1pay::hex_encode(*hex);
    check(back.size() == text.size());
    for (std::size_t i = 0; i < text.size(); ++i) check((text[i] | 0x20) == back[i]);
  }
  if (text.size() <= 256) {  // base58 decoding is quadratic
    if (const auto b58 = usd1pay::base58_decode(text); b58.ok()) {
      check(usd1pay::base58_encode(*b58) == text);
    }
    if (const auto b58c = usd1pay::base58check_decode(text); b58c.ok()) {
      check(usd1pay::base58check_encode(*b58c) == text);
    }
  }
  if (const auto b64 = usd1pay::base64_decode(text); b64.ok()) {
    check(usd1pay::base64_encode(*b64) == text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz_family(usd1pay::ChainFamily::kEvm, text);
  fuzz_family(usd1pay::ChainFamily::kTron, text);
  fuzz_family(usd1pay::ChainFamily::kSolana, text);
  fuzz_encodings(text);
  return 0;
}
