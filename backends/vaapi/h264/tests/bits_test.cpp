// u(n), ue(v), se(v), trailing and alignment bits (H.264 7.2, 9.1) against hand-worked codes.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "h264_syntax.h"

namespace gearbox::vaapi::h264 {
namespace {

// The writer's bits as a string of 0s and 1s.
std::string bit_string(const BitWriter& w) {
  std::string s;
  for (size_t i = 0; i < w.bit_count(); ++i)
    s += ((w.bytes()[i / 8] >> (7 - i % 8)) & 1) ? '1' : '0';
  return s;
}

std::string ue_bits(uint32_t value) {
  BitWriter w;
  w.ue(value);
  return bit_string(w);
}

std::string se_bits(int32_t value) {
  BitWriter w;
  w.se(value);
  return bit_string(w);
}

TEST(Bits, UeCodesOfEdgeValues) {
  EXPECT_EQ(ue_bits(0), "1");
  EXPECT_EQ(ue_bits(1), "010");
  EXPECT_EQ(ue_bits(2), "011");
  EXPECT_EQ(ue_bits(3), "00100");
  EXPECT_EQ(ue_bits(6), "00111");
  EXPECT_EQ(ue_bits(7), "0001000");
  // 2^16: code 2^16 + 1 in 17 bits after 16 zeros.
  EXPECT_EQ(ue_bits(65536), std::string(16, '0') + "1" + std::string(15, '0') + "1");
  // 2^32 - 2, the largest ue(v): 31 zeros, then 2^32 - 1 in 32 bits.
  EXPECT_EQ(ue_bits(4294967294u), std::string(31, '0') + std::string(32, '1'));
}

TEST(Bits, SeCodesOfEdgeValues) {
  EXPECT_EQ(se_bits(0), "1");
  EXPECT_EQ(se_bits(1), "010");
  EXPECT_EQ(se_bits(-1), "011");
  EXPECT_EQ(se_bits(2), "00100");
  EXPECT_EQ(se_bits(-2), "00101");
  // 2^31 - 1 -> code 2^32 - 3; -(2^31 - 1) -> code 2^32 - 2.
  EXPECT_EQ(se_bits(2147483647), std::string(31, '0') + std::string(30, '1') + "10");
  EXPECT_EQ(se_bits(-2147483647), std::string(31, '0') + std::string(32, '1'));
}

TEST(Bits, FixedWidthBitsMostSignificantFirst) {
  BitWriter w;
  w.bits(0b101, 3);
  w.ue(3);  // 00100
  EXPECT_EQ(w.bit_count(), 8u);
  ASSERT_EQ(w.bytes().size(), 1u);
  EXPECT_EQ(w.bytes()[0], 0xA4);
  w.bits(0xDEADBEEF, 32);
  w.flag(true);
  EXPECT_FALSE(w.byte_aligned());
  EXPECT_EQ(w.bytes(), (std::vector<uint8_t>{0xA4, 0xDE, 0xAD, 0xBE, 0xEF, 0x80}));
}

TEST(Bits, TrailingBitsAndAlignment) {
  BitWriter w;
  w.bits(0, 3);
  w.trailing_bits();
  EXPECT_EQ(bit_string(w), "00010000");
  w.trailing_bits();  // at a byte boundary: a whole byte 0x80
  EXPECT_EQ(bit_string(w), "0001000010000000");

  BitWriter a;
  a.bits(0, 5);
  a.align_with_ones();
  EXPECT_EQ(bit_string(a), "00000111");
  a.align_with_ones();  // already aligned: nothing
  EXPECT_EQ(a.bit_count(), 8u);
}

TEST(Bits, RoundTripOfMixedValues) {
  const std::vector<uint32_t> ues = {0,   1,   2,     3,     7,        8,
                                     255, 256, 65535, 65536, 1u << 31, 4294967294u};
  const std::vector<int32_t> ses = {0,    1,     -1,     2,          -2,         127,
                                    -128, 65536, -65536, 2147483647, -2147483647};
  BitWriter w;
  for (uint32_t v : ues) {
    w.ue(v);
    w.bits(v & 0x1f, 5);
  }
  for (int32_t v : ses) {
    w.se(v);
    w.flag(v < 0);
  }
  w.bits(0xFFFFFFFFu, 32);
  w.trailing_bits();

  BitReader r(w.bytes().data(), w.bytes().size());
  for (uint32_t v : ues) {
    EXPECT_EQ(r.ue(), v);
    EXPECT_EQ(r.bits(5), v & 0x1f);
  }
  for (int32_t v : ses) {
    EXPECT_EQ(r.se(), v);
    EXPECT_EQ(r.flag(), v < 0);
  }
  EXPECT_EQ(r.bits(32), 0xFFFFFFFFu);
  EXPECT_TRUE(r.flag());
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.position() + r.bits_left(), w.bytes().size() * 8);
}

TEST(Bits, ReadsPastTheEndFail) {
  const uint8_t data[] = {0xFF};
  BitReader r(data, 1);
  EXPECT_EQ(r.bits(7), 0x7Fu);
  EXPECT_EQ(r.bits_left(), 1u);
  EXPECT_EQ(r.bits(2), 0u);
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(r.bits_left(), 0u);
  EXPECT_EQ(r.flag(), false);  // stays failed

  // A ue(v) whose prefix runs off the end.
  const uint8_t zeros[] = {0x00, 0x01};
  BitReader u(zeros, 2);
  EXPECT_EQ(u.ue(), 0u);
  EXPECT_TRUE(u.failed());

  // 32 leading zeros: beyond the largest ue(v), refused rather than wrapped.
  const uint8_t long_prefix[] = {0, 0, 0, 0, 0x80, 0, 0, 0, 0};
  BitReader l(long_prefix, sizeof long_prefix);
  l.ue();
  EXPECT_TRUE(l.failed());
}

}  // namespace
}  // namespace gearbox::vaapi::h264
