// The one colour conversion of a frame, on the CPU, written straight into a mapped NV12 VA image
// (libyuv). The result is BT.601 limited range, as the x264 backend's, which the SPS's VUI says.
// RGB with 4 bytes a pixel goes to NV12 in one libyuv pass; 3-byte RGB writes luma into the
// image and chroma through two half-size scratch planes interleaved into the image (this libyuv
// has no 24-bit RGB to NV12); NV12 and I420 are copied (and interleaved).
#pragma once

#include <cstdint>
#include <vector>

#include "gearbox/frame.h"

namespace gearbox::vaapi {

struct Nv12Target {
  uint8_t* y = nullptr;
  int y_pitch = 0;
  uint8_t* uv = nullptr;
  int uv_pitch = 0;
};

// Converts `frame` (any PixelFormat) into `out`, of the frame's size. `scratch` is reused
// between calls. Fails only for a libyuv error, naming the format.
Status convert_to_nv12(const FrameView& frame,
                       const Nv12Target& out,
                       std::vector<uint8_t>& scratch);

}  // namespace gearbox::vaapi
