// MFXVideoVPP_*: NV12 -> NV12 scaling (the input's crop rectangle onto the output's) with libyuv,
// finished inside RunFrameVPPAsync.
#include <libyuv/scale.h>

#include <cstring>

#include "simulation.h"

namespace gearbox::qsv::simulation {

struct Vpp {
  mfxVideoParam par{};
  mfxU32 frames = 0;
};

void VppDeleter::operator()(Vpp* v) const {
  delete v;
}

const mfxFrameInfo* vpp_frame_info(Session* session, bool output) {
  if (!session->vpp) return nullptr;
  return output ? &session->vpp->par.vpp.Out : &session->vpp->par.vpp.In;
}

namespace {

void copy_params(const mfxVideoParam& from, mfxVideoParam* to) {
  to->AsyncDepth = from.AsyncDepth;
  to->vpp = from.vpp;
  to->Protected = from.Protected;
  to->IOPattern = from.IOPattern;
}

bool check_info(const mfxFrameInfo& f, const char* which, std::string* problem) {
  if (f.FourCC != MFX_FOURCC_NV12 || f.ChromaFormat != MFX_CHROMAFORMAT_YUV420) {
    *problem = std::string(which) + " is not NV12/MFX_CHROMAFORMAT_YUV420";
    return false;
  }
  if (f.Width == 0 || f.Height == 0 || f.Width % 16 || f.Height % 16) {
    *problem = std::string(which) + " Width x Height " + std::to_string(f.Width) + "x" +
               std::to_string(f.Height) + " are not non-zero multiples of 16";
    return false;
  }
  if (f.CropW == 0 || f.CropH == 0 || f.CropX + f.CropW > f.Width || f.CropY + f.CropH > f.Height) {
    *problem = std::string(which) + "'s crop rectangle is empty or not within the picture";
    return false;
  }
  if (f.FrameRateExtN == 0 || f.FrameRateExtD == 0) {
    *problem = std::string(which) + " FrameRateExtN/FrameRateExtD are zero";
    return false;
  }
  return true;
}

// MFX_ERR_NONE, MFX_ERR_UNSUPPORTED (capabilities) or MFX_ERR_INVALID_VIDEO_PARAM (the spec).
mfxStatus check(const mfxVideoParam& p, std::string* problem) {
  if (failure_requested("no_vpp")) {
    *problem = "no_vpp: the device has no VPP";
    return MFX_ERR_UNSUPPORTED;
  }
  const mfxU16 in = p.IOPattern & (MFX_IOPATTERN_IN_VIDEO_MEMORY | MFX_IOPATTERN_IN_SYSTEM_MEMORY);
  const mfxU16 out =
      p.IOPattern & (MFX_IOPATTERN_OUT_VIDEO_MEMORY | MFX_IOPATTERN_OUT_SYSTEM_MEMORY);
  if ((in != MFX_IOPATTERN_IN_VIDEO_MEMORY && in != MFX_IOPATTERN_IN_SYSTEM_MEMORY) ||
      (out != MFX_IOPATTERN_OUT_VIDEO_MEMORY && out != MFX_IOPATTERN_OUT_SYSTEM_MEMORY)) {
    *problem = "IOPattern " + std::to_string(p.IOPattern) +
               " does not name exactly one input and one output memory";
    return MFX_ERR_INVALID_VIDEO_PARAM;
  }
  if (!check_info(p.vpp.In, "vpp.In", problem) || !check_info(p.vpp.Out, "vpp.Out", problem)) {
    return MFX_ERR_INVALID_VIDEO_PARAM;
  }
  mfxU32 max_width = 0, max_height = 0;
  max_size(&max_width, &max_height);
  for (const mfxFrameInfo* f : {&p.vpp.In, &p.vpp.Out}) {
    if (f->Width > max_width || f->Height > max_height) {
      *problem = std::to_string(f->Width) + "x" + std::to_string(f->Height) +
                 " is beyond the largest picture";
      return MFX_ERR_UNSUPPORTED;
    }
  }
  return MFX_ERR_NONE;
}

struct Plane {
  uint8_t* y = nullptr;
  uint8_t* uv = nullptr;
  mfxU32 pitch = 0;
};

// The pixels of a VPP input/output: the runtime's surface or the application's system memory.
mfxStatus pixels_of(mfxFrameSurface1* frame,
                    Session* s,
                    bool output,
                    const char* call,
                    Surface** own,
                    Plane* plane) {
  mfxStatus status = MFX_ERR_NONE;
  *own = runtime_surface(frame, s, call, &status);
  if (status != MFX_ERR_NONE) return status;
  const mfxU16 pattern = s->vpp->par.IOPattern;
  const bool video = output ? (pattern & MFX_IOPATTERN_OUT_VIDEO_MEMORY)
                            : (pattern & MFX_IOPATTERN_IN_VIDEO_MEMORY);
  if (*own) {
    plane->y = (*own)->y();
    plane->uv = (*own)->uv();
    plane->pitch = (*own)->pitch;
    return MFX_ERR_NONE;
  }
  if (video) {
    return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                     std::string(call) + ": with video memory the " +
                         (output ? "output" : "input") +
                         " surface must be the runtime's (MFXMemory_GetSurfaceForVPP/VPPOut)");
  }
  if (!frame->Data.Y || !frame->Data.UV) {
    return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                     std::string(call) + ": a system-memory surface without Data.Y/Data.UV");
  }
  plane->y = frame->Data.Y;
  plane->uv = frame->Data.UV;
  plane->pitch = (static_cast<mfxU32>(frame->Data.PitchHigh) << 16) | frame->Data.PitchLow;
  return MFX_ERR_NONE;
}

}  // namespace

}  // namespace gearbox::qsv::simulation

