#include "rgb24_to_i420.h"

#include <cstddef>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <stddef.h>  // ptrdiff_t unqualified: clang's headers do not bring it in
#define GEARBOX_RGB24_AVX2 1
#endif

namespace gearbox {
namespace {

// The formulas of rgb24_to_i420.h, one sample at a time: the columns the SIMD loop leaves.
inline uint8_t luma(int r, int g, int b) {
  return static_cast<uint8_t>((66 * r + 129 * g + 25 * b + 0x1080) >> 8);
}
inline int avg(int a, int b) {
  return (a + b + 1) >> 1;
}

void pair_of_rows_scalar(int ri,
                         int bi,
                         const uint8_t* row0,
                         const uint8_t* row1,
                         uint8_t* y0,
                         uint8_t* y1,
                         uint8_t* u,
                         uint8_t* v,
                         int from,
                         int width) {
  for (int x = from; x < width; x += 2) {
    const uint8_t* p00 = row0 + 3 * x;
    const uint8_t* p01 = p00 + 3;
    const uint8_t* p10 = row1 + 3 * x;
    const uint8_t* p11 = p10 + 3;
    y0[x] = luma(p00[ri], p00[1], p00[bi]);
    y0[x + 1] = luma(p01[ri], p01[1], p01[bi]);
    y1[x] = luma(p10[ri], p10[1], p10[bi]);
    y1[x + 1] = luma(p11[ri], p11[1], p11[bi]);
    auto block = [&](int c) { return avg(avg(p00[c], p10[c]), avg(p01[c], p11[c])); };
    const int r = block(ri), g = block(1), b = block(bi);
    // An arithmetic shift, as libyuv's psraw: rounds down for negative sums too.
    u[x / 2] = static_cast<uint8_t>(((112 * b - 74 * g - 38 * r) >> 8) + 128);
    v[x / 2] = static_cast<uint8_t>(((112 * r - 94 * g - 18 * b) >> 8) + 128);
  }
}

#ifdef GEARBOX_RGB24_AVX2
// 8 pixels (24 bytes at p) widened to B,G,R,0 words: pixels 0-3 in the low lane from p[0..15],
// pixels 4-7 in the high lane from p[8..23] (so nothing past the 24 bytes is read).
[[gnu::target("avx2")]] inline __m256i widen8(const uint8_t* p, __m256i shuffle) {
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8));
  return _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1), shuffle);
}

