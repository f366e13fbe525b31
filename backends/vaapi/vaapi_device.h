// The VA-API backend's device: one display (vaapi_display.h), pools of NV12 VA surfaces, one per
// picture size, the upload (one CPU colour conversion per frame straight into the surface's
// mapped image) and the scaling (VPP, VAEntrypointVideoProc, once per distinct rendition size).
#pragma once

#include <va/va.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/surface_pool.h"
#include "vaapi_display.h"

namespace gearbox::vaapi {

// An NV12 VA surface; destroyed with its display still alive.
class VaSurface final : public Surface {
 public:
  VaSurface(std::shared_ptr<Display> display, int width, int height, VASurfaceID id);
  ~VaSurface() override;
  VASurfaceID id() const { return id_; }
  const Display* owner() const { return display_.get(); }

 private:
  std::shared_ptr<Display> display_;
  VASurfaceID id_;
};

// Creates `count` NV12 surfaces of a size (VASurfaceAttribPixelFormat = NV12).
Status create_nv12_surfaces(const Display& display,
                            int width,
                            int height,
                            VASurfaceID* ids,
                            unsigned count);

// Writes mid-grey (Y = U = V = 128) into an NV12 surface through vaCreateImage + vaPutImage (which
// every driver takes, unlike vaDeriveImage).
Status fill_nv12_grey(const Display& display, VASurfaceID id, int width, int height);

// Counts the encode contexts open on a device, for the out-of-contexts message.
struct SessionCount {
  std::atomic<int> open{0};
  int needed = 1;  // DeviceOptions::encoder_sessions
};

class VaapiDevice final : public Device {
 public:
  static Result<std::unique_ptr<VaapiDevice>> open(const DeviceOptions& options,
                                                   std::shared_ptr<Display> display);
  ~VaapiDevice() override;

  Result<SurfaceRef> upload(const FrameView& frame) override;
  Result<SurfaceRef> scale(const Surface& source, int width, int height) override;
  Result<std::unique_ptr<Encoder>> open_encoder(const EncoderConfig& config) override;
  Capabilities capabilities() const override { return display_->capabilities(); }
  bool simulated() const override { return display_->simulated(); }
  const Display& display() const { return *display_; }
  // Whether uploads go through vaCreateImage + vaPutImage (the driver refused vaDeriveImage).
  bool uploads_through_put_image() const { return put_image_.load(); }

 private:
  using Pool = SurfacePool<VaSurface>;
  VaapiDevice(const DeviceOptions& options, std::shared_ptr<Display> display)
      : options_(options), display_(std::move(display)) {}
  Pool* pool_for(int width, int height);
  Status write_derived(const FrameView& frame, const VaSurface& surface, bool& refused);
  Status write_put(const FrameView& frame, const VaSurface& surface);
  Status write_image(const FrameView& frame, const VAImage& image);
  Status open_video_proc();

  struct SizedPool {
    int width, height;
    std::unique_ptr<Pool> pool;
  };
  DeviceOptions options_;
  std::shared_ptr<Display> display_;
  std::mutex upload_mutex_;  // one scratch buffer, one put image
  std::vector<uint8_t> scratch_;
  std::atomic<bool> put_image_{false};
  VAImage put_image_object_{};
  bool put_image_created_ = false;
  std::mutex scale_mutex_;
  VAConfigID vpp_config_ = VA_INVALID_ID;
  VAContextID vpp_context_ = VA_INVALID_ID;
  std::mutex pools_mutex_;
  std::vector<SizedPool> pools_;
  std::shared_ptr<SessionCount> sessions_ = std::make_shared<SessionCount>();
};

}  // namespace gearbox::vaapi
