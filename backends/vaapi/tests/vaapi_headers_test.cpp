// The headers one rendition's encoder writes (vaapi_headers.h): the level chosen, the VA buffers
// agreeing with the parameter sets the h264 module parses back, and the packed slice header's
// exact bit length. No driver needed.
#include <gtest/gtest.h>

#include "h264_syntax.h"
#include "vaapi_headers.h"

namespace gearbox::vaapi {
namespace {

EncoderConfig config(int w, int h, Rational rate = {25, 1}) {
  EncoderConfig c;
  c.width = w;
  c.height = h;
  c.frame_rate = rate;
  c.bitrate_kbps = 3000;
  return c;
}

TEST(VaapiHeaders, LevelIsTheSmallestThatHoldsTheRendition) {
  EXPECT_EQ(level_for(1920, 1080, {30, 1}, 6000000), 40);
  EXPECT_EQ(level_for(1920, 1080, {60, 1}, 6000000), 42);
  EXPECT_EQ(level_for(1280, 720, {30, 1}, 3000000), 31);
  EXPECT_EQ(level_for(640, 360, {25, 1}, 800000), 30);
  EXPECT_EQ(level_for(176, 144, {15, 1}, 64000), 10);
  // The bitrate alone can raise it: 1080p30 at 30 Mbit/s is past level 4.0's 25 Mbit/s (High).
  EXPECT_EQ(level_for(1920, 1080, {30, 1}, 30000000), 41);
  EXPECT_EQ(level_for(3840, 2160, {30, 1}, 20000000), 51);
}

TEST(VaapiHeaders, SequenceBufferAgreesWithTheSpsWritten) {
  const RenditionHeaders h = make_headers(config(1280, 720, {30000, 1001}), 3000000);
  auto parsed = h264::parse_sps(h264::write_sps(h.sps));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const h264::Sps& s = parsed.value();
  const VAEncSequenceParameterBufferH264 b = sequence_buffer(h, 3000000);
  EXPECT_EQ(s.profile_idc, 100);
  EXPECT_EQ(b.level_idc, s.level_idc);
  EXPECT_EQ(b.picture_width_in_mbs, s.width_in_mbs);
  EXPECT_EQ(b.picture_height_in_mbs, s.height_in_mbs);
  EXPECT_EQ(s.width(), 1280);
  EXPECT_EQ(s.height(), 720);
  EXPECT_EQ(b.intra_period, 0u);
  EXPECT_EQ(b.intra_idr_period, 0u);
  EXPECT_EQ(b.ip_period, 1u);
  EXPECT_EQ(b.max_num_ref_frames, 1u);
  EXPECT_EQ(b.seq_fields.bits.pic_order_cnt_type, static_cast<uint32_t>(s.pic_order_cnt_type));
  EXPECT_EQ(b.seq_fields.bits.log2_max_frame_num_minus4,
            static_cast<uint32_t>(s.log2_max_frame_num_minus4));
  EXPECT_EQ(b.time_scale, 60000u);
  EXPECT_EQ(b.num_units_in_tick, 1001u);
  EXPECT_EQ(s.vui.time_scale, 60000u);
  EXPECT_EQ(s.vui.num_units_in_tick, 1001u);
  EXPECT_TRUE(s.vui.bitstream_restriction);
  // BT.601 limited range, what the upload's conversion produces.
  EXPECT_FALSE(s.vui.video_full_range);
  EXPECT_EQ(s.vui.colour_primaries, 6);
  EXPECT_EQ(s.vui.transfer_characteristics, 6);
  EXPECT_EQ(s.vui.matrix_coefficients, 6);
}

TEST(VaapiHeaders, CroppingCoversSizesOffTheMacroblockGrid) {
  const RenditionHeaders h = make_headers(config(640, 360), 800000);
  const VAEncSequenceParameterBufferH264 b = sequence_buffer(h, 800000);
  EXPECT_EQ(b.picture_height_in_mbs, 23);
  EXPECT_EQ(b.frame_cropping_flag, 1);
  EXPECT_EQ(b.frame_crop_bottom_offset, 4u);  // 368 - 360 rows, in 2-row units
}

TEST(VaapiHeaders, PackedSliceHeaderCountsExactlyItsBits) {
  const RenditionHeaders h = make_headers(config(320, 240), 500000);
  PictureOrder p;
  p.frame_num = 3;
  p.order = 3;
  p.idr_pic_id = 1;
  const PackedHeader packed = packed_slice_header(h, p);
  h264::BitWriter alone;
  h264::write_slice_header(alone, slice_header(h, p), h.sps, h.pps);
  EXPECT_EQ(packed.bits, 40 + alone.bit_count());
  ASSERT_GE(packed.bytes.size(), 5u);
  EXPECT_EQ(packed.bytes[3], 1);
  EXPECT_EQ(packed.bytes[4], 0x61);  // nal_ref_idc 3, type 1 (a P slice)
  h264::BitReader reader(packed.bytes.data() + 5, packed.bytes.size() - 5);
  auto parsed = h264::parse_slice_header(reader, h264::kNalSliceNonIdr, 3, h.sps, h.pps);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed.value().frame_num, 3);
  EXPECT_EQ(parsed.value().slice_type % 5, h264::kSliceP);
  EXPECT_EQ(reader.position(), alone.bit_count());
}

TEST(VaapiHeaders, PictureAndSliceBuffersReferenceThePreviousPicture) {
  const RenditionHeaders h = make_headers(config(320, 240), 500000);
  PictureOrder idr;
  idr.idr = true;
  PictureOrder p;
  p.frame_num = 1;
  p.order = 1;
  const auto pic = picture_buffer(h, p, 11, 10, idr, 99);
  EXPECT_EQ(pic.CurrPic.picture_id, 11u);
  EXPECT_EQ(pic.CurrPic.TopFieldOrderCnt, 2);
  EXPECT_EQ(pic.ReferenceFrames[0].picture_id, 10u);
  EXPECT_EQ(pic.ReferenceFrames[1].picture_id, VA_INVALID_SURFACE);
  EXPECT_EQ(pic.pic_fields.bits.idr_pic_flag, 0u);
  EXPECT_EQ(pic.coded_buf, 99u);
  const auto slice = slice_buffer(h, p, 10, idr);
  EXPECT_EQ(slice.slice_type, 0);
  EXPECT_EQ(slice.num_macroblocks, 20u * 15u);
  EXPECT_EQ(slice.RefPicList0[0].picture_id, 10u);
  EXPECT_EQ(slice.RefPicList0[1].flags, static_cast<uint32_t>(VA_PICTURE_H264_INVALID));
  const auto first = picture_buffer(h, idr, 10, VA_INVALID_SURFACE, idr, 99);
  EXPECT_EQ(first.pic_fields.bits.idr_pic_flag, 1u);
  EXPECT_EQ(first.ReferenceFrames[0].picture_id, VA_INVALID_SURFACE);
}

}  // namespace
}  // namespace gearbox::vaapi
