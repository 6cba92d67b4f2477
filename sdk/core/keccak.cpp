// Keccak-256 as Ethereum uses it.
//
// Keccak (the SHA-3 competition winner, before FIPS 202 changed its padding)
// is a sponge over the Keccak-f[1600] permutation: a 5x5 array of 64-bit lanes,
// 24 rounds of theta, rho, pi, chi and iota. Keccak-256 uses capacity 512 bits,
// so each permutation absorbs a rate of 136 bytes, XORed into the lanes little
// endian. The last block is padded with the byte 0x01 after the message and
// 0x80 ORed into its final byte (pad10*1 with Keccak's original domain bits);
// FIPS 202 SHA3-256 pads with 0x06 instead, which is why OpenSSL's SHA3-256
// is not usable here. The digest is the first 32 bytes of the state.
//
// The permutation is written out lane by lane (25 locals, theta folded into
// the rho/pi step) so that the compiler keeps the state in registers: EIP-55
// validation is one permutation per address and its speed is that of this
// function.
#include <cstring>

#include "usd1pay/hash.h"

namespace usd1pay {
namespace {

constexpr std::uint64_t kRoundConstants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL,
    0x000000000000808BULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008AULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
    0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

inline std::uint64_t rotl(std::uint64_t v, int n) noexcept {
  return (v << n) | (v >> (64 - n));
}

void keccak_f1600(std::array<std::uint64_t, 25>& s) noexcept {
  std::uint64_t a00 = s[0], a01 = s[1], a02 = s[2], a03 = s[3], a04 = s[4];
  std::uint64_t a05 = s[5], a06 = s[6], a07 = s[7], a08 = s[8], a09 = s[9];
  std::uint64_t a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
  std::uint64_t a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
  std::uint64_t a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
  for (std::uint64_t rc : kRoundConstants) {
    // theta: each lane absorbs the parity of its two neighbouring columns.
    const std::uint64_t c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
    const std::uint64_t c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
    const std::uint64_t c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
    const std::uint64_t c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
    const std::uint64_t c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
    const std::uint64_t d0 = c4 ^ rotl(c1, 1);
    const std::uint64_t d1 = c0 ^ rotl(c2, 1);
    const std::uint64_t d2 = c1 ^ rotl(c3, 1);
    const std::uint64_t d3 = c2 ^ rotl(c4, 1);
    const std::uint64_t d4 = c3 ^ rotl(c0, 1);
    // rho and pi: lane (x, y) rotated by its offset moves to (y, 2x + 3y).
    const std::uint64_t b00 = a00 ^ d0;
    const std::uint64_t b01 = rotl(a06 ^ d1, 44);
    const std::uint64_t b02 = rotl(a12 ^ d2, 43);
    const std::uint64_t b03 = rotl(a18 ^ d3, 21);
    const std::uint64_t b04 = rotl(a24 ^ d4, 14);
    const std::uint64_t b05 = rotl(a03 ^ d3, 28);
    const std::uint64_t b06 = rotl(a09 ^ d4, 20);
    const std::uint64_t b07 = rotl(a10 ^ d0, 3);
    const std::uint64_t b08 = rotl(a16 ^ d1, 45);
    const std::uint64_t b09 = rotl(a22 ^ d2, 61);
    const std::uint64_t b10 = rotl(a01 ^ d1, 1);
    const std::uint64_t b11 = rotl(a07 ^ d2, 6);
    const std::uint64_t b12 = rotl(a13 ^ d3, 25);
    const std::uint64_t b13 = rotl(a19 ^ d4, 8);
    const std::uint64_t b14 = rotl(a20 ^ d0, 18);
    const std::uint64_t b15 = rotl(a04 ^ d4, 27);
    const std::uint64_t b16 = rotl(a05 ^ d0, 36);
    const std::uint64_t b17 = rotl(a11 ^ d1, 10);
    const std::uint64_t b18 = rotl(a17 ^ d2, 15);
    const std::uint64_t b19 = rotl(a23 ^ d3, 56);
    const std::uint64_t b20 = rotl(a02 ^ d2, 62);
    const std::uint64_t b21 = rotl(a08 ^ d3, 55);
    const std::uint64_t b22 = rotl(a14 ^ d4, 39);
    const std::uint64_t b23 = rotl(a15 ^ d0, 41);
    const std::uint64_t b24 = rotl(a21 ^ d1, 2);
    // chi: the only non-linear step, along each row.
    a00 = b00 ^ (~b01 & b02);
    a01 = b01 ^ (~b02 & b03);
    a02 = b02 ^ (~b03 & b04);
    a03 = b03 ^ (~b04 & b00);
    a04 = b04 ^ (~b00 & b01);
    a05 = b05 ^ (~b06 & b07);
    a06 = b06 ^ (~b07 & b08);
    a07 = b07 ^ (~b08 & b09);
    a08 = b08 ^ (~b09 & b05);
    a09 = b09 ^ (~b05 & b06);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
    // iota: breaks the symmetry between rounds.
    a00 ^= rc;
  }
  s[0] = a00, s[1] = a01, s[2] = a02, s[3] = a03, s[4] = a04;
  s[5] = a05, s[6] = a06, s[7] = a07, s[8] = a08, s[9] = a09;
  s[10] = a10, s[11] = a11, s[12] = a12, s[13] = a13, s[14] = a14;
  s[15] = a15, s[16] = a16, s[17] = a17, s[18] = a18, s[19] = a19;
  s[20] = a20, s[21] = a21, s[22] = a22, s[23] = a23, s[24] = a24;
}

inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
#else
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
#endif
}

// XORs one byte into the state at byte offset `pos` of the rate.
inline void xor_byte(std::array<std::uint64_t, 25>& s, std::size_t pos, std::uint8_t b) noexcept {
  s[pos / 8] ^= static_cast<std::uint64_t>(b) << (8 * (pos % 8));
}

inline Hash256 squeeze(const std::array<std::uint64_t, 25>& s) noexcept {
  Hash256 out;
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 8; ++j) {
      out[8 * i + j] = static_cast<std::uint8_t>(s[i] >> (8 * j));
    }
  }
  return out;
}

}  // namespace

