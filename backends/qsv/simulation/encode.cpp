// MFXVideoENCODE_*: the parameters checked and corrected as the spec documents them, and libx264
// behind them (High/Main/Baseline, no B-frames, IDRs exactly where the GOP settings or the
// application's mfxEncodeCtrl say, x264's VBV standing in for the hardware's bitrate control).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>

extern "C" {
#include <x264.h>
}

#include "simulation.h"

namespace gearbox::qsv::simulation {

struct Encoder {
  Session* session = nullptr;
  mfxVideoParam par{};  // as corrected; no extension buffers
  x264_t* x264 = nullptr;
  std::vector<uint8_t> sps, pps;  // raw NAL units, no start codes

  struct Pending {
    Surface* surface = nullptr;   // held while queued and until its sync point is synchronized
    std::vector<uint8_t> pixels;  // NV12, pitch == width
    mfxU64 timestamp = 0;
    bool force_idr = false;
    bool force_i = false;
  };
  std::deque<Pending> pending;
  size_t delay = 0;  // frames buffered before the first output (AsyncDepth - 1, at most 3)
  long encoded = 0;
  long since_i = 0;
  long i_since_idr = 0;
  long submitted = 0;
  mfxU64 bits = 0;

  ~Encoder() {
    for (Pending& p : pending) {
      if (p.surface) unhold(p.surface);
    }
    if (x264) x264_encoder_close(x264);
  }
};

void EncoderDeleter::operator()(Encoder* e) const {
  delete e;
}

const mfxFrameInfo* encoder_frame_info(Session* session) {
  return session->encoder ? &session->encoder->par.mfx.FrameInfo : nullptr;
}

namespace {

mfxU32 multiplier(const mfxInfoMFX& m) {
  return std::max<mfxU32>(1, m.BRCParamMultiplier);
}

// Checks `p` (a copy of the application's parameters), corrects what may be corrected, and says
// what was wrong. Returns MFX_ERR_NONE, MFX_WRN_INCOMPATIBLE_VIDEO_PARAM (corrected: `notes`),
// MFX_ERR_UNSUPPORTED (beyond the simulation's capabilities: `problem`) or
// MFX_ERR_INVALID_VIDEO_PARAM (against the spec: `problem`).
mfxStatus check(mfxVideoParam* p, std::string* problem, std::string* notes) {
  mfxInfoMFX& m = p->mfx;
  mfxFrameInfo& f = m.FrameInfo;
  auto correct = [&](const std::string& what) {
    if (!notes->empty()) *notes += "; ";
    *notes += what;
  };
  if (m.CodecId != MFX_CODEC_AVC) {
    *problem = "CodecId " + std::to_string(m.CodecId) + " is not MFX_CODEC_AVC, the only codec";
    return MFX_ERR_UNSUPPORTED;
  }
  const mfxU16 io = p->IOPattern;
  if (io != MFX_IOPATTERN_IN_VIDEO_MEMORY && io != MFX_IOPATTERN_IN_SYSTEM_MEMORY) {
    *problem = "IOPattern " + std::to_string(io) +
               " is not exactly one of MFX_IOPATTERN_IN_VIDEO_MEMORY, IN_SYSTEM_MEMORY";
    return MFX_ERR_INVALID_VIDEO_PARAM;
  }
  if (f.FourCC != MFX_FOURCC_NV12 || f.ChromaFormat != MFX_CHROMAFORMAT_YUV420) {
    *problem = "FrameInfo FourCC/ChromaFormat are not NV12/MFX_CHROMAFORMAT_YUV420";
    return MFX_ERR_INVALID_VIDEO_PARAM;
  }
  if (f.Width == 0 || f.Height == 0 || f.Width % 16 || f.Height % 16) {
    *problem = "FrameInfo Width x Height " + std::to_string(f.Width) + "x" +
               std::to_string(f.Height) + " are not non-zero multiples of 16";
    return MFX_ERR_INVALID_VIDEO_PARAM;
  }
  if (f.CropW == 0 || f.CropH == 0 || f.CropX + f.CropW > f.Width || f.CropY + f.CropH > f.Height) {
    *problem = "the crop rectangle " + std::to_string(f.CropX) + "," + std::to_string(f.CropY) +
               " " + std::to_string(f.CropW) + "x" + std::to_string(f.CropH) +
               " is empty or not within " + std::to_string(f.Width) + "x" +
               std::to_string(f.Height);
    return MFX_ERR_INVALID_VIDEO_PARAM;
  }
  mfxU32 max_width = 0, max_height = 0;
  max_size(&max_width, &max_height);
  if (f.Width < 32 || f.Height < 32) {
    *problem = std::to_string(f.Width) + "x" + std::to_string(f.Height) +
               " is below 32x32, the smallest picture";
    return MFX_ERR_UNSUPPORTED;
  }
  if (f.Width > max_width || f.Height > max_height) {
    *problem = std::to_string(f.Width) + "x" + std::to_string(f.Height) + " is beyond " +
               std::to_string(max_width) + "x" + std::to_string(max_height) +
               ", the largest picture";
    return MFX_ERR_UNSUPPORTED;
  }
  if (f.FrameRateExtN == 0 || f.FrameRateExtD == 0) {
    *problem = "FrameRateExtN/FrameRateExtD are zero";
    return MFX_ERR_INVALID_VIDEO_PARAM;
  }
  if (f.PicStruct != MFX_PICSTRUCT_PROGRESSIVE) {
    *problem = "PicStruct " + std::to_string(f.PicStruct) +
               " is not MFX_PICSTRUCT_PROGRESSIVE (the simulation models no interlace)";
    return MFX_ERR_UNSUPPORTED;
  }
  switch (m.CodecProfile) {
    case 0: m.CodecProfile = MFX_PROFILE_AVC_HIGH; break;
    case MFX_PROFILE_AVC_HIGH:
    case MFX_PROFILE_AVC_MAIN:
    case MFX_PROFILE_AVC_BASELINE:
    case MFX_PROFILE_AVC_CONSTRAINED_BASELINE: break;
    default:
      correct("CodecProfile " + std::to_string(m.CodecProfile) + " -> High");
      m.CodecProfile = MFX_PROFILE_AVC_HIGH;
  }
  if (m.GopRefDist > 1) {
    correct("GopRefDist " + std::to_string(m.GopRefDist) + " -> 1 (no B-frames)");
    m.GopRefDist = 1;
  }
  if (m.NumRefFrame > 4) {
    correct("NumRefFrame " + std::to_string(m.NumRefFrame) + " -> 4");
    m.NumRefFrame = 4;
  }
  if (m.NumSlice > 1) {
    correct("NumSlice " + std::to_string(m.NumSlice) + " -> 1");
    m.NumSlice = 1;
  }
  const mfxU32 mult = multiplier(m);
  switch (m.RateControlMethod) {
    case MFX_RATECONTROL_CBR:
    case MFX_RATECONTROL_VBR: {
      if (m.TargetKbps == 0) {
        *problem = "TargetKbps is zero with CBR/VBR";
        return MFX_ERR_INVALID_VIDEO_PARAM;
      }
      if (m.RateControlMethod == MFX_RATECONTROL_CBR && m.MaxKbps && m.MaxKbps != m.TargetKbps) {
        correct("MaxKbps " + std::to_string(m.MaxKbps) + " -> TargetKbps with CBR");
        m.MaxKbps = m.TargetKbps;
      }
      if (m.RateControlMethod == MFX_RATECONTROL_VBR && m.MaxKbps && m.MaxKbps < m.TargetKbps) {
        correct("MaxKbps " + std::to_string(m.MaxKbps) + " < TargetKbps -> TargetKbps");
        m.MaxKbps = m.TargetKbps;
      }
      if (m.MaxKbps == 0) m.MaxKbps = m.TargetKbps;
      // The runtime's choice where the application leaves it: one second at MaxKbps.
      if (m.BufferSizeInKB == 0) m.BufferSizeInKB = static_cast<mfxU16>(std::max(1, m.MaxKbps / 8));
      if (m.InitialDelayInKB == 0) m.InitialDelayInKB = m.BufferSizeInKB / 2;
      if (m.InitialDelayInKB > m.BufferSizeInKB) {
        correct("InitialDelayInKB " + std::to_string(m.InitialDelayInKB) + " > BufferSizeInKB");
        m.InitialDelayInKB = m.BufferSizeInKB;
      }
      break;
    }
    case MFX_RATECONTROL_CQP:
      for (mfxU16* qp : {&m.QPI, &m.QPP, &m.QPB}) {
        if (*qp == 0) *qp = 26;
        if (*qp > 51) {
          correct("QP " + std::to_string(*qp) + " -> 51");
          *qp = 51;
        }
      }
      if (m.BufferSizeInKB == 0) {
        m.BufferSizeInKB = static_cast<mfxU16>(
            std::min<mfxU32>(65535, f.Width * f.Height * 3 / 2 / 1000 / mult + 1));
      }
      break;
    default:
      *problem = "RateControlMethod " + std::to_string(m.RateControlMethod) +
                 " is not modelled (CBR, VBR, CQP)";
      return MFX_ERR_UNSUPPORTED;
  }
  // query_changes=<field>: a correction the application must read back.
  std::string field;
  if (failure_requested("query_changes", &field)) {
    if (field == "TargetKbps" && m.RateControlMethod != MFX_RATECONTROL_CQP) {
      m.TargetKbps = static_cast<mfxU16>(std::max(1, m.TargetKbps * 3 / 4));
      if (m.RateControlMethod == MFX_RATECONTROL_CBR) m.MaxKbps = m.TargetKbps;
    } else if (field == "MaxKbps" && m.RateControlMethod == MFX_RATECONTROL_VBR) {
      m.MaxKbps = m.TargetKbps;
    } else if (field == "BufferSizeInKB") {
      m.BufferSizeInKB = static_cast<mfxU16>(std::max(1, m.BufferSizeInKB / 2));
      m.InitialDelayInKB = std::min(m.InitialDelayInKB, m.BufferSizeInKB);
    } else if (field == "GopPicSize") {
      m.GopPicSize = static_cast<mfxU16>(m.GopPicSize > 1 ? m.GopPicSize / 2 : 30);
    } else if (field == "NumRefFrame") {
      m.NumRefFrame = 1;
    } else if (field == "AsyncDepth") {
      p->AsyncDepth = 1;
    } else if (field == "CodecProfile") {
      m.CodecProfile = MFX_PROFILE_AVC_MAIN;
    } else {
      log_line("query_changes=" + field + ": not a field the simulation corrects; ignored");
      field.clear();
    }
    if (!field.empty()) correct("query_changes=" + field);
  }
  return notes->empty() ? MFX_ERR_NONE : MFX_WRN_INCOMPATIBLE_VIDEO_PARAM;
}

// Copies the parts of mfxVideoParam the encoder keeps (not the extension buffers).
void copy_params(const mfxVideoParam& from, mfxVideoParam* to) {
  to->AsyncDepth = from.AsyncDepth;
  to->mfx = from.mfx;
  to->Protected = from.Protected;
  to->IOPattern = from.IOPattern;
}

std::vector<uint8_t> strip_start_code(const uint8_t* p, int size) {
  int skip = 0;
  while (skip < size && p[skip] == 0) ++skip;
  if (skip < size && p[skip] == 1) ++skip;
  return std::vector<uint8_t>(p + skip, p + size);
}

mfxStatus open_x264(Encoder* e) {
  const mfxInfoMFX& m = e->par.mfx;
  const mfxFrameInfo& f = m.FrameInfo;
  x264_param_t p;
  x264_param_default_preset(&p, "veryfast", "zerolatency");
  p.i_log_level = X264_LOG_ERROR;
  p.i_threads = 1;
  p.b_sliced_threads = 0;
  p.i_width = f.CropW;
  p.i_height = f.CropH;
  p.i_csp = X264_CSP_NV12;
  p.i_fps_num = f.FrameRateExtN;
  p.i_fps_den = f.FrameRateExtD;
  p.i_timebase_num = f.FrameRateExtD;
  p.i_timebase_den = f.FrameRateExtN;
  p.b_vfr_input = 0;
  p.i_bframe = 0;
  p.i_frame_reference = std::max<int>(1, m.NumRefFrame);
  p.i_keyint_max = X264_KEYINT_MAX_INFINITE;  // every I/IDR is the runtime's decision below
  // x264 turns an I frame into an IDR once keyint_min frames passed since the last IDR: as large
  // as it allows, so a non-IDR I frame (IdrInterval > 0) stays one.
  p.i_keyint_min = X264_KEYINT_MAX_INFINITE / 2;
  p.i_scenecut_threshold = 0;
  p.b_open_gop = 0;
  p.b_repeat_headers = 1;  // SPS/PPS before every IDR, as the hardware encoders do
  p.b_annexb = 1;
  p.b_aud = 0;
  if (m.CodecLevel) p.i_level_idc = m.CodecLevel;
  const mfxU32 mult = multiplier(m);
  if (m.RateControlMethod == MFX_RATECONTROL_CQP) {
    p.rc.i_rc_method = X264_RC_CQP;
    p.rc.i_qp_constant = m.QPP;
    // x264's I QP is its constant QP - 6 * log2(ip_factor).
    p.rc.f_ip_factor = static_cast<float>(std::pow(2.0, (m.QPP - m.QPI) / 6.0));
  } else {
    p.rc.i_rc_method = X264_RC_ABR;
    p.rc.i_bitrate = static_cast<int>(m.TargetKbps * mult);
    p.rc.i_vbv_max_bitrate = static_cast<int>(m.MaxKbps * mult);
    p.rc.i_vbv_buffer_size = static_cast<int>(m.BufferSizeInKB * mult * 8);
    p.rc.f_vbv_buffer_init =
        static_cast<float>(m.InitialDelayInKB) / std::max<int>(1, m.BufferSizeInKB);
  }
  const char* profile = m.CodecProfile == MFX_PROFILE_AVC_MAIN   ? "main"
                        : m.CodecProfile == MFX_PROFILE_AVC_HIGH ? "high"
                                                                 : "baseline";
  if (x264_param_apply_profile(&p, profile) < 0) {
    log_line("libx264 refused the profile");
    return MFX_ERR_UNSUPPORTED;
  }
  e->x264 = x264_encoder_open(&p);
  if (!e->x264) {
    log_line("libx264 refused the configuration");
    return MFX_ERR_UNSUPPORTED;
  }
  x264_nal_t* nals = nullptr;
  int count = 0;
  x264_encoder_headers(e->x264, &nals, &count);
  for (int i = 0; i < count; ++i) {
    if (nals[i].i_type == NAL_SPS) e->sps = strip_start_code(nals[i].p_payload, nals[i].i_payload);
    if (nals[i].i_type == NAL_PPS) e->pps = strip_start_code(nals[i].p_payload, nals[i].i_payload);
  }
  return MFX_ERR_NONE;
}

mfxStatus configure(Session* s,
                    const mfxVideoParam* par,
                    const char* call,
                    std::unique_ptr<Encoder, EncoderDeleter>* out) {
  mfxVideoParam p{};
  copy_params(*par, &p);
  std::string problem, notes;
  const mfxStatus checked = check(&p, &problem, &notes);
  if (checked == MFX_ERR_UNSUPPORTED) {
    log_line(std::string(call) + ": " + problem + " (MFX_ERR_UNSUPPORTED)");
    return MFX_ERR_UNSUPPORTED;
  }
  if (checked == MFX_ERR_INVALID_VIDEO_PARAM) {
    return violation(MFX_ERR_INVALID_VIDEO_PARAM, std::string(call) + ": " + problem);
  }
  if (!notes.empty()) log_line(std::string(call) + ": corrected: " + notes);
  std::unique_ptr<Encoder, EncoderDeleter> e(new Encoder());
  e->session = s;
  e->par = p;
  e->delay = std::min<size_t>(3, std::max<size_t>(1, p.AsyncDepth) - 1);
  const mfxStatus opened = open_x264(e.get());
  if (opened != MFX_ERR_NONE) return opened;
  *out = std::move(e);
  return checked;
}

std::vector<uint8_t> copy_pixels(const mfxFrameInfo& info,
                                 const mfxFrameData& data,
                                 mfxU32 pitch_in) {
  const mfxU32 w = info.CropW, h = info.CropH;
  std::vector<uint8_t> out(static_cast<size_t>(w) * h * 3 / 2);
  const uint8_t* y = data.Y + static_cast<size_t>(info.CropY) * pitch_in + info.CropX;
  const uint8_t* uv = data.UV + static_cast<size_t>(info.CropY / 2) * pitch_in + info.CropX;
  for (mfxU32 r = 0; r < h; ++r) std::memcpy(&out[r * w], y + r * pitch_in, w);
  for (mfxU32 r = 0; r < h / 2; ++r) {
    std::memcpy(&out[static_cast<size_t>(w) * h + r * w], uv + r * pitch_in, w);
  }
  return out;
}

// Encodes the oldest queued frame; returns its sync point.
mfxStatus encode_one(Encoder* e, mfxBitstream* bs, mfxSyncPoint* syncp) {
  Encoder::Pending frame = std::move(e->pending.front());
  e->pending.pop_front();
  const mfxInfoMFX& m = e->par.mfx;
  bool idr = false, intra = false;
  if (e->encoded == 0 || frame.force_idr) {
    idr = true;
  } else if (frame.force_i || (m.GopPicSize > 0 && e->since_i >= m.GopPicSize)) {
    intra = true;
    idr = frame.force_i ? false : (e->i_since_idr + 1 > m.IdrInterval);
  }
  if (idr) {
    intra = true;
    e->i_since_idr = 0;
  } else if (intra) {
    ++e->i_since_idr;
  }
  if (intra) e->since_i = 0;

  x264_picture_t in, out;
  x264_picture_init(&in);
  const int w = m.FrameInfo.CropW, h = m.FrameInfo.CropH;
  in.img.i_csp = X264_CSP_NV12;
  in.img.i_plane = 2;
  in.img.plane[0] = frame.pixels.data();
  in.img.plane[1] = frame.pixels.data() + static_cast<size_t>(w) * h;
  in.img.i_stride[0] = in.img.i_stride[1] = w;
  in.i_pts = e->encoded;
  in.i_type = idr ? X264_TYPE_IDR : intra ? X264_TYPE_I : X264_TYPE_P;
  x264_nal_t* nals = nullptr;
  int count = 0;
  if (x264_encoder_encode(e->x264, &nals, &count, &in, &out) < 0 || count == 0) {
    log_line("libx264 failed to encode a picture");
    if (frame.surface) unhold(frame.surface);
    return MFX_ERR_UNKNOWN;
  }
  std::vector<uint8_t> access_unit;
  for (int i = 0; i < count; ++i) {
    if (nals[i].i_type == NAL_SEI) continue;  // x264's own SEI: no hardware writes it
    access_unit.insert(access_unit.end(), nals[i].p_payload, nals[i].p_payload + nals[i].i_payload);
  }
  ++e->encoded;
  ++e->since_i;
  e->bits += access_unit.size() * 8;
  const mfxU16 type = idr     ? (MFX_FRAMETYPE_I | MFX_FRAMETYPE_IDR | MFX_FRAMETYPE_REF)
                      : intra ? (MFX_FRAMETYPE_I | MFX_FRAMETYPE_REF)
                              : (MFX_FRAMETYPE_P | MFX_FRAMETYPE_REF);
  const mfxU64 timestamp = frame.timestamp;
  std::vector<Surface*> held;
  if (frame.surface) held.push_back(frame.surface);
  *syncp = new_sync_point(
      e->session, std::move(held), true,
      [bs, access_unit = std::move(access_unit), type, timestamp]() -> mfxStatus {
        const mfxU64 used = static_cast<mfxU64>(bs->DataOffset) + bs->DataLength;
        if (!bs->Data || used + access_unit.size() > bs->MaxLength) {
          return violation(
              MFX_ERR_NOT_ENOUGH_BUFFER,
              "MFXVideoCORE_SyncOperation: the access unit (" + std::to_string(access_unit.size()) +
                  " bytes) does not fit the mfxBitstream after DataOffset + "
                  "DataLength (" +
                  std::to_string(used) + " of MaxLength " + std::to_string(bs->MaxLength) + ")");
        }
        std::memcpy(bs->Data + used, access_unit.data(), access_unit.size());
        bs->DataLength += static_cast<mfxU32>(access_unit.size());
        bs->TimeStamp = timestamp;
        bs->DecodeTimeStamp = static_cast<mfxI64>(timestamp);  // no reordering: DTS = PTS
        bs->FrameType = type;
        bs->PicStruct = MFX_PICSTRUCT_PROGRESSIVE;
        return MFX_ERR_NONE;
      });
  return MFX_ERR_NONE;
}

}  // namespace

}  // namespace gearbox::qsv::simulation

