// Fuzzes extended public key parsing and public derivation.
//
// Invariants, not just "does not crash":
// - whatever parse() accepts, to_string() parses back to an equal key and is
//   a fixed point (one spelling per key);
// - derive_child(0) of an accepted key succeeds or is kOutOfRange (an invalid
//   child, or a key at depth 255); a child is one level deeper, names its
//   parent's fingerprint and round-trips too;
// - derive_path() on the input as a path either fails with kInvalidArgument /
//   kOutOfRange or gives a key whose depth grew by the number of components;
// - every rejection carries a code and an "hd: " message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "usd1pay/hd.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

// A fixed, valid key (BIP-32 test vector 1, m/0H/1) to walk fuzzed paths from.
const usd1pay::ExtendedPublicKey& fixed_key() {
  static const usd1pay::ExtendedPublicKey key = *usd1pay::ExtendedPublicKey::parse(
      "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527"
      "Hqck2AxYysAA7xmALppuCkwQ");
  return key;
}

void check_error(const usd1pay::Status& s) {
  check(s.code() != usd1pay::ErrorCode::kOk);
  check(s.message().rfind("hd: ", 0) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using usd1pay::ErrorCode;
  using usd1pay::ExtendedPublicKey;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto key = ExtendedPublicKey::parse(text);
  if (!key.ok()) {
    check_error(key.status());
  } else {
    const std::string spelled = key->to_string();
    const auto again = ExtendedPublicKey::parse(spelled);
    check(again.ok());
    check(*again == *key);
    check(again->to_string() == spelled);
    const auto child = key->derive_child(0);
    if (child.ok()) {
      check(child->depth() == key->depth() + 1);
      check(child->parent_fingerprint() == key->fingerprint());
      check(child->is_testnet() == key->is_testnet());
      const auto back = ExtendedPublicKey::parse(child->to_string());
      check(back.ok() && *back == *child);
      check(child->evm_address().size() == 42);
    } else {
      check(child.status().code() == ErrorCode::kOutOfRange);
      check_error(child.status());
    }
  }

  if (size <= 64) {
    const auto walked = fixed_key().derive_path(text);
    if (walked.ok()) {
      std::size_t components = text.empty() ? 0 : 1;
      for (const char c : text) components += c == '/' ? 1 : 0;
      check(walked->depth() == fixed_key().depth() + components);
    } else {
      check(walked.status().code() == ErrorCode::kInvalidArgument ||
            walked.status().code() == ErrorCode::kOutOfRange);
      check_error(walked.status());
    }
  }
  return 0;
}
