#include "area_scale.h"

#include <cstddef>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <stddef.h>  // ptrdiff_t unqualified: clang's headers do not bring it in
#define GEARBOX_AREA_SSSE3 1
#endif

namespace gearbox {
namespace {

// round(x / 9) for the weighted sums (0 .. 9 * 255) as (x + 4) * 7282 >> 16: exact over that
// range (7282 / 65536 exceeds 1/9 by less than the slack (x + 4) / 9 leaves below the next
// integer), and the form the SIMD path computes with one unsigned high multiply.
constexpr uint32_t kNinth = 7282;
inline uint8_t div9(uint32_t weighted) {
  return static_cast<uint8_t>(((weighted + 4) * kNinth) >> 16);
}

// Source rows 3j .. 3j+2 to output rows 2j, 2j+1, from output column `from` on.
void rows_reference(const uint8_t* r0,
                    const uint8_t* r1,
                    const uint8_t* r2,
                    uint8_t* d0,
                    uint8_t* d1,
                    int from,
                    int out_width) {
  for (int x = from; x < out_width; x += 2) {
    const int s = x / 2 * 3;
    // Per row, the two horizontal sums: 2 a + b for the even output, b + 2 c for the odd one.
    const uint32_t e0 = 2u * r0[s] + r0[s + 1], o0 = r0[s + 1] + 2u * r0[s + 2];
    const uint32_t e1 = 2u * r1[s] + r1[s + 1], o1 = r1[s + 1] + 2u * r1[s + 2];
    const uint32_t e2 = 2u * r2[s] + r2[s + 1], o2 = r2[s + 1] + 2u * r2[s + 2];
    d0[x] = div9(2 * e0 + e1);
    d0[x + 1] = div9(2 * o0 + o1);
    d1[x] = div9(e1 + 2 * e2);
    d1[x + 1] = div9(o1 + 2 * o2);
  }
}

#ifdef GEARBOX_AREA_SSSE3
// Both horizontal sums of 8 outputs in two instructions: 12 source bytes, starting `skip`
// bytes into the 16 loaded from `s`, shuffled into the pairs (a, b), (b, c) and
// multiplied-added with weights (2, 1), (1, 2).
template <int skip>
[[gnu::target("ssse3")]] inline __m128i sums_ssse3(const uint8_t* row, int s) {
  const __m128i pairs = _mm_setr_epi8(0 + skip, 1 + skip, 1 + skip, 2 + skip, 3 + skip, 4 + skip,
                                      4 + skip, 5 + skip, 6 + skip, 7 + skip, 7 + skip, 8 + skip,
                                      9 + skip, 10 + skip, 10 + skip, 11 + skip);
  const __m128i weights = _mm_setr_epi8(2, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2);
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + s));
  return _mm_maddubs_epi16(_mm_shuffle_epi8(v, pairs), weights);
}

// div9 of 2 * near + far, 8 samples at once.
[[gnu::target("ssse3")]] inline __m128i weigh_ssse3(__m128i near, __m128i far) {
  const __m128i weighted = _mm_add_epi16(_mm_add_epi16(near, near), far);
  return _mm_mulhi_epu16(_mm_add_epi16(weighted, _mm_set1_epi16(4)),
                         _mm_set1_epi16(static_cast<short>(kNinth)));
}

// 16 output columns (24 source bytes) per step. The second half's 12 bytes are loaded from 4
// bytes early, so no load reads past the 24 bytes a step covers; a row whose width is not a
// multiple of 16 ends with a step that overlaps the previous one (same values written
// twice). Returns the first column it left to the reference: 0 for rows under 16 outputs.
[[gnu::target("ssse3")]] int rows_ssse3(const uint8_t* r0,
                                        const uint8_t* r1,
                                        const uint8_t* r2,
                                        uint8_t* d0,
                                        uint8_t* d1,
                                        int out_width) {
  if (out_width < 16) return 0;
  for (int x = 0;; x += 16) {
    if (x + 16 > out_width) x = out_width - 16;
    const int s = x / 2 * 3;
    const __m128i a0 = sums_ssse3<0>(r0, s), a1 = sums_ssse3<0>(r1, s), a2 = sums_ssse3<0>(r2, s);
    const __m128i b0 = sums_ssse3<4>(r0, s + 8), b1 = sums_ssse3<4>(r1, s + 8),
                  b2 = sums_ssse3<4>(r2, s + 8);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d0 + x),
                     _mm_packus_epi16(weigh_ssse3(a0, a1), weigh_ssse3(b0, b1)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d1 + x),
                     _mm_packus_epi16(weigh_ssse3(a2, a1), weigh_ssse3(b2, b1)));
    if (x + 16 == out_width) return out_width;
  }
}

bool has_ssse3() {
  static const bool yes = __builtin_cpu_supports("ssse3");
  return yes;
}
#endif

template <class Rows>
void scale_rows(const uint8_t* src,
                int src_stride,
                uint8_t* dst,
                int dst_stride,
                int out_height,
                Rows rows) {
  for (int y = 0; y < out_height; y += 2) {
    const uint8_t* r0 = src + static_cast<std::ptrdiff_t>(y / 2 * 3) * src_stride;
    uint8_t* d0 = dst + static_cast<std::ptrdiff_t>(y) * dst_stride;
    rows(r0, r0 + src_stride, r0 + 2 * static_cast<std::ptrdiff_t>(src_stride), d0,
         d0 + dst_stride);
  }
}

}  // namespace

bool is_exact_3to2(int in_width, int in_height, int out_width, int out_height) {
  return out_width > 0 && out_height > 0 && out_width % 2 == 0 && out_height % 2 == 0 &&
         in_width * 2 == out_width * 3 && in_height * 2 == out_height * 3;
}

void area_scale_3to2_reference(const uint8_t* src,
                               int src_stride,
                               uint8_t* dst,
                               int dst_stride,
                               int out_width,
                               int out_height) {
  scale_rows(src, src_stride, dst, dst_stride, out_height,
             [&](const uint8_t* r0, const uint8_t* r1, const uint8_t* r2, uint8_t* d0,
                 uint8_t* d1) { rows_reference(r0, r1, r2, d0, d1, 0, out_width); });
}

void area_scale_3to2(const uint8_t* src,
                     int src_stride,
                     uint8_t* dst,
                     int dst_stride,
                     int out_width,
                     int out_height) {
#ifdef GEARBOX_AREA_SSSE3
  if (has_ssse3()) {
    scale_rows(
        src, src_stride, dst, dst_stride, out_height,
        [&](const uint8_t* r0, const uint8_t* r1, const uint8_t* r2, uint8_t* d0, uint8_t* d1) {
          rows_reference(r0, r1, r2, d0, d1, rows_ssse3(r0, r1, r2, d0, d1, out_width), out_width);
        });
    return;
  }
#endif
  area_scale_3to2_reference(src, src_stride, dst, dst_stride, out_width, out_height);
}

}  // namespace gearbox
