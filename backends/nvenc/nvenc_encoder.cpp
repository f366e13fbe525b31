#include "nvenc_encoder.h"

#include <cstring>
#include <unordered_map>

#include "gearbox/avc.h"
#include "nvenc_options.h"
#include "nvenc_status.h"

namespace gearbox::nvenc {
namespace {

bool same_guid(const GUID& a, const GUID& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// An open NVENC session; closes it (and counts it closed) on destruction.
class Session {
 public:
  Session(std::shared_ptr<CudaContext> context, std::shared_ptr<SessionCount> count)
      : context_(std::move(context)), count_(std::move(count)) {}
  ~Session() {
    if (!handle_) return;
    api().nvEncDestroyEncoder(handle_);
    if (count_) --count_->open;
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const NV_ENCODE_API_FUNCTION_LIST& api() const { return context_->runtime().nvenc; }
  void* handle() const { return handle_; }
  CudaContext& context() const { return *context_; }

  Status open() {
    NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS p{};
    p.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
    p.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
    p.device = context_->context();
    p.apiVersion = NVENCAPI_VERSION;
    void* handle = nullptr;
    NVENCSTATUS s = api().nvEncOpenEncodeSessionEx(&p, &handle);
    if (s != NV_ENC_SUCCESS) {
      if (handle)
        api().nvEncDestroyEncoder(handle);  // NVENC asks for this even after a failed open
      const Failure kind = classify_open_session(s);
      std::string detail = std::string("on ") + context_->runtime().label() + ", GPU \"" +
                           context_->gpu_name() + "\"";
      if (kind == Failure::kSessionLimit && count_) {
        detail += "; this ladder needs " + std::to_string(count_->needed) +
                  " sessions (one per rendition), " + std::to_string(count_->open.load()) +
                  " were open in gearbox when this one was refused (sessions of other processes "
                  "count too); "
                  "use fewer renditions, or a GPU without the cap (Quadro/RTX professional, "
                  "data-centre GPUs with NVENC)";
      }
      return failure(kind, "nvEncOpenEncodeSessionEx", s, detail);
    }
    handle_ = handle;
    if (count_) ++count_->open;
    return {};
  }

  // A failed call with NVENC's last error string for this session.
  Error error(Failure kind, const char* call, NVENCSTATUS s) const {
    const char* last = handle_ ? api().nvEncGetLastErrorString(handle_) : nullptr;
    return failure(kind, call, s, last && *last ? std::string("driver says: ") + last : "");
  }

  int cap(NV_ENC_CAPS which) const {
    NV_ENC_CAPS_PARAM p{};
    p.version = NV_ENC_CAPS_PARAM_VER;
    p.capsToQuery = which;
    int value = 0;
    if (api().nvEncGetEncodeCaps(handle_, NV_ENC_CODEC_H264_GUID, &p, &value) != NV_ENC_SUCCESS)
      return 0;
    return value;
  }

  Status require_h264() const {
    uint32_t count = 0;
    NVENCSTATUS s = api().nvEncGetEncodeGUIDCount(handle_, &count);
    if (s != NV_ENC_SUCCESS) return error(Failure::kVendor, "nvEncGetEncodeGUIDCount", s);
    std::vector<GUID> guids(count);
    s = api().nvEncGetEncodeGUIDs(handle_, guids.data(), count, &count);
    if (s != NV_ENC_SUCCESS) return error(Failure::kVendor, "nvEncGetEncodeGUIDs", s);
    for (const GUID& g : guids) {
      if (same_guid(g, NV_ENC_CODEC_H264_GUID)) return {};
    }
    return failure(Failure::kUnsupported,
                   "this GPU's NVENC offers no H.264 encoder (nvEncGetEncodeGUIDs)");
  }

  Capabilities capabilities() const {
    Capabilities c;
    c.codecs = {Codec::kH264};
    c.min_size = {cap(NV_ENC_CAPS_WIDTH_MIN), cap(NV_ENC_CAPS_HEIGHT_MIN)};
    c.max_size = {cap(NV_ENC_CAPS_WIDTH_MAX), cap(NV_ENC_CAPS_HEIGHT_MAX)};
    c.size_alignment = 2;  // NV12; NVENC pads to its macroblocks itself
    const int modes = cap(NV_ENC_CAPS_SUPPORTED_RATECONTROL_MODES);
    if (modes & NV_ENC_PARAMS_RC_CBR) c.rate_control.push_back(RateControl::kCbr);
    if (modes & NV_ENC_PARAMS_RC_VBR) c.rate_control.push_back(RateControl::kVbr);
    c.max_bframes = cap(NV_ENC_CAPS_NUM_MAX_BFRAMES);
    c.lookahead = cap(NV_ENC_CAPS_SUPPORT_LOOKAHEAD) != 0;
    c.ten_bit = cap(NV_ENC_CAPS_SUPPORT_10BIT_ENCODE) != 0;
    c.max_sessions = -1;  // NVENC does not report the consumer cap; it shows as kSessionLimit
    return c;
  }

 private:
  std::shared_ptr<CudaContext> context_;
  std::shared_ptr<SessionCount> count_;
  void* handle_ = nullptr;
};

GUID preset_guid(const std::string& preset) {
  const GUID presets[] = {NV_ENC_PRESET_P1_GUID, NV_ENC_PRESET_P2_GUID, NV_ENC_PRESET_P3_GUID,
                          NV_ENC_PRESET_P4_GUID, NV_ENC_PRESET_P5_GUID, NV_ENC_PRESET_P6_GUID,
                          NV_ENC_PRESET_P7_GUID};
  const int index =
      preset.size() == 2 && preset[1] >= '1' && preset[1] <= '7' ? preset[1] - '1' : 3;
  return presets[index];
}

NV_ENC_TUNING_INFO tuning_info(const std::string& tuning) {
  if (tuning == "hq") return NV_ENC_TUNING_INFO_HIGH_QUALITY;
  if (tuning == "ull") return NV_ENC_TUNING_INFO_ULTRA_LOW_LATENCY;
  return NV_ENC_TUNING_INFO_LOW_LATENCY;
}

std::string size_text(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}
std::string size_text(Size s) {
  return size_text(s.width, s.height);
}

RateControl rate_control_of(const std::string& option) {
  return option == "vbr" ? RateControl::kVbr : RateControl::kCbr;
}

// The request against the capabilities, before NVENC is asked to initialise.
Status check_against(const Capabilities& caps, const EncoderConfig& c) {
  const std::string rate_control = NvencSettings::from(c.backend_options).rate_control;
  if (c.width > caps.max_size.width || c.height > caps.max_size.height ||
      c.width < caps.min_size.width || c.height < caps.min_size.height) {
    return failure(Failure::kUnsupported,
                   size_text(c.width, c.height) + " is outside this GPU's H.264 encoder sizes " +
                       size_text(caps.min_size) + ".." + size_text(caps.max_size) +
                       " (NV_ENC_CAPS_WIDTH/HEIGHT_MIN/MAX)");
  }
  if (!caps.offers(rate_control_of(rate_control))) {
    return failure(
        Failure::kUnsupported,
        "nvenc.rate_control \"" + rate_control +
            "\" is not among this GPU's modes (NV_ENC_CAPS_SUPPORTED_RATECONTROL_MODES)");
  }
  return {};
}

class NvencEncoder final : public Encoder {
 public:
  NvencEncoder(std::unique_ptr<Session> session, const EncoderConfig& config)
      : session_(std::move(session)),
        config_(config),
        settings_(NvencSettings::from(config.backend_options)) {}

  ~NvencEncoder() override {
    const auto& api = session_->api();
    ScopedContext scope(session_->context().cu(), session_->context().context());
    for (auto& entry : registered_) api.nvEncUnregisterResource(session_->handle(), entry.second);
    if (bitstream_) api.nvEncDestroyBitstreamBuffer(session_->handle(), bitstream_);
  }

  Status initialise() {
    const auto& api = session_->api();
    void* h = session_->handle();
    GEARBOX_RETURN_IF_ERROR(session_->require_h264());
    GEARBOX_RETURN_IF_ERROR(check_against(session_->capabilities(), config_));

    const GUID preset = preset_guid(settings_.preset);
    const NV_ENC_TUNING_INFO tuning = tuning_info(settings_.tuning);
    NV_ENC_PRESET_CONFIG pc{};
    pc.version = NV_ENC_PRESET_CONFIG_VER;
    pc.presetCfg.version = NV_ENC_CONFIG_VER;
    NVENCSTATUS s =
        api.nvEncGetEncodePresetConfigEx(h, NV_ENC_CODEC_H264_GUID, preset, tuning, &pc);
    if (s != NV_ENC_SUCCESS)
      return session_->error(Failure::kUnsupported, "nvEncGetEncodePresetConfigEx", s);
    config_nvenc_ = pc.presetCfg;
    NV_ENC_CONFIG& cfg = config_nvenc_;
    cfg.version = NV_ENC_CONFIG_VER;
    cfg.profileGUID = NV_ENC_H264_PROFILE_HIGH_GUID;
    // The engine owns keyframes: no GOP, no IDR period, no B-frames (IPP...).
    cfg.gopLength = NVENC_INFINITE_GOPLENGTH;
    cfg.frameIntervalP = 1;
    NV_ENC_RC_PARAMS& rc = cfg.rcParams;
    const double bps = static_cast<double>(config_.bitrate_kbps) * 1000.0;
    rc.rateControlMode = rate_control_of(settings_.rate_control) == RateControl::kVbr
                             ? NV_ENC_PARAMS_RC_VBR
                             : NV_ENC_PARAMS_RC_CBR;
    rc.averageBitRate = static_cast<uint32_t>(bps);
    rc.maxBitRate = rc.rateControlMode == NV_ENC_PARAMS_RC_CBR
                        ? rc.averageBitRate
                        : static_cast<uint32_t>(bps * config_.rate_control.vbv_maxrate_factor);
    rc.vbvBufferSize = static_cast<uint32_t>(bps * config_.rate_control.vbv_buffer_seconds);
    rc.vbvInitialDelay = rc.vbvBufferSize;
    rc.enableLookahead = 0;  // lookahead holds frames back; the engine wants one out per one in
    NV_ENC_CONFIG_H264& h264 = cfg.encodeCodecConfig.h264Config;
    h264.idrPeriod = NVENC_INFINITE_GOPLENGTH;
    h264.disableSPSPPS = 1;  // parameter sets travel out of band (avcC), as CMAF's 'avc1' requires
    h264.repeatSPSPPS = 0;
    h264.outputAUD = 0;
    // BT.601 limited range: what the conversion kernels produce.
    NV_ENC_CONFIG_H264_VUI_PARAMETERS& vui = h264.h264VUIParameters;
    vui.videoSignalTypePresentFlag = 1;
    vui.videoFormat = 5;  // unspecified
    vui.videoFullRangeFlag = 0;
    vui.colourDescriptionPresentFlag = 1;
    vui.colourPrimaries = vui.transferCharacteristics = vui.colourMatrix = 6;  // SMPTE 170M

    NV_ENC_INITIALIZE_PARAMS init{};
    init.version = NV_ENC_INITIALIZE_PARAMS_VER;
    init.encodeGUID = NV_ENC_CODEC_H264_GUID;
    init.presetGUID = preset;
    init.tuningInfo = tuning;
    init.encodeWidth = init.darWidth = init.maxEncodeWidth = static_cast<uint32_t>(config_.width);
    init.encodeHeight = init.darHeight = init.maxEncodeHeight =
        static_cast<uint32_t>(config_.height);
    init.frameRateNum = static_cast<uint32_t>(config_.frame_rate.num);
    init.frameRateDen = static_cast<uint32_t>(config_.frame_rate.den);
    init.enablePTD = 1;  // NVENC picks P pictures; FORCEIDR needs it
    init.encodeConfig = &cfg;
    s = api.nvEncInitializeEncoder(h, &init);
    if (s != NV_ENC_SUCCESS) {
      const bool unsupported = s == NV_ENC_ERR_INVALID_PARAM || s == NV_ENC_ERR_UNSUPPORTED_PARAM;
      return session_->error(unsupported ? Failure::kUnsupported : Failure::kVendor,
                             "nvEncInitializeEncoder", s);
    }

    NV_ENC_CREATE_BITSTREAM_BUFFER bb{};
    bb.version = NV_ENC_CREATE_BITSTREAM_BUFFER_VER;
    s = api.nvEncCreateBitstreamBuffer(h, &bb);
    if (s != NV_ENC_SUCCESS)
      return session_->error(Failure::kVendor, "nvEncCreateBitstreamBuffer", s);
    bitstream_ = bb.bitstreamBuffer;

    uint8_t headers[512];
    uint32_t size = 0;
    NV_ENC_SEQUENCE_PARAM_PAYLOAD sp{};
    sp.version = NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER;
    sp.inBufferSize = sizeof headers;
    sp.spsppsBuffer = headers;
    sp.outSPSPPSPayloadSize = &size;
    s = api.nvEncGetSequenceParams(h, &sp);
    if (s != NV_ENC_SUCCESS) return session_->error(Failure::kVendor, "nvEncGetSequenceParams", s);
    codec_.extradata.assign(headers, headers + size);
    codec_.codec_string = avc_codec_string(codec_.extradata);
    return {};
  }

  Status encode(const Surface& surface, int64_t pts, bool force_idr, PacketSink& sink) override {
    const auto* s = dynamic_cast<const NvencSurface*>(&surface);
    if (!s || s->owner() != &session_->context()) {
      return make_error(ErrorCode::kInternal, "nvenc: encode() of a surface from another device");
    }
    if (s->width() != config_.width || s->height() != config_.height) {
      return make_error(ErrorCode::kInternal, "nvenc: surface " +
                                                  size_text(s->width(), s->height()) +
                                                  " given to an encoder opened for " +
                                                  size_text(config_.width, config_.height));
    }
    ScopedContext scope(session_->context().cu(), session_->context().context());
    auto reg = registration(*s);
    if (!reg) return reg.error();
    const auto& api = session_->api();
    void* h = session_->handle();
    NV_ENC_MAP_INPUT_RESOURCE map{};
    map.version = NV_ENC_MAP_INPUT_RESOURCE_VER;
    map.registeredResource = *reg;
    NVENCSTATUS st = api.nvEncMapInputResource(h, &map);
    if (st != NV_ENC_SUCCESS) return session_->error(Failure::kVendor, "nvEncMapInputResource", st);
    Status result = encode_mapped(*s, map.mappedResource, map.mappedBufferFmt, pts, force_idr);
    st = api.nvEncUnmapInputResource(h, map.mappedResource);
    if (result && st != NV_ENC_SUCCESS)
      result = session_->error(Failure::kVendor, "nvEncUnmapInputResource", st);
    if (!result) return result;
    ++stats_.frames_in;
    ++stats_.packets_out;
    stats_.bytes_out += static_cast<int64_t>(packet_bytes_.size());
    EncodedPacket packet;
    packet.data = packet_bytes_.data();
    packet.size = packet_bytes_.size();
    packet.pts = packet.dts = pts;  // no B-frames: decode order is presentation order
    packet.keyframe = packet_idr_;
    return sink.on_packet(packet);
  }

  Status drain(PacketSink&) override {
    // Without B-frames or lookahead NVENC outputs every picture from its own encode call; the
    // end-of-stream picture only tells it so.
    ScopedContext scope(session_->context().cu(), session_->context().context());
    NV_ENC_PIC_PARAMS eos{};
    eos.version = NV_ENC_PIC_PARAMS_VER;
    eos.encodePicFlags = NV_ENC_PIC_FLAG_EOS;
    NVENCSTATUS st = session_->api().nvEncEncodePicture(session_->handle(), &eos);
    if (st != NV_ENC_SUCCESS)
      return session_->error(Failure::kVendor, "nvEncEncodePicture(EOS)", st);
    return {};
  }

  const CodecConfig& codec_config() const override { return codec_; }
  EncoderStats stats() const override { return stats_; }

 private:
  // Each pool surface is registered with this session once, the first time it comes here.
  Result<NV_ENC_REGISTERED_PTR> registration(const NvencSurface& s) {
    auto it = registered_.find(s.luma());
    if (it != registered_.end()) return it->second;
    NV_ENC_REGISTER_RESOURCE r{};
    r.version = NV_ENC_REGISTER_RESOURCE_VER;
    r.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR;
    r.width = static_cast<uint32_t>(s.width());
    r.height = static_cast<uint32_t>(s.height());
    r.pitch = static_cast<uint32_t>(s.pitch());
    r.resourceToRegister = reinterpret_cast<void*>(s.luma());
    r.bufferFormat = NV_ENC_BUFFER_FORMAT_NV12;
    r.bufferUsage = NV_ENC_INPUT_IMAGE;
    NVENCSTATUS st = session_->api().nvEncRegisterResource(session_->handle(), &r);
    if (st != NV_ENC_SUCCESS) return session_->error(Failure::kVendor, "nvEncRegisterResource", st);
    registered_[s.luma()] = r.registeredResource;
    return r.registeredResource;
  }

  Status encode_mapped(const NvencSurface& s,
                       NV_ENC_INPUT_PTR input,
                       NV_ENC_BUFFER_FORMAT format,
                       int64_t pts,
                       bool force_idr) {
    const auto& api = session_->api();
    void* h = session_->handle();
    NV_ENC_PIC_PARAMS pic{};
    pic.version = NV_ENC_PIC_PARAMS_VER;
    pic.inputWidth = static_cast<uint32_t>(s.width());
    pic.inputHeight = static_cast<uint32_t>(s.height());
    pic.inputPitch = static_cast<uint32_t>(s.pitch());
    pic.inputBuffer = input;
    pic.outputBitstream = bitstream_;
    pic.bufferFmt = format;
    pic.pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
    pic.inputTimeStamp = static_cast<uint64_t>(pts);
    pic.encodePicFlags = force_idr ? NV_ENC_PIC_FLAG_FORCEIDR : 0;
    NVENCSTATUS st = api.nvEncEncodePicture(h, &pic);
    if (st != NV_ENC_SUCCESS) {
      // NEED_MORE_INPUT only happens with B-frames or lookahead, which gearbox never enables.
      return session_->error(Failure::kVendor, "nvEncEncodePicture", st);
    }
    NV_ENC_LOCK_BITSTREAM lock{};
    lock.version = NV_ENC_LOCK_BITSTREAM_VER;
    lock.outputBitstream = bitstream_;
    st = api.nvEncLockBitstream(h, &lock);
    if (st != NV_ENC_SUCCESS) return session_->error(Failure::kVendor, "nvEncLockBitstream", st);
    const auto* bytes = static_cast<const uint8_t*>(lock.bitstreamBufferPtr);
    packet_bytes_.assign(bytes, bytes + lock.bitstreamSizeInBytes);
    packet_idr_ = lock.pictureType == NV_ENC_PIC_TYPE_IDR;
    st = api.nvEncUnlockBitstream(h, bitstream_);
    if (st != NV_ENC_SUCCESS) return session_->error(Failure::kVendor, "nvEncUnlockBitstream", st);
    if (force_idr && !packet_idr_) {
      return failure(Failure::kVendor,
                     "NVENC returned a non-IDR picture for NV_ENC_PIC_FLAG_FORCEIDR");
    }
    return {};
  }

  std::unique_ptr<Session> session_;
  EncoderConfig config_;
  NvencSettings settings_;
  NV_ENC_CONFIG config_nvenc_{};
  CodecConfig codec_;
  EncoderStats stats_;
  NV_ENC_OUTPUT_PTR bitstream_ = nullptr;
  std::unordered_map<CUdeviceptr, NV_ENC_REGISTERED_PTR> registered_;
  std::vector<uint8_t> packet_bytes_;
  bool packet_idr_ = false;
};

}  // namespace

Result<std::unique_ptr<Encoder>> open_nvenc_encoder(std::shared_ptr<CudaContext> context,
                                                    std::shared_ptr<SessionCount> sessions,
                                                    const EncoderConfig& config) {
  ScopedContext scope(context->cu(), context->context());
  auto session = std::make_unique<Session>(context, std::move(sessions));
  GEARBOX_RETURN_IF_ERROR(session->open());
  auto encoder = std::make_unique<NvencEncoder>(std::move(session), config);
  GEARBOX_RETURN_IF_ERROR(encoder->initialise());
  return std::unique_ptr<Encoder>(std::move(encoder));
}

Result<Capabilities> query_capabilities(std::shared_ptr<CudaContext> context,
                                        std::shared_ptr<SessionCount> sessions) {
  ScopedContext scope(context->cu(), context->context());
  Session session(context, std::move(sessions));
  GEARBOX_RETURN_IF_ERROR(session.open());
  GEARBOX_RETURN_IF_ERROR(session.require_h264());
  return session.capabilities();
}

}  // namespace gearbox::nvenc