Keccak256& Keccak256::update(ByteView data) noexcept {
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  // Finish a partly filled block byte by byte.
  while (n > 0 && used_ != 0) {
    xor_byte(state_, used_, *p++);
    --n;
    if (++used_ == kRate) {
      keccak_f1600(state_);
      used_ = 0;
    }
  }
  // Whole blocks, a lane at a time.
  while (n >= kRate) {
    for (std::size_t i = 0; i < kRate / 8; ++i) state_[i] ^= load_le64(p + 8 * i);
    keccak_f1600(state_);
    p += kRate;
    n -= kRate;
  }
  for (std::size_t i = 0; i < n; ++i) xor_byte(state_, used_ + i, p[i]);
  used_ += n;
  return *this;
}

Hash256 Keccak256::finish() noexcept {
  xor_byte(state_, used_, 0x01);
  xor_byte(state_, kRate - 1, 0x80);
  keccak_f1600(state_);
  const Hash256 out = squeeze(state_);
  state_ = {};
  used_ = 0;
  return out;
}

Hash256 keccak256(ByteView data) noexcept {
  std::array<std::uint64_t, 25> s{};
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  while (n >= Keccak256::kRate) {
    for (std::size_t i = 0; i < Keccak256::kRate / 8; ++i) s[i] ^= load_le64(p + 8 * i);
    keccak_f1600(s);
    p += Keccak256::kRate;
    n -= Keccak256::kRate;
  }
  // The tail is padded in a zeroed block buffer, then absorbed as lanes.
  std::uint8_t block[Keccak256::kRate] = {};
  if (n > 0) std::memcpy(block, p, n);
  block[n] ^= 0x01;
  block[Keccak256::kRate - 1] ^= 0x80;
  for (std::size_t i = 0; i < Keccak256::kRate / 8; ++i) s[i] ^= load_le64(block + 8 * i);
  keccak_f1600(s);
  return squeeze(s);
}

}  // namespace usd1pay
