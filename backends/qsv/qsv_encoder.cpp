#include "qsv_encoder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <thread>

#include "gearbox/avc.h"
#include "h264_syntax.h"
#include "qsv_device.h"
#include "qsv_options.h"
#include "qsv_status.h"

namespace gearbox::qsv {
namespace {

std::string size_text(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

constexpr mfxU32 kSyncTimeoutMs = 60000;
constexpr mfxU16 kNoGop = 0xFFFF;  // GopPicSize and IdrInterval: the runtime never starts one

// A whole NAL unit: header byte and payload, no start code.
struct Nal {
  const uint8_t* data;
  size_t size;
  int type() const { return size ? data[0] & 0x1f : -1; }
};
Nal whole(const vaapi::h264::NalUnit& unit) {
  return {unit.payload - 1, unit.payload_size + 1};
}

void append_nal(std::vector<uint8_t>& out, const Nal& nal) {
  static const uint8_t start[] = {0, 0, 0, 1};
  out.insert(out.end(), start, start + 4);
  out.insert(out.end(), nal.data, nal.data + nal.size);
}

mfxU64 brc(mfxU16 value, mfxU16 multiplier) {
  return static_cast<mfxU64>(value) * std::max<mfxU16>(1, multiplier);
}

class QsvEncoder final : public Encoder, public QsvEncoderInfo {
 public:
  QsvEncoder(std::shared_ptr<Platform> platform, const EncoderConfig& config)
      : platform_(std::move(platform)), config_(config) {}
  ~QsvEncoder() override {
    if (initialised_) platform_->mfx().MFXVideoENCODE_Close(session_);
    platform_->close_session(session_);
  }

  Status initialise(int sessions_needed);
  Status encode(const Surface& surface, int64_t pts, bool force_idr, PacketSink& sink) override;
  Status drain(PacketSink& sink) override;
  const CodecConfig& codec_config() const override { return codec_; }
  EncoderStats stats() const override { return stats_; }
  const mfxVideoParam& video_param() const override { return param_; }
  const std::vector<std::string>& warnings() const override { return warnings_; }

 private:
  Error failure(const std::string& call, mfxStatus s) const {
    return vpl_failure(call + " (encoder " + size_text(config_.width, config_.height) + ")", s,
                       platform_->where());
  }
  Status check(const mfxVideoParam& asked, const mfxVideoParam& got, const char* call);
  Status read_parameter_sets();
  Status submit(mfxEncodeCtrl* ctrl, mfxFrameSurface1* surface, mfxSyncPoint& sync, mfxStatus& s);
  Status emit(mfxSyncPoint sync, PacketSink& sink);

  std::shared_ptr<Platform> platform_;
  EncoderConfig config_;
  mfxSession session_ = nullptr;
  bool initialised_ = false;
  mfxVideoParam param_{};
  std::vector<std::string> warnings_;
  std::vector<uint8_t> buffer_;
  mfxBitstream bs_{};
  std::deque<int64_t> pending_;  // pts of the pictures submitted and not yet out, in order
  bool started_ = false;
  bool drained_ = false;
  std::vector<uint8_t> packet_;
  CodecConfig codec_;
  std::vector<uint8_t> sps_, pps_;  // the codec config's, without start codes
  EncoderStats stats_;
};

Status QsvEncoder::check(const mfxVideoParam& asked, const mfxVideoParam& got, const char* call) {
  std::string errors;
  for (const Correction& c : corrections(asked, got)) {
    if (c.matters) {
      errors += (errors.empty() ? "" : ", ") + c.text();
    } else {
      const std::string w = std::string("Quick Sync: ") + call + " changed " + c.text() +
                            " for the encoder " + size_text(config_.width, config_.height) +
                            " on " + platform_->where() +
                            " (kept: it does not change the stream's "
                            "size, rate, profile or keyframes)";
      std::fprintf(stderr, "gearbox: warning: %s\n", w.c_str());
      warnings_.push_back(w);
    }
  }
  if (!errors.empty()) {
    return make_error(ErrorCode::kUnsupported,
                      std::string("Quick Sync: ") + call +
                          " returned MFX_WRN_INCOMPATIBLE_VIDEO_PARAM and changed " + errors +
                          " for the encoder " + size_text(config_.width, config_.height) + " on " +
                          platform_->where() +
                          ": the runtime cannot encode this rendition as asked");
  }
  return {};
}

Status QsvEncoder::initialise(int sessions_needed) {
  auto asked = encoder_params(config_);
  if (!asked) return asked.error();
  const Capabilities caps = platform_->capabilities();
  const int w = config_.width, h = config_.height;
  if (w < caps.min_size.width || h < caps.min_size.height || w > caps.max_size.width ||
      h > caps.max_size.height) {
    return make_error(ErrorCode::kUnsupported,
                      size_text(w, h) + " is outside the Quick Sync H.264 encoder's sizes " +
                          size_text(caps.min_size.width, caps.min_size.height) + ".." +
                          size_text(caps.max_size.width, caps.max_size.height) + " on " +
                          platform_->where());
  }
  auto session = platform_->create_session("encoder " + size_text(w, h), sessions_needed);
  if (!session) return session.error();
  session_ = session.value();
  const VplApi& m = platform_->mfx();
  mfxVideoParam in = asked.value();
  mfxVideoParam out = in;
  mfxStatus s = m.MFXVideoENCODE_Query(session_, &in, &out);
  if (s < MFX_ERR_NONE) return failure("MFXVideoENCODE_Query", s);
  GEARBOX_RETURN_IF_ERROR(check(asked.value(), out, "MFXVideoENCODE_Query"));
  param_ = out;
  s = m.MFXVideoENCODE_Init(session_, &param_);
  if (s < MFX_ERR_NONE) {
    Error e = failure("MFXVideoENCODE_Init", s);
    if (s == MFX_ERR_MEMORY_ALLOC) {
      e.code = ErrorCode::kOutOfSessions;
      e.message += "; the runtime has no encoder left: this ladder needs " +
                   std::to_string(sessions_needed) + " (one per rendition); use fewer renditions";
    }
    return e;
  }
  initialised_ = true;
  GEARBOX_RETURN_IF_ERROR(read_parameter_sets());
  return {};
}

// What the runtime took (GetVideoParam, with the SPS/PPS it writes), checked once more against
// what was asked, and the codec config from its parameter sets.
Status QsvEncoder::read_parameter_sets() {
  const VplApi& m = platform_->mfx();
  std::vector<uint8_t> sps(1024), pps(1024);
  mfxExtCodingOptionSPSPPS sets{};
  sets.Header.BufferId = MFX_EXTBUFF_CODING_OPTION_SPSPPS;
  sets.Header.BufferSz = sizeof sets;
  sets.SPSBuffer = sps.data();
  sets.SPSBufSize = static_cast<mfxU16>(sps.size());
  sets.PPSBuffer = pps.data();
  sets.PPSBufSize = static_cast<mfxU16>(pps.size());
  mfxExtBuffer* ext[] = {&sets.Header};
  mfxVideoParam now{};
  now.ExtParam = ext;
  now.NumExtParam = 1;
  const mfxStatus s = m.MFXVideoENCODE_GetVideoParam(session_, &now);
  if (s != MFX_ERR_NONE)
    return failure("MFXVideoENCODE_GetVideoParam(mfxExtCodingOptionSPSPPS)", s);
  now.ExtParam = nullptr;
  now.NumExtParam = 0;
  GEARBOX_RETURN_IF_ERROR(check(param_, now, "MFXVideoENCODE_Init"));
  param_ = now;
  auto nal_of = [](const std::vector<uint8_t>& bytes, mfxU16 size, int type) {
    std::vector<uint8_t> nal;
    const auto units = vaapi::h264::split_annexb(bytes.data(), size);
    if (!units.empty()) {
      const Nal first = whole(units[0]);
      if (first.type() == type) nal.assign(first.data, first.data + first.size);
    } else if (size > 0 && (bytes[0] & 0x1f) == type) {
      nal.assign(bytes.begin(), bytes.begin() + size);  // without a start code
    }
    return nal;
  };
  sps_ = nal_of(sps, sets.SPSBufSize, 7);
  pps_ = nal_of(pps, sets.PPSBufSize, 8);
  if (sps_.size() < 4 || pps_.empty()) {
    return make_error(ErrorCode::kBackendFailure,
                      std::string("Quick Sync: MFXVideoENCODE_GetVideoParam gave no ") +
                          (sps_.size() < 4 ? "SPS" : "PPS") +
                          " in mfxExtCodingOptionSPSPPS for the encoder " +
                          size_text(config_.width, config_.height) + " on " + platform_->where());
  }
  codec_.extradata.clear();
  append_nal(codec_.extradata, {sps_.data(), sps_.size()});
  append_nal(codec_.extradata, {pps_.data(), pps_.size()});
  codec_.codec_string = avc_codec_string(codec_.extradata);
  const mfxU64 kb = brc(param_.mfx.BufferSizeInKB, param_.mfx.BRCParamMultiplier);
  const size_t frame = static_cast<size_t>(config_.width) * config_.height * 3 / 2 + 64 * 1024;
  buffer_.assign(std::max<size_t>(static_cast<size_t>(kb) * 1000, frame), 0);
  bs_ = mfxBitstream{};
  bs_.Data = buffer_.data();
  bs_.MaxLength = static_cast<mfxU32>(buffer_.size());
  return {};
}

Status QsvEncoder::submit(mfxEncodeCtrl* ctrl,
                          mfxFrameSurface1* surface,
                          mfxSyncPoint& sync,
                          mfxStatus& s) {
  const VplApi& m = platform_->mfx();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    sync = nullptr;
    s = m.MFXVideoENCODE_EncodeFrameAsync(session_, ctrl, surface, &bs_, &sync);
    if (s == MFX_WRN_DEVICE_BUSY && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    if (s == MFX_ERR_NOT_ENOUGH_BUFFER && buffer_.size() < (size_t{1} << 30)) {
      // Only before anything is in the bitstream: a bigger one, and the same call again.
      buffer_.resize(buffer_.size() * 2);
      bs_.Data = buffer_.data();
      bs_.MaxLength = static_cast<mfxU32>(buffer_.size());
      continue;
    }
    break;
  }
  if (s == MFX_ERR_MORE_DATA) return {};
  if (s < MFX_ERR_NONE) return failure("MFXVideoENCODE_EncodeFrameAsync", s);
  if (!sync) {
    return make_error(ErrorCode::kBackendFailure,
                      "Quick Sync: MFXVideoENCODE_EncodeFrameAsync returned " + status_name(s) +
                          " without a sync point for the encoder " +
                          size_text(config_.width, config_.height) + " on " + platform_->where());
  }
  return {};
}

Status QsvEncoder::emit(mfxSyncPoint sync, PacketSink& sink) {
  const mfxStatus s = platform_->mfx().MFXVideoCORE_SyncOperation(session_, sync, kSyncTimeoutMs);
  if (s != MFX_ERR_NONE) return failure("MFXVideoCORE_SyncOperation", s);
  if (pending_.empty()) {
    return make_error(ErrorCode::kBackendFailure,
                      "Quick Sync: the encoder " + size_text(config_.width, config_.height) +
                          " put out more pictures than it was given on " + platform_->where());
  }
  const int64_t pts = pending_.front();
  pending_.pop_front();
  const uint8_t* data = bs_.Data + bs_.DataOffset;
  const size_t size = bs_.DataLength;
  const bool idr = (bs_.FrameType & MFX_FRAMETYPE_IDR) != 0;
  bs_.DataOffset = 0;
  bs_.DataLength = 0;
  // Parameter sets travel out of band (the avcC from codec_config()), as the other backends'
  // ('avc1' keeps them in the sample entry): the runtime's in-band SPS/PPS are dropped, after
  // checking they are still the ones the codec config carries.
  packet_.clear();
  for (const vaapi::h264::NalUnit& unit : vaapi::h264::split_annexb(data, size)) {
    const Nal nal = whole(unit);
    if (nal.type() == 7 || nal.type() == 8) {
      const std::vector<uint8_t>& known = nal.type() == 7 ? sps_ : pps_;
      if (nal.size != known.size() || std::memcmp(nal.data, known.data(), nal.size) != 0) {
        return make_error(ErrorCode::kBackendFailure,
                          std::string("Quick Sync: the runtime's ") +
                              (nal.type() == 7 ? "SPS" : "PPS") +
                              " changed from the one in the codec config (GetVideoParam at open) "
                              "on " +
                              platform_->where() + "; the stream's parameter sets are out of band");
      }
      continue;
    }
    append_nal(packet_, nal);
  }
  if (packet_.empty()) {
    return make_error(ErrorCode::kBackendFailure,
                      "Quick Sync: the runtime returned an empty bitstream for the encoder " +
                          size_text(config_.width, config_.height) + " on " + platform_->where());
  }
  ++stats_.packets_out;
  stats_.bytes_out += static_cast<int64_t>(packet_.size());
  EncodedPacket packet;
  packet.data = packet_.data();
  packet.size = packet_.size();
  packet.pts = packet.dts = pts;  // no B-frames: decode order is presentation order
  packet.keyframe = idr;
  return sink.on_packet(packet);
}

Status QsvEncoder::encode(const Surface& surface, int64_t pts, bool force_idr, PacketSink& sink) {
  const auto* in = dynamic_cast<const QsvSurface*>(&surface);
  if (!in || in->owner() != platform_.get()) {
    return make_error(ErrorCode::kInternal, "qsv: encode() of a surface from another device");
  }
  if (in->width() != config_.width || in->height() != config_.height) {
    return make_error(ErrorCode::kInternal, "qsv: surface " + size_text(in->width(), in->height()) +
                                                " given to an encoder opened for " +
                                                size_text(config_.width, config_.height));
  }
  if (drained_) return make_error(ErrorCode::kInternal, "qsv: encode() after drain()");
  mfxEncodeCtrl ctrl{};
  const bool idr = force_idr || !started_;
  if (idr) ctrl.FrameType = MFX_FRAMETYPE_I | MFX_FRAMETYPE_IDR | MFX_FRAMETYPE_REF;
  pending_.push_back(pts);
  mfxSyncPoint sync = nullptr;
  mfxStatus s = MFX_ERR_NONE;
  Status submitted = submit(idr ? &ctrl : nullptr, in->surface(), sync, s);
  if (!submitted) {
    pending_.pop_back();
    return submitted;
  }
  started_ = true;
  ++stats_.frames_in;
  if (s == MFX_ERR_MORE_DATA) return {};  // held back; out at a later call or the drain
  return emit(sync, sink);
}

Status QsvEncoder::drain(PacketSink& sink) {
  if (drained_) return {};
  drained_ = true;
  for (;;) {
    mfxSyncPoint sync = nullptr;
    mfxStatus s = MFX_ERR_NONE;
    GEARBOX_RETURN_IF_ERROR(submit(nullptr, nullptr, sync, s));
    if (s == MFX_ERR_MORE_DATA) break;  // nothing left inside
    GEARBOX_RETURN_IF_ERROR(emit(sync, sink));
  }
  return {};
}

}  // namespace

std::string Correction::text() const {
  return field + " " + std::to_string(asked) + " -> " + std::to_string(got);
}

std::vector<Correction> corrections(const mfxVideoParam& a, const mfxVideoParam& g) {
  std::vector<Correction> out;
  auto compare = [&](const char* field, uint64_t asked, uint64_t got, bool matters) {
    if (asked != got) out.push_back({field, asked, got, matters});
  };
  const mfxInfoMFX& am = a.mfx;
  const mfxInfoMFX& gm = g.mfx;
  compare("FrameInfo.FourCC", am.FrameInfo.FourCC, gm.FrameInfo.FourCC, true);
  compare("FrameInfo.Width", am.FrameInfo.Width, gm.FrameInfo.Width, true);
  compare("FrameInfo.Height", am.FrameInfo.Height, gm.FrameInfo.Height, true);
  compare("FrameInfo.CropW", am.FrameInfo.CropW, gm.FrameInfo.CropW, true);
  compare("FrameInfo.CropH", am.FrameInfo.CropH, gm.FrameInfo.CropH, true);
  compare("CodecId", am.CodecId, gm.CodecId, true);
  compare("CodecProfile", am.CodecProfile, gm.CodecProfile, true);
  compare("RateControlMethod", am.RateControlMethod, gm.RateControlMethod, true);
  // Bitrates and buffer sizes as they count (times BRCParamMultiplier).
  compare("TargetKbps", brc(am.TargetKbps, am.BRCParamMultiplier),
          brc(gm.TargetKbps, gm.BRCParamMultiplier), true);
  compare("MaxKbps", brc(am.MaxKbps, am.BRCParamMultiplier), brc(gm.MaxKbps, gm.BRCParamMultiplier),
          true);
  compare("BufferSizeInKB", brc(am.BufferSizeInKB, am.BRCParamMultiplier),
          brc(gm.BufferSizeInKB, gm.BRCParamMultiplier), true);
  compare("InitialDelayInKB", brc(am.InitialDelayInKB, am.BRCParamMultiplier),
          brc(gm.InitialDelayInKB, gm.BRCParamMultiplier), true);
  compare("GopPicSize", am.GopPicSize, gm.GopPicSize, true);
  compare("GopRefDist", am.GopRefDist, gm.GopRefDist, true);
  compare("IdrInterval", am.IdrInterval, gm.IdrInterval, true);
  compare("GopOptFlag", am.GopOptFlag, gm.GopOptFlag, true);
  compare("IOPattern", a.IOPattern, g.IOPattern, true);
  compare("CodecLevel", am.CodecLevel, gm.CodecLevel, false);
  compare("TargetUsage", am.TargetUsage, gm.TargetUsage, false);
  compare("NumSlice", am.NumSlice, gm.NumSlice, false);
  compare("NumRefFrame", am.NumRefFrame, gm.NumRefFrame, false);
  compare("AsyncDepth", a.AsyncDepth, g.AsyncDepth, false);
  compare("FrameInfo.FrameRateExtN", am.FrameInfo.FrameRateExtN, gm.FrameInfo.FrameRateExtN, false);
  compare("FrameInfo.FrameRateExtD", am.FrameInfo.FrameRateExtD, gm.FrameInfo.FrameRateExtD, false);
  compare("FrameInfo.PicStruct", am.FrameInfo.PicStruct, gm.FrameInfo.PicStruct, false);
  compare("LowPower", am.LowPower, gm.LowPower, false);
  return out;
}

Result<mfxVideoParam> encoder_params(const EncoderConfig& config) {
  const QsvSettings settings = QsvSettings::from(config.backend_options);
  const bool vbr = settings.rate_control == "vbr";
  const double kbps = static_cast<double>(config.bitrate_kbps);
  const double factor = std::max(1.0, config.rate_control.vbv_maxrate_factor);
  const double target = kbps;
  const double peak = vbr ? kbps * factor : kbps;
  // The HRD buffer in kilobytes (1000 bytes, as oneVPL counts them), full at the start.
  const double buffer_kb = std::max(1.0, kbps * config.rate_control.vbv_buffer_seconds / 8.0);
  const double largest = std::max({target, peak, buffer_kb});
  const auto multiplier = static_cast<mfxU16>(std::max(1.0, std::ceil(largest / 65535.0)));
  auto scaled = [&](double v) {
    return static_cast<mfxU16>(std::clamp(std::lround(v / multiplier), 1L, 65535L));
  };
  mfxVideoParam p{};
  mfxInfoMFX& m = p.mfx;
  m.CodecId = MFX_CODEC_AVC;
  m.CodecProfile = MFX_PROFILE_AVC_HIGH;
  m.CodecLevel = MFX_LEVEL_UNKNOWN;  // the runtime's, from the size, rate and bitrate
  m.TargetUsage = MFX_TARGETUSAGE_BALANCED;
  m.GopPicSize = kNoGop;
  m.GopRefDist = 1;  // no B-frames
  m.GopOptFlag = MFX_GOP_CLOSED;
  m.IdrInterval = kNoGop;
  m.NumSlice = 1;
  m.NumRefFrame = 2;  // P pictures may refer to the two before them
  m.RateControlMethod = static_cast<mfxU16>(vbr ? MFX_RATECONTROL_VBR : MFX_RATECONTROL_CBR);
  m.BRCParamMultiplier = multiplier;
  m.TargetKbps = scaled(target);
  m.MaxKbps = scaled(peak);
  m.BufferSizeInKB = scaled(buffer_kb);
  m.InitialDelayInKB = scaled(buffer_kb);
  m.FrameInfo = frame_info(config.width, config.height,
                           static_cast<mfxU32>(std::max<int64_t>(1, config.frame_rate.num)),
                           static_cast<mfxU32>(std::max<int64_t>(1, config.frame_rate.den)));
  p.IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY;
  p.AsyncDepth = 1;
  return p;
}

Result<std::unique_ptr<Encoder>> open_qsv_encoder(std::shared_ptr<Platform> platform,
                                                  int sessions_needed,
                                                  const EncoderConfig& config) {
  auto encoder = std::make_unique<QsvEncoder>(std::move(platform), config);
  GEARBOX_RETURN_IF_ERROR(encoder->initialise(sessions_needed));
  return std::unique_ptr<Encoder>(std::move(encoder));
}

}  // namespace gearbox::qsv
