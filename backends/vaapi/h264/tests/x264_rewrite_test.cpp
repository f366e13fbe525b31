// The model the simulated VA driver relies on: libx264's CABAC slice data decodes the same
// under slice headers and parameter sets this module writes (with its own field choices) as
// under x264's own, when the fields the slice data depends on agree. libavcodec is the judge:
// every frame decodes, and the pictures are byte-identical between the two streams.
#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/pixfmt.h>
}

#include "h264_syntax.h"
#include "h264_test_codecs.h"

namespace gearbox::vaapi::h264 {
namespace {

using Bytes = std::vector<uint8_t>;
using testing::decode_h264;
using testing::Decoded;
using testing::encode_with_x264;
using testing::X264Output;
using testing::X264Run;

Error mismatch(const char* field, int x264_value, int ours) {
  return make_error(ErrorCode::kInvalidArgument, std::string("slice: x264's ") + field + " " +
                                                     std::to_string(x264_value) + " is not " +
                                                     std::to_string(ours));
}

// THE RECIPE (what the simulated driver does with an application's packed slice header): parse
// x264's slice header, keep x264's slice QP (as a delta to the application's pic_init_qp),
// write the application's header, cabac_alignment_one_bits, then x264's slice data to the end
// of its RBSP (which already carries rbsp_stop_one_bit and any cabac_zero_words).
Result<Bytes> rewrite_slice(const NalUnit& x264_slice,
                            const Sps& x264_sps,
                            const Pps& x264_pps,
                            SliceHeader ours,
                            const Sps& sps,
                            const Pps& pps) {
  const Bytes rbsp = unescape_rbsp(x264_slice.payload, x264_slice.payload_size);
  BitReader reader(rbsp.data(), rbsp.size());
  Result<SliceHeader> theirs =
      parse_slice_header(reader, x264_slice.type, x264_slice.ref_idc, x264_sps, x264_pps);
  if (!theirs.ok()) return theirs.error();
  // What the slice data was coded for must be what our header says.
  if (theirs->slice_type != ours.slice_type)
    return mismatch("slice_type", theirs->slice_type, ours.slice_type);
  if (theirs->idr != ours.idr) return mismatch("IDR", theirs->idr, ours.idr);
  if ((theirs->nal_ref_idc != 0) != (ours.nal_ref_idc != 0))
    return mismatch("nal_ref_idc", theirs->nal_ref_idc, ours.nal_ref_idc);
  if (theirs->cabac_init_idc != ours.cabac_init_idc)
    return mismatch("cabac_init_idc", theirs->cabac_init_idc, ours.cabac_init_idc);
  if (theirs->num_ref_idx_l0_active_minus1 != ours.num_ref_idx_l0_active_minus1)
    return mismatch("num_ref_idx_l0_active_minus1", theirs->num_ref_idx_l0_active_minus1,
                    ours.num_ref_idx_l0_active_minus1);
  if (theirs->disable_deblocking_filter_idc != ours.disable_deblocking_filter_idc ||
      theirs->slice_alpha_c0_offset_div2 != ours.slice_alpha_c0_offset_div2 ||
      theirs->slice_beta_offset_div2 != ours.slice_beta_offset_div2)
    return mismatch("disable_deblocking_filter_idc", theirs->disable_deblocking_filter_idc,
                    ours.disable_deblocking_filter_idc);
  while (reader.position() % 8 != 0) {
    if (!reader.flag()) return mismatch("cabac_alignment_one_bit", 0, 1);
  }
  const int slice_qp = 26 + x264_pps.pic_init_qp_minus26 + theirs->slice_qp_delta;
  ours.slice_qp_delta = slice_qp - (26 + pps.pic_init_qp_minus26);

  BitWriter out;
  write_slice_header(out, ours, sps, pps);
  out.align_with_ones();
  Bytes rewritten = out.bytes();
  rewritten.insert(rewritten.end(), rbsp.begin() + static_cast<long>(reader.position() / 8),
                   rbsp.end());
  return annexb_nal(ours.idr ? kNalSliceIdr : kNalSliceNonIdr, ours.nal_ref_idc, rewritten);
}

struct Case {
  int width, height, frames;
  int poc_type;
  int pic_init_qp;
  int log2_max_frame_num_minus4;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.width << "x" << c.height << ", " << c.frames << " frames, pic_order_cnt_type "
      << c.poc_type << ", pic_init_qp " << c.pic_init_qp << ", log2_max_frame_num_minus4 "
      << c.log2_max_frame_num_minus4;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::to_string(info.param.width) + "x" + std::to_string(info.param.height) + "_poc" +
         std::to_string(info.param.poc_type) + "_qp" + std::to_string(info.param.pic_init_qp);
}

const NalUnit* find_nal(const std::vector<NalUnit>& units, int type) {
  for (const NalUnit& u : units)
    if (u.type == type) return &u;
  return nullptr;
}

Bytes rbsp_of(const NalUnit& unit) {
  return unescape_rbsp(unit.payload, unit.payload_size);
}

class X264Rewrite : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    X264Run run;
    run.width = c.width;
    run.height = c.height;
    run.frames = c.frames;
    x264_ = encode_with_x264(run);
    ASSERT_EQ(x264_.error, "");
    ASSERT_EQ(x264_.access_units.size(), static_cast<size_t>(c.frames));

