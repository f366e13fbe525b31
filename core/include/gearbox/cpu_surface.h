// A surface in host memory: the x264 backend's device memory, and the reference layout the
// hardware backends' CPU reference implementations work on.
#pragma once

#include <cstdint>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/export.h"

namespace gearbox {

class GEARBOX_EXPORT CpuSurface : public Surface {
 public:
  // I420 with rows padded to 64 bytes (SIMD-friendly for libyuv and x264).
  CpuSurface(int width, int height);

  uint8_t* plane(int i) { return planes_[i]; }
  const uint8_t* plane(int i) const { return planes_[i]; }
  int stride(int i) const { return strides_[i]; }

 private:
  std::vector<uint8_t> storage_;
  uint8_t* planes_[3];
  int strides_[3];
};

}  // namespace gearbox