// 32 luma samples from 32 widened pixels, libyuv's ARGBToYRow_AVX2 step by step: bias the
// bytes to signed, multiply-add with the unsigned weights, add 0x1080 plus the bias back.
[[gnu::target("avx2")]] inline void luma32(__m256i p0,
                                           __m256i p1,
                                           __m256i p2,
                                           __m256i p3,
                                           uint8_t* dst) {
  const __m256i weights =
      _mm256_setr_epi8(25, static_cast<char>(129), 66, 0, 25, static_cast<char>(129), 66, 0, 25,
                       static_cast<char>(129), 66, 0, 25, static_cast<char>(129), 66, 0, 25,
                       static_cast<char>(129), 66, 0, 25, static_cast<char>(129), 66, 0, 25,
                       static_cast<char>(129), 66, 0, 25, static_cast<char>(129), 66, 0);
  const __m256i bias = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i m0 = _mm256_maddubs_epi16(weights, _mm256_sub_epi8(p0, bias));
  const __m256i m1 = _mm256_maddubs_epi16(weights, _mm256_sub_epi8(p1, bias));
  const __m256i m2 = _mm256_maddubs_epi16(weights, _mm256_sub_epi8(p2, bias));
  const __m256i m3 = _mm256_maddubs_epi16(weights, _mm256_sub_epi8(p3, bias));
  const __m256i add = _mm256_set1_epi16(0x7e80);
  const __m256i a = _mm256_srli_epi16(_mm256_add_epi16(_mm256_hadd_epi16(m0, m1), add), 8);
  const __m256i b = _mm256_srli_epi16(_mm256_add_epi16(_mm256_hadd_epi16(m2, m3), add), 8);
  const __m256i packed = _mm256_packus_epi16(a, b);
  _mm256_storeu_si256(
      reinterpret_cast<__m256i*>(dst),
      _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

// Averages of neighbouring pixels: even pixels of a and b against odd ones, in the lane order
// libyuv's shufps leaves (blocks 0,1,4,5 of a and b in the low lane, 2,3,6,7 in the high one).
[[gnu::target("avx2")]] inline __m256i pairs(__m256i a, __m256i b) {
  const __m256 fa = _mm256_castsi256_ps(a), fb = _mm256_castsi256_ps(b);
  return _mm256_avg_epu8(_mm256_castps_si256(_mm256_shuffle_ps(fa, fb, 0x88)),
                         _mm256_castps_si256(_mm256_shuffle_ps(fa, fb, 0xdd)));
}

// 16 U and 16 V samples from 32 widened pixels of two rows, libyuv's ARGBToUVRow_AVX2 step by
// step: average the rows (the caller), then neighbouring pixels, then weigh.
// The arguments are the rows already averaged (top with bottom, byte by byte).
[[gnu::target("avx2")]] inline void chroma16(__m256i r0,
                                             __m256i r1,
                                             __m256i r2,
                                             __m256i r3,
                                             uint8_t* u,
                                             uint8_t* v) {
  const __m256i c01 = pairs(r0, r1), c23 = pairs(r2, r3);
  const __m256i to_u =
      _mm256_setr_epi8(112, -74, -38, 0, 112, -74, -38, 0, 112, -74, -38, 0, 112, -74, -38, 0, 112,
                       -74, -38, 0, 112, -74, -38, 0, 112, -74, -38, 0, 112, -74, -38, 0);
  const __m256i to_v =
      _mm256_setr_epi8(-18, -94, 112, 0, -18, -94, 112, 0, -18, -94, 112, 0, -18, -94, 112, 0, -18,
                       -94, 112, 0, -18, -94, 112, 0, -18, -94, 112, 0, -18, -94, 112, 0);
  const __m256i us = _mm256_srai_epi16(
      _mm256_hadd_epi16(_mm256_maddubs_epi16(c01, to_u), _mm256_maddubs_epi16(c23, to_u)), 8);
  const __m256i vs = _mm256_srai_epi16(
      _mm256_hadd_epi16(_mm256_maddubs_epi16(c01, to_v), _mm256_maddubs_epi16(c23, to_v)), 8);
  // Lane order after the pack: U of blocks 0,1,4,5,8,9,12,13 | V of the same | U 2,3,6,7,...
  __m256i uv = _mm256_permute4x64_epi64(_mm256_packs_epi16(us, vs), 0xd8);
  uv = _mm256_shuffle_epi8(
      uv, _mm256_setr_epi8(0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15, 0, 1, 8, 9, 2, 3,
                           10, 11, 4, 5, 12, 13, 6, 7, 14, 15));
  uv = _mm256_add_epi8(uv, _mm256_set1_epi8(static_cast<char>(0x80)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(u), _mm256_castsi256_si128(uv));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(v), _mm256_extracti128_si256(uv, 1));
}

[[gnu::target("avx2")]] void convert_avx2(Rgb24Order order,
                                          const uint8_t* src,
                                          int src_stride,
                                          uint8_t* y,
                                          int y_stride,
                                          uint8_t* u,
                                          int u_stride,
                                          uint8_t* v,
                                          int v_stride,
                                          int width,
                                          int height) {
  // Byte indices of B, G, R (then a zeroed 4th byte) for the pixels of each lane; the high
  // lane's 16 bytes start 4 bytes before its first pixel (see widen8).
  const __m256i shuffle =
      order == Rgb24Order::kBgr
          ? _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1, 4, 5, 6, -1, 7,
                             8, 9, -1, 10, 11, 12, -1, 13, 14, 15, -1)
          : _mm256_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1, 6, 5, 4, -1, 9,
                             8, 7, -1, 12, 11, 10, -1, 15, 14, 13, -1);
  const int ri = order == Rgb24Order::kBgr ? 2 : 0, bi = 2 - ri;
  const int simd_width = width / 32 * 32;
  for (int row = 0; row < height; row += 2) {
    const uint8_t* r0 = src + static_cast<ptrdiff_t>(row) * src_stride;
    const uint8_t* r1 = r0 + src_stride;
    uint8_t* y0 = y + static_cast<ptrdiff_t>(row) * y_stride;
    uint8_t* y1 = y0 + y_stride;
    uint8_t* ur = u + static_cast<ptrdiff_t>(row / 2) * u_stride;
    uint8_t* vr = v + static_cast<ptrdiff_t>(row / 2) * v_stride;
    for (int x = 0; x < simd_width; x += 32) {
      // Written out rather than looped over arrays: compilers at -O2 keep them in memory.
      const uint8_t* t = r0 + 3 * x;
      const uint8_t* b = r1 + 3 * x;
      const __m256i t0 = widen8(t, shuffle), t1 = widen8(t + 24, shuffle),
                    t2 = widen8(t + 48, shuffle), t3 = widen8(t + 72, shuffle);
      const __m256i b0 = widen8(b, shuffle), b1 = widen8(b + 24, shuffle),
                    b2 = widen8(b + 48, shuffle), b3 = widen8(b + 72, shuffle);
      luma32(t0, t1, t2, t3, y0 + x);
      luma32(b0, b1, b2, b3, y1 + x);
      chroma16(_mm256_avg_epu8(t0, b0), _mm256_avg_epu8(t1, b1), _mm256_avg_epu8(t2, b2),
               _mm256_avg_epu8(t3, b3), ur + x / 2, vr + x / 2);
    }
    pair_of_rows_scalar(ri, bi, r0, r1, y0, y1, ur, vr, simd_width, width);
  }
}
#endif

}  // namespace

bool rgb24_to_i420_available() {
#ifdef GEARBOX_RGB24_AVX2
  static const bool has_avx2 = __builtin_cpu_supports("avx2");
  return has_avx2;
#else
  return false;
#endif
}

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
                   int height) {
  if (!rgb24_to_i420_available() || width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0)
    return false;
#ifdef GEARBOX_RGB24_AVX2
  convert_avx2(order, src, src_stride, y, y_stride, u, u_stride, v, v_stride, width, height);
  return true;
#else
  (void)order, (void)src, (void)src_stride, (void)y, (void)y_stride, (void)u, (void)u_stride,
      (void)v, (void)v_stride;
  return false;
#endif
}

}  // namespace gearbox
