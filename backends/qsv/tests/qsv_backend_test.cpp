// The Quick Sync backend through Debian's real libvpl dispatcher and the SIMULATED oneVPL runtime
// (../simulation/, strict mode) on the SIMULATED VA driver's display: the probe, the typed
// failures and their messages, the upload, VPP once per size, a three-rendition ladder decoded by
// libavcodec, the rate control and HRD as the runtime took them, Query's corrections, and the
// simulation's own checks (no violation). The simulation is told what to fail through its
// exported controls (qsv_simulation_support.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/backend_registry.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "media_reader.h"
#include "qsv_backend.h"
#include "qsv_device.h"
#include "qsv_encoder.h"
#include "qsv_simulation_support.h"
#include "qsv_test_backend.h"
#include "temp_dir.h"
#include "vaapi_simulation_support.h"

namespace gearbox {
namespace {

namespace sim = qsv::simulation;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The simulations' controls; strict mode from the first use on, for the whole binary.
const sim::Control& control() {
  static const sim::Control c = [] {
    sim::prepare_environment();
    vaapi::simulation::prepare_environment();
    return sim::Control();
  }();
  static const bool strict = [] {
    c.configure("", true);
    const vaapi::simulation::Control va;
    if (va.found()) va.configure("", true);
    return true;
  }();
  (void)strict;
  return c;
}

// Makes the simulated runtime fail in one way (strict mode kept) for a scope.
class SimulatedFailure {
 public:
  explicit SimulatedFailure(const std::string& what) {
    if (!control().found()) {
      ADD_FAILURE() << "cannot reach the simulated oneVPL runtime: " << control().error();
      return;
    }
    control().configure(what, true);
  }
  ~SimulatedFailure() { control().configure("", true); }
};

// Violations so far: a test checks that it added none.
int violations() {
  return control().violation_count();
}

// The backend on the simulation, with whatever failures a SimulatedFailure set.
std::unique_ptr<Backend> backend() {
  control();
  return make_qsv_backend(qsv::testing::simulation_dispatcher(), qsv::testing::simulation_va(),
                          qsv::testing::simulation_nodes());
}

DeviceOptions device_options(int w, int h, std::vector<ScaleRequest> scales = {}) {
  DeviceOptions o;
  o.width = w;
  o.height = h;
  o.input_format = PixelFormat::kBGR24;
  o.pool_size = 4;
  o.encoder_sessions = 3;
  o.every_frame_scales = std::move(scales);
  return o;
}

EncoderConfig encoder_config(int w, int h, int kbps = 500, const std::string& rc = "cbr") {
  EncoderConfig c;
  c.width = w;
  c.height = h;
  c.frame_rate = {25, 1};
  c.timescale = 90000;
  c.bitrate_kbps = kbps;
  c.rate_control.vbv_maxrate_factor = 1.5;
  c.rate_control.vbv_buffer_seconds = 1.0;
  c.backend_options["qsv.rate_control"] = rc;
  return c;
}

// A moving BGR gradient, so that P pictures carry motion.
std::vector<uint8_t> bgr_frame(int w, int h, int index) {
  std::vector<uint8_t> bgr(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &bgr[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 2 + index * 3);
      p[1] = static_cast<uint8_t>(y * 2 + index);
      p[2] = static_cast<uint8_t>((x + y) / 2);
    }
  }
  return bgr;
}

struct Collected : PacketSink {
  std::vector<std::vector<uint8_t>> packets;
  std::vector<bool> keyframes;
  std::vector<int64_t> pts, dts;
  Status on_packet(const EncodedPacket& p) override {
    packets.emplace_back(p.data, p.data + p.size);
    keyframes.push_back(p.keyframe);
    pts.push_back(p.pts);
    dts.push_back(p.dts);
    return {};
  }
  std::vector<uint8_t> stream() const {
    std::vector<uint8_t> all;
    for (const auto& p : packets) all.insert(all.end(), p.begin(), p.end());
    return all;
  }
};

// The NAL unit types of an Annex B stream, in order.
std::vector<int> nal_types(const std::vector<uint8_t>& b) {
  std::vector<int> types;
  for (size_t i = 0; i + 3 < b.size(); ++i) {
    if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
      types.push_back(b[i + 3] & 0x1f);
      i += 2;
    }
  }
  return types;
}

