#include "qsv_device.h"

#include <chrono>
#include <string>
#include <thread>

#include "qsv_encoder.h"
#include "qsv_status.h"
#include "vaapi_convert.h"

namespace gearbox::qsv {
namespace {

std::string size_text(Size s) {
  return std::to_string(s.width) + "x" + std::to_string(s.height);
}

mfxU16 align16(int v) {
  return static_cast<mfxU16>((v + 15) & ~15);
}

constexpr mfxU32 kSyncTimeoutMs = 60000;

}  // namespace

mfxFrameInfo frame_info(int width, int height, mfxU32 rate_n, mfxU32 rate_d) {
  mfxFrameInfo f{};
  f.FourCC = MFX_FOURCC_NV12;
  f.ChromaFormat = MFX_CHROMAFORMAT_YUV420;
  f.PicStruct = MFX_PICSTRUCT_PROGRESSIVE;
  f.BitDepthLuma = 8;
  f.BitDepthChroma = 8;
  f.Width = align16(width);
  f.Height = align16(height);
  f.CropX = 0;
  f.CropY = 0;
  f.CropW = static_cast<mfxU16>(width);
  f.CropH = static_cast<mfxU16>(height);
  f.FrameRateExtN = rate_n;
  f.FrameRateExtD = rate_d;
  return f;
}

QsvSurface::~QsvSurface() {
  if (surface_ && surface_->FrameInterface && surface_->FrameInterface->Release)
    surface_->FrameInterface->Release(surface_);
}

Result<std::unique_ptr<QsvDevice>> QsvDevice::open(const DeviceOptions& options,
                                                   std::shared_ptr<Platform> platform) {
  std::unique_ptr<QsvDevice> d(new QsvDevice(options, std::move(platform)));
  const Capabilities caps = d->platform_->capabilities();
  if (options.width > caps.max_size.width || options.height > caps.max_size.height) {
    return make_error(ErrorCode::kUnsupported,
                      "Quick Sync: the source " + size_text({options.width, options.height}) +
                          " is larger than the runtime's surfaces " + size_text(caps.max_size) +
                          " (its AVC encoder's MemDesc) on " + d->platform_->where());
  }
  if (!options.every_frame_scales.empty() && !d->platform_->implementation().vpp) {
    return make_error(ErrorCode::kUnsupported,
                      "Quick Sync: " + d->platform_->where() +
                          " describes no VPP (mfxVPPDescription without filters), which the "
                          "ladder's scaling needs");
  }
  // The parent session's VPP: from the source to the first size the ladder scales to (or to
  // the source itself, never run, when nothing is scaled); its input pool is the uploads'.
  Size first{options.width, options.height};
  for (const ScaleRequest& r : options.every_frame_scales) {
    if (r.from < 0) {
      first = {r.width, r.height};
      break;
    }
  }
  auto vpp = std::make_unique<Vpp>();
  vpp->in = {options.width, options.height};
  vpp->out = first;
  vpp->session = d->platform_->parent();
  GEARBOX_RETURN_IF_ERROR(d->init_vpp(*vpp));
  d->upload_vpp_ = vpp.get();
  d->vpps_.push_back(std::move(vpp));
  return d;
}

QsvDevice::~QsvDevice() {
  std::lock_guard<std::mutex> lock(vpps_mutex_);
  const VplApi& m = platform_->mfx();
  for (auto& vpp : vpps_) {
    m.MFXVideoVPP_Close(vpp->session);
    if (vpp->child) platform_->close_session(vpp->session);
  }
  vpps_.clear();
}

int QsvDevice::vpp_count() const {
  std::lock_guard<std::mutex> lock(vpps_mutex_);
  int n = 0;
  for (const auto& vpp : vpps_) {
    if (vpp->in.width != vpp->out.width || vpp->in.height != vpp->out.height) ++n;
  }
  return n;
}

Status QsvDevice::init_vpp(Vpp& vpp) {
  mfxVideoParam p{};
  p.vpp.In = frame_info(vpp.in.width, vpp.in.height);
  p.vpp.Out = frame_info(vpp.out.width, vpp.out.height);
  p.IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY | MFX_IOPATTERN_OUT_VIDEO_MEMORY;
  p.AsyncDepth = 1;
  const mfxStatus s = platform_->mfx().MFXVideoVPP_Init(vpp.session, &p);
  if (s < MFX_ERR_NONE) {
    return vpl_failure("MFXVideoVPP_Init(" + size_text(vpp.in) + " to " + size_text(vpp.out) + ")",
                       s, platform_->where());
  }
  return {};
}

Result<Vpp*> QsvDevice::vpp_for(Size in, Size out) {
  std::lock_guard<std::mutex> lock(vpps_mutex_);
  for (auto& vpp : vpps_) {
    if (vpp->in.width == in.width && vpp->in.height == in.height && vpp->out.width == out.width &&
        vpp->out.height == out.height)
      return vpp.get();
  }
  auto vpp = std::make_unique<Vpp>();
  vpp->in = in;
  vpp->out = out;
  auto session = platform_->create_session("VPP " + size_text(in) + " to " + size_text(out),
                                           options_.encoder_sessions);
  if (!session) return session.error();
  vpp->session = session.value();
  vpp->child = true;
  Status init = init_vpp(*vpp);
  if (!init) {
    platform_->close_session(vpp->session);
    return init.error();
  }
  vpps_.push_back(std::move(vpp));
  return vpps_.back().get();
}

Result<SurfaceRef> QsvDevice::upload(const FrameView& frame) {
  if (frame.format != options_.input_format || frame.width != options_.width ||
      frame.height != options_.height) {
    return make_error(ErrorCode::kInternal,
                      "qsv device: upload of a frame unlike the device's options");
  }
  const VplApi& m = platform_->mfx();
  mfxFrameSurface1* raw = nullptr;
  mfxStatus s = MFX_ERR_NONE;
  {
    // The session's call only: the conversion into the mapped surface runs without the lock,
    // so the scaler's VPP on the same session does not wait for it.
    std::lock_guard<std::mutex> lock(upload_vpp_->mutex);
    s = m.MFXMemory_GetSurfaceForVPP(upload_vpp_->session, &raw);
  }
  if (s != MFX_ERR_NONE || !raw)
    return vpl_failure("MFXMemory_GetSurfaceForVPP", s, platform_->where());
  auto surface = std::make_shared<QsvSurface>(platform_.get(), raw);
  if (raw->Info.CropW != frame.width || raw->Info.CropH != frame.height) {
    return make_error(ErrorCode::kBackendFailure,
                      "Quick Sync: MFXMemory_GetSurfaceForVPP gave a surface of " +
                          size_text({raw->Info.CropW, raw->Info.CropH}) + " for a VPP input of " +
                          size_text(upload_vpp_->in) + " on " + platform_->where());
  }
  s = raw->FrameInterface->Map(raw, MFX_MAP_WRITE);
  if (s != MFX_ERR_NONE)
    return vpl_failure("mfxFrameSurfaceInterface::Map(MFX_MAP_WRITE)", s, platform_->where());
  const int pitch = (static_cast<int>(raw->Data.PitchHigh) << 16) | raw->Data.PitchLow;
  const vaapi::Nv12Target target{raw->Data.Y, pitch, raw->Data.UV, pitch};
  Status converted = target.y && target.uv
                         ? vaapi::convert_to_nv12(frame, target, scratch_)
                         : Status(make_error(ErrorCode::kBackendFailure,
                                             "Quick Sync: a mapped surface has no Y or UV plane "
                                             "on " +
                                                 platform_->where()));
  s = raw->FrameInterface->Unmap(raw);
  if (!converted) return converted.error();
  if (s != MFX_ERR_NONE)
    return vpl_failure("mfxFrameSurfaceInterface::Unmap", s, platform_->where());
  return SurfaceRef(std::move(surface));
}

Result<SurfaceRef> QsvDevice::scale(const Surface& source, int width, int height) {
  const auto* in = dynamic_cast<const QsvSurface*>(&source);
  if (!in || in->owner() != platform_.get()) {
    return make_error(ErrorCode::kInternal, "qsv device: scale() of a surface from another device");
  }
  auto found = vpp_for({in->width(), in->height()}, {width, height});
  if (!found) return found.error();
  Vpp& vpp = *found.value();
  const VplApi& m = platform_->mfx();
  const std::string what = " (VPP " + size_text(vpp.in) + " to " + size_text(vpp.out) + ")";
  std::lock_guard<std::mutex> lock(vpp.mutex);
  mfxFrameSurface1* raw = nullptr;
  mfxStatus s = m.MFXMemory_GetSurfaceForVPPOut(vpp.session, &raw);
  if (s != MFX_ERR_NONE || !raw)
    return vpl_failure("MFXMemory_GetSurfaceForVPPOut" + what, s, platform_->where());
  auto out = std::make_shared<QsvSurface>(platform_.get(), raw);
  mfxSyncPoint sync = nullptr;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    s = m.MFXVideoVPP_RunFrameVPPAsync(vpp.session, in->surface(), raw, nullptr, &sync);
    if (s != MFX_WRN_DEVICE_BUSY || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (s < MFX_ERR_NONE || !sync)
    return vpl_failure("MFXVideoVPP_RunFrameVPPAsync" + what, s, platform_->where());
  // The encoders read the output on their threads: a failed scale shows here, on the scaler
  // thread, and not as a broken picture in an encoder.
  s = m.MFXVideoCORE_SyncOperation(vpp.session, sync, kSyncTimeoutMs);
  if (s != MFX_ERR_NONE)
    return vpl_failure("MFXVideoCORE_SyncOperation" + what, s, platform_->where());
  return SurfaceRef(std::move(out));
}

Result<std::unique_ptr<Encoder>> QsvDevice::open_encoder(const EncoderConfig& config) {
  return open_qsv_encoder(platform_, options_.encoder_sessions, config);
}

}  // namespace gearbox::qsv
