// The audio track end to end: lavfi sources through the Streamer, the packaged output read back
// by independent readers (libavformat/libavcodec for media, libxml2 for the MPD, the HLS
// playlists line by line), and audio/video sync measured on what a player would fetch.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "media_reader.h"
#include "playlist.h"
#include "temp_dir.h"
#include "xml_query.h"

namespace gearbox {
namespace {

namespace fs = std::filesystem;
using testing::attribute_number;
using testing::decode_all;
using testing::decode_audio;
using testing::extinf;
using testing::lines_of;
using testing::read_file;
using testing::temp_dir;
using testing::XmlQuery;

// The beep: a 1 kHz tone that switches to 4 kHz for 40 ms at the start of every second.
constexpr const char* kBeepingTone = "lavfi:sine=frequency=1000:beep_factor=4:sample_rate=48000";

// Collects log lines (the Streamer logs from its threads).
struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  LogCallback callback() {
    return [this](LogLevel, const std::string& m) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(m);
    };
  }
  bool contains(const std::string& needle) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const std::string& l : lines) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

// Largest |sample| between two instants (seconds).
float peak_between(const testing::DecodedAudio& a, double from, double to) {
  float peak = 0;
  const size_t end = std::min(a.samples.size(), static_cast<size_t>(to * a.sample_rate));
  for (size_t i = static_cast<size_t>(from * a.sample_rate); i < end; ++i)
    peak = std::max(peak, std::fabs(a.samples[i]));
  return peak;
}

StreamConfig audio_config(const std::string& dir, const std::string& source, Rational fps) {
  StreamConfig c;
  c.output = dir;
  c.format = OutputFormat::kBoth;
  c.input_frame_rate = fps;
  c.segment_duration = {1, 1};
  c.backend = "x264";
  c.audio.source = source;
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

// Streams `frames` frames of the moving test pattern; returns the closed streamer's stats.
StreamStats stream_pattern(const StreamConfig& config,
                           int frames,
                           int width = 320,
                           int height = 180) {
  auto s = Streamer::open(config);
  EXPECT_TRUE(s.ok()) << s.error().message;
  if (!s.ok()) return {};
  TestPattern pattern(width, height);
  for (int i = 0; i < frames; ++i) EXPECT_TRUE((*s)->push(pattern.render(i)).ok());
  EXPECT_TRUE((*s)->close().ok());
  return (*s)->stats();
}

// The audio track of the packaged output spans `seconds` (to within a frame at 25 fps).
void expect_audio_spans(const std::string& url, double seconds) {
  auto a = decode_audio(url);
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_NEAR(a.seconds(), seconds, 0.04) << url;
}

// Audio segment K starts within half an AAC frame of video segment K, in the HLS playlists.
void expect_segments_aligned(const std::string& dir) {
  const auto audio_segments = extinf(read_file(dir + "/a0.m3u8"));
  const auto video_segments = extinf(read_file(dir + "/v0.m3u8"));
  ASSERT_EQ(audio_segments.size(), video_segments.size());
  double audio_start = 0, video_start = 0;
  for (size_t k = 0; k < audio_segments.size(); ++k) {
    EXPECT_NEAR(audio_start, video_start, 512.0 / 48000 + 1e-6) << "segment " << k + 1;
    audio_start += audio_segments[k];
    video_start += video_segments[k];
  }
  EXPECT_NEAR(audio_start, video_start, 1e-5) << "the audio ends with the video";
}

// Pushes frames first..first+count of the pattern at 25 fps of wall time, as a camera would.
void push_in_real_time(Streamer& s, TestPattern& pattern, int first, int count) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(40 * i));
    ASSERT_TRUE(s.push(pattern.render(first + i)).ok());
  }
}

