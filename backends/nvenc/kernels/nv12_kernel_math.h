// The arithmetic of the NVENC backend's CUDA kernels, written once for both sides: the kernels
// in nv12_kernels.cu call these functions per thread, and the CPU references in
// nv12_reference.cpp call the very same functions per pixel in a loop. The simulated CUDA
// runtime runs the CPU reference when a kernel is launched, so the simulation, the unit tests
// and a real GPU all execute one definition of each conversion.
//
// Colour: BT.601 limited range with libyuv's integer coefficients (what the x264 backend's
// libyuv conversion produces): Y = 16 + (66 R + 129 G + 25 B + 128) >> 8, chroma from the
// average of each 2x2 block. Scaling: an area (box-average) filter with fractional pixel
// coverage in 8-bit fixed point, the filter that does not alias when downscaling.
//
// Every kernel takes one argument struct by value (kernelParams[0] of cuLaunchKernel): one
// layout shared by host and device, that the simulation can check field by field.
#pragma once

#include <stdint.h>

#if defined(__CUDA__)
#define GEARBOX_HOST_DEVICE __attribute__((host)) __attribute__((device))
#else
#define GEARBOX_HOST_DEVICE
#endif

namespace gearbox::nvenc_kernels {

// Names of the kernels as they appear in the PTX (.entry) and in cuModuleGetFunction.
constexpr const char* kPackedToNv12 = "gearbox_packed_to_nv12";
constexpr const char* kI420ToNv12 = "gearbox_i420_to_nv12";
constexpr const char* kScaleArea = "gearbox_scale_area";

// One thread per 2x2 block of the source: 4 luma samples and one interleaved chroma pair.
// Packed 8-bit RGB with `bytes_per_pixel` 1 (grey: R = G = B), 3 or 4 and the byte offsets of
// R, G and B inside a pixel.
struct PackedToNv12Args {
  uint64_t src;  // device pointer
  uint64_t y;    // device pointer, NV12 luma plane
  uint64_t uv;   // device pointer, NV12 interleaved chroma plane
  int32_t src_pitch, y_pitch, uv_pitch;
  int32_t width, height;  // even
  int32_t bytes_per_pixel, r_offset, g_offset, b_offset;
};

// One thread per chroma sample: U and V planes interleaved into NV12's chroma plane (the luma
// plane is copied by cuMemcpy2DAsync, no kernel needed).
struct I420ToNv12Args {
  uint64_t u, v, uv;  // device pointers
  int32_t u_pitch, v_pitch, uv_pitch;
  int32_t chroma_width, chroma_height;
};

// One thread per output sample of one plane with `channels` interleaved components (1 for
// luma, 2 for NV12 chroma). Launched once per plane.
struct ScaleAreaArgs {
  uint64_t src, dst;  // device pointers
  int32_t src_pitch, dst_pitch;
  int32_t src_width, src_height;  // in samples (chroma: half the picture)
  int32_t dst_width, dst_height;
  int32_t channels;
};

GEARBOX_HOST_DEVICE inline uint8_t rgb_to_y(int r, int g, int b) {
  return static_cast<uint8_t>(16 + ((66 * r + 129 * g + 25 * b + 128) >> 8));
}
GEARBOX_HOST_DEVICE inline uint8_t rgb_to_u(int r, int g, int b) {
  return static_cast<uint8_t>((112 * b - 74 * g - 38 * r + 0x8080) >> 8);
}
GEARBOX_HOST_DEVICE inline uint8_t rgb_to_v(int r, int g, int b) {
  return static_cast<uint8_t>((112 * r - 94 * g - 18 * b + 0x8080) >> 8);
}

// The block at (bx, by) in 2x2 blocks. Pointers are already the host or device view of the
// argument's addresses.
GEARBOX_HOST_DEVICE inline void packed_to_nv12_block(const PackedToNv12Args& a,
                                                     const uint8_t* src,
                                                     uint8_t* y,
                                                     uint8_t* uv,
                                                     int bx,
                                                     int by) {
  if (bx * 2 >= a.width || by * 2 >= a.height) return;
  int sum_r = 0, sum_g = 0, sum_b = 0;
  for (int dy = 0; dy < 2; ++dy) {
    const int row = by * 2 + dy;
    const uint8_t* s = src + static_cast<int64_t>(row) * a.src_pitch;
    uint8_t* yrow = y + static_cast<int64_t>(row) * a.y_pitch;
    for (int dx = 0; dx < 2; ++dx) {
      const int col = bx * 2 + dx;
      const uint8_t* p = s + static_cast<int64_t>(col) * a.bytes_per_pixel;
      const int r = p[a.r_offset], g = p[a.g_offset], b = p[a.b_offset];
      yrow[col] = rgb_to_y(r, g, b);
      sum_r += r;
      sum_g += g;
      sum_b += b;
    }
  }
  const int r = (sum_r + 2) >> 2, g = (sum_g + 2) >> 2, b = (sum_b + 2) >> 2;
  uint8_t* c = uv + static_cast<int64_t>(by) * a.uv_pitch + bx * 2;
  c[0] = rgb_to_u(r, g, b);
  c[1] = rgb_to_v(r, g, b);
}

GEARBOX_HOST_DEVICE inline void i420_to_nv12_sample(const I420ToNv12Args& a,
                                                    const uint8_t* u,
                                                    const uint8_t* v,
                                                    uint8_t* uv,
                                                    int x,
                                                    int y) {
  if (x >= a.chroma_width || y >= a.chroma_height) return;
  uint8_t* c = uv + static_cast<int64_t>(y) * a.uv_pitch + 2 * x;
  c[0] = u[static_cast<int64_t>(y) * a.u_pitch + x];
  c[1] = v[static_cast<int64_t>(y) * a.v_pitch + x];
}

// Source interval [first, first + count) of output sample `i` in 1/256 pixel units, and the
// weight of source sample `s` inside it.
GEARBOX_HOST_DEVICE inline int64_t area_begin(int i, int src, int dst) {
  return (static_cast<int64_t>(i) * src * 256) / dst;
}
GEARBOX_HOST_DEVICE inline int64_t area_weight(int64_t begin, int64_t end, int s) {
  const int64_t lo = begin > s * 256 ? begin : s * 256;
  const int64_t hi = end < (s + 1) * 256 ? end : (s + 1) * 256;
  return hi > lo ? hi - lo : 0;
}

GEARBOX_HOST_DEVICE inline void scale_area_sample(const ScaleAreaArgs& a,
                                                  const uint8_t* src,
                                                  uint8_t* dst,
                                                  int x,
                                                  int y) {
  if (x >= a.dst_width || y >= a.dst_height) return;
  const int64_t x0 = area_begin(x, a.src_width, a.dst_width);
  const int64_t x1 = area_begin(x + 1, a.src_width, a.dst_width);
  const int64_t y0 = area_begin(y, a.src_height, a.dst_height);
  const int64_t y1 = area_begin(y + 1, a.src_height, a.dst_height);
  const int sx_end = static_cast<int>((x1 + 255) >> 8), sy_end = static_cast<int>((y1 + 255) >> 8);
  for (int c = 0; c < a.channels; ++c) {
    uint64_t sum = 0, total = 0;
    for (int sy = static_cast<int>(y0 >> 8); sy < sy_end && sy < a.src_height; ++sy) {
      const int64_t wy = area_weight(y0, y1, sy);
      const uint8_t* row = src + static_cast<int64_t>(sy) * a.src_pitch;
      for (int sx = static_cast<int>(x0 >> 8); sx < sx_end && sx < a.src_width; ++sx) {
        const uint64_t w = static_cast<uint64_t>(wy * area_weight(x0, x1, sx));
        sum += w * row[sx * a.channels + c];
        total += w;
      }
    }
    dst[static_cast<int64_t>(y) * a.dst_pitch + x * a.channels + c] =
        static_cast<uint8_t>(total ? (sum + total / 2) / total : 0);
  }
}

}  // namespace gearbox::nvenc_kernels