    const std::vector<NalUnit> headers = split_annexb(x264_.headers.data(), x264_.headers.size());
    const NalUnit* sps = find_nal(headers, kNalSps);
    const NalUnit* pps = find_nal(headers, kNalPps);
    ASSERT_TRUE(sps && pps) << "x264_encoder_headers gave no SPS or PPS";
    Result<Sps> parsed_sps = parse_sps(rbsp_of(*sps));
    ASSERT_TRUE(parsed_sps.ok()) << parsed_sps.error().message;
    x264_sps_ = parsed_sps.value();
    Result<Pps> parsed_pps = parse_pps(rbsp_of(*pps), x264_sps_);
    ASSERT_TRUE(parsed_pps.ok()) << parsed_pps.error().message;
    x264_pps_ = parsed_pps.value();

    // Our own choices wherever the slice data does not care.
    sps_.set_size(c.width, c.height);
    sps_.level_idc = 30;
    sps_.pic_order_cnt_type = c.poc_type;
    sps_.log2_max_frame_num_minus4 = c.log2_max_frame_num_minus4;
    sps_.log2_max_pic_order_cnt_lsb_minus4 = 2;
    sps_.vui.num_units_in_tick = 1;
    sps_.vui.time_scale = 50;  // 25 frames a second
    sps_.vui.video_full_range = c.poc_type == 0;
    if (c.poc_type == 0) {  // BT.709 here, SMPTE 170M (the default) elsewhere
      sps_.vui.colour_primaries = sps_.vui.transfer_characteristics = sps_.vui.matrix_coefficients =
          1;
    }
    pps_.pic_init_qp_minus26 = c.pic_init_qp - 26;
  }

  // The x264 stream as x264 wrote it: its SPS and PPS in front of the first picture.
  std::vector<Bytes> x264_stream() const {
    std::vector<Bytes> packets = x264_.access_units;
    packets[0].insert(packets[0].begin(), x264_.headers.begin(), x264_.headers.end());
    return packets;
  }