using namespace gearbox::qsv::simulation;

extern "C" {

mfxStatus MFXVideoENCODE_Query(mfxSession session, mfxVideoParam* in, mfxVideoParam* out) {
  ApiLock lock;
  if (!live_session(session, "MFXVideoENCODE_Query")) return MFX_ERR_INVALID_HANDLE;
  if (!out) return MFX_ERR_NULL_PTR;
  if (failure_requested("no_avc_encoder")) return MFX_ERR_UNSUPPORTED;
  if (!in) {
    // Which fields the encoder configures: non-zero.
    std::memset(&out->mfx, 0, sizeof out->mfx);
    out->mfx.CodecId = MFX_CODEC_AVC;
    out->mfx.CodecProfile = out->mfx.CodecLevel = 1;
    out->mfx.TargetUsage = out->mfx.GopPicSize = out->mfx.GopRefDist = out->mfx.IdrInterval = 1;
    out->mfx.RateControlMethod = out->mfx.TargetKbps = out->mfx.MaxKbps = 1;
    out->mfx.BufferSizeInKB = out->mfx.InitialDelayInKB = out->mfx.NumRefFrame = 1;
    out->mfx.FrameInfo.FourCC = out->mfx.FrameInfo.ChromaFormat = 1;
    out->mfx.FrameInfo.Width = out->mfx.FrameInfo.Height = 1;
    out->mfx.FrameInfo.CropW = out->mfx.FrameInfo.CropH = 1;
    out->mfx.FrameInfo.FrameRateExtN = out->mfx.FrameInfo.FrameRateExtD = 1;
    out->mfx.FrameInfo.PicStruct = 1;
    out->IOPattern = out->AsyncDepth = 1;
    return MFX_ERR_NONE;
  }
  mfxVideoParam p{};
  copy_params(*in, &p);
  std::string problem, notes;
  const mfxStatus checked = check(&p, &problem, &notes);
  if (checked == MFX_ERR_UNSUPPORTED || checked == MFX_ERR_INVALID_VIDEO_PARAM) {
    log_line("MFXVideoENCODE_Query: " + problem + " (MFX_ERR_UNSUPPORTED)");
    copy_params(*in, out);
    return MFX_ERR_UNSUPPORTED;
  }
  if (!notes.empty()) log_line("MFXVideoENCODE_Query: corrected: " + notes);
  copy_params(p, out);
  return checked;
}

mfxStatus MFXVideoENCODE_QueryIOSurf(mfxSession session,
                                     mfxVideoParam* par,
                                     mfxFrameAllocRequest* request) {
  ApiLock lock;
  if (!live_session(session, "MFXVideoENCODE_QueryIOSurf")) return MFX_ERR_INVALID_HANDLE;
  if (!par || !request) return MFX_ERR_NULL_PTR;
  mfxVideoParam p{};
  copy_params(*par, &p);
  std::string problem, notes;
  const mfxStatus checked = check(&p, &problem, &notes);
  if (checked < MFX_ERR_NONE) {
    log_line("MFXVideoENCODE_QueryIOSurf: " + problem);
    return checked;
  }
  std::memset(request, 0, sizeof *request);
  request->Info = p.mfx.FrameInfo;
  const mfxU16 delay = static_cast<mfxU16>(std::min(3, std::max(1, int{p.AsyncDepth}) - 1));
  request->NumFrameMin = static_cast<mfxU16>(delay + 1);
  request->NumFrameSuggested = static_cast<mfxU16>(delay + 2);
  request->Type =
      MFX_MEMTYPE_FROM_ENCODE | MFX_MEMTYPE_EXTERNAL_FRAME |
      (p.IOPattern == MFX_IOPATTERN_IN_VIDEO_MEMORY ? MFX_MEMTYPE_VIDEO_MEMORY_DECODER_TARGET
                                                    : MFX_MEMTYPE_SYSTEM_MEMORY);
  return checked;
}

mfxStatus MFXVideoENCODE_Init(mfxSession session, mfxVideoParam* par) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoENCODE_Init");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!par) return MFX_ERR_NULL_PTR;
  if (s->encoder) {
    return violation(
        MFX_ERR_UNDEFINED_BEHAVIOR,
        "MFXVideoENCODE_Init: " + s->name() + " already has an encoder (Close it, or Reset it)");
  }
  if (!s->has_va_display && !s->family()->has_va_display) {
    return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                     "MFXVideoENCODE_Init: " + s->name() +
                         " has no VA display: MFXVideoCORE_SetHandle(MFX_HANDLE_VA_DISPLAY) "
                         "must come before Init on a hardware (VA-API) session");
  }
  if (failure_requested("no_avc_encoder")) {
    log_line("MFXVideoENCODE_Init: no_avc_encoder: MFX_ERR_UNSUPPORTED");
    return MFX_ERR_UNSUPPORTED;
  }
  std::unique_ptr<Encoder, EncoderDeleter> e;
  const mfxStatus status = configure(s, par, "MFXVideoENCODE_Init", &e);
  if (status < MFX_ERR_NONE) {
    return status == MFX_ERR_UNSUPPORTED ? MFX_ERR_INVALID_VIDEO_PARAM : status;
  }
  s->encoder = std::move(e);
  return status;
}

