// gearbox's one-pass 24-bit RGB to I420 converter (backends/x264/rgb24_to_i420.h) against
// libyuv, whose arithmetic it reproduces: identical pictures, bit for bit, for both byte orders,
// at widths the SIMD loop covers whole and widths it leaves a tail of.
#include <gtest/gtest.h>
#include <libyuv.h>

#include <random>
#include <string>
#include <vector>

#include "rgb24_to_i420.h"

namespace gearbox {
namespace {

struct Planes {
  Planes(int w, int h)
      : w(w),
        h(h),
        y(static_cast<size_t>(w) * h),
        u(static_cast<size_t>(w / 2) * (h / 2)),
        v(u.size()) {}
  int w, h;
  std::vector<uint8_t> y, u, v;
};

// Where two pictures first differ, "" if nowhere.
std::string first_difference(const Planes& a, const Planes& b) {
  const std::vector<uint8_t>* pa[3] = {&a.y, &a.u, &a.v};
  const std::vector<uint8_t>* pb[3] = {&b.y, &b.u, &b.v};
  for (int p = 0; p < 3; ++p) {
    const int w = p == 0 ? a.w : a.w / 2;
    for (size_t i = 0; i < pa[p]->size(); ++i) {
      if ((*pa[p])[i] != (*pb[p])[i]) {
        return "plane " + std::to_string(p) + " at (" + std::to_string(i % w) + ", " +
               std::to_string(i / w) + "): " + std::to_string((*pa[p])[i]) + " against " +
               std::to_string((*pb[p])[i]);
      }
    }
  }
  return "";
}

TEST(Rgb24ToI420, MatchesLibyuvBitForBit) {
  if (!rgb24_to_i420_available())
    GTEST_SKIP() << "this CPU has no AVX2: gearbox converts with libyuv itself";
  struct Size {
    int w, h;
  };
  for (Size size : {Size{1920, 1080}, Size{64, 8}, Size{200, 6}, Size{30, 4}, Size{2, 2}}) {
    // Random bytes reach every corner of the arithmetic (the most negative chroma sums, the
    // largest luma), and the stride has padding that must be ignored.
    const int stride = size.w * 3 + 16;
    std::vector<uint8_t> src(static_cast<size_t>(stride) * size.h);
    std::mt19937 rng(static_cast<unsigned>(size.w * 31 + size.h));
    for (uint8_t& b : src) b = static_cast<uint8_t>(rng());
    for (Rgb24Order order : {Rgb24Order::kBgr, Rgb24Order::kRgb}) {
      SCOPED_TRACE((order == Rgb24Order::kBgr ? "bgr " : "rgb ") + std::to_string(size.w) + "x" +
                   std::to_string(size.h));
      Planes ours(size.w, size.h), theirs(size.w, size.h);
      ASSERT_TRUE(rgb24_to_i420(order, src.data(), stride, ours.y.data(), size.w, ours.u.data(),
                                size.w / 2, ours.v.data(), size.w / 2, size.w, size.h));
      // libyuv's "RGB24" is B,G,R in memory, its "RAW" R,G,B.
      auto libyuv_convert = order == Rgb24Order::kBgr ? libyuv::RGB24ToI420 : libyuv::RAWToI420;
      ASSERT_EQ(libyuv_convert(src.data(), stride, theirs.y.data(), size.w, theirs.u.data(),
                               size.w / 2, theirs.v.data(), size.w / 2, size.w, size.h),
                0);
      EXPECT_EQ(first_difference(ours, theirs), "");
    }
  }
}

TEST(Rgb24ToI420, RefusesOddSizesAndLeavesThemToLibyuv) {
  std::vector<uint8_t> src(3 * 5 * 4), y(5 * 4, 7), u(3 * 2, 7), v(3 * 2, 7);
  EXPECT_FALSE(
      rgb24_to_i420(Rgb24Order::kBgr, src.data(), 15, y.data(), 5, u.data(), 3, v.data(), 3, 5, 4));
  EXPECT_FALSE(
      rgb24_to_i420(Rgb24Order::kBgr, src.data(), 12, y.data(), 4, u.data(), 2, v.data(), 2, 4, 3));
  EXPECT_EQ(y, std::vector<uint8_t>(5 * 4, 7));  // nothing written
}

}  // namespace
}  // namespace gearbox
