// gearbox's 3:2 area filter (backends/x264/area_scale.h) against libswscale's SWS_AREA, which it
// replaces for 1080p to 720p, and its SIMD path against its sample-by-sample reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include <libswscale/swscale.h>
}

#include "area_scale.h"
#include "cpu_convert.h"
#include "gearbox/cpu_surface.h"
#include "gearbox/test_pattern.h"

namespace gearbox {
namespace {

void fill_noise(CpuSurface& s, unsigned seed) {
  std::mt19937 rng(seed);
  for (int i = 0; i < 3; ++i) {
    const int w = i == 0 ? s.width() : (s.width() + 1) / 2,
              h = i == 0 ? s.height() : (s.height() + 1) / 2;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) s.plane(i)[y * s.stride(i) + x] = static_cast<uint8_t>(rng());
    }
  }
}

// The test pattern (bars, a moving box, a noise band) converted to I420: edges and flat areas.
void fill_pattern(CpuSurface& s) {
  TestPattern pattern(s.width(), s.height());
  ASSERT_TRUE(convert_to_i420(pattern.render(5), s));
}

// libswscale's area filter: with SWS_AREA alone, what gearbox used before; with
// SWS_ACCURATE_RND as well, exactly rounded sums (its default vertical pass truncates).
CpuSurface swscale_area(const CpuSurface& in, int ow, int oh, int extra_flags = 0) {
  CpuSurface out(ow, oh);
  SwsContext* sws =
      sws_getContext(in.width(), in.height(), AV_PIX_FMT_YUV420P, ow, oh, AV_PIX_FMT_YUV420P,
                     SWS_AREA | extra_flags, nullptr, nullptr, nullptr);
  const uint8_t* src[3] = {in.plane(0), in.plane(1), in.plane(2)};
  const int src_stride[3] = {in.stride(0), in.stride(1), in.stride(2)};
  uint8_t* dst[3] = {out.plane(0), out.plane(1), out.plane(2)};
  const int dst_stride[3] = {out.stride(0), out.stride(1), out.stride(2)};
  EXPECT_EQ(sws_scale(sws, src, src_stride, 0, in.height(), dst, dst_stride), oh);
  sws_freeContext(sws);
  return out;
}

// Largest difference between two surfaces' samples in plane `i`.
int max_difference(const CpuSurface& a, const CpuSurface& b, int i) {
  int worst = 0;
  const int w = i == 0 ? a.width() : (a.width() + 1) / 2,
            h = i == 0 ? a.height() : (a.height() + 1) / 2;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const int diff = std::abs(a.plane(i)[y * a.stride(i) + x] - b.plane(i)[y * b.stride(i) + x]);
      worst = std::max(worst, diff);
    }
  }
  return worst;
}

TEST(AreaScale3to2, RecognisesOnlyExactReductions) {
  EXPECT_TRUE(is_exact_3to2(1920, 1080, 1280, 720));
  EXPECT_TRUE(is_exact_3to2(960, 540, 640, 360));
  EXPECT_FALSE(is_exact_3to2(1920, 1080, 1280, 721));
  EXPECT_FALSE(is_exact_3to2(1920, 1080, 960, 540));
  EXPECT_FALSE(is_exact_3to2(5, 5, 3, 3));  // the chroma of 9x9 to 6x6: not 3:2
}

// The SSSE3 path, with the reference finishing each row, gives the reference's picture at
// widths that leave every kind of tail.
TEST(AreaScale3to2, SimdMatchesReferenceExactly) {
  for (int ow : {2, 14, 16, 18, 30, 32, 34, 46, 640, 1280, 1282}) {
    SCOPED_TRACE("output width " + std::to_string(ow));
    const int oh = 6, iw = ow * 3 / 2, ih = oh * 3 / 2, stride = iw + 7;
    std::vector<uint8_t> src(static_cast<size_t>(stride) * ih);
    std::mt19937 rng(static_cast<unsigned>(ow));
    for (uint8_t& v : src) v = static_cast<uint8_t>(rng());
    // Extremes too: all 255 (the largest sums) and all 0.
    std::fill(src.begin(), src.begin() + stride, 255);
    std::vector<uint8_t> simd(static_cast<size_t>(ow) * oh, 1), reference(simd.size(), 2);
    area_scale_3to2(src.data(), stride, simd.data(), ow, ow, oh);
    area_scale_3to2_reference(src.data(), stride, reference.data(), ow, ow, oh);
    EXPECT_EQ(simd, reference);
  }
}

// Through the x264 backend's scaler, 1080p to 720p I420 (chroma 960x540 to 640x360) against
// libswscale's area filter: identical to it with accurate rounding, and within 1 level of its
// default (faster, truncating) rounding, which gearbox used before.
TEST(AreaScale3to2, MatchesLibswscaleArea) {
  CpuSurface in(1920, 1080);
  for (int picture = 0; picture < 2; ++picture) {
    SCOPED_TRACE(picture == 0 ? "test pattern" : "noise");
    if (picture == 0)
      fill_pattern(in);
    else
      fill_noise(in, 7);
    CpuSurface ours(1280, 720);
    I420Scaler scaler;
    ASSERT_TRUE(scaler.scale(in, ours));
    const CpuSurface accurate = swscale_area(in, 1280, 720, SWS_ACCURATE_RND);
    const CpuSurface fast = swscale_area(in, 1280, 720);
    for (int i = 0; i < 3; ++i) {
      SCOPED_TRACE("plane " + std::to_string(i));
      EXPECT_EQ(max_difference(ours, accurate, i), 0);
      EXPECT_LE(max_difference(ours, fast, i), 1);
    }
  }
}

// Ratios other than 3:2 still go through libswscale: bit-identical to it.
TEST(AreaScale3to2, OtherRatiosStayOnLibswscale) {
  CpuSurface in(1920, 1080);
  fill_pattern(in);
  CpuSurface ours(854, 480);
  I420Scaler scaler;
  ASSERT_TRUE(scaler.scale(in, ours));
  const CpuSurface theirs = swscale_area(in, 854, 480);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(max_difference(ours, theirs, i), 0) << "plane " << i;
}

}  // namespace
}  // namespace gearbox
