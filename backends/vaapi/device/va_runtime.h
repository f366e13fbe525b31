// libva as the VA-API backend sees it: a table of the VA calls gearbox makes, loaded at run time
// with dlopen from libva.so.2 and libva-drm.so.2 (never linked, so a gearbox build runs on a
// machine without libva or a VA driver). Every VA call in gearbox goes through this table.
//
// The VA driver itself is libva's to find (LIBVA_DRIVER_NAME, LIBVA_DRIVERS_PATH, or the name the
// kernel driver suggests); the simulated driver (simulation/) is reached only through those
// variables, which the tests and tools/simulated.sh set.
#pragma once

#include <va/va.h>
#include <va/va_drm.h>

#include <functional>
#include <memory>
#include <string>

#include "gearbox/error.h"

namespace gearbox::vaapi {

struct VaApi {
  decltype(&::vaGetDisplayDRM) vaGetDisplayDRM;
  decltype(&::vaInitialize) vaInitialize;
  decltype(&::vaTerminate) vaTerminate;
  decltype(&::vaErrorStr) vaErrorStr;
  decltype(&::vaQueryVendorString) vaQueryVendorString;
  decltype(&::vaSetErrorCallback) vaSetErrorCallback;
  decltype(&::vaSetInfoCallback) vaSetInfoCallback;
  decltype(&::vaMaxNumProfiles) vaMaxNumProfiles;
  decltype(&::vaMaxNumEntrypoints) vaMaxNumEntrypoints;
  decltype(&::vaQueryConfigProfiles) vaQueryConfigProfiles;
  decltype(&::vaQueryConfigEntrypoints) vaQueryConfigEntrypoints;
  decltype(&::vaGetConfigAttributes) vaGetConfigAttributes;
  decltype(&::vaCreateConfig) vaCreateConfig;
  decltype(&::vaDestroyConfig) vaDestroyConfig;
  decltype(&::vaCreateSurfaces) vaCreateSurfaces;
  decltype(&::vaDestroySurfaces) vaDestroySurfaces;
  decltype(&::vaCreateContext) vaCreateContext;
  decltype(&::vaDestroyContext) vaDestroyContext;
  decltype(&::vaCreateBuffer) vaCreateBuffer;
  decltype(&::vaDestroyBuffer) vaDestroyBuffer;
  decltype(&::vaMapBuffer) vaMapBuffer;
  decltype(&::vaUnmapBuffer) vaUnmapBuffer;
  decltype(&::vaBeginPicture) vaBeginPicture;
  decltype(&::vaRenderPicture) vaRenderPicture;
  decltype(&::vaEndPicture) vaEndPicture;
  decltype(&::vaSyncSurface) vaSyncSurface;
  decltype(&::vaDeriveImage) vaDeriveImage;
  decltype(&::vaCreateImage) vaCreateImage;
  decltype(&::vaDestroyImage) vaDestroyImage;
  decltype(&::vaPutImage) vaPutImage;
};

class VaRuntime {
 public:
  // Loads libva.so.2 and libva-drm.so.2 from the system's library search path and every symbol
  // of the table. Fails with kUnavailable naming the library and dlerror()'s text, and the
  // Debian packages that provide it.
  static Result<std::shared_ptr<VaRuntime>> load();

  VaApi va{};
  std::string origin;  // the libva that was loaded, as dlinfo reports it (or the soname)

  // "VA_STATUS_ERROR_X (0x..: <vaErrorStr>)".
  std::string status_text(VAStatus status) const;
};

// Where a backend gets its runtime: asked at every probe and device open (once loaded, dlopen
// only hands back the same handles).
using VaRuntimeLoader = std::function<Result<std::shared_ptr<VaRuntime>>()>;
// VaRuntime::load(), as a loader.
VaRuntimeLoader system_runtime();

}  // namespace gearbox::vaapi
