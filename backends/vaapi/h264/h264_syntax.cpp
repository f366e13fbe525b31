// ITU-T H.264 (08/2021) 7.2, 7.3.2.1.1, 7.3.2.2, 7.3.3, 7.4.1 and E.1.1, as far as
// h264_syntax.h models them.
#include "h264_syntax.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace gearbox::vaapi::h264 {

namespace {

Error refused(const char* structure, const char* element, long long value) {
  return make_error(ErrorCode::kInvalidArgument, std::string(structure) + ": " + element + " " +
                                                     std::to_string(value) + " is not supported");
}

Error out_of_range(const char* structure, const char* element, long long value) {
  return make_error(ErrorCode::kInvalidArgument, std::string(structure) + ": " + element + " " +
                                                     std::to_string(value) + " is out of range");
}

Error truncated(const char* structure) {
  return make_error(ErrorCode::kInvalidArgument, std::string(structure) + ": truncated");
}

// The profiles whose SPS carries chroma_format_idc, bit depths and scaling lists (7.3.2.1.1).
bool has_high_fields(int profile_idc) {
  static constexpr int kProfiles[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};
  return std::find(std::begin(kProfiles), std::end(kProfiles), profile_idc) != std::end(kProfiles);
}

const char* slice_type_name(int slice_type) {
  switch (slice_type % 5) {
    case 0: return "P";
    case 1: return "B";
    case 2: return "I";
    case 3: return "SP";
    default: return "SI";
  }
}

// more_rbsp_data() (7.2): whether a syntax element starts before the rbsp_stop_one_bit.
bool more_rbsp_data(const BitReader& reader, const std::vector<uint8_t>& rbsp) {
  size_t last = rbsp.size();
  while (last > 0 && rbsp[last - 1] == 0) --last;
  if (last == 0) return false;
  const uint8_t byte = rbsp[last - 1];
  int trailing_zeros = 0;
  while (((byte >> trailing_zeros) & 1) == 0) ++trailing_zeros;
  const size_t stop_bit = last * 8 - 1 - static_cast<size_t>(trailing_zeros);
  return reader.position() < stop_bit;
}

// Video signal type as written: unspecified format; the colour description the Vui says.
constexpr int kVideoFormatUnspecified = 5;
constexpr int kColourUnspecified = 2;  // H.273: what a stream without a description means
// Bitstream restriction values the writer uses: no limits beyond the level's.
constexpr int kLog2MaxMvLength = 15;

void write_vui(BitWriter& out, const Vui& vui) {
  out.flag(false);  // aspect_ratio_info_present_flag
  out.flag(false);  // overscan_info_present_flag
  out.flag(true);   // video_signal_type_present_flag
  out.bits(kVideoFormatUnspecified, 3);
  out.flag(vui.video_full_range);
  out.flag(true);  // colour_description_present_flag
  out.bits(static_cast<uint32_t>(vui.colour_primaries), 8);
  out.bits(static_cast<uint32_t>(vui.transfer_characteristics), 8);
  out.bits(static_cast<uint32_t>(vui.matrix_coefficients), 8);
  out.flag(false);  // chroma_loc_info_present_flag
  out.flag(vui.timing_info_present);
  if (vui.timing_info_present) {
    out.bits(vui.num_units_in_tick, 32);
    out.bits(vui.time_scale, 32);
    out.flag(vui.fixed_frame_rate);
  }
  out.flag(false);  // nal_hrd_parameters_present_flag
  out.flag(false);  // vcl_hrd_parameters_present_flag
  out.flag(false);  // pic_struct_present_flag
  out.flag(vui.bitstream_restriction);
  if (vui.bitstream_restriction) {
    out.flag(true);  // motion_vectors_over_pic_boundaries_flag
    out.ue(0);       // max_bytes_per_pic_denom
    out.ue(0);       // max_bits_per_mb_denom
    out.ue(kLog2MaxMvLength);
    out.ue(kLog2MaxMvLength);
    out.ue(0);  // max_num_reorder_frames
    out.ue(static_cast<uint32_t>(vui.max_dec_frame_buffering));
  }
}

Status parse_vui(BitReader& in, Vui& vui) {
  if (in.flag()) return refused("sps", "aspect_ratio_info_present_flag", 1);
  if (in.flag()) return refused("sps", "overscan_info_present_flag", 1);
  vui.video_full_range = false;
  vui.colour_primaries = vui.transfer_characteristics = vui.matrix_coefficients =
      kColourUnspecified;
  if (in.flag()) {  // video_signal_type_present_flag
    const int video_format = static_cast<int>(in.bits(3));
    vui.video_full_range = in.flag();
    const bool colour_description = in.flag();
    if (in.failed()) return truncated("sps");
    if (video_format != kVideoFormatUnspecified)
      return refused("sps", "video_format", video_format);
    if (!colour_description) return refused("sps", "colour_description_present_flag", 0);
    vui.colour_primaries = static_cast<int>(in.bits(8));
    vui.transfer_characteristics = static_cast<int>(in.bits(8));
    vui.matrix_coefficients = static_cast<int>(in.bits(8));
    if (in.failed()) return truncated("sps");
  }
  if (in.flag()) return refused("sps", "chroma_loc_info_present_flag", 1);
  vui.timing_info_present = in.flag();
  if (vui.timing_info_present) {
    vui.num_units_in_tick = in.bits(32);
    vui.time_scale = in.bits(32);
    vui.fixed_frame_rate = in.flag();
    if (in.failed()) return truncated("sps");
    if (vui.num_units_in_tick == 0) return out_of_range("sps", "num_units_in_tick", 0);
    if (vui.time_scale == 0) return out_of_range("sps", "time_scale", 0);
  } else {
    vui.fixed_frame_rate = false;
  }
  if (in.flag()) return refused("sps", "nal_hrd_parameters_present_flag", 1);
  if (in.flag()) return refused("sps", "vcl_hrd_parameters_present_flag", 1);
  if (in.flag()) return refused("sps", "pic_struct_present_flag", 1);
  vui.bitstream_restriction = in.flag();
  if (vui.bitstream_restriction) {
    in.flag();  // motion_vectors_over_pic_boundaries_flag
    in.ue();    // max_bytes_per_pic_denom
    in.ue();    // max_bits_per_mb_denom
    in.ue();    // log2_max_mv_length_horizontal
    in.ue();    // log2_max_mv_length_vertical
    const uint32_t reorder = in.ue();
    const uint32_t buffering = in.ue();
    if (in.failed()) return truncated("sps");
    if (reorder != 0) return refused("sps", "max_num_reorder_frames", reorder);
    if (buffering > 16) return out_of_range("sps", "max_dec_frame_buffering", buffering);
    vui.max_dec_frame_buffering = static_cast<int>(buffering);
  }
  if (in.failed()) return truncated("sps");
  return Status();
}

}  // namespace

