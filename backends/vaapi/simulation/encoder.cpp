#include "encoder.h"

#include <va/va_enc_h264.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

extern "C" {
#include <x264.h>
}

#include "h264_syntax.h"
#include "simulation.h"

namespace gearbox::vaapi::simulation {
namespace {

namespace h264 = gearbox::vaapi::h264;

VAStatus misuse(const std::string& message) {
  return violation(VA_STATUS_ERROR_INVALID_PARAMETER, message);
}

// Parameters the model (x264's slice data under the application's headers) cannot follow: the
// application may be right, the simulation just does not do it.
VAStatus unmodelled(const std::string& message) {
  log_line("the simulation models only " + message);
  return VA_STATUS_ERROR_INVALID_PARAMETER;
}

template <class T>
const T* as(const RenderedBuffer& b) {
  return b.data.size() >= sizeof(T) ? reinterpret_cast<const T*>(b.data.data()) : nullptr;
}

// H.264 Table A-1: MaxMBPS and MaxFS per level_idc.
struct LevelLimit {
  int level_idc;
  long max_mbps;
  long max_fs;
};
constexpr LevelLimit kLevels[] = {
    {9, 1485, 99},        {10, 1485, 99},        {11, 3000, 396},       {12, 6000, 396},
    {13, 11880, 396},     {20, 11880, 396},      {21, 19800, 792},      {22, 20250, 1620},
    {30, 40500, 1620},    {31, 108000, 3600},    {32, 216000, 5120},    {40, 245760, 8192},
    {41, 245760, 8192},   {42, 522240, 8704},    {50, 589824, 22080},   {51, 983040, 36864},
    {52, 2073600, 36864}, {60, 4177920, 139264}, {61, 8355840, 139264}, {62, 16711680, 139264},
};

const LevelLimit* level_limit(int level_idc) {
  for (const LevelLimit& l : kLevels) {
    if (l.level_idc == level_idc) return &l;
  }
  return nullptr;
}

std::string field(const char* name, long have, long want) {
  return std::string(name) + " " + std::to_string(have) + " where " + std::to_string(want) +
         " was expected";
}

struct PackedHeader {
  uint32_t type = 0;
  uint32_t bit_length = 0;
  bool has_emulation_bytes = false;
  std::vector<uint8_t> data;
};

// The one NAL unit of a packed SPS or PPS (with its start code, emulation prevention applied).
std::optional<h264::NalUnit> single_nal(const PackedHeader& p, int type, std::string* why) {
  auto nals = h264::split_annexb(p.data.data(), p.data.size());
  if (nals.size() != 1 || nals[0].type != type) {
    *why = "holds " + std::to_string(nals.size()) + " NAL unit(s), the first of type " +
           (nals.empty() ? std::string("none") : std::to_string(nals[0].type)) +
           ", where one NAL unit of type " + std::to_string(type) + " was expected";
    return std::nullopt;
  }
  return nals[0];
}

// The driver's own headers (no packed headers): from the VA parameter buffers, with one field of
// the driver's choosing where the application's buffers leave it free: log2_max_frame_num 4 (a
// frame_num modulo 16), so a test can tell the driver's SPS from the one the application would
// write.
constexpr int kOwnLog2MaxFrameNumMinus4 = 0;

h264::Sps own_sps(const VAEncSequenceParameterBufferH264& s) {
  h264::Sps sps;
  sps.level_idc = static_cast<int>(s.level_idc);
  sps.id = static_cast<int>(s.seq_parameter_set_id);
  sps.chroma_format_idc = static_cast<int>(s.seq_fields.bits.chroma_format_idc);
  sps.log2_max_frame_num_minus4 = kOwnLog2MaxFrameNumMinus4;
  sps.pic_order_cnt_type = static_cast<int>(s.seq_fields.bits.pic_order_cnt_type);
  sps.log2_max_pic_order_cnt_lsb_minus4 =
      static_cast<int>(s.seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4);
  sps.max_num_ref_frames = static_cast<int>(s.max_num_ref_frames);
  sps.width_in_mbs = s.picture_width_in_mbs;
  sps.height_in_mbs = s.picture_height_in_mbs;
  sps.direct_8x8_inference = s.seq_fields.bits.direct_8x8_inference_flag;
  if (s.frame_cropping_flag) {
    sps.crop_left = static_cast<int>(s.frame_crop_left_offset);
    sps.crop_right = static_cast<int>(s.frame_crop_right_offset);
    sps.crop_top = static_cast<int>(s.frame_crop_top_offset);
    sps.crop_bottom = static_cast<int>(s.frame_crop_bottom_offset);
  }
  sps.vui_present = s.vui_parameters_present_flag;
  sps.vui.timing_info_present = s.vui_fields.bits.timing_info_present_flag;
  sps.vui.num_units_in_tick = s.num_units_in_tick;
  sps.vui.time_scale = s.time_scale;
  sps.vui.bitstream_restriction = s.vui_fields.bits.bitstream_restriction_flag;
  sps.vui.max_dec_frame_buffering = sps.max_num_ref_frames;
  return sps;
}

h264::Pps own_pps(const VAEncPictureParameterBufferH264& pic) {
  h264::Pps pps;
  pps.id = pic.pic_parameter_set_id;
  pps.sps_id = pic.seq_parameter_set_id;
  pps.entropy_coding_mode = pic.pic_fields.bits.entropy_coding_mode_flag;
  pps.num_ref_idx_l0_default_active_minus1 = pic.num_ref_idx_l0_active_minus1;
  pps.num_ref_idx_l1_default_active_minus1 = pic.num_ref_idx_l1_active_minus1;
  pps.weighted_pred = pic.pic_fields.bits.weighted_pred_flag;
  pps.weighted_bipred_idc = static_cast<int>(pic.pic_fields.bits.weighted_bipred_idc);
  pps.pic_init_qp_minus26 = pic.pic_init_qp - 26;
  pps.chroma_qp_index_offset = pic.chroma_qp_index_offset;
  pps.second_chroma_qp_index_offset = pic.second_chroma_qp_index_offset;
  pps.deblocking_filter_control_present =
      pic.pic_fields.bits.deblocking_filter_control_present_flag;
  pps.constrained_intra_pred = pic.pic_fields.bits.constrained_intra_pred_flag;
  pps.redundant_pic_cnt_present = pic.pic_fields.bits.redundant_pic_cnt_present_flag;
  pps.transform_8x8_mode = pic.pic_fields.bits.transform_8x8_mode_flag;
  return pps;
}

h264::SliceHeader own_slice_header(const VAEncPictureParameterBufferH264& pic,
                                   const VAEncSliceParameterBufferH264& slice) {
  h264::SliceHeader h;
  h.idr = pic.pic_fields.bits.idr_pic_flag;
  h.nal_ref_idc = pic.pic_fields.bits.reference_pic_flag ? 3 : 0;
  h.first_mb = static_cast<int>(slice.macroblock_address);
  h.slice_type = slice.slice_type % 5;
  h.pps_id = slice.pic_parameter_set_id;
  h.frame_num = pic.frame_num % (1 << (kOwnLog2MaxFrameNumMinus4 + 4));
  h.idr_pic_id = slice.idr_pic_id;
  h.pic_order_cnt_lsb = slice.pic_order_cnt_lsb;
  h.num_ref_idx_active_override = slice.num_ref_idx_active_override_flag;
  h.num_ref_idx_l0_active_minus1 = slice.num_ref_idx_l0_active_minus1;
  h.cabac_init_idc = slice.cabac_init_idc;
  h.slice_qp_delta = slice.slice_qp_delta;
  h.disable_deblocking_filter_idc = slice.disable_deblocking_filter_idc;
  h.slice_alpha_c0_offset_div2 = slice.slice_alpha_c0_offset_div2;
  h.slice_beta_offset_div2 = slice.slice_beta_offset_div2;
  return h;
}

}  // namespace

struct Encoder::State {
  Config config;
  int width = 0;
  int height = 0;
  int total_mbs = 0;

