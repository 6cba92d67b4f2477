// CAIP-2 chain ids (https://chainagnostic.org/CAIPs/caip-2):
//   chain_id  = namespace ":" reference
//   namespace = [-a-z0-9]{3,8}
//   reference = [-_a-zA-Z0-9]{1,32}
// Positions in messages are 0-based offsets into the whole input, so that a
// user can point at the character in what they typed.
#include "usd1pay/chain.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "usd1pay/encoding.h"

namespace usd1pay {
namespace {

constexpr std::size_t kNamespaceMin = 3;
constexpr std::size_t kNamespaceMax = 8;
constexpr std::size_t kReferenceMax = 32;

bool is_lower(char c) noexcept {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) noexcept {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool is_namespace_char(char c) noexcept {
  return is_lower(c) || is_digit(c) || c == '-';
}
bool is_reference_char(char c) noexcept {
  return is_lower(c) || is_upper(c) || is_digit(c) || c == '-' || c == '_';
}

Status invalid(std::string message) {
  return Status(ErrorCode::kInvalidArgument, "chain: " + std::move(message));
}

}  // namespace

const char* chain_family_name(ChainFamily family) noexcept {
  switch (family) {
    case ChainFamily::kEvm: return "evm";
    case ChainFamily::kTron: return "tron";
    case ChainFamily::kSolana: return "solana";
  }
  return "unknown";
}

Result<ChainId> ChainId::parse(std::string_view text) {
  if (text.empty()) return invalid("empty");
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return invalid("missing ':' in \"" + std::string(text) +
                   "\"; expected <namespace>:<reference> such as eip155:1");
  }
  const std::string_view ns = text.substr(0, colon);
  const std::string_view ref = text.substr(colon + 1);
  for (std::size_t i = 0; i < ns.size(); ++i) {
    if (!is_namespace_char(ns[i])) {
      return invalid("bad character " + quote_char(ns[i]) + " at position " + std::to_string(i) +
                     " in the namespace (allowed: a-z, 0-9, '-')");
    }
  }
  if (ns.size() < kNamespaceMin || ns.size() > kNamespaceMax) {
    return invalid("namespace \"" + std::string(ns) + "\" has " + std::to_string(ns.size()) +
                   " characters; expected 3 to 8");
  }
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (!is_reference_char(ref[i])) {
      return invalid("bad character " + quote_char(ref[i]) + " at position " +
                     std::to_string(colon + 1 + i) +
                     " in the reference (allowed: a-z, A-Z, 0-9, '-', '_')");
    }
  }
  if (ref.empty() || ref.size() > kReferenceMax) {
    return invalid("reference has " + std::to_string(ref.size()) + " characters; expected 1 to 32");
  }
  return ChainId{std::string(ns), std::string(ref)};
}

std::string ChainId::to_string() const {
  return ns + ":" + reference;
}

Result<ChainFamily> ChainId::family() const {
  if (ns == "eip155") return ChainFamily::kEvm;
  if (ns == "tron") return ChainFamily::kTron;
  if (ns == "solana") return ChainFamily::kSolana;
  return Status(ErrorCode::kUnsupported, "chain: namespace \"" + ns +
                                             "\" is not supported (supported: eip155, tron, "
                                             "solana)");
}

Result<std::uint64_t> ChainId::evm_chain_id() const {
  if (ns != "eip155") {
    return invalid("\"" + to_string() + "\" is not an eip155 chain, so it has no EVM chain id");
  }
  // Offsets are reported in the "<ns>:<reference>" spelling.
  const std::size_t base = ns.size() + 1;
  if (reference.empty()) return invalid("eip155 reference is empty");
  for (std::size_t i = 0; i < reference.size(); ++i) {
    if (!is_digit(reference[i])) {
      return invalid("bad character " + quote_char(reference[i]) + " at position " +
                     std::to_string(base + i) + " in an eip155 chain id (decimal digits only)");
    }
  }
  if (reference == "0") return invalid("eip155 chain id 0 is not valid; chain ids start at 1");
  if (reference[0] == '0') {
    return invalid("eip155 chain id \"" + reference + "\" has a leading zero at position " +
                   std::to_string(base));
  }
  std::uint64_t value = 0;
  constexpr std::uint64_t kMax = ~std::uint64_t{0};
  for (const char c : reference) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) {
      return Status(ErrorCode::kOutOfRange,
                    "chain: eip155 chain id " + reference + " exceeds 2^64-1");
    }
    value = value * 10 + digit;
  }
  return value;
}

Result<ChainSelector> ChainSelector::parse(std::string_view text) {
  if (text == "evm") return ChainSelector{ChainFamily::kEvm, std::nullopt};
  if (text == "tron") return ChainSelector{ChainFamily::kTron, std::nullopt};
  if (text == "solana") return ChainSelector{ChainFamily::kSolana, std::nullopt};
  if (text.find(':') == std::string_view::npos) {
    if (text.empty()) return invalid("empty");
    return invalid("unknown chain \"" + std::string(text) +
                   "\"; expected evm, tron, solana or a CAIP-2 id such as eip155:1");
  }
  Result<ChainId> id = ChainId::parse(text);
  if (!id.ok()) return id.status();
  Result<ChainFamily> family = id->family();
  if (!family.ok()) return family.status();
  if (*family == ChainFamily::kEvm) {
    // An eip155 id that is not a usable chain id is refused here rather than
    // when the first RPC call is made.
    Result<std::uint64_t> evm = id->evm_chain_id();
    if (!evm.ok()) return evm.status();
  }
  return ChainSelector{*family, std::move(*id)};
}

}  // namespace usd1pay
