// The SIMULATED oneVPL runtime: `libvplgearbox_sim.so.1`, a oneVPL 2.8 runtime that Debian's
// dispatcher (libvpl 2023.1.1) loads from ONEVPL_SEARCH_PATH, so that the Quick Sync path runs in
// CI on machines without an Intel GPU. It is a simulation, named so in its ImplName
// ("gearbox-simulation"), its License/Keywords strings and every log line ("gearbox simulated
// oneVPL runtime (simulation): ..."): nothing it does is evidence about real hardware beyond
// "gearbox calls oneVPL the way the oneVPL specification documents it". README.md here says
// what it checks, what it does not model and its controls.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

// The oneVPL declarations keep default visibility: the runtime defines (exports) them.
#pragma GCC visibility push(default)
#include <vpl/mfxdispatcher.h>
#include <vpl/mfximplcaps.h>
#include <vpl/mfxvideo.h>
#pragma GCC visibility pop

#define GEARBOX_SIM_QSV_EXPORT __attribute__((visibility("default")))

extern "C" {
// Marks a loaded runtime as this simulation.
GEARBOX_SIM_QSV_EXPORT extern const char gearbox_sim_qsv[];
// For tests: the failures to simulate (GEARBOX_SIM_QSV_FAIL's syntax; "" or nullptr for none) and
// strict mode (non-zero: as GEARBOX_SIM_QSV_STRICT=1), both replaced.
GEARBOX_SIM_QSV_EXPORT void gearbox_sim_qsv_configure(const char* failures, int strict);
// For tests: violations so far, and the text of the last one ("" when none).
GEARBOX_SIM_QSV_EXPORT int gearbox_sim_qsv_violation_count(void);
GEARBOX_SIM_QSV_EXPORT const char* gearbox_sim_qsv_last_violation(void);
}

namespace gearbox::qsv::simulation {

// --- settings.cpp
// Whether failure `name` is to be simulated, and its value ("" when given without one; "name=v"
// or "name:v").
bool failure_requested(const char* name, std::string* value = nullptr);
// The failure's value as a count (`otherwise` when not requested or not a count).
long failure_number(const char* name, long otherwise);
// A line on stderr starting "gearbox simulated oneVPL runtime (simulation): ".
void log_line(const std::string& text);
// Logs "violation: <message>", counts it, and returns `status` (for `return violation(...)`).
mfxStatus violation(mfxStatus status, const std::string& message);
// The largest picture (4096x4096, or max_size=WxH).
void max_size(mfxU32* width, mfxU32* height);

// --- runtime.cpp
struct Encoder;
struct Vpp;
struct EncoderDeleter {
  void operator()(Encoder* e) const;
};
struct VppDeleter {
  void operator()(Vpp* v) const;
};

struct Session {
  int serial = 0;
  Session* parent = nullptr;  // MFXJoinSession: the parent this child was joined to
  std::set<Session*> children;
  bool has_va_display = false;
  mfxHDL va_display = nullptr;
  mfxAccelerationMode acceleration = MFX_ACCEL_MODE_VIA_VAAPI;
  std::unique_ptr<Encoder, EncoderDeleter> encoder;
  std::unique_ptr<Vpp, VppDeleter> vpp;
  mfxPriority priority = MFX_PRIORITY_NORMAL;

  // The session whose surfaces this one may use: the root of its join tree.
  Session* family() {
    Session* s = this;
    while (s->parent) s = s->parent;
    return s;
  }
  std::string name() const { return "session #" + std::to_string(serial); }
};

// The API lock (every entry point holds it; recursive, surfaces call back in).
class ApiLock {
 public:
  ApiLock();
  ~ApiLock();
  ApiLock(const ApiLock&) = delete;
  ApiLock& operator=(const ApiLock&) = delete;
};

// The live session behind `session`, or nullptr (a violation naming `call` is recorded).
Session* live_session(mfxSession session, const char* call);

// A sync point for work of `session`; `held` surfaces are Released (unhold) when it is
// synchronized, and `complete` (when set) runs then: its status is SyncOperation's (the encoder
// writes the bitstream there, as the data is the application's only after SyncOperation).
struct Surface;
mfxSyncPoint new_sync_point(Session* session,
                            std::vector<Surface*> held,
                            bool encode,
                            std::function<mfxStatus()> complete = nullptr);
// Set by the encoder: SyncOperation returns MFX_ERR_DEVICE_LOST for this session's encode work.
void mark_device_lost(Session* session);

// --- surfaces.cpp
// A surface the runtime owns (MFXMemory_GetSurfaceFor*, VPP output): NV12 in host memory that
// the application may touch only between Map and Unmap.
struct Surface {
  mfxFrameSurface1 frame{};
  mfxFrameSurfaceInterface iface{};
  uint64_t serial = 0;
  Session* family = nullptr;  // the root session that made it
  std::string made_by;        // the call that made it
  std::vector<uint8_t> pixels;
  mfxU32 pitch = 0;
  mfxU32 refs = 1;
  bool freed = false;
  mfxU32 map_flags = 0;   // 0: not mapped
  uint64_t checksum = 0;  // of the pixels when last left unmapped or mapped for read

  std::string name() const;
  uint8_t* y() { return pixels.data(); }
  uint8_t* uv() { return pixels.data() + static_cast<size_t>(pitch) * frame.Info.Height; }
};

// A new surface for `session`'s family with `info` (NV12; size from Width/Height).
Surface* make_surface(Session* session, const mfxFrameInfo& info, const char* made_by);
// The runtime surface behind `frame` (nullptr for an application's own surface). Records a
// violation and sets *status when it is one of the runtime's but unusable by `session` (freed,
// another family's, mapped for write).
Surface* runtime_surface(mfxFrameSurface1* frame,
                         Session* session,
                         const char* call,
                         mfxStatus* status);
// One reference fewer (the application's Release); the last one frees the pixels.
void release(Surface* s);
// The runtime's own references while it works on a surface (AddRef/Release on its behalf).
void hold(Surface* s);
void unhold(Surface* s);
// A checksum of the surface's pixels.
uint64_t checksum(const Surface& s);
// Surfaces of `family` still referenced by the application (for MFXClose's leak check).
std::vector<Surface*> live_surfaces(Session* family);
// Every surface of `family` becomes unusable (its last session closed).
void orphan_surfaces(Session* family);

// --- encode.cpp / vpp.cpp
// The encoder's frame info (nullptr when no encoder is initialised).
const mfxFrameInfo* encoder_frame_info(Session* session);
// The VPP's input or output frame info (nullptr when no VPP is initialised).
const mfxFrameInfo* vpp_frame_info(Session* session, bool output);

}  // namespace gearbox::qsv::simulation
