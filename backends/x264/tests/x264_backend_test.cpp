// The x264 backend through the shared probe, and its device's capabilities.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/config.h"
#include "x264_backend.h"

namespace gearbox {
namespace {

TEST(X264Probe, RunsTheSharedProbeThroughItsOwnDevice) {
  BackendInfo info = make_x264_backend()->probe();
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_EQ(info.name, "x264");
  EXPECT_EQ(info.reason.rfind("libx264 build ", 0), 0u) << info.reason;
  EXPECT_NE(info.reason.find("encoded a 256x144 IDR from a BGR frame"), std::string::npos)
      << info.reason;
  EXPECT_EQ(info.caps.codecs, std::vector<Codec>{Codec::kH264});
  EXPECT_EQ(info.caps.rate_control, std::vector<RateControl>{RateControl::kAbrVbv});
  EXPECT_EQ(info.caps.max_size.width, kMaxFrameSide);
  EXPECT_EQ(info.caps.max_size.height, kMaxFrameSide);
  EXPECT_EQ(info.caps.max_sessions, 0);
}

TEST(X264Device, ReportsTheSameCapabilitiesAsItsProbe) {
  DeviceOptions options;
  options.width = 320;
  options.height = 180;
  auto device = make_x264_backend()->open(options);
  ASSERT_TRUE(device.ok()) << device.error().message;
  const Capabilities caps = (*device)->capabilities();
  EXPECT_EQ(caps.min_size.width, 2);
  EXPECT_EQ(caps.max_size.width, kMaxFrameSide);
  EXPECT_EQ(caps.size_alignment, 2);
  EXPECT_EQ(caps.max_bframes, 16);
  EXPECT_TRUE(caps.lookahead);
  EXPECT_FALSE(caps.ten_bit);
}

}  // namespace
}  // namespace gearbox
