// Emulation prevention (7.4.1) and the Annex B byte stream (B.1).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "h264_syntax.h"

namespace gearbox::vaapi::h264 {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes escape(const Bytes& b) {
  return escape_rbsp(b.data(), b.size());
}
Bytes unescape(const Bytes& b) {
  return unescape_rbsp(b.data(), b.size());
}

TEST(Nal, EscapesEveryStartCodePrefix) {
  EXPECT_EQ(escape({0, 0, 0}), (Bytes{0, 0, 3, 0}));
  EXPECT_EQ(escape({0, 0, 1}), (Bytes{0, 0, 3, 1}));
  EXPECT_EQ(escape({0, 0, 2}), (Bytes{0, 0, 3, 2}));
  EXPECT_EQ(escape({0, 0, 3}), (Bytes{0, 0, 3, 3}));
  EXPECT_EQ(escape({0, 0, 4}), (Bytes{0, 0, 4}));
  EXPECT_EQ(escape({0, 1, 0, 1}), (Bytes{0, 1, 0, 1}));
  // The count restarts after an inserted byte: 00 00 | 00 00 | 00.
  EXPECT_EQ(escape({0, 0, 0, 0, 0, 9}), (Bytes{0, 0, 3, 0, 0, 3, 0, 9}));
  EXPECT_EQ(escape({0x25, 0, 0, 1, 0x80}), (Bytes{0x25, 0, 0, 3, 1, 0x80}));
}

TEST(Nal, TrailingZeroWordGetsAFinal03) {
  // An RBSP ending in a cabac_zero_word: without the 03 the NAL unit would end in 00.
  EXPECT_EQ(escape({0x80, 0, 0}), (Bytes{0x80, 0, 0, 3}));
  EXPECT_EQ(unescape({0x80, 0, 0, 3}), (Bytes{0x80, 0, 0}));
  EXPECT_EQ(escape({0x80, 0, 0, 0, 0}), (Bytes{0x80, 0, 0, 3, 0, 0, 3}));
  EXPECT_EQ(unescape({0x80, 0, 0, 3, 0, 0, 3}), (Bytes{0x80, 0, 0, 0, 0}));
}

TEST(Nal, UnescapeDropsOnlyEmulationBytes) {
  EXPECT_EQ(unescape({0, 0, 3, 0}), (Bytes{0, 0, 0}));
  EXPECT_EQ(unescape({0, 0, 3, 3}), (Bytes{0, 0, 3}));
  EXPECT_EQ(unescape({0, 3, 0}), (Bytes{0, 3, 0}));
  EXPECT_EQ(unescape({3, 0, 0, 3, 0, 0, 3, 1}), (Bytes{3, 0, 0, 0, 0, 1}));
}

TEST(Nal, RoundTripOfZeroHeavyData) {
  std::mt19937 random(7);
  for (int n = 0; n < 500; ++n) {
    Bytes rbsp(random() % 64);
    // Mostly zeros and small values, where emulation prevention acts.
    for (auto& b : rbsp) b = random() % 3 ? static_cast<uint8_t>(random() % 4) : 0;
    const Bytes escaped = escape(rbsp);
    EXPECT_EQ(unescape(escaped), rbsp);
    // No start code prefix (00 00 0x, x <= 2) survives, and no 00 00 03 is left ambiguous.
    for (size_t i = 0; i + 2 < escaped.size(); ++i) {
      if (escaped[i] == 0 && escaped[i + 1] == 0) {
        EXPECT_EQ(escaped[i + 2], 3) << "at " << i;
      }
    }
  }
}

TEST(Nal, SplitsAtThreeAndFourByteStartCodes) {
  const Bytes stream = {0xAA,                                      // garbage before the first
                        0,    0, 0, 1,    0x67, 0x64,              // SPS (nal_ref_idc 3)
                        0,    0, 1, 0x68, 0xEE,                    // PPS after a 3-byte start code
                        0,    0, 0, 1,    0x45, 0x88, 0, 0, 3, 1,  // IDR slice (ref_idc 2)
                        0,    0, 0, 1,    0x01, 0x9A, 0, 0};       // P slice, trailing_zero_8bits
  const std::vector<NalUnit> units = split_annexb(stream.data(), stream.size());
  ASSERT_EQ(units.size(), 4u);
  EXPECT_EQ(units[0].type, kNalSps);
  EXPECT_EQ(units[0].ref_idc, 3);
  EXPECT_EQ(Bytes(units[0].payload, units[0].payload + units[0].payload_size), (Bytes{0x64}));
  EXPECT_EQ(units[1].type, kNalPps);
  EXPECT_EQ(Bytes(units[1].payload, units[1].payload + units[1].payload_size), (Bytes{0xEE}));
  EXPECT_EQ(units[2].type, kNalSliceIdr);
  EXPECT_EQ(units[2].ref_idc, 2);
  EXPECT_EQ(Bytes(units[2].payload, units[2].payload + units[2].payload_size),
            (Bytes{0x88, 0, 0, 3, 1}));
  EXPECT_EQ(units[3].type, kNalSliceNonIdr);
  EXPECT_EQ(units[3].ref_idc, 0);
  // trailing_zero_8bits belong to no NAL unit (a NAL unit never ends in 00).
  EXPECT_EQ(Bytes(units[3].payload, units[3].payload + units[3].payload_size), (Bytes{0x9A}));
  EXPECT_TRUE(split_annexb(stream.data(), 4).empty());
}

TEST(Nal, AnnexbNalWritesStartCodeHeaderAndEscapedRbsp) {
  const Bytes nal = annexb_nal(kNalPps, 3, {0xCE, 0, 0, 1});
  EXPECT_EQ(nal, (Bytes{0, 0, 0, 1, 0x68, 0xCE, 0, 0, 3, 1}));
  const std::vector<NalUnit> units = split_annexb(nal.data(), nal.size());
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].type, kNalPps);
  EXPECT_EQ(units[0].ref_idc, 3);
  EXPECT_EQ(unescape_rbsp(units[0].payload, units[0].payload_size), (Bytes{0xCE, 0, 0, 1}));
}

}  // namespace
}  // namespace gearbox::vaapi::h264