std::string write_stream(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string dir = testing::temp_dir(name);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/stream.h264";
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path;
}

const qsv::QsvEncoderInfo& info_of(const Encoder& e) {
  return dynamic_cast<const qsv::QsvEncoderInfo&>(e);
}

TEST(QsvBackend, ProbeSaysSimulationAndListsTheImplementations) {
  BackendInfo info = backend()->probe();
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_TRUE(info.simulated);
  EXPECT_TRUE(info.caps.offers(Codec::kH264));
  EXPECT_TRUE(info.caps.offers(RateControl::kCbr));
  EXPECT_TRUE(info.caps.offers(RateControl::kVbr));
  EXPECT_EQ(info.caps.max_bframes, 0);
  EXPECT_TRUE(contains(info.reason, "gearbox-simulation")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "API 2.")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "VA-API")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "found 1 implementation")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "takes qsv before vaapi")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "--backend vaapi")) << info.reason;
}

TEST(QsvBackend, TestBackendIsTheSimulationInStrictMode) {
  BackendInfo info = testing::make_qsv_simulation_backend()->probe();
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_TRUE(info.simulated);
}

TEST(QsvBackend, RuntimeThatFailsToStartNamesTheCallAndThePackages) {
  SimulatedFailure failure("initialize_fails");
  const int before = violations();
  BackendInfo info = backend()->probe();
  ASSERT_FALSE(info.available);
  EXPECT_TRUE(contains(info.reason, "MFXCreateSession")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "MFX_ERR_UNSUPPORTED")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "did not start")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "libmfx-gen1.2")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "intel-media-va-driver")) << info.reason;
  auto device = backend()->open(device_options(128, 96));
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(violations(), before) << control().last_violation();
}

TEST(QsvBackend, NoRuntimeForTheDispatcherNamesThePackages) {
  // The dispatcher searching a folder without any runtime (and the system's, which has none).
  const std::string empty = testing::temp_dir("qsv-no-runtime");
  std::filesystem::create_directories(empty);
  control();
  auto dispatcher = [empty]() -> Result<std::shared_ptr<qsv::VplRuntime>> {
    setenv("ONEVPL_SEARCH_PATH", empty.c_str(), 1);
    return qsv::VplRuntime::load(qsv::kDispatcher);
  };
  auto b =
      make_qsv_backend(dispatcher, qsv::testing::simulation_va(), qsv::testing::simulation_nodes());
  auto device = b->open(device_options(128, 96));
  setenv("ONEVPL_SEARCH_PATH", sim::directory().c_str(), 1);
  std::filesystem::remove_all(empty);
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnavailable);
  const std::string& m = device.error().message;
  EXPECT_TRUE(contains(m, "no oneVPL runtime")) << m;
  EXPECT_TRUE(contains(m, "MFX_ERR_NOT_FOUND")) << m;
  EXPECT_TRUE(contains(m, "MFX_IMPL_TYPE_HARDWARE")) << m;
  EXPECT_TRUE(contains(m, "libmfx-gen1.2")) << m;
  EXPECT_TRUE(contains(m, "intel-media-va-driver")) << m;
}

TEST(QsvBackend, RuntimeWithoutAnAvcEncoderIsUnsupported) {
  SimulatedFailure failure("no_avc_encoder");
  auto device = backend()->open(device_options(128, 96));
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnsupported) << device.error().message;
  EXPECT_TRUE(contains(device.error().message, "MFX_CODEC_AVC")) << device.error().message;
  EXPECT_TRUE(contains(device.error().message, "gearbox-simulation")) << device.error().message;
}