TEST(Audio, OneAacTrackSharedByEveryRenditionInDashAndHls) {
  const std::string dir = temp_dir("audio-shared");
  StreamConfig c = audio_config(dir, kBeepingTone, {25, 1});
  c.renditions.push_back(RenditionSpec{160, 90, 100, std::nullopt});
  const StreamStats st = stream_pattern(c, 100);  // 4 s
  const double video_seconds = 4.0, frame = 1.0 / 25;

  // The media: AAC-LC, 48 kHz stereo, as long as the video to within a frame, from HLS and DASH.
  for (const std::string& url : {dir + "/a0.m3u8", dir + "/manifest.mpd", dir + "/master.m3u8"}) {
    SCOPED_TRACE(url);
    auto a = decode_audio(url);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.codec_name, "aac");
    EXPECT_EQ(a.sample_rate, 48000);
    EXPECT_EQ(a.channels, 2);
    EXPECT_EQ(a.first_sample, 0);
    EXPECT_NEAR(a.seconds(), video_seconds, frame);
  }
  auto v = decode_all(dir + "/v1.m3u8");
  ASSERT_TRUE(v.ok) << v.error;
  EXPECT_EQ(v.frames.size(), 100u);
  // What each track carries on average (payload only; the segments add a little container).
  const int64_t audio_bps = decode_audio(dir + "/a0.m3u8").packet_bytes * 8 / 4;
  const int64_t video_bps[] = {decode_all(dir + "/v0.m3u8").packet_bytes * 8 / 4,
                               v.packet_bytes * 8 / 4};
  EXPECT_GT(audio_bps, 100000);

  // HLS: one audio group, named by every variant, whose CODECS and BANDWIDTH include it.
  const auto master = lines_of(read_file(dir + "/master.m3u8"));
  int media = 0, variants = 0;
  for (const std::string& l : master) {
    if (l.rfind("#EXT-X-MEDIA:", 0) == 0) {
      ++media;
      EXPECT_NE(l.find("TYPE=AUDIO"), std::string::npos) << l;
      EXPECT_NE(l.find("GROUP-ID=\"aac\""), std::string::npos) << l;
      EXPECT_NE(l.find("CHANNELS=\"2\""), std::string::npos) << l;
      EXPECT_NE(l.find("URI=\"a0.m3u8\""), std::string::npos) << l;
    }
    if (l.rfind("#EXT-X-STREAM-INF:", 0) == 0) {
      ASSERT_LT(variants, 2);
      EXPECT_NE(l.find("AUDIO=\"aac\""), std::string::npos) << l;
      EXPECT_NE(l.find(",mp4a.40.2\""), std::string::npos) << l;
      // Apple: BANDWIDTH and AVERAGE-BANDWIDTH include the audio.
      EXPECT_GE(attribute_number(l, "AVERAGE-BANDWIDTH"), audio_bps + video_bps[variants]) << l;
      EXPECT_GE(attribute_number(l, "BANDWIDTH"), attribute_number(l, "AVERAGE-BANDWIDTH")) << l;
      ++variants;
    }
  }
  EXPECT_EQ(media, 1);
  EXPECT_EQ(variants, 2);

  EXPECT_EQ(extinf(read_file(dir + "/a0.m3u8")).size(), 4u);
  expect_segments_aligned(dir);

  // DASH: an audio AdaptationSet beside the video one, with its own timeline.
  testing::XmlQuery x(read_file(dir + "/manifest.mpd"));
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.values("//d:AdaptationSet/@contentType"),
            (std::vector<std::string>{"video", "audio"}));
  EXPECT_EQ(x.values("//d:AdaptationSet[@contentType='audio']/@mimeType"),
            std::vector<std::string>{"audio/mp4"});
  EXPECT_EQ(x.values("//d:AdaptationSet[@contentType='video']/d:Representation/@id"),
            (std::vector<std::string>{"v0", "v1"}));
  const char* audio_rep = "//d:AdaptationSet[@contentType='audio']/d:Representation";
  EXPECT_EQ(x.values((std::string(audio_rep) + "/@codecs").c_str()),
            std::vector<std::string>{"mp4a.40.2"});
  EXPECT_EQ(x.values((std::string(audio_rep) + "/@audioSamplingRate").c_str()),
            std::vector<std::string>{"48000"});
  EXPECT_EQ(x.values((std::string(audio_rep) + "/d:AudioChannelConfiguration/@value").c_str()),
            std::vector<std::string>{"2"});
  EXPECT_EQ(
      x.values((std::string(audio_rep) + "/d:AudioChannelConfiguration/@schemeIdUri").c_str()),
      std::vector<std::string>{"urn:mpeg:mpegB:cicp:ChannelConfiguration"});
  EXPECT_EQ(x.values((std::string(audio_rep) + "//d:SegmentTemplate/@timescale").c_str()),
            std::vector<std::string>{"48000"});
  EXPECT_FALSE(x.values((std::string(audio_rep) + "//d:S/@d").c_str()).empty());

  EXPECT_TRUE(st.audio.enabled);
  EXPECT_EQ(st.audio.segments_written, 4);
  EXPECT_FALSE(st.audio.source_ended);
  EXPECT_TRUE(st.audio.source_error.empty());
  EXPECT_NEAR(st.audio.seconds_of_silence, 0, 1e-9);
  fs::remove_all(dir);
}