// ---- Bits ----------------------------------------------------------------------------------

void BitWriter::bits(uint64_t value, int count) {
  for (int i = count - 1; i >= 0; --i) {
    if (bit_count_ % 8 == 0) bytes_.push_back(0);
    if ((value >> i) & 1) bytes_.back() |= static_cast<uint8_t>(0x80 >> (bit_count_ % 8));
    ++bit_count_;
  }
}

void BitWriter::ue(uint32_t value) {
  // 64 bits: 2^32 - 1 takes a 33-bit code.
  const uint64_t code = static_cast<uint64_t>(value) + 1;
  int length = 0;
  while ((code >> length) > 1) ++length;
  bits(0, length);
  bits(code, length + 1);
}

void BitWriter::se(int32_t value) {
  // 7.2 Table 9-3: k > 0 -> 2k - 1, k <= 0 -> -2k; -2^31 has no ue code and is clamped.
  const int64_t k = value;
  const int64_t code = k > 0 ? 2 * k - 1 : -2 * k;
  ue(static_cast<uint32_t>(code > 0xFFFFFFFFLL ? 0xFFFFFFFFLL : code));
}

void BitWriter::trailing_bits() {
  flag(true);
  while (!byte_aligned()) flag(false);
}

void BitWriter::align_with_ones() {
  while (!byte_aligned()) flag(true);
}