TEST(QsvBackend, SizeBeyondTheRuntimesLimitIsRefusedNamingBoth) {
  SimulatedFailure failure("max_size=640x360");
  auto device = backend()->open(device_options(320, 180));
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ((*device)->capabilities().max_size.width, 640);
  auto encoder = (*device)->open_encoder(encoder_config(1280, 720));
  ASSERT_FALSE(encoder.ok());
  EXPECT_EQ(encoder.error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(encoder.error().message, "1280x720")) << encoder.error().message;
  EXPECT_TRUE(contains(encoder.error().message, "640x360")) << encoder.error().message;
  auto big = backend()->open(device_options(1280, 720));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kUnsupported) << big.error().message;
}

TEST(QsvBackend, RuntimeWithoutVppRefusesALadderThatScales) {
  SimulatedFailure failure("no_vpp");
  auto device = backend()->open(device_options(320, 180, {{-1, 160, 90}}));
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(device.error().message, "no VPP")) << device.error().message;
}

TEST(QsvBackend, SessionLimitIsOutOfSessions) {
  // The device's parent session and one encoder's: a second encoder finds none left.
  SimulatedFailure failure("sessions=2");
  const int before = violations();
  auto device = backend()->open(device_options(128, 96));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto first = (*device)->open_encoder(encoder_config(128, 96));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = (*device)->open_encoder(encoder_config(64, 48));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kOutOfSessions);
  EXPECT_TRUE(contains(second.error().message, "MFXCreateSession")) << second.error().message;
  EXPECT_TRUE(contains(second.error().message, "MFX_ERR_MEMORY_ALLOC")) << second.error().message;
  EXPECT_TRUE(contains(second.error().message, "needs 3")) << second.error().message;
  EXPECT_EQ(violations(), before) << control().last_violation();
}

TEST(QsvBackend, DeviceLostIsTyped) {
  SimulatedFailure failure("device_lost_after=3");
  auto device = backend()->open(device_options(128, 96));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto encoder = (*device)->open_encoder(encoder_config(128, 96));
  ASSERT_TRUE(encoder.ok()) << encoder.error().message;
  Collected out;
  Status failed;
  for (int i = 0; i < 10 && failed.ok(); ++i) {
    const auto bgr = bgr_frame(128, 96, i);
    auto surface = (*device)->upload(FrameView::packed(PixelFormat::kBGR24, 128, 96, bgr.data()));
    ASSERT_TRUE(surface.ok()) << surface.error().message;
    failed = (*encoder)->encode(**surface, i * 3600, i == 0, out);
  }
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), ErrorCode::kDeviceLost) << failed.message();
  EXPECT_TRUE(contains(failed.message(), "MFX_ERR_DEVICE_LOST")) << failed.message();
  EXPECT_TRUE(contains(failed.message(), "stopped answering")) << failed.message();
}

TEST(QsvBackend, QueryCorrectionThatMattersIsAnErrorNamingTheField) {
  SimulatedFailure failure("query_changes=TargetKbps");
  auto device = backend()->open(device_options(128, 96));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto encoder = (*device)->open_encoder(encoder_config(128, 96, 800));
  ASSERT_FALSE(encoder.ok());
  EXPECT_EQ(encoder.error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(encoder.error().message, "MFXVideoENCODE_Query")) << encoder.error().message;
  EXPECT_TRUE(contains(encoder.error().message, "MFX_WRN_INCOMPATIBLE_VIDEO_PARAM"))
      << encoder.error().message;
  EXPECT_TRUE(contains(encoder.error().message, "TargetKbps 800 -> 600"))
      << encoder.error().message;
}

TEST(QsvBackend, GopCorrectionIsAnError) {
  SimulatedFailure failure("query_changes=GopPicSize");
  auto device = backend()->open(device_options(128, 96));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto encoder = (*device)->open_encoder(encoder_config(128, 96));
  ASSERT_FALSE(encoder.ok());
  EXPECT_TRUE(contains(encoder.error().message, "GopPicSize 65535 -> ")) << encoder.error().message;
}

