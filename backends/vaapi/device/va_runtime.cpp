#include "va_runtime.h"

#include <dlfcn.h>
#include <link.h>

#include <cstdio>
#include <mutex>

#include "vaapi_status.h"

namespace gearbox::vaapi {
namespace {

// Opened once per process and never closed: a driver libva loaded stays mapped for as long as
// any display of it may exist, and libva's own handles outlive any one backend.
struct Libraries {
  void* va = nullptr;
  void* drm = nullptr;
  std::string error;
};

const Libraries& libraries() {
  static const Libraries loaded = [] {
    Libraries l;
    l.va = dlopen("libva.so.2", RTLD_NOW | RTLD_GLOBAL);
    if (!l.va) {
      const char* e = dlerror();
      l.error = std::string("libva.so.2 cannot be loaded (") + (e ? e : "?") + ")";
      return l;
    }
    l.drm = dlopen("libva-drm.so.2", RTLD_NOW | RTLD_GLOBAL);
    if (!l.drm) {
      const char* e = dlerror();
      l.error = std::string("libva-drm.so.2 cannot be loaded (") + (e ? e : "?") + ")";
    }
    return l;
  }();
  return loaded;
}

template <class F>
bool bind(void* library, const char* symbol, F& slot, std::string& missing) {
  slot = reinterpret_cast<F>(dlsym(library, symbol));
  if (!slot) missing += std::string(missing.empty() ? "" : ", ") + symbol;
  return slot != nullptr;
}

std::string path_of(void* handle, const char* fallback) {
  link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && *map->l_name)
    return map->l_name;
  return fallback;
}

}  // namespace

Result<std::shared_ptr<VaRuntime>> VaRuntime::load() {
  const Libraries& l = libraries();
  if (!l.va || !l.drm) {
    return make_error(ErrorCode::kUnavailable,
                      "VA-API runtime missing: " + l.error +
                          "; install the Debian packages libva2 and libva-drm2 (and the VA driver "
                          "for the GPU: intel-media-va-driver, i965-va-driver or mesa-va-drivers)");
  }
  auto rt = std::make_shared<VaRuntime>();
  VaApi& a = rt->va;
  std::string missing;
  bind(l.drm, "vaGetDisplayDRM", a.vaGetDisplayDRM, missing);
#define GEARBOX_VA_BIND(name) bind(l.va, #name, a.name, missing)
  GEARBOX_VA_BIND(vaInitialize);
  GEARBOX_VA_BIND(vaTerminate);
  GEARBOX_VA_BIND(vaErrorStr);
  GEARBOX_VA_BIND(vaQueryVendorString);
  GEARBOX_VA_BIND(vaSetErrorCallback);
  GEARBOX_VA_BIND(vaSetInfoCallback);
  GEARBOX_VA_BIND(vaMaxNumProfiles);
  GEARBOX_VA_BIND(vaMaxNumEntrypoints);
  GEARBOX_VA_BIND(vaQueryConfigProfiles);
  GEARBOX_VA_BIND(vaQueryConfigEntrypoints);
  GEARBOX_VA_BIND(vaGetConfigAttributes);
  GEARBOX_VA_BIND(vaCreateConfig);
  GEARBOX_VA_BIND(vaDestroyConfig);
  GEARBOX_VA_BIND(vaCreateSurfaces);
  GEARBOX_VA_BIND(vaDestroySurfaces);
  GEARBOX_VA_BIND(vaCreateContext);
  GEARBOX_VA_BIND(vaDestroyContext);
  GEARBOX_VA_BIND(vaCreateBuffer);
  GEARBOX_VA_BIND(vaDestroyBuffer);
  GEARBOX_VA_BIND(vaMapBuffer);
  GEARBOX_VA_BIND(vaUnmapBuffer);
  GEARBOX_VA_BIND(vaBeginPicture);
  GEARBOX_VA_BIND(vaRenderPicture);
  GEARBOX_VA_BIND(vaEndPicture);
  GEARBOX_VA_BIND(vaSyncSurface);
  GEARBOX_VA_BIND(vaDeriveImage);
  GEARBOX_VA_BIND(vaCreateImage);
  GEARBOX_VA_BIND(vaDestroyImage);
  GEARBOX_VA_BIND(vaPutImage);
#undef GEARBOX_VA_BIND
  if (!missing.empty()) {
    return make_error(ErrorCode::kUnavailable,
                      "VA-API runtime too old: " + path_of(l.va, "libva.so.2") + " lacks " +
                          missing + " (gearbox is built for libva 2.17)");
  }
  rt->origin = path_of(l.va, "libva.so.2");
  return rt;
}

std::string VaRuntime::status_text(VAStatus status) const {
  char code[16];
  std::snprintf(code, sizeof code, "0x%x", static_cast<unsigned>(status));
  const char* text = va.vaErrorStr ? va.vaErrorStr(status) : nullptr;
  return std::string(status_name(status)) + " (" + code + ": " + (text ? text : "?") + ")";
}

VaRuntimeLoader system_runtime() {
  return [] { return VaRuntime::load(); };
}

}  // namespace gearbox::vaapi