uint32_t BitReader::bits(int count) {
  if (failed_) return 0;
  if (count <= 0) return 0;
  if (position_ + static_cast<size_t>(count) > size_ * 8) {
    failed_ = true;
    return 0;
  }
  uint32_t value = 0;
  for (int i = 0; i < count; ++i) {
    const uint8_t byte = data_[position_ / 8];
    value = (value << 1) | ((byte >> (7 - position_ % 8)) & 1);
    ++position_;
  }
  return value;
}

uint32_t BitReader::ue() {
  int leading_zeros = 0;
  while (!failed_ && bits(1) == 0) {
    // A code of more than 31 leading zeros exceeds 2^32 - 2 (7.2: ue(v) is at most 32 bits).
    if (++leading_zeros > 31) failed_ = true;
  }
  if (failed_) return 0;
  const uint64_t suffix = bits(leading_zeros);
  if (failed_) return 0;
  return static_cast<uint32_t>((uint64_t{1} << leading_zeros) - 1 + suffix);
}

int32_t BitReader::se() {
  const uint64_t code = ue();
  if (code % 2 == 1) return static_cast<int32_t>((code + 1) / 2);
  return static_cast<int32_t>(-static_cast<int64_t>(code / 2));
}

// ---- NAL units -------------------------------------------------------------------------------

std::vector<uint8_t> escape_rbsp(const uint8_t* rbsp, size_t size) {
  std::vector<uint8_t> out;
  out.reserve(size + size / 64 + 1);
  int zeros = 0;
  for (size_t i = 0; i < size; ++i) {
    if (zeros >= 2 && rbsp[i] <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(rbsp[i]);
    zeros = rbsp[i] == 0 ? zeros + 1 : 0;
  }
  // 7.4.1: an RBSP ending in a cabac_zero_word (00 00) gets a final 0x03, so the NAL unit does
  // not end in 0x00 (which Annex B would take for trailing_zero_8bits) and unescaping drops it.
  if (zeros >= 2) out.push_back(3);
  return out;
}

std::vector<uint8_t> unescape_rbsp(const uint8_t* payload, size_t size) {
  std::vector<uint8_t> out;
  out.reserve(size);
  int zeros = 0;
  for (size_t i = 0; i < size; ++i) {
    if (zeros >= 2 && payload[i] == 3) {
      zeros = 0;
      continue;
    }
    out.push_back(payload[i]);
    zeros = payload[i] == 0 ? zeros + 1 : 0;
  }
  return out;
}

std::vector<NalUnit> split_annexb(const uint8_t* data, size_t size) {
  // Offsets of the first byte after each 00 00 01.
  std::vector<size_t> starts;
  for (size_t i = 0; i + 3 <= size; ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      starts.push_back(i + 3);
      i += 2;
    }
  }
  std::vector<NalUnit> units;
  for (size_t n = 0; n < starts.size(); ++n) {
    const size_t begin = starts[n];
    size_t end = n + 1 < starts.size() ? starts[n + 1] - 3 : size;
    // The zero byte of a 4-byte start code and trailing_zero_8bits belong to no NAL unit (a NAL
    // unit never ends in 0x00: 7.4.1).
    while (end > begin && data[end - 1] == 0) --end;
    if (end <= begin) continue;
    NalUnit unit;
    unit.type = data[begin] & 0x1f;
    unit.ref_idc = (data[begin] >> 5) & 3;
    unit.payload = data + begin + 1;
    unit.payload_size = end - begin - 1;
    units.push_back(unit);
  }
  return units;
}

