// The settings matrix end to end: B-frames, x264 tunes, segment durations that do and do not
// fit the frame rate, NTSC and PAL rates, audio, live windows, low-latency chunks, HLS over
// fMP4 and MPEG-TS. Every case reads its output back from outside (libavformat through
// tests/support/media_reader.h, libxml2, the playlists line by line) and checks the promises
// every setting must keep:
//  - every segment of every rendition starts with an IDR, at the same instant in every
//    rendition;
//  - what the manifests declare for each segment (SegmentTimeline S@t/@d, EXTINF) is what the
//    media holds, within one tick of the timescale;
//  - every declared maximum holds for every segment of every track, the audio included
//    (MPD@maxSegmentDuration; RFC 8216's rule that EXTINF rounded to the nearest integer does
//    not exceed EXT-X-TARGETDURATION).
// Not the full cartesian product (that would take far too long on a loaded 2-core machine):
// every value of every axis, and the pairs where the defects were (B-frames with every segment
// duration and rate, MPEG-TS with B-frames, audio with fractional segments).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <string>

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
using testing::decode_audio;
using testing::extinf;
using testing::lines_of;
using testing::read_file;
using testing::uris;
using testing::XmlQuery;

enum class Mode { kVod, kLive, kLowLatency };
enum class Container { kCmaf, kMpegTs };

struct MatrixCase {
  int bframes;
  bool zerolatency;
  Rational segment;
  Rational rate;
  bool audio;
  Mode mode;
  Container container;
  std::string preset = "veryfast";  // x264's: B-pyramid, lookahead and B-frame decisions vary
};

std::string case_name(const MatrixCase& c) {
  auto rational = [](Rational r) {
    std::string s = std::to_string(r.num) + (r.den == 1 ? "" : "_" + std::to_string(r.den));
    return s;
  };
  std::string name = "b" + std::to_string(c.bframes) +
                     (c.zerolatency ? "_zerolatency" : "_tunenone") + "_seg" + rational(c.segment) +
                     "_fps" + rational(c.rate) + (c.audio ? "_audio" : "_noaudio");
  name += c.mode == Mode::kVod ? "_vod" : c.mode == Mode::kLive ? "_live" : "_lowlatency";
  name += c.container == Container::kCmaf ? "_cmaf" : "_ts";
  if (c.preset != "veryfast") name += "_" + c.preset;
  return name;
}

// ctest lists each case by its name rather than by its bytes.
void PrintTo(const MatrixCase& c, std::ostream* os) {
  *os << case_name(c);
}

// One segment as the media holds it (start, duration) and as the manifests declare it.
struct MediaSegment {
  long double start = 0;     // seconds
  long double duration = 0;  // seconds
};

// The media of one HLS media playlist: every listed segment's start (its IDR) and duration,
// read by libavformat's HLS demuxer over the whole playlist (what a player fetches).
struct VideoMedia {
  std::string error;
  int64_t timescale = 0;
  std::vector<MediaSegment> segments;
  std::vector<int64_t> keyframes;  // ticks
};

// `end`: where the last segment ends, in seconds (a rendition at a lower rate than the input
// ends with the input); < 0: one frame of `rate` after its last frame.
VideoMedia read_video(const std::string& playlist, Rational rate, long double end_of_last = -1) {
  VideoMedia v;
  testing::DecodedStream d = decode_all(playlist);
  if (!d.ok) {
    v.error = d.error;
    return v;
  }
  v.timescale = d.time_base_den / d.time_base_num;
  v.keyframes = d.keyframe_packet_pts;
  int64_t last_pts = 0;
  for (const auto& f : d.frames) last_pts = std::max(last_pts, f.pts);
  const long double tick = 1.0L / v.timescale;
  for (size_t k = 0; k < v.keyframes.size(); ++k) {
    MediaSegment s;
    s.start = v.keyframes[k] * tick;
    // The last segment ends one frame after its last frame.
    const long double end = k + 1 < v.keyframes.size() ? v.keyframes[k + 1] * tick
                            : end_of_last >= 0
                                ? end_of_last
                                : last_pts * tick + static_cast<long double>(rate.den) / rate.num;
    s.duration = end - s.start;
    v.segments.push_back(s);
  }
  return v;
}

