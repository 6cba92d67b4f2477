// BIP-32 extended public keys: parse / serialize, CKDpub, relative paths, and
// the EVM / TRON addresses of a key. See include/usd1pay/hd.h for the format.
//
// Point arithmetic is libsecp256k1's, always through secp256k1_context_static:
// parsing, serializing and adding a tweak times G to a public key need no
// precomputed context, and the static context is immutable, so there is no
// global mutable state and nothing to lock. HMAC-SHA512 is hash.h's.
// RIPEMD-160 (for fingerprints) is implemented here; see hd_ripemd160.h.
#include "usd1pay/hd.h"

#include <secp256k1.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "address/hd_ripemd160.h"
#include "usd1pay/address.h"
#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"

namespace usd1pay {

// ---- RIPEMD-160 ----

namespace hd_detail {
namespace {

constexpr std::uint32_t rotl(std::uint32_t x, unsigned n) noexcept {
  return (x << n) | (x >> (32U - n));
}

// The five boolean functions, one per group of 16 steps.
constexpr std::uint32_t boolean_fn(unsigned group, std::uint32_t x, std::uint32_t y,
                                   std::uint32_t z) noexcept {
  switch (group) {
    case 0: return x ^ y ^ z;
    case 1: return (x & y) | (~x & z);
    case 2: return (x | ~y) ^ z;
    case 3: return (x & z) | (y & ~z);
    default: return x ^ (y | ~z);
  }
}

// Additive constants per group: the left line, then the right line.
constexpr std::uint32_t kLeftK[5] = {0x00000000U, 0x5A827999U, 0x6ED9EBA1U, 0x8F1BBCDCU,
                                     0xA953FD4EU};
constexpr std::uint32_t kRightK[5] = {0x50A28BE6U, 0x5C4DD124U, 0x6D703EF3U, 0x7A6D76E9U,
                                      0x00000000U};

// Which message word each of the 80 steps reads.
constexpr std::uint8_t kLeftWord[80] = {
    0, 1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,  //
    7, 4,  13, 1,  10, 6,  15, 3,  12, 0, 9,  5,  2,  14, 11, 8,   //
    3, 10, 14, 4,  9,  15, 8,  1,  2,  7, 0,  6,  13, 11, 5,  12,  //
    1, 9,  11, 10, 0,  8,  12, 4,  13, 3, 7,  15, 14, 5,  6,  2,   //
    4, 0,  5,  9,  7,  12, 2,  10, 14, 1, 3,  8,  11, 6,  15, 13};
constexpr std::uint8_t kRightWord[80] = {
    5,  14, 7,  0, 9, 2,  11, 4,  13, 6,  15, 8,  1,  10, 3,  12,  //
    6,  11, 3,  7, 0, 13, 5,  10, 14, 15, 8,  12, 4,  9,  1,  2,   //
    15, 5,  1,  3, 7, 14, 6,  9,  11, 8,  12, 2,  10, 0,  4,  13,  //
    8,  6,  4,  1, 3, 11, 15, 0,  5,  12, 2,  13, 9,  7,  10, 14,  //
    12, 15, 10, 4, 1, 5,  8,  7,  6,  2,  13, 14, 0,  3,  9,  11};

// Left-rotation amounts of each step.
constexpr std::uint8_t kLeftShift[80] = {
    11, 14, 15, 12, 5,  8,  7,  9,  11, 13, 14, 15, 6,  7,  9,  8,   //
    7,  6,  8,  13, 11, 9,  7,  15, 7,  12, 15, 9,  11, 7,  13, 12,  //
    11, 13, 6,  7,  14, 9,  13, 15, 14, 8,  13, 6,  5,  12, 7,  5,   //
    11, 12, 14, 15, 14, 15, 9,  8,  9,  14, 5,  6,  8,  6,  5,  12,  //
    9,  15, 5,  11, 6,  8,  13, 12, 5,  12, 13, 14, 11, 8,  5,  6};
constexpr std::uint8_t kRightShift[80] = {
    8,  9,  9,  11, 13, 15, 15, 5,  7,  7,  8,  11, 14, 14, 12, 6,   //
    9,  13, 15, 7,  12, 8,  9,  11, 7,  7,  12, 7,  6,  15, 13, 11,  //
    9,  7,  15, 11, 8,  6,  6,  14, 12, 13, 5,  14, 13, 13, 7,  5,   //
    15, 5,  8,  11, 14, 14, 6,  14, 6,  9,  12, 9,  12, 5,  15, 8,   //
    8,  5,  12, 9,  12, 5,  14, 6,  8,  13, 6,  5,  15, 13, 11, 11};

using State = std::array<std::uint32_t, 5>;

// Processes one 64-byte block: two parallel lines of 80 steps over the same
// message words, combined into the chaining state at the end.
void compress(State& h, const std::uint8_t* block) noexcept {
  std::uint32_t x[16];
  for (std::size_t i = 0; i < 16; ++i) {
    x[i] = static_cast<std::uint32_t>(block[4 * i]) |
           (static_cast<std::uint32_t>(block[4 * i + 1]) << 8U) |
           (static_cast<std::uint32_t>(block[4 * i + 2]) << 16U) |
           (static_cast<std::uint32_t>(block[4 * i + 3]) << 24U);
  }
  std::uint32_t al = h[0], bl = h[1], cl = h[2], dl = h[3], el = h[4];
  std::uint32_t ar = h[0], br = h[1], cr = h[2], dr = h[3], er = h[4];
  for (unsigned j = 0; j < 80; ++j) {
    const unsigned group = j / 16;
    std::uint32_t t =
        rotl(al + boolean_fn(group, bl, cl, dl) + x[kLeftWord[j]] + kLeftK[group], kLeftShift[j]) +
        el;
    al = el;
    el = dl;
    dl = rotl(cl, 10);
    cl = bl;
    bl = t;
    // The right line uses the boolean functions in reverse order.
    t = rotl(ar + boolean_fn(4 - group, br, cr, dr) + x[kRightWord[j]] + kRightK[group],
             kRightShift[j]) +
        er;
    ar = er;
    er = dr;
    dr = rotl(cr, 10);
    cr = br;
    br = t;
  }
  const std::uint32_t t = h[1] + cl + dr;
  h[1] = h[2] + dl + er;
  h[2] = h[3] + el + ar;
  h[3] = h[4] + al + br;
  h[4] = h[0] + bl + cr;
  h[0] = t;
}

}  // namespace

Hash160 ripemd160(ByteView data) noexcept {
  State h = {0x67452301U, 0xEFCDAB89U, 0x98BADCFEU, 0x10325476U, 0xC3D2E1F0U};
  const std::size_t full = data.size() / 64 * 64;
  for (std::size_t off = 0; off < full; off += 64) compress(h, data.data() + off);
  // MD4-style padding: 0x80, zeros to 56 mod 64, then the length in bits as a
  // little-endian 64-bit number.
  std::uint8_t tail[128] = {};
  const std::size_t rest = data.size() - full;
  if (rest != 0) std::memcpy(tail, data.data() + full, rest);
  tail[rest] = 0x80;
  const std::size_t tail_len = rest < 56 ? 64 : 128;
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8U;
  for (std::size_t i = 0; i < 8; ++i) {
    tail[tail_len - 8 + i] = static_cast<std::uint8_t>(bits >> (8U * i));
  }
  for (std::size_t off = 0; off < tail_len; off += 64) compress(h, tail + off);
  Hash160 out{};
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t b = 0; b < 4; ++b) {
      out[4 * i + b] = static_cast<std::uint8_t>(h[i] >> (8U * b));
    }
  }
  return out;
}