std::vector<uint8_t> annexb_nal(int type, int ref_idc, const std::vector<uint8_t>& rbsp) {
  std::vector<uint8_t> out = {0, 0, 0, 1,
                              static_cast<uint8_t>(((ref_idc & 3) << 5) | (type & 0x1f))};
  const std::vector<uint8_t> payload = escape_rbsp(rbsp.data(), rbsp.size());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// ---- Sequence parameter set ------------------------------------------------------------------

void Sps::set_size(int width, int height) {
  width_in_mbs = (width + 15) / 16;
  height_in_mbs = (height + 15) / 16;
  crop_left = 0;
  crop_top = 0;
  // In 2-pixel units (CropUnitX/Y for 4:2:0 frames): an odd size keeps its last pixel.
  crop_right = (width_in_mbs * 16 - width) / 2;
  crop_bottom = (height_in_mbs * 16 - height) / 2;
}

std::vector<uint8_t> write_sps(const Sps& sps) {
  BitWriter out;
  out.bits(static_cast<uint32_t>(sps.profile_idc), 8);
  out.bits(static_cast<uint32_t>(sps.constraint_flags), 8);
  out.bits(static_cast<uint32_t>(sps.level_idc), 8);
  out.ue(static_cast<uint32_t>(sps.id));
  if (has_high_fields(sps.profile_idc)) {
    out.ue(static_cast<uint32_t>(sps.chroma_format_idc));
    out.ue(0);        // bit_depth_luma_minus8
    out.ue(0);        // bit_depth_chroma_minus8
    out.flag(false);  // qpprime_y_zero_transform_bypass_flag
    out.flag(false);  // seq_scaling_matrix_present_flag
  }
  out.ue(static_cast<uint32_t>(sps.log2_max_frame_num_minus4));
  out.ue(static_cast<uint32_t>(sps.pic_order_cnt_type));
  if (sps.pic_order_cnt_type == 0)
    out.ue(static_cast<uint32_t>(sps.log2_max_pic_order_cnt_lsb_minus4));
  out.ue(static_cast<uint32_t>(sps.max_num_ref_frames));
  out.flag(false);  // gaps_in_frame_num_value_allowed_flag
  out.ue(static_cast<uint32_t>(sps.width_in_mbs - 1));
  out.ue(static_cast<uint32_t>(sps.height_in_mbs - 1));
  out.flag(true);  // frame_mbs_only_flag
  out.flag(sps.direct_8x8_inference);
  const bool cropping = sps.crop_left || sps.crop_right || sps.crop_top || sps.crop_bottom;
  out.flag(cropping);
  if (cropping) {
    out.ue(static_cast<uint32_t>(sps.crop_left));
    out.ue(static_cast<uint32_t>(sps.crop_right));
    out.ue(static_cast<uint32_t>(sps.crop_top));
    out.ue(static_cast<uint32_t>(sps.crop_bottom));
  }
  out.flag(sps.vui_present);
  if (sps.vui_present) write_vui(out, sps.vui);
  out.trailing_bits();
  return out.bytes();
}

Result<Sps> parse_sps(const std::vector<uint8_t>& rbsp) {
  BitReader in(rbsp.data(), rbsp.size());
  Sps sps;
  sps.profile_idc = static_cast<int>(in.bits(8));
  sps.constraint_flags = static_cast<int>(in.bits(8));
  sps.level_idc = static_cast<int>(in.bits(8));
  const uint32_t id = in.ue();
  if (in.failed()) return truncated("sps");
  if (sps.profile_idc != 66 && sps.profile_idc != 77 && sps.profile_idc != 100)
    return refused("sps", "profile_idc", sps.profile_idc);
  if (id > 31) return out_of_range("sps", "seq_parameter_set_id", id);
  sps.id = static_cast<int>(id);
  sps.chroma_format_idc = 1;
  if (has_high_fields(sps.profile_idc)) {
    const uint32_t chroma_format_idc = in.ue();
    if (in.failed()) return truncated("sps");
    if (chroma_format_idc != 1) return refused("sps", "chroma_format_idc", chroma_format_idc);
    const uint32_t luma_depth = in.ue();
    const uint32_t chroma_depth = in.ue();
    const bool bypass = in.flag();
    const bool scaling = in.flag();
    if (in.failed()) return truncated("sps");
    if (luma_depth != 0) return refused("sps", "bit_depth_luma_minus8", luma_depth);
    if (chroma_depth != 0) return refused("sps", "bit_depth_chroma_minus8", chroma_depth);
    if (bypass) return refused("sps", "qpprime_y_zero_transform_bypass_flag", 1);
    if (scaling) return refused("sps", "seq_scaling_matrix_present_flag", 1);
  }
  const uint32_t log2_max_frame_num_minus4 = in.ue();
  const uint32_t poc_type = in.ue();
  if (in.failed()) return truncated("sps");
  if (log2_max_frame_num_minus4 > 12)
    return out_of_range("sps", "log2_max_frame_num_minus4", log2_max_frame_num_minus4);
  if (poc_type != 0 && poc_type != 2) return refused("sps", "pic_order_cnt_type", poc_type);
  sps.log2_max_frame_num_minus4 = static_cast<int>(log2_max_frame_num_minus4);
  sps.pic_order_cnt_type = static_cast<int>(poc_type);
  if (poc_type == 0) {
    const uint32_t lsb = in.ue();
    if (in.failed()) return truncated("sps");
    if (lsb > 12) return out_of_range("sps", "log2_max_pic_order_cnt_lsb_minus4", lsb);
    sps.log2_max_pic_order_cnt_lsb_minus4 = static_cast<int>(lsb);
  }
  const uint32_t max_num_ref_frames = in.ue();
  const bool gaps = in.flag();
  const uint32_t width_minus1 = in.ue();
  const uint32_t height_minus1 = in.ue();
  const bool frame_mbs_only = in.flag();
  if (in.failed()) return truncated("sps");
  if (max_num_ref_frames > 16) return out_of_range("sps", "max_num_ref_frames", max_num_ref_frames);
  if (gaps) return refused("sps", "gaps_in_frame_num_value_allowed_flag", 1);
  // 4096 x 4096 pixels is far beyond what gearbox encodes and keeps the products in int.
  if (width_minus1 >= 256) return out_of_range("sps", "pic_width_in_mbs_minus1", width_minus1);
  if (height_minus1 >= 256)
    return out_of_range("sps", "pic_height_in_map_units_minus1", height_minus1);
  if (!frame_mbs_only) return refused("sps", "frame_mbs_only_flag", 0);
  sps.max_num_ref_frames = static_cast<int>(max_num_ref_frames);
  sps.width_in_mbs = static_cast<int>(width_minus1) + 1;
  sps.height_in_mbs = static_cast<int>(height_minus1) + 1;
  sps.direct_8x8_inference = in.flag();
  if (in.flag()) {  // frame_cropping_flag
    const uint32_t left = in.ue(), right = in.ue(), top = in.ue(), bottom = in.ue();
    if (in.failed()) return truncated("sps");
    if (uint64_t{left} + right >= static_cast<uint64_t>(sps.width_in_mbs) * 8)
      return out_of_range("sps", "frame_crop_left_offset + frame_crop_right_offset",
                          static_cast<long long>(left) + right);
    if (uint64_t{top} + bottom >= static_cast<uint64_t>(sps.height_in_mbs) * 8)
      return out_of_range("sps", "frame_crop_top_offset + frame_crop_bottom_offset",
                          static_cast<long long>(top) + bottom);
    sps.crop_left = static_cast<int>(left);
    sps.crop_right = static_cast<int>(right);
    sps.crop_top = static_cast<int>(top);
    sps.crop_bottom = static_cast<int>(bottom);
  }
  sps.vui_present = in.flag();
  if (in.failed()) return truncated("sps");
  if (sps.vui_present) GEARBOX_RETURN_IF_ERROR(parse_vui(in, sps.vui));
  if (!in.flag()) {  // rbsp_stop_one_bit
    if (in.failed()) return truncated("sps");
    return make_error(ErrorCode::kInvalidArgument, "sps: rbsp_stop_one_bit 0 is not 1");
  }
  return sps;
}

// ---- Picture parameter set -------------------------------------------------------------------

std::vector<uint8_t> write_pps(const Pps& pps, const Sps& sps) {
  (void)sps;  // no scaling lists: the SPS's chroma_format_idc does not matter here
  BitWriter out;
  out.ue(static_cast<uint32_t>(pps.id));
  out.ue(static_cast<uint32_t>(pps.sps_id));
  out.flag(pps.entropy_coding_mode);
  out.flag(false);  // bottom_field_pic_order_in_frame_present_flag
  out.ue(0);        // num_slice_groups_minus1
  out.ue(static_cast<uint32_t>(pps.num_ref_idx_l0_default_active_minus1));
  out.ue(static_cast<uint32_t>(pps.num_ref_idx_l1_default_active_minus1));
  out.flag(pps.weighted_pred);
  out.bits(static_cast<uint32_t>(pps.weighted_bipred_idc), 2);
  out.se(pps.pic_init_qp_minus26);
  out.se(pps.pic_init_qs_minus26);
  out.se(pps.chroma_qp_index_offset);
  out.flag(pps.deblocking_filter_control_present);
  out.flag(pps.constrained_intra_pred);
  out.flag(pps.redundant_pic_cnt_present);
  if (pps.transform_8x8_mode) {
    out.flag(true);
    out.flag(false);  // pic_scaling_matrix_present_flag
    out.se(pps.second_chroma_qp_index_offset);
  }
  out.trailing_bits();
  return out.bytes();
}

Result<Pps> parse_pps(const std::vector<uint8_t>& rbsp, const Sps& sps) {
  BitReader in(rbsp.data(), rbsp.size());
  Pps pps;
  const uint32_t id = in.ue();
  const uint32_t sps_id = in.ue();
  pps.entropy_coding_mode = in.flag();
  const bool bottom_field_pic_order = in.flag();
  const uint32_t slice_groups = in.ue();
  if (in.failed()) return truncated("pps");
  if (id > 255) return out_of_range("pps", "pic_parameter_set_id", id);
  if (sps_id != static_cast<uint32_t>(sps.id))
    return make_error(ErrorCode::kInvalidArgument,
                      "pps: seq_parameter_set_id " + std::to_string(sps_id) + " is not the SPS's " +
                          std::to_string(sps.id));
  if (bottom_field_pic_order)
    return refused("pps", "bottom_field_pic_order_in_frame_present_flag", 1);
  if (slice_groups != 0) return refused("pps", "num_slice_groups_minus1", slice_groups);
  pps.id = static_cast<int>(id);
  pps.sps_id = static_cast<int>(sps_id);
  const uint32_t l0 = in.ue();
  const uint32_t l1 = in.ue();
  pps.weighted_pred = in.flag();
  pps.weighted_bipred_idc = static_cast<int>(in.bits(2));
  pps.pic_init_qp_minus26 = in.se();
  pps.pic_init_qs_minus26 = in.se();
  pps.chroma_qp_index_offset = in.se();
  pps.deblocking_filter_control_present = in.flag();
  pps.constrained_intra_pred = in.flag();
  pps.redundant_pic_cnt_present = in.flag();
  if (in.failed()) return truncated("pps");
  if (l0 > 31) return out_of_range("pps", "num_ref_idx_l0_default_active_minus1", l0);
  if (l1 > 31) return out_of_range("pps", "num_ref_idx_l1_default_active_minus1", l1);
  pps.num_ref_idx_l0_default_active_minus1 = static_cast<int>(l0);
  pps.num_ref_idx_l1_default_active_minus1 = static_cast<int>(l1);
  if (pps.weighted_pred) return refused("pps", "weighted_pred_flag", 1);
  if (pps.weighted_bipred_idc == 3) return out_of_range("pps", "weighted_bipred_idc", 3);
  if (pps.pic_init_qp_minus26 < -26 || pps.pic_init_qp_minus26 > 25)
    return out_of_range("pps", "pic_init_qp_minus26", pps.pic_init_qp_minus26);
  if (pps.pic_init_qs_minus26 < -26 || pps.pic_init_qs_minus26 > 25)
    return out_of_range("pps", "pic_init_qs_minus26", pps.pic_init_qs_minus26);
  if (pps.chroma_qp_index_offset < -12 || pps.chroma_qp_index_offset > 12)
    return out_of_range("pps", "chroma_qp_index_offset", pps.chroma_qp_index_offset);
  if (pps.redundant_pic_cnt_present) return refused("pps", "redundant_pic_cnt_present_flag", 1);
  pps.transform_8x8_mode = false;
  pps.second_chroma_qp_index_offset = pps.chroma_qp_index_offset;
  if (more_rbsp_data(in, rbsp)) {
    pps.transform_8x8_mode = in.flag();
    const bool scaling = in.flag();
    pps.second_chroma_qp_index_offset = in.se();
    if (in.failed()) return truncated("pps");
    if (scaling) return refused("pps", "pic_scaling_matrix_present_flag", 1);
    if (pps.second_chroma_qp_index_offset < -12 || pps.second_chroma_qp_index_offset > 12)
      return out_of_range("pps", "second_chroma_qp_index_offset",
                          pps.second_chroma_qp_index_offset);
  }
  if (!in.flag()) {  // rbsp_stop_one_bit
    if (in.failed()) return truncated("pps");
    return make_error(ErrorCode::kInvalidArgument, "pps: rbsp_stop_one_bit 0 is not 1");
  }
  return pps;
}

// ---- Slice header ----------------------------------------------------------------------------

void write_slice_header(BitWriter& out, const SliceHeader& slice, const Sps& sps, const Pps& pps) {
  const int type = slice.slice_type % 5;
  out.ue(static_cast<uint32_t>(slice.first_mb));
  out.ue(static_cast<uint32_t>(type + 5));
  out.ue(static_cast<uint32_t>(slice.pps_id));
  out.bits(static_cast<uint32_t>(slice.frame_num), sps.log2_max_frame_num_minus4 + 4);
  if (slice.idr) out.ue(static_cast<uint32_t>(slice.idr_pic_id));
  if (sps.pic_order_cnt_type == 0)
    out.bits(static_cast<uint32_t>(slice.pic_order_cnt_lsb),
             sps.log2_max_pic_order_cnt_lsb_minus4 + 4);
  if (type == kSliceP) {
    out.flag(slice.num_ref_idx_active_override);
    if (slice.num_ref_idx_active_override)
      out.ue(static_cast<uint32_t>(slice.num_ref_idx_l0_active_minus1));
    out.flag(false);  // ref_pic_list_modification_flag_l0
  }
  if (slice.nal_ref_idc != 0) {  // dec_ref_pic_marking()
    if (slice.idr) {
      out.flag(slice.no_output_of_prior_pics);
      out.flag(slice.long_term_reference);
    } else {
      out.flag(false);  // adaptive_ref_pic_marking_mode_flag
    }
  }
  if (pps.entropy_coding_mode && type != kSliceI)
    out.ue(static_cast<uint32_t>(slice.cabac_init_idc));
  out.se(slice.slice_qp_delta);
  if (pps.deblocking_filter_control_present) {
    out.ue(static_cast<uint32_t>(slice.disable_deblocking_filter_idc));
    if (slice.disable_deblocking_filter_idc != 1) {
      out.se(slice.slice_alpha_c0_offset_div2);
      out.se(slice.slice_beta_offset_div2);
    }
  }
}

Result<SliceHeader> parse_slice_header(BitReader& in,
                                       int nal_type,
                                       int nal_ref_idc,
                                       const Sps& sps,
                                       const Pps& pps) {
  if (nal_type != kNalSliceNonIdr && nal_type != kNalSliceIdr)
    return refused("slice", "nal_unit_type", nal_type);
  SliceHeader slice;
  slice.idr = nal_type == kNalSliceIdr;
  slice.nal_ref_idc = nal_ref_idc;
  if (slice.idr && nal_ref_idc == 0)
    return make_error(ErrorCode::kInvalidArgument, "slice: an IDR slice has nal_ref_idc 0");
  const uint32_t first_mb = in.ue();
  const uint32_t slice_type = in.ue();
  const uint32_t pps_id = in.ue();
  if (in.failed()) return truncated("slice");
  const uint64_t mbs = static_cast<uint64_t>(sps.width_in_mbs) * sps.height_in_mbs;
  if (first_mb >= mbs) return out_of_range("slice", "first_mb_in_slice", first_mb);
  if (slice_type > 9) return out_of_range("slice", "slice_type", slice_type);
  const int type = static_cast<int>(slice_type % 5);
  if (type != kSliceP && type != kSliceI)
    return make_error(ErrorCode::kInvalidArgument,
                      "slice: slice_type " + std::to_string(slice_type) + " (" +
                          slice_type_name(type) + ") is not supported");
  if (slice.idr && type != kSliceI)
    return make_error(ErrorCode::kInvalidArgument,
                      "slice: slice_type " + std::to_string(slice_type) + " (P) in an IDR picture");
  if (pps_id != static_cast<uint32_t>(pps.id))
    return make_error(ErrorCode::kInvalidArgument,
                      "slice: pic_parameter_set_id " + std::to_string(pps_id) +
                          " is not the PPS's " + std::to_string(pps.id));
  slice.first_mb = static_cast<int>(first_mb);
  slice.slice_type = type;
  slice.pps_id = static_cast<int>(pps_id);
  slice.frame_num = static_cast<int>(in.bits(sps.log2_max_frame_num_minus4 + 4));
  if (slice.idr) {
    const uint32_t idr_pic_id = in.ue();
    if (in.failed()) return truncated("slice");
    if (slice.frame_num != 0)
      return make_error(
          ErrorCode::kInvalidArgument,
          "slice: frame_num " + std::to_string(slice.frame_num) + " in an IDR picture is not 0");
    if (idr_pic_id > 65535) return out_of_range("slice", "idr_pic_id", idr_pic_id);
    slice.idr_pic_id = static_cast<int>(idr_pic_id);
  }
  if (sps.pic_order_cnt_type == 0)
    slice.pic_order_cnt_lsb = static_cast<int>(in.bits(sps.log2_max_pic_order_cnt_lsb_minus4 + 4));
  slice.num_ref_idx_l0_active_minus1 = pps.num_ref_idx_l0_default_active_minus1;
  if (type == kSliceP) {
    slice.num_ref_idx_active_override = in.flag();
    if (slice.num_ref_idx_active_override) {
      const uint32_t l0 = in.ue();
      if (in.failed()) return truncated("slice");
      if (l0 > 31) return out_of_range("slice", "num_ref_idx_l0_active_minus1", l0);
      slice.num_ref_idx_l0_active_minus1 = static_cast<int>(l0);
    }
    if (in.flag()) return refused("slice", "ref_pic_list_modification_flag_l0", 1);
  }
  if (nal_ref_idc != 0) {
    if (slice.idr) {
      slice.no_output_of_prior_pics = in.flag();
      slice.long_term_reference = in.flag();
    } else if (in.flag()) {
      return refused("slice", "adaptive_ref_pic_marking_mode_flag", 1);
    }
  }
  if (pps.entropy_coding_mode && type != kSliceI) {
    const uint32_t cabac_init_idc = in.ue();
    if (in.failed()) return truncated("slice");
    if (cabac_init_idc > 2) return out_of_range("slice", "cabac_init_idc", cabac_init_idc);
    slice.cabac_init_idc = static_cast<int>(cabac_init_idc);
  }
  slice.slice_qp_delta = in.se();
  if (in.failed()) return truncated("slice");
  const int qp = 26 + pps.pic_init_qp_minus26 + slice.slice_qp_delta;
  if (qp < 0 || qp > 51) return out_of_range("slice", "slice_qp_delta", slice.slice_qp_delta);
  if (pps.deblocking_filter_control_present) {
    const uint32_t idc = in.ue();
    if (in.failed()) return truncated("slice");
    if (idc > 2) return out_of_range("slice", "disable_deblocking_filter_idc", idc);
    slice.disable_deblocking_filter_idc = static_cast<int>(idc);
    if (idc != 1) {
      slice.slice_alpha_c0_offset_div2 = in.se();
      slice.slice_beta_offset_div2 = in.se();
      if (in.failed()) return truncated("slice");
      if (slice.slice_alpha_c0_offset_div2 < -6 || slice.slice_alpha_c0_offset_div2 > 6)
        return out_of_range("slice", "slice_alpha_c0_offset_div2",
                            slice.slice_alpha_c0_offset_div2);
      if (slice.slice_beta_offset_div2 < -6 || slice.slice_beta_offset_div2 > 6)
        return out_of_range("slice", "slice_beta_offset_div2", slice.slice_beta_offset_div2);
    }
  }
  if (in.failed()) return truncated("slice");
  return slice;
}

std::string codec_string(const Sps& sps) {
  char text[16];
  std::snprintf(text, sizeof text, "avc1.%02x%02x%02x", sps.profile_idc & 0xff,
                sps.constraint_flags & 0xff, sps.level_idc & 0xff);
  return text;
}

}  // namespace gearbox::vaapi::h264
