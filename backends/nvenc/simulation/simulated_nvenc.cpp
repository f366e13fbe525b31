// The SIMULATED libnvidia-encode.so.1 (see simulation.h): the NVENC entry points gearbox uses,
// checked as nvEncodeAPI.h documents them, encoding real H.264 with libx264.
#include <ffnvcodec/nvEncodeAPI.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

extern "C" {
#include <x264.h>
}

#include "simulation.h"

namespace {

using gearbox::nvidia_simulation::failure_requested;

bool same(const GUID& a, const GUID& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

int preset_index(const GUID& g) {
  const GUID presets[] = {NV_ENC_PRESET_P1_GUID, NV_ENC_PRESET_P2_GUID, NV_ENC_PRESET_P3_GUID,
                          NV_ENC_PRESET_P4_GUID, NV_ENC_PRESET_P5_GUID, NV_ENC_PRESET_P6_GUID,
                          NV_ENC_PRESET_P7_GUID};
  for (int i = 0; i < 7; ++i) {
    if (same(g, presets[i])) return i;
  }
  return -1;
}

struct Registration {
  unsigned long long ptr;
  uint32_t width, height, pitch;
  int mapped = 0;
};

struct Bitstream {
  bool locked = false;
  bool has_output = false;
  std::vector<uint8_t> bytes;
  NV_ENC_PIC_TYPE type = NV_ENC_PIC_TYPE_P;
  uint64_t timestamp = 0;
};

// Handles given to the client are addresses of these objects; the session checks that each
// handle it is given is one of its own.
struct Session {
  std::mutex mutex;
  bool initialised = false;
  bool ended = false;  // EOS sent
  NV_ENC_INITIALIZE_PARAMS init{};
  NV_ENC_CONFIG config{};
  std::map<Registration*, std::unique_ptr<Registration>> registrations;
  std::map<Bitstream*, std::unique_ptr<Bitstream>> bitstreams;
  x264_t* x264 = nullptr;
  std::vector<uint8_t> headers;  // SPS + PPS
  bool headers_sent = false;
  std::string last_error;
  ~Session() {
    if (x264) x264_encoder_close(x264);
  }
};

struct Sessions {
  std::mutex mutex;
  std::map<void*, std::unique_ptr<Session>> open;
};
Sessions& sessions() {
  static Sessions* s = new Sessions();
  return *s;
}

uint32_t max_supported_version() {
  return failure_requested("old_driver") ? (11u << 4) | 0u : (12u << 4) | 2u;
}

Session* find(void* encoder) {
  std::lock_guard<std::mutex> lock(sessions().mutex);
  auto it = sessions().open.find(encoder);
  return it == sessions().open.end() ? nullptr : it->second.get();
}

NVENCSTATUS fail(Session* s,
                 NVENCSTATUS status,
                 const std::string& message,
                 bool is_violation = true) {
  const std::string text = "SIMULATED NVENC: " + message;
  if (s) s->last_error = text;
  if (is_violation) gearbox_sim_violation(message.c_str());
  return status;
}

#define SIM_SESSION(encoder)                                                      \
  Session* s = find(encoder);                                                     \
  if (!s) return fail(nullptr, NV_ENC_ERR_INVALID_PTR, "unknown encoder handle"); \
  std::lock_guard<std::mutex> session_lock(s->mutex)

#define SIM_VERSION(s, value, expected, what) \
  if ((value) != (expected))                  \
  return fail(s, NV_ENC_ERR_INVALID_VERSION, std::string(what) + ": wrong struct version")

void max_size(uint32_t* w, uint32_t* h) {
  std::string value;
  *w = *h = 4096;
  if (failure_requested("max_size", &value)) std::sscanf(value.c_str(), "%ux%u", w, h);
}

int cap_value(NV_ENC_CAPS which) {
  uint32_t w, h;
  max_size(&w, &h);
  switch (which) {
    case NV_ENC_CAPS_WIDTH_MAX: return static_cast<int>(w);
    case NV_ENC_CAPS_HEIGHT_MAX: return static_cast<int>(h);
    case NV_ENC_CAPS_WIDTH_MIN: return 145;  // NVIDIA's documented H.264 minimum
    case NV_ENC_CAPS_HEIGHT_MIN: return 49;
    case NV_ENC_CAPS_SUPPORTED_RATECONTROL_MODES:
      return NV_ENC_PARAMS_RC_CBR | NV_ENC_PARAMS_RC_VBR;
    case NV_ENC_CAPS_NUM_MAX_BFRAMES: return 4;
    case NV_ENC_CAPS_SUPPORT_LOOKAHEAD: return 1;
    case NV_ENC_CAPS_SUPPORT_10BIT_ENCODE: return 0;
    case NV_ENC_CAPS_SUPPORT_CUSTOM_VBV_BUF_SIZE: return 1;
    default: return 0;
  }
}

NVENCSTATUS NVENCAPI open_session(NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS* p, void** encoder) {
  if (!p || !encoder)
    return fail(nullptr, NV_ENC_ERR_INVALID_PTR, "nvEncOpenEncodeSessionEx: null argument");
  *encoder = nullptr;
  SIM_VERSION(nullptr, p->version, NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER,
              "NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS");
  const uint32_t api = ((p->apiVersion & 0xFF) << 4) | ((p->apiVersion >> 24) & 0xF);
  if (api > max_supported_version()) {
    return fail(nullptr, NV_ENC_ERR_INVALID_VERSION,
                "apiVersion newer than the driver's NVENC API");
  }
  if (p->deviceType != NV_ENC_DEVICE_TYPE_CUDA) {
    return fail(nullptr, NV_ENC_ERR_UNIMPLEMENTED, "the simulation offers CUDA devices only");
  }
  if (!gearbox_sim_is_context(p->device)) {
    return fail(nullptr, NV_ENC_ERR_INVALID_DEVICE, "device is not a retained CUDA context");
  }
  if (failure_requested("no_encode_engine")) return NV_ENC_ERR_UNSUPPORTED_DEVICE;
  if (failure_requested("no_encode_device")) return NV_ENC_ERR_NO_ENCODE_DEVICE;
  std::string limit;
  std::lock_guard<std::mutex> lock(sessions().mutex);
  if (failure_requested("session_limit", &limit) && sessions().open.size() >= std::stoul(limit)) {
    return NV_ENC_ERR_OUT_OF_MEMORY;  // what the consumer session cap looks like
  }
  auto session = std::make_unique<Session>();
  *encoder = session.get();
  sessions().open[session.get()] = std::move(session);
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI guid_count(void* encoder, uint32_t* count) {
  SIM_SESSION(encoder);
  if (!count) return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncGetEncodeGUIDCount: null count");
  *count = 1;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI guids(void* encoder, GUID* out, uint32_t size, uint32_t* count) {
  SIM_SESSION(encoder);
  if (!out || !count) return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncGetEncodeGUIDs: null argument");
  if (size < 1) return fail(s, NV_ENC_ERR_INVALID_PARAM, "nvEncGetEncodeGUIDs: array too small");
  out[0] = NV_ENC_CODEC_H264_GUID;
  *count = 1;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI caps(void* encoder, GUID codec, NV_ENC_CAPS_PARAM* p, int* value) {
  SIM_SESSION(encoder);
  if (!p || !value) return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncGetEncodeCaps: null argument");
  SIM_VERSION(s, p->version, NV_ENC_CAPS_PARAM_VER, "NV_ENC_CAPS_PARAM");
  if (!same(codec, NV_ENC_CODEC_H264_GUID))
    return fail(s, NV_ENC_ERR_INVALID_PARAM, "nvEncGetEncodeCaps: not H.264");
  *value = cap_value(p->capsToQuery);
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI preset_config(void* encoder,
                                   GUID codec,
                                   GUID preset,
                                   NV_ENC_TUNING_INFO tuning,
                                   NV_ENC_PRESET_CONFIG* p) {
  SIM_SESSION(encoder);
  if (!p) return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncGetEncodePresetConfigEx: null config");
  SIM_VERSION(s, p->version, NV_ENC_PRESET_CONFIG_VER, "NV_ENC_PRESET_CONFIG");
  SIM_VERSION(s, p->presetCfg.version, NV_ENC_CONFIG_VER, "NV_ENC_PRESET_CONFIG.presetCfg");
  if (!same(codec, NV_ENC_CODEC_H264_GUID) || preset_index(preset) < 0 ||
      tuning < NV_ENC_TUNING_INFO_HIGH_QUALITY || tuning > NV_ENC_TUNING_INFO_LOSSLESS) {
    return fail(s, NV_ENC_ERR_INVALID_PARAM,
                "nvEncGetEncodePresetConfigEx: codec, preset or tuning invalid");
  }
  const uint32_t version = p->presetCfg.version;
  std::memset(&p->presetCfg, 0, sizeof p->presetCfg);
  NV_ENC_CONFIG& c = p->presetCfg;
  c.version = version;
  // A short GOP of NVENC's own, so that a client that forgets to turn it off sees extra IDRs.
  c.gopLength = 30;
  c.frameIntervalP = 1;
  c.rcParams.version = NV_ENC_RC_PARAMS_VER;
  c.rcParams.rateControlMode = NV_ENC_PARAMS_RC_VBR;
  c.encodeCodecConfig.h264Config.idrPeriod = 30;
  return NV_ENC_SUCCESS;
}

// x264 speed for each NVENC preset (the simulation's stand-in for NVENC's speed/quality steps).
const char* x264_preset(int index) {
  static const char* const names[] = {"ultrafast", "superfast", "veryfast", "veryfast",
                                      "faster",    "fast",      "medium"};
  return names[index];
}

NVENCSTATUS open_x264(Session* s) {
  const NV_ENC_CONFIG& c = s->config;
  const NV_ENC_CONFIG_H264& h = c.encodeCodecConfig.h264Config;
  x264_param_t p;
  // zerolatency: one picture out per picture in, as NVENC without B-frames or lookahead.
  x264_param_default_preset(&p, x264_preset(preset_index(s->init.presetGUID)), "zerolatency");
  p.i_log_level = X264_LOG_WARNING;
  p.i_width = static_cast<int>(s->init.encodeWidth);
  p.i_height = static_cast<int>(s->init.encodeHeight);
  p.i_csp = X264_CSP_NV12;
  p.i_fps_num = s->init.frameRateNum;
  p.i_fps_den = s->init.frameRateDen;
  p.b_vfr_input = 0;
  // NVENC's own keyframes, exactly as configured: the GOP and the IDR period.
  const uint32_t idr = h.idrPeriod ? h.idrPeriod : c.gopLength;
  p.i_keyint_max =
      idr == NVENC_INFINITE_GOPLENGTH ? X264_KEYINT_MAX_INFINITE : static_cast<int>(idr);
  p.i_keyint_min = 1;
  p.i_scenecut_threshold = 0;
  p.i_bframe = 0;
  p.rc.i_rc_method = X264_RC_ABR;
  p.rc.i_bitrate = static_cast<int>(c.rcParams.averageBitRate / 1000);
  const uint32_t max = c.rcParams.rateControlMode == NV_ENC_PARAMS_RC_CBR
                           ? c.rcParams.averageBitRate
                           : c.rcParams.maxBitRate;
  p.rc.i_vbv_max_bitrate = static_cast<int>(max / 1000);
  p.rc.i_vbv_buffer_size =
      static_cast<int>((c.rcParams.vbvBufferSize ? c.rcParams.vbvBufferSize : max) / 1000);
  p.b_repeat_headers = 0;
  p.b_annexb = 1;
  p.b_aud = h.outputAUD;
  const NV_ENC_CONFIG_H264_VUI_PARAMETERS& vui = h.h264VUIParameters;
  if (vui.videoSignalTypePresentFlag) {
    p.vui.b_fullrange = static_cast<int>(vui.videoFullRangeFlag);
    if (vui.colourDescriptionPresentFlag) {
      p.vui.i_colorprim = static_cast<int>(vui.colourPrimaries);
      p.vui.i_transfer = static_cast<int>(vui.transferCharacteristics);
      p.vui.i_colmatrix = static_cast<int>(vui.colourMatrix);
    }
  }
  x264_param_apply_profile(&p, "high");
  s->x264 = x264_encoder_open(&p);
  if (!s->x264)
    return fail(s, NV_ENC_ERR_INVALID_PARAM, "libx264 refused the configuration", false);
  x264_nal_t* nals = nullptr;
  int count = 0;
  x264_encoder_headers(s->x264, &nals, &count);
  for (int i = 0; i < count; ++i) {
    if (nals[i].i_type == NAL_SPS || nals[i].i_type == NAL_PPS) {
      s->headers.insert(s->headers.end(), nals[i].p_payload, nals[i].p_payload + nals[i].i_payload);
    }
  }
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI initialise(void* encoder, NV_ENC_INITIALIZE_PARAMS* p) {
  SIM_SESSION(encoder);
  if (!p) return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncInitializeEncoder: null params");
  if (s->initialised)
    return fail(s, NV_ENC_ERR_INVALID_CALL, "nvEncInitializeEncoder called twice");
  SIM_VERSION(s, p->version, NV_ENC_INITIALIZE_PARAMS_VER, "NV_ENC_INITIALIZE_PARAMS");
  if (!p->encodeConfig)
    return fail(s, NV_ENC_ERR_UNIMPLEMENTED, "the simulation needs an explicit encodeConfig");
  SIM_VERSION(s, p->encodeConfig->version, NV_ENC_CONFIG_VER, "NV_ENC_CONFIG");
  const NV_ENC_CONFIG& c = *p->encodeConfig;
  if (!same(p->encodeGUID, NV_ENC_CODEC_H264_GUID) || preset_index(p->presetGUID) < 0) {
    return fail(s, NV_ENC_ERR_INVALID_PARAM, "encodeGUID is not H.264 or presetGUID is not P1..P7");
  }
  if (p->tuningInfo < NV_ENC_TUNING_INFO_HIGH_QUALITY ||
      p->tuningInfo > NV_ENC_TUNING_INFO_LOSSLESS) {
    return fail(s, NV_ENC_ERR_INVALID_PARAM, "tuningInfo undefined");
  }
  if (static_cast<int>(p->encodeWidth) > cap_value(NV_ENC_CAPS_WIDTH_MAX) ||
      static_cast<int>(p->encodeHeight) > cap_value(NV_ENC_CAPS_HEIGHT_MAX) ||
      static_cast<int>(p->encodeWidth) < cap_value(NV_ENC_CAPS_WIDTH_MIN) ||
      static_cast<int>(p->encodeHeight) < cap_value(NV_ENC_CAPS_HEIGHT_MIN)) {
    return fail(s, NV_ENC_ERR_INVALID_PARAM,
                "encode size outside NV_ENC_CAPS_WIDTH/HEIGHT_MIN/MAX");
  }
  if (p->frameRateNum == 0 || p->frameRateDen == 0)
    return fail(s, NV_ENC_ERR_INVALID_PARAM, "frame rate 0");
  if (!p->enablePTD)
    return fail(s, NV_ENC_ERR_UNIMPLEMENTED, "the simulation implements enablePTD = 1 only");
  if (c.gopLength == NVENC_INFINITE_GOPLENGTH && c.frameIntervalP != 1) {
    return fail(s, NV_ENC_ERR_INVALID_PARAM, "frameIntervalP must be 1 with an infinite GOP");
  }
  if (c.frameIntervalP != 1 || c.rcParams.enableLookahead) {
    return fail(s, NV_ENC_ERR_UNIMPLEMENTED,
                "the simulation implements no B-frames and no lookahead");
  }
  const auto mode = c.rcParams.rateControlMode;
  if ((mode != NV_ENC_PARAMS_RC_CBR && mode != NV_ENC_PARAMS_RC_VBR) ||
      c.rcParams.averageBitRate == 0 ||
      (mode == NV_ENC_PARAMS_RC_VBR && c.rcParams.maxBitRate < c.rcParams.averageBitRate)) {
    return fail(s, NV_ENC_ERR_INVALID_PARAM,
                "rate control: CBR or VBR with averageBitRate > 0 and maxBitRate >= it");
  }
  s->init = *p;
  s->config = c;
  s->init.encodeConfig = &s->config;
  if (NVENCSTATUS st = open_x264(s)) return st;
  s->initialised = true;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI create_bitstream(void* encoder, NV_ENC_CREATE_BITSTREAM_BUFFER* p) {
  SIM_SESSION(encoder);
  if (!p) return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncCreateBitstreamBuffer: null params");
  SIM_VERSION(s, p->version, NV_ENC_CREATE_BITSTREAM_BUFFER_VER, "NV_ENC_CREATE_BITSTREAM_BUFFER");
  if (!s->initialised)
    return fail(s, NV_ENC_ERR_ENCODER_NOT_INITIALIZED,
                "nvEncCreateBitstreamBuffer before nvEncInitializeEncoder");
  auto b = std::make_unique<Bitstream>();
  p->bitstreamBuffer = b.get();
  s->bitstreams[b.get()] = std::move(b);
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI destroy_bitstream(void* encoder, NV_ENC_OUTPUT_PTR buffer) {
  SIM_SESSION(encoder);
  auto it = s->bitstreams.find(static_cast<Bitstream*>(buffer));
  if (it == s->bitstreams.end())
    return fail(s, NV_ENC_ERR_INVALID_PTR,
                "nvEncDestroyBitstreamBuffer: not a buffer of this session");
  if (it->second->locked)
    return fail(s, NV_ENC_ERR_INVALID_CALL, "nvEncDestroyBitstreamBuffer of a locked buffer");
  s->bitstreams.erase(it);
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI register_resource(void* encoder, NV_ENC_REGISTER_RESOURCE* p) {
  SIM_SESSION(encoder);
  if (!p) return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncRegisterResource: null params");
  SIM_VERSION(s, p->version, NV_ENC_REGISTER_RESOURCE_VER, "NV_ENC_REGISTER_RESOURCE");
  if (p->resourceType != NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR ||
      p->bufferFormat != NV_ENC_BUFFER_FORMAT_NV12 || p->bufferUsage != NV_ENC_INPUT_IMAGE) {
    return fail(s, NV_ENC_ERR_UNIMPLEMENTED,
                "the simulation registers NV12 CUDA device pointers as input images only");
  }
  if (p->pitch < p->width || p->width == 0 || p->height == 0) {
    return fail(s, NV_ENC_ERR_INVALID_PARAM,
                "nvEncRegisterResource: pitch smaller than width, or empty");
  }
  const auto ptr = reinterpret_cast<unsigned long long>(p->resourceToRegister);
  // NV12: height luma rows and height/2 chroma rows at the same pitch, in one allocation.
  const size_t bytes = static_cast<size_t>(p->pitch) * (p->height + p->height / 2);
  if (!gearbox_sim_device_span(ptr, bytes, "nvEncRegisterResource NV12 surface")) {
    return fail(s, NV_ENC_ERR_RESOURCE_REGISTER_FAILED,
                "nvEncRegisterResource: surface not inside one device allocation", false);
  }
  auto r = std::make_unique<Registration>(Registration{ptr, p->width, p->height, p->pitch});
  p->registeredResource = r.get();
  s->registrations[r.get()] = std::move(r);
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI unregister_resource(void* encoder, NV_ENC_REGISTERED_PTR resource) {
  SIM_SESSION(encoder);
  auto it = s->registrations.find(static_cast<Registration*>(resource));
  if (it == s->registrations.end())
    return fail(s, NV_ENC_ERR_RESOURCE_NOT_REGISTERED, "nvEncUnregisterResource: not registered");
  if (it->second->mapped)
    return fail(s, NV_ENC_ERR_INVALID_CALL, "nvEncUnregisterResource of a mapped resource");
  s->registrations.erase(it);
  return NV_ENC_SUCCESS;
}

// A mapped input's handle is its registration.
NVENCSTATUS NVENCAPI map_resource(void* encoder, NV_ENC_MAP_INPUT_RESOURCE* p) {
  SIM_SESSION(encoder);
  if (!p) return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncMapInputResource: null params");
  SIM_VERSION(s, p->version, NV_ENC_MAP_INPUT_RESOURCE_VER, "NV_ENC_MAP_INPUT_RESOURCE");
  auto it = s->registrations.find(static_cast<Registration*>(p->registeredResource));
  if (it == s->registrations.end())
    return fail(s, NV_ENC_ERR_RESOURCE_NOT_REGISTERED, "nvEncMapInputResource: not registered");
  if (it->second->mapped)
    return fail(s, NV_ENC_ERR_MAP_FAILED, "nvEncMapInputResource: already mapped (unmap it first)");
  it->second->mapped = 1;
  p->mappedResource = it->second.get();
  p->mappedBufferFmt = NV_ENC_BUFFER_FORMAT_NV12;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI unmap_resource(void* encoder, NV_ENC_INPUT_PTR mapped) {
  SIM_SESSION(encoder);
  auto it = s->registrations.find(static_cast<Registration*>(mapped));
  if (it == s->registrations.end() || !it->second->mapped) {
    return fail(s, NV_ENC_ERR_RESOURCE_NOT_MAPPED,
                "nvEncUnmapInputResource of a resource that is not mapped");
  }
  it->second->mapped = 0;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS encode_with_x264(Session* s,
                             const Registration& r,
                             const NV_ENC_PIC_PARAMS& p,
                             Bitstream& out) {
  const size_t bytes = static_cast<size_t>(r.pitch) * (r.height + r.height / 2);
  uint8_t* nv12 = gearbox_sim_device_span(r.ptr, bytes, "nvEncEncodePicture input surface");
  if (!nv12)
    return fail(s, NV_ENC_ERR_INVALID_PARAM, "input surface freed while registered", false);
  x264_picture_t in, pic_out;
  x264_picture_init(&in);
  in.img.i_csp = X264_CSP_NV12;
  in.img.i_plane = 2;
  in.img.plane[0] = nv12;
  in.img.plane[1] = nv12 + static_cast<size_t>(r.pitch) * r.height;
  in.img.i_stride[0] = in.img.i_stride[1] = static_cast<int>(r.pitch);
  in.i_pts = static_cast<int64_t>(p.inputTimeStamp);
  in.i_type = (p.encodePicFlags & NV_ENC_PIC_FLAG_FORCEIDR)     ? X264_TYPE_IDR
              : (p.encodePicFlags & NV_ENC_PIC_FLAG_FORCEINTRA) ? X264_TYPE_I
                                                                : X264_TYPE_AUTO;
  x264_nal_t* nals = nullptr;
  int count = 0;
  const int size = x264_encoder_encode(s->x264, &nals, &count, &in, &pic_out);
  if (size <= 0) return fail(s, NV_ENC_ERR_GENERIC, "libx264 produced no picture", false);
  out.bytes.clear();
  const bool idr = pic_out.i_type == X264_TYPE_IDR;
  // Like NVENC: parameter sets before the first IDR (and every IDR with repeatSPSPPS, or when
  // asked), unless disableSPSPPS.
  const NV_ENC_CONFIG_H264& h = s->config.encodeCodecConfig.h264Config;
  if (idr && !h.disableSPSPPS && (!s->headers_sent || h.repeatSPSPPS)) {
    out.bytes = s->headers;
    s->headers_sent = true;
  } else if (p.encodePicFlags & NV_ENC_PIC_FLAG_OUTPUT_SPSPPS) {
    out.bytes = s->headers;
  }
  out.bytes.insert(out.bytes.end(), nals[0].p_payload, nals[0].p_payload + size);
  out.type = idr                             ? NV_ENC_PIC_TYPE_IDR
             : pic_out.i_type == X264_TYPE_I ? NV_ENC_PIC_TYPE_I
                                             : NV_ENC_PIC_TYPE_P;
  out.timestamp = p.inputTimeStamp;
  out.has_output = true;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI encode_picture(void* encoder, NV_ENC_PIC_PARAMS* p) {
  SIM_SESSION(encoder);
  if (!p) return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncEncodePicture: null params");
  SIM_VERSION(s, p->version, NV_ENC_PIC_PARAMS_VER, "NV_ENC_PIC_PARAMS");
  if (!s->initialised)
    return fail(s, NV_ENC_ERR_ENCODER_NOT_INITIALIZED,
                "nvEncEncodePicture before nvEncInitializeEncoder");
  if (s->ended) return fail(s, NV_ENC_ERR_INVALID_CALL, "nvEncEncodePicture after end of stream");
  if (failure_requested("device_lost")) {
    return fail(s, NV_ENC_ERR_DEVICE_NOT_EXIST,
                "the simulated GPU is gone (GEARBOX_SIM_NVIDIA_FAIL=device_lost)", false);
  }
  if (p->encodePicFlags & NV_ENC_PIC_FLAG_EOS) {
    s->ended = true;
    return NV_ENC_SUCCESS;
  }
  auto reg = s->registrations.find(static_cast<Registration*>(p->inputBuffer));
  if (reg == s->registrations.end() || !reg->second->mapped) {
    return fail(s, NV_ENC_ERR_RESOURCE_NOT_MAPPED,
                "nvEncEncodePicture: inputBuffer is not a mapped resource of this session");
  }
  auto out = s->bitstreams.find(static_cast<Bitstream*>(p->outputBitstream));
  if (out == s->bitstreams.end())
    return fail(s, NV_ENC_ERR_INVALID_PTR,
                "nvEncEncodePicture: outputBitstream is not a buffer of this session");
  if (out->second->locked || out->second->has_output) {
    return fail(s, NV_ENC_ERR_INVALID_CALL,
                "nvEncEncodePicture into a bitstream buffer whose last picture was not locked and "
                "unlocked");
  }
  const Registration& r = *reg->second;
  if (p->inputWidth != s->init.encodeWidth || p->inputHeight != s->init.encodeHeight ||
      r.width != p->inputWidth || r.height != p->inputHeight) {
    return fail(s, NV_ENC_ERR_INVALID_PARAM,
                "nvEncEncodePicture: input size differs from the session's or the resource's");
  }
  if (p->inputPitch != r.pitch || p->bufferFmt != NV_ENC_BUFFER_FORMAT_NV12 ||
      p->pictureStruct != NV_ENC_PIC_STRUCT_FRAME) {
    return fail(s, NV_ENC_ERR_INVALID_PARAM,
                "nvEncEncodePicture: pitch, buffer format or picture structure differs from the "
                "registration");
  }
  return encode_with_x264(s, r, *p, *out->second);
}

NVENCSTATUS NVENCAPI lock_bitstream(void* encoder, NV_ENC_LOCK_BITSTREAM* p) {
  SIM_SESSION(encoder);
  if (!p) return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncLockBitstream: null params");
  SIM_VERSION(s, p->version, NV_ENC_LOCK_BITSTREAM_VER, "NV_ENC_LOCK_BITSTREAM");
  auto it = s->bitstreams.find(static_cast<Bitstream*>(p->outputBitstream));
  if (it == s->bitstreams.end())
    return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncLockBitstream: not a buffer of this session");
  Bitstream& b = *it->second;
  if (b.locked)
    return fail(s, NV_ENC_ERR_INVALID_CALL, "nvEncLockBitstream of a buffer already locked");
  if (!b.has_output)
    return fail(s, NV_ENC_ERR_INVALID_CALL,
                "nvEncLockBitstream of a buffer no picture was encoded into");
  b.locked = true;
  p->bitstreamBufferPtr = b.bytes.data();
  p->bitstreamSizeInBytes = static_cast<uint32_t>(b.bytes.size());
  p->pictureType = b.type;
  p->outputTimeStamp = b.timestamp;
  p->outputDuration = 0;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI unlock_bitstream(void* encoder, NV_ENC_OUTPUT_PTR buffer) {
  SIM_SESSION(encoder);
  auto it = s->bitstreams.find(static_cast<Bitstream*>(buffer));
  if (it == s->bitstreams.end() || !it->second->locked) {
    return fail(s, NV_ENC_ERR_INVALID_CALL, "nvEncUnlockBitstream of a buffer that is not locked");
  }
  it->second->locked = false;
  it->second->has_output = false;
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI sequence_params(void* encoder, NV_ENC_SEQUENCE_PARAM_PAYLOAD* p) {
  SIM_SESSION(encoder);
  if (!p || !p->spsppsBuffer || !p->outSPSPPSPayloadSize)
    return fail(s, NV_ENC_ERR_INVALID_PTR, "nvEncGetSequenceParams: null argument");
  SIM_VERSION(s, p->version, NV_ENC_SEQUENCE_PARAM_PAYLOAD_VER, "NV_ENC_SEQUENCE_PARAM_PAYLOAD");
  if (!s->initialised)
    return fail(s, NV_ENC_ERR_ENCODER_NOT_INITIALIZED,
                "nvEncGetSequenceParams before nvEncInitializeEncoder");
  if (p->inBufferSize < s->headers.size())
    return fail(s, NV_ENC_ERR_NOT_ENOUGH_BUFFER, "nvEncGetSequenceParams: buffer too small", false);
  std::memcpy(p->spsppsBuffer, s->headers.data(), s->headers.size());
  *p->outSPSPPSPayloadSize = static_cast<uint32_t>(s->headers.size());
  return NV_ENC_SUCCESS;
}

const char* NVENCAPI last_error(void* encoder) {
  Session* s = find(encoder);
  return s ? s->last_error.c_str() : "SIMULATED NVENC: unknown encoder handle";
}

NVENCSTATUS NVENCAPI destroy_encoder(void* encoder) {
  std::unique_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(sessions().mutex);
    auto it = sessions().open.find(encoder);
    if (it == sessions().open.end())
      return fail(nullptr, NV_ENC_ERR_INVALID_PTR, "nvEncDestroyEncoder: unknown encoder handle");
    session = std::move(it->second);
    sessions().open.erase(it);
  }
  std::lock_guard<std::mutex> lock(session->mutex);
  // NVIDIA's shutdown order: unmap and unregister inputs, destroy bitstream buffers, then the
  // encoder.
  if (!session->registrations.empty())
    fail(nullptr, NV_ENC_SUCCESS, "nvEncDestroyEncoder with resources still registered");
  if (!session->bitstreams.empty())
    fail(nullptr, NV_ENC_SUCCESS, "nvEncDestroyEncoder with bitstream buffers not destroyed");
  return NV_ENC_SUCCESS;
}

}  // namespace

extern "C" {

NVENCSTATUS NVENCAPI NvEncodeAPIGetMaxSupportedVersion(uint32_t* version) {
  if (!version) return NV_ENC_ERR_INVALID_PTR;
  *version = max_supported_version();
  return NV_ENC_SUCCESS;
}

NVENCSTATUS NVENCAPI NvEncodeAPICreateInstance(NV_ENCODE_API_FUNCTION_LIST* list) {
  if (!list) return NV_ENC_ERR_INVALID_PTR;
  if (list->version != NV_ENCODE_API_FUNCTION_LIST_VER) {
    return fail(nullptr, NV_ENC_ERR_INVALID_VERSION,
                "NV_ENCODE_API_FUNCTION_LIST: wrong struct version");
  }
  list->nvEncOpenEncodeSessionEx = open_session;
  list->nvEncGetEncodeGUIDCount = guid_count;
  list->nvEncGetEncodeGUIDs = guids;
  list->nvEncGetEncodeCaps = caps;
  list->nvEncGetEncodePresetConfigEx = preset_config;
  list->nvEncInitializeEncoder = initialise;
  list->nvEncCreateBitstreamBuffer = create_bitstream;
  list->nvEncDestroyBitstreamBuffer = destroy_bitstream;
  list->nvEncRegisterResource = register_resource;
  list->nvEncUnregisterResource = unregister_resource;
  list->nvEncMapInputResource = map_resource;
  list->nvEncUnmapInputResource = unmap_resource;
  list->nvEncEncodePicture = encode_picture;
  list->nvEncLockBitstream = lock_bitstream;
  list->nvEncUnlockBitstream = unlock_bitstream;
  list->nvEncGetSequenceParams = sequence_params;
  list->nvEncGetLastErrorString = last_error;
  list->nvEncDestroyEncoder = destroy_encoder;
  return NV_ENC_SUCCESS;
}

}  // extern "C"
