// One oneVPL implementation on one VA display: the dispatcher's loader with gearbox's filters
// (a hardware implementation with an H.264 encoder on VA-API acceleration), what the chosen
// implementation describes, and the parent session every other session of the device joins.
// Shared (shared_ptr) by the device, its VPP sessions and its encoders, so the loader is
// unloaded and the display terminated only after the last session closed.
#pragma once

#include <vpl/mfx.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "va_drm_display.h"
#include "vpl_runtime.h"

namespace gearbox::qsv {

// What the dispatcher says of one implementation (MFXEnumImplementations), copied.
struct Implementation {
  mfxU32 index = 0;
  std::string name;  // ImplName
  mfxU16 api_major = 0, api_minor = 0;
  mfxImplType impl = MFX_IMPL_TYPE_SOFTWARE;
  mfxAccelerationMode acceleration = MFX_ACCEL_MODE_NA;
  mfxU32 vendor = 0;
  std::string device;  // Dev.DeviceID
  std::string path;    // MFX_IMPLCAPS_IMPLPATH
  bool avc_encoder = false, avc_high = false;
  Size min_size{16, 16}, max_size{4096, 4096};  // the AVC High encoder's, from its MemDesc
  bool vpp = false;                             // any VPP filter described
  // "<name> (API 2.8, VA-API, hardware, device 0x..., <path>)".
  std::string describe() const;
  bool simulated() const;  // the name says it is gearbox's simulated runtime
};

// Every implementation the dispatcher finds, with no filter (for `gearbox probe` and to explain
// why none fits).
std::vector<Implementation> list_implementations(const VplRuntime& runtime);

const char* acceleration_name(mfxAccelerationMode mode);

// Why no implementation passed the filters (`found`: those that did, all of them older than
// 2.x; `all`: what answers without filters): only the Media SDK's runtime (a GPU too old for
// oneVPL, kUnavailable), a 2.x one without a hardware AVC encoder on VA-API (kUnsupported), or
// no runtime at all (kUnavailable, naming libmfx-gen1.2 and intel-media-va-driver).
Error explain_no_implementation(const std::vector<Implementation>& found,
                                const std::vector<Implementation>& all,
                                const std::string& dispatcher);

class Platform {
 public:
  // Loads the dispatcher's implementations with the filters, picks the first oneVPL 2.x one and
  // creates the parent session on the display. Typed failures: no oneVPL runtime (kUnavailable,
  // naming libmfx-gen1.2 and intel-media-va-driver), only the Media SDK's (kUnavailable: a GPU too
  // old for oneVPL), no H.264 High encoder (kUnsupported).
  static Result<std::shared_ptr<Platform>> open(std::shared_ptr<VplRuntime> runtime,
                                                std::shared_ptr<vaapi::DrmDisplay> display);
  ~Platform();
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  const VplApi& mfx() const { return runtime_->mfx; }
  const VplRuntime& runtime() const { return *runtime_; }
  const vaapi::DrmDisplay& display() const { return *display_; }
  const Implementation& implementation() const { return impl_; }
  mfxSession parent() const { return parent_; }
  bool simulated() const { return impl_.simulated(); }
  // "<implementation name> on /dev/dri/renderD128 ("<VA vendor>")", for messages.
  std::string where() const;
  Capabilities capabilities() const;

  // A new session of the implementation on the display, joined to the parent; `what` names it
  // in errors ("encoder 640x360"). `sessions_needed` goes into an out-of-sessions message.
  Result<mfxSession> create_session(const std::string& what, int sessions_needed);
  // Disjoins and closes a session create_session() made.
  void close_session(mfxSession session);
  int sessions_open() const;

 private:
  Platform() = default;

  std::shared_ptr<VplRuntime> runtime_;
  std::shared_ptr<vaapi::DrmDisplay> display_;
  mfxLoader loader_ = nullptr;
  Implementation impl_;
  mfxSession parent_ = nullptr;
  mutable std::mutex sessions_mutex_;
  int sessions_ = 0;  // children open
};

}  // namespace gearbox::qsv