TEST(QsvBackend, QueryCorrectionThatDoesNotMatterIsALoggedWarning) {
  SimulatedFailure failure("query_changes=NumRefFrame");
  auto device = backend()->open(device_options(128, 96));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto encoder = (*device)->open_encoder(encoder_config(128, 96));
  ASSERT_TRUE(encoder.ok()) << encoder.error().message;
  const auto& warnings = info_of(**encoder).warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(contains(warnings[0], "NumRefFrame 2 -> 1")) << warnings[0];
  EXPECT_EQ(info_of(**encoder).video_param().mfx.NumRefFrame, 1);
}

TEST(QsvBackend, CbrAndVbrWithTheHrdReachTheRuntime) {
  auto device = backend()->open(device_options(320, 180));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto cbr = (*device)->open_encoder(encoder_config(320, 180, 400, "cbr"));
  ASSERT_TRUE(cbr.ok()) << cbr.error().message;
  auto vbr = (*device)->open_encoder(encoder_config(320, 180, 400, "vbr"));
  ASSERT_TRUE(vbr.ok()) << vbr.error().message;
  // As MFXVideoENCODE_GetVideoParam returns them: what the runtime encodes with.
  const mfxInfoMFX& c = info_of(**cbr).video_param().mfx;
  const mfxInfoMFX& v = info_of(**vbr).video_param().mfx;
  const int cm = std::max<int>(1, c.BRCParamMultiplier),
            vm = std::max<int>(1, v.BRCParamMultiplier);
  EXPECT_EQ(c.RateControlMethod, MFX_RATECONTROL_CBR);
  EXPECT_EQ(c.TargetKbps * cm, 400);
  EXPECT_EQ(c.MaxKbps * cm, 400);
  EXPECT_EQ(c.BufferSizeInKB * cm, 50);  // 400 kbit/s x 1 s
  EXPECT_EQ(c.InitialDelayInKB * cm, 50);
  EXPECT_EQ(v.RateControlMethod, MFX_RATECONTROL_VBR);
  EXPECT_EQ(v.TargetKbps * vm, 400);
  EXPECT_EQ(v.MaxKbps * vm, 600);
  EXPECT_EQ(v.BufferSizeInKB * vm, 50);
  EXPECT_EQ(c.CodecProfile, MFX_PROFILE_AVC_HIGH);
  EXPECT_EQ(c.GopRefDist, 1);
  EXPECT_EQ(c.GopPicSize, 0xFFFF);
  EXPECT_EQ(c.IdrInterval, 0xFFFF);
  const CodecConfig& cc = (*cbr)->codec_config();
  EXPECT_EQ(cc.codec_string.rfind("avc1.64", 0), 0u) << cc.codec_string;
  EXPECT_EQ(nal_types(cc.extradata), (std::vector<int>{7, 8}));
}

TEST(QsvBackend, UploadWritesTheConvertedPictureIntoARuntimeSurface) {
  const int before = violations();
  auto device = backend()->open(device_options(64, 48));
  ASSERT_TRUE(device.ok()) << device.error().message;
  std::vector<uint8_t> grey(64 * 48 * 3, 90);  // BT.601 limited range: Y = 16 + 219 * 90 / 255
  auto surface = (*device)->upload(FrameView::packed(PixelFormat::kBGR24, 64, 48, grey.data()));
  ASSERT_TRUE(surface.ok()) << surface.error().message;
  EXPECT_EQ((*surface)->width(), 64);
  EXPECT_EQ((*surface)->height(), 48);
  mfxFrameSurface1* raw = dynamic_cast<const qsv::QsvSurface&>(**surface).surface();
  ASSERT_EQ(raw->FrameInterface->Map(raw, MFX_MAP_READ), MFX_ERR_NONE);
  const int pitch = (static_cast<int>(raw->Data.PitchHigh) << 16) | raw->Data.PitchLow;
  EXPECT_NEAR(raw->Data.Y[0], 93, 1);
  EXPECT_NEAR(raw->Data.Y[47 * pitch + 63], 93, 1);
  EXPECT_NEAR(raw->Data.UV[0], 128, 1);
  EXPECT_NEAR(raw->Data.UV[1], 128, 1);
  ASSERT_EQ(raw->FrameInterface->Unmap(raw), MFX_ERR_NONE);
  EXPECT_EQ(violations(), before) << control().last_violation();
}

