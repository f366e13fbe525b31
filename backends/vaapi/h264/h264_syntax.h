// H.264 high-level syntax (ITU-T H.264 7.3): the parameter sets and slice headers that a VA-API
// encoder's packed headers carry. The backend writes them (a driver asks for packed headers and
// then leaves their bits to the application, as FFmpeg's vaapi_encode_h264 does); the simulated
// driver parses what it is given, checks it against the VA parameter buffers, and rewrites
// libx264's slice headers into the ones the application asked for. One implementation, so
// writer and parser are tested against each other and against libavcodec's decoder.
//
// Only what gearbox uses is modelled: progressive frames, 4:2:0 8-bit, one slice a picture,
// I and P slices, no scaling matrices, no long-term references, no reordering commands.
// A parser refuses anything outside that with a message naming the syntax element.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gearbox/error.h"

namespace gearbox::vaapi::h264 {

enum NalType : int { kNalSliceNonIdr = 1, kNalSliceIdr = 5, kNalSei = 6, kNalSps = 7, kNalPps = 8 };
enum SliceType : int { kSliceP = 0, kSliceI = 2 };  // slice_type % 5

// RBSP bits, most significant first (7.2: u(n), ue(v), se(v)).
class BitWriter {
 public:
  void bits(uint64_t value, int count);  // u(count), count <= 32
  void flag(bool value) { bits(value ? 1 : 0, 1); }
  void ue(uint32_t value);
  void se(int32_t value);
  void trailing_bits();    // rbsp_trailing_bits(): a 1, then 0s to the byte boundary
  void align_with_ones();  // cabac_alignment_one_bit until byte-aligned
  bool byte_aligned() const { return bit_count_ % 8 == 0; }
  size_t bit_count() const { return bit_count_; }
  // The bits so far, the last byte padded with zeros.
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
  size_t bit_count_ = 0;
};

class BitReader {
 public:
  BitReader(const uint8_t* rbsp, size_t size) : data_(rbsp), size_(size) {}
  // Reads past the end set failed() and return 0; callers check failed() once per structure.
  uint32_t bits(int count);  // count <= 32
  bool flag() { return bits(1) != 0; }
  uint32_t ue();
  int32_t se();
  bool failed() const { return failed_; }
  size_t position() const { return position_; }  // bits consumed
  size_t bits_left() const { return failed_ ? 0 : size_ * 8 - position_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
  bool failed_ = false;
};

// Emulation prevention (7.4.1): RBSP -> NAL payload and back.
std::vector<uint8_t> escape_rbsp(const uint8_t* rbsp, size_t size);
std::vector<uint8_t> unescape_rbsp(const uint8_t* payload, size_t size);

// One NAL unit of an Annex B buffer: header byte fields and the payload after the header byte
// (still escaped).
struct NalUnit {
  int type = 0;
  int ref_idc = 0;
  const uint8_t* payload = nullptr;
  size_t payload_size = 0;
};
// Splits at 3- and 4-byte start codes.
std::vector<NalUnit> split_annexb(const uint8_t* data, size_t size);
// 00 00 00 01, the header byte, the escaped RBSP.
std::vector<uint8_t> annexb_nal(int type, int ref_idc, const std::vector<uint8_t>& rbsp);

struct Vui {
  bool timing_info_present = true;
  uint32_t num_units_in_tick = 1;  // a frame lasts 2 * num_units_in_tick / time_scale
  uint32_t time_scale = 50;
  bool fixed_frame_rate = true;
  // video_signal_type, always written: the range and the colour description (ITU-T H.273 code
  // points). The default is what gearbox's colour conversion produces (libyuv's BT.601 limited
  // range, as the x264 and NVENC backends signal it): SMPTE 170M primaries, transfer, matrix.
  bool video_full_range = false;
  int colour_primaries = 6;
  int transfer_characteristics = 6;
  int matrix_coefficients = 6;
  bool bitstream_restriction = true;  // max_num_reorder_frames 0: a decoder outputs at once
  int max_dec_frame_buffering = 1;
};

struct Sps {
  int profile_idc = 100;     // High
  int constraint_flags = 0;  // constraint_set0..5 flags, set0 in bit 7 as in the bitstream
  int level_idc = 40;
  int id = 0;
  int chroma_format_idc = 1;
  int log2_max_frame_num_minus4 = 4;
  int pic_order_cnt_type = 2;  // 0 (with lsb in every slice header) or 2 (output order = decode)
  int log2_max_pic_order_cnt_lsb_minus4 = 4;
  int max_num_ref_frames = 1;
  int width_in_mbs = 0;
  int height_in_mbs = 0;  // frame_mbs_only_flag is always 1
  bool direct_8x8_inference = true;
  // frame_cropping: in 2-pixel units (4:2:0)
  int crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;
  bool vui_present = true;
  Vui vui;

