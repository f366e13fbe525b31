// The runtime's 2.x entry points the dispatcher needs (MFXQueryImplsDescription, MFXInitialize,
// ...), its sessions (1.x entry points: close, query, join, clone, priority, core), sync points,
// and the entry points it does not model (decode, DECODE_VPP, ProcessFrameAsync), which return
// MFX_ERR_UNSUPPORTED.
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

#include "simulation.h"

namespace gearbox::qsv::simulation {
namespace {

std::recursive_mutex& api_mutex() {
  static auto* m = new std::recursive_mutex();
  return *m;
}

struct SyncTask {
  Session* session = nullptr;
  std::vector<Surface*> held;
  bool encode = false;
  std::function<mfxStatus()> complete;
};

struct Registry {
  std::set<Session*> sessions;
  int next_session = 1;
  std::map<uintptr_t, SyncTask> sync_points;
  std::set<uintptr_t> synchronized;  // sync points already synchronized (never reused)
  uintptr_t next_sync = 0x5100;
  std::set<Session*> device_lost;
};

Registry& registry() {
  static auto* r = new Registry();  // never destroyed (exit handlers)
  return *r;
}

constexpr mfxU16 kApiMajor = 2;
constexpr mfxU16 kApiMinor = 8;
constexpr const char* kDeviceId = "9a49/0";  // "DeviceID/AdapterIdx", as the dispatcher parses it
constexpr mfxU16 kDeviceIdNumber = 0x9a49;

// --- MFXQueryImplsDescription: one allocation per call, freed by MFXReleaseImplDescription.
struct Description {
  mfxImplDescription desc{};
  mfxAccelerationMode modes[1] = {MFX_ACCEL_MODE_VIA_VAAPI};
  mfxPoolAllocationPolicy policies[3] = {MFX_ALLOCATION_OPTIMAL, MFX_ALLOCATION_UNLIMITED,
                                         MFX_ALLOCATION_LIMITED};
  mfxU32 nv12[1] = {MFX_FOURCC_NV12};
  mfxEncoderDescription::encoder codec{};
  mfxEncoderDescription::encoder::encprofile profiles[3]{};
  mfxEncoderDescription::encoder::encprofile::encmemdesc enc_mem[3][2]{};
  mfxVPPDescription::filter filter{};
  mfxVPPDescription::filter::memdesc vpp_mem[2]{};
  mfxVPPDescription::filter::memdesc::format vpp_format[2]{};
};

struct Functions {
  mfxImplementedFunctions list{};
  std::vector<std::string> names;
  std::vector<mfxChar*> pointers;
};

struct Handed {
  mfxHDL array[1] = {nullptr};
  std::unique_ptr<Description> description;
  std::unique_ptr<Functions> functions;
  std::unique_ptr<mfxExtendedDeviceId> device;
};

std::map<mfxHDL, std::unique_ptr<Handed>>& handed_out() {
  static auto* m = new std::map<mfxHDL, std::unique_ptr<Handed>>();
  return *m;
}

void fill_description(Description* d) {
  mfxImplDescription& x = d->desc;
  x.Version.Version = MFX_IMPLDESCRIPTION_VERSION;
  x.Impl = MFX_IMPL_TYPE_HARDWARE;
  x.AccelerationMode = MFX_ACCEL_MODE_VIA_VAAPI;
  x.ApiVersion.Major = kApiMajor;
  x.ApiVersion.Minor = kApiMinor;
  std::snprintf(x.ImplName, sizeof x.ImplName, "%s", "gearbox-simulation");
  std::snprintf(x.License, sizeof x.License, "%s",
                "gearbox SIMULATION (libx264 behind the oneVPL API), not a real runtime");
  std::snprintf(x.Keywords, sizeof x.Keywords, "%s", "gearbox,simulation,x264,libyuv");
  x.VendorID = 0x8086;
  x.VendorImplID = 0;
  x.Dev.Version.Version = MFX_DEVICEDESCRIPTION_VERSION;
  x.Dev.MediaAdapterType = MFX_MEDIA_INTEGRATED;
  std::snprintf(x.Dev.DeviceID, sizeof x.Dev.DeviceID, "%s", kDeviceId);
  x.Dec.Version.Version = MFX_DECODERDESCRIPTION_VERSION;  // no decoders

  mfxU32 max_width = 0, max_height = 0;
  max_size(&max_width, &max_height);
  x.Enc.Version.Version = MFX_ENCODERDESCRIPTION_VERSION;
  if (!failure_requested("no_avc_encoder")) {
    x.Enc.NumCodecs = 1;
    x.Enc.Codecs = &d->codec;
    d->codec.CodecID = MFX_CODEC_AVC;
    d->codec.MaxcodecLevel = MFX_LEVEL_AVC_52;
    d->codec.BiDirectionalPrediction = 0;
    d->codec.NumProfiles = 3;
    d->codec.Profiles = d->profiles;
    const mfxU32 profiles[3] = {MFX_PROFILE_AVC_HIGH, MFX_PROFILE_AVC_MAIN,
                                MFX_PROFILE_AVC_CONSTRAINED_BASELINE};
    const mfxResourceType memory[2] = {MFX_RESOURCE_VA_SURFACE, MFX_RESOURCE_SYSTEM_SURFACE};
    for (int p = 0; p < 3; ++p) {
      d->profiles[p].Profile = profiles[p];
      d->profiles[p].NumMemTypes = 2;
      d->profiles[p].MemDesc = d->enc_mem[p];
      for (int m = 0; m < 2; ++m) {
        auto& md = d->enc_mem[p][m];
        md.MemHandleType = memory[m];
        md.Width = {32, max_width, 16};
        md.Height = {32, max_height, 16};
        md.NumColorFormats = 1;
        md.ColorFormats = d->nv12;
      }
    }
  }
  x.VPP.Version.Version = MFX_VPPDESCRIPTION_VERSION;
  if (!failure_requested("no_vpp")) {
    x.VPP.NumFilters = 1;
    x.VPP.Filters = &d->filter;
    d->filter.FilterFourCC = MFX_EXTBUFF_VPP_SCALING;
    d->filter.MaxDelayInFrames = 0;
    d->filter.NumMemTypes = 2;
    d->filter.MemDesc = d->vpp_mem;
    const mfxResourceType memory[2] = {MFX_RESOURCE_VA_SURFACE, MFX_RESOURCE_SYSTEM_SURFACE};
    for (int m = 0; m < 2; ++m) {
      auto& md = d->vpp_mem[m];
      md.MemHandleType = memory[m];
      md.Width = {16, max_width, 16};
      md.Height = {16, max_height, 16};
      md.NumInFormats = 1;
      md.Formats = &d->vpp_format[m];
      d->vpp_format[m].InFormat = MFX_FOURCC_NV12;
      d->vpp_format[m].NumOutFormat = 1;
      d->vpp_format[m].OutFormats = d->nv12;
    }
  }
  x.AccelerationModeDescription.Version.Version = MFX_ACCELERATIONMODESCRIPTION_VERSION;
  x.AccelerationModeDescription.NumAccelerationModes = 1;
  x.AccelerationModeDescription.Mode = d->modes;
  x.PoolPolicies.Version.Version = MFX_POOLPOLICYDESCRIPTION_VERSION;
  x.PoolPolicies.NumPoolPolicies = 3;
  x.PoolPolicies.Policy = d->policies;
}

// The functions the simulation implements (the rest answer MFX_ERR_UNSUPPORTED).
const char* const kImplemented[] = {
    "MFXInit",
    "MFXInitEx",
    "MFXInitialize",
    "MFXClose",
    "MFXQueryIMPL",
    "MFXQueryVersion",
    "MFXJoinSession",
    "MFXDisjoinSession",
    "MFXCloneSession",
    "MFXSetPriority",
    "MFXGetPriority",
    "MFXVideoCORE_SetHandle",
    "MFXVideoCORE_GetHandle",
    "MFXVideoCORE_QueryPlatform",
    "MFXVideoCORE_SyncOperation",
    "MFXQueryImplsDescription",
    "MFXReleaseImplDescription",
    "MFXMemory_GetSurfaceForVPP",
    "MFXMemory_GetSurfaceForVPPOut",
    "MFXMemory_GetSurfaceForEncode",
    "MFXVideoENCODE_Query",
    "MFXVideoENCODE_QueryIOSurf",
    "MFXVideoENCODE_Init",
    "MFXVideoENCODE_Reset",
    "MFXVideoENCODE_Close",
    "MFXVideoENCODE_GetVideoParam",
    "MFXVideoENCODE_GetEncodeStat",
    "MFXVideoENCODE_EncodeFrameAsync",
    "MFXVideoVPP_Query",
    "MFXVideoVPP_QueryIOSurf",
    "MFXVideoVPP_Init",
    "MFXVideoVPP_Reset",
    "MFXVideoVPP_Close",
    "MFXVideoVPP_GetVideoParam",
    "MFXVideoVPP_GetVPPStat",
    "MFXVideoVPP_RunFrameVPPAsync",
};

Session* new_session(mfxAccelerationMode acceleration, mfxStatus* status, const char* call) {
  const long limit = failure_number("sessions", -1);
  if (limit >= 0 && static_cast<long>(registry().sessions.size()) >= limit) {
    log_line(std::string(call) + ": sessions=" + std::to_string(limit) +
             ": the device has no session left (MFX_ERR_MEMORY_ALLOC)");
    *status = MFX_ERR_MEMORY_ALLOC;
    return nullptr;
  }
  auto* s = new Session();
  s->serial = registry().next_session++;
  s->acceleration = acceleration;
  registry().sessions.insert(s);
  *status = MFX_ERR_NONE;
  return s;
}

mfxSession handle(Session* s) {
  return reinterpret_cast<mfxSession>(s);
}

}  // namespace

ApiLock::ApiLock() {
  api_mutex().lock();
}
ApiLock::~ApiLock() {
  api_mutex().unlock();
}

Session* live_session(mfxSession session, const char* call) {
  auto* s = reinterpret_cast<Session*>(session);
  if (!s || !registry().sessions.count(s)) {
    violation(MFX_ERR_INVALID_HANDLE, std::string(call) + ": not a live session of this runtime");
    return nullptr;
  }
  return s;
}

mfxSyncPoint new_sync_point(Session* session,
                            std::vector<Surface*> held,
                            bool encode,
                            std::function<mfxStatus()> complete) {
  const uintptr_t id = registry().next_sync;
  registry().next_sync += 0x10;
  registry().sync_points[id] = SyncTask{session, std::move(held), encode, std::move(complete)};
  return reinterpret_cast<mfxSyncPoint>(id);
}

void mark_device_lost(Session* session) {
  registry().device_lost.insert(session);
}

namespace {

// Drops `session`'s pending sync points (their held surfaces are released).
void drop_sync_points(Session* session) {
  auto& points = registry().sync_points;
  for (auto it = points.begin(); it != points.end();) {
    if (it->second.session == session) {
      for (Surface* s : it->second.held) unhold(s);
      registry().synchronized.insert(it->first);
      it = points.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace

}  // namespace gearbox::qsv::simulation

using namespace gearbox::qsv::simulation;

extern "C" {

mfxHDL* MFXQueryImplsDescription(mfxImplCapsDeliveryFormat format, mfxU32* num_impls) {
  ApiLock lock;
  if (!num_impls) return nullptr;
  auto handed = std::make_unique<Handed>();
  switch (format) {
    case MFX_IMPLCAPS_IMPLDESCSTRUCTURE:
      handed->description = std::make_unique<Description>();
      fill_description(handed->description.get());
      handed->array[0] = &handed->description->desc;
      break;
    case MFX_IMPLCAPS_IMPLEMENTEDFUNCTIONS: {
      handed->functions = std::make_unique<Functions>();
      Functions& f = *handed->functions;
      for (const char* name : kImplemented) f.names.emplace_back(name);
      for (std::string& name : f.names) f.pointers.push_back(name.data());
      f.list.NumFunctions = static_cast<mfxU16>(f.pointers.size());
      f.list.FunctionsName = f.pointers.data();
      handed->array[0] = &f.list;
      break;
    }
    case MFX_IMPLCAPS_DEVICE_ID_EXTENDED: {
      handed->device = std::make_unique<mfxExtendedDeviceId>();
      mfxExtendedDeviceId& d = *handed->device;
      std::memset(&d, 0, sizeof d);
      d.Version.Version = MFX_EXTENDEDDEVICEID_VERSION;
      d.VendorID = 0x8086;
      d.DeviceID = kDeviceIdNumber;
      d.PCIDevice = 2;
      d.DRMRenderNodeNum = 128;
      d.DRMPrimaryNodeNum = 0x7FFFFFFF;
      std::snprintf(d.DeviceName, sizeof d.DeviceName, "%s", "gearbox oneVPL SIMULATION");
      handed->array[0] = &d;
      break;
    }
    default: *num_impls = 0; return nullptr;
  }
  *num_impls = 1;
  mfxHDL* array = handed->array;
  handed_out()[array[0]] = std::move(handed);
  return array;
}

mfxStatus MFXReleaseImplDescription(mfxHDL hdl) {
  ApiLock lock;
  auto it = handed_out().find(hdl);
  if (it == handed_out().end()) {
    return violation(MFX_ERR_INVALID_HANDLE,
                     "MFXReleaseImplDescription: a handle this runtime did not hand out (or one "
                     "already released)");
  }
  handed_out().erase(it);
  return MFX_ERR_NONE;
}

mfxStatus MFXInitialize(mfxInitializationParam par, mfxSession* session) {
  ApiLock lock;
  if (!session) return MFX_ERR_NULL_PTR;
  *session = nullptr;
  if (failure_requested("initialize_fails")) {
    log_line("MFXInitialize: initialize_fails: MFX_ERR_UNSUPPORTED");
    return MFX_ERR_UNSUPPORTED;
  }
  if (par.AccelerationMode < MFX_ACCEL_MODE_VIA_VAAPI ||
      par.AccelerationMode > MFX_ACCEL_MODE_VIA_VAAPI_WAYLAND) {
    log_line("MFXInitialize: acceleration mode " + std::to_string(par.AccelerationMode) +
             " is not VA-API, the only one this simulation offers");
    return MFX_ERR_UNSUPPORTED;
  }
  if (par.VendorImplID != 0) return MFX_ERR_UNSUPPORTED;
  mfxStatus status = MFX_ERR_NONE;
  Session* s = new_session(par.AccelerationMode, &status, "MFXInitialize");
  if (s) *session = handle(s);
  return status;
}

mfxStatus MFXInitEx(mfxInitParam par, mfxSession* session) {
  ApiLock lock;
  if (!session) return MFX_ERR_NULL_PTR;
  *session = nullptr;
  if (failure_requested("initialize_fails")) return MFX_ERR_UNSUPPORTED;
  const mfxIMPL base = MFX_IMPL_BASETYPE(par.Implementation);
  if (base == MFX_IMPL_SOFTWARE) return MFX_ERR_UNSUPPORTED;
  const mfxIMPL via = par.Implementation & ~static_cast<mfxIMPL>(0xff);
  if (via != 0 && via != MFX_IMPL_VIA_ANY && via != MFX_IMPL_VIA_VAAPI) return MFX_ERR_UNSUPPORTED;
  mfxStatus status = MFX_ERR_NONE;
  Session* s = new_session(MFX_ACCEL_MODE_VIA_VAAPI, &status, "MFXInitEx");
  if (s) *session = handle(s);
  return status;
}

mfxStatus MFXInit(mfxIMPL impl, mfxVersion* ver, mfxSession* session) {
  mfxInitParam par{};
  par.Implementation = impl;
  if (ver) par.Version = *ver;
  return MFXInitEx(par, session);
}

mfxStatus MFXClose(mfxSession session) {
  ApiLock lock;
  // The dispatcher closes what it failed to make (MFXInitialize failed: a null session); it is
  // not the application's misuse.
  if (!session) return MFX_ERR_INVALID_HANDLE;
  Session* s = live_session(session, "MFXClose");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!s->children.empty()) {
    return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                     "MFXClose: " + s->name() + " still has " + std::to_string(s->children.size()) +
                         " joined child session(s); MFXDisjoinSession them first");
  }
  drop_sync_points(s);
  s->encoder.reset();
  s->vpp.reset();
  if (s->parent) {
    s->parent->children.erase(s);  // a child closes: disjoined with it
  } else {
    const auto leaked = live_surfaces(s);
    if (!leaked.empty()) {
      std::string names;
      for (const Surface* x : leaked) {
        if (!names.empty()) names += ", ";
        names += x->name();
      }
      violation(MFX_ERR_NONE, "MFXClose: " + std::to_string(leaked.size()) + " surface(s) of " +
                                  s->name() +
                                  " still referenced (leaked; Release each surface): " + names);
    }
    orphan_surfaces(s);
  }
  registry().sessions.erase(s);
  registry().device_lost.erase(s);
  delete s;
  return MFX_ERR_NONE;
}

mfxStatus MFXQueryIMPL(mfxSession session, mfxIMPL* impl) {
  ApiLock lock;
  if (!live_session(session, "MFXQueryIMPL")) return MFX_ERR_INVALID_HANDLE;
  if (!impl) return MFX_ERR_NULL_PTR;
  *impl = MFX_IMPL_HARDWARE | MFX_IMPL_VIA_VAAPI;
  return MFX_ERR_NONE;
}

mfxStatus MFXQueryVersion(mfxSession session, mfxVersion* version) {
  ApiLock lock;
  if (!live_session(session, "MFXQueryVersion")) return MFX_ERR_INVALID_HANDLE;
  if (!version) return MFX_ERR_NULL_PTR;
  version->Major = kApiMajor;
  version->Minor = kApiMinor;
  return MFX_ERR_NONE;
}

mfxStatus MFXJoinSession(mfxSession session, mfxSession child_session) {
  ApiLock lock;
  Session* parent = live_session(session, "MFXJoinSession (parent)");
  Session* child = live_session(child_session, "MFXJoinSession (child)");
  if (!parent || !child) return MFX_ERR_INVALID_HANDLE;
  if (parent == child || child->parent || !child->children.empty() || parent->family() == child) {
    return violation(MFX_ERR_UNSUPPORTED, "MFXJoinSession: " + child->name() + " cannot join " +
                                              parent->name() +
                                              " (the same session, already joined, or itself a "
                                              "parent)");
  }
  child->parent = parent;
  parent->children.insert(child);
  return MFX_ERR_NONE;
}

mfxStatus MFXDisjoinSession(mfxSession session) {
  ApiLock lock;
  Session* s = live_session(session, "MFXDisjoinSession");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!s->parent) {
    return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                     "MFXDisjoinSession: " + s->name() + " is not a joined child session");
  }
  s->parent->children.erase(s);
  s->parent = nullptr;
  return MFX_ERR_NONE;
}

mfxStatus MFXCloneSession(mfxSession session, mfxSession* clone) {
  ApiLock lock;
  Session* s = live_session(session, "MFXCloneSession");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!clone) return MFX_ERR_NULL_PTR;
  *clone = nullptr;
  mfxStatus status = MFX_ERR_NONE;
  Session* c = new_session(s->acceleration, &status, "MFXCloneSession");
  if (!c) return status;
  // The spec: "a light-weight equivalent of MFXJoinSession after MFXInit" that "does not inherit
  // ... device manager handles": joined to the session it was cloned from, no handle of its own
  // (its family's VA display serves its components).
  c->parent = s;
  s->children.insert(c);
  *clone = handle(c);
  return MFX_ERR_NONE;
}