  bool have_sequence = false;
  VAEncSequenceParameterBufferH264 seq{};
  std::optional<h264::Sps> sps;  // the application's packed SPS
  std::optional<h264::Pps> pps;
  std::vector<uint8_t> packed_sps_bytes, packed_pps_bytes;

  // Rate control from the misc buffers.
  bool have_rate_control = false, have_hrd = false;
  VAEncMiscParameterRateControl rc{};
  VAEncMiscParameterHRD hrd{};
  uint32_t framerate_num = 0, framerate_den = 1;

  // The reference chain.
  long pictures = 0;
  VASurfaceID previous_recon = VA_INVALID_SURFACE;
  int previous_frame_num = 0;
  int pictures_since_idr = 0;
  int previous_idr_pic_id = -1;

  x264_t* x264 = nullptr;
  x264_param_t param{};
  h264::Sps x264_sps;
  h264::Pps x264_pps;

  ~State() {
    if (x264) x264_encoder_close(x264);
  }

  double frame_rate() const {
    if (framerate_num) return static_cast<double>(framerate_num) / framerate_den;
    if (seq.vui_parameters_present_flag && seq.vui_fields.bits.timing_info_present_flag &&
        seq.num_units_in_tick) {
      return seq.time_scale / (2.0 * seq.num_units_in_tick);
    }
    return 0;
  }

