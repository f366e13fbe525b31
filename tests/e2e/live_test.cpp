// Live mode and low-latency DASH, checked from outside: the manifests parsed with libxml2 and
// line by line while the stream runs, the files on disk counted, and the output decoded with
// libavformat/libavcodec after close().
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>

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

constexpr int kWindow = 3;
constexpr int kDelay = 2;
constexpr int kFps = 30;
constexpr int kFramesPerSegment = 15;  // 0.5 s segments: fractional durations are allowed
constexpr int kSegments = 24;

StreamConfig live_config(const std::string& dir) {
  StreamConfig c;
  c.output = dir;
  c.format = OutputFormat::kBoth;
  c.input_frame_rate = {kFps, 1};
  c.segment_duration = {1, 2};
  c.renditions.push_back(RenditionSpec{160, 90, 150, std::nullopt});
  c.backend = testing::backend_under_test();
  c.live.enabled = true;
  c.live.window_segments = kWindow;
  c.live.delete_delay_segments = kDelay;
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

int count_segment_files(const std::string& dir, const std::string& track) {
  int n = 0;
  const std::regex name(track + "-[0-9]+\\.m4s");
  for (const auto& e : fs::directory_iterator(dir)) {
    if (std::regex_match(e.path().filename().string(), name)) ++n;
  }
  return n;
}

std::string line_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind(prefix, 0) == 0) return l.substr(prefix.size());
  }
  return "";
}

TEST(Live, SlidingWindowDelayedDeletionAndBoundedDisk) {
  const std::string dir = temp_dir("live-window");
  std::mutex mutex;
  std::vector<std::string> problems;
  int checks = 0;
  int max_files = 0;
  StreamConfig c = live_config(dir);
  // After each publication: what a player reading the manifests now would fetch must exist.
  // Checked in the callback of a rendition whose segment e.number the MPD lists last: that
  // rendition's thread waits here with e.number segments, so nothing newer can be published
  // (nor anything deleted) while the files are checked. A check after a manifest that does
  // not list the callback's segment would race the other rendition's next publication, which
  // may rightly delete the oldest delayed segment meanwhile.
  c.on_segment = [&](const SegmentEvent& e) {
    std::lock_guard<std::mutex> lock(mutex);
    auto problem = [&](const std::string& p) {
      problems.push_back("after " + e.rendition + "-" + std::to_string(e.number) + ": " + p);
    };
    // Published once every rendition has the segment: v1 may not have its first one yet.
    if (!fs::exists(dir + "/manifest.mpd")) return;
    XmlQuery mpd(read_file(dir + "/manifest.mpd"));
    if (!mpd.ok()) return problem("MPD does not parse");
    const std::vector<int64_t> newest = testing::listed_segment_numbers(mpd);
    if (newest.empty() || newest.back() != e.number) return;
    ++checks;
    if (mpd.value("/d:MPD/@type") != "dynamic") problem("MPD is not dynamic");
    if (mpd.value("/d:MPD/@timeShiftBufferDepth") != "PT1.500S")
      problem("timeShiftBufferDepth " + mpd.value("/d:MPD/@timeShiftBufferDepth"));
    if (mpd.value("/d:MPD/@minimumUpdatePeriod") != "PT0.500S")
      problem("minimumUpdatePeriod " + mpd.value("/d:MPD/@minimumUpdatePeriod"));
    if (mpd.value("/d:MPD/@availabilityStartTime").empty()) problem("no availabilityStartTime");
    if (mpd.value("/d:MPD/d:UTCTiming/@schemeIdUri").empty()) problem("no UTCTiming");
    std::vector<int64_t> listed = testing::listed_segment_numbers(mpd);
    if (listed.size() > static_cast<size_t>(kWindow))
      problem(std::to_string(listed.size()) + " segments listed");
    for (const char* track : {"v0", "v1"}) {
      // Every listed segment exists, and so do the kDelay segments before the window.
      for (int64_t k = std::max<int64_t>(1, listed.front() - kDelay); k <= listed.back(); ++k) {
        const std::string f = dir + "/" + track + "-" + std::to_string(k) + ".m4s";
        if (!fs::exists(f)) problem(f + " missing");
      }
      max_files = std::max(max_files, count_segment_files(dir, track));
    }
    // The HLS playlist, of the same publication: its media sequence numbers its first URI,
    // and every URI it lists exists.
    const std::string hls = read_file(dir + "/v1.m3u8");
    const std::string sequence = line_starting(hls, "#EXT-X-MEDIA-SEQUENCE:");
    if (!line_starting(hls, "#EXT-X-PLAYLIST-TYPE:").empty())
      problem("a sliding HLS playlist has a PLAYLIST-TYPE");
    std::istringstream lines(hls);
    int uris = 0;
    for (std::string l; std::getline(lines, l);) {
      if (l.empty() || l[0] == '#') continue;
      if (uris == 0 && l != "v1-" + sequence + ".m4s")
        problem("HLS sequence " + sequence + " but first URI " + l);
      if (!fs::exists(dir + "/" + l)) problem("HLS lists missing " + l);
      ++uris;
    }
    if (uris > kWindow) problem("HLS lists " + std::to_string(uris) + " segments");
  };
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  for (int i = 0; i < kSegments * kFramesPerSegment; ++i) {
    Status pushed = (*s)->push(pattern.render(i));
    ASSERT_TRUE(pushed.ok()) << pushed.message();
  }
  ASSERT_TRUE((*s)->close().ok());
  for (const RenditionStats& r : (*s)->stats().renditions)
    EXPECT_EQ(r.segments_written, kSegments) << r.id;

  for (const std::string& p : problems) ADD_FAILURE() << p;
  EXPECT_GE(checks, kSegments - 1);
  // Disk: the window, the delay, and the segment that just completed.
  EXPECT_LE(max_files, kWindow + kDelay + 1);
  EXPECT_GE(max_files, kWindow + kDelay);

  // After close: a static MPD and ENDLIST playlists listing exactly the last window, all on disk.
  XmlQuery mpd(read_file(dir + "/manifest.mpd"));
  ASSERT_TRUE(mpd.ok());
  EXPECT_EQ(mpd.value("/d:MPD/@type"), "static");
  EXPECT_EQ(mpd.value("/d:MPD/@mediaPresentationDuration"), "PT1.500S");
  std::vector<int64_t> listed = testing::listed_segment_numbers(mpd);
  ASSERT_EQ(listed.size(), static_cast<size_t>(kWindow));
  EXPECT_EQ(listed.front(), kSegments - kWindow + 1);
  for (const char* track : {"v0", "v1"})
    EXPECT_EQ(count_segment_files(dir, track), kWindow) << track;
  const std::string hls = read_file(dir + "/v0.m3u8");
  EXPECT_EQ(line_starting(hls, "#EXT-X-MEDIA-SEQUENCE:"), std::to_string(kSegments - kWindow + 1));
  EXPECT_NE(hls.find("#EXT-X-ENDLIST"), std::string::npos);

  // Both manifests play what they list, from the window's first frame.
  for (const std::string& url : {dir + "/manifest.mpd", dir + "/v0.m3u8", dir + "/v1.m3u8"}) {
    auto d = decode_all(url);
    ASSERT_TRUE(d.ok) << url << ": " << d.error;
    EXPECT_EQ(d.frames.size(), static_cast<size_t>(kWindow * kFramesPerSegment)) << url;
    ASSERT_FALSE(d.frames.empty());
    EXPECT_TRUE(d.frames.front().keyframe) << url;
  }
  fs::remove_all(dir);
}

