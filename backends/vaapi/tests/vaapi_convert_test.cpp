// The upload's colour conversion (vaapi_convert.h) against libswscale's BT.601 limited-range
// luma, and neutral chroma for grey, written into pitched NV12 planes as a mapped VA image has.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "media_reader.h"
#include "vaapi_convert.h"

namespace gearbox::vaapi {
namespace {

constexpr int kW = 66, kH = 34;  // not a multiple of 16: the pitch differs from the width
constexpr int kPitch = 128;      // a driver's pitch

struct Nv12 {
  std::vector<uint8_t> y = std::vector<uint8_t>(kPitch * kH, 0);
  std::vector<uint8_t> uv = std::vector<uint8_t>(kPitch * kH / 2, 0);
  Nv12Target target() { return {y.data(), kPitch, uv.data(), kPitch}; }
  uint8_t luma(int x, int row) const { return y[row * kPitch + x]; }
};

std::vector<uint8_t> bgr_gradient() {
  std::vector<uint8_t> bgr(kW * kH * 3);
  for (int i = 0; i < kW * kH; ++i) {
    bgr[i * 3 + 0] = static_cast<uint8_t>(i * 7);
    bgr[i * 3 + 1] = static_cast<uint8_t>(i * 3 + 40);
    bgr[i * 3 + 2] = static_cast<uint8_t>(255 - i);
  }
  return bgr;
}

void expect_luma_near_reference(const Nv12& out, const std::vector<uint8_t>& bgr) {
  const std::vector<uint8_t> ref = testing::reference_luma_bgr24(bgr.data(), kW, kH);
  int worst = 0;
  for (int row = 0; row < kH; ++row)
    for (int x = 0; x < kW; ++x)
      worst = std::max(worst, std::abs(out.luma(x, row) - ref[row * kW + x]));
  EXPECT_LE(worst, 2);
}

TEST(VaapiConvert, PackedRgbFormatsGiveBt601LimitedLuma) {
  const std::vector<uint8_t> bgr = bgr_gradient();
  std::vector<uint8_t> scratch;
  {
    Nv12 out;
    ASSERT_TRUE(convert_to_nv12(FrameView::packed(PixelFormat::kBGR24, kW, kH, bgr.data()),
                                out.target(), scratch)
                    .ok());
    expect_luma_near_reference(out, bgr);
  }
  std::vector<uint8_t> rgb(bgr.size()), bgra(kW * kH * 4), rgba(kW * kH * 4);
  for (int i = 0; i < kW * kH; ++i) {
    rgb[i * 3] = bgr[i * 3 + 2], rgb[i * 3 + 1] = bgr[i * 3 + 1], rgb[i * 3 + 2] = bgr[i * 3];
    bgra[i * 4] = bgr[i * 3], bgra[i * 4 + 1] = bgr[i * 3 + 1], bgra[i * 4 + 2] = bgr[i * 3 + 2];
    rgba[i * 4] = bgr[i * 3 + 2], rgba[i * 4 + 1] = bgr[i * 3 + 1], rgba[i * 4 + 2] = bgr[i * 3];
    bgra[i * 4 + 3] = rgba[i * 4 + 3] = 255;
  }
  for (auto [format, data] :
       {std::pair{PixelFormat::kRGB24, rgb.data()}, std::pair{PixelFormat::kBGRA, bgra.data()},
        std::pair{PixelFormat::kRGBA, rgba.data()}}) {
    SCOPED_TRACE(to_string(format));
    Nv12 out;
    ASSERT_TRUE(
        convert_to_nv12(FrameView::packed(format, kW, kH, data), out.target(), scratch).ok());
    expect_luma_near_reference(out, bgr);
  }
}

TEST(VaapiConvert, GreyHasNeutralChromaAndLimitedLuma) {
  std::vector<uint8_t> scratch;
  std::vector<uint8_t> grey(kW * kH, 255), bgr(kW * kH * 3, 255);
  for (auto [format, data] :
       {std::pair{PixelFormat::kGRAY8, grey.data()}, std::pair{PixelFormat::kBGR24, bgr.data()}}) {
    SCOPED_TRACE(to_string(format));
    Nv12 out;
    ASSERT_TRUE(
        convert_to_nv12(FrameView::packed(format, kW, kH, data), out.target(), scratch).ok());
    EXPECT_EQ(out.luma(0, 0), 235);
    EXPECT_EQ(out.luma(kW - 1, kH - 1), 235);
    for (int row = 0; row < kH / 2; ++row)
      for (int x = 0; x < kW; ++x) EXPECT_NEAR(out.uv[row * kPitch + x], 128, 1);
  }
}

TEST(VaapiConvert, I420IsInterleavedAndNv12Copied) {
  std::vector<uint8_t> i420(kW * kH * 3 / 2);
  for (size_t i = 0; i < i420.size(); ++i) i420[i] = static_cast<uint8_t>(i);
  const int chroma = (kW / 2) * (kH / 2);
  std::vector<uint8_t> scratch;
  Nv12 out;
  ASSERT_TRUE(convert_to_nv12(FrameView::contiguous_yuv(PixelFormat::kI420, kW, kH, i420.data()),
                              out.target(), scratch)
                  .ok());
  EXPECT_EQ(out.luma(5, 3), i420[3 * kW + 5]);
  const uint8_t* u = i420.data() + kW * kH;
  const uint8_t* v = u + chroma;
  EXPECT_EQ(out.uv[2 * kPitch + 2 * 4], u[2 * (kW / 2) + 4]);
  EXPECT_EQ(out.uv[2 * kPitch + 2 * 4 + 1], v[2 * (kW / 2) + 4]);

  std::vector<uint8_t> nv12(kW * kH * 3 / 2);
  for (size_t i = 0; i < nv12.size(); ++i) nv12[i] = static_cast<uint8_t>(i * 5);
  Nv12 copy;
  ASSERT_TRUE(convert_to_nv12(FrameView::contiguous_yuv(PixelFormat::kNV12, kW, kH, nv12.data()),
                              copy.target(), scratch)
                  .ok());
  EXPECT_EQ(copy.luma(kW - 1, kH - 1), nv12[kW * kH - 1]);
  EXPECT_EQ(copy.uv[(kH / 2 - 1) * kPitch + kW - 1], nv12.back());
}

}  // namespace
}  // namespace gearbox::vaapi