// The audio segments of a playlist, each file read alone (init segment first for CMAF):
// presentation time of its first sample and how many samples it holds.
std::vector<MediaSegment> read_audio_segments(const std::string& dir,
                                              const std::string& playlist,
                                              Container container,
                                              std::string* error) {
  std::vector<MediaSegment> out;
  const std::string scratch = dir + "-audio-check";
  fs::create_directories(scratch);
  for (const std::string& uri : uris(read_file(dir + "/" + playlist))) {
    std::string path = dir + "/" + uri;
    if (container == Container::kCmaf) {
      path = scratch + "/" + uri + ".mp4";
      testing::write_file(path, read_file(dir + "/a0-init.mp4") + read_file(dir + "/" + uri));
    }
    testing::DecodedAudio a = decode_audio(path);
    if (!a.ok) {
      *error = uri + ": " + a.error;
      return {};
    }
    MediaSegment s;
    s.start = static_cast<long double>(a.first_sample) / a.sample_rate;
    s.duration = static_cast<long double>(a.decoded_samples) / a.sample_rate;
    out.push_back(s);
  }
  fs::remove_all(scratch);
  return out;
}

// The S elements of a Representation's SegmentTimeline, expanded: (t, d) in its timescale.
struct Timeline {
  int64_t timescale = 0;
  std::vector<std::pair<int64_t, int64_t>> segments;
};

Timeline timeline_of(const XmlQuery& mpd, const std::string& id) {
  Timeline tl;
  const std::string rep = "//d:Representation[@id='" + id + "']";
  tl.timescale = std::stoll(mpd.value(rep + "/d:SegmentTemplate/@timescale"));
  const std::vector<std::string> t = mpd.values(rep + "//d:S/@t");
  const std::vector<std::string> d = mpd.values(rep + "//d:S/@d");
  const size_t n = mpd.values(rep + "//d:S").size();
  EXPECT_EQ(t.size(), n) << id << ": every S has @t";
  EXPECT_EQ(d.size(), n) << id;
  for (size_t i = 0; i < n && i < t.size() && i < d.size(); ++i) {
    const std::string r = mpd.value(rep + "//d:S[" + std::to_string(i + 1) + "]/@r");
    int64_t start = std::stoll(t[i]);
    const int64_t dur = std::stoll(d[i]);
    for (int64_t k = 0; k <= (r.empty() ? 0 : std::stoll(r)); ++k) {
      tl.segments.emplace_back(start, dur);
      start += dur;
    }
  }
  return tl;
}

// xs:duration "PT1.234S" / "PT2S" / "PT1M2.5S" in seconds (hours, minutes, seconds only: what
// an MPD's segment bounds use); -1 for anything else.
long double xs_seconds(const std::string& text) {
  if (text.rfind("PT", 0) != 0 || text.size() < 4) return -1;
  long double total = 0;
  const char* p = text.c_str() + 2;
  while (*p) {
    char* end = nullptr;
    const long double v = std::strtold(p, &end);
    if (end == p) return -1;
    if (*end == 'H')
      total += 3600 * v;
    else if (*end == 'M')
      total += 60 * v;
    else if (*end == 'S')
      total += v;
    else
      return -1;
    p = end + 1;
  }
  return total;
}

int target_duration(const std::string& playlist) {
  for (const std::string& l : lines_of(playlist)) {
    if (l.rfind("#EXT-X-TARGETDURATION:", 0) == 0) return std::stoi(l.substr(22));
  }
  return -1;
}

class Matrix : public ::testing::TestWithParam<MatrixCase> {};