Hash160 hash160(ByteView data) noexcept {
  return ripemd160(ByteView(sha256(data)));
}

}  // namespace hd_detail

// ---- extended public keys ----

namespace {

constexpr std::size_t kPayloadSize = 78;  // without the 4-byte checksum
constexpr std::size_t kSpellingSize = 111;
// Longer texts are refused before base58 decoding (quadratic in the length).
constexpr std::size_t kMaxText = 256;
constexpr std::uint32_t kHardened = 0x80000000U;

constexpr std::uint32_t kXpub = 0x0488B21EU;
constexpr std::uint32_t kTpub = 0x043587CFU;

struct KnownVersion {
  const char* name;
  std::uint32_t bytes;
  bool is_private;
};
// Versions that people paste by mistake, named in the error so that they know
// what they gave. SLIP-132 lists these for Bitcoin's other script types.
constexpr KnownVersion kOtherVersions[] = {
    {"xprv", 0x0488ADE4U, true},  {"tprv", 0x04358394U, true},  {"yprv", 0x049D7878U, true},
    {"zprv", 0x04B2430CU, true},  {"uprv", 0x044A4E28U, true},  {"vprv", 0x045F18BCU, true},
    {"Yprv", 0x0295B005U, true},  {"Zprv", 0x02AA7A99U, true},  {"ypub", 0x049D7CB2U, false},
    {"zpub", 0x04B24746U, false}, {"upub", 0x044A5262U, false}, {"vpub", 0x045F1CF6U, false},
    {"Ypub", 0x0295B43FU, false}, {"Zpub", 0x02AA7ED3U, false},
};

std::string hex32(std::uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::uint32_t read_be32(const std::uint8_t* p) noexcept {
  return (static_cast<std::uint32_t>(p[0]) << 24U) | (static_cast<std::uint32_t>(p[1]) << 16U) |
         (static_cast<std::uint32_t>(p[2]) << 8U) | static_cast<std::uint32_t>(p[3]);
}

void write_be32(std::uint32_t v, std::uint8_t* p) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24U);
  p[1] = static_cast<std::uint8_t>(v >> 16U);
  p[2] = static_cast<std::uint8_t>(v >> 8U);
  p[3] = static_cast<std::uint8_t>(v);
}

