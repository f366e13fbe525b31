// Colour conversion and scaling on the CPU, each with what measured fastest in
// bench/convert_scale_bench.cpp on this project's 2-core machines: libyuv converts RGB to I420
// about 6x faster than libswscale (1080p BGR24: 1.0 ms against 6.0 ms). Scaling is an area
// filter throughout: gearbox's own SIMD code for 3:2 (1080p to 720p, area_scale.h), libyuv's
// box filter for exact halvings, libswscale's SWS_AREA for every other ratio (Debian's libyuv
// has no SIMD path for those). Both conversions produce BT.601 limited range, which the x264
// encoder signals in its VUI.
#pragma once

#include <mutex>
#include <vector>

#include "gearbox/cpu_surface.h"
#include "gearbox/frame.h"

struct SwsContext;

namespace gearbox {

// Converts any supported input frame to I420 at the same size.
Status convert_to_i420(const FrameView& frame, CpuSurface& out);
// The same into I420 planes of the frame's size (banded_ladder.h converts a band of rows so).
Status convert_to_i420(const FrameView& frame, uint8_t* const planes[3], const int strides[3]);

// Scales I420 surfaces with an area (box-average) filter: the one that does not alias when
// downscaling. 3:2 goes through area_scale.h (the same picture as libswscale's, in a fraction
// of the instructions); an exact halving through libyuv's 2x box path (720p to 360p: 0.02 ms
// against 0.26 ms in libswscale); any other ratio through libswscale, which keeps one context
// per size pair. Safe to call from several threads.
class I420Scaler {
 public:
  I420Scaler() = default;
  ~I420Scaler();
  I420Scaler(const I420Scaler&) = delete;
  I420Scaler& operator=(const I420Scaler&) = delete;

  Status scale(const CpuSurface& in, CpuSurface& out);

 private:
  struct Entry {
    int in_w, in_h, out_w, out_h;
    SwsContext* context;
  };
  std::mutex mutex_;
  std::vector<Entry> contexts_;
};

}  // namespace gearbox