TEST_P(Matrix, SegmentsAlignAndManifestsDeclareWhatTheMediaHolds) {
  const MatrixCase& mc = GetParam();
  const std::string dir = testing::temp_dir("matrix-" + case_name(mc));
  StreamConfig c;
  c.output = dir;
  c.backend = testing::backend_under_test();
  c.log = [](LogLevel, const std::string&) {};
  c.format = mc.container == Container::kCmaf ? OutputFormat::kBoth : OutputFormat::kHls;
  c.hls_segment_type =
      mc.container == Container::kCmaf ? HlsSegmentType::kFmp4 : HlsSegmentType::kMpegTs;
  c.input_frame_rate = mc.rate;
  c.segment_duration = mc.segment;
  c.backend_options["x264.bframes"] = std::to_string(mc.bframes);
  c.backend_options["x264.tune"] = mc.zerolatency ? "zerolatency" : "none";
  c.backend_options["x264.preset"] = mc.preset;
  c.primary_bitrate_kbps = 300;
  c.renditions.push_back(RenditionSpec{192, 108, 150, std::nullopt});
  // A rung at half the rate: its frames, and so its B-frame delay, last twice as long.
  c.renditions.push_back(RenditionSpec{160, 90, 80, Rational{mc.rate.num, mc.rate.den * 2}});
  if (mc.audio) c.audio.source = "lavfi:sine=frequency=1000:beep_factor=4:sample_rate=48000";
  if (mc.mode != Mode::kVod) {
    c.live.enabled = true;
    c.live.window_segments = 4;
  }
  if (mc.mode == Mode::kLowLatency) c.low_latency.chunk_frames = 5;
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  // A little over 3 s, so the last segment is a partial one for every grid.
  const int frames = static_cast<int>(3.2 * mc.rate.num / mc.rate.den);
  for (int i = 0; i < frames; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok()) << i;
  ASSERT_TRUE((*s)->close().ok());

  const std::vector<std::string> videos = {"v0", "v1", "v2"};
  const long double tick = 1.0L / 90000;  // the video timescale at 25, 29.97 and 30 fps
  std::vector<VideoMedia> media;
  std::vector<std::vector<double>> declared;  // EXTINF per video track
  for (const std::string& v : videos) {
    const std::string playlist = dir + "/" + v + ".m3u8";
    if (v == "v2") {
      ASSERT_FALSE(media[0].segments.empty());
      const MediaSegment& last = media[0].segments.back();
      media.push_back(
          read_video(playlist, Rational{mc.rate.num, mc.rate.den * 2}, last.start + last.duration));
    } else {
      media.push_back(read_video(playlist, mc.rate));
    }
    ASSERT_TRUE(media.back().error.empty()) << v << ": " << media.back().error;
    declared.push_back(extinf(read_file(playlist)));
    // One IDR per listed segment, none elsewhere: the IDRs are where the segments start.
    ASSERT_EQ(media.back().segments.size(), declared.back().size())
        << v << ": IDRs in the media against segments listed";
  }

  // Every segment starts at the same instant in every rendition (each one's IDR).
  for (size_t r = 1; r < videos.size(); ++r) {
    for (size_t k = 0; k < media[0].segments.size(); ++k) {
      EXPECT_NEAR(static_cast<double>(media[r].segments[k].start),
                  static_cast<double>(media[0].segments[k].start), static_cast<double>(tick))
          << videos[r] << " segment " << k << " starts at another instant than v0's";
    }
  }
  // EXTINF is the media's duration (printed with 6 decimals: within a tick plus that rounding).
  for (size_t r = 0; r < videos.size(); ++r) {
    for (size_t k = 0; k < declared[r].size(); ++k) {
      EXPECT_NEAR(declared[r][k], static_cast<double>(media[r].segments[k].duration),
                  static_cast<double>(tick) + 1e-6)
          << videos[r] << " segment " << k << ": EXTINF against the media";
    }
  }

  // The audio's segments, as its files hold them and as its playlist declares them.
  std::vector<MediaSegment> audio;
  std::vector<double> audio_declared;
  if (mc.audio) {
    std::string error;
    audio = read_audio_segments(dir, "a0.m3u8", mc.container, &error);
    ASSERT_TRUE(error.empty()) << error;
    audio_declared = extinf(read_file(dir + "/a0.m3u8"));
    ASSERT_EQ(audio.size(), audio_declared.size());
    ASSERT_EQ(audio.size(), media[0].segments.size());
    for (size_t k = 0; k < audio.size(); ++k) {
      // The last AAC frame of the stream is cut short in the track; its decoder still returns
      // 1024 samples, so the last segment's media is at most one AAC frame longer.
      const double slack = k + 1 == audio.size() ? 1024.0 / 48000 : 0;
      EXPECT_LE(audio_declared[k], static_cast<double>(audio[k].duration) + 1.0 / 48000 + 1e-6)
          << "a0 segment " << k;
      EXPECT_GE(audio_declared[k] + slack,
                static_cast<double>(audio[k].duration) - 1.0 / 48000 - 1e-6)
          << "a0 segment " << k;
      // Within half an AAC frame of the video segment's start, on the same axis: both tracks
      // are shifted alike (the audio's shift rounded up to a whole sample).
      EXPECT_NEAR(static_cast<double>(audio[k].start),
                  static_cast<double>(media[0].segments[k].start),
                  513.0 / 48000 + static_cast<double>(tick))
          << "a0 segment " << k;
    }
  }

  // HLS: every playlist's EXTINF, rounded to the nearest integer, is at most its TARGETDURATION
  // (RFC 8216 4.3.3.1), and so is every segment's real duration.
  std::vector<std::string> playlists = {"v0.m3u8", "v1.m3u8", "v2.m3u8"};
  if (mc.audio) playlists.push_back("a0.m3u8");
  for (const std::string& p : playlists) {
    const std::string text = read_file(dir + "/" + p);
    const int target = target_duration(text);
    ASSERT_GT(target, 0) << p;
    for (double d : extinf(text)) EXPECT_LE(std::lround(d), target) << p << " EXTINF " << d;
  }
  for (const VideoMedia& v : media) {
    for (const MediaSegment& seg : v.segments) {
      EXPECT_LE(std::lround(static_cast<double>(seg.duration)),
                target_duration(read_file(dir + "/v0.m3u8")));
    }
  }

  if (mc.container != Container::kCmaf) return;  // DASH lists CMAF segments only

  // DASH: each Representation's SegmentTimeline is the media: S@t is the IDR's presentation
  // time (after presentationTimeOffset, on the same axis in every Representation), S@d its
  // duration; maxSegmentDuration bounds every segment of every track.
  XmlQuery mpd(read_file(dir + "/manifest.mpd"));
  ASSERT_TRUE(mpd.ok());
  const long double max_segment = xs_seconds(mpd.value("/d:MPD/@maxSegmentDuration"));
  ASSERT_GT(max_segment, 0) << mpd.value("/d:MPD/@maxSegmentDuration");
  std::vector<long double> first_start;
  for (size_t r = 0; r < videos.size(); ++r) {
    const Timeline tl = timeline_of(mpd, videos[r]);
    ASSERT_EQ(tl.timescale, media[r].timescale) << videos[r];
    ASSERT_EQ(tl.segments.size(), media[r].segments.size()) << videos[r];
    const std::string pto = mpd.value("//d:Representation[@id='" + videos[r] +
                                      "']/d:SegmentTemplate/@presentationTimeOffset");
    const int64_t offset = pto.empty() ? 0 : std::stoll(pto);
    for (size_t k = 0; k < tl.segments.size(); ++k) {
      EXPECT_LE(std::llabs(tl.segments[k].first - media[r].keyframes[k]), 1)
          << videos[r] << " segment " << k
          << ": S@t against its IDR's presentation time in the file";
      EXPECT_NEAR(static_cast<double>(tl.segments[k].second) / tl.timescale,
                  static_cast<double>(media[r].segments[k].duration), static_cast<double>(tick))
          << videos[r] << " segment " << k << ": S@d against the media";
      EXPECT_LE(media[r].segments[k].duration, max_segment) << videos[r] << " segment " << k;
      EXPECT_LE(static_cast<long double>(tl.segments[k].second) / tl.timescale, max_segment)
          << videos[r];
    }
    first_start.push_back(static_cast<long double>(tl.segments[0].first - offset) / tl.timescale);
  }
  for (size_t r = 1; r < first_start.size(); ++r) {
    EXPECT_NEAR(static_cast<double>(first_start[r]), static_cast<double>(first_start[0]),
                static_cast<double>(tick))
        << videos[r] << ": its first segment starts elsewhere in the period than v0's";
  }
  if (mc.audio) {
    const Timeline tl = timeline_of(mpd, "a0");
    ASSERT_EQ(tl.segments.size(), audio.size());
    for (size_t k = 0; k < audio.size(); ++k) {
      const long double d = static_cast<long double>(tl.segments[k].second) / tl.timescale;
      EXPECT_NEAR(static_cast<double>(d), audio_declared[k], 1.0 / 48000 + 1e-6)
          << "a0 segment " << k;
      EXPECT_LE(d, max_segment) << "a0 segment " << k << " is longer than maxSegmentDuration";
      EXPECT_LE(audio[k].duration - (k + 1 == audio.size() ? 1024.0L / 48000 : 0), max_segment)
          << "a0 segment " << k;
    }
  }
}

