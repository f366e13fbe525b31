#include "gearbox/cpu_surface.h"

namespace gearbox {
namespace {
int align64(int v) {
  return (v + 63) & ~63;
}
}  // namespace

CpuSurface::CpuSurface(int width, int height) : Surface(width, height, SurfaceFormat::kI420) {
  int cw = (width + 1) / 2, ch = (height + 1) / 2;
  strides_[0] = align64(width);
  strides_[1] = strides_[2] = align64(cw);
  size_t y = static_cast<size_t>(strides_[0]) * height;
  size_t c = static_cast<size_t>(strides_[1]) * ch;
  storage_.resize(y + 2 * c + 64);
  // Start each plane on a 64-byte boundary.
  uintptr_t base = reinterpret_cast<uintptr_t>(storage_.data());
  uint8_t* p = storage_.data() + ((64 - (base & 63)) & 63);
  planes_[0] = p;
  planes_[1] = p + y;
  planes_[2] = p + y + c;
}

}  // namespace gearbox
