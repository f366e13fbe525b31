// write_* -> parse_* round trips over the settings the backend uses, and the parsers' refusals
// of what the model leaves out (each naming the syntax element and its value).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "h264_syntax.h"

namespace gearbox::vaapi::h264 {
namespace {

using Bytes = std::vector<uint8_t>;

auto fields(const Vui& v) {
  return std::tie(v.timing_info_present, v.num_units_in_tick, v.time_scale, v.fixed_frame_rate,
                  v.video_full_range, v.colour_primaries, v.transfer_characteristics,
                  v.matrix_coefficients, v.bitstream_restriction, v.max_dec_frame_buffering);
}
auto fields(const Sps& s) {
  return std::tie(s.profile_idc, s.constraint_flags, s.level_idc, s.id, s.chroma_format_idc,
                  s.log2_max_frame_num_minus4, s.pic_order_cnt_type,
                  s.log2_max_pic_order_cnt_lsb_minus4, s.max_num_ref_frames, s.width_in_mbs,
                  s.height_in_mbs, s.direct_8x8_inference, s.crop_left, s.crop_right, s.crop_top,
                  s.crop_bottom, s.vui_present);
}
auto fields(const Pps& p) {
  return std::tie(p.id, p.sps_id, p.entropy_coding_mode, p.num_ref_idx_l0_default_active_minus1,
                  p.num_ref_idx_l1_default_active_minus1, p.weighted_pred, p.weighted_bipred_idc,
                  p.pic_init_qp_minus26, p.pic_init_qs_minus26, p.chroma_qp_index_offset,
                  p.deblocking_filter_control_present, p.constrained_intra_pred,
                  p.redundant_pic_cnt_present, p.transform_8x8_mode,
                  p.second_chroma_qp_index_offset);
}
auto fields(const SliceHeader& h) {
  return std::tie(h.idr, h.nal_ref_idc, h.first_mb, h.slice_type, h.pps_id, h.frame_num,
                  h.idr_pic_id, h.pic_order_cnt_lsb, h.num_ref_idx_active_override,
                  h.num_ref_idx_l0_active_minus1, h.no_output_of_prior_pics, h.long_term_reference,
                  h.cabac_init_idc, h.slice_qp_delta, h.disable_deblocking_filter_idc,
                  h.slice_alpha_c0_offset_div2, h.slice_beta_offset_div2);
}

void expect_same(const Sps& a, const Sps& b) {
  EXPECT_TRUE(fields(a) == fields(b)) << "SPS fields differ";
  if (a.vui_present) {
    EXPECT_TRUE(fields(a.vui) == fields(b.vui)) << "VUI fields differ";
  }
}

Sps sps_of(int width, int height, int poc_type, int log2_max_frame_num_minus4) {
  Sps sps;
  sps.set_size(width, height);
  sps.pic_order_cnt_type = poc_type;
  sps.log2_max_frame_num_minus4 = log2_max_frame_num_minus4;
  return sps;
}

TEST(Syntax, SetSizeRoundsUpToMacroblocksAndCrops) {
  Sps sps;
  sps.set_size(1920, 1080);
  EXPECT_EQ(sps.width_in_mbs, 120);
  EXPECT_EQ(sps.height_in_mbs, 68);
  EXPECT_EQ(sps.crop_right, 0);
  EXPECT_EQ(sps.crop_bottom, 4);
  EXPECT_EQ(sps.width(), 1920);
  EXPECT_EQ(sps.height(), 1080);

  sps.set_size(160, 90);
  EXPECT_EQ(sps.width_in_mbs, 10);
  EXPECT_EQ(sps.height_in_mbs, 6);
  EXPECT_EQ(sps.crop_bottom, 3);
  EXPECT_EQ(sps.height(), 90);

  sps.set_size(16, 16);
  EXPECT_EQ(sps.width_in_mbs, 1);
  EXPECT_EQ(sps.height_in_mbs, 1);
  EXPECT_EQ(sps.crop_left + sps.crop_right + sps.crop_top + sps.crop_bottom, 0);

  sps.set_size(34, 18);  // 3 x 2 MBs, 14 and 14 pixels cropped
  EXPECT_EQ(sps.width_in_mbs, 3);
  EXPECT_EQ(sps.height_in_mbs, 2);
  EXPECT_EQ(sps.crop_right, 7);
  EXPECT_EQ(sps.crop_bottom, 7);
  EXPECT_EQ(sps.crop_left, 0);
  EXPECT_EQ(sps.crop_top, 0);
  EXPECT_EQ(sps.width(), 34);
  EXPECT_EQ(sps.height(), 18);
}

TEST(Syntax, SpsRoundTrips) {
  struct Case {
    int width, height, poc_type, log2_frame_num_minus4;
  };
  const Case cases[] = {{160, 90, 2, 0}, {1920, 1080, 0, 4}, {16, 16, 2, 12},
                        {34, 18, 0, 0},  {1280, 720, 2, 5},  {4096, 2304, 0, 8}};
  for (const Case& c : cases) {
    for (bool vui : {false, true}) {
      SCOPED_TRACE(std::to_string(c.width) + "x" + std::to_string(c.height) + " poc " +
                   std::to_string(c.poc_type) + " vui " + std::to_string(vui));
      Sps sps = sps_of(c.width, c.height, c.poc_type, c.log2_frame_num_minus4);
      sps.vui_present = vui;
      // Written (and so read back) only with pic_order_cnt_type 0.
      if (c.poc_type == 0) sps.log2_max_pic_order_cnt_lsb_minus4 = c.log2_frame_num_minus4 + 1;
      sps.level_idc = c.width > 1920 ? 51 : 31;
      sps.id = c.width % 3;
      sps.vui.time_scale = 60000;
      sps.vui.num_units_in_tick = 1001;
      sps.vui.video_full_range = c.poc_type == 0;
      if (c.poc_type == 0) {  // BT.709 here, SMPTE 170M (the default) elsewhere
        sps.vui.colour_primaries = sps.vui.transfer_characteristics = sps.vui.matrix_coefficients =
            1;
      }
      sps.vui.max_dec_frame_buffering = 2;
      Result<Sps> parsed = parse_sps(write_sps(sps));
      ASSERT_TRUE(parsed.ok()) << parsed.error().message;
      expect_same(sps, parsed.value());
    }
  }
  // Odd crops on every side, Main profile (no High fields), no timing and no restriction.
  Sps odd;
  odd.profile_idc = 77;
  odd.constraint_flags = 0x40;
  odd.width_in_mbs = 7;
  odd.height_in_mbs = 5;
  odd.crop_left = 1;
  odd.crop_right = 3;
  odd.crop_top = 5;
  odd.crop_bottom = 2;
  odd.direct_8x8_inference = false;
  odd.max_num_ref_frames = 3;
  odd.vui.timing_info_present = false;
  odd.vui.fixed_frame_rate = false;
  odd.vui.bitstream_restriction = false;
  Result<Sps> parsed = parse_sps(write_sps(odd));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  expect_same(odd, parsed.value());
  EXPECT_EQ(parsed->width(), 7 * 16 - 8);
  EXPECT_EQ(parsed->height(), 5 * 16 - 14);
}

TEST(Syntax, PpsRoundTrips) {
  const Sps sps = sps_of(320, 180, 2, 4);
  for (bool cabac : {false, true}) {
    for (bool t8x8 : {false, true}) {
      for (int qp : {-26, -8, 0, 25}) {
        for (int chroma : {-12, -2, 0, 5, 12}) {
          Pps pps;
          pps.id = qp & 3;
          pps.entropy_coding_mode = cabac;
          pps.transform_8x8_mode = t8x8;
          pps.pic_init_qp_minus26 = qp;
          pps.pic_init_qs_minus26 = -qp / 2;
          pps.chroma_qp_index_offset = chroma;
          // Without the High extension the second offset is the first (7.4.2.2).
          pps.second_chroma_qp_index_offset = t8x8 ? -chroma / 2 : chroma;
          pps.num_ref_idx_l0_default_active_minus1 = chroma == 5 ? 2 : 0;
          pps.weighted_bipred_idc = chroma == 12 ? 2 : 0;
          pps.constrained_intra_pred = qp == 25;
          pps.deblocking_filter_control_present = chroma != -2;
          Result<Pps> parsed = parse_pps(write_pps(pps, sps), sps);
          ASSERT_TRUE(parsed.ok()) << parsed.error().message;
          EXPECT_TRUE(fields(pps) == fields(parsed.value()))
              << "cabac " << cabac << " 8x8 " << t8x8 << " qp " << qp << " chroma " << chroma;
        }
      }
    }
  }
}

TEST(Syntax, SliceHeadersRoundTrip) {
  int checked = 0;
  for (const auto& size : {std::pair{160, 90}, {1920, 1080}, {16, 16}}) {
    for (int poc_type : {0, 2}) {
      for (int log2_frame_num_minus4 : {0, 4, 12}) {
        Sps sps = sps_of(size.first, size.second, poc_type, log2_frame_num_minus4);
        sps.log2_max_pic_order_cnt_lsb_minus4 = 12 - log2_frame_num_minus4;
        for (bool cabac : {false, true}) {
          for (bool deblocking_control : {false, true}) {
            Pps pps;
            pps.entropy_coding_mode = cabac;
            pps.deblocking_filter_control_present = deblocking_control;
            pps.pic_init_qp_minus26 = cabac ? 4 : -6;
            for (int picture = 0; picture < 6; ++picture) {
              SliceHeader slice;
              slice.idr = picture % 3 == 0;
              slice.slice_type = slice.idr || picture == 4 ? kSliceI : kSliceP;
              slice.nal_ref_idc = picture == 5 ? 0 : 1 + picture % 3;
              const int max_frame_num = 1 << (log2_frame_num_minus4 + 4);
              slice.frame_num = slice.idr ? 0 : (max_frame_num - 3 + picture) % max_frame_num;
              slice.idr_pic_id = slice.idr ? picture * 1000 : 0;
              const int max_lsb = 1 << (sps.log2_max_pic_order_cnt_lsb_minus4 + 4);
              slice.pic_order_cnt_lsb = poc_type == 0 ? (max_lsb - 2 * picture) % max_lsb : 0;
              slice.first_mb = picture == 2 ? sps.width_in_mbs * sps.height_in_mbs - 1 : 0;
              if (slice.slice_type == kSliceP && picture == 2) {
                slice.num_ref_idx_active_override = true;
                slice.num_ref_idx_l0_active_minus1 = 3;
              }
              slice.no_output_of_prior_pics = slice.idr && picture == 3;
              slice.long_term_reference = false;
              slice.cabac_init_idc = cabac && slice.slice_type == kSliceP ? picture % 3 : 0;
              slice.slice_qp_delta = picture * 7 - 20;
              if (deblocking_control) {
                slice.disable_deblocking_filter_idc = picture % 3;
                if (slice.disable_deblocking_filter_idc != 1) {
                  slice.slice_alpha_c0_offset_div2 = picture - 3;
                  slice.slice_beta_offset_div2 = 6 - 2 * picture;
                }
              }
              BitWriter out;
              write_slice_header(out, slice, sps, pps);
              const size_t header_bits = out.bit_count();
              out.align_with_ones();
              BitReader in(out.bytes().data(), out.bytes().size());
              Result<SliceHeader> parsed = parse_slice_header(
                  in, slice.idr ? kNalSliceIdr : kNalSliceNonIdr, slice.nal_ref_idc, sps, pps);
              ASSERT_TRUE(parsed.ok()) << parsed.error().message;
              EXPECT_TRUE(fields(slice) == fields(parsed.value()))
                  << size.first << "x" << size.second << " poc " << poc_type << " frame_num bits "
                  << log2_frame_num_minus4 + 4 << " cabac " << cabac << " picture " << picture;
              EXPECT_EQ(in.position(), header_bits);
              ++checked;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 3 * 2 * 3 * 2 * 2 * 6);
}

TEST(Syntax, FrameNumTakesExactlyItsWidth) {
  Sps sps = sps_of(64, 64, 2, 0);  // 4 bits
  Pps pps;
  SliceHeader slice;
  slice.slice_type = kSliceP;
  slice.frame_num = 15;
  BitWriter narrow;
  write_slice_header(narrow, slice, sps, pps);
  sps.log2_max_frame_num_minus4 = 12;  // 16 bits
  BitWriter wide;
  write_slice_header(wide, slice, sps, pps);
  EXPECT_EQ(wide.bit_count(), narrow.bit_count() + 12);
}

Error sps_error(const Bytes& rbsp) {
  Result<Sps> r = parse_sps(rbsp);
  EXPECT_FALSE(r.ok());
  return r.ok() ? Error{ErrorCode::kInternal, "parsed"} : r.error();
}

TEST(Syntax, SpsParserRefusesWhatIsOutsideTheModel) {
  Sps sps = sps_of(320, 180, 2, 4);
  sps.profile_idc = 44;
  EXPECT_EQ(sps_error(write_sps(sps)).message, "sps: profile_idc 44 is not supported");
  sps.profile_idc = 100;

  // pic_order_cnt_type 1, written by hand up to the element.
  BitWriter w;
  w.bits(100, 8);
  w.bits(0, 8);
  w.bits(40, 8);
  w.ue(0);
  w.ue(1);  // chroma_format_idc
  w.ue(0);
  w.ue(0);
  w.flag(false);
  w.flag(false);
  w.ue(0);  // log2_max_frame_num_minus4
  w.ue(1);  // pic_order_cnt_type
  w.trailing_bits();
  EXPECT_EQ(sps_error(w.bytes()).message, "sps: pic_order_cnt_type 1 is not supported");

  BitWriter c;
  c.bits(100, 8);
  c.bits(0, 8);
  c.bits(40, 8);
  c.ue(0);
  c.ue(2);  // chroma_format_idc 4:2:2
  c.trailing_bits();
  EXPECT_EQ(sps_error(c.bytes()).message, "sps: chroma_format_idc 2 is not supported");

  const Bytes full = write_sps(sps);
  for (size_t size = 0; size < full.size(); ++size) {
    // Every prefix is refused as truncated (the last byte holds at least the stop bit).
    const Error e = sps_error(Bytes(full.begin(), full.begin() + static_cast<long>(size)));
    EXPECT_EQ(e.message, "sps: truncated") << size << " bytes";
  }
}

// An SPS of 160x96 written by hand up to and including vui_parameters_present_flag 1.
BitWriter sps_before_vui() {
  BitWriter w;
  w.bits(100, 8);
  w.bits(0, 8);
  w.bits(40, 8);
  w.ue(0);
  w.ue(1);
  w.ue(0);
  w.ue(0);
  w.flag(false);
  w.flag(false);
  w.ue(0);  // log2_max_frame_num_minus4
  w.ue(2);  // pic_order_cnt_type
  w.ue(1);  // max_num_ref_frames
  w.flag(false);
  w.ue(9);
  w.ue(5);
  w.flag(true);  // frame_mbs_only_flag
  w.flag(true);
  w.flag(false);  // frame_cropping_flag
  w.flag(true);   // vui_parameters_present_flag
  return w;
}

TEST(Syntax, VuiParserRefusesWhatIsOutsideTheModel) {
  BitWriter aspect = sps_before_vui();
  aspect.flag(true);
  aspect.bits(1, 8);
  aspect.trailing_bits();
  EXPECT_EQ(sps_error(aspect.bytes()).message,
            "sps: aspect_ratio_info_present_flag 1 is not supported");

  BitWriter format = sps_before_vui();
  format.flag(false);
  format.flag(false);
  format.flag(true);  // video_signal_type_present_flag
  format.bits(1, 3);  // video_format PAL
  format.flag(false);
  format.flag(true);
  format.bits(6, 8);  // SMPTE 170M
  format.bits(6, 8);
  format.bits(6, 8);
  format.trailing_bits();
  EXPECT_EQ(sps_error(format.bytes()).message, "sps: video_format 1 is not supported");

  BitWriter hrd = sps_before_vui();
  for (int i = 0; i < 5; ++i) hrd.flag(false);  // through timing_info_present_flag
  hrd.flag(true);                               // nal_hrd_parameters_present_flag
  hrd.trailing_bits();
  EXPECT_EQ(sps_error(hrd.bytes()).message,
            "sps: nal_hrd_parameters_present_flag 1 is not supported");

  BitWriter reorder = sps_before_vui();
  for (int i = 0; i < 8; ++i) reorder.flag(false);  // through pic_struct_present_flag
  reorder.flag(true);                               // bitstream_restriction_flag
  reorder.flag(true);
  for (int i = 0; i < 4; ++i) reorder.ue(i == 0 ? 0 : 15);
  reorder.ue(2);  // max_num_reorder_frames: B-frames
  reorder.ue(3);
  reorder.trailing_bits();
  EXPECT_EQ(sps_error(reorder.bytes()).message, "sps: max_num_reorder_frames 2 is not supported");

  // The same bits with max_num_reorder_frames 0 parse: the refusals above are the elements'.
  BitWriter fine = sps_before_vui();
  for (int i = 0; i < 8; ++i) fine.flag(false);
  fine.flag(true);
  fine.flag(true);
  for (int i = 0; i < 4; ++i) fine.ue(i == 0 ? 0 : 15);
  fine.ue(0);
  fine.ue(3);
  fine.trailing_bits();
  Result<Sps> parsed = parse_sps(fine.bytes());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->width(), 160);
  EXPECT_EQ(parsed->height(), 96);
  EXPECT_FALSE(parsed->vui.timing_info_present);
  EXPECT_EQ(parsed->vui.max_dec_frame_buffering, 3);
}

TEST(Syntax, PpsParserRefusesWhatIsOutsideTheModel) {
  const Sps sps = sps_of(320, 180, 2, 4);
  Pps pps;
  pps.weighted_pred = true;
  Result<Pps> r = parse_pps(write_pps(pps, sps), sps);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "pps: weighted_pred_flag 1 is not supported");

  pps.weighted_pred = false;
  pps.redundant_pic_cnt_present = true;
  r = parse_pps(write_pps(pps, sps), sps);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "pps: redundant_pic_cnt_present_flag 1 is not supported");

  pps.redundant_pic_cnt_present = false;
  pps.sps_id = 1;
  r = parse_pps(write_pps(pps, sps), sps);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "pps: seq_parameter_set_id 1 is not the SPS's 0");

  BitWriter groups;
  groups.ue(0);
  groups.ue(0);
  groups.flag(true);
  groups.flag(false);
  groups.ue(3);  // num_slice_groups_minus1
  groups.trailing_bits();
  r = parse_pps(groups.bytes(), sps);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "pps: num_slice_groups_minus1 3 is not supported");

  pps.sps_id = 0;
  const Bytes full = write_pps(pps, sps);
  r = parse_pps(Bytes(full.begin(), full.end() - 1), sps);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "pps: truncated");
}

TEST(Syntax, SliceParserRefusesWhatIsOutsideTheModel) {
  const Sps sps = sps_of(320, 180, 2, 4);
  const Pps pps;
  auto parse_written = [&](const BitWriter& w, int nal_type) {
    BitReader in(w.bytes().data(), w.bytes().size());
    return parse_slice_header(in, nal_type, 2, sps, pps);
  };
  BitWriter b;
  b.ue(0);
  b.ue(1);  // slice_type B
  b.ue(0);
  b.bits(0, 8);
  Result<SliceHeader> r = parse_written(b, kNalSliceNonIdr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "slice: slice_type 1 (B) is not supported");

  BitWriter sp;
  sp.ue(0);
  sp.ue(8);  // SP, "all slices"
  sp.ue(0);
  r = parse_written(sp, kNalSliceNonIdr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "slice: slice_type 8 (SP) is not supported");

  // ref_pic_list_modification_flag_l0 1 in a P slice.
  BitWriter mod;
  mod.ue(0);
  mod.ue(5);
  mod.ue(0);
  mod.bits(3, 8);   // frame_num
  mod.flag(false);  // num_ref_idx_active_override_flag
  mod.flag(true);
  r = parse_written(mod, kNalSliceNonIdr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "slice: ref_pic_list_modification_flag_l0 1 is not supported");

  // adaptive_ref_pic_marking_mode_flag 1.
  BitWriter mmco;
  mmco.ue(0);
  mmco.ue(5);
  mmco.ue(0);
  mmco.bits(3, 8);
  mmco.flag(false);
  mmco.flag(false);
  mmco.flag(true);
  r = parse_written(mmco, kNalSliceNonIdr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "slice: adaptive_ref_pic_marking_mode_flag 1 is not supported");

  // A slice QP outside 0..51.
  SliceHeader slice;
  slice.slice_qp_delta = 26;
  BitWriter qp;
  write_slice_header(qp, slice, sps, pps);
  r = parse_written(qp, kNalSliceNonIdr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "slice: slice_qp_delta 26 is out of range");

  // IDR pictures: I slices with frame_num 0, and references.
  SliceHeader idr;
  idr.idr = true;
  idr.frame_num = 5;
  BitWriter idr_frame_num;
  write_slice_header(idr_frame_num, idr, sps, pps);
  r = parse_written(idr_frame_num, kNalSliceIdr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "slice: frame_num 5 in an IDR picture is not 0");
  idr.frame_num = 0;
  idr.slice_type = kSliceP;
  BitWriter idr_p;
  write_slice_header(idr_p, idr, sps, pps);
  r = parse_written(idr_p, kNalSliceIdr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "slice: slice_type 5 (P) in an IDR picture");
  BitReader unreferenced(idr_p.bytes().data(), idr_p.bytes().size());
  r = parse_slice_header(unreferenced, kNalSliceIdr, 0, sps, pps);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "slice: an IDR slice has nal_ref_idc 0");

  r = parse_written(qp, kNalSei);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "slice: nal_unit_type 6 is not supported");

  // Cut short: every prefix of a full header is truncated.
  slice.slice_qp_delta = -3;
  slice.slice_type = kSliceP;
  slice.frame_num = 9;
  BitWriter full;
  write_slice_header(full, slice, sps, pps);
  for (size_t bytes = 0; bytes * 8 < full.bit_count(); ++bytes) {
    BitReader in(full.bytes().data(), bytes);
    r = parse_slice_header(in, kNalSliceNonIdr, 2, sps, pps);
    ASSERT_FALSE(r.ok()) << bytes;
    EXPECT_EQ(r.error().message, "slice: truncated") << bytes;
  }
}

TEST(Syntax, CodecString) {
  Sps sps;
  EXPECT_EQ(codec_string(sps), "avc1.640028");
  sps.profile_idc = 77;
  sps.constraint_flags = 0x40;
  sps.level_idc = 31;
  EXPECT_EQ(codec_string(sps), "avc1.4d401f");
}

}  // namespace
}  // namespace gearbox::vaapi::h264
