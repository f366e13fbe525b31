// One VA display on one DRM render node: the node's fd, vaInitialize, the driver's vendor
// string and what its H.264 encoder offers, queried once. Shared (shared_ptr) by the device,
// its surfaces and its encoders, so the display is terminated only after the last VA object
// made on it is destroyed.
#pragma once

#include <va/va.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "va_runtime.h"

namespace gearbox::vaapi {

// What the driver's H.264 High encoder offers (VAConfigAttrib*), and VPP.
struct EncodeSupport {
  bool h264_high = false;  // VAProfileH264High with EncSlice or EncSliceLP
  VAEntrypoint entrypoint = VAEntrypointEncSlice;
  uint32_t rate_control = 0;    // VA_RC_* bits
  uint32_t packed_headers = 0;  // VA_ENC_PACKED_HEADER_* the driver asks for
  int max_width = 0, max_height = 0;
  int max_ref_l0 = 1;
  bool video_proc = false;  // VAProfileNone with VAEntrypointVideoProc
};

class Display {
 public:
  // Opens `node` and initialises libva on it. Fails with a typed, explained error: the node
  // missing (kUnavailable), not permitted (kUnavailable, the `render` group), no driver for the
  // GPU (kUnavailable, naming the driver libva tried and the Debian package), a driver without
  // H.264 encode (kUnsupported).
  static Result<std::shared_ptr<Display>> open(std::shared_ptr<VaRuntime> runtime,
                                               const std::string& node);
  ~Display();
  Display(const Display&) = delete;
  Display& operator=(const Display&) = delete;

  const VaApi& va() const { return runtime_->va; }
  const VaRuntime& runtime() const { return *runtime_; }
  VADisplay display() const { return display_; }
  const std::string& node() const { return node_; }
  const std::string& vendor() const { return vendor_; }
  // The driver is gearbox's simulated one (simulation/): VA has no other way for a driver to
  // say what it is than its vendor string, which the simulation starts with this.
  bool simulated() const { return vendor_.rfind(kSimulatedVendorPrefix, 0) == 0; }
  static constexpr const char* kSimulatedVendorPrefix = "gearbox VA-API SIMULATION";
  const EncodeSupport& support() const { return support_; }
  // The node and the driver, for messages: "/dev/dri/renderD128 (Intel iHD driver ...)".
  std::string where() const;
  // What the encoder offers, as the probe and `gearbox probe` say it.
  std::string describe() const;
  Capabilities capabilities() const;
  // libva's error and info messages so far on this display (vaSetErrorCallback).
  std::string messages() const;

  // The smallest picture gearbox asks a VA encoder for: the simulation's limit; VA has no
  // attribute for it and real drivers' minimums are below it.
  static constexpr int kMinSize = 32;

 private:
  Display() = default;
  Status initialise();
  Status query();
  static void on_message(void* self, const char* message);

  std::shared_ptr<VaRuntime> runtime_;
  std::string node_;
  int fd_ = -1;
  VADisplay display_ = nullptr;
  bool initialised_ = false;
  std::string vendor_;
  EncodeSupport support_;
  mutable std::mutex messages_mutex_;
  std::vector<std::string> messages_;
};

// The render nodes to scan: /dev/dri/renderD* in numeric order.
std::vector<std::string> system_render_nodes();
// renderD* in `folder`, in numeric order.
std::vector<std::string> render_nodes_in(const std::string& folder);

}  // namespace gearbox::vaapi