mfxStatus MFXVideoENCODE_Reset(mfxSession session, mfxVideoParam* par) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoENCODE_Reset");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!par) return MFX_ERR_NULL_PTR;
  if (!s->encoder) {
    return violation(MFX_ERR_NOT_INITIALIZED,
                     "MFXVideoENCODE_Reset: " + s->name() + " has no encoder initialised");
  }
  std::unique_ptr<Encoder, EncoderDeleter> e;
  const mfxStatus status = configure(s, par, "MFXVideoENCODE_Reset", &e);
  if (status < MFX_ERR_NONE) return status;
  s->encoder = std::move(e);  // buffered frames are dropped; the next picture is an IDR
  return status;
}

mfxStatus MFXVideoENCODE_Close(mfxSession session) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoENCODE_Close");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!s->encoder) return MFX_ERR_NOT_INITIALIZED;
  s->encoder.reset();
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoENCODE_GetVideoParam(mfxSession session, mfxVideoParam* par) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoENCODE_GetVideoParam");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!par) return MFX_ERR_NULL_PTR;
  if (!s->encoder) return MFX_ERR_NOT_INITIALIZED;
  Encoder& e = *s->encoder;
  copy_params(e.par, par);
  for (mfxU16 i = 0; i < par->NumExtParam; ++i) {
    mfxExtBuffer* b = par->ExtParam ? par->ExtParam[i] : nullptr;
    if (!b) return MFX_ERR_NULL_PTR;
    if (b->BufferId != MFX_EXTBUFF_CODING_OPTION_SPSPPS) continue;
    if (b->BufferSz < sizeof(mfxExtCodingOptionSPSPPS)) return MFX_ERR_INVALID_VIDEO_PARAM;
    auto* x = reinterpret_cast<mfxExtCodingOptionSPSPPS*>(b);
    if (x->SPSBuffer) {
      if (x->SPSBufSize < e.sps.size()) return MFX_ERR_NOT_ENOUGH_BUFFER;
      std::memcpy(x->SPSBuffer, e.sps.data(), e.sps.size());
      x->SPSBufSize = static_cast<mfxU16>(e.sps.size());
    }
    if (x->PPSBuffer) {
      if (x->PPSBufSize < e.pps.size()) return MFX_ERR_NOT_ENOUGH_BUFFER;
      std::memcpy(x->PPSBuffer, e.pps.data(), e.pps.size());
      x->PPSBufSize = static_cast<mfxU16>(e.pps.size());
    }
  }
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoENCODE_GetEncodeStat(mfxSession session, mfxEncodeStat* stat) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoENCODE_GetEncodeStat");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!stat) return MFX_ERR_NULL_PTR;
  if (!s->encoder) return MFX_ERR_NOT_INITIALIZED;
  std::memset(stat, 0, sizeof *stat);
  stat->NumFrame = static_cast<mfxU32>(s->encoder->encoded);
  stat->NumBit = s->encoder->bits;
  stat->NumCachedFrame = static_cast<mfxU32>(s->encoder->pending.size());
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoENCODE_EncodeFrameAsync(mfxSession session,
                                          mfxEncodeCtrl* ctrl,
                                          mfxFrameSurface1* surface,
                                          mfxBitstream* bs,
                                          mfxSyncPoint* syncp) {
  ApiLock lock;
  const char* call = "MFXVideoENCODE_EncodeFrameAsync";
  Session* s = live_session(session, call);
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!s->encoder) {
    return violation(MFX_ERR_NOT_INITIALIZED,
                     std::string(call) + ": " + s->name() + " has no encoder initialised");
  }
  if (!bs || !syncp) return MFX_ERR_NULL_PTR;
  Encoder& e = *s->encoder;
  const mfxInfoMFX& m = e.par.mfx;
  const long lost_after = failure_number("device_lost_after", -1);
  if (lost_after >= 0 && e.encoded >= lost_after) {
    mark_device_lost(s);
    log_line(std::string(call) + ": device_lost_after=" + std::to_string(lost_after) +
             ": MFX_ERR_DEVICE_LOST");
    return MFX_ERR_DEVICE_LOST;
  }
  const mfxU64 needed = static_cast<mfxU64>(m.BufferSizeInKB) * 1000 * multiplier(m);
  if (!bs->Data || bs->MaxLength < needed) {
    return violation(MFX_ERR_NOT_ENOUGH_BUFFER,
                     std::string(call) + ": mfxBitstream MaxLength " +
                         std::to_string(bs->MaxLength) + " is less than BufferSizeInKB * 1000 = " +
                         std::to_string(needed) + " (GetVideoParam says BufferSizeInKB)");
  }
  *syncp = nullptr;
  if (surface) {
    mfxStatus status = MFX_ERR_NONE;
    Surface* own = runtime_surface(surface, s, call, &status);
    if (status != MFX_ERR_NONE) return status;
    const mfxFrameInfo& info = surface->Info;
    if (info.Width < m.FrameInfo.Width || info.Height < m.FrameInfo.Height ||
        info.FourCC != MFX_FOURCC_NV12) {
      return violation(MFX_ERR_INVALID_VIDEO_PARAM,
                       std::string(call) + ": the surface's Info (" + std::to_string(info.Width) +
                           "x" + std::to_string(info.Height) +
                           ") is not NV12 at least the encoder's size");
    }
    Encoder::Pending frame;
    if (own) {
      if (e.par.IOPattern != MFX_IOPATTERN_IN_VIDEO_MEMORY &&
          e.par.IOPattern != MFX_IOPATTERN_IN_SYSTEM_MEMORY) {
        return MFX_ERR_UNDEFINED_BEHAVIOR;
      }
      mfxFrameData data{};
      data.Y = own->y();
      data.UV = own->uv();
      frame.pixels = copy_pixels(m.FrameInfo, data, own->pitch);
      hold(own);
      frame.surface = own;
    } else {
      if (e.par.IOPattern == MFX_IOPATTERN_IN_VIDEO_MEMORY) {
        return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                         std::string(call) +
                             ": with MFX_IOPATTERN_IN_VIDEO_MEMORY the surface must be the "
                             "runtime's (MFXMemory_GetSurfaceForEncode); this one is not");
      }
      if (!surface->Data.Y || !surface->Data.UV) {
        return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                         std::string(call) + ": a system-memory surface without Data.Y/Data.UV");
      }
      const mfxU32 pitch =
          (static_cast<mfxU32>(surface->Data.PitchHigh) << 16) | surface->Data.PitchLow;
      frame.pixels = copy_pixels(m.FrameInfo, surface->Data, pitch);
    }
    frame.timestamp = surface->Data.TimeStamp;
    if (frame.timestamp == static_cast<mfxU64>(MFX_TIMESTAMP_UNKNOWN)) {
      frame.timestamp = static_cast<mfxU64>(e.submitted) * 90000 * m.FrameInfo.FrameRateExtD /
                        m.FrameInfo.FrameRateExtN;
    }
    if (ctrl) {
      frame.force_idr = ctrl->FrameType & MFX_FRAMETYPE_IDR;
      frame.force_i = !frame.force_idr && (ctrl->FrameType & MFX_FRAMETYPE_I);
    }
    ++e.submitted;
    e.pending.push_back(std::move(frame));
    if (e.pending.size() <= e.delay) return MFX_ERR_MORE_DATA;
  } else if (e.pending.empty()) {
    return MFX_ERR_MORE_DATA;  // drained
  }
  return encode_one(&e, bs, syncp);
}

}  // extern "C"
