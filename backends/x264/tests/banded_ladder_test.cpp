// The x264 backend's one-pass conversion and scaling (backends/x264/banded_ladder.h): which
// scales it takes on, and that it makes the very pictures the two-pass path makes (convert the
// whole frame, then I420Scaler from the whole picture), for every input format.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "banded_ladder.h"
#include "cpu_convert.h"
#include "gearbox/cpu_surface.h"
#include "x264_backend.h"

namespace gearbox {
namespace {

// A frame of random bytes in `format`, tightly packed.
struct RandomFrame {
  RandomFrame(PixelFormat format, int width, int height, unsigned seed)
      : bytes(static_cast<size_t>(FrameView::packed_size(format, width, height))) {
    std::mt19937 rng(seed);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    view = plane_count(format) == 1
               ? FrameView::packed(format, width, height, bytes.data())
               : FrameView::contiguous_yuv(format, width, height, bytes.data());
  }
  std::vector<uint8_t> bytes;
  FrameView view;
};

// Where two surfaces of one size first differ ("" when every sample of every plane is equal).
std::string first_difference(const CpuSurface& a, const CpuSurface& b) {
  for (int p = 0; p < 3; ++p) {
    const int w = p == 0 ? a.width() : (a.width() + 1) / 2,
              h = p == 0 ? a.height() : (a.height() + 1) / 2;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const int va = a.plane(p)[y * a.stride(p) + x], vb = b.plane(p)[y * b.stride(p) + x];
        if (va != vb) {
          return "plane " + std::to_string(p) + " at (" + std::to_string(x) + ", " +
                 std::to_string(y) + "): " + std::to_string(va) + " against " + std::to_string(vb);
        }
      }
    }
  }
  return "";
}

const std::vector<ScaleRequest> kLadder = {{-1, 1280, 720}, {0, 640, 360}};  // 1080p's two rungs

TEST(BandedLadder, TakesOnExactThreeToTwoAndHalvingsFromPicturesItMakes) {
  BandedPlan plan = plan_banded_ladder(1920, 1080, kLadder);
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_TRUE(plan.steps[0].three_to_two);
  EXPECT_EQ(plan.steps[0].from, -1);
  EXPECT_FALSE(plan.steps[1].three_to_two);
  EXPECT_EQ(plan.steps[1].from, 0);
  EXPECT_EQ(plan.step_of_request, (std::vector<int>{0, 1}));
  // 18 source rows make 12 rows of 720p and 6 of 360p, and chroma 9, 6 and 3: whole at each
  // level. 18 is the smallest such band of at least 16 rows.
  EXPECT_EQ(plan.band_rows, 18);
  EXPECT_EQ(plan.steps[0].band_rows, 12);
  EXPECT_EQ(plan.steps[1].band_rows, 6);

  // 1080p to 360p directly is 3:1: left to scale(), and so is what is scaled from it.
  plan = plan_banded_ladder(1920, 1080, {{-1, 640, 360}, {0, 320, 180}, {-1, 960, 540}});
  EXPECT_EQ(plan.step_of_request, (std::vector<int>{-1, -1, 0}));
  EXPECT_EQ(plan.band_rows % 4, 0);

  // A halving then a 3:2 step: bands of a multiple of 12 rows (6 for the 3:2 step's input).
  plan = plan_banded_ladder(1920, 1080, {{-1, 960, 540}, {0, 640, 360}});
  EXPECT_EQ(plan.step_of_request, (std::vector<int>{0, 1}));
  EXPECT_EQ(plan.band_rows, 24);

  // Nothing to make: no pass, upload() converts as before.
  EXPECT_EQ(plan_banded_ladder(1920, 1080, {}).band_rows, 0);
  EXPECT_EQ(plan_banded_ladder(1920, 1080, {{-1, 1000, 500}}).band_rows, 0);
}