// Top-level ISO BMFF boxes of a file, by type.
std::vector<std::string> box_types(const std::string& bytes) {
  std::vector<std::string> types;
  size_t at = 0;
  while (at + 8 <= bytes.size()) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
    const uint64_t size = (uint64_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    types.emplace_back(bytes.data() + at + 4, 4);
    if (size < 8) break;
    at += size;
  }
  return types;
}

TEST(LowLatency, SegmentsAreWrittenAsChunksAndTheMpdSaysSo) {
  const std::string dir = temp_dir("low-latency");
  StreamConfig c = live_config(dir);
  c.live.enabled = false;
  c.segment_duration = {1, 1};
  c.low_latency.chunk_frames = 5;
  std::string dynamic_mpd;
  c.on_segment = [&](const SegmentEvent& e) {
    if (e.rendition == "v0" && e.number == 2) dynamic_mpd = read_file(dir + "/manifest.mpd");
  };
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  const int frames = 4 * kFps;
  for (int i = 0; i < frames; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  ASSERT_TRUE((*s)->close().ok());

  XmlQuery live(dynamic_mpd);
  ASSERT_TRUE(live.ok()) << dynamic_mpd;
  EXPECT_EQ(live.value("/d:MPD/@type"), "dynamic");
  // A segment of 30 frames is available from its first 5-frame chunk: 1 - 5/30 s early.
  std::vector<std::string> ato = live.values("//d:SegmentTemplate/@availabilityTimeOffset");
  ASSERT_EQ(ato.size(), 2u);
  EXPECT_NEAR(std::stod(ato[0]), 1.0 - 5.0 / 30.0, 1e-4);
  EXPECT_EQ(live.values("//d:SegmentTemplate/@availabilityTimeComplete"),
            (std::vector<std::string>{"false", "false"}));
  EXPECT_FALSE(live.value("/d:MPD/d:ServiceDescription/d:Latency/@target").empty());

  // Each 1 s segment: 6 chunks, each a moof + mdat pair, in a file a decoder reads whole.
  for (int k = 1; k <= 4; ++k) {
    std::vector<std::string> boxes =
        box_types(read_file(dir + "/v0-" + std::to_string(k) + ".m4s"));
    EXPECT_EQ(std::count(boxes.begin(), boxes.end(), "moof"), 6) << "segment " << k;
    EXPECT_EQ(std::count(boxes.begin(), boxes.end(), "mdat"), 6) << "segment " << k;
  }
  XmlQuery final_mpd(read_file(dir + "/manifest.mpd"));
  EXPECT_EQ(final_mpd.value("/d:MPD/@type"), "static");
  EXPECT_TRUE(final_mpd.values("//d:SegmentTemplate/@availabilityTimeOffset").empty());
  auto d = decode_all(dir + "/manifest.mpd");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.frames.size(), static_cast<size_t>(frames));

  // Push-to-disk latency is measured for every frame of every rendition.
  StreamStats st = (*s)->stats();
  ASSERT_EQ(st.renditions.size(), 2u);
  for (const RenditionStats& r : st.renditions) {
    EXPECT_GT(r.latency_ms_mean, 0) << r.id;
    EXPECT_GE(r.latency_ms_max, r.latency_ms_p95) << r.id;
    EXPECT_GE(r.latency_ms_p95, 0) << r.id;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gearbox
