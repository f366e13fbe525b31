#include "fake_backend.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <utility>

namespace gearbox::testing {

struct FakeBackend::State {
  explicit State(FakeScript s) : script(std::move(s)) {}
  const FakeScript script;
  mutable std::mutex mutex;
  std::condition_variable changed;  // a counter went down, a hang began, or release()
  FakeCounters counters;
  bool released = false;

  // Under `mutex`.
  void grow_to(int rendition) {
    const size_t n = static_cast<size_t>(rendition) + 1;
    if (counters.frames_encoded.size() >= n) return;
    counters.frames_encoded.resize(n);
    counters.idrs.resize(n);
    counters.drains.resize(n);
  }
  bool scripted_for(int rendition) const {
    return script.fault_rendition < 0 || script.fault_rendition == rendition;
  }
};

namespace {

using State = FakeBackend::State;

// --- H.264 bitstream writing (ITU-T H.264 7.3), just what the fake's pictures need ---------

class BitWriter {
 public:
  void bit(bool one) {
    if (used_ == 0) bytes_.push_back(0);
    if (one) bytes_.back() = static_cast<uint8_t>(bytes_.back() | (0x80 >> used_));
    used_ = (used_ + 1) % 8;
  }
  void bits(uint64_t value, int count) {
    for (int i = count - 1; i >= 0; --i) bit(((value >> i) & 1) != 0);
  }
  // Exp-Golomb: ue(v) and se(v) of 9.1.
  void ue(uint32_t value) {
    const uint64_t code = static_cast<uint64_t>(value) + 1;
    int length = 0;
    while ((code >> length) > 1) ++length;
    bits(0, length);
    bits(code, length + 1);
  }
  void se(int32_t value) {
    ue(value <= 0 ? static_cast<uint32_t>(-2 * static_cast<int64_t>(value))
                  : static_cast<uint32_t>(2 * static_cast<int64_t>(value) - 1));
  }
  // rbsp_trailing_bits(): a stop bit, then zeros to the byte boundary.
  std::vector<uint8_t> finish() {
    bit(true);
    while (used_ != 0) bit(false);
    return std::move(bytes_);
  }

