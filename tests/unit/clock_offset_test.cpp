#include <gtest/gtest.h>

#include "clock_offset.h"

namespace gearbox {
namespace {

TEST(ClockOffset, LateReadingsDoNotMoveIt) {
  ClockOffset c(500'000);
  // A frame every 40 ms of media time, pushed 1 ms after it, some pushes 30 ms late.
  for (int64_t i = 0; i < 100; ++i) {
    const int64_t media = i * 40'000;
    c.add(1'000'000 + media + 1'000 + (i % 7 == 3 ? 30'000 : 0), media);
    EXPECT_EQ(c.offset_us(), 1'001'000) << i;
  }
}

TEST(ClockOffset, FollowsADriftWithinItsWindow) {
  ClockOffset c(500'000);
  // Pushed every 1/29 s, stamped every 1/30 s: the offset grows 1/30 s per wall second.
  int64_t wall = 0;
  for (int64_t i = 0; i < 290; ++i) {
    wall = i * 1'000'000 / 29;
    c.add(wall, i * 1'000'000 / 30);
  }
  const int64_t newest = wall - 289 * 1'000'000 / 30;
  EXPECT_LE(c.offset_us(), newest);
  EXPECT_GE(c.offset_us(), newest - 500'000 / 30 - 1'000) << "at most window x drift behind";
}

}  // namespace
}  // namespace gearbox
