// HLS with MPEG-TS segments, checked from outside: the transport stream's packets parsed here
// (sync bytes, PAT and PMT ahead of the media in every segment), each segment decoded on its
// own and every playlist decoded whole with libavformat/libavcodec, the playlists read line by
// line.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "backend_under_test.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "media_reader.h"
#include "playlist.h"
#include "temp_dir.h"

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
using testing::uris;

constexpr int kTsPacket = 188;
constexpr int64_t kClock = 90000;  // MPEG-TS timestamps tick at 90 kHz

// What the packets of one .ts file say about its structure.
struct TsLayout {
  std::string problem;   // empty when the file is a well-formed run of TS packets
  int first_pat = -1;    // packet index of the first PAT (PID 0)
  int first_pmt = -1;    // ... of the first packet on the PMT PID the PAT names
  int first_media = -1;  // ... of the first packet on any other PID
};

TsLayout ts_layout(const std::string& bytes) {
  TsLayout t;
  if (bytes.empty() || bytes.size() % kTsPacket != 0) {
    t.problem = "size " + std::to_string(bytes.size()) + " is not a multiple of 188";
    return t;
  }
  int pmt_pid = -1;
  for (size_t i = 0; i < bytes.size() / kTsPacket; ++i) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data()) + i * kTsPacket;
    if (p[0] != 0x47) {
      t.problem = "packet " + std::to_string(i) + " has no sync byte";
      return t;
    }
    const int pid = ((p[1] & 0x1F) << 8) | p[2];
    const bool unit_start = p[1] & 0x40;
    const int index = static_cast<int>(i);
    if (pid == 0 && unit_start && t.first_pat < 0) {
      // PAT: pointer field, then the section; its first program entry names the PMT PID.
      const int adaptation = (p[3] & 0x20) ? 1 + p[4] : 0;
      const uint8_t* section = p + 4 + adaptation + 1 + p[4 + adaptation];
      pmt_pid = ((section[10] & 0x1F) << 8) | section[11];
      t.first_pat = index;
    } else if (pid == pmt_pid && t.first_pmt < 0) {
      t.first_pmt = index;
    } else if (pid != 0 && pid != 0x11 && pid != pmt_pid && pid != 0x1FFF && t.first_media < 0) {
      t.first_media = index;  // 0x11 is the SDT, 0x1FFF padding
    }
  }
  return t;
}