Status bad(std::string message) {
  return Status(ErrorCode::kInvalidArgument, "hd: " + std::move(message));
}

const secp256k1_context* ctx() noexcept {
  // libsecp256k1 asks users of the static context to run its self test once
  // first (it aborts if the build is broken). Thread-safe one-time init.
  static const bool tested = [] {
    secp256k1_selftest();
    return true;
  }();
  static_cast<void>(tested);
  return secp256k1_context_static;
}

// Serializes `key` both ways; false only if libsecp256k1 misbehaves.
bool serialize(const secp256k1_pubkey& key, std::array<std::uint8_t, 33>& compressed,
               std::array<std::uint8_t, 64>& xy) noexcept {
  std::size_t len = compressed.size();
  if (secp256k1_ec_pubkey_serialize(ctx(), compressed.data(), &len, &key,
                                    SECP256K1_EC_COMPRESSED) != 1 ||
      len != compressed.size()) {
    return false;
  }
  std::array<std::uint8_t, 65> full{};
  len = full.size();
  if (secp256k1_ec_pubkey_serialize(ctx(), full.data(), &len, &key, SECP256K1_EC_UNCOMPRESSED) !=
          1 ||
      len != full.size()) {
    return false;
  }
  std::copy(full.begin() + 1, full.end(), xy.begin());
  return true;
}

}  // namespace

