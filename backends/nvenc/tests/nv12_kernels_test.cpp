// The CPU references of the NVENC backend's CUDA kernels against libswscale, an independent
// implementation of the same conversions: BT.601 limited range and an area filter.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

extern "C" {
#include <libswscale/swscale.h>
}

#include "gearbox/test_pattern.h"
#include "nv12_reference.h"

namespace gearbox {
namespace {

namespace k = nvenc_kernels;

struct Nv12 {
  int width, height;
  std::vector<uint8_t> y, uv;
  Nv12(int w, int h)
      : width(w), height(h), y(static_cast<size_t>(w) * h), uv(static_cast<size_t>(w) * h / 2) {}
};

Nv12 swscale_nv12(const uint8_t* const planes[],
                  const int strides[],
                  AVPixelFormat format,
                  int w,
                  int h,
                  int ow,
                  int oh,
                  int flags) {
  Nv12 out(ow, oh);
  SwsContext* sws = sws_getContext(w, h, format, ow, oh, AV_PIX_FMT_NV12, flags | SWS_ACCURATE_RND,
                                   nullptr, nullptr, nullptr);
  uint8_t* dst[4] = {out.y.data(), out.uv.data(), nullptr, nullptr};
  int dst_stride[4] = {ow, ow, 0, 0};
  sws_scale(sws, planes, strides, 0, h, dst, dst_stride);
  sws_freeContext(sws);
  return out;
}

int max_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  int worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

double mean_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::abs(a[i] - b[i]);
  return sum / static_cast<double>(a.size());
}

Nv12 packed_reference(PixelFormat format,
                      const uint8_t* data,
                      int w,
                      int h,
                      int bpp,
                      int r,
                      int g,
                      int b) {
  Nv12 out(w, h);
  k::PackedToNv12Args a{};
  a.src_pitch = w * bpp;
  a.y_pitch = a.uv_pitch = w;
  a.width = w;
  a.height = h;
  a.bytes_per_pixel = bpp;
  a.r_offset = r, a.g_offset = g, a.b_offset = b;
  (void)format;
  k::packed_to_nv12_reference(a, data, out.y.data(), out.uv.data());
  return out;
}

TEST(Nv12KernelReference, PackedRgbMatchesLibswscale) {
  const int w = 640, h = 360;
  TestPattern pattern(w, h);
  FrameView bgr = pattern.render(7);
  Nv12 ours = packed_reference(PixelFormat::kBGR24, bgr.data[0], w, h, 3, 2, 1, 0);
  const uint8_t* planes[4] = {bgr.data[0], nullptr, nullptr, nullptr};
  int strides[4] = {bgr.stride[0], 0, 0, 0};
  Nv12 theirs = swscale_nv12(planes, strides, AV_PIX_FMT_BGR24, w, h, w, h, SWS_POINT);
  // Same coefficients, different rounding: luma within 1; chroma (swscale samples chroma its
  // own way at the same size) within a few levels on average.
  EXPECT_LE(max_difference(ours.y, theirs.y), 1);
  EXPECT_LT(mean_difference(ours.uv, theirs.uv), 2.0);
}

TEST(Nv12KernelReference, EveryPackedLayoutGivesTheSamePicture) {
  const int w = 320, h = 180;
  TestPattern pattern(w, h);
  FrameView bgr = pattern.render(3);
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3), bgra(static_cast<size_t>(w) * h * 4),
      rgba(bgra.size());
  for (int i = 0; i < w * h; ++i) {
    const uint8_t* p = bgr.data[0] + (i / w) * bgr.stride[0] + (i % w) * 3;
    rgb[i * 3] = p[2], rgb[i * 3 + 1] = p[1], rgb[i * 3 + 2] = p[0];
    bgra[i * 4] = p[0], bgra[i * 4 + 1] = p[1], bgra[i * 4 + 2] = p[2], bgra[i * 4 + 3] = 255;
    rgba[i * 4] = p[2], rgba[i * 4 + 1] = p[1], rgba[i * 4 + 2] = p[0], rgba[i * 4 + 3] = 0;
  }
  Nv12 from_bgr = packed_reference(PixelFormat::kBGR24, bgr.data[0], w, h, 3, 2, 1, 0);
  for (const Nv12& other : {packed_reference(PixelFormat::kRGB24, rgb.data(), w, h, 3, 0, 1, 2),
                            packed_reference(PixelFormat::kBGRA, bgra.data(), w, h, 4, 2, 1, 0),
                            packed_reference(PixelFormat::kRGBA, rgba.data(), w, h, 4, 0, 1, 2)}) {
    EXPECT_EQ(other.y, from_bgr.y);
    EXPECT_EQ(other.uv, from_bgr.uv);
  }
}

