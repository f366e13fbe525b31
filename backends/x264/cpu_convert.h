// Colour conversion and scaling on the CPU with libyuv (BT.601 limited range, what the x264
// encoder is told to signal in its VUI). Chosen over libswscale by measurement: see
// bench/convert_scale_bench.cpp and the README's performance notes.
#pragma once

#include "gearbox/cpu_surface.h"
#include "gearbox/frame.h"

namespace gearbox {

// Converts any supported input frame to I420 at the same size.
Status convert_to_i420(const FrameView& frame, CpuSurface& out);
// Scales an I420 surface to the size of `out` (box filter: the best quality for downscaling).
Status scale_i420(const CpuSurface& in, CpuSurface& out);

}  // namespace gearbox
