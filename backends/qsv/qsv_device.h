// The Quick Sync backend's device: one oneVPL implementation on one VA display
// (qsv_platform.h). Surfaces are the runtime's own video-memory surfaces
// (MFXMemory_GetSurfaceForVPP / ForVPPOut), reference-counted through mfxFrameSurfaceInterface;
// the upload maps one and writes the one CPU colour conversion into it (the shared
// device/vaapi_convert.h), and scale() runs VPP once per distinct rendition size, each size its
// own session joined to the device's parent session.
#pragma once

#include <vpl/mfx.h>

#include <memory>
#include <mutex>
#include <vector>

#include "gearbox/backend.h"
#include "qsv_platform.h"

namespace gearbox::qsv {

// A runtime surface; its reference is released when the engine drops the last SurfaceRef.
class QsvSurface final : public Surface {
 public:
  QsvSurface(const Platform* owner, mfxFrameSurface1* surface)
      : Surface(surface->Info.CropW, surface->Info.CropH, SurfaceFormat::kNV12),
        owner_(owner),
        surface_(surface) {}
  ~QsvSurface() override;
  mfxFrameSurface1* surface() const { return surface_; }
  const Platform* owner() const { return owner_; }

 private:
  const Platform* owner_;
  mfxFrameSurface1* surface_;
};

// One VPP (one session) from one size to another. The parent session's VPP, from the source
// size, also hands out the upload surfaces.
struct Vpp {
  Size in, out;
  mfxSession session = nullptr;
  bool child = false;  // a joined session of its own (else the parent)
  std::mutex mutex;    // calls on the session: upload's GetSurfaceForVPP, scale's run and sync
};

// A frame's NV12 frame info for a picture size (oneVPL's video memory: sides a multiple of 16,
// the crop the picture).
mfxFrameInfo frame_info(int width, int height, mfxU32 rate_n = 30, mfxU32 rate_d = 1);

class QsvDevice final : public Device {
 public:
  static Result<std::unique_ptr<QsvDevice>> open(const DeviceOptions& options,
                                                 std::shared_ptr<Platform> platform);
  ~QsvDevice() override;

  Result<SurfaceRef> upload(const FrameView& frame) override;
  Result<SurfaceRef> scale(const Surface& source, int width, int height) override;
  Result<std::unique_ptr<Encoder>> open_encoder(const EncoderConfig& config) override;
  Capabilities capabilities() const override { return platform_->capabilities(); }
  bool simulated() const override { return platform_->simulated(); }
  const Platform& platform() const { return *platform_; }
  // The VPPs that scale (one per distinct pair of sizes), made so far; for the tests.
  int vpp_count() const;

 private:
  QsvDevice(const DeviceOptions& options, std::shared_ptr<Platform> platform)
      : options_(options), platform_(std::move(platform)) {}
  Result<Vpp*> vpp_for(Size in, Size out);
  Status init_vpp(Vpp& vpp);

  DeviceOptions options_;
  std::shared_ptr<Platform> platform_;
  std::vector<uint8_t> scratch_;  // the conversion's: upload() runs on the push thread only
  mutable std::mutex vpps_mutex_;
  std::vector<std::unique_ptr<Vpp>> vpps_;
  Vpp* upload_vpp_ = nullptr;
};

}  // namespace gearbox::qsv
