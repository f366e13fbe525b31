#include "vpl_runtime.h"

#include <dlfcn.h>
#include <link.h>

#include <map>
#include <mutex>

namespace gearbox::qsv {
namespace {

template <class F>
void bind(void* library, const char* symbol, F& slot, std::string& missing) {
  slot = reinterpret_cast<F>(dlsym(library, symbol));
  if (!slot) missing += std::string(missing.empty() ? "" : ", ") + symbol;
}

std::string path_of(void* handle, const std::string& fallback) {
  link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && *map->l_name)
    return map->l_name;
  return fallback;
}

}  // namespace

Result<std::shared_ptr<VplRuntime>> VplRuntime::load(const std::string& library) {
  // Handles are kept for the process: the runtime the dispatcher loaded stays mapped for as long
  // as any session of it may exist.
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<VplRuntime>> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = loaded.find(library); it != loaded.end()) return it->second;
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* e = dlerror();
    return make_error(ErrorCode::kUnavailable,
                      "Quick Sync: the oneVPL dispatcher " + library + " cannot be loaded (" +
                          (e ? e : "?") +
                          "); install the Debian package libvpl2, and for the GPU libmfx-gen1.2 "
                          "(the oneVPL runtime) and intel-media-va-driver");
  }
  auto rt = std::make_shared<VplRuntime>();
  VplApi& a = rt->mfx;
  std::string missing;
#define GEARBOX_VPL_BIND(name) bind(handle, #name, a.name, missing)
  GEARBOX_VPL_BIND(MFXLoad);
  GEARBOX_VPL_BIND(MFXUnload);
  GEARBOX_VPL_BIND(MFXCreateConfig);
  GEARBOX_VPL_BIND(MFXSetConfigFilterProperty);
  GEARBOX_VPL_BIND(MFXEnumImplementations);
  GEARBOX_VPL_BIND(MFXCreateSession);
  GEARBOX_VPL_BIND(MFXDispReleaseImplDescription);
  GEARBOX_VPL_BIND(MFXClose);
  GEARBOX_VPL_BIND(MFXQueryVersion);
  GEARBOX_VPL_BIND(MFXJoinSession);
  GEARBOX_VPL_BIND(MFXDisjoinSession);
  GEARBOX_VPL_BIND(MFXVideoCORE_SetHandle);
  GEARBOX_VPL_BIND(MFXVideoCORE_SyncOperation);
  GEARBOX_VPL_BIND(MFXMemory_GetSurfaceForVPP);
  GEARBOX_VPL_BIND(MFXMemory_GetSurfaceForVPPOut);
  GEARBOX_VPL_BIND(MFXVideoVPP_Init);
  GEARBOX_VPL_BIND(MFXVideoVPP_Close);
  GEARBOX_VPL_BIND(MFXVideoVPP_RunFrameVPPAsync);
  GEARBOX_VPL_BIND(MFXVideoENCODE_Query);
  GEARBOX_VPL_BIND(MFXVideoENCODE_Init);
  GEARBOX_VPL_BIND(MFXVideoENCODE_Close);
  GEARBOX_VPL_BIND(MFXVideoENCODE_GetVideoParam);
  GEARBOX_VPL_BIND(MFXVideoENCODE_EncodeFrameAsync);
#undef GEARBOX_VPL_BIND
  if (!missing.empty()) {
    return make_error(ErrorCode::kUnavailable,
                      "Quick Sync: the oneVPL dispatcher " + path_of(handle, library) + " lacks " +
                          missing + " (gearbox is built for oneVPL API 2.8, Debian's libvpl2)");
  }
  rt->origin = path_of(handle, library);
  loaded[library] = rt;
  return rt;
}

VplRuntimeLoader dispatcher(const std::string& library) {
  return [library] { return VplRuntime::load(library); };
}

}  // namespace gearbox::qsv
