// The runtime's surfaces (MFXMemory_GetSurfaceFor*): NV12 in host memory behind
// mfxFrameSurfaceInterface, with the interface's rules checked (reference counting, Map/Unmap,
// writes only under a WRITE map, use after the last Release, use by the making session's family
// only, leaks at MFXClose). A surface's record is never freed (only its pixels), so a use after
// free is told apart from a stranger's pointer.
#include <cstring>
#include <map>

#include "simulation.h"

namespace gearbox::qsv::simulation {
namespace {

struct Surfaces {
  std::map<Surface*, std::unique_ptr<Surface>> all;
  uint64_t next = 1;
  std::map<Surface*, int> runtime_holds;  // the runtime's own references
};

Surfaces& surfaces() {
  static auto* s = new Surfaces();  // never destroyed (exit handlers)
  return *s;
}

// The runtime surface behind an interface call, or nullptr with *status set.
Surface* from_interface(mfxFrameSurface1* frame, const char* call, mfxStatus* status) {
  *status = MFX_ERR_NONE;
  if (!frame) {
    *status = MFX_ERR_NULL_PTR;
    return nullptr;
  }
  auto* s = frame->FrameInterface ? static_cast<Surface*>(frame->FrameInterface->Context) : nullptr;
  if (!s || !surfaces().all.count(s) || &s->frame != frame) {
    *status = violation(MFX_ERR_INVALID_HANDLE,
                        std::string("mfxFrameSurfaceInterface::") + call +
                            ": not a surface of this runtime (FrameInterface/Context changed?)");
    return nullptr;
  }
  if (s->freed) {
    *status = violation(MFX_ERR_INVALID_HANDLE,
                        std::string("mfxFrameSurfaceInterface::") + call + ": " + s->name() +
                            " used after its last Release (use after free)");
    return nullptr;
  }
  return s;
}

void free_surface(Surface* s) {
  s->freed = true;
  s->map_flags = 0;
  std::vector<uint8_t>().swap(s->pixels);
  s->frame.Data.Y = s->frame.Data.UV = s->frame.Data.V = nullptr;
}

mfxStatus MFX_CDECL add_ref(mfxFrameSurface1* frame) {
  ApiLock lock;
  mfxStatus status;
  Surface* s = from_interface(frame, "AddRef", &status);
  if (!s) return status;
  ++s->refs;
  return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL release_ref(mfxFrameSurface1* frame) {
  ApiLock lock;
  if (frame && frame->FrameInterface) {
    auto* s = static_cast<Surface*>(frame->FrameInterface->Context);
    if (s && surfaces().all.count(s) && s->freed) {
      return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                       "mfxFrameSurfaceInterface::Release: " + s->name() +
                           " has a reference count of zero (released more often than "
                           "referenced, or used after free)");
    }
  }
  mfxStatus status;
  Surface* s = from_interface(frame, "Release", &status);
  if (!s) return status;
  auto held = surfaces().runtime_holds.find(s);
  if (held != surfaces().runtime_holds.end() && s->refs <= static_cast<mfxU32>(held->second)) {
    return violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                     "mfxFrameSurfaceInterface::Release: " + s->name() +
                         " released more often than the application referenced it (the "
                         "runtime still holds it for unsynchronized work)");
  }
  release(s);
  return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL get_ref_counter(mfxFrameSurface1* frame, mfxU32* counter) {
  ApiLock lock;
  mfxStatus status;
  Surface* s = from_interface(frame, "GetRefCounter", &status);
  if (!s) return status;
  if (!counter) return MFX_ERR_NULL_PTR;
  *counter = s->refs;
  return MFX_ERR_NONE;
}

void check_unmapped_writes(Surface* s, const char* call) {
  if (s->map_flags == 0 && checksum(*s) != s->checksum) {
    s->checksum = checksum(*s);
    violation(MFX_ERR_NONE, std::string(call) + ": the pixels of " + s->name() +
                                " changed while it was not mapped (write only between "
                                "Map(MFX_MAP_WRITE) and Unmap)");
  }
}

mfxStatus MFX_CDECL map(mfxFrameSurface1* frame, mfxU32 flags) {
  ApiLock lock;
  mfxStatus status;
  Surface* s = from_interface(frame, "Map", &status);
  if (!s) return status;
  const mfxU32 access = flags & MFX_MAP_READ_WRITE;
  if (access == 0 || (flags & ~static_cast<mfxU32>(MFX_MAP_READ_WRITE | MFX_MAP_NOWAIT))) {
    return MFX_ERR_UNSUPPORTED;
  }
  if (s->map_flags) {
    return violation(MFX_ERR_LOCK_MEMORY, "mfxFrameSurfaceInterface::Map: " + s->name() +
                                              " is already mapped (Unmap it first)");
  }
  if ((access & MFX_MAP_WRITE) && surfaces().runtime_holds.count(s)) {
    return violation(MFX_ERR_LOCK_MEMORY,
                     "mfxFrameSurfaceInterface::Map(MFX_MAP_WRITE): " + s->name() +
                         " is still in use by the runtime (its task is not synchronized)");
  }
  check_unmapped_writes(s, "mfxFrameSurfaceInterface::Map");
  s->map_flags = access;
  s->frame.Data.Y = s->y();
  s->frame.Data.UV = s->uv();
  s->frame.Data.V = s->uv() + 1;
  s->frame.Data.Pitch = static_cast<mfxU16>(s->pitch);
  s->frame.Data.PitchHigh = 0;
  return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL unmap(mfxFrameSurface1* frame) {
  ApiLock lock;
  mfxStatus status;
  Surface* s = from_interface(frame, "Unmap", &status);
  if (!s) return status;
  if (!s->map_flags) {
    return violation(MFX_ERR_UNSUPPORTED,
                     "mfxFrameSurfaceInterface::Unmap: " + s->name() + " is not mapped");
  }
  const uint64_t now = checksum(*s);
  if (!(s->map_flags & MFX_MAP_WRITE) && now != s->checksum) {
    violation(MFX_ERR_NONE, "mfxFrameSurfaceInterface::Unmap: " + s->name() +
                                " was written under a MFX_MAP_READ map (map with MFX_MAP_WRITE)");
  }
  s->checksum = now;
  s->map_flags = 0;
  s->frame.Data.Y = s->frame.Data.UV = s->frame.Data.V = nullptr;
  return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL get_native_handle(mfxFrameSurface1* frame,
                                      mfxHDL* resource,
                                      mfxResourceType* type) {
  ApiLock lock;
  mfxStatus status;
  Surface* s = from_interface(frame, "GetNativeHandle", &status);
  if (!s) return status;
  if (!resource || !type) return MFX_ERR_NULL_PTR;
  log_line(
      "mfxFrameSurfaceInterface::GetNativeHandle: the simulation's surfaces are host "
      "memory, no VASurfaceID (MFX_ERR_UNSUPPORTED)");
  return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL get_device_handle(mfxFrameSurface1* frame,
                                      mfxHDL* device,
                                      mfxHandleType* type) {
  ApiLock lock;
  mfxStatus status;
  Surface* s = from_interface(frame, "GetDeviceHandle", &status);
  if (!s) return status;
  if (!device || !type) return MFX_ERR_NULL_PTR;
  if (!s->family || !s->family->has_va_display) return MFX_ERR_UNSUPPORTED;
  *device = s->family->va_display;
  *type = MFX_HANDLE_VA_DISPLAY;
  return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL synchronize(mfxFrameSurface1* frame, mfxU32) {
  ApiLock lock;
  mfxStatus status;
  Surface* s = from_interface(frame, "Synchronize", &status);
  return s ? MFX_ERR_NONE : status;  // all work finishes inside the submitting call
}

mfxStatus MFX_CDECL query_interface(mfxFrameSurface1* frame, mfxGUID, mfxHDL*) {
  ApiLock lock;
  mfxStatus status;
  Surface* s = from_interface(frame, "QueryInterface", &status);
  return s ? MFX_ERR_UNSUPPORTED : status;
}

}  // namespace

std::string Surface::name() const {
  return "surface #" + std::to_string(serial) + " (from " + made_by + ")";
}

uint64_t checksum(const Surface& s) {
  // FNV-1a over 8-byte words: enough to notice a write.
  uint64_t h = 1469598103934665603ull;
  const uint8_t* p = s.pixels.data();
  const size_t n = s.pixels.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 1099511628211ull;
  }
  for (; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

Surface* make_surface(Session* session, const mfxFrameInfo& info, const char* made_by) {
  auto owned = std::make_unique<Surface>();
  Surface* s = owned.get();
  s->serial = surfaces().next++;
  s->family = session->family();
  s->made_by = made_by;
  s->frame.Version.Version = MFX_STRUCT_VERSION(1, 1);
  s->frame.Info = info;
  s->frame.Info.FourCC = MFX_FOURCC_NV12;
  s->frame.Info.ChromaFormat = MFX_CHROMAFORMAT_YUV420;
  s->frame.Data.MemType = MFX_MEMTYPE_VIDEO_MEMORY_DECODER_TARGET | MFX_MEMTYPE_INTERNAL_FRAME;
  s->pitch = (info.Width + 63u) & ~63u;
  s->pixels.assign(static_cast<size_t>(s->pitch) * info.Height * 3 / 2, 0);
  // Black (limited range): Y 16, UV 128.
  std::memset(s->y(), 16, static_cast<size_t>(s->pitch) * info.Height);
  std::memset(s->uv(), 128, static_cast<size_t>(s->pitch) * info.Height / 2);
  s->checksum = checksum(*s);
  s->iface.Context = s;
  s->iface.Version.Version = MFX_FRAMESURFACEINTERFACE_VERSION;
  s->iface.AddRef = add_ref;
  s->iface.Release = release_ref;
  s->iface.GetRefCounter = get_ref_counter;
  s->iface.Map = map;
  s->iface.Unmap = unmap;
  s->iface.GetNativeHandle = get_native_handle;
  s->iface.GetDeviceHandle = get_device_handle;
  s->iface.Synchronize = synchronize;
  s->iface.QueryInterface = query_interface;
  s->frame.FrameInterface = &s->iface;
  surfaces().all[s] = std::move(owned);
  return s;
}

Surface* runtime_surface(mfxFrameSurface1* frame,
                         Session* session,
                         const char* call,
                         mfxStatus* status) {
  *status = MFX_ERR_NONE;
  if (!frame || !frame->FrameInterface) return nullptr;
  auto* s = static_cast<Surface*>(frame->FrameInterface->Context);
  if (!s || !surfaces().all.count(s) || &s->frame != frame) return nullptr;
  if (s->freed) {
    *status = violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                        std::string(call) + ": " + s->name() + " used after its last Release");
    return nullptr;
  }
  if (!s->family) {
    *status = violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                        std::string(call) + ": " + s->name() + " outlived its session");
    return nullptr;
  }
  if (s->family != session->family()) {
    *status =
        violation(MFX_ERR_UNDEFINED_BEHAVIOR,
                  std::string(call) + ": " + s->name() + " belongs to " + s->family->name() + "; " +
                      session->name() + " is not joined to it (MFXJoinSession shares surfaces)");
    return nullptr;
  }
  if (s->map_flags & MFX_MAP_WRITE) {
    *status = violation(MFX_ERR_LOCK_MEMORY, std::string(call) + ": " + s->name() +
                                                 " is still mapped for write (Unmap it first)");
    return nullptr;
  }
  check_unmapped_writes(s, call);
  return s;
}

void hold(Surface* s) {
  ++s->refs;
  ++surfaces().runtime_holds[s];
}

void release(Surface* s) {
  if (s->refs == 0) return;
  if (--s->refs == 0) free_surface(s);
}

void unhold(Surface* s) {
  auto it = surfaces().runtime_holds.find(s);
  if (it == surfaces().runtime_holds.end() || it->second == 0) return;
  if (--it->second == 0) surfaces().runtime_holds.erase(it);
  release(s);
}

std::vector<Surface*> live_surfaces(Session* family) {
  std::vector<Surface*> out;
  for (auto& [p, owned] : surfaces().all) {
    if (p->family == family && !p->freed) out.push_back(p);
  }
  return out;
}

void orphan_surfaces(Session* family) {
  for (auto& [p, owned] : surfaces().all) {
    if (p->family == family) p->family = nullptr;
  }
}

}  // namespace gearbox::qsv::simulation

using namespace gearbox::qsv::simulation;

namespace {

mfxStatus get_surface(mfxSession session,
                      mfxFrameSurface1** surface,
                      const char* call,
                      const mfxFrameInfo* (*info_of)(Session*, bool),
                      bool output,
                      const char* component) {
  ApiLock lock;
  Session* s = live_session(session, call);
  if (!s) return MFX_ERR_INVALID_HANDLE;
  if (!surface) return MFX_ERR_NULL_PTR;
  const mfxFrameInfo* info = info_of(s, output);
  if (!info) {
    return violation(MFX_ERR_NOT_INITIALIZED, std::string(call) + ": " + s->name() + " has no " +
                                                  component + " initialised (Init it first)");
  }
  *surface = &make_surface(s, *info, call)->frame;
  return MFX_ERR_NONE;
}

const mfxFrameInfo* encoder_info(Session* s, bool) {
  return encoder_frame_info(s);
}

}  // namespace

extern "C" {

mfxStatus MFXMemory_GetSurfaceForEncode(mfxSession session, mfxFrameSurface1** surface) {
  return get_surface(session, surface, "MFXMemory_GetSurfaceForEncode", encoder_info, false,
                     "encoder");
}

mfxStatus MFXMemory_GetSurfaceForVPP(mfxSession session, mfxFrameSurface1** surface) {
  return get_surface(session, surface, "MFXMemory_GetSurfaceForVPP", vpp_frame_info, false, "VPP");
}

mfxStatus MFXMemory_GetSurfaceForVPPOut(mfxSession session, mfxFrameSurface1** surface) {
  return get_surface(session, surface, "MFXMemory_GetSurfaceForVPPOut", vpp_frame_info, true,
                     "VPP");
}

}  // extern "C"
