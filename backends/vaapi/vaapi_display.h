// One VA display on one DRM render node: the node's fd, vaInitialize, the driver's vendor
// string and what its H.264 encoder offers, queried once. Shared (shared_ptr) by the device,
// its surfaces and its encoders, so the display is terminated only after the last VA object
// made on it is destroyed.
#pragma once

#include <va/va.h>

#include <memory>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "va_drm_display.h"
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
  // Opens `node` and initialises libva on it (DrmDisplay::open, device/va_drm_display.h: the
  // node missing or not permitted, no driver for the GPU, each kUnavailable and explained), then
  // asks what its H.264 encoder offers: a driver without H.264 encode is kUnsupported.
  static Result<std::shared_ptr<Display>> open(std::shared_ptr<VaRuntime> runtime,
                                               const std::string& node);
  Display(const Display&) = delete;
  Display& operator=(const Display&) = delete;

  const VaApi& va() const { return drm_->va(); }
  const VaRuntime& runtime() const { return drm_->runtime(); }
  VADisplay display() const { return drm_->display(); }
  const std::string& node() const { return drm_->node(); }
  const std::string& vendor() const { return drm_->vendor(); }
  bool simulated() const { return drm_->simulated(); }
  static constexpr const char* kSimulatedVendorPrefix = DrmDisplay::kSimulatedVendorPrefix;
  const EncodeSupport& support() const { return support_; }
  // The node and the driver, for messages: "/dev/dri/renderD128 (Intel iHD driver ...)".
  std::string where() const { return drm_->where(); }
  // What the encoder offers, as the probe and `gearbox probe` say it.
  std::string describe() const;
  Capabilities capabilities() const;
  // libva's error and info messages so far on this display (vaSetErrorCallback).
  std::string messages() const { return drm_->messages(); }

  // The smallest picture gearbox asks a VA encoder for: the simulation's limit; VA has no
  // attribute for it and real drivers' minimums are below it.
  static constexpr int kMinSize = 32;

 private:
  Display() = default;
  Status query();

  std::shared_ptr<DrmDisplay> drm_;
  EncodeSupport support_;
};

}  // namespace gearbox::vaapi