// At 240 fps with 2 s segments, 481 frames end the video 4.2 ms into its second segment, before
// the AAC frame nearest that segment's start (at 2.0053 s): the audio still has a second
// segment, so the manifests, which list what every track has, list the video's last frame.
TEST(Audio, AVideoSegmentShorterThanHalfAnAacFrameStillHasItsAudioSegment) {
  const std::string dir = temp_dir("audio-short-last");
  StreamConfig c = audio_config(dir, kBeepingTone, {240, 1});
  c.segment_duration = {2, 1};
  stream_pattern(c, 481, 160, 90);
  EXPECT_EQ(extinf(read_file(dir + "/v0.m3u8")).size(), 2u);
  EXPECT_EQ(extinf(read_file(dir + "/a0.m3u8")).size(), 2u);
  EXPECT_EQ(decode_all(dir + "/manifest.mpd").frames.size(), 481u);
  fs::remove_all(dir);
}

// --- Sync, measured on the packaged output --------------------------------------------------

// A frame that is bright exactly when index % fps == 0: a flash once a second (or when told).
class FlashPattern {
 public:
  FlashPattern(int width, int height) : width_(width), height_(height), luma_(width * height) {}
  FrameView render(int64_t index, int fps) { return render(index % fps == 0); }
  FrameView render(bool bright) {
    std::fill(luma_.begin(), luma_.end(), bright ? 235 : 16);
    return FrameView::packed(PixelFormat::kGRAY8, width_, height_, luma_.data());
  }

 private:
  int width_, height_;
  std::vector<uint8_t> luma_;
};

// Presentation times (seconds) of frames brighter than mid-grey.
std::vector<double> flash_times(const testing::DecodedStream& v) {
  std::vector<double> out;
  const double tb = static_cast<double>(v.time_base_num) / v.time_base_den;
  for (const auto& f : v.frames) {
    double sum = 0;
    for (uint8_t y : f.luma) sum += y;
    if (!f.luma.empty() && sum / static_cast<double>(f.luma.size()) > 128)
      out.push_back(static_cast<double>(f.pts) * tb);
  }
  return out;
}

// Beep onsets (seconds): where the tone's sample-to-sample change first exceeds half its usual
// size during beeps (the 4 kHz beep changes four times faster than the 1 kHz tone; beeps are 4 %
// of the time, so the 99th percentile is a beep's, and a lone click does not move it), at least
// 0.5 s after the previous onset.
std::vector<double> beep_onsets(const testing::DecodedAudio& a) {
  std::vector<float> change;
  for (size_t i = 1; i < a.samples.size(); ++i)
    change.push_back(std::fabs(a.samples[i] - a.samples[i - 1]));
  if (change.empty()) return {};
  std::vector<float> sorted = change;
  auto p99 = sorted.begin() + static_cast<ptrdiff_t>(sorted.size() * 99 / 100);
  std::nth_element(sorted.begin(), p99, sorted.end());
  const float threshold = *p99 / 2;
  std::vector<double> out;
  double last = -1e9;
  for (size_t i = 1; i < a.samples.size(); ++i) {
    const double t = static_cast<double>(a.first_sample + static_cast<int64_t>(i)) / a.sample_rate;
    if (change[i - 1] > threshold && t - last > 0.5) {
      out.push_back(t);
      last = t;
    }
  }
  return out;
}

struct SyncMeasure {
  size_t flashes = 0;
  size_t paired = 0;            // flashes with a beep within half a second
  double max_offset = 0;        // largest |beep - flash|, seconds
  double max_at = 0;            // the flash where it was measured
  double last_offset = 0;       // beep - flash of the last pair
  std::vector<double> offsets;  // beep - flash of every pair
};

