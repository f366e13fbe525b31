// The engine on the scripted fake backend (tests/support/fake_backend.h), without x264:
// back-pressure and drops, close()'s deadline on a hung encoder, abort(), an encoder failing
// mid-stream, backend selection, session limits and the fallback at open time. Timings on a
// loaded machine only bound one side (a sleep is never shorter than asked), with wide margins.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "fake_backend.h"
#include "gearbox/avc.h"
#include "gearbox/streamer.h"
#include "media_reader.h"
#include "playlist.h"
#include "temp_dir.h"
#include "xml_query.h"

namespace gearbox {
namespace {

namespace fs = std::filesystem;
using testing::FakeBackend;
using testing::FakeCounters;
using testing::FakeScript;
using testing::read_file;
using testing::XmlQuery;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kWidth = 64;  // not a multiple of 16 in height: the SPS crops
constexpr int kHeight = 36;
constexpr int kFps = 25;
constexpr int kFramesPerSegment = 10;  // 0.4 s segments

struct Track {
  std::string id;
  int width, height;
  int frames_per_segment;
};
const Track kV0{"v0", kWidth, kHeight, kFramesPerSegment};
const Track kV1{"v1", 32, 18, kFramesPerSegment};

StreamConfig fake_config(const std::string& dir, const std::string& backend = "auto") {
  StreamConfig c;
  c.output = dir;
  c.format = OutputFormat::kBoth;
  c.input_frame_rate = {kFps, 1};
  c.segment_duration = {2, 5};
  c.renditions.push_back(RenditionSpec{kV1.width, kV1.height, 50, std::nullopt});
  c.backend = backend;
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

FakeScript script_named(const std::string& name) {
  FakeScript s;
  s.name = name;
  return s;
}

std::shared_ptr<FakeBackend> fake(FakeScript script) {
  return std::make_shared<FakeBackend>(std::move(script));
}

struct GrayFrame {
  std::vector<uint8_t> pixels = std::vector<uint8_t>(kWidth * kHeight, 128);
  FrameView view() const {
    return FrameView::packed(PixelFormat::kGRAY8, kWidth, kHeight, pixels.data());
  }
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double seconds(milliseconds ms) {
  return std::chrono::duration<double>(ms).count();
}

// The test's output folder, removed however the test ends.
struct OutputDir {
  explicit OutputDir(const std::string& name) : path(testing::temp_dir(name)) {}
  ~OutputDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  const std::string path;
};

// Ends the fake's hangs however the test ends, so that no thread is left blocked at exit.
// Declared before the Streamer, so it runs after the Streamer is gone.
struct ReleaseAtEnd {
  explicit ReleaseAtEnd(std::shared_ptr<FakeBackend> b) : backend(std::move(b)) {}
  ~ReleaseAtEnd() {
    backend->release();
    backend->wait_until_all_released(milliseconds(10000));
  }
  std::shared_ptr<FakeBackend> backend;
};

// The final manifests: a static MPD and an ENDLIST playlist per track, listing the same number
// of segments, every listed file on disk. Returns how many segments are listed.
size_t expect_final_manifests_list_files_on_disk(const std::string& dir,
                                                 const std::vector<Track>& tracks) {
  XmlQuery mpd(read_file(dir + "/manifest.mpd"));
  EXPECT_TRUE(mpd.ok()) << dir << "/manifest.mpd";
  if (!mpd.ok()) return 0;
  EXPECT_EQ(mpd.value("/d:MPD/@type"), "static");
  const std::vector<int64_t> listed = testing::listed_segment_numbers(mpd);
  for (const Track& t : tracks) {
    EXPECT_TRUE(fs::exists(dir + "/" + t.id + "-init.mp4")) << t.id;
    for (int64_t n : listed) {
      const std::string segment = dir + "/" + t.id + "-" + std::to_string(n) + ".m4s";
      EXPECT_TRUE(fs::exists(segment)) << "the MPD lists " << segment << ", which is not on disk";
    }
    const std::string playlist = read_file(dir + "/" + t.id + ".m3u8");
    EXPECT_NE(playlist.find("#EXT-X-ENDLIST"), std::string::npos) << t.id << ".m3u8:\n" << playlist;
    const std::vector<std::string> uris = testing::uris(playlist);
    EXPECT_EQ(uris.size(), listed.size()) << t.id << ": HLS and DASH list different segments";
    for (const std::string& uri : uris) {
      EXPECT_TRUE(fs::exists(dir + "/" + uri))
          << t.id << ".m3u8 lists " << uri << ", which is not on disk";
    }
  }
  return listed.size();
}

// Every track's playlist (and the MPD, for the first) decodes to its frames per segment times
// `segments`, at the track's size.
void expect_segments_decode(const std::string& dir,
                            const std::vector<Track>& tracks,
                            size_t segments) {
  for (const Track& t : tracks) {
    const auto d = testing::decode_all(dir + "/" + t.id + ".m3u8");
    ASSERT_TRUE(d.ok) << t.id << ": " << d.error;
    EXPECT_EQ(d.frames.size(), segments * static_cast<size_t>(t.frames_per_segment)) << t.id;
    for (const testing::DecodedFrame& f : d.frames) {
      ASSERT_EQ(f.width, t.width) << t.id;
      ASSERT_EQ(f.height, t.height) << t.id;
    }
  }
  const auto d = testing::decode_all(dir + "/manifest.mpd");
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.frames.size(), segments * static_cast<size_t>(tracks[0].frames_per_segment));
}

// Pushes `frames` frames, failing the test at the first refused one.
void push_all(Streamer& s, int frames, int first = 0) {
  GrayFrame frame;
  for (int n = first; n < first + frames; ++n) {
    Status p = s.push(frame.view());
    ASSERT_TRUE(p.ok()) << "frame " << n << ": " << p.message();
  }
}

// --- The fake itself ---------------------------------------------------------------------------

TEST(FakeBackend, CodecStringMatchesItsSps) {
  const CodecConfig c = testing::fake_codec_config(kWidth, kHeight, {kFps, 1});
  EXPECT_EQ(c.codec_string, avc_codec_string(c.extradata));
  EXPECT_EQ(c.codec_string, "avc1.42c00a");  // constrained baseline, level 1: 12 macroblocks
  EXPECT_EQ(testing::fake_codec_config(1920, 1080, {30, 1}).codec_string,
            "avc1.42c028");  // level 4
}

TEST(FakeBackend, ItsStreamDecodesAtTheRenditionSizes) {
  OutputDir out("fake-decodes");
  auto backend = fake(script_named("fake"));
  auto s = Streamer::open(fake_config(out.path, "fake"), {backend});
  ASSERT_TRUE(s.ok()) << s.error().message;
  push_all(**s, 3 * kFramesPerSegment);
  Status closed = (*s)->close();
  ASSERT_TRUE(closed.ok()) << closed.message();

  EXPECT_EQ(expect_final_manifests_list_files_on_disk(out.path, {kV0, kV1}), 3u);
  expect_segments_decode(out.path, {kV0, kV1}, 3);
  // Decoded, not concealed: the flat grey of the intra macroblocks, copied by the skipped ones.
  const auto d = testing::decode_all(out.path + "/v1.m3u8", 0, true);
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.keyframe_packet_pts.size(), 3u);
  for (const testing::DecodedFrame& f : d.frames) {
    ASSERT_EQ(f.luma, std::vector<uint8_t>(32 * 18, 128));
  }
  const std::vector<std::string> codecs =
      XmlQuery(read_file(out.path + "/manifest.mpd")).values("//d:Representation/@codecs");
  EXPECT_EQ(codecs, (std::vector<std::string>{"avc1.42c00a", "avc1.42c00a"}));

  const FakeCounters c = backend->counters();
  EXPECT_EQ(c.frames_encoded, (std::vector<int64_t>{30, 30}));
  EXPECT_EQ(c.idrs, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(c.drains, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(c.sessions_open_max, 2);
  s->reset();
  EXPECT_TRUE(backend->wait_until_all_released(milliseconds(5000)));
}

// --- Back-pressure -----------------------------------------------------------------------------

constexpr milliseconds kSlowEncode{20};

TEST(BackPressure, PushBlocksWhileTheEncodersFallBehindAndDropsNothing) {
  OutputDir out("back-pressure");
  FakeScript script = script_named("slow");
  script.encode_delay = kSlowEncode;
  auto backend = fake(script);
  StreamConfig c = fake_config(out.path, "slow");
  c.queue_depth = 2;
  c.renditions[0].frame_rate = Rational{kFps, 2};  // v1 takes every other frame
  auto s = Streamer::open(c, {backend});
  ASSERT_TRUE(s.ok()) << s.error().message;

  constexpr int kFrames = 4 * kFramesPerSegment;
  const auto start = Clock::now();
  push_all(**s, kFrames);
  const double pushing = seconds_since(start);
  // Frames the pipeline holds without blocking push(): the source queue, the scaler's frame,
  // v0's queue and the frame v0 encodes, with one to spare.
  constexpr int kSlack = 2 + 1 + 2 + 1 + 2;
  EXPECT_GE(pushing, (kFrames - kSlack) * seconds(kSlowEncode))
      << "push() did not wait for the encoders: " << kFrames << " frames in " << pushing << " s";

  Status closed = (*s)->close();
  ASSERT_TRUE(closed.ok()) << closed.message();
  const StreamStats stats = (*s)->stats();
  EXPECT_EQ(stats.frames_pushed, kFrames);
  EXPECT_EQ(stats.frames_dropped, 0);
  const FakeCounters counted = backend->counters();
  ASSERT_EQ(counted.frames_encoded.size(), 2u);
  EXPECT_EQ(counted.frames_encoded[0], kFrames);
  EXPECT_EQ(counted.frames_encoded[1], kFrames / 2);
  ASSERT_EQ(stats.renditions.size(), 2u);
  EXPECT_EQ(stats.renditions[0].frames_encoded, kFrames);
  EXPECT_EQ(stats.renditions[1].frames_encoded, kFrames / 2);
  Track v1 = kV1;
  v1.frames_per_segment = kFramesPerSegment / 2;
  EXPECT_EQ(expect_final_manifests_list_files_on_disk(out.path, {kV0, v1}), 4u);
  expect_segments_decode(out.path, {kV0, v1}, 4);
}

TEST(BackPressure, DroppingWhenBehindNeverBlocksPush) {
  OutputDir out("drop-when-behind");
  FakeScript script = script_named("slow");
  script.encode_delay = kSlowEncode;
  auto backend = fake(script);
  StreamConfig c = fake_config(out.path, "slow");
  c.queue_depth = 2;
  c.live.drop_frames_when_behind = true;
  auto s = Streamer::open(c, {backend});
  ASSERT_TRUE(s.ok()) << s.error().message;

  // Frames come twice as fast as v0 encodes them, so about every other one finds the pipeline
  // full; paced, so that the frames accepted are never a segment apart (a gap, another case).
  constexpr int kFrames = 4 * kFramesPerSegment;
  GrayFrame frame;
  double pushing = 0;  // time spent inside push()
  for (int n = 0; n < kFrames; ++n) {
    const auto start = Clock::now();
    Status p = (*s)->push(frame.view());
    pushing += seconds_since(start);
    ASSERT_TRUE(p.ok()) << "frame " << n << ": " << p.message();
    std::this_thread::sleep_for(kSlowEncode / 2);
  }
  EXPECT_LT(pushing, kFrames * seconds(kSlowEncode) / 4)
      << "push() waited for the encoders: " << pushing << " s inside push() for " << kFrames
      << " frames";

  Status closed = (*s)->close();
  ASSERT_TRUE(closed.ok()) << closed.message();
  const StreamStats stats = (*s)->stats();
  EXPECT_GT(stats.frames_dropped, 0);
  EXPECT_EQ(stats.frames_pushed + stats.frames_dropped, kFrames);
  const FakeCounters counted = backend->counters();
  // Every frame accepted is encoded in every rendition, and listed.
  EXPECT_EQ(counted.frames_encoded,
            (std::vector<int64_t>{stats.frames_pushed, stats.frames_pushed}));
  EXPECT_GE(expect_final_manifests_list_files_on_disk(out.path, {kV0, kV1}), 1u);
  for (const Track& t : {kV0, kV1}) {
    const auto d = testing::decode_all(out.path + "/" + t.id + ".m3u8");
    ASSERT_TRUE(d.ok) << t.id << ": " << d.error;
    EXPECT_EQ(static_cast<int64_t>(d.frames.size()), stats.frames_pushed) << t.id;
  }
}

// --- close() on a hung encoder -----------------------------------------------------------------

TEST(CloseTimeout, AHungEncoderMakesCloseReturnTimeoutNamingIt) {
  OutputDir out("close-timeout");
  FakeScript script = script_named("hangs");
  script.fault_rendition = 0;
  script.hang_at_frame = 45;
  auto backend = fake(script);
  ReleaseAtEnd release(backend);
  StreamConfig c = fake_config(out.path, "hangs");
  c.queue_depth = 2;
  c.close_timeout_seconds = 2;
  auto s = Streamer::open(c, {backend});
  ASSERT_TRUE(s.ok()) << s.error().message;

  // Frames 46..49 fit behind the hung one (v0's queue, the scaler, the source queue).
  push_all(**s, 50);
  ASSERT_TRUE(backend->wait_until_hanging(milliseconds(10000)));
  const auto start = Clock::now();
  Status closed = (*s)->close();
  const double closing = seconds_since(start);
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.code(), ErrorCode::kTimeout) << closed.message();
  EXPECT_NE(closed.message().find("v0"), std::string::npos)
      << "names no rendition: " << closed.message();
  EXPECT_EQ(closed.message().find("v1"), std::string::npos)
      << "names v1, which did not hang: " << closed.message();
  EXPECT_GE(closing, c.close_timeout_seconds * 0.9);
  // The deadline, the second terminate() gives threads to stop, and a margin for a loaded box.
  EXPECT_LT(closing, c.close_timeout_seconds + 1 + 3) << closed.message();

  // v0 completed segments 1..4 (frame 40 cut the fourth) before it hung at frame 45.
  EXPECT_EQ(expect_final_manifests_list_files_on_disk(out.path, {kV0, kV1}), 4u);
  expect_segments_decode(out.path, {kV0, kV1}, 4);

  // The thread close() left behind ends once the hang is released, and frees everything.
  s->reset();
  backend->release();
  EXPECT_TRUE(backend->wait_until_all_released(milliseconds(10000)));
}

// --- abort() -----------------------------------------------------------------------------------

TEST(Abort, StopsAtOnceWithoutEncodingWhatIsQueued) {
  OutputDir out("abort");
  constexpr milliseconds kDelay{100};
  FakeScript script = script_named("slow");
  script.encode_delay = kDelay;
  auto backend = fake(script);
  StreamConfig c = fake_config(out.path, "slow");
  c.queue_depth = 8;
  auto s = Streamer::open(c, {backend});
  ASSERT_TRUE(s.ok()) << s.error().message;

  constexpr int kFrames = 30;
  push_all(**s, kFrames);
  // Segment 1 is complete in both renditions once each encoded frame 10, the IDR that ends it.
  const auto waited = Clock::now();
  while (seconds_since(waited) < 20) {
    const FakeCounters c = backend->counters();
    if (c.frames_encoded[0] > kFramesPerSegment && c.frames_encoded[1] > kFramesPerSegment) break;
    std::this_thread::sleep_for(milliseconds(5));
  }
  const FakeCounters before = backend->counters();
  ASSERT_GT(before.frames_encoded[0], kFramesPerSegment);
  ASSERT_GT(before.frames_encoded[1], kFramesPerSegment);
  const int64_t queued = kFrames - before.frames_encoded[0];
  ASSERT_GE(queued, 5) << "the test needs work queued when it aborts";

  const auto start = Clock::now();
  Status aborted = (*s)->abort();
  const double aborting = seconds_since(start);
  EXPECT_EQ(aborted.code(), ErrorCode::kClosed) << aborted.message();
  EXPECT_LT(aborting, static_cast<double>(queued) * seconds(kDelay) / 2)
      << "abort() took " << aborting << " s with " << queued << " frames queued";
  const FakeCounters after = backend->counters();
  for (size_t r = 0; r < 2; ++r) {
    // At most the frame each encoder was in, and one it had just taken.
    EXPECT_LE(after.frames_encoded[r], before.frames_encoded[r] + 2) << "rendition " << r;
  }
  EXPECT_EQ(after.drains, (std::vector<int64_t>{0, 0})) << "abort() drained the encoders";

  const size_t listed = expect_final_manifests_list_files_on_disk(out.path, {kV0, kV1});
  EXPECT_GE(listed, 1u);
  expect_segments_decode(out.path, {kV0, kV1}, listed);
  EXPECT_EQ((*s)->push(GrayFrame().view()).code(), ErrorCode::kClosed);
}

// --- An encoder failing mid-stream -------------------------------------------------------------

TEST(Failure, AnEncoderFailingMidStreamEndsTheStreamWithItsCode) {
  OutputDir out("encode-fails");
  FakeScript script = script_named("fails");
  script.fault_rendition = 1;
  script.encode_failure =
      testing::ScriptedFailure{25, {ErrorCode::kDeviceLost, "scripted: the GPU fell off the bus"}};
  auto backend = fake(script);
  auto s = Streamer::open(fake_config(out.path, "fails"), {backend});
  ASSERT_TRUE(s.ok()) << s.error().message;

  GrayFrame frame;
  Status refused;
  int accepted = 0;
  for (; accepted < 500 && refused.ok(); ++accepted) refused = (*s)->push(frame.view());
  ASSERT_FALSE(refused.ok()) << "500 frames accepted after v1 failed at frame 25";
  EXPECT_GE(accepted, 26);
  EXPECT_EQ(refused.code(), ErrorCode::kDeviceLost) << refused.message();
  EXPECT_NE(refused.message().find("v1"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("the GPU fell off the bus"), std::string::npos)
      << refused.message();
  Status again = (*s)->push(frame.view());
  EXPECT_EQ(again.code(), ErrorCode::kDeviceLost) << again.message();

  Status closed = (*s)->close();
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.code(), ErrorCode::kDeviceLost) << closed.message();
  EXPECT_NE(closed.message().find("the GPU fell off the bus"), std::string::npos)
      << closed.message();
  EXPECT_EQ(backend->counters().frames_encoded[1], 25);
  // v1 completed segments 1 and 2 before frame 25.
  EXPECT_GE(expect_final_manifests_list_files_on_disk(out.path, {kV0, kV1}), 2u);
  for (const Track& t : {kV0, kV1}) {
    const auto d = testing::decode_all(out.path + "/" + t.id + ".m3u8");
    EXPECT_TRUE(d.ok) << t.id << ": " << d.error;
  }
}

// --- Backend selection -------------------------------------------------------------------------

TEST(Selection, AutoPassesOverAnUnavailableBackendWithItsReason) {
  OutputDir out("auto-passes-over");
  FakeScript hw_script = script_named("hw");
  hw_script.available = false;
  hw_script.reason = "no device at /dev/fake0";
  auto hw = fake(hw_script);
  auto sw = fake(script_named("sw"));
  auto s = Streamer::open(fake_config(out.path), {hw, sw});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->backend_name(), "sw");
  EXPECT_EQ((*s)->backends_passed_over(), std::vector<std::string>{"hw: no device at /dev/fake0"});
  push_all(**s, kFramesPerSegment);
  ASSERT_TRUE((*s)->close().ok());
  EXPECT_EQ(hw->counters().device_open_calls, 0);
  EXPECT_EQ(sw->counters().frames_encoded,
            (std::vector<int64_t>{kFramesPerSegment, kFramesPerSegment}));
}

TEST(Selection, ANamedUnavailableBackendFailsWithItsReason) {
  OutputDir out("named-unavailable");
  FakeScript hw_script = script_named("hw");
  hw_script.available = false;
  hw_script.reason = "no device at /dev/fake0";
  auto s = Streamer::open(fake_config(out.path, "hw"), {fake(hw_script), fake(script_named("sw"))});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable) << s.error().message;
  EXPECT_NE(s.error().message.find("no device at /dev/fake0"), std::string::npos)
      << s.error().message;
}

TEST(Selection, AnUnknownNameListsTheKnownOnes) {
  OutputDir out("unknown-backend");
  auto s = Streamer::open(fake_config(out.path, "qsv"),
                          {fake(script_named("hw")), fake(script_named("sw"))});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << s.error().message;
  for (const char* word : {"\"qsv\"", "hw", "sw"}) {
    EXPECT_NE(s.error().message.find(word), std::string::npos)
        << word << " in: " << s.error().message;
  }
}

// --- Session limits ----------------------------------------------------------------------------

TEST(SessionLimit, ALadderNeedingMoreSessionsFailsAtTheFirstPush) {
  OutputDir out("session-limit");
  FakeScript script = script_named("hw");
  script.max_sessions = 2;
  auto backend = fake(script);
  StreamConfig c = fake_config(out.path, "hw");  // named: no fallback
  c.renditions.push_back(RenditionSpec{16, 10, 20, std::nullopt});
  auto s = Streamer::open(c, {backend});
  ASSERT_TRUE(s.ok()) << s.error().message;
  Status pushed = (*s)->push(GrayFrame().view());
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.code(), ErrorCode::kOutOfSessions) << pushed.message();
  EXPECT_NE(pushed.message().find("v2"), std::string::npos)
      << "names no rendition: " << pushed.message();
  const FakeCounters counted = backend->counters();
  EXPECT_EQ(counted.open_encoder_calls, 3);
  EXPECT_EQ(counted.sessions_open_max, 2);
  // The sessions and the device of the failed start are given back.
  EXPECT_EQ(counted.sessions_open, 0);
  EXPECT_EQ(counted.devices_open, 0);
}

