#include "usd1pay/hash.h"

#include <gtest/gtest.h>

#include <string>

#include "usd1pay/encoding.h"

namespace usd1pay {
namespace {

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& h) {
  return hex_encode(h);
}

// Bytes 0, 1, 2, ... (mod 256), the pattern used for the boundary vectors.
Bytes counting(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i & 0xff);
  return b;
}

TEST(Keccak256Test, PublishedVectors) {
  EXPECT_EQ(hex(keccak256("")), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(hex(keccak256("abc")),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  EXPECT_EQ(hex(keccak256("The quick brown fox jumps over the lazy dog")),
            "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
  // The ERC-20 Transfer event topic.
  EXPECT_EQ(hex(keccak256("Transfer(address,address,uint256)")),
            "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
}

TEST(Keccak256Test, IsNotSha3) {
  // FIPS 202 SHA3-256("") is a7ffc6f8...; Keccak's original padding differs.
  EXPECT_NE(hex(keccak256("")).substr(0, 8), "a7ffc6f8");
}

// Lengths around the 136-byte rate; digests computed by ethers.keccak256
// (node, @noble/hashes) on the counting pattern.
struct BoundaryCase {
  std::size_t length;
  const char* digest;
};
const BoundaryCase kBoundaryCases[] = {
    {135, "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62"},
    {136, "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e"},
    {137, "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db"},
    {200, "bfb0aa97863e797943cf7c33bb7e880bb4543f3d2703c0923c6901c2af57b890"},
    {272, "fdf2ec49e749960d3c8521a0219af8d03e30e2b3bf19bd16150ee0eaf133d66e"},
};

TEST(Keccak256Test, RateBoundaries) {
  for (const auto& c : kBoundaryCases) {
    EXPECT_EQ(hex(keccak256(counting(c.length))), c.digest) << "length " << c.length;
  }
}

TEST(Keccak256Test, IncrementalMatchesOneShotForEverySplit) {
  const Bytes data = counting(300);
  for (std::size_t len : {0u, 1u, 135u, 136u, 137u, 271u, 272u, 300u}) {
    const Hash256 expected = keccak256(ByteView(data.data(), len));
    for (std::size_t split = 0; split <= len; split += (len > 20 ? 7 : 1)) {
      Keccak256 k;
      k.update(ByteView(data.data(), split)).update(ByteView(data.data() + split, len - split));
      EXPECT_EQ(k.finish(), expected) << "length " << len << " split " << split;
    }
  }
  // Byte by byte, and reuse after finish().
  Keccak256 k;
  for (std::size_t i = 0; i < 200; ++i) k.update(ByteView(data.data() + i, 1));
  EXPECT_EQ(hex(k.finish()), "bfb0aa97863e797943cf7c33bb7e880bb4543f3d2703c0923c6901c2af57b890");
  EXPECT_EQ(hex(k.update("abc").finish()),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, DoubleSha256) {
  EXPECT_EQ(hex(double_sha256(ByteView::of("hello"))),
            "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50");
}

// RFC 4231 test cases 1, 2, 6 and 7 (keys shorter and longer than a block).
TEST(HmacTest, Rfc4231) {
  const Bytes key1(20, 0x0b);
  EXPECT_EQ(hex(hmac_sha256(key1, ByteView::of("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(hmac_sha512(key1, ByteView::of("Hi There"))),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
            "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
  const auto jefe = ByteView::of("Jefe");
  const auto what = ByteView::of("what do ya want for nothing?");
  EXPECT_EQ(hex(hmac_sha256(jefe, what)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(hmac_sha512(jefe, what)),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  const Bytes key6(131, 0xaa);
  const auto data6 = ByteView::of("Test Using Larger Than Block-Size Key - Hash Key First");
  EXPECT_EQ(hex(hmac_sha256(key6, data6)),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(hex(hmac_sha512(key6, data6)),
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
            "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
}

TEST(HmacTest, EmptyKeyAndEmptyMessage) {
  // HMAC-SHA256 with an empty key of an empty message (Python's hmac module
  // gives the same digest).
  EXPECT_EQ(hex(hmac_sha256(ByteView(), ByteView())),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEqualTest, ComparesContentAndLength) {
  const Bytes a = {1, 2, 3};
  const Bytes b = {1, 2, 3};
  const Bytes c = {1, 2, 4};
  const Bytes d = {1, 2};
  EXPECT_TRUE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, c));
  EXPECT_FALSE(constant_time_equal(a, d));
  EXPECT_TRUE(constant_time_equal(ByteView(), ByteView()));
  EXPECT_FALSE(constant_time_equal(ByteView(), d));
}

}  // namespace
}  // namespace usd1pay