SyncMeasure measure_sync(const std::string& video_url, const std::string& audio_url) {
  SyncMeasure m;
  auto v = decode_all(video_url, 0, true);
  auto a = decode_audio(audio_url);
  EXPECT_TRUE(v.ok) << v.error;
  EXPECT_TRUE(a.ok) << a.error;
  const std::vector<double> flashes = flash_times(v), beeps = beep_onsets(a);
  m.flashes = flashes.size();
  for (double f : flashes) {
    auto nearest = std::min_element(beeps.begin(), beeps.end(), [f](double x, double y) {
      return std::fabs(x - f) < std::fabs(y - f);
    });
    if (nearest == beeps.end() || std::fabs(*nearest - f) > 0.5) continue;
    ++m.paired;
    m.last_offset = *nearest - f;
    m.offsets.push_back(m.last_offset);
    if (std::fabs(m.last_offset) >= m.max_offset) {
      m.max_offset = std::fabs(m.last_offset);
      m.max_at = f;
    }
  }
  return m;
}

void stream_flashes(const std::string& dir, const std::string& audio, int fps, int seconds) {
  StreamConfig c = audio_config(dir, audio, {fps, 1});
  c.segment_duration = {2, 1};
  auto s = Streamer::open(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  FlashPattern pattern(160, 90);
  for (int i = 0; i < fps * seconds; ++i) ASSERT_TRUE((*s)->push(pattern.render(i, fps)).ok());
  ASSERT_TRUE((*s)->close().ok());
}

TEST(AudioSync, BeepStaysWithTheFlashForAMinuteInDashAndHls) {
  const std::string dir = temp_dir("audio-sync");
  const int fps = 30, seconds = 62;
  stream_flashes(dir, kBeepingTone, fps, seconds);
  for (const auto& [video, audio] :
       {std::pair<std::string, std::string>{dir + "/v0.m3u8", dir + "/a0.m3u8"},
        {dir + "/manifest.mpd", dir + "/manifest.mpd"}}) {
    SCOPED_TRACE(video);
    SyncMeasure m = measure_sync(video, audio);
    EXPECT_EQ(m.flashes, static_cast<size_t>(seconds));
    EXPECT_EQ(m.paired, m.flashes) << "every flash has its beep";
    EXPECT_LE(m.max_offset, 1.0 / fps) << "largest |beep - flash| over " << seconds << " s";
    std::printf(
        "[ sync    ] %s: %zu flashes, max |beep - flash| %.2f ms (at %.0f s), last %.2f ms\n",
        video.c_str(), m.paired, m.max_offset * 1e3, m.max_at, m.last_offset * 1e3);
  }
  fs::remove_all(dir);
}

// The negative control: the same measurement on audio delayed by 100 ms (three frames) finds it.
TEST(AudioSync, MeasurementDetectsAudioThreeFramesLate) {
  const std::string dir = temp_dir("audio-late");
  const int fps = 30;
  stream_flashes(dir, std::string(kBeepingTone) + ",adelay=100", fps, 8);
  SyncMeasure m = measure_sync(dir + "/v0.m3u8", dir + "/a0.m3u8");
  EXPECT_EQ(m.paired, 8u);
  EXPECT_GT(m.max_offset, 1.0 / fps) << "out of sync must be detected";
  EXPECT_NEAR(m.last_offset, 0.100, 0.005);
  fs::remove_all(dir);
}

// A live source on the wall clock, with frames pushed in real time at 29 fps while the stream
// says 30 fps (a camera slower than its nominal rate): both come from the same instants, a flash
// pushed every wall-clock second and a beep every wall-clock second (lavfi's arealtime releases
// them in real time). The video's media clock runs 1/30 slower than the wall clock, so audio
// placed by the wall clock alone would drift 33 ms a second (StreamGear's flaw); gearbox maps
// the wall clock through the times frames are pushed, so the beeps stay with the flashes.
TEST(AudioSync, WallClockSourceStaysWithFramesPushedSlowerThanTheirRate) {
  const std::string dir = temp_dir("audio-wall");
  const int nominal = 30, real = 29, seconds = 20;
  StreamConfig c = audio_config(dir, std::string(kBeepingTone) + ":samples_per_frame=480,arealtime",
                                {nominal, 1});
  c.segment_duration = {2, 1};
  c.audio.clock = AudioClock::kWall;
  auto s = Streamer::open(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  FlashPattern pattern(160, 90);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < real * seconds; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(int64_t{1000000} * i / real));
    ASSERT_TRUE((*s)->push(pattern.render(i, real)).ok());
  }
  ASSERT_TRUE((*s)->close().ok());
  const StreamStats st = (*s)->stats();
  EXPECT_TRUE(st.audio.wall_clock);
  // 20 s of wall time are 19.33 s of media time: the video's clock lags by about 0.67 s.
  EXPECT_NEAR(st.audio.video_clock_lag, seconds * (1.0 - static_cast<double>(real) / nominal), 0.1);
  SyncMeasure m = measure_sync(dir + "/v0.m3u8", dir + "/a0.m3u8");
  EXPECT_EQ(m.paired, static_cast<size_t>(seconds));
  ASSERT_FALSE(m.offsets.empty());
  double drift = 0;
  for (double o : m.offsets) drift = std::max(drift, std::fabs(o - m.offsets.front()));
  std::printf(
      "[ sync    ] wall clock, 29 fps pushed as 30: first beep - flash %.1f ms, largest change "
      "%.1f ms "
      "(video clock lag %.3f s, silence %.3f s, dropped %.3f s)\n",
      m.offsets.front() * 1e3, drift * 1e3, st.audio.video_clock_lag, st.audio.seconds_of_silence,
      st.audio.seconds_dropped);
  EXPECT_LE(drift, 1.0 / nominal) << "the beeps keep their place against the flashes";
  // Where the first beep lands also depends on when lavfi started its real-time clock (at
  // open(), before the encoders were opened by the first push): within a few frames.
  EXPECT_LE(std::fabs(m.offsets.front()), 0.1);
  if (!HasFailure()) fs::remove_all(dir);
}