// A limit the device reports: the engine refuses the ladder before any encoder opens.
TEST(SessionLimit, AReportedLimitRefusesTheLadderBeforeAnyEncoderOpens) {
  OutputDir out("session-limit-reported");
  FakeScript script = script_named("hw");
  script.max_sessions = 2;
  script.reports_session_limit = true;
  auto backend = fake(script);
  StreamConfig c = fake_config(out.path, "hw");
  c.renditions.push_back(RenditionSpec{16, 10, 20, std::nullopt});
  auto s = Streamer::open(c, {backend});
  ASSERT_TRUE(s.ok()) << s.error().message;
  Status pushed = (*s)->push(GrayFrame().view());
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.code(), ErrorCode::kOutOfSessions) << pushed.message();
  EXPECT_NE(pushed.message().find("the ladder needs 3 encoder sessions"), std::string::npos)
      << pushed.message();
  EXPECT_NE(pushed.message().find("hw allows 2"), std::string::npos) << pushed.message();
  const FakeCounters counted = backend->counters();
  EXPECT_EQ(counted.open_encoder_calls, 0);
  EXPECT_EQ(counted.devices_open, 0);
}

// --- Fallback at open time ---------------------------------------------------------------------
// A backend whose probe passed can still fail when the first frame opens the device and the
// encoders (no session left, a size it cannot do, the device gone): "auto" then moves on to the
// next backend.

