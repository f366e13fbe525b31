#include "x264_backend.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

extern "C" {
#include <x264.h>
}

#include "banded_ladder.h"
#include "cpu_convert.h"
#include "gearbox/config.h"
#include "gearbox/cpu_surface.h"
#include "gearbox/surface_pool.h"
#include "x264_encoder.h"
#include "x264_options.h"

namespace gearbox {
namespace {

using CpuPool = SurfacePool<CpuSurface>;

// What gearbox drives libx264 to do. libx264 pads any picture to whole macroblocks itself, so
// the smallest 4:2:0 picture (2x2) encodes; the largest is what config validation lets through.
Capabilities x264_capabilities() {
  Capabilities c;
  c.codecs = {Codec::kH264};
  c.min_size = {2, 2};
  c.max_size = {kMaxFrameSide, kMaxFrameSide};
  c.size_alignment = 2;  // I420
  c.rate_control = {RateControl::kAbrVbv};
  c.max_bframes = 16;
  c.lookahead = true;
  c.ten_bit = false;  // Debian's libx264 is built for 8-bit here; gearbox feeds 8-bit
  c.max_sessions = 0;
  return c;
}

class X264Device final : public Device {
 public:
  explicit X264Device(const DeviceOptions& options)
      : options_(options),
        source_pool_(make_pool(options.width, options.height)),
        banded_(plan_banded_ladder(options.width, options.height, options.every_frame_scales)) {}

  Result<SurfaceRef> upload(const FrameView& frame) override {
    std::shared_ptr<CpuSurface> surface = acquire(*source_pool_);
    if (!surface) return stalled("upload");
    if (banded_.band_rows == 0 || frame.width != options_.width ||
        frame.height != options_.height) {
      GEARBOX_RETURN_IF_ERROR(convert_to_i420(frame, *surface));
      return SurfaceRef(std::move(surface));
    }
    auto uploaded = std::make_shared<Uploaded>();
    uploaded->surface = std::move(surface);
    std::vector<CpuSurface*> outputs;
    for (const BandedStep& step : banded_.steps) {
      std::shared_ptr<CpuSurface> made = acquire(*pool_for(step.width, step.height));
      if (!made) return stalled("scale");
      const Surface* input =
          step.from < 0 ? uploaded->surface.get() : outputs[static_cast<size_t>(step.from)];
      outputs.push_back(made.get());
      uploaded->premade.push_back({input, std::move(made)});
    }
    GEARBOX_RETURN_IF_ERROR(convert_and_scale_banded(frame, banded_, *uploaded->surface, outputs));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      uploads_.erase(std::remove_if(uploads_.begin(), uploads_.end(),
                                    [](const auto& u) { return u.expired(); }),
                     uploads_.end());
      uploads_.push_back(uploaded);
    }
    // The engine holds the converted picture; the premade ones live exactly as long.
    const Surface* picture = uploaded->surface.get();
    return SurfaceRef(std::move(uploaded), picture);
  }

  Result<SurfaceRef> scale(const Surface& source, int width, int height) override {
    if (SurfaceRef premade = take_premade(source, width, height)) return premade;
    std::shared_ptr<CpuSurface> surface = acquire(*pool_for(width, height));
    if (!surface) return stalled("scale");
    GEARBOX_RETURN_IF_ERROR(scaler_.scale(static_cast<const CpuSurface&>(source), *surface));
    return SurfaceRef(std::move(surface));
  }

  Result<std::unique_ptr<Encoder>> open_encoder(const EncoderConfig& config) override {
    return open_x264_encoder(config);
  }

  Capabilities capabilities() const override { return x264_capabilities(); }

 private:
  std::unique_ptr<CpuPool> make_pool(int w, int h) const {
    return std::make_unique<CpuPool>(static_cast<size_t>(options_.pool_size),
                                     [w, h] { return std::make_unique<CpuSurface>(w, h); });
  }

  CpuPool* pool_for(int w, int h) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& entry : scaled_pools_) {
      if (entry.width == w && entry.height == h) return entry.pool.get();
    }
    scaled_pools_.push_back({w, h, make_pool(w, h)});
    return scaled_pools_.back().pool.get();
  }

  // A picture upload() made from `source` in its pass, if it made one of this size.
  SurfaceRef take_premade(const Surface& source, int width, int height) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::weak_ptr<Uploaded>& weak : uploads_) {
      std::shared_ptr<Uploaded> u = weak.lock();
      if (!u) continue;
      for (auto it = u->premade.begin(); it != u->premade.end(); ++it) {
        if (it->input == &source && it->picture->width() == width &&
            it->picture->height() == height) {
          SurfaceRef picture = std::move(it->picture);
          u->premade.erase(it);
          return picture;
        }
      }
    }
    return nullptr;
  }

  // A surface from `pool`. A surface back from the pool holds a new picture: what was premade
  // from its old contents and never asked for must not be handed out for the new one.
  std::shared_ptr<CpuSurface> acquire(CpuPool& pool) {
    std::shared_ptr<CpuSurface> surface = pool.acquire();
    if (!surface) return surface;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::weak_ptr<Uploaded>& weak : uploads_) {
      if (std::shared_ptr<Uploaded> u = weak.lock()) {
        auto& list = u->premade;
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&](const Premade& p) { return p.input == surface.get(); }),
                   list.end());
      }
    }
    return surface;
  }

  static Error stalled(const char* where) {
    return make_error(ErrorCode::kInternal, std::string("x264 device: no free surface for ") +
                                                where + " within 60 s; the pipeline is stalled");
  }

  struct SizedPool {
    int width, height;
    std::unique_ptr<CpuPool> pool;
  };
  // A picture upload() made for a scale() of `input` that has not been asked for yet.
  struct Premade {
    const Surface* input;
    std::shared_ptr<CpuSurface> picture;
  };
  // An uploaded picture with what its pass made: the engine's references to the picture keep
  // the premade ones too, so one never asked for goes back to its pool with the frame.
  struct Uploaded {
    std::shared_ptr<CpuSurface> surface;
    std::vector<Premade> premade;
  };
  DeviceOptions options_;
  std::unique_ptr<CpuPool> source_pool_;
  const BandedPlan banded_;
  std::mutex mutex_;
  std::vector<SizedPool> scaled_pools_;
  std::vector<std::weak_ptr<Uploaded>> uploads_;  // those the engine still holds
  I420Scaler scaler_;
};

class X264Backend final : public Backend {
 public:
  std::string name() const override { return kX264BackendName; }
  std::vector<OptionSpec> options() const override { return x264_option_specs(); }

  // The shared probe through this backend's own device: conversion and encoder both.
  BackendInfo probe() override {
    ProbeSteps steps;
    steps.backend = "x264";
    steps.time_limit = std::chrono::seconds(10);
    steps.open_device = [](const DeviceOptions& options) -> Result<std::unique_ptr<Device>> {
      return std::unique_ptr<Device>(new X264Device(options));
    };
    steps.describe = [](const Device&) {
      return "libx264 build " + std::to_string(X264_BUILD) + ": encoded a " +
             std::to_string(kProbeWidth) + "x" + std::to_string(kProbeHeight) +
             " IDR from a BGR frame";
    };
    return probe_backend(std::move(steps));
  }

  Result<std::unique_ptr<Device>> open(const DeviceOptions& options) override {
    return std::unique_ptr<Device>(new X264Device(options));
  }
};

}  // namespace

std::unique_ptr<Backend> make_x264_backend() {
  return std::make_unique<X264Backend>();
}

}  // namespace gearbox