Result<ExtendedPublicKey> ExtendedPublicKey::parse(std::string_view text) {
  if (text.empty()) return bad("empty extended public key");
  if (const std::size_t pos = base58_find_invalid(text); pos != std::string_view::npos) {
    return bad("bad character " + quote_char(text[pos]) + " at position " + std::to_string(pos) +
               " (not base58)");
  }
  if (text.size() > kMaxText) {
    return bad("extended key is " + std::to_string(text.size()) + " characters long; expected " +
               std::to_string(kSpellingSize));
  }
  Result<Bytes> decoded = base58_decode(text);
  if (!decoded.ok()) return decoded.status().with_context("hd");
  const Bytes& raw = *decoded;
  if (raw.size() != kPayloadSize + 4) {
    return bad("extended key decodes to " + std::to_string(raw.size()) + " bytes; expected " +
               std::to_string(kPayloadSize) + " + a 4-byte checksum");
  }
  const Hash256 check = double_sha256(ByteView(raw.data(), kPayloadSize));
  if (!std::equal(check.begin(), check.begin() + 4, raw.begin() + kPayloadSize)) {
    return Status(ErrorCode::kChecksumMismatch,
                  "hd: base58check checksum does not match (a mistyped extended key?)");
  }
  const std::uint8_t* p = raw.data();
  const std::uint32_t version = read_be32(p);
  if (version != kXpub && version != kTpub) {
    for (const auto& known : kOtherVersions) {
      if (known.bytes != version) continue;
      if (known.is_private) {
        return bad("bad version bytes " + hex32(version) + " (an extended private key, " +
                   known.name + "; usd1pay is watch-only: give the account's xpub)");
      }
      return Status(ErrorCode::kUnsupported,
                    "hd: unsupported version bytes " + hex32(version) + " (" + known.name +
                        "); usd1pay takes xpub (0x0488b21e) or tpub (0x043587cf)");
    }
    return Status(ErrorCode::kUnsupported, "hd: unsupported version bytes " + hex32(version) +
                                               "; usd1pay takes xpub (0x0488b21e) or tpub "
                                               "(0x043587cf)");
  }
  ExtendedPublicKey key;
  key.testnet_ = version == kTpub;
  key.depth_ = p[4];
  std::copy(p + 5, p + 9, key.parent_fingerprint_.begin());
  key.child_number_ = read_be32(p + 9);
  std::copy(p + 13, p + 45, key.chain_code_.begin());
  std::copy(p + 45, p + 78, key.public_key_.begin());
  if (key.depth_ == 0) {
    if (key.parent_fingerprint_ != std::array<std::uint8_t, 4>{}) {
      return bad("depth 0 (a master key) with a non-zero parent fingerprint " +
                 hex_encode(key.parent_fingerprint_));
    }
    if (key.child_number_ != 0) {
      return bad("depth 0 (a master key) with a non-zero child number " +
                 std::to_string(key.child_number_));
    }
  }
  const std::uint8_t prefix = key.public_key_[0];
  if (prefix == 0x00) {
    return bad("key data at byte 45 starts with 0x00, the private-key form; usd1pay is watch-only");
  }
  if (prefix != 0x02 && prefix != 0x03) {
    return bad("public key prefix " + hex_encode(ByteView(&key.public_key_[0], 1), true) +
               " at byte 45 is not 0x02 or 0x03 (a compressed secp256k1 point)");
  }
  secp256k1_pubkey point;
  if (secp256k1_ec_pubkey_parse(ctx(), &point, key.public_key_.data(), key.public_key_.size()) !=
      1) {
    return bad("public key " + hex_encode(key.public_key_) + " is not a point on secp256k1");
  }
  if (!serialize(point, key.public_key_, key.point_)) {
    return Status(ErrorCode::kInternal, "hd: libsecp256k1 could not serialize a parsed key");
  }
  return key;
}

std::string ExtendedPublicKey::to_string() const {
  std::array<std::uint8_t, kPayloadSize> raw{};
  write_be32(testnet_ ? kTpub : kXpub, raw.data());
  raw[4] = depth_;
  std::copy(parent_fingerprint_.begin(), parent_fingerprint_.end(), raw.begin() + 5);
  write_be32(child_number_, raw.data() + 9);
  std::copy(chain_code_.begin(), chain_code_.end(), raw.begin() + 13);
  std::copy(public_key_.begin(), public_key_.end(), raw.begin() + 45);
  return base58check_encode(raw);
}

Result<ExtendedPublicKey> ExtendedPublicKey::derive_child(std::uint32_t index) const {
  if (index >= kHardened) {
    return bad("index " + std::to_string(index) +
               " is hardened (>= 2^31); hardened derivation needs the private key, which "
               "usd1pay never holds");
  }
  if (depth_ == 0xFF) {
    return Status(ErrorCode::kOutOfRange,
                  "hd: a key at depth 255 (the maximum) has no children to derive");
  }
  // I = HMAC-SHA512(key = chain code, data = serP(K) || ser32(i)).
  std::array<std::uint8_t, 37> data{};
  std::copy(public_key_.begin(), public_key_.end(), data.begin());
  write_be32(index, data.data() + 33);
  const Hash512 i = hmac_sha512(chain_code_, data);

  std::array<std::uint8_t, 65> full{};
  full[0] = 0x04;
  std::copy(point_.begin(), point_.end(), full.begin() + 1);
  secp256k1_pubkey point;
  if (secp256k1_ec_pubkey_parse(ctx(), &point, full.data(), full.size()) != 1) {
    return Status(ErrorCode::kInternal, "hd: libsecp256k1 refused a key it parsed before");
  }
  const bool il_zero =
      std::all_of(i.begin(), i.begin() + 32, [](std::uint8_t b) { return b == 0; });
  // IL = 0 gives the parent's point, a valid child by BIP-32; libsecp256k1
  // refuses a zero tweak, so it is not asked. Otherwise it refuses exactly
  // BIP-32's invalid cases: IL >= n, or a sum that is the point at infinity.
  if (!il_zero && secp256k1_ec_pubkey_tweak_add(ctx(), &point, i.data()) != 1) {
    return Status(ErrorCode::kOutOfRange,
                  "hd: child " + std::to_string(index) +
                      " is invalid (IL >= n or the point at infinity); skip to index " +
                      std::to_string(index + 1) + ", as BIP-32 says");
  }
  ExtendedPublicKey child;
  child.testnet_ = testnet_;
  child.depth_ = static_cast<std::uint8_t>(depth_ + 1);
  child.child_number_ = index;
  child.parent_fingerprint_ = fingerprint();
  std::copy(i.begin() + 32, i.end(), child.chain_code_.begin());
  if (!serialize(point, child.public_key_, child.point_)) {
    return Status(ErrorCode::kInternal, "hd: libsecp256k1 could not serialize a derived key");
  }
  return child;
}