// Where the backend "hw" fails once its probe has passed.
enum class OpenStep {
  kSessionLimit,   // one encoder session for a ladder of two: the second open_encoder()
  kSecondEncoder,  // open_encoder() of v1 and every later one (a size the device cannot do)
  kDeviceOpen,     // Backend::open()
};

struct OpenTimeFailure {
  const char* name;
  ErrorCode code;
  OpenStep step;
  const char* message_part;  // of the error the backend returns
};

FakeScript failing_hw(const OpenTimeFailure& f) {
  FakeScript s = script_named("hw");
  const Error error{f.code, std::string("scripted ") + to_string(f.code) + " in hw"};
  switch (f.step) {
    case OpenStep::kSessionLimit: s.max_sessions = 1; break;
    case OpenStep::kSecondEncoder:
      s.open_encoder_failure = testing::ScriptedFailure{2, error, true};
      break;
    case OpenStep::kDeviceOpen: s.open_failure = error; break;
  }
  return s;
}

void PrintTo(const OpenTimeFailure& f, std::ostream* os) {
  *os << f.name;
}

class OpenTimeFallback : public ::testing::TestWithParam<OpenTimeFailure> {};

TEST_P(OpenTimeFallback, AutoMovesToTheNextBackend) {
  OutputDir out(std::string("fallback-") + GetParam().name);
  auto hw = fake(failing_hw(GetParam()));
  auto sw = fake(script_named("sw"));
  auto s = Streamer::open(fake_config(out.path), {hw, sw});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->backend_name(), "hw");
  Status first = (*s)->push(GrayFrame().view());
  ASSERT_TRUE(first.ok()) << first.message();
  EXPECT_EQ((*s)->backend_name(), "sw");
  const std::vector<std::string>& passed = (*s)->backends_passed_over();
  EXPECT_TRUE(std::any_of(passed.begin(), passed.end(),
                          [](const std::string& p) { return p.rfind("hw: ", 0) == 0; }))
      << "no \"hw: ...\" among " << passed.size() << " backends passed over";
  push_all(**s, 3 * kFramesPerSegment - 1, 1);
  Status closed = (*s)->close();
  ASSERT_TRUE(closed.ok()) << closed.message();
  EXPECT_EQ(expect_final_manifests_list_files_on_disk(out.path, {kV0, kV1}), 3u);
  expect_segments_decode(out.path, {kV0, kV1}, 3);
  EXPECT_EQ(sw->counters().frames_encoded, (std::vector<int64_t>{30, 30}));
  const FakeCounters on_hw = hw->counters();
  EXPECT_EQ(on_hw.sessions_open, 0);
  EXPECT_EQ(on_hw.devices_open, 0);
}