  // The same slice data under our SPS, PPS and slice headers; SPS and PPS in front of every IDR
  // unless `in_band_headers` is false (then they go to the decoder as extradata).
  std::vector<Bytes> our_stream(const Pps& pps, bool in_band_headers, std::set<int>* qps) {
    const Bytes sps_nal = annexb_nal(kNalSps, 3, write_sps(sps_));
    const Bytes pps_nal = annexb_nal(kNalPps, 3, write_pps(pps, sps_));
    std::vector<Bytes> packets;
    int frame_num = 0, since_idr = 0, idr_count = 0;
    const int max_frame_num = 1 << (sps_.log2_max_frame_num_minus4 + 4);
    const int max_poc_lsb = 1 << (sps_.log2_max_pic_order_cnt_lsb_minus4 + 4);
    for (size_t n = 0; n < x264_.access_units.size(); ++n) {
      const Bytes& unit = x264_.access_units[n];
      const std::vector<NalUnit> nals = split_annexb(unit.data(), unit.size());
      const NalUnit* slice = find_nal(nals, kNalSliceIdr);
      if (!slice) slice = find_nal(nals, kNalSliceNonIdr);
      EXPECT_TRUE(slice) << "no slice in access unit " << n;
      if (!slice) return {};
      const bool idr = n == 0 || n == 10;
      SliceHeader header;
      header.idr = idr;
      header.slice_type = idr ? kSliceI : kSliceP;
      if (idr) {
        frame_num = 0;
        since_idr = 0;
        header.idr_pic_id = idr_count++ % 2;
      }
      header.frame_num = frame_num;
      header.pic_order_cnt_lsb = (2 * since_idr) % max_poc_lsb;
      Result<Bytes> rewritten = rewrite_slice(*slice, x264_sps_, x264_pps_, header, sps_, pps);
      EXPECT_TRUE(rewritten.ok()) << "access unit " << n << ": " << rewritten.error().message;
      if (!rewritten.ok()) return {};
      if (qps) {
        Bytes rbsp = rbsp_of(*slice);
        BitReader r(rbsp.data(), rbsp.size());
        Result<SliceHeader> theirs =
            parse_slice_header(r, slice->type, slice->ref_idc, x264_sps_, x264_pps_);
        qps->insert(26 + x264_pps_.pic_init_qp_minus26 + theirs->slice_qp_delta);
      }
      Bytes packet;
      if (idr && in_band_headers) {
        packet.insert(packet.end(), sps_nal.begin(), sps_nal.end());
        packet.insert(packet.end(), pps_nal.begin(), pps_nal.end());
      }
      packet.insert(packet.end(), rewritten->begin(), rewritten->end());
      packets.push_back(std::move(packet));
      frame_num = (frame_num + 1) % max_frame_num;
      ++since_idr;
    }
    return packets;
  }

  X264Output x264_;
  Sps x264_sps_;
  Pps x264_pps_;
  Sps sps_;
  Pps pps_;
};

TEST_P(X264Rewrite, SliceDataDependsOnlyOnFieldsThatAgree) {
  // The fields x264's CABAC slice data was coded against; ours are the model's defaults.
  EXPECT_EQ(x264_sps_.width_in_mbs, sps_.width_in_mbs);
  EXPECT_EQ(x264_sps_.height_in_mbs, sps_.height_in_mbs);
  EXPECT_EQ(x264_sps_.direct_8x8_inference, sps_.direct_8x8_inference);
  EXPECT_EQ(x264_sps_.chroma_format_idc, 1);
  EXPECT_EQ(x264_pps_.entropy_coding_mode, pps_.entropy_coding_mode);
  EXPECT_EQ(x264_pps_.transform_8x8_mode, pps_.transform_8x8_mode);
  EXPECT_EQ(x264_pps_.chroma_qp_index_offset, pps_.chroma_qp_index_offset);
  EXPECT_EQ(x264_pps_.second_chroma_qp_index_offset, pps_.second_chroma_qp_index_offset);
  EXPECT_EQ(x264_pps_.num_ref_idx_l0_default_active_minus1,
            pps_.num_ref_idx_l0_default_active_minus1);
  EXPECT_EQ(x264_pps_.weighted_pred, pps_.weighted_pred);
  EXPECT_EQ(x264_pps_.constrained_intra_pred, pps_.constrained_intra_pred);
  EXPECT_EQ(x264_pps_.deblocking_filter_control_present, pps_.deblocking_filter_control_present);
  // And where ours differ on purpose, so the test shows those do not matter.
  EXPECT_NE(x264_sps_.log2_max_frame_num_minus4, sps_.log2_max_frame_num_minus4);
}