using namespace gearbox::qsv::simulation;

extern "C" {

mfxStatus MFXVideoVPP_Query(mfxSession session, mfxVideoParam* in, mfxVideoParam* out) {
  ApiLock lock;
  if (!live_session(session, "MFXVideoVPP_Query")) return MFX_ERR_INVALID_HANDLE;
  if (!out) return MFX_ERR_NULL_PTR;
  if (!in) {
    std::memset(&out->vpp, 0, sizeof out->vpp);
    for (mfxFrameInfo* f : {&out->vpp.In, &out->vpp.Out}) {
      f->FourCC = f->ChromaFormat = f->Width = f->Height = f->CropW = f->CropH = 1;
      f->FrameRateExtN = f->FrameRateExtD = f->PicStruct = 1;
    }
    out->IOPattern = out->AsyncDepth = 1;
    return failure_requested("no_vpp") ? MFX_ERR_UNSUPPORTED : MFX_ERR_NONE;
  }
  std::string problem;
  copy_params(*in, out);
  const mfxStatus status = check(*in, &problem);
  if (status != MFX_ERR_NONE) {
    log_line("MFXVideoVPP_Query: " + problem + " (MFX_ERR_UNSUPPORTED)");
    return MFX_ERR_UNSUPPORTED;
  }
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoVPP_QueryIOSurf(mfxSession session,
                                  mfxVideoParam* par,
                                  mfxFrameAllocRequest request[2]) {
  ApiLock lock;
  if (!live_session(session, "MFXVideoVPP_QueryIOSurf")) return MFX_ERR_INVALID_HANDLE;
  if (!par || !request) return MFX_ERR_NULL_PTR;
  std::string problem;
  const mfxStatus status = check(*par, &problem);
  if (status != MFX_ERR_NONE) {
    log_line("MFXVideoVPP_QueryIOSurf: " + problem);
    return status;
  }
  for (int i = 0; i < 2; ++i) {
    std::memset(&request[i], 0, sizeof request[i]);
    request[i].Info = i == 0 ? par->vpp.In : par->vpp.Out;
    request[i].NumFrameMin = 1;
    request[i].NumFrameSuggested = 2;
    const bool video = i == 0 ? (par->IOPattern & MFX_IOPATTERN_IN_VIDEO_MEMORY)
                              : (par->IOPattern & MFX_IOPATTERN_OUT_VIDEO_MEMORY);
    request[i].Type =
        MFX_MEMTYPE_FROM_VPPIN * (i == 0) | MFX_MEMTYPE_FROM_VPPOUT * (i == 1) |
        MFX_MEMTYPE_EXTERNAL_FRAME |
        (video ? MFX_MEMTYPE_VIDEO_MEMORY_PROCESSOR_TARGET : MFX_MEMTYPE_SYSTEM_MEMORY);
  }
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoVPP_Init(mfxSession session, mfxVideoParam* par) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoVPP_Init");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!par) return MFX_ERR_NULL_PTR;
  if (s->vpp) {
    return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                     "MFXVideoVPP_Init: " + s->name() + " already has a VPP (Close it first)");
  }
  if (!s->has_va_display && !s->family()->has_va_display) {
    return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                     "MFXVideoVPP_Init: " + s->name() +
                         " has no VA display: MFXVideoCORE_SetHandle(MFX_HANDLE_VA_DISPLAY) "
                         "must come before Init on a hardware (VA-API) session");
  }
  std::string problem;
  const mfxStatus status = check(*par, &problem);
  if (status == MFX_ERR_UNSUPPORTED) {
    log_line("MFXVideoVPP_Init: " + problem);
    return MFX_ERR_INVALID_VIDEO_PARAM;
  }
  if (status != MFX_ERR_NONE) return violation(status, "MFXVideoVPP_Init: " + problem);
  s->vpp.reset(new Vpp());
  copy_params(*par, &s->vpp->par);
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoVPP_Reset(mfxSession session, mfxVideoParam* par) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoVPP_Reset");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!par) return MFX_ERR_NULL_PTR;
  if (!s->vpp) return violation(MFX_ERR_NOT_INITIALIZED, "MFXVideoVPP_Reset: no VPP initialised");
  std::string problem;
  const mfxStatus status = check(*par, &problem);
  if (status != MFX_ERR_NONE) return violation(status, "MFXVideoVPP_Reset: " + problem);
  copy_params(*par, &s->vpp->par);
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoVPP_Close(mfxSession session) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoVPP_Close");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!s->vpp) return MFX_ERR_NOT_INITIALIZED;
  s->vpp.reset();
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoVPP_GetVideoParam(mfxSession session, mfxVideoParam* par) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoVPP_GetVideoParam");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!par) return MFX_ERR_NULL_PTR;
  if (!s->vpp) return MFX_ERR_NOT_INITIALIZED;
  copy_params(s->vpp->par, par);
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoVPP_GetVPPStat(mfxSession session, mfxVPPStat* stat) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoVPP_GetVPPStat");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!stat) return MFX_ERR_NULL_PTR;
  if (!s->vpp) return MFX_ERR_NOT_INITIALIZED;
  std::memset(stat, 0, sizeof *stat);
  stat->NumFrame = s->vpp->frames;
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoVPP_RunFrameVPPAsync(mfxSession session,
                                       mfxFrameSurface1* in,
                                       mfxFrameSurface1* out,
                                       mfxExtVppAuxData*,
                                       mfxSyncPoint* syncp) {
  ApiLock lock;
  const char* call = "MFXVideoVPP_RunFrameVPPAsync";
  Session* s = live_session(session, call);
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!s->vpp) {
    return violation(MFX_ERR_NOT_INITIALIZED,
                     std::string(call) + ": " + s->name() + " has no VPP initialised");
  }
  if (!syncp) return MFX_ERR_NULL_PTR;
  *syncp = nullptr;
  if (!in) return MFX_ERR_MORE_DATA;  // nothing buffered: drained
  if (!out) return MFX_ERR_NULL_PTR;
  Surface* own_in = nullptr;
  Surface* own_out = nullptr;
  Plane src, dst;
  mfxStatus status = pixels_of(in, s, false, call, &own_in, &src);
  if (status != MFX_ERR_NONE) return status;
  status = pixels_of(out, s, true, call, &own_out, &dst);
  if (status != MFX_ERR_NONE) return status;
  const mfxFrameInfo& i = s->vpp->par.vpp.In;
  const mfxFrameInfo& o = s->vpp->par.vpp.Out;
  if (in->Info.Width < i.Width || in->Info.Height < i.Height || out->Info.Width < o.Width ||
      out->Info.Height < o.Height) {
    return violation(MFX_ERR_INVALID_VIDEO_PARAM,
                     std::string(call) + ": a surface smaller than the VPP's In/Out");
  }
  const uint8_t* src_y = src.y + static_cast<size_t>(i.CropY) * src.pitch + i.CropX;
  const uint8_t* src_uv = src.uv + static_cast<size_t>(i.CropY / 2) * src.pitch + (i.CropX & ~1);
  uint8_t* dst_y = dst.y + static_cast<size_t>(o.CropY) * dst.pitch + o.CropX;
  uint8_t* dst_uv = dst.uv + static_cast<size_t>(o.CropY / 2) * dst.pitch + (o.CropX & ~1);
  if (libyuv::NV12Scale(src_y, static_cast<int>(src.pitch), src_uv, static_cast<int>(src.pitch),
                        i.CropW, i.CropH, dst_y, static_cast<int>(dst.pitch), dst_uv,
                        static_cast<int>(dst.pitch), o.CropW, o.CropH,
                        libyuv::kFilterBilinear) != 0) {
    log_line("libyuv::NV12Scale failed");
    return MFX_ERR_UNKNOWN;
  }
  out->Data.TimeStamp = in->Data.TimeStamp;
  out->Data.FrameOrder = in->Data.FrameOrder;
  if (own_out) own_out->checksum = checksum(*own_out);
  ++s->vpp->frames;
  std::vector<Surface*> held;
  for (Surface* x : {own_in, own_out}) {
    if (x) {
      hold(x);
      held.push_back(x);
    }
  }
  *syncp = new_sync_point(s, std::move(held), false);
  return MFX_ERR_NONE;
}

}  // extern "C"