  int width() const { return width_in_mbs * 16 - 2 * (crop_left + crop_right); }
  int height() const { return height_in_mbs * 16 - 2 * (crop_top + crop_bottom); }
  // The macroblock grid and the cropping for a picture of this size.
  void set_size(int width, int height);
};

struct Pps {
  int id = 0;
  int sps_id = 0;
  bool entropy_coding_mode = true;  // CABAC
  int num_ref_idx_l0_default_active_minus1 = 0;
  int num_ref_idx_l1_default_active_minus1 = 0;
  bool weighted_pred = false;
  int weighted_bipred_idc = 0;
  int pic_init_qp_minus26 = 0;
  int pic_init_qs_minus26 = 0;
  int chroma_qp_index_offset = 0;
  bool deblocking_filter_control_present = true;
  bool constrained_intra_pred = false;
  bool redundant_pic_cnt_present = false;
  bool transform_8x8_mode = true;  // written (with the High extension) when true
  int second_chroma_qp_index_offset = 0;
};

struct SliceHeader {
  bool idr = false;  // the NAL type: 5 or 1
  int nal_ref_idc = 3;
  int first_mb = 0;
  int slice_type = kSliceI;  // 0..4 (P, B, I, SP, SI); written +5 ("all slices of the picture")
  int pps_id = 0;
  int frame_num = 0;
  int idr_pic_id = 0;
  int pic_order_cnt_lsb = 0;  // pic_order_cnt_type 0 only
  bool num_ref_idx_active_override = false;
  int num_ref_idx_l0_active_minus1 = 0;
  bool no_output_of_prior_pics = false;
  bool long_term_reference = false;
  int cabac_init_idc = 0;
  int slice_qp_delta = 0;
  int disable_deblocking_filter_idc = 0;
  int slice_alpha_c0_offset_div2 = 0;
  int slice_beta_offset_div2 = 0;
};

// RBSPs (without the NAL header byte), as written into a packed header after annexb_nal().
std::vector<uint8_t> write_sps(const Sps& sps);
std::vector<uint8_t> write_pps(const Pps& pps, const Sps& sps);
// The slice header's bits only (no slice data, no trailing bits); the caller appends the data
// (after align_with_ones() under CABAC) or hands the bits to a driver as a packed slice header.
void write_slice_header(BitWriter& out, const SliceHeader& slice, const Sps& sps, const Pps& pps);

// Parsers of RBSPs (unescaped, without the NAL header byte). Errors name the syntax element and
// its value, e.g. "sps: pic_order_cnt_type 1 is not supported".
Result<Sps> parse_sps(const std::vector<uint8_t>& rbsp);
Result<Pps> parse_pps(const std::vector<uint8_t>& rbsp, const Sps& sps);
// `nal_type` and `nal_ref_idc` come from the NAL header byte. On success `reader` stands at the
// first bit after the header (where a CABAC slice's alignment bits start).
Result<SliceHeader> parse_slice_header(BitReader& reader,
                                       int nal_type,
                                       int nal_ref_idc,
                                       const Sps& sps,
                                       const Pps& pps);

// The profile, constraint and level bytes as RFC 6381 writes them ("avc1.64001f").
std::string codec_string(const Sps& sps);

}  // namespace gearbox::vaapi::h264