TEST(Nv12KernelReference, GreyMatchesLibswscale) {
  const int w = 256, h = 64;
  std::vector<uint8_t> grey(static_cast<size_t>(w) * h);
  for (size_t i = 0; i < grey.size(); ++i) grey[i] = static_cast<uint8_t>(i % 256);
  Nv12 ours = packed_reference(PixelFormat::kGRAY8, grey.data(), w, h, 1, 0, 0, 0);
  const uint8_t* planes[4] = {grey.data(), nullptr, nullptr, nullptr};
  int strides[4] = {w, 0, 0, 0};
  Nv12 theirs = swscale_nv12(planes, strides, AV_PIX_FMT_GRAY8, w, h, w, h, SWS_POINT);
  EXPECT_LE(max_difference(ours.y, theirs.y), 1);
  EXPECT_LE(max_difference(ours.uv, theirs.uv), 1);  // neutral chroma, 128
}

TEST(Nv12KernelReference, I420InterleavesExactlyLikeLibswscale) {
  const int w = 320, h = 180;
  std::vector<uint8_t> y(static_cast<size_t>(w) * h), u(static_cast<size_t>(w) * h / 4),
      v(u.size());
  for (size_t i = 0; i < u.size(); ++i)
    u[i] = static_cast<uint8_t>(i * 7), v[i] = static_cast<uint8_t>(i * 13);
  Nv12 ours(w, h);
  k::I420ToNv12Args a{};
  a.u_pitch = a.v_pitch = w / 2;
  a.uv_pitch = w;
  a.chroma_width = w / 2;
  a.chroma_height = h / 2;
  k::i420_to_nv12_reference(a, u.data(), v.data(), ours.uv.data());
  const uint8_t* planes[4] = {y.data(), u.data(), v.data(), nullptr};
  int strides[4] = {w, w / 2, w / 2, 0};
  Nv12 theirs = swscale_nv12(planes, strides, AV_PIX_FMT_YUV420P, w, h, w, h, SWS_POINT);
  EXPECT_EQ(ours.uv, theirs.uv);
}

// The area filter against libswscale's SWS_AREA for the ladder's ratios.
TEST(Nv12KernelReference, AreaScalingMatchesLibswscale) {
  const int w = 1280, h = 720;
  TestPattern pattern(w, h);
  FrameView bgr = pattern.render(11);
  Nv12 src = packed_reference(PixelFormat::kBGR24, bgr.data[0], w, h, 3, 2, 1, 0);
  for (auto [ow, oh] : {std::pair{854, 480}, std::pair{640, 360}, std::pair{256, 144}}) {
    SCOPED_TRACE(std::to_string(ow) + "x" + std::to_string(oh));
    Nv12 ours(ow, oh);
    for (int plane = 0; plane < 2; ++plane) {
      k::ScaleAreaArgs a{};
      a.channels = plane == 0 ? 1 : 2;
      a.src_pitch = w;
      a.dst_pitch = ow;
      a.src_width = w / a.channels, a.src_height = h / a.channels;
      a.dst_width = ow / a.channels, a.dst_height = oh / a.channels;
      k::scale_area_reference(a, plane == 0 ? src.y.data() : src.uv.data(),
                              plane == 0 ? ours.y.data() : ours.uv.data());
    }
    const uint8_t* planes[4] = {src.y.data(), src.uv.data(), nullptr, nullptr};
    int strides[4] = {w, w, 0, 0};
    Nv12 theirs = swscale_nv12(planes, strides, AV_PIX_FMT_NV12, w, h, ow, oh, SWS_AREA);
    EXPECT_LT(mean_difference(ours.y, theirs.y), 1.0);
    EXPECT_LT(mean_difference(ours.uv, theirs.uv), 1.0);
  }
}

TEST(Nv12KernelReference, LaunchShapeCoversTheWork) {
  for (int w : {1, 31, 32, 33, 960}) {
    const k::LaunchShape s = k::launch_shape({w, w / 2 + 1});
    EXPECT_GE(s.grid_x * s.block_x, static_cast<unsigned>(w));
    EXPECT_GE(s.grid_y * s.block_y, static_cast<unsigned>(w / 2 + 1));
    EXPECT_LE(s.block_x * s.block_y, 1024u);
  }
}

}  // namespace
}  // namespace gearbox
