// The CPU backend: libx264 called directly (not through libavcodec), libyuv for colour
// conversion and scaling. Its "device memory" is host memory (CpuSurface).
#pragma once

#include <memory>

#include "gearbox/backend.h"

namespace gearbox {

std::unique_ptr<Backend> make_x264_backend();

}  // namespace gearbox