StreamConfig ts_config(const std::string& dir) {
  StreamConfig c;
  c.output = dir;
  c.format = OutputFormat::kHls;
  c.hls_segment_type = HlsSegmentType::kMpegTs;
  c.input_frame_rate = {25, 1};
  c.segment_duration = {1, 1};
  c.backend = testing::backend_under_test();
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

std::vector<std::string> files_matching(const std::string& dir, const std::string& pattern) {
  std::vector<std::string> out;
  const std::regex re(pattern);
  for (const auto& e : fs::directory_iterator(dir)) {
    if (std::regex_match(e.path().filename().string(), re))
      out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(HlsMpegTs, EverySegmentPlaysAloneAndTheLadderAndAudioDecodeWhole) {
  const std::string dir = temp_dir("hls-ts");
  StreamConfig c = ts_config(dir);
  c.renditions.push_back(RenditionSpec{160, 90, 100, Rational{25, 2}});  // half the input rate
  c.audio.source = "lavfi:sine=frequency=1000:beep_factor=4:sample_rate=48000";
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());  // 4 s
  ASSERT_TRUE((*s)->close().ok());

  // Only TS segments and playlists: no CMAF segment, no init segment, no MPD.
  EXPECT_TRUE(files_matching(dir, ".*\\.(m4s|mp4|mpd)").empty());
  for (const std::string track : {"v0", "v1", "a0"}) {
    EXPECT_EQ(files_matching(dir, track + "-[0-9]+\\.ts").size(), 4u) << track;
  }

  // Playlists: version 3 (nothing newer is used), no EXT-X-MAP, .ts URIs.
  const std::string master = read_file(dir + "/master.m3u8");
  int variants = 0;
  for (const std::string& l : lines_of(master)) {
    if (l.rfind("#EXT-X-STREAM-INF:", 0) != 0) continue;
    EXPECT_TRUE(std::regex_search(l, std::regex("CODECS=\"avc1\\.[0-9a-f]{6},mp4a\\.40\\.2\"")))
        << l;
    EXPECT_NE(l.find("AUDIO=\"aac\""), std::string::npos) << l;
    ++variants;
  }
  EXPECT_EQ(variants, 2);
  for (const std::string name : {"master", "v0", "v1", "a0"}) {
    const std::string text = read_file(dir + "/" + name + ".m3u8");
    EXPECT_NE(text.find("#EXT-X-VERSION:3\n"), std::string::npos) << name;
    EXPECT_EQ(text.find("EXT-X-MAP"), std::string::npos) << name;
  }

  // The peak segment bit rate (Apple's BANDWIDTH) counts the transport stream's own bytes:
  // with 1 s segments and a 1 s target duration, every single segment is a run to consider.
  auto peak_bps = [&](const std::string& track) {
    const std::string playlist = read_file(dir + "/" + track + ".m3u8");
    const auto names = uris(playlist);
    const auto seconds = extinf(playlist);
    double peak = 0;
    for (size_t k = 0; k < names.size(); ++k) {
      peak = std::max(peak, fs::file_size(dir + "/" + names[k]) * 8 / seconds[k]);
    }
    return peak;
  };
  const double audio_peak = peak_bps("a0");
  int v = 0;
  for (const std::string& l : lines_of(master)) {
    if (l.rfind("#EXT-X-STREAM-INF:", 0) != 0) continue;
    EXPECT_GE(attribute_number(l, "BANDWIDTH"), peak_bps("v" + std::to_string(v)) + audio_peak - 1)
        << l;
    ++v;
  }

  // Every segment: well-formed TS, PAT and PMT before the media, and decodable on its own from
  // an IDR, with timestamps that run on from the previous segment.
  size_t frames_in_segments[2] = {0, 0};
  for (int r = 0; r < 2; ++r) {
    const std::string track = "v" + std::to_string(r);
    const std::string playlist = read_file(dir + "/" + track + ".m3u8");
    ASSERT_EQ(uris(playlist).size(), 4u);
    const auto seconds = extinf(playlist);
    double start = 0;
    for (int k = 0; k < 4; ++k) {
      const std::string name = uris(playlist)[k];
      SCOPED_TRACE(name);
      EXPECT_EQ(name, track + "-" + std::to_string(k + 1) + ".ts");
      const TsLayout layout = ts_layout(read_file(dir + "/" + name));
      ASSERT_TRUE(layout.problem.empty()) << layout.problem;
      ASSERT_GE(layout.first_pat, 0);
      EXPECT_GT(layout.first_pmt, layout.first_pat);
      EXPECT_GT(layout.first_media, layout.first_pmt);
      auto d = decode_all(dir + "/" + name);
      ASSERT_TRUE(d.ok) << d.error;
      // 12.5 fps restarts its 80 ms grid at each segment's IDR, so segments stay aligned with
      // the 25 fps rendition: frames at 0, 80, ..., 960 ms of each second.
      EXPECT_EQ(d.frames.size(), r == 0 ? 25u : 13u);
      ASSERT_FALSE(d.frames.empty());
      frames_in_segments[r] += d.frames.size();
      EXPECT_TRUE(d.frames[0].keyframe);
      ASSERT_EQ(d.time_base_den, kClock);
      // One clock for every track, starting 10 s in (no timestamp may be negative in TS).
      EXPECT_EQ(d.frames[0].pts, (10 + k) * kClock);
      EXPECT_NEAR(seconds[k], 1.0, 1e-9);
      start += seconds[k];
    }
    EXPECT_NEAR(start, 4.0, 1e-9);
  }
  // Audio segments: TS of ADTS AAC, each starting within half an AAC frame of its video segment.
  const auto audio_names = uris(read_file(dir + "/a0.m3u8"));
  ASSERT_EQ(audio_names.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    SCOPED_TRACE(audio_names[k]);
    const TsLayout layout = ts_layout(read_file(dir + "/" + audio_names[k]));
    ASSERT_TRUE(layout.problem.empty()) << layout.problem;
    EXPECT_GT(layout.first_media, layout.first_pmt);
    auto a = decode_audio(dir + "/" + audio_names[k]);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_EQ(a.codec_name, "aac");
    EXPECT_NEAR(static_cast<double>(a.first_sample) / a.sample_rate, 10.0 + k,
                512.0 / 48000 + 1e-6);
  }

  // Whole playlists, as a player reads them.
  auto top = decode_all(dir + "/v0.m3u8");
  ASSERT_TRUE(top.ok) << top.error;
  EXPECT_EQ(top.frames.size(), 100u);
  EXPECT_EQ(frames_in_segments[0], 100u);
  auto half = decode_all(dir + "/v1.m3u8");
  ASSERT_TRUE(half.ok) << half.error;
  EXPECT_EQ(half.frames.size(), frames_in_segments[1]);
  for (size_t i = 1; i < half.frames.size(); ++i) {
    // Every other input frame (80 ms), or the next input frame where a segment restarts the grid.
    const int64_t step = half.frames[i].pts - half.frames[i - 1].pts;
    EXPECT_TRUE(step == 2 * kClock / 25 || step == kClock / 25) << "frame " << i << ": " << step;
  }
  auto audio = decode_audio(dir + "/a0.m3u8");
  ASSERT_TRUE(audio.ok) << audio.error;
  EXPECT_NEAR(audio.seconds(), 4.0, 0.04);
  fs::remove_all(dir);
}

TEST(HlsMpegTs, LiveWindowDeletesTsSegmentsAndChunksReportLatency) {
  const std::string dir = temp_dir("hls-ts-live");
  StreamConfig c = ts_config(dir);
  c.input_frame_rate = {30, 1};
  c.segment_duration = {1, 2};
  c.live.enabled = true;
  c.live.window_segments = 2;
  c.live.delete_delay_segments = 1;
  c.low_latency.chunk_frames = 5;  // TS bytes reach the .tmp every 5 frames
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  size_t most_files = 0;
  for (int i = 0; i < 150; ++i) {  // 10 segments of 15 frames
    ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
    most_files = std::max(most_files, files_matching(dir, "v0-[0-9]+\\.ts").size());
  }
  ASSERT_TRUE((*s)->close().ok());
  EXPECT_LE(most_files, 2u + 1u + 1u) << "window + delay + the one being written";

  // The closed window: segments 9 and 10, and nothing else on disk.
  EXPECT_EQ(files_matching(dir, "v0-[0-9]+\\.ts"),
            (std::vector<std::string>{"v0-10.ts", "v0-9.ts"}));
  const std::string playlist = read_file(dir + "/v0.m3u8");
  EXPECT_NE(playlist.find("#EXT-X-MEDIA-SEQUENCE:9\n"), std::string::npos) << playlist;
  EXPECT_NE(playlist.find("#EXT-X-ENDLIST"), std::string::npos) << playlist;
  EXPECT_EQ(uris(playlist), (std::vector<std::string>{"v0-9.ts", "v0-10.ts"}));
  auto d = decode_all(dir + "/v0.m3u8");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.frames.size(), 30u);
  EXPECT_TRUE(d.frames[0].keyframe);

  const StreamStats st = (*s)->stats();
  ASSERT_EQ(st.renditions.size(), 1u);
  EXPECT_EQ(st.renditions[0].segments_written, 10);
  EXPECT_GT(st.renditions[0].latency_ms_mean, 0);
  EXPECT_GE(st.renditions[0].latency_ms_max, st.renditions[0].latency_ms_p95);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gearbox