TEST_P(X264Rewrite, PicturesAreByteIdenticalUnderOurHeaders) {
  const Decoded reference = decode_h264({}, x264_stream());
  ASSERT_TRUE(reference.ok) << reference.error;
  ASSERT_EQ(reference.pictures.size(), static_cast<size_t>(GetParam().frames));

  std::set<int> qps;
  const std::vector<Bytes> ours = our_stream(pps_, true, &qps);
  ASSERT_EQ(ours.size(), x264_.access_units.size());
  // Rate control moved the QP, so the recomputed slice_qp_delta mattered.
  EXPECT_GT(qps.size(), 1u);
  const Decoded decoded = decode_h264({}, ours);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  ASSERT_EQ(decoded.pictures.size(), reference.pictures.size());
  EXPECT_EQ(decoded.width, GetParam().width);
  EXPECT_EQ(decoded.height, GetParam().height);
  for (size_t i = 0; i < reference.pictures.size(); ++i)
    EXPECT_TRUE(decoded.pictures[i] == reference.pictures[i]) << "picture " << i << " differs";
}

TEST_P(X264Rewrite, LibavcodecReadsWhatTheWriterWrote) {
  const Pps pps = pps_;
  const std::vector<Bytes> slices = our_stream(pps, false, nullptr);
  ASSERT_EQ(slices.size(), x264_.access_units.size());
  Bytes extradata = annexb_nal(kNalSps, 3, write_sps(sps_));
  const Bytes pps_nal = annexb_nal(kNalPps, 3, write_pps(pps, sps_));
  extradata.insert(extradata.end(), pps_nal.begin(), pps_nal.end());
  const Decoded decoded = decode_h264(extradata, slices);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  EXPECT_EQ(decoded.pictures.size(), slices.size());
  EXPECT_EQ(decoded.width, GetParam().width);
  EXPECT_EQ(decoded.height, GetParam().height);
  EXPECT_EQ(decoded.profile, FF_PROFILE_H264_HIGH);
  EXPECT_EQ(decoded.level, sps_.level_idc);
  EXPECT_EQ(decoded.framerate_num, 25);
  EXPECT_EQ(decoded.framerate_den, 1);
  // libavutil's enums are H.273's code points.
  EXPECT_EQ(decoded.color_primaries, sps_.vui.colour_primaries);
  EXPECT_EQ(decoded.color_trc, sps_.vui.transfer_characteristics);
  EXPECT_EQ(decoded.colorspace, sps_.vui.matrix_coefficients);
  EXPECT_EQ(decoded.color_range, sps_.vui.video_full_range ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG);
  EXPECT_EQ(decoded.has_b_frames, 0);  // max_num_reorder_frames 0: nothing held back
}

TEST_P(X264Rewrite, AWrongChromaQpOffsetChangesThePictures) {
  const Decoded reference = decode_h264({}, x264_stream());
  ASSERT_TRUE(reference.ok) << reference.error;
  Pps wrong = pps_;
  wrong.chroma_qp_index_offset = 4;
  wrong.second_chroma_qp_index_offset = 4;
  const Decoded decoded = decode_h264({}, our_stream(wrong, true, nullptr));
  ASSERT_TRUE(decoded.ok) << decoded.error;
  ASSERT_EQ(decoded.pictures.size(), reference.pictures.size());
  size_t differing = 0;
  for (size_t i = 0; i < reference.pictures.size(); ++i)
    differing += decoded.pictures[i] != reference.pictures[i];
  EXPECT_EQ(differing, reference.pictures.size());
}

INSTANTIATE_TEST_SUITE_P(Sizes,
                         X264Rewrite,
                         ::testing::Values(
                             // Cropped (100 = 7 MBs - 12); frame_num (5 bits) wraps after
                             // the second IDR.
                             Case{176, 100, 50, 2, 26, 1},
                             Case{320, 180, 20, 0, 32, 2}),
                         case_name);

}  // namespace
}  // namespace gearbox::vaapi::h264