// Caller timestamps with B-frames: x264 measures its reorder delay on the first frames' own
// timestamps, so frames further apart than the declared rate at the start make the first
// packet's pts - dts larger than the delay the rate predicts. The stream must still work, its
// segments aligned, and every listed segment start with an IDR.
TEST(MatrixCallerTimestamps, BFramesWithASlowStartStillAlign) {
  const std::string dir = testing::temp_dir("matrix-caller-timestamps");
  StreamConfig c;
  c.output = dir;
  c.backend = testing::backend_under_test();
  c.log = [](LogLevel, const std::string&) {};
  c.format = OutputFormat::kBoth;
  c.input_frame_rate = {25, 1};
  c.segment_duration = {1, 1};
  c.backend_options["x264.bframes"] = "3";
  c.backend_options["x264.tune"] = "none";
  c.primary_bitrate_kbps = 300;
  c.renditions.push_back(RenditionSpec{192, 108, 150, std::nullopt});
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  // The first 4 frames 120 ms apart (3 frame durations), then every 40 ms: 3.3 s in all.
  int64_t t = 0;
  for (int i = 0; i < 80; ++i) {
    ASSERT_TRUE((*s)->push(pattern.render(i), t, Rational{1, 1000}).ok()) << i;
    t += i < 4 ? 120 : 40;
  }
  Status closed = (*s)->close();
  ASSERT_TRUE(closed.ok()) << closed.message();
  std::vector<VideoMedia> media;
  for (const std::string v : {"v0", "v1"}) {
    media.push_back(read_video(dir + "/" + v + ".m3u8", c.input_frame_rate));
    ASSERT_TRUE(media.back().error.empty()) << media.back().error;
    EXPECT_EQ(media.back().segments.size(), extinf(read_file(dir + "/" + v + ".m3u8")).size()) << v;
  }
  ASSERT_EQ(media[0].keyframes, media[1].keyframes);
  ASSERT_GE(media[0].keyframes.size(), 3u);
  XmlQuery mpd(read_file(dir + "/manifest.mpd"));
  ASSERT_TRUE(mpd.ok());
  const Timeline tl = timeline_of(mpd, "v0");
  ASSERT_EQ(tl.segments.size(), media[0].keyframes.size());
  for (size_t k = 0; k < tl.segments.size(); ++k) {
    EXPECT_LE(std::llabs(tl.segments[k].first - media[0].keyframes[k]), 1) << "segment " << k;
  }
}