TEST(QsvBackend, VppRunsOncePerDistinctSize) {
  const int before = violations();
  auto device = backend()->open(device_options(320, 180, {{-1, 160, 90}, {-1, 96, 54}}));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto* qsv = dynamic_cast<qsv::QsvDevice*>(device->get());
  ASSERT_NE(qsv, nullptr);
  for (int i = 0; i < 3; ++i) {
    const auto bgr = bgr_frame(320, 180, i);
    auto source = (*device)->upload(FrameView::packed(PixelFormat::kBGR24, 320, 180, bgr.data()));
    ASSERT_TRUE(source.ok()) << source.error().message;
    for (auto [w, h] : std::vector<std::pair<int, int>>{{160, 90}, {96, 54}}) {
      auto scaled = (*device)->scale(**source, w, h);
      ASSERT_TRUE(scaled.ok()) << scaled.error().message;
      EXPECT_EQ((*scaled)->width(), w);
      EXPECT_EQ((*scaled)->height(), h);
    }
  }
  EXPECT_EQ(qsv->vpp_count(), 2);
  EXPECT_EQ(violations(), before) << control().last_violation();
}

TEST(QsvBackend, LadderDecodesToItsSizesWithIdrsOnTheForcedFrames) {
  const int before = violations();
  const int w = 320, h = 180;
  auto device = backend()->open(device_options(w, h, {{-1, 160, 90}, {-1, 96, 54}}));
  ASSERT_TRUE(device.ok()) << device.error().message;
  struct Rung {
    int w, h;
    std::unique_ptr<Encoder> encoder;
    Collected out;
  };
  std::vector<Rung> rungs;
  for (auto [rw, rh] : std::vector<std::pair<int, int>>{{320, 180}, {160, 90}, {96, 54}}) {
    auto e = (*device)->open_encoder(encoder_config(rw, rh, 300, rw == 160 ? "vbr" : "cbr"));
    ASSERT_TRUE(e.ok()) << e.error().message;
    rungs.push_back({rw, rh, std::move(e.value()), {}});
  }
  const std::vector<int> idrs = {0, 7, 15};
  const int frames = 20;
  for (int i = 0; i < frames; ++i) {
    const auto bgr = bgr_frame(w, h, i);
    auto source = (*device)->upload(FrameView::packed(PixelFormat::kBGR24, w, h, bgr.data()));
    ASSERT_TRUE(source.ok()) << source.error().message;
    const bool idr = std::find(idrs.begin(), idrs.end(), i) != idrs.end();
    for (Rung& r : rungs) {
      SurfaceRef picture = *source;
      if (r.w != w) {
        auto scaled = (*device)->scale(**source, r.w, r.h);
        ASSERT_TRUE(scaled.ok()) << scaled.error().message;
        picture = *scaled;
      }
      Status s = r.encoder->encode(*picture, i * 3600, idr, r.out);
      ASSERT_TRUE(s.ok()) << s.message();
    }
  }
  for (Rung& r : rungs) {
    ASSERT_TRUE(r.encoder->drain(r.out).ok());
    ASSERT_EQ(r.out.packets.size(), static_cast<size_t>(frames));
    for (int i = 0; i < frames; ++i) {
      const bool idr = std::find(idrs.begin(), idrs.end(), i) != idrs.end();
      EXPECT_EQ(r.out.keyframes[i], idr) << r.w << "x" << r.h << " frame " << i;
      EXPECT_EQ(r.out.pts[i], i * 3600);
      EXPECT_EQ(r.out.dts[i], r.out.pts[i]);
      // The parameter sets travel out of band, in the codec config (the avcC), in no packet.
      for (int type : nal_types(r.out.packets[i])) {
        EXPECT_TRUE(type != 7 && type != 8) << "packet " << i << " carries NAL type " << type;
      }
    }
    const CodecConfig& cc = r.encoder->codec_config();
    ASSERT_FALSE(cc.extradata.empty());
    // Decoded as a muxer's avcC hands them to a decoder: the codec config first.
    std::vector<uint8_t> stream = cc.extradata;
    const std::vector<uint8_t> packets = r.out.stream();
    stream.insert(stream.end(), packets.begin(), packets.end());
    const std::string path = write_stream("qsv-ladder-" + std::to_string(r.w), stream);
    testing::DecodedStream decoded = testing::decode_all(path);
    std::filesystem::remove_all(std::filesystem::path(path).parent_path());
    ASSERT_TRUE(decoded.ok) << decoded.error;
    ASSERT_EQ(decoded.frames.size(), static_cast<size_t>(frames)) << r.w << "x" << r.h;
    for (int i = 0; i < frames; ++i) {
      EXPECT_EQ(decoded.frames[i].width, r.w);
      EXPECT_EQ(decoded.frames[i].height, r.h);
      const bool idr = std::find(idrs.begin(), idrs.end(), i) != idrs.end();
      EXPECT_EQ(decoded.frames[i].keyframe, idr) << r.w << "x" << r.h << " frame " << i;
    }
  }
  EXPECT_EQ(violations(), before) << control().last_violation();
}

