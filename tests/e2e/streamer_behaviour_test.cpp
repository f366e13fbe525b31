// The Streamer's contract: bad frames are clear errors and the stream goes on, every input
// format converts correctly, output is playable while it is written, and output forms work.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

extern "C" {
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

#include "backend_under_test.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "media_reader.h"
#include "temp_dir.h"

namespace gearbox {
namespace {

namespace fs = std::filesystem;
using testing::decode_all;
using testing::read_file;
using testing::temp_dir;

StreamConfig small_config(const std::string& output, OutputFormat format = OutputFormat::kBoth) {
  StreamConfig c;
  c.output = output;
  c.format = format;
  c.input_frame_rate = {25, 1};
  c.segment_duration = {1, 1};
  c.backend = testing::backend_under_test();
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

TEST(Streamer, MismatchedFramesAreErrorsAndTheStreamGoesOn) {
  std::string dir = temp_dir("mismatch");
  auto s = Streamer::open(small_config(dir), testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180), other(160, 90);
  int accepted = 0;
  for (int i = 0; i < 60; ++i) {
    if (i == 20) {
      Status bad_size = (*s)->push(other.render(i));
      ASSERT_FALSE(bad_size.ok());
      EXPECT_EQ(bad_size.code(), ErrorCode::kFrameMismatch);
      EXPECT_NE(
          bad_size.message().find("bgr24 160x90 differs from the first frame (bgr24 320x180)"),
          std::string::npos)
          << bad_size.message();
      std::vector<uint8_t> gray(320 * 180, 128);
      Status bad_format = (*s)->push(FrameView::packed(PixelFormat::kGRAY8, 320, 180, gray.data()));
      EXPECT_EQ(bad_format.code(), ErrorCode::kFrameMismatch);
      Status bad_stride =
          (*s)->push(FrameView::packed(PixelFormat::kBGR24, 320, 180, gray.data(), 100));
      EXPECT_EQ(bad_stride.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(bad_stride.message().find("stride[0] 100"), std::string::npos)
          << bad_stride.message();
    }
    Status ok = (*s)->push(pattern.render(i));
    ASSERT_TRUE(ok.ok()) << ok.message();
    ++accepted;
  }
  ASSERT_TRUE((*s)->close().ok());
  EXPECT_EQ((*s)->stats().frames_rejected, 2);
  auto d = decode_all(dir + "/v0.m3u8");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.frames.size(), static_cast<size_t>(accepted));
  Status after = (*s)->push(pattern.render(99));
  EXPECT_EQ(after.code(), ErrorCode::kClosed);
  fs::remove_all(dir);
}

TEST(Streamer, OddFirstFrameIsAClearErrorAndALaterGoodFrameStarts) {
  std::string dir = temp_dir("odd");
  auto s = Streamer::open(small_config(dir), testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern odd(321, 180), good(320, 180);
  Status st = (*s)->push(odd.render(0));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("321x180"), std::string::npos) << st.message();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE((*s)->push(good.render(i)).ok());
  ASSERT_TRUE((*s)->close().ok());
  auto d = decode_all(dir + "/v0.m3u8");
  EXPECT_EQ(d.frames.size(), 30u);
  fs::remove_all(dir);
}

struct FormatCase {
  PixelFormat format;
  AVPixelFormat av;
};

// Every input format goes through swscale to build the input and to compute the reference
// luma: gearbox's libyuv conversion must agree (a swapped R/B or a wrong plane order would
// lose more than 10 dB on the coloured bars).
TEST(Streamer, EveryInputPixelFormatConvertsCorrectly) {
  const FormatCase cases[] = {
      {PixelFormat::kBGR24, AV_PIX_FMT_BGR24},  {PixelFormat::kRGB24, AV_PIX_FMT_RGB24},
      {PixelFormat::kBGRA, AV_PIX_FMT_BGRA},    {PixelFormat::kRGBA, AV_PIX_FMT_RGBA},
      {PixelFormat::kGRAY8, AV_PIX_FMT_GRAY8},  {PixelFormat::kNV12, AV_PIX_FMT_NV12},
      {PixelFormat::kI420, AV_PIX_FMT_YUV420P},
  };
  const int w = 320, h = 180, frames = 8;
  TestPattern pattern(w, h);
  for (const FormatCase& fc : cases) {
    SCOPED_TRACE(to_string(fc.format));
    std::string dir = temp_dir(std::string("fmt-") + to_string(fc.format));
    StreamConfig c = small_config(dir, OutputFormat::kHls);
    c.primary_bitrate_kbps = 4000;  // near-lossless: the comparison measures conversion
    auto s = Streamer::open(c, testing::backends_under_test());
    ASSERT_TRUE(s.ok());
    std::vector<std::vector<uint8_t>> refs;
    SwsContext* to_input =
        sws_getContext(w, h, AV_PIX_FMT_BGR24, w, h, fc.av, SWS_POINT, nullptr, nullptr, nullptr);
    for (int i = 0; i < frames; ++i) {
      FrameView bgr = pattern.render(i);
      std::vector<uint8_t> input(static_cast<size_t>(FrameView::packed_size(fc.format, w, h)));
      FrameView in = plane_count(fc.format) == 1
                         ? FrameView::packed(fc.format, w, h, input.data())
                         : FrameView::contiguous_yuv(fc.format, w, h, input.data());
      const uint8_t* src[1] = {bgr.data[0]};
      int src_stride[1] = {bgr.stride[0]};
      uint8_t* dst[3] = {const_cast<uint8_t*>(in.data[0]), const_cast<uint8_t*>(in.data[1]),
                         const_cast<uint8_t*>(in.data[2])};
      sws_scale(to_input, src, src_stride, 0, h, dst, in.stride);
      refs.push_back(testing::reference_luma(in.data, in.stride, fc.av, w, h));
      ASSERT_TRUE((*s)->push(in).ok());
    }
    sws_freeContext(to_input);
    ASSERT_TRUE((*s)->close().ok());
    auto d = decode_all(dir + "/v0.m3u8", 0, true);
    ASSERT_TRUE(d.ok) << d.error;
    ASSERT_EQ(d.frames.size(), refs.size());
    for (size_t i = 0; i < refs.size(); ++i)
      EXPECT_GT(testing::psnr(d.frames[i].luma, refs[i]), 38.0) << "frame " << i;
    fs::remove_all(dir);
  }
}

TEST(Streamer, PlayableWhileBeingWrittenThenFinalisedAsVod) {
  std::string dir = temp_dir("live");
  auto s = Streamer::open(small_config(dir), testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(320, 180);
  for (int i = 0; i < 80; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());  // 3.2 s
  // Segments 1-3 complete as the encoders catch up; wait for the manifests to list two.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string mpd, media;
  while (std::chrono::steady_clock::now() < deadline) {
    media = read_file(dir + "/v0.m3u8");
    if (media.find("v0-2.m4s") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  mpd = read_file(dir + "/manifest.mpd");
  ASSERT_NE(media.find("v0-2.m4s"), std::string::npos) << media;
  EXPECT_NE(media.find("#EXT-X-PLAYLIST-TYPE:EVENT"), std::string::npos);
  EXPECT_EQ(media.find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_NE(mpd.find("type=\"dynamic\""), std::string::npos);
  EXPECT_NE(mpd.find("availabilityStartTime="), std::string::npos);
  EXPECT_TRUE(fs::exists(dir + "/master.m3u8"));
  // Everything listed so far is on disk and decodes.
  auto partial = decode_all(dir + "/v0.m3u8", 0, false, testing::kReadGrowingPlaylistOnce);
  ASSERT_TRUE(partial.ok) << partial.error;
  EXPECT_GE(partial.frames.size(), 50u);
  EXPECT_EQ(partial.frames.size() % 25, 0u) << "only whole segments are listed";

  ASSERT_TRUE((*s)->close().ok());
  media = read_file(dir + "/v0.m3u8");
  mpd = read_file(dir + "/manifest.mpd");
  EXPECT_NE(media.find("#EXT-X-PLAYLIST-TYPE:VOD"), std::string::npos);
  EXPECT_NE(media.find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_NE(mpd.find("type=\"static\""), std::string::npos);
  EXPECT_EQ(decode_all(dir + "/v0.m3u8").frames.size(), 80u);
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_NE(entry.path().extension(), ".tmp") << "a temporary file was left behind";
  }
  fs::remove_all(dir);
}

// A rendition asked for 15 fps from a 30 fps input really has 15 fps, on the pts grid, and its
// segments still start where every other rendition's do.
TEST(Streamer, PerRenditionFrameRatesAreReal) {
  std::string dir = temp_dir("rates");
  StreamConfig c = small_config(dir);
  c.input_frame_rate = {30, 1};
  c.renditions.push_back({160, 90, {}, Rational{15, 1}});
  c.renditions.push_back({160, 90, {}, Rational{24, 1}});
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  const int frames = 75;  // 2.5 s: segments of 30, 30 and 15 input frames
  for (int i = 0; i < frames; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  ASSERT_TRUE((*s)->close().ok());

  const int64_t tick = 3000;  // one input frame at 90 kHz
  auto primary = decode_all(dir + "/v0.m3u8");
  auto half = decode_all(dir + "/v1.m3u8");
  auto film = decode_all(dir + "/v2.m3u8");
  ASSERT_TRUE(primary.ok && half.ok && film.ok) << primary.error << half.error << film.error;
  EXPECT_EQ(primary.frames.size(), static_cast<size_t>(frames));

  // 15 fps: every other input frame from each segment start (0, 30, 60).
  std::vector<int64_t> expect_half;
  for (int i = 0; i < frames; ++i) {
    if ((i - i / 30 * 30) % 2 == 0) expect_half.push_back(i * tick);
  }
  std::vector<int64_t> got_half;
  for (const auto& f : half.frames) got_half.push_back(f.pts - half.start_time);
  EXPECT_EQ(got_half, expect_half);

  // 24 fps: 24 frames a second from a 30 fps grid, no gap over two input frames.
  ASSERT_GE(film.frames.size(), 2u);
  for (size_t i = 1; i < film.frames.size(); ++i) {
    int64_t gap = film.frames[i].pts - film.frames[i - 1].pts;
    EXPECT_TRUE(gap == tick || gap == 2 * tick) << "gap " << gap << " at " << i;
  }
  EXPECT_NEAR(static_cast<double>(film.frames.size()), 2.5 * 24, 2.0);

  // Keyframes: the same instants in every rendition.
  auto keys = [](const testing::DecodedStream& d) {
    std::vector<int64_t> k;
    for (int64_t pts : d.keyframe_packet_pts) k.push_back(pts - d.start_time);
    return k;
  };
  const std::vector<int64_t> grid = {0, 30 * tick, 60 * tick};
  EXPECT_EQ(keys(primary), grid);
  EXPECT_EQ(keys(half), grid);
  EXPECT_EQ(keys(film), grid);

  // The manifests announce each rendition's own rate.
  std::string master = read_file(dir + "/master.m3u8");
  EXPECT_NE(master.find("RESOLUTION=160x90,FRAME-RATE=15.000"), std::string::npos) << master;
  EXPECT_NE(master.find("RESOLUTION=160x90,FRAME-RATE=24.000"), std::string::npos) << master;
  std::string mpd = read_file(dir + "/manifest.mpd");
  EXPECT_NE(mpd.find("id=\"v1\" bandwidth="), std::string::npos);
  EXPECT_NE(mpd.find("frameRate=\"15\""), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("frameRate=\"24\""), std::string::npos) << mpd;
  fs::remove_all(dir);
}

// Every segment file is reported once it is on disk, with what a monitoring system needs.
TEST(Streamer, SegmentEventsDescribeEveryFileWritten) {
  std::string dir = temp_dir("events");
  StreamConfig c = small_config(dir);
  c.renditions.push_back({160, 90, 100, {}});
  std::mutex mutex;
  std::vector<SegmentEvent> events;
  c.on_segment = [&](const SegmentEvent& e) {
    std::lock_guard<std::mutex> lock(mutex);
    events.push_back(e);
  };
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(320, 180);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());  // 2.4 s at 25 fps
  ASSERT_TRUE((*s)->close().ok());
  StreamStats st = (*s)->stats();
  for (const std::string id : {"v0", "v1"}) {
    SCOPED_TRACE(id);
    std::vector<SegmentEvent> mine;
    for (const SegmentEvent& e : events) {
      if (e.rendition == id) mine.push_back(e);
    }
    ASSERT_EQ(mine.size(), 3u);
    double next_start = 0;
    int64_t frames = 0;
    for (size_t k = 0; k < mine.size(); ++k) {
      EXPECT_EQ(mine[k].number, static_cast<int64_t>(k + 1));
      EXPECT_DOUBLE_EQ(mine[k].start, next_start);
      next_start += mine[k].duration;
      frames += mine[k].frames;
      EXPECT_EQ(mine[k].bytes, static_cast<int64_t>(fs::file_size(dir + "/" + id + "-" +
                                                                  std::to_string(k + 1) + ".m4s")));
    }
    EXPECT_DOUBLE_EQ(next_start, 2.4);
    EXPECT_EQ(frames, 60);
  }
  ASSERT_EQ(st.renditions.size(), 2u);
  EXPECT_EQ(st.renditions[1].frames_encoded, 60);
  EXPECT_EQ(st.renditions[1].segments_written, 3);
  EXPECT_GT(st.renditions[1].produced_bps, 0);
  EXPECT_EQ(st.renditions[1].queue_depth, 0);
  fs::remove_all(dir);
}

// StreamGear's -clear_prev_assets: an earlier stream's files go, other files stay.
TEST(Streamer, ClearPreviousAssetsDeletesOnlyGearboxFiles) {
  std::string dir = temp_dir("clear");
  fs::create_directories(dir);
  const std::vector<std::string> old_files = {
      "v0-41.m4s",    "v3-2.m4s", "v0-init.mp4", "v7.m3u8", "manifest.mpd", "master.m3u8",
      "v1-9.m4s.tmp", "a0-3.m4s", "a0-init.mp4", "a0.m3u8", "v2-7.ts",      "a0-4.ts"};
  const std::vector<std::string> user_files = {"notes.txt",  "intro.mp4", "v0-x.m4s", "other.m3u8",
                                               "audio.m3u8", "b0-1.m4s",  "v0-x.ts",  "clip.ts"};
  for (const auto& f : old_files) testing::write_file(dir + "/" + f, "old");
  for (const auto& f : user_files) testing::write_file(dir + "/" + f, "mine");
  StreamConfig c = small_config(dir);
  c.clear_previous_assets = true;
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok()) << s.error().message;
  for (const auto& f : old_files) EXPECT_FALSE(fs::exists(dir + "/" + f)) << f;
  for (const auto& f : user_files) EXPECT_TRUE(fs::exists(dir + "/" + f)) << f;
  TestPattern pattern(320, 180);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  ASSERT_TRUE((*s)->close().ok());
  EXPECT_EQ(decode_all(dir + "/manifest.mpd").frames.size(), 30u);
  fs::remove_all(dir);
}

TEST(Streamer, OutputFormsAndSingleFormats) {
  TestPattern pattern(320, 180);
  auto run = [&](const StreamConfig& c) -> Status {
    auto s = Streamer::open(c, testing::backends_under_test());
    if (!s) return s.status();
    for (int i = 0; i < 30; ++i) GEARBOX_RETURN_IF_ERROR((*s)->push(pattern.render(i)));
    return (*s)->close();
  };
  std::string root = temp_dir("forms");
  // DASH only, into a directory.
  ASSERT_TRUE(run(small_config(root + "/dash", OutputFormat::kDash)).ok());
  EXPECT_TRUE(fs::exists(root + "/dash/manifest.mpd"));
  EXPECT_FALSE(fs::exists(root + "/dash/master.m3u8"));
  EXPECT_FALSE(fs::exists(root + "/dash/v0.m3u8"));
  // HLS only, named playlist.
  ASSERT_TRUE(run(small_config(root + "/hls/live.m3u8", OutputFormat::kHls)).ok());
  EXPECT_TRUE(fs::exists(root + "/hls/live.m3u8"));
  EXPECT_FALSE(fs::exists(root + "/hls/live.mpd"));
  EXPECT_EQ(decode_all(root + "/hls/live.m3u8").frames.size(), 30u);
  // Both, named by the MPD: the master takes the same stem.
  ASSERT_TRUE(run(small_config(root + "/both/show.mpd", OutputFormat::kBoth)).ok());
  EXPECT_TRUE(fs::exists(root + "/both/show.mpd"));
  EXPECT_TRUE(fs::exists(root + "/both/show.m3u8"));
  // Mismatched or unknown extensions are errors naming the field.
  Status wrong = run(small_config(root + "/x.m3u8", OutputFormat::kDash));
  EXPECT_NE(wrong.message().find("output: "), std::string::npos) << wrong.message();
  Status unknown = run(small_config(root + "/x.mp4", OutputFormat::kDash));
  EXPECT_NE(unknown.message().find("\".mp4\""), std::string::npos) << unknown.message();
  Status url = run(small_config("ftp://example.com/live.mpd", OutputFormat::kDash));
  EXPECT_EQ(url.code(), ErrorCode::kInvalidArgument);
  fs::remove_all(root);
}

TEST(Streamer, UnknownAndUnavailableBackendsAreExplained) {
  StreamConfig c = small_config(temp_dir("backend"));
  c.backend = "quantum";
  auto unknown = Streamer::open(c, testing::backends_under_test());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("not one of auto, nvenc, qsv, vaapi, x264"),
            std::string::npos)
      << unknown.error().message;
  // The first backend this machine cannot run (which one depends on its GPUs and on the
  // backend under test), named explicitly: unavailable, not unknown.
  std::string unavailable;
  for (const auto& backend : testing::backends_under_test()) {
    if (!backend->probe().available) {
      unavailable = backend->name();
      break;
    }
  }
  if (!unavailable.empty()) {
    c.backend = unavailable;
    auto named = Streamer::open(c, testing::backends_under_test());
    ASSERT_FALSE(named.ok());
    EXPECT_EQ(named.error().code, ErrorCode::kUnavailable) << named.error().message;
  }
  c.backend = "auto";
  auto automatic = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(automatic.ok());
  // Automatic selection takes the backend under test (x264 without a test backend here): every
  // backend before it in order is passed over, each with why.
  const BackendList order = testing::backends_under_test();
  size_t before = 0;
  while (before < order.size() && order[before]->name() != testing::backend_under_test()) ++before;
  EXPECT_EQ((*automatic)->backend_name(), testing::backend_under_test());
  ASSERT_EQ((*automatic)->backends_passed_over().size(), before);
  for (size_t i = 0; i < before; ++i) {
    EXPECT_EQ((*automatic)->backends_passed_over()[i].rfind(order[i]->name() + ": ", 0), 0u);
  }
  ASSERT_TRUE((*automatic)->close().ok());
  fs::remove_all(c.output);
}

TEST(Streamer, InvalidX264SettingsNameTheField) {
  std::string dir = temp_dir("x264opts");
  StreamConfig c = small_config(dir);
  c.backend = "x264";  // x264's own settings, whatever backend the suite runs on
  c.backend_options["x264.preset"] = "warp9";
  auto s = Streamer::open(c, testing::backends_under_test());
  ASSERT_TRUE(s.ok());
  TestPattern pattern(320, 180);
  Status st = (*s)->push(pattern.render(0));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("x264.preset"), std::string::npos) << st.message();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gearbox
