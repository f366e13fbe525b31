// CPU reference implementations of the NVENC backend's CUDA kernels: the same per-thread
// arithmetic (nv12_kernel_math.h) run over every thread index on the host. The simulated CUDA
// runtime runs these when the backend launches a kernel; the unit tests compare them with
// libswscale, and on a real GPU with the kernels' own output.
#pragma once

#include <cstdint>
#include <string>

#include "nv12_kernel_math.h"

namespace gearbox::nvenc_kernels {

// Threads each kernel needs: one per 2x2 block, per chroma sample or per output sample.
struct WorkSize {
  int width = 0, height = 0;
};
WorkSize work_size(const PackedToNv12Args& a);
WorkSize work_size(const I420ToNv12Args& a);
WorkSize work_size(const ScaleAreaArgs& a);

// The launch shape the backend uses for a work size: 32x8 blocks covering it.
struct LaunchShape {
  unsigned grid_x, grid_y, block_x, block_y;
};
LaunchShape launch_shape(WorkSize work);

// Host pointers stand for the argument's device addresses.
void packed_to_nv12_reference(const PackedToNv12Args& a,
                              const uint8_t* src,
                              uint8_t* y,
                              uint8_t* uv);
void i420_to_nv12_reference(const I420ToNv12Args& a,
                            const uint8_t* u,
                            const uint8_t* v,
                            uint8_t* uv);
void scale_area_reference(const ScaleAreaArgs& a, const uint8_t* src, uint8_t* dst);

// Bytes each pointer of an argument struct reaches (pitch * (rows - 1) + row bytes), so that
// a caller (the simulation) can check every access stays inside its allocation.
size_t span_bytes(int pitch, int row_bytes, int rows);

}  // namespace gearbox::nvenc_kernels