constexpr Rational kNtsc{30000, 1001};
const MatrixCase kCases[] = {
    // bframes, zerolatency, segment, rate, audio, mode, container
    {0, true, {2, 1}, {30, 1}, false, Mode::kVod, Container::kCmaf},
    {3, false, {2, 1}, {30, 1}, false, Mode::kVod, Container::kCmaf},  // the reported case
    {3, false, {1, 2}, {25, 1}, true, Mode::kVod, Container::kCmaf},
    {3, false, {71, 100}, kNtsc, true, Mode::kVod, Container::kCmaf},
    {3, false, {71, 100}, {25, 1}, false, Mode::kVod, Container::kCmaf},
    {3, false, {1, 2}, {30, 1}, false, Mode::kLive, Container::kCmaf},
    {3, true, {71, 100}, {30, 1}, false, Mode::kLive, Container::kCmaf},
    {3, false, {2, 1}, kNtsc, true, Mode::kLowLatency, Container::kCmaf},
    {0, false, {1, 2}, {30, 1}, true, Mode::kLive, Container::kCmaf},
    {0, true, {71, 100}, {25, 1}, true, Mode::kLowLatency, Container::kCmaf},
    {0, true, {2, 1}, kNtsc, true, Mode::kVod, Container::kCmaf},
    {0, true, {71, 100}, {30, 1}, true, Mode::kVod, Container::kCmaf},
    {3, false, {2, 1}, {25, 1}, true, Mode::kVod, Container::kMpegTs},
    {3, true, {1, 2}, kNtsc, false, Mode::kLive, Container::kMpegTs},
    {3, false, {71, 100}, {30, 1}, true, Mode::kLowLatency, Container::kMpegTs},
    {0, true, {71, 100}, {30, 1}, true, Mode::kVod, Container::kMpegTs},
    // Other x264 settings: one B-frame (no pyramid: a delay of one frame), a slower preset
    // (more lookahead, B-pyramid, adaptive B-frame decisions) and the fastest one.
    {1, false, {71, 100}, {30, 1}, true, Mode::kVod, Container::kCmaf},
    {3, false, {2, 1}, {25, 1}, true, Mode::kLive, Container::kCmaf, "medium"},
    {3, false, {1, 2}, kNtsc, false, Mode::kVod, Container::kCmaf, "ultrafast"},
};

INSTANTIATE_TEST_SUITE_P(Settings,
                         Matrix,
                         ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<MatrixCase>& info) {
                           return case_name(info.param);
                         });

}  // namespace
}  // namespace gearbox
