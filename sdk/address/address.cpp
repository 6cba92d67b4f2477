// Address validation and canonical forms (the rules are in
// include/usd1pay/address.h and docs/addresses.md).
//
// EVM, EIP-55: the checksum is carried by the case of the hex letters. Take
// the 40 hex digits in lowercase ASCII, hash those 40 characters with
// Keccak-256, and write the letter at position i in uppercase when hex digit i
// of the hash (high nibble first) is 8 or more. Digits have no case and carry
// nothing. An input is "checksummed" when it is spelled exactly that way; an
// input whose letters are all one case and spelled otherwise carries no
// checksum; mixed case spelled otherwise is a typo caught by the checksum.
//
// TRON: base58check of 0x41 || 20 account bytes (always 34 characters, "T...");
// the hex form is the 21 bytes as 42 hex digits ("41...").
//
// Solana: base58 of a 32-byte public key, 32 to 44 characters.
#include "usd1pay/address.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"

namespace usd1pay {
namespace {

// Longer inputs are refused before any work, whatever the family: no address
// is near this long, and base58 decoding is quadratic in the length.
constexpr std::size_t kMaxInput = 128;

constexpr char kLowerHex[] = "0123456789abcdef";

// Hex digit -> the same digit in lowercase; anything else -> 0.
constexpr std::array<char, 256> make_hex_lowercase() {
  std::array<char, 256> t{};
  for (char c = '0'; c <= '9'; ++c) t[static_cast<unsigned char>(c)] = c;
  for (char c = 'a'; c <= 'f'; ++c) t[static_cast<unsigned char>(c)] = c;
  for (char c = 'A'; c <= 'F'; ++c) t[static_cast<unsigned char>(c)] = static_cast<char>(c + 32);
  return t;
}
constexpr std::array<char, 256> kHexLowercase = make_hex_lowercase();

Status invalid(const std::string& message) {
  return Status(ErrorCode::kInvalidArgument, "address: " + message);
}

Status bad_char(std::string_view text, std::size_t pos) {
  return invalid("bad character " + quote_char(text[pos]) + " at position " + std::to_string(pos));
}

Status wrong_length(std::size_t seen, const char* expected) {
  return invalid("wrong length (" + std::to_string(seen) + " characters, expected " + expected +
                 ")");
}

Status wrong_version(std::uint8_t version) {
  std::string hex = "0x";
  hex += kLowerHex[version >> 4];
  hex += kLowerHex[version & 0xf];
  return invalid("wrong version byte " + hex + ", expected 0x41");
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Writes the EIP-55 spelling of 40 lowercase hex digits to `out` (40 chars).
void eip55_body(const char* lower, char* out) noexcept {
  const Hash256 h = keccak256(ByteView(reinterpret_cast<const std::uint8_t*>(lower), 40));
  // Branch-free: a letter ('a'-'f' have bit 6 set, digits do not) loses bit
  // 5 (becomes uppercase) when its hash nibble has its top bit set.
  for (std::size_t i = 0; i < 20; ++i) {
    const unsigned hi = h[i] >> 7;
    const unsigned lo = (h[i] >> 3) & 1u;
    const auto c0 = static_cast<unsigned char>(lower[2 * i]);
    const auto c1 = static_cast<unsigned char>(lower[2 * i + 1]);
    out[2 * i] = static_cast<char>(c0 ^ ((((c0 >> 6) & hi) << 5) & 0xffu));
    out[2 * i + 1] = static_cast<char>(c1 ^ ((((c1 >> 6) & lo) << 5) & 0xffu));
  }
}

Result<AddressInfo> validate_evm(std::string_view text, const AddressOptions& options) {
  if (text.size() < 2 || text[0] != '0' || text[1] != 'x') {
    if (text.size() >= 2 && text[0] == '0' && text[1] == 'X') {
      return invalid("missing 0x prefix (found '0X'; the x must be lowercase)");
    }
    if (is_space(text[0])) return bad_char(text, 0);
    // Ethers and some wallets accept bare hex; usd1pay does not, because a
    // bare 40-digit string is as likely to be a hash or key pasted by mistake.
    if (text.find('.') != std::string_view::npos) {
      return Status(ErrorCode::kUnsupported,
                    "address: ENS names are not supported; resolve the name to a 0x address first");
    }
    return invalid("missing 0x prefix");
  }
  if (text.size() != 42) return wrong_length(text.size(), "42");

  // One table lookup per character and no data-dependent branch: addresses
  // are random, so branches on letter/digit/case would be mispredicted.
  char lower[40];
  unsigned bad = 0;
  unsigned has_upper = 0;
  unsigned has_lower = 0;
  for (std::size_t i = 0; i < 40; ++i) {
    const auto c = static_cast<unsigned char>(text[2 + i]);
    const char l = kHexLowercase[c];
    lower[i] = l;
    bad |= static_cast<unsigned>(l == 0);
    const unsigned letter = (c >> 6) & 1u;  // 'A'-'F' and 'a'-'f' have bit 6 set
    const unsigned small = (c >> 5) & 1u;   // lowercase letters have bit 5 set
    has_upper |= letter & ~small;
    has_lower |= letter & small;
  }
  if (bad != 0) {
    std::size_t pos = 0;
    while (kHexLowercase[static_cast<unsigned char>(text[2 + pos])] != 0) ++pos;
    return bad_char(text, 2 + pos);
  }

  AddressInfo info;
  info.family = ChainFamily::kEvm;
  info.canonical.assign(42, '0');
  info.canonical[1] = 'x';
  eip55_body(lower, &info.canonical[2]);
  const char* body = text.data() + 2;
  const char* want = info.canonical.data() + 2;
  if (std::memcmp(body, want, 40) == 0) {
    info.checksummed = true;
    return info;
  }
  if (has_upper != 0 && has_lower != 0) {
    std::size_t pos = 0;
    while (body[pos] == want[pos]) ++pos;
    return Status(ErrorCode::kChecksumMismatch,
                  "address: EIP-55 checksum does not match (first wrong case at position " +
                      std::to_string(pos + 2) + ")");
  }
  if (options.strict) {
    return Status(ErrorCode::kChecksumMismatch,
                  std::string("address: no EIP-55 checksum (all ") +
                      (has_upper != 0 ? "uppercase" : "lowercase") +
                      "); strict mode requires the checksummed spelling");
  }
  info.checksummed = false;
  return info;
}

Result<AddressInfo> validate_tron(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    return invalid("TRON hex addresses start with 41, not 0x");
  }
  const bool all_hex =
      std::all_of(text.begin(), text.end(), [](char c) { return hex_digit_value(c) >= 0; });
  if (text.size() == 42 && all_hex) {
    std::array<std::uint8_t, 21> bytes{};
    for (std::size_t i = 0; i < 21; ++i) {
      const auto hi = static_cast<unsigned>(hex_digit_value(text[2 * i]));  // all_hex: 0..15
      const auto lo = static_cast<unsigned>(hex_digit_value(text[2 * i + 1]));
      bytes[i] = static_cast<std::uint8_t>((hi << 4) | lo);
    }
    if (bytes[0] != 0x41) return wrong_version(bytes[0]);
    AddressInfo info;
    info.family = ChainFamily::kTron;
    info.canonical = base58check_encode(bytes);
    info.checksummed = false;
    return info;
  }
  // A valid "T..." address is always 34 characters; shorter or longer base58
  // is still decoded (up to a bound) so that the error can say what it is,
  // e.g. a Bitcoin address with the wrong version byte.
  if (text.size() > 64) return wrong_length(text.size(), "34, or 42 for hex");
  const std::size_t bad = base58_find_invalid(text);
  if (bad != std::string_view::npos) return bad_char(text, bad);
  auto decoded = base58_decode(text);
  if (!decoded.ok()) return decoded.status();  // cannot happen: characters checked
  const Bytes& bytes = *decoded;
  if (bytes.size() != 25) {
    return invalid("decodes to " + std::to_string(bytes.size()) + " bytes, expected 25");
  }
  const Hash256 check = double_sha256(ByteView(bytes.data(), 21));
  if (std::memcmp(check.data(), bytes.data() + 21, 4) != 0) {
    return Status(ErrorCode::kChecksumMismatch, "address: base58check checksum does not match");
  }
  if (bytes[0] != 0x41) return wrong_version(bytes[0]);
  AddressInfo info;
  info.family = ChainFamily::kTron;
  info.canonical = std::string(text);  // base58 has one spelling per value
  info.checksummed = true;
  return info;
}

Result<AddressInfo> validate_solana(std::string_view text) {
  // 32 bytes take 32 ('1' x 32, all zero) to 44 characters.
  if (text.size() < 32 || text.size() > 44) return wrong_length(text.size(), "32 to 44");
  const std::size_t bad = base58_find_invalid(text);
  if (bad != std::string_view::npos) return bad_char(text, bad);
  auto decoded = base58_decode(text);
  if (!decoded.ok()) return decoded.status();  // cannot happen: characters checked
  if (decoded->size() != 32) {
    return invalid("decodes to " + std::to_string(decoded->size()) + " bytes, expected 32");
  }
  AddressInfo info;
  info.family = ChainFamily::kSolana;
  info.canonical = std::string(text);
  info.checksummed = false;
  return info;
}

}  // namespace

Result<AddressInfo> validate_address(ChainFamily family, std::string_view text,
                                     const AddressOptions& options) {
  if (text.empty()) return invalid("empty");
  if (text.size() > kMaxInput) {
    return invalid("too long (" + std::to_string(text.size()) + " characters, at most " +
                   std::to_string(kMaxInput) + " accepted)");
  }
  switch (family) {
    case ChainFamily::kEvm: return validate_evm(text, options);
    case ChainFamily::kTron: return validate_tron(text);
    case ChainFamily::kSolana: return validate_solana(text);
  }
  return invalid("unknown chain family " + std::to_string(static_cast<int>(family)));
}

std::string evm_checksum_address(const std::array<std::uint8_t, 20>& bytes) {
  char lower[40];
  for (std::size_t i = 0; i < 20; ++i) {
    lower[2 * i] = kLowerHex[bytes[i] >> 4];
    lower[2 * i + 1] = kLowerHex[bytes[i] & 0xf];
  }
  std::string out(42, '0');
  out[1] = 'x';
  eip55_body(lower, &out[2]);
  return out;
}

std::string tron_address_from_account(const std::array<std::uint8_t, 20>& bytes) {
  std::array<std::uint8_t, 21> payload{};
  payload[0] = 0x41;
  std::copy(bytes.begin(), bytes.end(), payload.begin() + 1);
  return base58check_encode(payload);
}

}  // namespace usd1pay
