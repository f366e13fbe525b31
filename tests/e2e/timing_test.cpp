// Timestamps, pacing and shutdown: caller timestamps (variable frame rate) reach the output
// exactly, bad timestamps are refused without harming the stream, the live drop option keeps
// push() from blocking while segments stay aligned, and close()/abort() return in bounded time
// leaving output that plays. Checked with libavformat/libavcodec and libxml2.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "backend_under_test.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "media_reader.h"
#include "temp_dir.h"
#include "xml_query.h"

namespace gearbox {
namespace {

namespace fs = std::filesystem;
using testing::decode_all;
using testing::read_file;
using testing::temp_dir;
using testing::XmlQuery;

StreamConfig one_rendition(const std::string& dir) {
  StreamConfig c;
  c.output = dir;
  c.format = OutputFormat::kBoth;
  c.input_frame_rate = {30, 1};
  c.segment_duration = {1, 1};
  c.backend = testing::backend_under_test();
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

double seconds(const testing::DecodedStream& d, int64_t pts) {
  return static_cast<double>(pts - d.frames.front().pts) * d.time_base_num / d.time_base_den;
}

TEST(Timestamps, CallerTimestampsGiveAVariableFrameRateOutput) {
  const std::string dir = temp_dir("vfr");
  auto s = Streamer::open(one_rendition(dir), testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(160, 90);
  // Irregular gaps in microseconds, starting from an arbitrary capture clock value.
  const int64_t gaps[] = {33333, 50000, 16667, 40000, 25000};
  std::vector<int64_t> sent;
  int64_t t = 7'000'000;
  for (int i = 0; i < 100; ++i) {
    sent.push_back(t - 7'000'000);
    ASSERT_TRUE((*s)->push(pattern.render(i), t).ok());
    t += gaps[i % 5];
  }
  ASSERT_TRUE((*s)->close().ok());
  for (const std::string& url : {dir + "/v0.m3u8", dir + "/manifest.mpd"}) {
    auto d = decode_all(url);
    ASSERT_TRUE(d.ok) << d.error;
    ASSERT_EQ(d.frames.size(), sent.size()) << url;
    for (size_t i = 0; i < sent.size(); ++i) {
      // Media ticks are 1/90000 s: within one tick of what the caller gave.
      EXPECT_NEAR(seconds(d, d.frames[i].pts), sent[i] * 1e-6, 1.0 / 90000 + 1e-9)
          << url << " frame " << i;
      // A keyframe exactly at the first frame of each 1 s grid cell.
      const bool first_in_cell = i == 0 || sent[i] / 1'000'000 != sent[i - 1] / 1'000'000;
      EXPECT_EQ(d.frames[i].keyframe, first_in_cell) << url << " frame " << i;
    }
  }
  fs::remove_all(dir);
}

TEST(Timestamps, NonIncreasingOrMixedTimestampsAreRefusedAndTheStreamGoesOn) {
  const std::string dir = temp_dir("bad-ts");
  auto s = Streamer::open(one_rendition(dir), testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(160, 90);
  ASSERT_TRUE((*s)->push(pattern.render(0), 0).ok());
  ASSERT_TRUE((*s)->push(pattern.render(1), 40, Rational{1, 1000}).ok());
  Status same = (*s)->push(pattern.render(2), 40, Rational{1, 1000});
  EXPECT_EQ(same.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(same.message().find("does not increase"), std::string::npos) << same.message();
  Status none = (*s)->push(pattern.render(2));
  EXPECT_EQ(none.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(none.message().find("has no timestamp"), std::string::npos) << none.message();
  Status bad_base = (*s)->push(pattern.render(2), 80, Rational{0, 1});
  EXPECT_EQ(bad_base.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_base.message().find("time_base"), std::string::npos) << bad_base.message();
  ASSERT_TRUE((*s)->push(pattern.render(2), 80, Rational{1, 1000}).ok());
  ASSERT_TRUE((*s)->close().ok());
  EXPECT_EQ((*s)->stats().frames_rejected, 2);
  auto d = decode_all(dir + "/v0.m3u8");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.frames.size(), 3u);
  fs::remove_all(dir);
}

// Timestamps whose media time does not fit the stream's clock (int64 ticks) are refused, naming
// the timestamp, instead of overflowing (signed overflow: undefined; fuzz_push_timestamps has
// these in its seed corpus); the stream goes on.
TEST(Timestamps, TimestampsPastTheClocksRangeAreRefused) {
  const std::string dir = temp_dir("huge-ts");
  auto s = Streamer::open(one_rendition(dir), testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(160, 90);
  ASSERT_TRUE((*s)->push(pattern.render(0), -9000000000000000000LL).ok());
  Status far = (*s)->push(pattern.render(1), 9000000000000000000LL);
  EXPECT_EQ(far.code(), ErrorCode::kInvalidArgument) << far.message();
  EXPECT_NE(far.message().find("timestamp 9000000000000000000"), std::string::npos)
      << far.message();
  Status big_base = (*s)->push(pattern.render(1), 1, Rational{INT64_MAX, 1});
  EXPECT_EQ(big_base.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(big_base.message().find("out of range"), std::string::npos) << big_base.message();
  ASSERT_TRUE((*s)->push(pattern.render(1), -9000000000000000000LL + 40000).ok());
  ASSERT_TRUE((*s)->close().ok());
  EXPECT_EQ((*s)->stats().frames_pushed, 2);
  fs::remove_all(dir);
}

// A ladder x264 cannot encode as fast as frames arrive: 640x360 at preset "slow", frames
// pushed back to back.
StreamConfig slow_config(const std::string& dir, bool drop) {
  StreamConfig c = one_rendition(dir);
  c.backend = "x264";  // x264's own preset makes it slow, whatever backend the suite runs on
  c.backend_options["x264.preset"] = "slow";
  c.queue_depth = 1;
  c.live.drop_frames_when_behind = drop;
  return c;
}

TEST(Pacing, DropOptionDropsInsteadOfBlockingAndKeepsSegmentsAligned) {
  const std::string dir = temp_dir("drop");
  auto s = Streamer::open(slow_config(dir, true), testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(640, 360);
  const int total = 150;
  for (int i = 0; i < total; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  ASSERT_TRUE((*s)->close().ok());
  StreamStats st = (*s)->stats();
  EXPECT_GT(st.frames_dropped, 0);
  EXPECT_EQ(st.frames_pushed + st.frames_dropped, total);
  auto d = decode_all(dir + "/v0.m3u8");
  ASSERT_TRUE(d.ok) << d.error;
  ASSERT_EQ(d.frames.size(), static_cast<size_t>(st.frames_pushed));
  // Dropped frames keep their place on the timeline (pts = index / rate), and the first frame
  // accepted in each 1 s cell is the keyframe, wherever drops fell.
  std::set<int64_t> cells;
  for (const auto& f : d.frames) {
    const double at = seconds(d, f.pts);
    const int64_t frame_index = std::llround(at * 30);
    EXPECT_NEAR(at * 30, static_cast<double>(frame_index), 1e-3);
    const bool first_in_cell = cells.insert(frame_index / 30).second;
    EXPECT_EQ(f.keyframe, first_in_cell) << "frame at " << at << " s";
  }
  fs::remove_all(dir);
}

TEST(Pacing, WithoutTheDropOptionNothingIsLost) {
  const std::string dir = temp_dir("no-drop");
  auto s = Streamer::open(slow_config(dir, false), testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(640, 360);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  ASSERT_TRUE((*s)->close().ok());
  EXPECT_EQ((*s)->stats().frames_dropped, 0);
  auto d = decode_all(dir + "/v0.m3u8");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.frames.size(), 60u);
  fs::remove_all(dir);
}

// The final MPD is static, and every segment it lists is on disk and decodes.
void expect_final_output_plays(const std::string& dir, size_t frames_per_segment, size_t* listed) {
  XmlQuery mpd(read_file(dir + "/manifest.mpd"));
  ASSERT_TRUE(mpd.ok());
  EXPECT_EQ(mpd.value("/d:MPD/@type"), "static");
  const size_t n = testing::listed_segment_numbers(mpd).size();
  for (size_t k = 1; k <= n; ++k)
    EXPECT_TRUE(fs::exists(dir + "/v0-" + std::to_string(k) + ".m4s")) << k;
  auto d = decode_all(dir + "/manifest.mpd");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.frames.size(), n * frames_per_segment);
  EXPECT_NE(read_file(dir + "/v0.m3u8").find("#EXT-X-ENDLIST"), std::string::npos);
  *listed = n;
}

TEST(Close, ReturnsWithinItsTimeoutWhenACallbackHangsAndTheOutputPlays) {
  const std::string dir = temp_dir("hang");
  StreamConfig c = one_rendition(dir);
  c.close_timeout_seconds = 1;
  std::mutex mutex;
  std::condition_variable cv;
  bool release = false;
  c.on_segment = [&](const SegmentEvent& e) {
    if (e.number != 3) return;
    std::unique_lock<std::mutex> lock(mutex);  // a sink that hangs until the test lets go
    cv.wait(lock, [&] { return release; });
  };
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(160, 90);
  // Segment 3 completes (and hangs its callback) when frame 90 arrives; a few more frames are
  // then queued ahead of the hung encoder thread.
  for (int i = 0; i < 92; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  const auto start = std::chrono::steady_clock::now();
  Status closed = (*s)->close();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(closed.code(), ErrorCode::kTimeout);
  EXPECT_NE(closed.message().find("close_timeout_seconds"), std::string::npos) << closed.message();
  EXPECT_LT(took, 5.0);  // 1 s timeout + 1 s for stopping: far from "forever"
  size_t listed = 0;
  expect_final_output_plays(dir, 30, &listed);
  EXPECT_EQ(listed, 3u);
  {
    std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  cv.notify_all();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the left-behind thread end
  fs::remove_all(dir);
}

TEST(Close, AbortStopsAtOnceAndListsEveryCompleteSegment) {
  const std::string dir = temp_dir("abort");
  StreamConfig c = one_rendition(dir);
  c.renditions.push_back(RenditionSpec{160, 90, 150, std::nullopt});
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(320, 180);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  Status aborted = (*s)->abort();
  EXPECT_EQ(aborted.code(), ErrorCode::kClosed);
  EXPECT_NE(aborted.message().find("segments complete in every rendition"), std::string::npos)
      << aborted.message();
  EXPECT_EQ((*s)->push(pattern.render(200)).code(), ErrorCode::kClosed);
  size_t listed = 0;
  expect_final_output_plays(dir, 30, &listed);
  EXPECT_GE(listed, 5u);  // 6 segments were complete or nearly so
  EXPECT_LE(listed, 6u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gearbox