 private:
  std::vector<uint8_t> bytes_;
  int used_ = 0;  // bits used in the last byte
};

enum NalType : uint8_t { kNonIdrSlice = 1, kIdrSlice = 5, kSps = 7, kPps = 8 };

// Appends one Annex B NAL unit: start code, header, and the RBSP with emulation prevention
// (no 00 00 0x with x <= 3 inside a NAL unit, 7.4.1).
void append_nal(std::vector<uint8_t>& out,
                int ref_idc,
                NalType type,
                const std::vector<uint8_t>& rbsp) {
  out.insert(out.end(), {0, 0, 0, 1, static_cast<uint8_t>(ref_idc << 5 | type)});
  int zeros = 0;
  for (uint8_t byte : rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
}

constexpr int kProfileBaseline = 66;
constexpr int kConstraintFlags = 0xC0;  // constraint_set0 and set1: constrained baseline
constexpr int kLog2MaxFrameNum = 16;

struct Geometry {
  int mbs_wide = 0, mbs_high = 0;
  int crop_right = 0, crop_bottom = 0;  // in 4:2:0 crop units of 2 pixels
  int mbs() const { return mbs_wide * mbs_high; }
};

Geometry geometry_of(int width, int height) {
  Geometry g;
  g.mbs_wide = (width + 15) / 16;
  g.mbs_high = (height + 15) / 16;
  g.crop_right = (g.mbs_wide * 16 - width) / 2;
  g.crop_bottom = (g.mbs_high * 16 - height) / 2;
  return g;
}

// The lowest level of Table A-1 whose frame size, side and macroblock rate fit the picture.
int level_idc_for(const Geometry& g, Rational frame_rate) {
  struct Level {
    int idc;
    double max_mbps;
    int64_t max_fs;
  };
  static const Level kLevels[] = {
      {10, 1485, 99},        {11, 3000, 396},       {12, 6000, 396},       {13, 11880, 396},
      {20, 11880, 396},      {21, 19800, 792},      {22, 20250, 1620},     {30, 40500, 1620},
      {31, 108000, 3600},    {32, 216000, 5120},    {40, 245760, 8192},    {41, 245760, 8192},
      {42, 522240, 8704},    {50, 589824, 22080},   {51, 983040, 36864},   {52, 2073600, 36864},
      {60, 4177920, 139264}, {61, 8355840, 139264}, {62, 16711680, 139264}};
  const double mbps = g.mbs() * frame_rate.to_double();
  for (const Level& l : kLevels) {
    const int64_t max_side_squared = 8 * l.max_fs;
    if (g.mbs() <= l.max_fs && mbps <= l.max_mbps &&
        static_cast<int64_t>(g.mbs_wide) * g.mbs_wide <= max_side_squared &&
        static_cast<int64_t>(g.mbs_high) * g.mbs_high <= max_side_squared) {
      return l.idc;
    }
  }
  return 62;
}

std::vector<uint8_t> sps_rbsp(const Geometry& g, int level_idc) {
  BitWriter w;
  w.bits(kProfileBaseline, 8);
  w.bits(kConstraintFlags, 8);
  w.bits(static_cast<uint64_t>(level_idc), 8);
  w.ue(0);                     // seq_parameter_set_id
  w.ue(kLog2MaxFrameNum - 4);  // log2_max_frame_num_minus4
  w.ue(2);                     // pic_order_cnt_type 2: output order is decoding order
  w.ue(1);                     // max_num_ref_frames
  w.bit(false);                // gaps_in_frame_num_value_allowed_flag
  w.ue(static_cast<uint32_t>(g.mbs_wide - 1));
  w.ue(static_cast<uint32_t>(g.mbs_high - 1));
  w.bit(true);  // frame_mbs_only_flag
  w.bit(true);  // direct_8x8_inference_flag
  const bool crop = g.crop_right > 0 || g.crop_bottom > 0;
  w.bit(crop);
  if (crop) {
    w.ue(0);
    w.ue(static_cast<uint32_t>(g.crop_right));
    w.ue(0);
    w.ue(static_cast<uint32_t>(g.crop_bottom));
  }
  w.bit(false);  // vui_parameters_present_flag
  return w.finish();
}

std::vector<uint8_t> pps_rbsp() {
  BitWriter w;
  w.ue(0);       // pic_parameter_set_id
  w.ue(0);       // seq_parameter_set_id
  w.bit(false);  // entropy_coding_mode_flag: CAVLC
  w.bit(false);  // bottom_field_pic_order_in_frame_present_flag
  w.ue(0);       // num_slice_groups_minus1
  w.ue(0);       // num_ref_idx_l0_default_active_minus1
  w.ue(0);       // num_ref_idx_l1_default_active_minus1
  w.bit(false);  // weighted_pred_flag
  w.bits(0, 2);  // weighted_bipred_idc
  w.se(0);       // pic_init_qp_minus26
  w.se(0);       // pic_init_qs_minus26
  w.se(0);       // chroma_qp_index_offset
  w.bit(false);  // deblocking_filter_control_present_flag
  w.bit(false);  // constrained_intra_pred_flag
  w.bit(false);  // redundant_pic_cnt_present_flag
  return w.finish();
}

// An IDR: every macroblock I_16x16 with DC prediction and no residual (a flat grey picture);
// otherwise a P slice whose macroblocks are all skipped (a copy of the reference).
std::vector<uint8_t> slice_rbsp(const Geometry& g,
                                bool idr,
                                uint32_t frame_num,
                                uint32_t idr_pic_id) {
  BitWriter w;
  w.ue(0);            // first_mb_in_slice
  w.ue(idr ? 7 : 5);  // slice_type: I or P, the same in every slice of the picture
  w.ue(0);            // pic_parameter_set_id
  w.bits(frame_num, kLog2MaxFrameNum);
  if (idr) {
    w.ue(idr_pic_id);
  } else {
    w.bit(false);  // num_ref_idx_active_override_flag
    w.bit(false);  // ref_pic_list_modification_flag_l0
  }
  // dec_ref_pic_marking(): every picture is a reference (nal_ref_idc > 0).
  if (idr) {
    w.bit(false);  // no_output_of_prior_pics_flag
    w.bit(false);  // long_term_reference_flag
  } else {
    w.bit(false);  // adaptive_ref_pic_marking_mode_flag: sliding window
  }
  w.se(0);  // slice_qp_delta
  if (idr) {
    for (int mb = 0; mb < g.mbs(); ++mb) {
      w.ue(3);      // mb_type I_16x16_2_0_0: DC prediction, no coded luma or chroma AC
      w.ue(0);      // intra_chroma_pred_mode: DC
      w.se(0);      // mb_qp_delta
      w.bit(true);  // Intra16x16DCLevel coeff_token (nC 0): no coefficient
    }
  } else {
    w.ue(static_cast<uint32_t>(g.mbs()));  // mb_skip_run: the whole picture
  }
  return w.finish();
}

// --- The contract ----------------------------------------------------------------------------

class FakeSurface final : public Surface {
 public:
  FakeSurface(std::shared_ptr<State> state, int width, int height)
      : Surface(width, height, SurfaceFormat::kI420), state_(std::move(state)) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    FakeCounters& c = state_->counters;
    c.surfaces_alive_max = std::max(c.surfaces_alive_max, ++c.surfaces_alive);
  }
  ~FakeSurface() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    --state_->counters.surfaces_alive;
    state_->changed.notify_all();
  }

