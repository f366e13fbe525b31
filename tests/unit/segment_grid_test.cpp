#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "gearbox/segment_grid.h"

namespace gearbox {
namespace {

// Frame indices that start a segment when frames are stamped index / fps.
std::vector<int64_t> idr_frames(Rational fps, Rational segment, int64_t frames) {
  SegmentGrid grid(segment);
  MediaClock clock = MediaClock::for_frame_rate(fps);
  std::vector<int64_t> out;
  std::optional<Rational> prev;
  for (int64_t i = 0; i < frames; ++i) {
    Rational pts = clock.seconds_of(clock.ticks_of_frame(i));
    if (grid.starts_segment(prev, pts)) out.push_back(i);
    prev = pts;
  }
  return out;
}

TEST(SegmentGrid, WholeFramesPerSegment) {
  EXPECT_EQ(idr_frames({25, 1}, {2, 1}, 201), (std::vector<int64_t>{0, 50, 100, 150, 200}));
  EXPECT_EQ(idr_frames({30, 1}, {1, 2}, 46), (std::vector<int64_t>{0, 15, 30, 45}));
}

TEST(SegmentGrid, NtscRateCutsOnTheFirstFrameReachingEachLine) {
  // 30000/1001 fps, 2 s: line k is at frame k*59.94; the IDR is the first frame at or after it.
  auto idr = idr_frames({30000, 1001}, {2, 1}, 1200);
  ASSERT_EQ(idr.size(), 21u);
  for (size_t k = 0; k < idr.size(); ++k) {
    // ceil(k * 2 * 30000 / 1001) computed independently in integers.
    int64_t expected = (static_cast<int64_t>(k) * 60000 + 1000) / 1001;
    EXPECT_EQ(idr[k], expected) << "line " << k;
  }
  // A floating-point grid drifts here: line 17 is frame 1019 (1018.98...), not 1018.
  EXPECT_EQ(idr[17], 1019);
}

TEST(SegmentGrid, FractionalSegments) {
  EXPECT_EQ(idr_frames({25, 1}, {3, 5}, 61), (std::vector<int64_t>{0, 15, 30, 45, 60}));
  // 0.5 s at 24 fps = 12 frames.
  EXPECT_EQ(idr_frames({24, 1}, {1, 2}, 37), (std::vector<int64_t>{0, 12, 24, 36}));
}

TEST(SegmentGrid, CallerTimestampsBetweenLines) {
  SegmentGrid grid({2, 1});
  EXPECT_TRUE(grid.starts_segment(std::nullopt, {7, 10}));
  EXPECT_FALSE(grid.starts_segment(Rational{7, 10}, {19, 10}));
  EXPECT_TRUE(grid.starts_segment(Rational{19, 10}, {21, 10}));
  // Skipping a whole cell still starts exactly one segment.
  EXPECT_TRUE(grid.starts_segment(Rational{21, 10}, {71, 10}));
  EXPECT_EQ(grid.cell_of({71, 10}), 3);
}

// Input frame indices a rendition takes, with segments every `per_segment` input frames.
std::vector<int64_t> taken(Rational input, Rational rate, int64_t frames, int64_t per_segment) {
  RateDecimator d(rate);
  std::vector<int64_t> out;
  for (int64_t i = 0; i < frames; ++i) {
    if (d.take(Rational::make(i * input.den, input.num), i % per_segment == 0)) out.push_back(i);
  }
  return out;
}

TEST(RateDecimator, HalfRateTakesEveryOtherFrame) {
  EXPECT_EQ(taken({30, 1}, {15, 1}, 10, 60), (std::vector<int64_t>{0, 2, 4, 6, 8}));
  EXPECT_EQ(taken({30000, 1001}, {15000, 1001}, 7, 60), (std::vector<int64_t>{0, 2, 4, 6}));
}

TEST(RateDecimator, SameRateTakesEveryFrame) {
  EXPECT_EQ(taken({25, 1}, {25, 1}, 6, 50).size(), 6u);
}

TEST(RateDecimator, ThirtyToTwentyFourTakesFourInFive) {
  auto t = taken({30, 1}, {24, 1}, 30, 30);
  // Slots at k/24 s: frames 0, 2 (0.067 >= 0.042), 3, 4, 5, then 7 ...: 24 of 30 per second.
  EXPECT_EQ(std::vector<int64_t>(t.begin(), t.begin() + 6),
            (std::vector<int64_t>{0, 2, 3, 4, 5, 7}));
  EXPECT_EQ(t.size(), 24u);
}

TEST(RateDecimator, EverySegmentStartIsTakenAndRestartsTheGrid) {
  // 30 -> 15 with segments every 5 frames: the odd segment starts (5, 15) are taken too.
  EXPECT_EQ(taken({30, 1}, {15, 1}, 20, 5),
            (std::vector<int64_t>{0, 2, 4, 5, 7, 9, 10, 12, 14, 15, 17, 19}));
}

TEST(MediaClock, WholeTicksPerFrame) {
  MediaClock ntsc = MediaClock::for_frame_rate({30000, 1001});
  EXPECT_EQ(ntsc.timescale, 90000);
  EXPECT_EQ(ntsc.frame_ticks, 3003);
  MediaClock film = MediaClock::for_frame_rate({24000, 1001});
  EXPECT_EQ(film.timescale, 96000);
  EXPECT_EQ(film.frame_ticks, 4004);
  MediaClock pal = MediaClock::for_frame_rate({25, 1});
  EXPECT_EQ(pal.timescale, 90000);
  EXPECT_EQ(pal.frame_ticks, 3600);
  MediaClock odd = MediaClock::for_frame_rate({2997, 100});
  EXPECT_EQ(odd.frame_ticks * 2997, odd.timescale * 100);
}

TEST(Rational, ExactComparison) {
  EXPECT_TRUE((Rational{1001, 30000}) < (Rational{1, 29}));
  EXPECT_EQ(Rational::make(6, -4), (Rational{-3, 2}));
  EXPECT_EQ(mul_div_floor(-7, 1, 2), -4);
  EXPECT_EQ(mul_div_floor(7, 1, 2), 3);
}

}  // namespace
}  // namespace gearbox
