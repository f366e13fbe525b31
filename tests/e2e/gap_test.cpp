// A gap in the timestamps (a stalled source, a caller's jump): the segment before it ends with
// its media, the first frame after it starts a new segment in every rendition and in the audio,
// HLS marks it with EXT-X-DISCONTINUITY (and counts it in EXT-X-DISCONTINUITY-SEQUENCE once a
// live window slid past it), and DASH starts a new Period there. Read back with
// libavformat/libavcodec and libxml2, independently of gearbox's writers.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>

#include "backend_under_test.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "media_reader.h"
#include "playlist.h"
#include "temp_dir.h"
#include "xml_query.h"

namespace gearbox {
namespace {

namespace fs = std::filesystem;
using testing::decode_all;
using testing::extinf;
using testing::lines_of;
using testing::read_file;
using testing::temp_dir;
using testing::uris;
using testing::XmlQuery;

constexpr double kFrame = 0.04;                       // 25 fps
constexpr int kBefore = 45;                           // frames before the gap: 1.8 s
constexpr int kAfter = 45;                            // frames after it
constexpr double kJump = 20.0;                        // seconds of timestamps missing
constexpr double kResume = kBefore * kFrame + kJump;  // 21.8 s: the first frame after the gap
// On the 2 s grid: [0, 1.8) ends at the gap; [21.8, 22) is cut by the grid; then [22, 23.6).
const std::vector<double> kSegments = {1.8, 0.2, 1.6};

StreamConfig gap_config(const std::string& dir) {
  StreamConfig c;
  c.output = dir;
  c.format = OutputFormat::kBoth;
  c.input_frame_rate = {25, 1};
  c.segment_duration = {2, 1};
  c.renditions.push_back(RenditionSpec{320, 180, 300, std::nullopt});
  c.renditions.push_back(RenditionSpec{160, 90, 100, Rational{25, 2}});  // every other frame
  c.backend = testing::backend_under_test();
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

// Microseconds of frame i: 40 ms apart, `jump` seconds missing before frame kBefore.
int64_t timestamp_us(int i, double jump = kJump) {
  return std::llround((i * kFrame + (i >= kBefore ? jump : 0)) * 1e6);
}

void stream_with_gap(const StreamConfig& c, int after = kAfter, double jump = kJump) {
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  for (int i = 0; i < kBefore + after; ++i) {
    Status pushed = (*s)->push(pattern.render(i), timestamp_us(i, jump), Rational{1, 1000000});
    ASSERT_TRUE(pushed.ok()) << "frame " << i << ": " << pushed.message();
  }
  Status closed = (*s)->close();
  ASSERT_TRUE(closed.ok()) << closed.message();
}

int target_duration(const std::string& playlist) {
  for (const std::string& line : lines_of(playlist)) {
    if (line.rfind("#EXT-X-TARGETDURATION:", 0) == 0) return std::stoi(line.substr(22));
  }
  return -1;
}

// For each segment URI in order: whether EXT-X-DISCONTINUITY came right before its EXTINF.
std::vector<bool> discontinuity_before(const std::string& playlist) {
  std::vector<bool> flags;
  bool pending = false;
  for (const std::string& line : lines_of(playlist)) {
    if (line == "#EXT-X-DISCONTINUITY") pending = true;
    if (!line.empty() && line[0] != '#') {
      flags.push_back(pending);
      pending = false;
    }
  }
  return flags;
}

// Every EXTINF rounds to at most TARGETDURATION (RFC 8216 4.3.3.1).
void expect_target_duration_holds(const std::string& playlist, const std::string& what) {
  const int target = target_duration(playlist);
  ASSERT_GT(target, 0) << what;
  for (double d : extinf(playlist)) EXPECT_LE(std::lround(d), target) << what << ": EXTINF " << d;
}

// The frames of one media segment, decoded on its own (after the init segment for CMAF).
testing::DecodedStream decode_segment(const std::string& dir,
                                      const std::string& track,
                                      const std::string& uri) {
  if (uri.size() > 3 && uri.substr(uri.size() - 3) == ".ts") return decode_all(dir + "/" + uri);
  const std::string joined = dir + "/joined-" + uri + ".mp4";
  testing::write_file(joined,
                      read_file(dir + "/" + track + "-init.mp4") + read_file(dir + "/" + uri));
  auto d = decode_all(joined);
  fs::remove(joined);
  return d;
}

double seconds_of(const testing::DecodedStream& d, int64_t pts) {
  return static_cast<double>(pts) * d.time_base_num / d.time_base_den;
}

// The HLS side of a stream with one 20 s gap, for every video rendition.
void expect_hls_signals_the_gap(const std::string& dir, bool mpegts) {
  for (const std::string track : {"v0", "v1"}) {
    SCOPED_TRACE(track);
    const std::string playlist = read_file(dir + "/" + track + ".m3u8");
    EXPECT_EQ(target_duration(playlist), 2);
    expect_target_duration_holds(playlist, track);
    const std::vector<double> durations = extinf(playlist);
    ASSERT_EQ(durations.size(), kSegments.size()) << playlist;
    for (size_t k = 0; k < durations.size(); ++k)
      EXPECT_NEAR(durations[k], kSegments[k], 1e-6) << "segment " << k + 1;
    EXPECT_EQ(discontinuity_before(playlist), (std::vector<bool>{false, true, false})) << playlist;
    // Each segment's media: it starts where the media time says (the first after the gap at
    // 21.8 s), with an IDR, and (at the input rate) its frames fill exactly its EXTINF.
    const std::vector<std::string> names = uris(playlist);
    const std::vector<double> starts = {0.0, kResume, kResume + kSegments[1]};
    for (size_t k = 0; k < names.size(); ++k) {
      auto d = decode_segment(dir, track, names[k]);
      ASSERT_TRUE(d.ok) << names[k] << ": " << d.error;
      ASSERT_FALSE(d.frames.empty()) << names[k];
      EXPECT_TRUE(d.frames.front().keyframe) << names[k];
      // CMAF media time starts at 0; MPEG-TS carries the muxer's start offset, so it is
      // compared with the first segment's.
      double origin = 0;
      if (mpegts) {
        auto first = decode_segment(dir, track, names[0]);
        ASSERT_TRUE(first.ok && !first.frames.empty());
        origin = seconds_of(first, first.frames.front().pts);
      }
      EXPECT_NEAR(seconds_of(d, d.frames.front().pts) - origin, starts[k], 1e-4) << names[k];
      if (track == "v0") {
        EXPECT_NEAR(d.frames.size() * kFrame, durations[k], 1e-6) << names[k];
      }
    }
  }
}

TEST(Gaps, ACallerJumpOf20sCutsTheSegmentAndIsSignalledInHlsAndDash) {
  const std::string dir = temp_dir("gap-cmaf");
  stream_with_gap(gap_config(dir));
  expect_hls_signals_the_gap(dir, false);

  // DASH: a new Period after the gap, following the first without it (static, as in HLS); its
  // timeline starts at the media time after the gap (presentationTimeOffset), every S matching
  // the media, the same in every Representation.
  XmlQuery mpd(read_file(dir + "/manifest.mpd"));
  ASSERT_TRUE(mpd.ok());
  EXPECT_EQ(mpd.value("/d:MPD/@mediaPresentationDuration"), "PT3.600S");
  EXPECT_EQ(mpd.values("/d:MPD/d:Period/@start"), (std::vector<std::string>{"PT0S", "PT1.800S"}));
  EXPECT_EQ(mpd.values("/d:MPD/d:Period/@id"), (std::vector<std::string>{"0", "2"}));
  EXPECT_EQ(mpd.values("/d:MPD/d:Period[2]//d:Representation[@id='v0']/d:SegmentTemplate/"
                       "@presentationTimeOffset"),
            (std::vector<std::string>{"1962000"}));
  EXPECT_EQ(mpd.values("/d:MPD/d:Period[2]//d:SegmentTemplate/@startNumber"),
            (std::vector<std::string>{"2", "2", "2"}))
      << "every rendition (v0, v1, v2)";
  for (const std::string rep : {"v0", "v1"}) {
    const std::string base = "//d:Representation[@id='" + rep + "']/d:SegmentTemplate";
    EXPECT_EQ(mpd.values(base + "/d:SegmentTimeline/d:S/@t"),
              (std::vector<std::string>{"0", "1962000", "1980000"}))
        << rep;
    EXPECT_EQ(mpd.values(base + "/d:SegmentTimeline/d:S/@d"),
              (std::vector<std::string>{"162000", "18000", "144000"}))
        << rep;
    EXPECT_TRUE(mpd.values(base + "/d:SegmentTimeline/d:S/@r").empty()) << rep;
  }

  // A player reads past the gap: every frame, in order, through HLS. (libavformat's DASH
  // reader plays only the first Period; browser.gap plays the MPD in dash.js.)
  auto all = decode_all(dir + "/v0.m3u8");
  ASSERT_TRUE(all.ok) << all.error;
  EXPECT_EQ(all.frames.size(), static_cast<size_t>(kBefore + kAfter));
  fs::remove_all(dir);
}

TEST(Gaps, WithBFramesTheGapIsSignalledAndEveryFramePlays) {
  const std::string dir = temp_dir("gap-bframes");
  StreamConfig c = gap_config(dir);
  c.backend = "x264";
  c.backend_options["x264.bframes"] = "2";
  stream_with_gap(c);
  const std::string playlist = read_file(dir + "/v0.m3u8");
  expect_target_duration_holds(playlist, "v0");
  EXPECT_EQ(discontinuity_before(playlist), (std::vector<bool>{false, true, false})) << playlist;
  const std::vector<double> durations = extinf(playlist);
  ASSERT_EQ(durations.size(), kSegments.size());
  for (size_t k = 0; k < durations.size(); ++k)
    EXPECT_NEAR(durations[k], kSegments[k], 1e-6) << "segment " << k + 1;
  auto all = decode_all(dir + "/v0.m3u8");
  ASSERT_TRUE(all.ok) << all.error;
  EXPECT_EQ(all.frames.size(), static_cast<size_t>(kBefore + kAfter));
  XmlQuery mpd(read_file(dir + "/manifest.mpd"));
  EXPECT_EQ(mpd.values("/d:MPD/d:Period/@start"), (std::vector<std::string>{"PT0S", "PT1.800S"}));
  fs::remove_all(dir);
}

TEST(Gaps, MpegTsSegmentsEndAtTheGapToo) {
  const std::string dir = temp_dir("gap-ts");
  StreamConfig c = gap_config(dir);
  c.format = OutputFormat::kHls;
  c.hls_segment_type = HlsSegmentType::kMpegTs;
  stream_with_gap(c);
  expect_hls_signals_the_gap(dir, true);
  auto d = decode_all(dir + "/v0.m3u8");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.frames.size(), static_cast<size_t>(kBefore + kAfter));
  fs::remove_all(dir);
}

TEST(Gaps, TheAudioTrackFollowsTheGap) {
  const std::string dir = temp_dir("gap-audio");
  StreamConfig c = gap_config(dir);
  c.audio.source = "lavfi:sine=frequency=1000:sample_rate=48000";
  stream_with_gap(c);
  const std::string audio = read_file(dir + "/a0.m3u8");
  expect_target_duration_holds(audio, "a0");
  EXPECT_EQ(discontinuity_before(audio), (std::vector<bool>{false, true, false})) << audio;
  // Segment K of the audio within half an AAC frame of the video's, and its timeline restarts
  // at the AAC frame nearest 21.8 s.
  const std::vector<double> durations = extinf(audio);
  ASSERT_EQ(durations.size(), kSegments.size());
  const double half_frame = 512.0 / 48000 + 1e-6;
  EXPECT_NEAR(durations[0], kSegments[0], half_frame);
  XmlQuery mpd(read_file(dir + "/manifest.mpd"));
  const std::vector<std::string> t =
      mpd.values("//d:AdaptationSet[@contentType='audio']//d:SegmentTimeline/d:S/@t");
  const std::vector<std::string> d =
      mpd.values("//d:AdaptationSet[@contentType='audio']//d:SegmentTimeline/d:S/@d");
  ASSERT_EQ(t.size(), 3u) << read_file(dir + "/manifest.mpd");
  ASSERT_EQ(d.size(), 3u);
  EXPECT_NEAR(std::stod(t[1]) / 48000, kResume, half_frame);
  EXPECT_NEAR((std::stod(t[0]) + std::stod(d[0])) / 48000, kSegments[0], half_frame)
      << "ends at the gap";
  EXPECT_EQ(std::stoll(t[2]), std::stoll(t[1]) + std::stoll(d[1])) << "contiguous after the gap";
  for (size_t k = 0; k < durations.size(); ++k) {
    EXPECT_NEAR(durations[k], std::stod(d[k]) / 48000, 1e-6)
        << "HLS and DASH agree, segment " << k + 1;
  }
  // Placed by its timestamps, the audio plays the tone up to the gap and after it, and has
  // nothing inside it (the reader fills a gap in timestamps with zeros).
  auto a = testing::decode_audio(dir + "/a0.m3u8");
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_NEAR(a.seconds(), kResume + kSegments[1] + kSegments[2], 0.03);
  auto peak = [&](double from, double to) {
    float p = 0;
    for (size_t i = static_cast<size_t>(from * a.sample_rate);
         i < static_cast<size_t>(to * a.sample_rate) && i < a.samples.size(); ++i) {
      p = std::max(p, std::fabs(a.samples[i]));
    }
    return p;
  };
  EXPECT_GT(peak(0.1, 1.7), 0.05f) << "the tone before the gap";
  EXPECT_EQ(peak(1.85, 21.75), 0.0f) << "nothing inside the gap";
  EXPECT_GT(peak(21.9, 23.5), 0.05f) << "the tone after the gap";
  fs::remove_all(dir);
}

TEST(Gaps, LiveWindowsCountTheDiscontinuityAndDeleteAcrossIt) {
  const std::string dir = temp_dir("gap-live");
  StreamConfig c = gap_config(dir);
  c.live.enabled = true;
  c.live.window_segments = 2;
  c.live.delete_delay_segments = 1;
  // Every published media playlist of v0, as a player polling it would have seen them.
  std::mutex mutex;
  std::vector<std::string> seen, mpds;
  c.on_segment = [&](const SegmentEvent& e) {
    if (e.rendition != "v0") return;
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(read_file(dir + "/v0.m3u8"));
    mpds.push_back(read_file(dir + "/manifest.mpd"));
  };
  stream_with_gap(c, 200);  // 8 s after the gap: segments 1.8, 0.2, 2, 2, 2, 1.8
  seen.push_back(read_file(dir + "/v0.m3u8"));

  // A segment keeps its discontinuity number (EXT-X-DISCONTINUITY-SEQUENCE plus the tags up to
  // it) in every version of the playlist: 0 before the gap, 1 after it.
  size_t checked = 0;
  for (const std::string& playlist : seen) {
    if (playlist.empty()) continue;
    expect_target_duration_holds(playlist, "v0");
    int64_t number = 0;
    for (const std::string& line : lines_of(playlist)) {
      if (line.rfind("#EXT-X-DISCONTINUITY-SEQUENCE:", 0) == 0)
        number = std::stoll(line.substr(30));
      if (line == "#EXT-X-DISCONTINUITY") ++number;
      if (line.rfind("v0-", 0) == 0) {
        const int64_t segment = std::stoll(line.substr(3));
        EXPECT_EQ(number, segment == 1 ? 0 : 1) << "segment " << segment << " in\n" << playlist;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 6u);
  // The dynamic MPD: the period after the gap starts at its media time (21.8 s), and stays
  // the same Period (id 2) once the window has slid past the first.
  size_t two_periods = 0, second_only = 0;
  for (const std::string& text : mpds) {
    if (text.empty()) continue;
    XmlQuery mpd(text);
    ASSERT_TRUE(mpd.ok()) << text;
    if (mpd.value("/d:MPD/@type") != "dynamic") continue;
    const std::vector<std::string> ids = mpd.values("/d:MPD/d:Period/@id");
    const std::vector<std::string> starts = mpd.values("/d:MPD/d:Period/@start");
    if (ids == std::vector<std::string>{"0", "2"}) {
      ++two_periods;
      EXPECT_EQ(starts, (std::vector<std::string>{"PT0S", "PT21.800S"})) << text;
    } else if (ids == std::vector<std::string>{"2"}) {
      ++second_only;
      EXPECT_EQ(starts, (std::vector<std::string>{"PT21.800S"})) << text;
      EXPECT_EQ(mpd.value("//d:Representation[@id='v0']/d:SegmentTemplate/@presentationTimeOffset"),
                "1962000")
          << text;
    } else {
      EXPECT_EQ(ids, (std::vector<std::string>{"0"})) << text;
    }
  }
  // Whether a snapshot caught both periods listed depends on the other renditions' timing.
  // When v0 completes its 4th segment (50 frames), the others, at most a queue of frames
  // behind, have completed their 3rd, so the window (2) lists only the second period.
  (void)two_periods;
  EXPECT_GT(second_only, 0u);
  const std::string last = seen.back();
  EXPECT_NE(last.find("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"), std::string::npos) << last;
  EXPECT_EQ(last.find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << last;
  EXPECT_EQ(uris(last), (std::vector<std::string>{"v0-5.m4s", "v0-6.m4s"}));
  for (int k = 1; k <= 4; ++k)
    EXPECT_FALSE(fs::exists(dir + "/v0-" + std::to_string(k) + ".m4s")) << k;
  fs::remove_all(dir);
}

TEST(Gaps, AFrameLateByLessThanTheBoundOnlyLastsLonger) {
  // 0.6 s missing mid-segment: the segment stays within one segment plus a frame, so there is
  // no gap: the frame before the jump lasts 0.64 s and the timeline stays contiguous.
  const std::string dir = temp_dir("gap-small");
  StreamConfig c = gap_config(dir);
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(320, 180);
  for (int i = 0; i < 50; ++i) {
    const int64_t t = std::llround((i * kFrame + (i >= 10 ? 0.6 : 0)) * 1e6);
    ASSERT_TRUE((*s)->push(pattern.render(i), t, Rational{1, 1000000}).ok());
  }
  ASSERT_TRUE((*s)->close().ok());
  const std::string playlist = read_file(dir + "/v0.m3u8");
  EXPECT_EQ(playlist.find("DISCONTINUITY"), std::string::npos) << playlist;
  expect_target_duration_holds(playlist, "v0");
  XmlQuery mpd(read_file(dir + "/manifest.mpd"));
  EXPECT_EQ(mpd.values("//d:Representation[@id='v0']//d:S/@t"),
            (std::vector<std::string>{"0", "180000"}))
      << "contiguous";
  fs::remove_all(dir);
}

TEST(Gaps, AJumpThatWouldStretchASegmentPastTheTargetDurationIsAGap) {
  // 0.84 s missing at the end of a segment: shorter than a segment, but the segment would last
  // 2.6 s, an EXTINF that rounds above TARGETDURATION 2. It is cut at the jump instead.
  const std::string dir = temp_dir("gap-stretch");
  auto s = Streamer::open(gap_config(dir), testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(320, 180);
  for (int i = 0; i < 90; ++i) {
    const int64_t t = std::llround((i * kFrame + (i >= kBefore ? 0.8 : 0)) * 1e6);
    ASSERT_TRUE((*s)->push(pattern.render(i), t, Rational{1, 1000000}).ok());
  }
  ASSERT_TRUE((*s)->close().ok());
  const std::string playlist = read_file(dir + "/v0.m3u8");
  expect_target_duration_holds(playlist, "v0");
  const std::vector<double> durations = extinf(playlist);
  ASSERT_FALSE(durations.empty());
  EXPECT_NEAR(durations[0], 1.8, 1e-6) << playlist;
  EXPECT_EQ(discontinuity_before(playlist).at(1), true) << playlist;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gearbox