TEST_P(OpenTimeFallback, ANamedBackendFailsWithTheCode) {
  OutputDir out(std::string("no-fallback-") + GetParam().name);
  auto sw = fake(script_named("sw"));
  auto s = Streamer::open(fake_config(out.path, "hw"), {fake(failing_hw(GetParam())), sw});
  ASSERT_TRUE(s.ok()) << s.error().message;
  Status first = (*s)->push(GrayFrame().view());
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.code(), GetParam().code) << first.message();
  EXPECT_NE(first.message().find(GetParam().message_part), std::string::npos) << first.message();
  EXPECT_EQ((*s)->backend_name(), "hw");
  EXPECT_EQ(sw->counters().device_open_calls, 0);
}

INSTANTIATE_TEST_SUITE_P(
    HwFails,
    OpenTimeFallback,
    ::testing::Values(OpenTimeFailure{"OutOfSessions", ErrorCode::kOutOfSessions,
                                      OpenStep::kSessionLimit, "no encoder session left"},
                      OpenTimeFailure{"Unsupported", ErrorCode::kUnsupported,
                                      OpenStep::kSecondEncoder, "scripted"},
                      OpenTimeFailure{"DeviceLost", ErrorCode::kDeviceLost, OpenStep::kDeviceOpen,
                                      "scripted"}),
    [](const ::testing::TestParamInfo<OpenTimeFailure>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace gearbox