 private:
  std::shared_ptr<State> state_;
};

std::string size_text(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

class FakeEncoder final : public Encoder {
 public:
  FakeEncoder(std::shared_ptr<State> state, int rendition, const EncoderConfig& config)
      : state_(std::move(state)),
        rendition_(rendition),
        config_(config),
        geometry_(geometry_of(config.width, config.height)),
        codec_(fake_codec_config(config.width, config.height, config.frame_rate)),
        who_(state_->script.name + " encoder " + std::to_string(rendition)) {}
  ~FakeEncoder() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    --state_->counters.sessions_open;
    state_->changed.notify_all();
  }

  Status encode(const Surface& surface, int64_t pts, bool force_idr, PacketSink& sink) override {
    const FakeScript& script = state_->script;
    const int64_t frame = stats_.frames_in++;
    // What the contract asks of the engine, checked so that a test fails when it breaks it.
    if (drained_) return make_error(ErrorCode::kInternal, who_ + ": encode() after drain()");
    if (dynamic_cast<const FakeSurface*>(&surface) == nullptr) {
      return make_error(ErrorCode::kInternal, who_ + ": the surface is not one of this backend's");
    }
    if (surface.width() != config_.width || surface.height() != config_.height) {
      return make_error(ErrorCode::kInvalidArgument,
                        who_ + ": surface " + size_text(surface.width(), surface.height()) +
                            " differs from the encoder's " +
                            size_text(config_.width, config_.height));
    }
    if (frame == 0 && !force_idr) {
      return make_error(ErrorCode::kInvalidArgument,
                        who_ + ": the first picture is not a forced IDR");
    }
    if (frame > 0 && pts <= last_pts_) {
      return make_error(ErrorCode::kInvalidArgument, who_ + ": pts " + std::to_string(pts) +
                                                         " does not increase past " +
                                                         std::to_string(last_pts_));
    }
    last_pts_ = pts;

    if (script.encode_delay.count() > 0) std::this_thread::sleep_for(script.encode_delay);
    const bool scripted = state_->scripted_for(rendition_);
    if (scripted && script.hang_at_frame && *script.hang_at_frame == frame) hang();
    if (scripted && script.encode_failure && script.encode_failure->hits(frame)) {
      return script.encode_failure->error;
    }

    frame_num_ = force_idr ? 0 : (frame_num_ + 1) % (1u << kLog2MaxFrameNum);
    packet_bytes_.clear();
    append_nal(packet_bytes_, 3, force_idr ? kIdrSlice : kNonIdrSlice,
               slice_rbsp(geometry_, force_idr, frame_num_, idr_pic_id_));
    if (force_idr) idr_pic_id_ = (idr_pic_id_ + 1) % 65536;  // consecutive IDRs differ (7.4.3)
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      state_->counters.frames_encoded[static_cast<size_t>(rendition_)]++;
      if (force_idr) state_->counters.idrs[static_cast<size_t>(rendition_)]++;
    }
    EncodedPacket packet;
    packet.data = packet_bytes_.data();
    packet.size = packet_bytes_.size();
    packet.pts = pts;
    packet.dts = pts;
    packet.keyframe = force_idr;
    ++stats_.packets_out;
    stats_.bytes_out += static_cast<int64_t>(packet.size);
    return sink.on_packet(packet);
  }

  Status drain(PacketSink&) override {
    drained_ = true;
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->counters.drains[static_cast<size_t>(rendition_)]++;
    return {};
  }

  const CodecConfig& codec_config() const override { return codec_; }
  EncoderStats stats() const override { return stats_; }

 private:
  void hang() {
    std::unique_lock<std::mutex> lock(state_->mutex);
    ++state_->counters.encoders_hanging;
    state_->changed.notify_all();
    state_->changed.wait(lock, [&] { return state_->released; });
    --state_->counters.encoders_hanging;
  }

  std::shared_ptr<State> state_;
  const int rendition_;
  const EncoderConfig config_;
  const Geometry geometry_;
  const CodecConfig codec_;
  const std::string who_;
  EncoderStats stats_;
  int64_t last_pts_ = 0;
  uint32_t frame_num_ = 0;
  uint32_t idr_pic_id_ = 0;
  bool drained_ = false;
  std::vector<uint8_t> packet_bytes_;  // the last packet: valid until the next call
};

