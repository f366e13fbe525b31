#include "vaapi_headers.h"

#include <algorithm>
#include <cmath>

namespace gearbox::vaapi {
namespace {

struct Level {
  int idc;
  int64_t max_mbps;  // macroblocks a second
  int64_t max_fs;    // macroblocks a frame
  int64_t max_br;    // kbit/s (VCL, Baseline/Main; High allows 1.25 times as much)
};
// ITU-T H.264 Table A-1 (level 1b left out: it needs constraint_set3 semantics).
constexpr Level kLevels[] = {
    {10, 1485, 99, 64},           {11, 3000, 396, 192},        {12, 6000, 396, 384},
    {13, 11880, 396, 768},        {20, 11880, 396, 2000},      {21, 19800, 792, 4000},
    {22, 20250, 1620, 4000},      {30, 40500, 1620, 10000},    {31, 108000, 3600, 14000},
    {32, 216000, 5120, 20000},    {40, 245760, 8192, 20000},   {41, 245760, 8192, 50000},
    {42, 522240, 8704, 50000},    {50, 589824, 22080, 135000}, {51, 983040, 36864, 240000},
    {52, 2073600, 36864, 240000},
};

void invalid(VAPictureH264& p) {
  p.picture_id = VA_INVALID_SURFACE;
  p.frame_idx = 0;
  p.flags = VA_PICTURE_H264_INVALID;
  p.TopFieldOrderCnt = p.BottomFieldOrderCnt = 0;
}

VAPictureH264 picture(VASurfaceID surface, const PictureOrder& o, uint32_t flags) {
  VAPictureH264 p{};
  p.picture_id = surface;
  p.frame_idx = static_cast<uint32_t>(o.frame_num);
  p.flags = flags;
  p.TopFieldOrderCnt = p.BottomFieldOrderCnt = 2 * o.order;
  return p;
}

PackedHeader nal(int type, const std::vector<uint8_t>& rbsp) {
  PackedHeader p;
  p.bytes = h264::annexb_nal(type, 3, rbsp);
  p.bits = p.bytes.size() * 8;
  return p;
}

}  // namespace

int level_for(int width, int height, Rational frame_rate, int64_t peak_bits_per_second) {
  const int64_t w_mbs = (width + 15) / 16, h_mbs = (height + 15) / 16;
  const int64_t fs = w_mbs * h_mbs;
  const double mbps = static_cast<double>(fs) * frame_rate.to_double();
  for (const Level& l : kLevels) {
    // A side may not exceed sqrt(8 * MaxFS) macroblocks (A.3.1 f, g).
    const double side = std::sqrt(8.0 * static_cast<double>(l.max_fs));
    if (fs <= l.max_fs && mbps <= static_cast<double>(l.max_mbps) &&
        static_cast<double>(w_mbs) <= side && static_cast<double>(h_mbs) <= side &&
        static_cast<double>(peak_bits_per_second) <= 1250.0 * static_cast<double>(l.max_br)) {
      return l.idc;
    }
  }
  return 52;
}

RenditionHeaders make_headers(const EncoderConfig& c, int64_t peak_bits_per_second) {
  RenditionHeaders h;
  h264::Sps& s = h.sps;
  s.profile_idc = 100;
  s.constraint_flags = 0;
  s.level_idc = level_for(c.width, c.height, c.frame_rate, peak_bits_per_second);
  s.id = 0;
  s.chroma_format_idc = 1;
  s.log2_max_frame_num_minus4 = 4;
  s.pic_order_cnt_type = 2;
  s.max_num_ref_frames = 1;
  s.direct_8x8_inference = true;
  s.set_size(c.width, c.height);
  s.vui_present = true;
  s.vui.timing_info_present = true;
  s.vui.num_units_in_tick = static_cast<uint32_t>(c.frame_rate.den);
  s.vui.time_scale = static_cast<uint32_t>(2 * c.frame_rate.num);
  s.vui.fixed_frame_rate = true;
  // What the upload's conversion produces (libyuv, BT.601 limited range), as x264 and NVENC say.
  s.vui.video_full_range = false;
  s.vui.colour_primaries = 6;  // SMPTE 170M
  s.vui.transfer_characteristics = 6;
  s.vui.matrix_coefficients = 6;
  s.vui.bitstream_restriction = true;
  s.vui.max_dec_frame_buffering = 1;

  h264::Pps& p = h.pps;
  p.id = 0;
  p.sps_id = 0;
  p.entropy_coding_mode = true;
  p.num_ref_idx_l0_default_active_minus1 = 0;
  p.num_ref_idx_l1_default_active_minus1 = 0;
  p.weighted_pred = false;
  p.weighted_bipred_idc = 0;
  p.pic_init_qp_minus26 = h.pic_init_qp - 26;
  p.chroma_qp_index_offset = 0;
  p.deblocking_filter_control_present = true;
  p.transform_8x8_mode = true;
  p.second_chroma_qp_index_offset = 0;
  return h;
}

VAEncSequenceParameterBufferH264 sequence_buffer(const RenditionHeaders& h,
                                                 uint32_t bits_per_second) {
  const h264::Sps& s = h.sps;
  VAEncSequenceParameterBufferH264 b{};
  b.seq_parameter_set_id = static_cast<uint8_t>(s.id);
  b.level_idc = static_cast<uint8_t>(s.level_idc);
  // No GOP of the driver's own: every IDR is forced by the picture type.
  b.intra_period = 0;
  b.intra_idr_period = 0;
  b.ip_period = 1;
  b.bits_per_second = bits_per_second;
  b.max_num_ref_frames = static_cast<uint32_t>(s.max_num_ref_frames);
  b.picture_width_in_mbs = static_cast<uint16_t>(s.width_in_mbs);
  b.picture_height_in_mbs = static_cast<uint16_t>(s.height_in_mbs);
  b.seq_fields.bits.chroma_format_idc = static_cast<uint32_t>(s.chroma_format_idc);
  b.seq_fields.bits.frame_mbs_only_flag = 1;
  b.seq_fields.bits.direct_8x8_inference_flag = s.direct_8x8_inference ? 1 : 0;
  b.seq_fields.bits.log2_max_frame_num_minus4 = static_cast<uint32_t>(s.log2_max_frame_num_minus4);
  b.seq_fields.bits.pic_order_cnt_type = static_cast<uint32_t>(s.pic_order_cnt_type);
  b.seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 =
      static_cast<uint32_t>(s.log2_max_pic_order_cnt_lsb_minus4);
  const bool cropped = s.crop_left || s.crop_right || s.crop_top || s.crop_bottom;
  b.frame_cropping_flag = cropped ? 1 : 0;
  b.frame_crop_left_offset = static_cast<uint32_t>(s.crop_left);
  b.frame_crop_right_offset = static_cast<uint32_t>(s.crop_right);
  b.frame_crop_top_offset = static_cast<uint32_t>(s.crop_top);
  b.frame_crop_bottom_offset = static_cast<uint32_t>(s.crop_bottom);
  b.vui_parameters_present_flag = s.vui_present ? 1 : 0;
  b.vui_fields.bits.timing_info_present_flag = s.vui.timing_info_present ? 1 : 0;
  b.vui_fields.bits.bitstream_restriction_flag = s.vui.bitstream_restriction ? 1 : 0;
  b.vui_fields.bits.fixed_frame_rate_flag = s.vui.fixed_frame_rate ? 1 : 0;
  b.vui_fields.bits.log2_max_mv_length_horizontal = 15;
  b.vui_fields.bits.log2_max_mv_length_vertical = 15;
  b.vui_fields.bits.motion_vectors_over_pic_boundaries_flag = 1;
  b.num_units_in_tick = s.vui.num_units_in_tick;
  b.time_scale = s.vui.time_scale;
  return b;
}

VAEncPictureParameterBufferH264 picture_buffer(const RenditionHeaders& h,
                                               const PictureOrder& order,
                                               VASurfaceID current,
                                               VASurfaceID reference,
                                               const PictureOrder& reference_order,
                                               VABufferID coded_buffer) {
  const h264::Pps& p = h.pps;
  VAEncPictureParameterBufferH264 b{};
  b.CurrPic = picture(current, order, 0);
  for (VAPictureH264& r : b.ReferenceFrames) invalid(r);
  if (!order.idr && reference != VA_INVALID_SURFACE)
    b.ReferenceFrames[0] =
        picture(reference, reference_order, VA_PICTURE_H264_SHORT_TERM_REFERENCE);
  b.coded_buf = coded_buffer;
  b.pic_parameter_set_id = static_cast<uint8_t>(p.id);
  b.seq_parameter_set_id = static_cast<uint8_t>(p.sps_id);
  b.frame_num = static_cast<uint16_t>(order.frame_num);
  b.pic_init_qp = static_cast<uint8_t>(26 + p.pic_init_qp_minus26);
  b.num_ref_idx_l0_active_minus1 = static_cast<uint8_t>(p.num_ref_idx_l0_default_active_minus1);
  b.num_ref_idx_l1_active_minus1 = static_cast<uint8_t>(p.num_ref_idx_l1_default_active_minus1);
  b.chroma_qp_index_offset = static_cast<int8_t>(p.chroma_qp_index_offset);
  b.second_chroma_qp_index_offset = static_cast<int8_t>(p.second_chroma_qp_index_offset);
  b.pic_fields.bits.idr_pic_flag = order.idr ? 1 : 0;
  b.pic_fields.bits.reference_pic_flag = 1;
  b.pic_fields.bits.entropy_coding_mode_flag = p.entropy_coding_mode ? 1 : 0;
  b.pic_fields.bits.weighted_pred_flag = p.weighted_pred ? 1 : 0;
  b.pic_fields.bits.weighted_bipred_idc = static_cast<uint32_t>(p.weighted_bipred_idc);
  b.pic_fields.bits.constrained_intra_pred_flag = p.constrained_intra_pred ? 1 : 0;
  b.pic_fields.bits.transform_8x8_mode_flag = p.transform_8x8_mode ? 1 : 0;
  b.pic_fields.bits.deblocking_filter_control_present_flag =
      p.deblocking_filter_control_present ? 1 : 0;
  b.pic_fields.bits.redundant_pic_cnt_present_flag = p.redundant_pic_cnt_present ? 1 : 0;
  return b;
}

h264::SliceHeader slice_header(const RenditionHeaders& h, const PictureOrder& order) {
  h264::SliceHeader s;
  s.idr = order.idr;
  s.nal_ref_idc = 3;
  s.first_mb = 0;
  s.slice_type = order.idr ? h264::kSliceI : h264::kSliceP;
  s.pps_id = h.pps.id;
  s.frame_num = order.frame_num;
  s.idr_pic_id = order.idr_pic_id;
  s.pic_order_cnt_lsb = (2 * order.order) % (1 << (h.sps.log2_max_pic_order_cnt_lsb_minus4 + 4));
  s.num_ref_idx_active_override = false;
  s.cabac_init_idc = 0;
  s.slice_qp_delta = 0;
  s.disable_deblocking_filter_idc = 0;
  return s;
}

VAEncSliceParameterBufferH264 slice_buffer(const RenditionHeaders& h,
                                           const PictureOrder& order,
                                           VASurfaceID reference,
                                           const PictureOrder& reference_order) {
  const h264::SliceHeader s = slice_header(h, order);
  VAEncSliceParameterBufferH264 b{};
  b.macroblock_address = static_cast<uint32_t>(s.first_mb);
  b.num_macroblocks = static_cast<uint32_t>(h.sps.width_in_mbs * h.sps.height_in_mbs);
  b.macroblock_info = VA_INVALID_ID;
  b.slice_type = static_cast<uint8_t>(s.slice_type);
  b.pic_parameter_set_id = static_cast<uint8_t>(s.pps_id);
  b.idr_pic_id = static_cast<uint16_t>(s.idr_pic_id);
  b.pic_order_cnt_lsb = static_cast<uint16_t>(s.pic_order_cnt_lsb);
  b.num_ref_idx_active_override_flag = s.num_ref_idx_active_override ? 1 : 0;
  b.num_ref_idx_l0_active_minus1 = static_cast<uint8_t>(h.pps.num_ref_idx_l0_default_active_minus1);
  for (VAPictureH264& r : b.RefPicList0) invalid(r);
  for (VAPictureH264& r : b.RefPicList1) invalid(r);
  if (!order.idr && reference != VA_INVALID_SURFACE)
    b.RefPicList0[0] = picture(reference, reference_order, VA_PICTURE_H264_SHORT_TERM_REFERENCE);
  b.cabac_init_idc = static_cast<uint8_t>(s.cabac_init_idc);
  b.slice_qp_delta = static_cast<int8_t>(s.slice_qp_delta);
  b.disable_deblocking_filter_idc = static_cast<uint8_t>(s.disable_deblocking_filter_idc);
  b.slice_alpha_c0_offset_div2 = static_cast<int8_t>(s.slice_alpha_c0_offset_div2);
  b.slice_beta_offset_div2 = static_cast<int8_t>(s.slice_beta_offset_div2);
  return b;
}

PackedHeader packed_sps(const RenditionHeaders& h) {
  return nal(h264::kNalSps, h264::write_sps(h.sps));
}

PackedHeader packed_pps(const RenditionHeaders& h) {
  return nal(h264::kNalPps, h264::write_pps(h.pps, h.sps));
}

PackedHeader packed_slice_header(const RenditionHeaders& h, const PictureOrder& order) {
  const h264::SliceHeader s = slice_header(h, order);
  h264::BitWriter out;
  out.bits(1, 32);  // start code 00 00 00 01
  out.bits(0, 1);   // forbidden_zero_bit
  out.bits(static_cast<uint64_t>(s.nal_ref_idc), 2);
  out.bits(static_cast<uint64_t>(s.idr ? h264::kNalSliceIdr : h264::kNalSliceNonIdr), 5);
  h264::write_slice_header(out, s, h.sps, h.pps);
  PackedHeader p;
  p.bytes = out.bytes();
  p.bits = out.bit_count();
  return p;
}

}  // namespace gearbox::vaapi
