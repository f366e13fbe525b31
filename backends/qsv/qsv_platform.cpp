#include "qsv_platform.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "qsv_status.h"

namespace gearbox::qsv {
namespace {

Implementation describe_one(const VplApi& mfx,
                            mfxLoader loader,
                            mfxU32 i,
                            const mfxImplDescription& d) {
  Implementation impl;
  impl.index = i;
  impl.name = d.ImplName;
  impl.api_major = d.ApiVersion.Major;
  impl.api_minor = d.ApiVersion.Minor;
  impl.impl = d.Impl;
  impl.acceleration = d.AccelerationMode;
  impl.vendor = d.VendorID;
  impl.device = d.Dev.DeviceID;
  for (mfxU16 c = 0; c < d.Enc.NumCodecs && d.Enc.Codecs; ++c) {
    const auto& codec = d.Enc.Codecs[c];
    if (codec.CodecID != MFX_CODEC_AVC) continue;
    impl.avc_encoder = true;
    for (mfxU16 p = 0; p < codec.NumProfiles && codec.Profiles; ++p) {
      const auto& profile = codec.Profiles[p];
      if (profile.Profile != MFX_PROFILE_AVC_HIGH) continue;
      impl.avc_high = true;
      for (mfxU16 m = 0; m < profile.NumMemTypes && profile.MemDesc; ++m) {
        const auto& mem = profile.MemDesc[m];
        if (mem.Width.Max == 0 || mem.Height.Max == 0) continue;
        impl.min_size = {static_cast<int>(std::max<mfxU32>(mem.Width.Min, 16)),
                         static_cast<int>(std::max<mfxU32>(mem.Height.Min, 16))};
        impl.max_size = {static_cast<int>(mem.Width.Max), static_cast<int>(mem.Height.Max)};
        break;
      }
    }
  }
  impl.vpp = d.VPP.NumFilters > 0;
  mfxHDL path = nullptr;
  if (mfx.MFXEnumImplementations(loader, i, MFX_IMPLCAPS_IMPLPATH, &path) == MFX_ERR_NONE && path) {
    impl.path = static_cast<const char*>(path);
    mfx.MFXDispReleaseImplDescription(loader, path);
  }
  return impl;
}

std::vector<Implementation> enumerate(const VplApi& mfx, mfxLoader loader) {
  std::vector<Implementation> found;
  for (mfxU32 i = 0; i < 64; ++i) {
    mfxHDL handle = nullptr;
    if (mfx.MFXEnumImplementations(loader, i, MFX_IMPLCAPS_IMPLDESCSTRUCTURE, &handle) !=
            MFX_ERR_NONE ||
        !handle) {
      break;
    }
    found.push_back(describe_one(mfx, loader, i, *static_cast<const mfxImplDescription*>(handle)));
    mfx.MFXDispReleaseImplDescription(loader, handle);
  }
  return found;
}

Status add_filter(const VplApi& mfx, mfxLoader loader, const char* property, mfxU32 value) {
  mfxConfig config = mfx.MFXCreateConfig(loader);
  if (!config) {
    return make_error(ErrorCode::kBackendFailure,
                      "Quick Sync: MFXCreateConfig returned NULL (the oneVPL dispatcher could not "
                      "make a configuration object)");
  }
  mfxVariant v{};
  v.Version.Version = MFX_VARIANT_VERSION;
  v.Type = MFX_VARIANT_TYPE_U32;
  v.Data.U32 = value;
  const mfxStatus s =
      mfx.MFXSetConfigFilterProperty(config, reinterpret_cast<const mfxU8*>(property), v);
  if (s != MFX_ERR_NONE) {
    return vpl_failure(std::string("MFXSetConfigFilterProperty(") + property + ")", s, "");
  }
  return {};
}

constexpr const char* kFilters =
    "Impl = MFX_IMPL_TYPE_HARDWARE, an MFX_CODEC_AVC encoder, AccelerationMode = "
    "MFX_ACCEL_MODE_VIA_VAAPI";

}  // namespace

const char* acceleration_name(mfxAccelerationMode mode) {
  switch (mode) {
    case MFX_ACCEL_MODE_NA: return "none";
    case MFX_ACCEL_MODE_VIA_VAAPI: return "VA-API";
    case MFX_ACCEL_MODE_VIA_VAAPI_DRM_MODESET: return "VA-API (DRM modeset)";
    case MFX_ACCEL_MODE_VIA_D3D9: return "D3D9";
    case MFX_ACCEL_MODE_VIA_D3D11: return "D3D11";
    default: return "other";
  }
}

bool Implementation::simulated() const {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("simulat") != std::string::npos;
}

std::string Implementation::describe() const {
  char vendor_text[16];
  std::snprintf(vendor_text, sizeof vendor_text, "0x%04x", vendor);
  std::string t = "\"" + name + "\" (API " + std::to_string(api_major) + "." +
                  std::to_string(api_minor) + ", " + acceleration_name(acceleration) + ", " +
                  (impl == MFX_IMPL_TYPE_HARDWARE ? "hardware" : "software") + ", vendor " +
                  vendor_text;
  if (!device.empty()) t += ", device " + device;
  if (!path.empty()) t += ", " + path;
  return t + ")";
}

std::vector<Implementation> list_implementations(const VplRuntime& runtime) {
  const VplApi& mfx = runtime.mfx;
  mfxLoader loader = mfx.MFXLoad();
  if (!loader) return {};
  std::vector<Implementation> found = enumerate(mfx, loader);
  mfx.MFXUnload(loader);
  return found;
}

Error explain_no_implementation(const std::vector<Implementation>& found,
                                const std::vector<Implementation>& all,
                                const std::string& dispatcher) {
  std::string listed;
  bool media_sdk = false, onevpl = false;
  for (const Implementation& impl : all) {
    listed += (listed.empty() ? "" : "; ") + impl.describe();
    media_sdk = media_sdk || impl.api_major < 2;
    onevpl = onevpl || impl.api_major >= 2;
  }
  for (const Implementation& impl : found) media_sdk = media_sdk || impl.api_major < 2;
  if (media_sdk && !onevpl) {
    return make_error(
        ErrorCode::kUnavailable,
        "Quick Sync: only the Intel Media SDK runtime (libmfxhw64, API 1.x) answers the oneVPL "
        "dispatcher " +
            dispatcher + (listed.empty() ? "" : " (" + listed + ")") +
            ": this Intel GPU is too old for oneVPL's runtime libmfx-gen (Tiger Lake / Xe and "
            "later); encode on it with --backend vaapi");
  }
  if (onevpl) {
    return make_error(
        ErrorCode::kUnsupported,
        "Quick Sync: no oneVPL implementation fits the filters " + std::string(kFilters) +
            " (MFXEnumImplementations returned MFX_ERR_NOT_FOUND); the dispatcher " + dispatcher +
            " found " + listed + ", without a hardware H.264 encoder on VA-API");
  }
  return make_error(
      ErrorCode::kUnavailable,
      "Quick Sync: no oneVPL runtime: MFXEnumImplementations returned MFX_ERR_NOT_FOUND for the "
      "filters " +
          std::string(kFilters) + " in the dispatcher " + dispatcher +
          (listed.empty() ? " (it found no implementation at all)"
                          : " (it found only: " + listed + ")") +
          "; install the Debian packages libmfx-gen1.2 (the oneVPL GPU runtime) and "
          "intel-media-va-driver");
}

Result<std::shared_ptr<Platform>> Platform::open(std::shared_ptr<VplRuntime> runtime,
                                                 std::shared_ptr<vaapi::DrmDisplay> display) {
  std::shared_ptr<Platform> p(new Platform());
  p->runtime_ = std::move(runtime);
  p->display_ = std::move(display);
  const VplApi& mfx = p->mfx();
  p->loader_ = mfx.MFXLoad();
  if (!p->loader_) {
    return make_error(ErrorCode::kUnavailable,
                      "Quick Sync: MFXLoad returned NULL (the oneVPL dispatcher " +
                          p->runtime_->origin + " could not start)");
  }
  GEARBOX_RETURN_IF_ERROR(
      add_filter(mfx, p->loader_, "mfxImplDescription.Impl", MFX_IMPL_TYPE_HARDWARE));
  GEARBOX_RETURN_IF_ERROR(add_filter(
      mfx, p->loader_, "mfxImplDescription.mfxEncoderDescription.encoder.CodecID", MFX_CODEC_AVC));
  GEARBOX_RETURN_IF_ERROR(
      add_filter(mfx, p->loader_, "mfxImplDescription.AccelerationMode", MFX_ACCEL_MODE_VIA_VAAPI));
  const std::vector<Implementation> found = enumerate(mfx, p->loader_);
  const Implementation* chosen = nullptr;
  for (const Implementation& impl : found) {
    if (impl.api_major < 2) continue;  // the Media SDK's libmfxhw64 (API 1.x)
    if (!chosen) chosen = &impl;
  }
  if (!chosen) {
    // What answers without the filters says why none fits.
    return explain_no_implementation(found, list_implementations(*p->runtime_),
                                     p->runtime_->origin);
  }
  p->impl_ = *chosen;
  if (!p->impl_.avc_high) {
    return make_error(ErrorCode::kUnsupported,
                      "Quick Sync: " + p->impl_.describe() +
                          " describes no H.264 High encoder (MFX_PROFILE_AVC_HIGH) on " +
                          p->display_->where());
  }
  mfxStatus s = mfx.MFXCreateSession(p->loader_, p->impl_.index, &p->parent_);
  if (s != MFX_ERR_NONE) {
    p->parent_ = nullptr;
    // The dispatcher starts the runtime here (its MFXInitialize): a runtime that is installed
    // but cannot start on this GPU, most often for want of the media driver it runs on.
    Error e = vpl_failure(
        "MFXCreateSession(" + p->impl_.describe() + ")", s, p->display_->where(),
        "the oneVPL runtime was found but did not start on this GPU; it needs Intel's media "
        "driver: install or update the Debian packages libmfx-gen1.2 and intel-media-va-driver "
        "(an Intel GPU older than Tiger Lake / Xe has only the Media SDK's runtime: use "
        "--backend vaapi on it)");
    if (e.code != ErrorCode::kDeviceLost) e.code = ErrorCode::kUnavailable;
    return e;
  }
  s = mfx.MFXVideoCORE_SetHandle(p->parent_, MFX_HANDLE_VA_DISPLAY, p->display_->display());
  if (s != MFX_ERR_NONE)
    return vpl_failure("MFXVideoCORE_SetHandle(MFX_HANDLE_VA_DISPLAY)", s, p->where());
  return p;
}

Platform::~Platform() {
  const VplApi& m = mfx();
  if (parent_) m.MFXClose(parent_);
  if (loader_) m.MFXUnload(loader_);
}

std::string Platform::where() const {
  return "\"" + impl_.name + "\" on " + display_->where();
}

Capabilities Platform::capabilities() const {
  Capabilities c;
  c.codecs = {Codec::kH264};
  c.min_size = impl_.min_size;
  c.max_size = impl_.max_size;
  c.size_alignment = 2;
  c.rate_control = {RateControl::kCbr, RateControl::kVbr};
  c.max_bframes = 0;   // gearbox never asks for them (timestamps stay on the grid)
  c.max_sessions = 0;  // oneVPL reports no limit; a refused session says so
  return c;
}

Result<mfxSession> Platform::create_session(const std::string& what, int sessions_needed) {
  const VplApi& m = mfx();
  mfxSession session = nullptr;
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  mfxStatus s = m.MFXCreateSession(loader_, impl_.index, &session);
  if (s != MFX_ERR_NONE) {
    Error e = vpl_failure("MFXCreateSession(" + what + ")", s, where());
    if (e.code != ErrorCode::kDeviceLost) {
      e.code = ErrorCode::kOutOfSessions;
      e.message += "; the runtime has no session left: this ladder needs " +
                   std::to_string(sessions_needed) + " encoder sessions (one per rendition), " +
                   std::to_string(sessions_) +
                   " sessions besides the device's own were open in gearbox when this one was "
                   "refused; use fewer renditions";
    }
    return e;
  }
  s = m.MFXVideoCORE_SetHandle(session, MFX_HANDLE_VA_DISPLAY, display_->display());
  if (s != MFX_ERR_NONE) {
    m.MFXClose(session);
    return vpl_failure("MFXVideoCORE_SetHandle(MFX_HANDLE_VA_DISPLAY, " + what + ")", s, where());
  }
  s = m.MFXJoinSession(parent_, session);
  if (s != MFX_ERR_NONE) {
    m.MFXClose(session);
    return vpl_failure("MFXJoinSession(" + what + ")", s, where());
  }
  ++sessions_;
  return session;
}

void Platform::close_session(mfxSession session) {
  if (!session) return;
  const VplApi& m = mfx();
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  m.MFXDisjoinSession(session);
  m.MFXClose(session);
  --sessions_;
}

int Platform::sessions_open() const {
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  return sessions_;
}

}  // namespace gearbox::qsv