mfxStatus MFXSetPriority(mfxSession session, mfxPriority priority) {
  ApiLock lock;
  Session* s = live_session(session, "MFXSetPriority");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (priority < MFX_PRIORITY_LOW || priority > MFX_PRIORITY_HIGH) return MFX_ERR_UNSUPPORTED;
  s->priority = priority;
  return MFX_ERR_NONE;
}

mfxStatus MFXGetPriority(mfxSession session, mfxPriority* priority) {
  ApiLock lock;
  Session* s = live_session(session, "MFXGetPriority");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!priority) return MFX_ERR_NULL_PTR;
  *priority = s->priority;
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoCORE_SetFrameAllocator(mfxSession session, mfxFrameAllocator*) {
  ApiLock lock;
  if (!live_session(session, "MFXVideoCORE_SetFrameAllocator")) return MFX_ERR_INVALID_HANDLE;
  log_line("MFXVideoCORE_SetFrameAllocator: external allocators are not modelled");
  return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFXVideoCORE_SetHandle(mfxSession session, mfxHandleType type, mfxHDL hdl) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoCORE_SetHandle");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (type != MFX_HANDLE_VA_DISPLAY) {
    log_line("MFXVideoCORE_SetHandle: handle type " + std::to_string(type) +
             " is not MFX_HANDLE_VA_DISPLAY, the only one a VA-API session takes");
    return MFX_ERR_INVALID_HANDLE;
  }
  if (!hdl) return MFX_ERR_NULL_PTR;
  if (s->has_va_display && s->va_display != hdl) {
    return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                     "MFXVideoCORE_SetHandle: " + s->name() +
                         " already has another VA display (a handle may not be redefined)");
  }
  s->has_va_display = true;
  s->va_display = hdl;  // only stored: there is no real VA behind the simulation
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoCORE_GetHandle(mfxSession session, mfxHandleType type, mfxHDL* hdl) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoCORE_GetHandle");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!hdl) return MFX_ERR_NULL_PTR;
  Session* f = s->has_va_display ? s : s->family();
  if (type != MFX_HANDLE_VA_DISPLAY || !f->has_va_display) return MFX_ERR_UNDEFINED_BEHAVIOR;
  *hdl = f->va_display;
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoCORE_QueryPlatform(mfxSession session, mfxPlatform* platform) {
  ApiLock lock;
  if (!live_session(session, "MFXVideoCORE_QueryPlatform")) return MFX_ERR_INVALID_HANDLE;
  if (!platform) return MFX_ERR_NULL_PTR;
  std::memset(platform, 0, sizeof *platform);
  platform->CodeName = MFX_PLATFORM_TIGERLAKE;
  platform->DeviceId = kDeviceIdNumber;
  platform->MediaAdapterType = MFX_MEDIA_INTEGRATED;
  return MFX_ERR_NONE;
}