// A real libavdevice capture input: ALSA's "null" device (alsa-lib's null plugin, present
// wherever libasound is). It is on the wall clock by default; it delivers samples faster than
// real time (whatever its buffer held), so what arrives early is dropped as
// overlap and the track still spans the video.
TEST(Audio, CaptureDeviceIsOnTheWallClockAndTheTrackSpansTheVideo) {
  const std::string dir = temp_dir("audio-alsa");
  StreamConfig c = audio_config(dir, "alsa:null", {25, 1});
  auto s = Streamer::open(c);
  if (!s.ok() && s.error().message.find("cannot be opened as alsa") != std::string::npos) {
    GTEST_SKIP() << "no ALSA null device here: " << s.error().message;
  }
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  push_in_real_time(**s, pattern, 0, 75);  // 3 s
  ASSERT_TRUE((*s)->close().ok());
  const StreamStats st = (*s)->stats();
  EXPECT_TRUE(st.audio.wall_clock);
  EXPECT_TRUE(st.audio.source_error.empty()) << st.audio.source_error;
  EXPECT_EQ(st.audio.segments_written, 3);
  expect_audio_spans(dir + "/a0.m3u8", 3.0);
  fs::remove_all(dir);
}

// Frames stop for 4 s while a wall-clock source goes on recording: what it records more than
// 2 s past the video is dropped, so the audio waiting for the video stays bounded, and the
// track still ends with the video.
TEST(Audio, WallClockSourceIsDroppedWhileFramesStop) {
  const std::string dir = temp_dir("audio-stall");
  LogLines log;
  StreamConfig c = audio_config(dir, std::string(kBeepingTone) + ",arealtime", {25, 1});
  c.audio.clock = AudioClock::kWall;
  c.log = log.callback();
  auto s = Streamer::open(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(160, 90);
  push_in_real_time(**s, pattern, 0, 38);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  push_in_real_time(**s, pattern, 38, 37);  // 75 frames: 3 s
  ASSERT_TRUE((*s)->close().ok());
  const StreamStats st = (*s)->stats();
  EXPECT_TRUE(log.contains("no frame for 2.000 s while the source records"));
  EXPECT_GT(st.audio.seconds_dropped, 1.0);
  expect_audio_spans(dir + "/a0.m3u8", 3.0);
  fs::remove_all(dir);
}

// Caller timestamps: frames stamped every 37 ms (27 fps) into a stream declared 30 fps. The
// video is on the caller's clock: each second's first frame flashes, and an IDR is the first
// frame past each 2 s line (2.035 s, 4.033 s, ...), not where frame index / 30 fps would put
// it. The audio is on its own timestamps: the beep comes with the flash, and audio segments
// start with the IDRs actually pushed.
TEST(AudioSync, CallerTimestampsKeepTheBeepWithTheFlash) {
  const std::string dir = temp_dir("audio-caller-ts");
  StreamConfig c = audio_config(dir, kBeepingTone, {30, 1});
  c.segment_duration = {2, 1};
  auto s = Streamer::open(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  FlashPattern pattern(160, 90);
  const int64_t step_ms = 37;
  for (int64_t i = 0; i * step_ms < 10000; ++i) {
    const bool new_second = i == 0 || (i * step_ms) / 1000 > ((i - 1) * step_ms) / 1000;
    ASSERT_TRUE((*s)->push(pattern.render(new_second), i * step_ms, Rational{1, 1000}).ok());
  }
  ASSERT_TRUE((*s)->close().ok());
  SyncMeasure m = measure_sync(dir + "/v0.m3u8", dir + "/a0.m3u8");
  EXPECT_EQ(m.paired, 10u);
  EXPECT_LE(m.max_offset, step_ms / 1000.0) << "largest |beep - flash|, within the frame interval";
  expect_segments_aligned(dir);
  fs::remove_all(dir);
}

// A live window: the audio's segments leave the manifests and the disk with the video's, and
// with LL-DASH chunks the audio is written in chunks too.
TEST(Audio, LiveWindowAndLowLatencyChunksCoverTheAudio) {
  const std::string dir = temp_dir("audio-live");
  StreamConfig c = audio_config(dir, kBeepingTone, {25, 1});
  c.live.enabled = true;
  c.live.window_segments = 3;
  c.live.delete_delay_segments = 1;
  c.low_latency.chunk_frames = 5;  // 0.2 s: 9 AAC frames per audio chunk
  stream_pattern(c, 250);          // 10 segments of 1 s
  size_t audio_files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("a0-", 0) == 0 && name.find("init") == std::string::npos) ++audio_files;
  }
  EXPECT_EQ(audio_files, 3u) << "the last window's segments; older ones deleted";
  const std::string playlist = read_file(dir + "/a0.m3u8");
  EXPECT_NE(playlist.find("#EXT-X-MEDIA-SEQUENCE:8\n"), std::string::npos) << playlist;
  XmlQuery x(read_file(dir + "/manifest.mpd"));
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.values("//d:AdaptationSet[@contentType='audio']//d:SegmentTemplate/@startNumber"),
            std::vector<std::string>{"8"});
  expect_audio_spans(dir + "/manifest.mpd", 3.0);  // the window's 3 s
  const std::string segment = read_file(dir + "/a0-9.m4s");
  size_t chunks = 0;
  for (size_t at = segment.find("moof"); at != std::string::npos; at = segment.find("moof", at + 4))
    ++chunks;
  // About 1 s of audio (46 or 47 AAC frames) in chunks of 9 AAC frames (0.192 s).
  EXPECT_GE(chunks, 5u);
  EXPECT_LE(chunks, 6u);
  fs::remove_all(dir);
}

