#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "capability_check.h"

namespace gearbox {
namespace {

// What NVENC reports on a 4K-limited GPU.
Capabilities nvenc_like() {
  Capabilities c;
  c.codecs = {Codec::kH264};
  c.min_size = {145, 49};
  c.max_size = {4096, 4096};
  c.size_alignment = 2;
  c.rate_control = {RateControl::kCbr, RateControl::kVbr};
  c.max_sessions = -1;
  return c;
}

std::vector<RenditionPlan> ladder_of(const std::vector<std::pair<int, int>>& sizes) {
  std::vector<RenditionPlan> ladder;
  for (size_t i = 0; i < sizes.size(); ++i) {
    RenditionPlan r;
    r.index = static_cast<int>(i);
    r.id = "v" + std::to_string(i);
    r.width = sizes[i].first;
    r.height = sizes[i].second;
    r.bitrate_kbps = 1000;
    ladder.push_back(r);
  }
  return ladder;
}

TEST(CapabilityCheck, ALadderInsideEveryLimitPasses) {
  EXPECT_TRUE(check_ladder_capabilities(nvenc_like(),
                                        ladder_of({{3840, 2160}, {1280, 720}, {256, 144}}), "nvenc")
                  .ok());
  // Each side on its own: a portrait 2160x3840 is inside 4096x4096.
  EXPECT_TRUE(check_ladder_capabilities(nvenc_like(), ladder_of({{2160, 3840}}), "nvenc").ok());
}

TEST(CapabilityCheck, ARenditionOverTheMaximumNamesItsSizeAndTheLimit) {
  Status s =
      check_ladder_capabilities(nvenc_like(), ladder_of({{8192, 4320}, {1280, 720}}), "nvenc");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kUnsupported);
  EXPECT_EQ(s.message(), "rendition v0 (8192x4320): nvenc encodes H.264 up to 4096x4096");
  // One side over is enough.
  s = check_ladder_capabilities(nvenc_like(), ladder_of({{1920, 1080}, {4098, 720}}), "nvenc");
  EXPECT_EQ(s.message(), "rendition v1 (4098x720): nvenc encodes H.264 up to 4096x4096");
}

TEST(CapabilityCheck, ARenditionUnderTheMinimumNamesItsSizeAndTheLimit) {
  Status s = check_ladder_capabilities(nvenc_like(),
                                       ladder_of({{1280, 720}, {640, 360}, {128, 72}}), "nvenc");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kUnsupported);
  EXPECT_EQ(s.message(), "rendition v2 (128x72): nvenc encodes H.264 from 145x49 up");
  s = check_ladder_capabilities(nvenc_like(), ladder_of({{1280, 48}}), "nvenc");
  EXPECT_EQ(s.message(), "rendition v0 (1280x48): nvenc encodes H.264 from 145x49 up");
}

TEST(CapabilityCheck, ASizeOffTheAlignmentIsRefused) {
  Capabilities c = nvenc_like();
  c.size_alignment = 16;
  Status s = check_ladder_capabilities(c, ladder_of({{1280, 720}, {1920, 1080}}), "qsv");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kUnsupported);
  EXPECT_EQ(s.message(), "rendition v1 (1920x1080): qsv needs both sides a multiple of 16");
  c.size_alignment = 1;
  EXPECT_TRUE(check_ladder_capabilities(c, ladder_of({{1281, 721}}), "qsv").ok());
}

TEST(CapabilityCheck, ADeviceWithoutH264IsRefusedForTheWholeLadder) {
  Capabilities c = nvenc_like();
  c.codecs = {Codec::kHevc};
  Status s = check_ladder_capabilities(c, ladder_of({{1280, 720}}), "nvenc");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kUnsupported);
  EXPECT_EQ(s.message(), "the ladder is H.264; nvenc encodes hevc");
  c.codecs.clear();
  EXPECT_EQ(check_ladder_capabilities(c, ladder_of({{1280, 720}}), "nvenc").message(),
            "the ladder is H.264; nvenc encodes none");
}

TEST(CapabilityCheck, MoreRenditionsThanReportedSessionsIsOutOfSessions) {
  Capabilities c = nvenc_like();
  c.max_sessions = 3;
  const auto four = ladder_of({{1920, 1080}, {1280, 720}, {854, 480}, {640, 360}});
  Status s = check_ladder_capabilities(c, four, "nvenc");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOutOfSessions);
  EXPECT_EQ(s.message(), "the ladder needs 4 encoder sessions (one per rendition); nvenc allows 3");
  EXPECT_TRUE(
      check_ladder_capabilities(c, ladder_of({{1920, 1080}, {1280, 720}, {854, 480}}), "nvenc")
          .ok());
  // No limit (0), and a limit the driver does not report (-1, found out when a session opens).
  c.max_sessions = 0;
  EXPECT_TRUE(check_ladder_capabilities(c, four, "x264").ok());
  c.max_sessions = -1;
  EXPECT_TRUE(check_ladder_capabilities(c, four, "nvenc").ok());
}

TEST(CapabilityCheck, SizesAreCheckedBeforeSessions) {
  Capabilities c = nvenc_like();
  c.max_sessions = 1;
  Status s = check_ladder_capabilities(c, ladder_of({{1280, 720}, {8192, 4320}}), "nvenc");
  EXPECT_EQ(s.code(), ErrorCode::kUnsupported) << s.message();
}

TEST(Capabilities, EnumsPrintAsGearboxProbeShowsThem) {
  EXPECT_STREQ(to_string(Codec::kH264), "h264");
  EXPECT_STREQ(to_string(Codec::kHevc), "hevc");
  EXPECT_STREQ(to_string(RateControl::kAbrVbv), "abr+vbv");
  EXPECT_STREQ(to_string(RateControl::kCbr), "cbr");
  EXPECT_STREQ(to_string(RateControl::kVbr), "vbr");
  const Capabilities c = nvenc_like();
  EXPECT_TRUE(c.offers(Codec::kH264));
  EXPECT_FALSE(c.offers(Codec::kHevc));
  EXPECT_TRUE(c.offers(RateControl::kCbr));
  EXPECT_FALSE(c.offers(RateControl::kAbrVbv));
}

}  // namespace
}  // namespace gearbox