mfxStatus MFXVideoCORE_SyncOperation(mfxSession session, mfxSyncPoint syncp, mfxU32) {
  ApiLock lock;
  Session* s = live_session(session, "MFXVideoCORE_SyncOperation");
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!syncp) return MFX_ERR_NULL_PTR;
  const auto id = reinterpret_cast<uintptr_t>(syncp);
  auto it = registry().sync_points.find(id);
  if (it == registry().sync_points.end()) {
    if (registry().synchronized.count(id)) {
      return violation(MFX_ERR_NULL_PTR,
                       "MFXVideoCORE_SyncOperation: the sync point was already synchronized (a "
                       "sync point is valid until SyncOperation returns MFX_ERR_NONE once)");
    }
    return violation(MFX_ERR_NULL_PTR,
                     "MFXVideoCORE_SyncOperation: a sync point this runtime never returned");
  }
  SyncTask& task = it->second;
  if (task.session->family() != s->family()) {
    return violation(MFX_ERR_INVALID_HANDLE, "MFXVideoCORE_SyncOperation: the sync point is " +
                                                 task.session->name() + "'s, not of " + s->name() +
                                                 " or a session joined with it");
  }
  const bool lost = task.encode && registry().device_lost.count(task.session);
  SyncTask done = std::move(task);
  registry().synchronized.insert(id);
  registry().sync_points.erase(it);
  mfxStatus status = MFX_ERR_NONE;
  if (lost) {
    log_line("MFXVideoCORE_SyncOperation: device_lost_after: MFX_ERR_DEVICE_LOST");
    status = MFX_ERR_DEVICE_LOST;
  } else if (done.complete) {
    status = done.complete();
  }
  for (Surface* x : done.held) unhold(x);
  return status;
}

