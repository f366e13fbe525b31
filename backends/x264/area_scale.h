// The area (box-average) filter for the ratio a ladder uses most, 3:2 (1080p to 720p), in
// integer SIMD arithmetic: the picture libswscale's SWS_AREA makes with SWS_ACCURATE_RND, bit
// for bit, and within 1 level of its default rounding (which truncates in its vertical pass),
// for a fraction of its instructions (callgrind figures in README.md, "Performance").
//
// At exactly 3:2 every 3x3 block of source samples makes a 2x2 block of output samples, each
// the area-weighted mean of the source samples it covers: weights 2/3 and 1/3 per axis, so
// out = round((4 a + 2 b + 2 c + d) / 9) with `a` the sample the output sits on, `b` and `c`
// its neighbours along each axis and `d` the diagonal one. libswscale derives the same weights
// for SWS_AREA at this ratio. backends/x264/tests/area_scale_test.cpp compares the two.
#pragma once

#include <cstdint>

namespace gearbox {

// True when an `in` plane scaled to `out` is an exact 3:2 reduction in both dimensions.
bool is_exact_3to2(int in_width, int in_height, int out_width, int out_height);

// Scales one 8-bit plane by 3:2 (`out_width` x `out_height` samples, both even, made from
// 3/2 as many). SSSE3 when the CPU has it, otherwise the same arithmetic sample by sample.
void area_scale_3to2(const uint8_t* src,
                     int src_stride,
                     uint8_t* dst,
                     int dst_stride,
                     int out_width,
                     int out_height);

// The sample-by-sample version, always: what the SSSE3 path must reproduce exactly.
void area_scale_3to2_reference(const uint8_t* src,
                               int src_stride,
                               uint8_t* dst,
                               int dst_stride,
                               int out_width,
                               int out_height);

}  // namespace gearbox