// --- Sources that end, fail, or cannot be opened ----------------------------------------------

TEST(Audio, ShorterSourceEndsInSilenceAndTheVideoIsComplete) {
  const std::string dir = temp_dir("audio-short");
  LogLines log;
  StreamConfig c =
      audio_config(dir, "lavfi:sine=frequency=1000:sample_rate=48000:duration=1.5", {25, 1});
  c.log = log.callback();
  const StreamStats st = stream_pattern(c, 100);  // 4 s
  EXPECT_EQ(decode_all(dir + "/v0.m3u8").frames.size(), 100u);
  auto a = decode_audio(dir + "/a0.m3u8");
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_NEAR(a.seconds(), 4.0, 0.04) << "filled with silence to the video's end";
  EXPECT_GT(peak_between(a, 0.1, 1.4), 0.05) << "the tone";
  EXPECT_LT(peak_between(a, 1.6, 4.0), 0.001) << "silence after the source's end";
  EXPECT_TRUE(st.audio.source_ended);
  EXPECT_NEAR(st.audio.seconds_of_silence, 2.5, 0.03);
  EXPECT_NEAR(st.audio.seconds_from_source, 1.5, 0.03);
  EXPECT_TRUE(log.contains("ended at 1.5")) << "reported in the log";
  EXPECT_EQ(st.audio.segments_written, 4);
  fs::remove_all(dir);
}

TEST(Audio, LongerSourceIsCutAtTheVideosEnd) {
  const std::string dir = temp_dir("audio-long");
  LogLines log;
  StreamConfig c =
      audio_config(dir, "lavfi:sine=frequency=1000:sample_rate=44100:duration=30", {30, 1});
  c.audio.sample_rate = 44100;
  c.audio.channels = 1;
  c.log = log.callback();
  const StreamStats st = stream_pattern(c, 90);  // 3 s
  auto a = decode_audio(dir + "/manifest.mpd");
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_EQ(a.sample_rate, 44100);
  EXPECT_EQ(a.channels, 1);
  EXPECT_NEAR(a.seconds(), 3.0, 1.0 / 30);
  EXPECT_FALSE(st.audio.source_ended);
  EXPECT_TRUE(log.contains("longer than the video; cut at the video's end, 3.000 s"));
  fs::remove_all(dir);
}