// --- not modelled: decode, DECODE_VPP, ProcessFrameAsync.
#define GEARBOX_SIM_QSV_UNSUPPORTED(name, params)                             \
  mfxStatus name params {                                                     \
    log_line(#name ": not modelled by the simulation (MFX_ERR_UNSUPPORTED)"); \
    return MFX_ERR_UNSUPPORTED;                                               \
  }

GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_Query, (mfxSession, mfxVideoParam*, mfxVideoParam*))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_DecodeHeader,
                            (mfxSession, mfxBitstream*, mfxVideoParam*))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_QueryIOSurf,
                            (mfxSession, mfxVideoParam*, mfxFrameAllocRequest*))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_Init, (mfxSession, mfxVideoParam*))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_Reset, (mfxSession, mfxVideoParam*))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_Close, (mfxSession))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_GetVideoParam, (mfxSession, mfxVideoParam*))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_GetDecodeStat, (mfxSession, mfxDecodeStat*))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_SetSkipMode, (mfxSession, mfxSkipMode))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_GetPayload, (mfxSession, mfxU64*, mfxPayload*))
GEARBOX_SIM_QSV_UNSUPPORTED(
    MFXVideoDECODE_DecodeFrameAsync,
    (mfxSession, mfxBitstream*, mfxFrameSurface1*, mfxFrameSurface1**, mfxSyncPoint*))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXMemory_GetSurfaceForDecode, (mfxSession, mfxFrameSurface1**))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_VPP_Init,
                            (mfxSession, mfxVideoParam*, mfxVideoChannelParam**, mfxU32))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_VPP_DecodeFrameAsync,
                            (mfxSession, mfxBitstream*, mfxU32*, mfxU32, mfxSurfaceArray**))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_VPP_Reset,
                            (mfxSession, mfxVideoParam*, mfxVideoChannelParam**, mfxU32))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_VPP_GetChannelParam,
                            (mfxSession, mfxVideoChannelParam*, mfxU32))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoDECODE_VPP_Close, (mfxSession))
GEARBOX_SIM_QSV_UNSUPPORTED(MFXVideoVPP_ProcessFrameAsync,
                            (mfxSession, mfxFrameSurface1*, mfxFrameSurface1**))

}  // extern "C"
