#include "nv12_reference.h"

namespace gearbox::nvenc_kernels {

WorkSize work_size(const PackedToNv12Args& a) {
  return {a.width / 2, a.height / 2};
}
WorkSize work_size(const I420ToNv12Args& a) {
  return {a.chroma_width, a.chroma_height};
}
WorkSize work_size(const ScaleAreaArgs& a) {
  return {a.dst_width, a.dst_height};
}

LaunchShape launch_shape(WorkSize work) {
  const unsigned bx = 32, by = 8;
  return {(static_cast<unsigned>(work.width) + bx - 1) / bx,
          (static_cast<unsigned>(work.height) + by - 1) / by, bx, by};
}

void packed_to_nv12_reference(const PackedToNv12Args& a,
                              const uint8_t* src,
                              uint8_t* y,
                              uint8_t* uv) {
  const WorkSize w = work_size(a);
  for (int by = 0; by < w.height; ++by) {
    for (int bx = 0; bx < w.width; ++bx) packed_to_nv12_block(a, src, y, uv, bx, by);
  }
}

void i420_to_nv12_reference(const I420ToNv12Args& a,
                            const uint8_t* u,
                            const uint8_t* v,
                            uint8_t* uv) {
  for (int y = 0; y < a.chroma_height; ++y) {
    for (int x = 0; x < a.chroma_width; ++x) i420_to_nv12_sample(a, u, v, uv, x, y);
  }
}

void scale_area_reference(const ScaleAreaArgs& a, const uint8_t* src, uint8_t* dst) {
  for (int y = 0; y < a.dst_height; ++y) {
    for (int x = 0; x < a.dst_width; ++x) scale_area_sample(a, src, dst, x, y);
  }
}

size_t span_bytes(int pitch, int row_bytes, int rows) {
  if (rows <= 0 || row_bytes <= 0) return 0;
  return static_cast<size_t>(pitch) * static_cast<size_t>(rows - 1) +
         static_cast<size_t>(row_bytes);
}

}  // namespace gearbox::nvenc_kernels