TEST(Audio, SourceThatCannotBeOpenedIsAnErrorNamingTheFieldAtOpen) {
  const std::string dir = temp_dir("audio-missing");
  for (const char* source : {"/nonexistent/tone.wav", "lavfi:nosuchfilter=1", "alsa:hw:77"}) {
    auto s = Streamer::open(audio_config(dir, source, {25, 1}));
    ASSERT_FALSE(s.ok()) << source;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.error().message.rfind(
                  "audio.source: \"" + std::string(source) + "\" cannot be opened", 0),
              0u)
        << s.error().message;
  }
  StreamConfig bad = audio_config(dir, kBeepingTone, {25, 1});
  bad.audio.sample_rate = 47000;
  auto s = Streamer::open(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("audio.sample_rate: 47000 Hz"), std::string::npos)
      << s.error().message;
  fs::remove_all(dir);
}

// A WAV file (48 kHz mono, a 1 kHz tone) whose header promises `promised` seconds, with the
// first `sent` seconds of its samples.
std::string tone_wav(double promised, double sent) {
  const uint32_t data_bytes = static_cast<uint32_t>(promised * 48000) * 2;
  std::string wav = "RIFF";
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) wav += static_cast<char>(v >> (8 * i));
  };
  auto u16 = [&](uint16_t v) {
    for (int i = 0; i < 2; ++i) wav += static_cast<char>(v >> (8 * i));
  };
  u32(36 + data_bytes);
  wav += "WAVEfmt ";
  u32(16), u16(1), u16(1), u32(48000), u32(96000), u16(2), u16(16);
  wav += "data";
  u32(data_bytes);
  for (int i = 0; i < static_cast<int>(sent * 48000); ++i) {
    u16(static_cast<uint16_t>(
        static_cast<int16_t>(8000 * std::sin(2 * M_PI * 1000 * i / 48000.0))));
  }
  return wav;
}

// Answers one HTTP request with tone_wav(promised, sent), its Content-Length promising all of
// it, and closes the connection: a network source that breaks mid-stream.
class BrokenWavServer {
 public:
  BrokenWavServer(double promised, double sent) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), len);
    listen(fd_, 1);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, promised, sent] { serve(promised, sent); });
  }
  ~BrokenWavServer() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/tone.wav"; }

 private:
  void serve(double promised, double sent) {
    const int client = accept(fd_, nullptr, nullptr);
    if (client < 0) return;
    char request[4096];
    (void)!recv(client, request, sizeof request, 0);
    const std::string wav = tone_wav(promised, sent);
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: " +
                             std::to_string(44 + static_cast<uint32_t>(promised * 48000) * 2) +
                             "\r\nConnection: close\r\n\r\n";
    (void)!send(client, head.data(), head.size(), MSG_NOSIGNAL);
    (void)!send(client, wav.data(), wav.size(), MSG_NOSIGNAL);
    close(client);
  }
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(Audio, SourceThatFailsMidStreamIsReportedAndTheVideoGoesOn) {
  const std::string dir = temp_dir("audio-broken");
  BrokenWavServer server(10.0, 1.0);
  LogLines log;
  StreamConfig c = audio_config(dir, server.url(), {25, 1});
  c.log = log.callback();
  const StreamStats st = stream_pattern(c, 100);  // 4 s
  EXPECT_EQ(decode_all(dir + "/v0.m3u8").frames.size(), 100u) << "the video is complete";
  auto a = decode_audio(dir + "/a0.m3u8");
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_NEAR(a.seconds(), 4.0, 0.04);
  EXPECT_GT(peak_between(a, 0.1, 0.9), 0.1) << "the tone up to the break";
  EXPECT_LT(peak_between(a, 1.1, 4.0), 0.001) << "silence after it";
  EXPECT_FALSE(st.audio.source_error.empty()) << "reported in the stats";
  EXPECT_TRUE(log.contains("failed at 1.0")) << "and in the log";
  fs::remove_all(dir);
}

