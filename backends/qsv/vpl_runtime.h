// oneVPL as the Quick Sync backend sees it: a table of the dispatcher's functions, loaded at run
// time with dlopen from Debian's libvpl.so.2 (never linked, so a gearbox build runs on machines
// without libvpl or an Intel GPU). Every oneVPL call in gearbox goes through this table.
//
// The runtime behind the dispatcher (libmfx-gen.so.1.2 on Intel GPUs, or the Media SDK's
// libmfxhw64 on older ones) is the dispatcher's to find: its own search, or ONEVPL_SEARCH_PATH,
// through which alone the tests and tools/simulated.sh reach the simulated runtime
// (simulation/).
#pragma once

#include <vpl/mfx.h>

#include <functional>
#include <memory>
#include <string>

#include "gearbox/error.h"

namespace gearbox::qsv {

struct VplApi {
  decltype(&::MFXLoad) MFXLoad;
  decltype(&::MFXUnload) MFXUnload;
  decltype(&::MFXCreateConfig) MFXCreateConfig;
  decltype(&::MFXSetConfigFilterProperty) MFXSetConfigFilterProperty;
  decltype(&::MFXEnumImplementations) MFXEnumImplementations;
  decltype(&::MFXCreateSession) MFXCreateSession;
  decltype(&::MFXDispReleaseImplDescription) MFXDispReleaseImplDescription;
  decltype(&::MFXClose) MFXClose;
  decltype(&::MFXQueryVersion) MFXQueryVersion;
  decltype(&::MFXJoinSession) MFXJoinSession;
  decltype(&::MFXDisjoinSession) MFXDisjoinSession;
  decltype(&::MFXVideoCORE_SetHandle) MFXVideoCORE_SetHandle;
  decltype(&::MFXVideoCORE_SyncOperation) MFXVideoCORE_SyncOperation;
  decltype(&::MFXMemory_GetSurfaceForVPP) MFXMemory_GetSurfaceForVPP;
  decltype(&::MFXMemory_GetSurfaceForVPPOut) MFXMemory_GetSurfaceForVPPOut;
  decltype(&::MFXVideoVPP_Init) MFXVideoVPP_Init;
  decltype(&::MFXVideoVPP_Close) MFXVideoVPP_Close;
  decltype(&::MFXVideoVPP_RunFrameVPPAsync) MFXVideoVPP_RunFrameVPPAsync;
  decltype(&::MFXVideoENCODE_Query) MFXVideoENCODE_Query;
  decltype(&::MFXVideoENCODE_Init) MFXVideoENCODE_Init;
  decltype(&::MFXVideoENCODE_Close) MFXVideoENCODE_Close;
  decltype(&::MFXVideoENCODE_GetVideoParam) MFXVideoENCODE_GetVideoParam;
  decltype(&::MFXVideoENCODE_EncodeFrameAsync) MFXVideoENCODE_EncodeFrameAsync;
};

class VplRuntime {
 public:
  // Loads the dispatcher `library` (a soname on the library search path, or a path) and every
  // function of the table. Fails with kUnavailable naming the library, dlerror()'s text and the
  // Debian packages. Loaded once per library and never unloaded.
  static Result<std::shared_ptr<VplRuntime>> load(const std::string& library);

  VplApi mfx{};
  std::string origin;  // the dispatcher that was loaded, as dlinfo reports it
};

inline constexpr const char* kDispatcher = "libvpl.so.2";

// Where a backend gets its dispatcher: asked at every probe and device open.
using VplRuntimeLoader = std::function<Result<std::shared_ptr<VplRuntime>>()>;
// VplRuntime::load(library), as a loader.
VplRuntimeLoader dispatcher(const std::string& library = kDispatcher);

}  // namespace gearbox::qsv