Result<ExtendedPublicKey> ExtendedPublicKey::derive_path(std::string_view relative_path) const {
  if (!relative_path.empty() && (relative_path[0] == 'm' || relative_path[0] == 'M')) {
    return bad("path \"" + std::string(relative_path) +
               "\" is absolute (starts with 'm' at position 0); give a path relative to this "
               "key, such as \"0/5\"");
  }
  // Read the whole path before deriving, so that a bad path costs nothing.
  std::uint32_t indexes[256];
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < relative_path.size() || (pos > 0 && pos == relative_path.size())) {
    const std::size_t start = pos;
    std::uint64_t value = 0;
    while (pos < relative_path.size() && relative_path[pos] != '/') {
      const char c = relative_path[pos];
      if (c == '\'' || c == 'h' || c == 'H') {
        return bad("hardened marker " + quote_char(c) + " at position " + std::to_string(pos) +
                   " in path; hardened derivation needs the private key, which usd1pay never "
                   "holds");
      }
      if (c < '0' || c > '9') {
        return bad("bad character " + quote_char(c) + " at position " + std::to_string(pos) +
                   " in path (expected digits and '/')");
      }
      value = value * 10U + static_cast<std::uint64_t>(c - '0');
      if (value >= kHardened) {
        return bad("index at position " + std::to_string(start) +
                   " in path is >= 2^31 (2147483648), a hardened index; hardened derivation "
                   "needs the private key");
      }
      ++pos;
    }
    if (pos == start) {
      return bad("empty path component at position " + std::to_string(start));
    }
    if (count + depth_ >= 255) {
      return Status(ErrorCode::kOutOfRange, "hd: path is too deep at position " +
                                                std::to_string(start) +
                                                " (depth would exceed 255)");
    }
    indexes[count++] = static_cast<std::uint32_t>(value);
    if (pos == relative_path.size()) break;
    ++pos;  // the '/'
  }
  ExtendedPublicKey key = *this;
  for (std::size_t n = 0; n < count; ++n) {
    Result<ExtendedPublicKey> next = key.derive_child(indexes[n]);
    if (!next.ok()) return next.status();
    key = *std::move(next);
  }
  return key;
}

std::array<std::uint8_t, 4> ExtendedPublicKey::fingerprint() const {
  const hd_detail::Hash160 h = hd_detail::hash160(public_key_);
  return {h[0], h[1], h[2], h[3]};
}

std::array<std::uint8_t, 20> ExtendedPublicKey::evm_account() const {
  const Hash256 digest = keccak256(ByteView(point_));
  std::array<std::uint8_t, 20> account{};
  std::copy(digest.begin() + 12, digest.end(), account.begin());
  return account;
}

std::string ExtendedPublicKey::evm_address() const {
  return evm_checksum_address(evm_account());
}

std::string ExtendedPublicKey::tron_address() const {
  return tron_address_from_account(evm_account());
}

bool operator==(const ExtendedPublicKey& a, const ExtendedPublicKey& b) {
  return a.testnet_ == b.testnet_ && a.depth_ == b.depth_ && a.child_number_ == b.child_number_ &&
         a.parent_fingerprint_ == b.parent_fingerprint_ && a.chain_code_ == b.chain_code_ &&
         a.public_key_ == b.public_key_;
}

}  // namespace usd1pay