// A source wedged inside read() for good, as a capture driver can be: a FIFO whose writer sends
// 8 s of a WAV promising 60 (enough for libavformat's probing at open) and then goes silent
// without closing (no interrupt callback reaches a blocked read(2)), while 12 s of video come.
// close() still returns within close_timeout_seconds, with kTimeout and final manifests listing the
// segments complete in every track, and the streamer can be destroyed at once; the stuck audio
// thread is left behind until its read returns.
TEST(Audio, CloseReturnsInTimeWhenTheSourceHangsInARead) {
  const std::string dir = temp_dir("audio-hang");
  const std::string fifo = dir + "-source.wav";
  fs::remove(fifo);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::promise<void> release;
  std::thread writer([&fifo, done = release.get_future()] {
    const int fd = ::open(fifo.c_str(), O_WRONLY);  // waits for gearbox to open it
    if (fd < 0) return;
    const std::string wav = tone_wav(60.0, 8.0);
    (void)!::write(fd, wav.data(), wav.size());
    done.wait();  // silent, but open: the reader's read() blocks
    ::close(fd);
  });
  StreamConfig c = audio_config(dir, fifo, {25, 1});
  c.close_timeout_seconds = 1;
  auto s = Streamer::open(c);
  if (!s.ok()) {
    release.set_value();
    writer.join();
    FAIL() << s.error().message;
  }
  TestPattern pattern(160, 90);
  // The video up to 7.00 s first: the audio reads one segment ahead of the video, to 8 s, which
  // is all the source sends (libavformat keeps its last 1024 samples waiting for a full packet),
  // so its reading thread is now blocked in read() for good. What ends before 7.00 s is sent;
  // the packet that starts the audio's 8th segment (6.997 s) is encoded but held until a frame
  // after it comes. Then the rest of the 12 s: that packet goes out and completes segment 7,
  // although the read still blocks. (Once, sending happened on the reading thread, the packet
  // waited behind the read and segment 7 never completed: seen when a slow encoder let the
  // audio keep pace with the pushes.)
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto wait_until = [&](auto done) {
    while (!done() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  for (int i = 0; i <= 175; ++i) EXPECT_TRUE((*s)->push(pattern.render(i)).ok());
  wait_until([&] { return (*s)->stats().audio.seconds_from_source >= 7.9; });
  ASSERT_GE((*s)->stats().audio.seconds_from_source, 7.9) << "the audio read what the source sent";
  for (int i = 176; i < 300; ++i) EXPECT_TRUE((*s)->push(pattern.render(i)).ok());
  // Segments 1-7 complete in the audio; segment 8 waits for samples past 8 s.
  wait_until([&] { return (*s)->stats().audio.segments_written >= 7; });
  ASSERT_EQ((*s)->stats().audio.segments_written, 7);
  const auto t0 = std::chrono::steady_clock::now();
  const Status closed = (*s)->close();
  const double close_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(closed.code(), ErrorCode::kTimeout) << closed.message();
  EXPECT_NE(
      closed.message().find("the final manifests list the 7 segments complete in every rendition"),
      std::string::npos)
      << closed.message();
  EXPECT_LT(close_seconds, 3.0) << "close_timeout_seconds is 1";
  const auto t1 = std::chrono::steady_clock::now();
  s.value().reset();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count(), 0.5)
      << "destroying the streamer waited for the stuck source";

  // The 7 segments complete in every track are listed, and play.
  const std::string final_mpd = read_file(dir + "/manifest.mpd");
  testing::XmlQuery mpd(final_mpd);
  ASSERT_TRUE(mpd.ok());
  EXPECT_EQ(mpd.value("/d:MPD/@type"), "static");
  EXPECT_EQ(mpd.value("/d:MPD/@mediaPresentationDuration"), "PT7.000S");
  for (const std::string track : {"v0", "a0"}) {
    EXPECT_EQ(testing::uris(read_file(dir + "/" + track + ".m3u8")).size(), 7u) << track;
  }
  auto a = decode_audio(dir + "/a0.m3u8");
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_NEAR(a.seconds(), 7.0, 0.04);
  EXPECT_EQ(decode_all(dir + "/v0.m3u8").frames.size(), 175u);

  // The left-behind thread wakes when the writer closes (end of file) and stops; the final
  // manifests stay as close() left them.
  const std::string final_playlist = read_file(dir + "/a0.m3u8");
  release.set_value();
  writer.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(read_file(dir + "/manifest.mpd"), final_mpd);
  EXPECT_EQ(read_file(dir + "/a0.m3u8"), final_playlist);
  fs::remove(fifo);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gearbox