// The pass against the two-pass path, bit for bit, for each input format and two frame sizes
// (the bench's 1080p in 45 bands, and a small one in 9).
TEST(BandedLadder, MakesThePicturesOfConvertingThenScalingBitForBit) {
  const PixelFormat formats[] = {PixelFormat::kBGR24, PixelFormat::kRGB24, PixelFormat::kBGRA,
                                 PixelFormat::kRGBA,  PixelFormat::kGRAY8, PixelFormat::kNV12,
                                 PixelFormat::kI420};
  struct Size {
    int w, h;
  };
  for (Size size : {Size{384, 216}, Size{1920, 1080}}) {
    const std::vector<ScaleRequest> requests = {{-1, size.w * 2 / 3, size.h * 2 / 3},
                                                {0, size.w / 3, size.h / 3}};
    const BandedPlan plan = plan_banded_ladder(size.w, size.h, requests);
    ASSERT_EQ(plan.steps.size(), 2u);
    for (PixelFormat format : formats) {
      SCOPED_TRACE(std::string(to_string(format)) + " " + std::to_string(size.w) + "x" +
                   std::to_string(size.h));
      RandomFrame frame(format, size.w, size.h, 7u + static_cast<unsigned>(format));

      CpuSurface whole(size.w, size.h), mid(requests[0].width, requests[0].height),
          small(requests[1].width, requests[1].height);
      ASSERT_TRUE(convert_to_i420(frame.view, whole));
      I420Scaler scaler;
      ASSERT_TRUE(scaler.scale(whole, mid));
      ASSERT_TRUE(scaler.scale(mid, small));

      CpuSurface banded(size.w, size.h), banded_mid(requests[0].width, requests[0].height),
          banded_small(requests[1].width, requests[1].height);
      ASSERT_TRUE(convert_and_scale_banded(frame.view, plan, banded, {&banded_mid, &banded_small}));
      EXPECT_EQ(first_difference(banded, whole), "");
      EXPECT_EQ(first_difference(banded_mid, mid), "");
      EXPECT_EQ(first_difference(banded_small, small), "");
    }
  }
}

// Through the x264 device: scale() hands out the pictures upload() made, each the one the
// device without every_frame_scales makes, frame after frame as surfaces come back from the
// pools; a scale it did not make in the pass is still made. On odd frames the smallest
// picture is never asked for: it must go back to its pool with its frame (pools of 3 surfaces
// would otherwise run dry and upload() would report a stall).
TEST(BandedLadder, DeviceHandsOutWhatUploadMadeAndScalesTheRest) {
  auto backend = make_x264_backend();
  DeviceOptions plain_options;
  plain_options.width = 384;
  plain_options.height = 216;
  plain_options.pool_size = 3;
  DeviceOptions banded_options = plain_options;
  banded_options.every_frame_scales = {{-1, 256, 144}, {0, 128, 72}};
  auto plain = backend->open(plain_options);
  auto banded = backend->open(banded_options);
  ASSERT_TRUE(plain.ok() && banded.ok());

  for (unsigned n = 0; n < 12; ++n) {
    SCOPED_TRACE("frame " + std::to_string(n));
    RandomFrame frame(PixelFormat::kBGR24, 384, 216, 100 + n);
    std::vector<SurfaceRef> expected, got;
    for (Device* device : {plain->get(), banded->get()}) {
      std::vector<SurfaceRef>& out = device == plain->get() ? expected : got;
      auto source = device->upload(frame.view);
      ASSERT_TRUE(source.ok());
      auto mid = device->scale(**source, 256, 144);
      ASSERT_TRUE(mid.ok());
      auto third = device->scale(**source, 128, 72);  // 3:1, never made in the pass
      ASSERT_TRUE(third.ok());
      out = {*source, *mid, *third};
      if (n % 2 == 0) {
        auto small = device->scale(**mid, 128, 72);
        ASSERT_TRUE(small.ok());
        out.push_back(*small);
      }
    }
    for (size_t k = 0; k < expected.size(); ++k) {
      EXPECT_EQ(first_difference(static_cast<const CpuSurface&>(*got[k]),
                                 static_cast<const CpuSurface&>(*expected[k])),
                "")
          << "picture " << k;
    }
    // Drop the pictures, as encoders do, so the pools hand the surfaces out again.
  }
}

}  // namespace
}  // namespace gearbox