  VAStatus check_sequence(const VAEncSequenceParameterBufferH264& s) const;
  VAStatus check_packed_sps(const h264::Sps& p) const;
  VAStatus check_packed_pps(const h264::Pps& p, const VAEncPictureParameterBufferH264& pic) const;
  VAStatus check_packed_slice(const h264::SliceHeader& h,
                              const VAEncPictureParameterBufferH264& pic,
                              const VAEncSliceParameterBufferH264& slice) const;
  void fill_rate_control(x264_param_t* p) const;
  VAStatus open_x264();
  VAStatus encode_slice(const EncodeInput& input,
                        bool idr,
                        int slice_type,
                        h264::SliceHeader header,
                        int nal_type,
                        int nal_ref_idc,
                        std::vector<uint8_t>* nal);
};

VAStatus Encoder::State::check_sequence(const VAEncSequenceParameterBufferH264& s) const {
  const int want_w = (width + 15) / 16, want_h = (height + 15) / 16;
  if (s.picture_width_in_mbs != want_w || s.picture_height_in_mbs != want_h) {
    return misuse(
        "VAEncSequenceParameterBufferH264: picture_width_in_mbs x picture_height_in_mbs " +
        std::to_string(s.picture_width_in_mbs) + "x" + std::to_string(s.picture_height_in_mbs) +
        " for a context of " + std::to_string(width) + "x" + std::to_string(height) + " (" +
        std::to_string(want_w) + "x" + std::to_string(want_h) + " macroblocks)");
  }
  if (s.max_num_ref_frames > 1) {
    return misuse(
        field("VAEncSequenceParameterBufferH264: max_num_ref_frames", s.max_num_ref_frames, 1) +
        " (VAConfigAttribEncMaxRefFrames offers 1)");
  }
  if (s.ip_period > 1) {
    return misuse(field("VAEncSequenceParameterBufferH264: ip_period", s.ip_period, 1) +
                  " (VAConfigAttribEncMaxRefFrames offers no L1 reference: no B-frames)");
  }
  if (s.seq_fields.bits.chroma_format_idc != 1 || !s.seq_fields.bits.frame_mbs_only_flag) {
    return unmodelled("4:2:0 progressive frames (chroma_format_idc 1, frame_mbs_only_flag 1)");
  }
  const LevelLimit* level = level_limit(s.level_idc);
  if (!level)
    return misuse("VAEncSequenceParameterBufferH264: level_idc " + std::to_string(s.level_idc) +
                  " is no H.264 level");
  const long frame_mbs = static_cast<long>(want_w) * want_h;
  if (frame_mbs > level->max_fs || want_w * want_w > 8 * level->max_fs ||
      want_h * want_h > 8 * level->max_fs) {
    return misuse("level_idc " + std::to_string(s.level_idc) + ": a frame of " +
                  std::to_string(frame_mbs) + " macroblocks exceeds MaxFS " +
                  std::to_string(level->max_fs) + " (H.264 Table A-1)");
  }
  return VA_STATUS_SUCCESS;
}

VAStatus Encoder::State::check_packed_sps(const h264::Sps& p) const {
  const auto& s = seq;
  struct {
    const char* name;
    long packed, buffer;
  } fields[] = {
      {"level_idc", p.level_idc, s.level_idc},
      {"seq_parameter_set_id", p.id, s.seq_parameter_set_id},
      {"chroma_format_idc", p.chroma_format_idc, s.seq_fields.bits.chroma_format_idc},
      {"log2_max_frame_num_minus4", p.log2_max_frame_num_minus4,
       s.seq_fields.bits.log2_max_frame_num_minus4},
      {"pic_order_cnt_type", p.pic_order_cnt_type, s.seq_fields.bits.pic_order_cnt_type},
      {"max_num_ref_frames", p.max_num_ref_frames, s.max_num_ref_frames},
      {"pic_width_in_mbs", p.width_in_mbs, s.picture_width_in_mbs},
      {"pic_height_in_map_units", p.height_in_mbs, s.picture_height_in_mbs},
      {"direct_8x8_inference_flag", p.direct_8x8_inference,
       s.seq_fields.bits.direct_8x8_inference_flag},
      {"frame_crop_left_offset", p.crop_left, s.frame_cropping_flag ? s.frame_crop_left_offset : 0},
      {"frame_crop_right_offset", p.crop_right,
       s.frame_cropping_flag ? s.frame_crop_right_offset : 0},
      {"frame_crop_top_offset", p.crop_top, s.frame_cropping_flag ? s.frame_crop_top_offset : 0},
      {"frame_crop_bottom_offset", p.crop_bottom,
       s.frame_cropping_flag ? s.frame_crop_bottom_offset : 0},
      {"vui_parameters_present_flag", p.vui_present, s.vui_parameters_present_flag},
  };
  for (const auto& f : fields) {
    if (f.packed != f.buffer) {
      return misuse(std::string("packed SPS: ") + f.name + " " + std::to_string(f.packed) +
                    " but VAEncSequenceParameterBufferH264 says " + std::to_string(f.buffer));
    }
  }
  if (p.pic_order_cnt_type == 0 &&
      p.log2_max_pic_order_cnt_lsb_minus4 !=
          static_cast<int>(s.seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4)) {
    return misuse("packed SPS: log2_max_pic_order_cnt_lsb_minus4 " +
                  std::to_string(p.log2_max_pic_order_cnt_lsb_minus4) +
                  " but VAEncSequenceParameterBufferH264 says " +
                  std::to_string(s.seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4));
  }
  if (p.vui_present && s.vui_fields.bits.timing_info_present_flag &&
      (!p.vui.timing_info_present || p.vui.num_units_in_tick != s.num_units_in_tick ||
       p.vui.time_scale != s.time_scale)) {
    return misuse("packed SPS: VUI timing " + std::to_string(p.vui.num_units_in_tick) + "/" +
                  std::to_string(p.vui.time_scale) +
                  " but VAEncSequenceParameterBufferH264 says num_units_in_tick " +
                  std::to_string(s.num_units_in_tick) + ", time_scale " +
                  std::to_string(s.time_scale));
  }
  return VA_STATUS_SUCCESS;
}

VAStatus Encoder::State::check_packed_pps(const h264::Pps& p,
                                          const VAEncPictureParameterBufferH264& pic) const {
  struct {
    const char* name;
    long packed, buffer;
  } fields[] = {
      {"pic_parameter_set_id", p.id, pic.pic_parameter_set_id},
      {"seq_parameter_set_id", p.sps_id, pic.seq_parameter_set_id},
      {"pic_init_qp_minus26 + 26", p.pic_init_qp_minus26 + 26, pic.pic_init_qp},
      {"entropy_coding_mode_flag", p.entropy_coding_mode,
       pic.pic_fields.bits.entropy_coding_mode_flag},
      {"transform_8x8_mode_flag", p.transform_8x8_mode,
       pic.pic_fields.bits.transform_8x8_mode_flag},
      {"chroma_qp_index_offset", p.chroma_qp_index_offset, pic.chroma_qp_index_offset},
      {"weighted_pred_flag", p.weighted_pred, pic.pic_fields.bits.weighted_pred_flag},
      {"constrained_intra_pred_flag", p.constrained_intra_pred,
       pic.pic_fields.bits.constrained_intra_pred_flag},
      {"deblocking_filter_control_present_flag", p.deblocking_filter_control_present,
       pic.pic_fields.bits.deblocking_filter_control_present_flag},
  };
  for (const auto& f : fields) {
    if (f.packed != f.buffer) {
      return misuse(std::string("packed PPS: ") + f.name + " " + std::to_string(f.packed) +
                    " but VAEncPictureParameterBufferH264 says " + std::to_string(f.buffer));
    }
  }
  return VA_STATUS_SUCCESS;
}

VAStatus Encoder::State::check_packed_slice(const h264::SliceHeader& h,
                                            const VAEncPictureParameterBufferH264& pic,
                                            const VAEncSliceParameterBufferH264& slice) const {
  struct {
    const char* name;
    long packed, buffer;
  } fields[] = {
      {"nal_unit_type 5 (IDR)", h.idr, pic.pic_fields.bits.idr_pic_flag},
      {"first_mb_in_slice", h.first_mb, slice.macroblock_address},
      {"slice_type % 5", h.slice_type % 5, slice.slice_type % 5},
      {"pic_parameter_set_id", h.pps_id, slice.pic_parameter_set_id},
      {"frame_num", h.frame_num, pic.frame_num},
      {"idr_pic_id", h.idr ? h.idr_pic_id : 0, h.idr ? slice.idr_pic_id : 0},
      {"pic_order_cnt_lsb", sps->pic_order_cnt_type == 0 ? h.pic_order_cnt_lsb : 0,
       sps->pic_order_cnt_type == 0 ? slice.pic_order_cnt_lsb : 0},
      {"num_ref_idx_active_override_flag", h.num_ref_idx_active_override,
       slice.num_ref_idx_active_override_flag},
      {"cabac_init_idc", h.cabac_init_idc, slice.cabac_init_idc},
      {"slice_qp_delta", h.slice_qp_delta, slice.slice_qp_delta},
      {"disable_deblocking_filter_idc", h.disable_deblocking_filter_idc,
       slice.disable_deblocking_filter_idc},
      {"slice_alpha_c0_offset_div2", h.slice_alpha_c0_offset_div2,
       slice.slice_alpha_c0_offset_div2},
      {"slice_beta_offset_div2", h.slice_beta_offset_div2, slice.slice_beta_offset_div2},
  };
  for (const auto& f : fields) {
    if (f.packed != f.buffer) {
      return misuse(std::string("packed slice header: ") + f.name + " " + std::to_string(f.packed) +
                    " but the parameter buffers say " + std::to_string(f.buffer));
    }
  }
  return VA_STATUS_SUCCESS;
}

void Encoder::State::fill_rate_control(x264_param_t* p) const {
  const double fps = frame_rate() > 0 ? frame_rate() : 30;
  p->i_fps_num = framerate_num ? framerate_num : static_cast<uint32_t>(std::lround(fps * 1000));
  p->i_fps_den = framerate_num ? framerate_den : 1000;
  p->i_timebase_num = p->i_fps_den;
  p->i_timebase_den = p->i_fps_num;
  if (config.rate_control == VA_RC_CQP) {
    p->rc.i_rc_method = X264_RC_CQP;
    p->rc.i_qp_constant = pps ? pps->pic_init_qp_minus26 + 26 : 26;
    return;
  }
  const uint32_t peak =
      have_rate_control && rc.bits_per_second ? rc.bits_per_second : seq.bits_per_second;
  const uint32_t percent =
      config.rate_control == VA_RC_VBR && have_rate_control && rc.target_percentage
          ? rc.target_percentage
          : 100;
  p->rc.i_rc_method = X264_RC_ABR;
  p->rc.i_bitrate = static_cast<int>(static_cast<uint64_t>(peak) * percent / 100 / 1000);
  p->rc.i_vbv_max_bitrate = static_cast<int>(peak / 1000);
  const uint32_t buffer = have_hrd && hrd.buffer_size ? hrd.buffer_size : peak;
  p->rc.i_vbv_buffer_size = static_cast<int>(buffer / 1000);
  if (have_hrd && hrd.buffer_size) {
    p->rc.f_vbv_buffer_init = static_cast<float>(hrd.initial_buffer_fullness) / hrd.buffer_size;
  }
}

VAStatus Encoder::State::open_x264() {
  x264_param_t& p = param;
  x264_param_default_preset(&p, "veryfast", "zerolatency");
  p.i_log_level = X264_LOG_WARNING;
  p.i_threads = 1;  // one slice: no sliced threads
  p.b_sliced_threads = 0;
  p.i_width = width;
  p.i_height = height;
  p.i_csp = X264_CSP_NV12;
  p.b_vfr_input = 0;
  // What the slice data depends on, made to match the application's SPS/PPS (checked below).
  p.b_cabac = 1;
  p.analyse.b_transform_8x8 = 1;
  p.i_frame_reference = 1;
  p.i_bframe = 0;
  p.analyse.i_weighted_pred = X264_WEIGHTP_NONE;
  p.analyse.b_psy = 0;  // psy would move chroma_qp_index_offset
  p.analyse.i_chroma_qp_offset = 0;
  p.b_constrained_intra = 0;
  p.b_intra_refresh = 0;
  p.i_slice_count = 1;
  p.i_slice_max_size = 0;
  p.i_slice_max_mbs = 0;
  // The reconstruction the decoder makes with the application's deblocking fields.
  p.b_deblocking_filter = 1;
  p.i_deblocking_filter_alphac0 = 0;
  p.i_deblocking_filter_beta = 0;
  // Every IDR is the application's.
  p.i_keyint_max = X264_KEYINT_MAX_INFINITE;
  p.i_keyint_min = 1;
  p.i_scenecut_threshold = 0;
  p.b_repeat_headers = 0;
  p.b_annexb = 1;
  p.b_aud = 0;
  p.i_nal_hrd = X264_NAL_HRD_NONE;
  fill_rate_control(&p);
  if (x264_param_apply_profile(&p, "high") < 0) {
    return unmodelled("what libx264's High profile accepts");
  }
  x264 = x264_encoder_open(&p);
  if (!x264) {
    log_line("libx264 refused the configuration");
    return VA_STATUS_ERROR_OPERATION_FAILED;
  }
  x264_encoder_parameters(x264, &p);
  x264_nal_t* nals = nullptr;
  int count = 0;
  x264_encoder_headers(x264, &nals, &count);
  bool have_sps = false, have_pps = false;
  for (int i = 0; i < count; ++i) {
    for (const h264::NalUnit& nal : h264::split_annexb(nals[i].p_payload, nals[i].i_payload)) {
      const auto rbsp = h264::unescape_rbsp(nal.payload, nal.payload_size);
      if (nal.type == h264::kNalSps) {
        auto parsed = h264::parse_sps(rbsp);
        if (!parsed) {
          log_line("cannot parse libx264's SPS: " + parsed.error().message);
          return VA_STATUS_ERROR_OPERATION_FAILED;
        }
        x264_sps = *parsed;
        have_sps = true;
      } else if (nal.type == h264::kNalPps && have_sps) {
        auto parsed = h264::parse_pps(rbsp, x264_sps);
        if (!parsed) {
          log_line("cannot parse libx264's PPS: " + parsed.error().message);
          return VA_STATUS_ERROR_OPERATION_FAILED;
        }
        x264_pps = *parsed;
        have_pps = true;
      }
    }
  }
  if (!have_sps || !have_pps) {
    log_line("libx264 gave no SPS and PPS");
    return VA_STATUS_ERROR_OPERATION_FAILED;
  }
  // The fields x264's slice data depends on must be the application's.
  struct {
    const char* name;
    long x264, application;
  } fields[] = {
      {"entropy_coding_mode_flag", x264_pps.entropy_coding_mode, pps->entropy_coding_mode},
      {"transform_8x8_mode_flag", x264_pps.transform_8x8_mode, pps->transform_8x8_mode},
      {"chroma_qp_index_offset", x264_pps.chroma_qp_index_offset, pps->chroma_qp_index_offset},
      {"second_chroma_qp_index_offset", x264_pps.second_chroma_qp_index_offset,
       pps->second_chroma_qp_index_offset},
      {"num_ref_idx_l0_default_active_minus1", x264_pps.num_ref_idx_l0_default_active_minus1,
       pps->num_ref_idx_l0_default_active_minus1},
      {"weighted_pred_flag", x264_pps.weighted_pred, pps->weighted_pred},
      {"constrained_intra_pred_flag", x264_pps.constrained_intra_pred, pps->constrained_intra_pred},
      {"pic_width_in_mbs", x264_sps.width_in_mbs, sps->width_in_mbs},
      {"pic_height_in_map_units", x264_sps.height_in_mbs, sps->height_in_mbs},
      {"direct_8x8_inference_flag", x264_sps.direct_8x8_inference, sps->direct_8x8_inference},
  };
  for (const auto& f : fields) {
    if (f.x264 != f.application) {
      return unmodelled(std::string("slice data for ") + f.name + " " + std::to_string(f.x264) +
                        " (libx264's), but the application's SPS/PPS says " +
                        std::to_string(f.application));
    }
  }
  return VA_STATUS_SUCCESS;
}

VAStatus Encoder::State::encode_slice(const EncodeInput& input,
                                      bool idr,
                                      int slice_type,
                                      h264::SliceHeader header,
                                      int nal_type,
                                      int nal_ref_idc,
                                      std::vector<uint8_t>* nal_out) {
  x264_picture_t in, out;
  x264_picture_init(&in);
  in.img.i_csp = X264_CSP_NV12;
  in.img.i_plane = 2;
  in.img.plane[0] = const_cast<uint8_t*>(input.pixels.data());
  in.img.plane[1] =
      const_cast<uint8_t*>(input.pixels.data()) + static_cast<size_t>(input.pitch) * height;
  in.img.i_stride[0] = in.img.i_stride[1] = input.pitch;
  in.i_pts = pictures;
  in.i_type = idr ? X264_TYPE_IDR : slice_type == h264::kSliceI ? X264_TYPE_I : X264_TYPE_P;
  x264_nal_t* nals = nullptr;
  int count = 0;
  if (x264_encoder_encode(x264, &nals, &count, &in, &out) <= 0) {
    log_line("libx264 produced no picture");
    return VA_STATUS_ERROR_OPERATION_FAILED;
  }
  for (int i = 0; i < count; ++i) {
    for (const h264::NalUnit& nal : h264::split_annexb(nals[i].p_payload, nals[i].i_payload)) {
      if (nal.type != h264::kNalSliceIdr && nal.type != h264::kNalSliceNonIdr) continue;
      if ((nal.type == h264::kNalSliceIdr) != idr) {
        log_line("libx264 made an " + std::string(idr ? "non-IDR" : "IDR") + " picture where " +
                 (idr ? "an IDR" : "a non-IDR") + " was asked for");
        return VA_STATUS_ERROR_OPERATION_FAILED;
      }
      const auto rbsp = h264::unescape_rbsp(nal.payload, nal.payload_size);
      h264::BitReader reader(rbsp.data(), rbsp.size());
      auto x264_header =
          h264::parse_slice_header(reader, nal.type, nal.ref_idc, x264_sps, x264_pps);
      if (!x264_header) {
        log_line("cannot parse libx264's slice header: " + x264_header.error().message);
        return VA_STATUS_ERROR_OPERATION_FAILED;
      }
      // The QP x264's rate control chose, relative to the application's pic_init_qp.
      const int slice_qp = 26 + x264_pps.pic_init_qp_minus26 + x264_header->slice_qp_delta;
      header.slice_qp_delta = slice_qp - (26 + pps->pic_init_qp_minus26);
      h264::BitWriter writer;
      h264::write_slice_header(writer, header, *sps, *pps);
      writer.align_with_ones();
      std::vector<uint8_t> out_rbsp = writer.bytes();
      const size_t data_start = (reader.position() + 7) / 8;
      out_rbsp.insert(out_rbsp.end(), rbsp.begin() + static_cast<long>(data_start), rbsp.end());
      *nal_out = h264::annexb_nal(nal_type, nal_ref_idc, out_rbsp);
      return VA_STATUS_SUCCESS;
    }
  }
  log_line("libx264's output has no slice");
  return VA_STATUS_ERROR_OPERATION_FAILED;
}

Encoder::Encoder(const Config& config, int width, int height) : state_(std::make_unique<State>()) {
  state_->config = config;
  state_->width = width;
  state_->height = height;
  state_->total_mbs = ((width + 15) / 16) * ((height + 15) / 16);
}

Encoder::~Encoder() = default;

VABufferID Encoder::coded_buffer_of(const std::vector<RenderedBuffer>& buffers) {
  for (const RenderedBuffer& b : buffers) {
    if (b.type != VAEncPictureParameterBufferType) continue;
    if (const auto* pic = as<VAEncPictureParameterBufferH264>(b)) return pic->coded_buf;
  }
  return VA_INVALID_ID;
}

VAStatus Encoder::encode(const EncodeInput& input, std::vector<uint8_t>* access_unit) {
  State& s = *state_;
  const VAEncSequenceParameterBufferH264* seq = nullptr;
  const VAEncPictureParameterBufferH264* pic = nullptr;
  const VAEncSliceParameterBufferH264* slice = nullptr;
  int slices = 0;
  std::vector<PackedHeader> packed;
  bool expect_data = false;
  bool rate_control = false, hrd = false;
  for (const RenderedBuffer& b : input.buffers) {
    switch (b.type) {
      case VAEncSequenceParameterBufferType:
        if (!(seq = as<VAEncSequenceParameterBufferH264>(b)))
          return misuse(
              "VAEncSequenceParameterBufferType buffer smaller than "
              "VAEncSequenceParameterBufferH264");
        break;
      case VAEncPictureParameterBufferType:
        if (!(pic = as<VAEncPictureParameterBufferH264>(b)))
          return misuse(
              "VAEncPictureParameterBufferType buffer smaller than "
              "VAEncPictureParameterBufferH264");
        break;
      case VAEncSliceParameterBufferType:
        if (!(slice = as<VAEncSliceParameterBufferH264>(b)))
          return misuse(
              "VAEncSliceParameterBufferType buffer smaller than VAEncSliceParameterBufferH264");
        ++slices;
        break;
      case VAEncMiscParameterBufferType: {
        const auto* misc = as<VAEncMiscParameterBuffer>(b);
        if (!misc) return misuse("VAEncMiscParameterBufferType buffer without its type");
        const size_t payload = b.data.size() - sizeof(VAEncMiscParameterBuffer);
        const void* data = b.data.data() + sizeof(VAEncMiscParameterBuffer);
        if (misc->type == VAEncMiscParameterTypeRateControl &&
            payload >= sizeof(VAEncMiscParameterRateControl)) {
          std::memcpy(&s.rc, data, sizeof s.rc);
          rate_control = true;
        } else if (misc->type == VAEncMiscParameterTypeHRD &&
                   payload >= sizeof(VAEncMiscParameterHRD)) {
          std::memcpy(&s.hrd, data, sizeof s.hrd);
          hrd = true;
        } else if (misc->type == VAEncMiscParameterTypeFrameRate &&
                   payload >= sizeof(VAEncMiscParameterFrameRate)) {
          VAEncMiscParameterFrameRate fr;
          std::memcpy(&fr, data, sizeof fr);
          s.framerate_num = fr.framerate & 0xffff;
          s.framerate_den = (fr.framerate >> 16) ? (fr.framerate >> 16) : 1;
          if (s.framerate_num == 0) return misuse("VAEncMiscParameterFrameRate: framerate 0");
        } else {
          log_line("misc parameter type " + std::to_string(misc->type) + " ignored");
        }
        break;
      }
      case VAEncPackedHeaderParameterBufferType: {
        const auto* p = as<VAEncPackedHeaderParameterBuffer>(b);
        if (!p) return misuse("VAEncPackedHeaderParameterBufferType buffer too small");
        if (expect_data)
          return misuse("two VAEncPackedHeaderParameterBuffers without the data between them");
        PackedHeader h;
        h.type = p->type;
        h.bit_length = p->bit_length;
        h.has_emulation_bytes = p->has_emulation_bytes;
        packed.push_back(h);
        expect_data = true;
        break;
      }
      case VAEncPackedHeaderDataBufferType:
        if (!expect_data)
          return misuse(
              "VAEncPackedHeaderDataBuffer not preceded by its VAEncPackedHeaderParameterBuffer");
        packed.back().data = b.data;
        expect_data = false;
        break;
      default:
        return violation(
            VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE,
            "vaRenderPicture: buffer type " + std::to_string(b.type) + " on an encode context");
    }
  }
  if (expect_data) return misuse("a VAEncPackedHeaderParameterBuffer without its data buffer");
  if (!pic) return misuse("vaEndPicture: no VAEncPictureParameterBufferH264 rendered");
  if (slices != 1) {
    if (slices == 0) return misuse("vaEndPicture: no VAEncSliceParameterBufferH264 rendered");
    return unmodelled("one slice a picture (" + std::to_string(slices) + " rendered)");
  }
  const bool idr = pic->pic_fields.bits.idr_pic_flag;
  if (s.pictures == 0 && !idr) return misuse("the first picture is not an IDR (idr_pic_flag 0)");
  if (s.pictures == 0 && !seq)
    return misuse("the first picture has no VAEncSequenceParameterBufferH264");

  if (seq) {
    if (VAStatus st = s.check_sequence(*seq)) return st;
  }
  const VAEncSequenceParameterBufferH264& sq = seq ? *seq : s.seq;
  // The rate control the config asked for needs its parameters on the first IDR.
  if (s.pictures == 0 &&
      (s.config.rate_control == VA_RC_CBR || s.config.rate_control == VA_RC_VBR)) {
    if (!rate_control)
      return misuse("first IDR without VAEncMiscParameterTypeRateControl for " +
                    std::string(s.config.rate_control == VA_RC_CBR ? "CBR" : "VBR"));
    if (!hrd)
      return misuse("first IDR without VAEncMiscParameterTypeHRD for " +
                    std::string(s.config.rate_control == VA_RC_CBR ? "CBR" : "VBR"));
  }

  // Packed headers: parsed as H.264 and compared with the buffers.
  const PackedHeader* packed_sps = nullptr;
  const PackedHeader* packed_pps = nullptr;
  const PackedHeader* packed_slice = nullptr;
  for (const PackedHeader& p : packed) {
    if ((p.bit_length + 7) / 8 > p.data.size()) {
      return misuse("VAEncPackedHeaderParameterBuffer: bit_length " + std::to_string(p.bit_length) +
                    " for a data buffer of " + std::to_string(p.data.size()) + " bytes");
    }
    if (p.type == VAEncPackedHeaderSequence)
      packed_sps = &p;
    else if (p.type == VAEncPackedHeaderPicture)
      packed_pps = &p;
    else if (p.type == VAEncPackedHeaderSlice)
      packed_slice = &p;
    else
      return unmodelled("packed sequence, picture and slice headers (type " +
                        std::to_string(p.type) + " given)");
  }
  VAEncSequenceParameterBufferH264 saved_seq = s.seq;
  if (seq) s.seq = *seq;  // check_packed_sps compares with the new one
  std::optional<h264::Sps> sps = s.sps;
  std::optional<h264::Pps> pps = s.pps;
  auto restore = [&](VAStatus st) {
    s.seq = saved_seq;
    return st;
  };
  const bool own_headers = s.config.packed_headers == VA_ENC_PACKED_HEADER_NONE;
  std::optional<h264::SliceHeader> header;
  int nal_type = 0, nal_ref_idc = 0;
  if (own_headers) {
    // The driver's own SPS/PPS/slice header from the buffers (vaCreateBuffer refused any packed
    // header in this mode); written out on every IDR.
    if (seq) sps = own_sps(*seq);
    pps = own_pps(*pic);
    header = own_slice_header(*pic, *slice);
    nal_type = idr ? h264::kNalSliceIdr : h264::kNalSliceNonIdr;
    nal_ref_idc = header->nal_ref_idc;
  } else {
    if (packed_sps) {
      std::string why;
      auto nal = single_nal(*packed_sps, h264::kNalSps, &why);
      if (!nal) return restore(misuse("packed SPS " + why));
      auto parsed = h264::parse_sps(h264::unescape_rbsp(nal->payload, nal->payload_size));
      if (!parsed) return restore(misuse("packed SPS does not parse: " + parsed.error().message));
      if (VAStatus st = s.check_packed_sps(*parsed)) return restore(st);
      sps = *parsed;
    } else if (seq && (s.config.packed_headers & VA_ENC_PACKED_HEADER_SEQUENCE)) {
      return restore(
          misuse("a VAEncSequenceParameterBufferH264 without the packed SPS the config's "
                 "VA_ENC_PACKED_HEADER_SEQUENCE promised"));
    }
    if (!sps)
      return restore(misuse("no packed SPS so far: the simulation writes no SPS of its own"));
    if (packed_pps) {
      std::string why;
      auto nal = single_nal(*packed_pps, h264::kNalPps, &why);
      if (!nal) return restore(misuse("packed PPS " + why));
      auto parsed = h264::parse_pps(h264::unescape_rbsp(nal->payload, nal->payload_size), *sps);
      if (!parsed) return restore(misuse("packed PPS does not parse: " + parsed.error().message));
      pps = *parsed;
    }
    if (!pps)
      return restore(misuse("no packed PPS so far: the simulation writes no PPS of its own"));
    if (VAStatus st = s.check_packed_pps(*pps, *pic)) return restore(st);
    if (!packed_slice)
      return restore(
          misuse("no packed slice header: the config promised VA_ENC_PACKED_HEADER_SLICE"));
    if (packed_slice->has_emulation_bytes || packed_slice->data.size() < 5 ||
        std::memcmp(packed_slice->data.data(), "\0\0\0\1", 4) != 0) {
      return restore(
          misuse("packed slice header: expected 00 00 00 01, the NAL header byte and the header's "
                 "bits without emulation prevention (has_emulation_bytes 0)"));
    }
    const uint8_t nal_byte = packed_slice->data[4];
    nal_type = nal_byte & 0x1f;
    nal_ref_idc = (nal_byte >> 5) & 3;
    if (nal_type != h264::kNalSliceIdr && nal_type != h264::kNalSliceNonIdr) {
      return restore(misuse("packed slice header: nal_unit_type " + std::to_string(nal_type)));
    }
    h264::BitReader reader(packed_slice->data.data() + 5, packed_slice->data.size() - 5);
    auto parsed_header = h264::parse_slice_header(reader, nal_type, nal_ref_idc, *sps, *pps);
    if (!parsed_header)
      return restore(
          misuse("packed slice header does not parse: " + parsed_header.error().message));
    header = *parsed_header;
    if (packed_slice->bit_length != reader.position() + 40) {
      return restore(misuse("packed slice header: bit_length " +
                            std::to_string(packed_slice->bit_length) + " but the header has " +
                            std::to_string(reader.position() + 40) +
                            " bits (start code and NAL header byte included)"));
    }
    if (VAStatus st = s.check_packed_slice(*header, *pic, *slice)) return restore(st);
  }  // packed headers

  // The picture and slice against the reference chain.
  const int max_frame_num = 1 << (sq.seq_fields.bits.log2_max_frame_num_minus4 + 4);
  if (std::find(input.recon_targets.begin(), input.recon_targets.end(), pic->CurrPic.picture_id) ==
      input.recon_targets.end()) {
    return restore(misuse("CurrPic.picture_id " + hex(pic->CurrPic.picture_id) +
                          " is not one of the context's render targets"));
  }
  if (slice->macroblock_address != 0 || static_cast<int>(slice->num_macroblocks) != s.total_mbs) {
    return restore(unmodelled("one slice of all " + std::to_string(s.total_mbs) +
                              " macroblocks (macroblock_address " +
                              std::to_string(slice->macroblock_address) + ", num_macroblocks " +
                              std::to_string(slice->num_macroblocks) + ")"));
  }
  const int slice_type = slice->slice_type % 5;
  if (slice_type != h264::kSliceI && slice_type != h264::kSliceP) {
    return restore(
        misuse(field("slice_type", slice->slice_type, idr ? 2 : 0) + " (no B-frames offered)"));
  }
  if (idr) {
    if (slice_type != h264::kSliceI)
      return restore(misuse(field("slice_type of an IDR picture", slice->slice_type, 2)));
    if (pic->frame_num != 0)
      return restore(misuse(field("frame_num of an IDR picture", pic->frame_num, 0)));
    if (static_cast<int>(slice->idr_pic_id) == s.previous_idr_pic_id) {
      return restore(misuse("idr_pic_id " + std::to_string(slice->idr_pic_id) +
                            " repeats the previous IDR's (H.264 7.4.3: consecutive IDRs differ)"));
    }
  } else if (pic->frame_num != (s.previous_frame_num + 1) % max_frame_num) {
    return restore(
        misuse(field("frame_num", pic->frame_num, (s.previous_frame_num + 1) % max_frame_num)));
  }
  if (pic->CurrPic.TopFieldOrderCnt != (idr ? 0 : 2 * (s.pictures_since_idr + 1))) {
    return restore(misuse(field("CurrPic.TopFieldOrderCnt", pic->CurrPic.TopFieldOrderCnt,
                                idr ? 0 : 2 * (s.pictures_since_idr + 1))));
  }
  if (slice_type == h264::kSliceP) {
    if (pic->ReferenceFrames[0].picture_id != s.previous_recon ||
        (pic->ReferenceFrames[0].flags & VA_PICTURE_H264_INVALID)) {
      return restore(misuse("P picture: ReferenceFrames[0] " +
                            hex(pic->ReferenceFrames[0].picture_id) +
                            " is not the previous picture " + hex(s.previous_recon)));
    }
    if (slice->RefPicList0[0].picture_id != s.previous_recon) {
      return restore(misuse("P slice: RefPicList0[0] " + hex(slice->RefPicList0[0].picture_id) +
                            " is not the previous picture " + hex(s.previous_recon)));
    }
    if (pic->CurrPic.picture_id == s.previous_recon) {
      return restore(
          misuse("CurrPic " + hex(pic->CurrPic.picture_id) + " overwrites its own reference"));
    }
  }
  for (int i = slice_type == h264::kSliceP ? 1 : 0; i < 16; ++i) {
    if (pic->ReferenceFrames[i].picture_id != VA_INVALID_SURFACE) {
      return restore(misuse(
          "ReferenceFrames[" + std::to_string(i) + "] " + hex(pic->ReferenceFrames[i].picture_id) +
          ": one reference (the previous picture, P only) and the rest VA_INVALID_SURFACE"));
    }
  }
  if (pic->num_ref_idx_l0_active_minus1 != 0 ||
      (slice->num_ref_idx_active_override_flag && slice->num_ref_idx_l0_active_minus1 != 0)) {
    return restore(misuse("num_ref_idx_l0_active_minus1 other than 0 (one reference offered)"));
  }
  // Level: MaxMBPS at the frame rate.
  if (const LevelLimit* level = level_limit(sq.level_idc)) {
    const double fps = s.frame_rate();
    const double mbps = fps * s.total_mbs;
    if (fps > 0 && mbps > level->max_mbps * 1.0001) {
      return restore(misuse("level_idc " + std::to_string(sq.level_idc) + ": " +
                            std::to_string(static_cast<long>(mbps)) + " macroblocks/s at " +
                            std::to_string(fps) + " fps exceed MaxMBPS " +
                            std::to_string(level->max_mbps) + " (H.264 Table A-1)"));
    }
  }
  // What x264's slice data cannot follow.
  if (!pps->entropy_coding_mode) return restore(unmodelled("CABAC (entropy_coding_mode_flag 1)"));
  if (!pps->transform_8x8_mode) return restore(unmodelled("transform_8x8_mode_flag 1"));
  if (pps->chroma_qp_index_offset != 0 || pps->second_chroma_qp_index_offset != 0)
    return restore(unmodelled("chroma_qp_index_offset 0"));
  if (pps->weighted_pred || pps->weighted_bipred_idc)
    return restore(unmodelled("no weighted prediction"));
  if (pps->constrained_intra_pred) return restore(unmodelled("constrained_intra_pred_flag 0"));
  if (header->disable_deblocking_filter_idc != 0 || header->slice_alpha_c0_offset_div2 != 0 ||
      header->slice_beta_offset_div2 != 0) {
    return restore(unmodelled("deblocking on with offsets 0 (disable_deblocking_filter_idc 0)"));
  }
  if (header->cabac_init_idc != 0) return restore(unmodelled("cabac_init_idc 0"));

  // Accepted: the new state, then x264.
  if (rate_control) s.have_rate_control = true;
  if (hrd) s.have_hrd = true;
  const bool new_sequence = seq != nullptr;
  s.sps = sps;
  s.pps = pps;
  if (!s.x264) {
    if (VAStatus st = s.open_x264()) {
      if (s.x264) x264_encoder_close(s.x264);
      s.x264 = nullptr;
      s.sps.reset();
      s.pps.reset();
      return restore(st);
    }
  } else if (new_sequence || rate_control || hrd) {
    s.fill_rate_control(&s.param);
    if (x264_encoder_reconfig(s.x264, &s.param) < 0)
      log_line("libx264 refused the new rate control");
  }
  std::vector<uint8_t> slice_nal;
  if (VAStatus st =
          s.encode_slice(input, idr, slice_type, *header, nal_type, nal_ref_idc, &slice_nal))
    return st;

  access_unit->clear();
  if (own_headers && idr) {
    const auto sps_nal = h264::annexb_nal(h264::kNalSps, 3, h264::write_sps(*sps));
    const auto pps_nal = h264::annexb_nal(h264::kNalPps, 3, h264::write_pps(*pps, *sps));
    access_unit->insert(access_unit->end(), sps_nal.begin(), sps_nal.end());
    access_unit->insert(access_unit->end(), pps_nal.begin(), pps_nal.end());
  }
  if (packed_sps)
    access_unit->insert(access_unit->end(), packed_sps->data.begin(), packed_sps->data.end());
  if (packed_pps)
    access_unit->insert(access_unit->end(), packed_pps->data.begin(), packed_pps->data.end());
  access_unit->insert(access_unit->end(), slice_nal.begin(), slice_nal.end());

  ++s.pictures;
  s.pictures_since_idr = idr ? 0 : s.pictures_since_idr + 1;
  s.previous_frame_num = pic->frame_num;
  s.previous_recon = pic->CurrPic.picture_id;
  if (idr) s.previous_idr_pic_id = slice->idr_pic_id;
  return VA_STATUS_SUCCESS;
}

}  // namespace gearbox::vaapi::simulation