Capabilities capabilities_of(const FakeScript& script) {
  Capabilities caps;
  caps.codecs = {Codec::kH264};
  caps.min_size = {2, 2};
  caps.max_size = {kMaxFrameSide, kMaxFrameSide};
  caps.rate_control = {RateControl::kAbrVbv};
  caps.max_sessions = script.max_sessions == 0       ? 0
                      : script.reports_session_limit ? script.max_sessions
                                                     : -1;
  return caps;
}

class FakeDevice final : public Device {
 public:
  Capabilities capabilities() const override { return capabilities_of(state_->script); }
  FakeDevice(std::shared_ptr<State> state, const DeviceOptions& options)
      : state_(std::move(state)), options_(options) {}
  ~FakeDevice() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    --state_->counters.devices_open;
    state_->changed.notify_all();
  }

  Result<SurfaceRef> upload(const FrameView& frame) override {
    if (frame.width != options_.width || frame.height != options_.height) {
      return make_error(ErrorCode::kInvalidArgument,
                        state_->script.name + " upload: frame " +
                            size_text(frame.width, frame.height) + " differs from the device's " +
                            size_text(options_.width, options_.height));
    }
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      ++state_->counters.uploads;
    }
    return SurfaceRef(std::make_shared<FakeSurface>(state_, frame.width, frame.height));
  }

  Result<SurfaceRef> scale(const Surface& source, int width, int height) override {
    if (dynamic_cast<const FakeSurface*>(&source) == nullptr) {
      return make_error(ErrorCode::kInternal,
                        state_->script.name + " scale: the surface is not one of this backend's");
    }
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      ++state_->counters.scales;
    }
    return SurfaceRef(std::make_shared<FakeSurface>(state_, width, height));
  }

  Result<std::unique_ptr<Encoder>> open_encoder(const EncoderConfig& config) override {
    const FakeScript& script = state_->script;
    std::lock_guard<std::mutex> lock(state_->mutex);
    FakeCounters& c = state_->counters;
    const int call = ++c.open_encoder_calls;
    if (script.open_encoder_failure && script.open_encoder_failure->hits(call)) {
      return script.open_encoder_failure->error;
    }
    if (script.max_sessions > 0 && c.sessions_open >= script.max_sessions) {
      return make_error(ErrorCode::kOutOfSessions,
                        script.name + " open_encoder: no encoder session left (" +
                            std::to_string(c.sessions_open) + " of " +
                            std::to_string(script.max_sessions) + " open)");
    }
    const int rendition = encoders_opened_++;
    c.sessions_open_max = std::max(c.sessions_open_max, ++c.sessions_open);
    state_->grow_to(rendition);
    return std::unique_ptr<Encoder>(new FakeEncoder(state_, rendition, config));
  }

 private:
  std::shared_ptr<State> state_;
  const DeviceOptions options_;
  int encoders_opened_ = 0;  // open_encoder() is called on one thread (the first push())
};

}  // namespace

CodecConfig fake_codec_config(int width, int height, Rational frame_rate) {
  const Geometry g = geometry_of(width, height);
  const int level = level_idc_for(g, frame_rate);
  CodecConfig codec;
  codec.codec = "h264";
  append_nal(codec.extradata, 3, kSps, sps_rbsp(g, level));
  append_nal(codec.extradata, 3, kPps, pps_rbsp());
  char text[16];
  std::snprintf(text, sizeof text, "avc1.%02x%02x%02x", kProfileBaseline, kConstraintFlags, level);
  codec.codec_string = text;
  return codec;
}

FakeBackend::FakeBackend(FakeScript script) : state_(std::make_shared<State>(std::move(script))) {}

std::string FakeBackend::name() const {
  return state_->script.name;
}

BackendInfo FakeBackend::probe() {
  const FakeScript& script = state_->script;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    ++state_->counters.probes;
  }
  BackendInfo info;
  info.name = script.name;
  info.available = script.available;
  info.reason = script.reason;
  info.caps = capabilities_of(script);
  return info;
}

Result<std::unique_ptr<Device>> FakeBackend::open(const DeviceOptions& options) {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    ++state_->counters.device_open_calls;
    if (state_->script.open_failure) return *state_->script.open_failure;
    ++state_->counters.devices_open;
  }
  return std::unique_ptr<Device>(new FakeDevice(state_, options));
}

void FakeBackend::release() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->released = true;
  state_->changed.notify_all();
}

bool FakeBackend::wait_until_hanging(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout,
                                  [&] { return state_->counters.encoders_hanging > 0; });
}

bool FakeBackend::wait_until_all_released(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] {
    const FakeCounters& c = state_->counters;
    return c.devices_open == 0 && c.sessions_open == 0 && c.surfaces_alive == 0;
  });
}

FakeCounters FakeBackend::counters() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->counters;
}

}  // namespace gearbox::testing