// The registry's backends, with qsv on the simulation.
BackendList backends_on_simulation() {
  BackendList list;
  for (std::unique_ptr<Backend>& b : all_backends()) {
    if (b->name() == "qsv") b = backend();
    list.push_back(std::move(b));
  }
  return list;
}

StreamConfig stream_config(const std::string& name) {
  StreamConfig c;
  c.output = testing::temp_dir("qsv-stream-" + name);
  c.backend = "qsv";
  c.renditions.push_back({160, 90, 200, {}});
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

// The engine hands --qsv-device to Backend::open() (DeviceOptions::backend_options).
TEST(QsvStream, DeviceOptionReachesTheBackendThroughTheEngine) {
  StreamConfig c = stream_config("device");
  c.backend_options["qsv.device"] = "/nonexistent-gearbox-dri/renderD202";
  auto s = Streamer::open(c, backends_on_simulation());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  Status st = (*s)->push(pattern.render(0));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable) << st.message();
  EXPECT_TRUE(contains(st.message(), "/nonexistent-gearbox-dri/renderD202")) << st.message();
  (void)(*s)->abort();
  std::filesystem::remove_all(c.output);
}

TEST(QsvSelection, AutoTakesQsvBeforeVaapi) {
  const BackendList backends = backends_on_simulation();
  auto selection = select_backend("auto", backends);
  ASSERT_TRUE(selection.ok()) << selection.error().message;
  EXPECT_EQ(selection->backend->name(), "qsv");
}

TEST(QsvSelection, AutoPassesOverQsvWithoutAnAvcEncoderAndSaysWhy) {
  SimulatedFailure failure("no_avc_encoder");
  const BackendList backends = backends_on_simulation();
  auto selection = select_backend("auto", backends);
  ASSERT_TRUE(selection.ok()) << selection.error().message;
  EXPECT_NE(selection->backend->name(), "qsv");
  bool said = false;
  for (const std::string& why : selection->passed_over)
    said = said || (why.rfind("qsv: ", 0) == 0 && contains(why, "MFX_CODEC_AVC"));
  EXPECT_TRUE(said);
}

TEST(QsvStream, SimulatedLadderStreamsWithoutViolations) {
  const int before = violations();
  StreamConfig c = stream_config("ladder");
  c.renditions.push_back({96, 54, 100, {}});
  auto s = Streamer::open(c, backends_on_simulation());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  Status closed = (*s)->close();
  EXPECT_TRUE(closed.ok()) << closed.message();
  std::filesystem::remove_all(c.output);
  EXPECT_EQ(violations(), before) << control().last_violation();
}

}  // namespace
}  // namespace gearbox
