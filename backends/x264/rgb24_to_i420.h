// 24-bit packed RGB (B,G,R or R,G,B bytes) to I420 in one pass, AVX2.
//
// libyuv converts these in two steps per pair of rows: widen the row to 32-bit pixels in a
// buffer, then compute Y and U/V from the buffer. In gearbox's profile that widening step was
// the single largest cost outside x264. Here the widening happens in registers, and the
// arithmetic is libyuv's exactly (its x86 path, the one gearbox used before), so the pictures
// are identical bit for bit: backends/x264/tests/rgb24_to_i420_test.cpp compares them.
//   Y = (66 R + 129 G + 25 B + 0x1080) >> 8
//   b, g, r = each 2x2 block averaged as avg(avg(top left, bottom left), avg(top right,
//             bottom right)), avg(a, b) = (a + b + 1) >> 1
//   U = ((112 b - 74 g - 38 r) >> 8) + 128,  V = ((112 r - 94 g - 18 b) >> 8) + 128
//   (>> on a signed value rounds down)
#pragma once

#include <cstdint>

namespace gearbox {

enum class Rgb24Order { kBgr, kRgb };  // byte order in memory

// True when this CPU runs the AVX2 path; otherwise rgb24_to_i420 returns false and does nothing.
bool rgb24_to_i420_available();

// Converts an even width x even height frame. Returns false (writing nothing) when the path
// is unavailable or a size is odd; the caller then converts another way.
bool rgb24_to_i420(Rgb24Order order,
                   const uint8_t* src,
                   int src_stride,
                   uint8_t* y,
                   int y_stride,
                   uint8_t* u,
                   int u_stride,
                   uint8_t* v,
                   int v_stride,
                   int width,
                   int height);

}  // namespace gearbox
