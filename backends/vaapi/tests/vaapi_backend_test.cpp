// The VA-API backend through the SIMULATED VA driver (../simulation/, strict mode): the probe,
// the typed failures and their messages, both upload paths, a three-rendition ladder decoded by
// libavcodec, the parameter sets against the stream, and the simulation's own checks (no
// violation). The simulation is told what to fail through its exported controls
// (vaapi_simulation_support.h); the backend is given the simulation's node to scan.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/backend_registry.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "h264_syntax.h"
#include "media_reader.h"
#include "temp_dir.h"
#include "vaapi_backend.h"
#include "vaapi_device.h"
#include "vaapi_simulation_support.h"
#include "vaapi_test_backend.h"

namespace gearbox {
namespace {

namespace sim = vaapi::simulation;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The simulation's controls; strict mode from the first use on, for the whole binary.
const sim::Control& control() {
  static const sim::Control c = [] {
    sim::prepare_environment();
    return sim::Control();
  }();
  static const bool strict = (c.configure("", true), true);
  (void)strict;
  return c;
}

// Makes the simulation fail in one way (strict mode kept) for a scope.
class SimulatedFailure {
 public:
  explicit SimulatedFailure(const std::string& what) {
    sim::prepare_environment();
    if (!control().found()) {
      ADD_FAILURE() << "cannot reach the simulated VA driver: " << control().error();
      return;
    }
    control().configure(what, true);
  }
  ~SimulatedFailure() { control().configure("", true); }
};

// The backend on the simulation, with whatever failures a SimulatedFailure set.
std::unique_ptr<Backend> backend() {
  control();
  return make_vaapi_backend(vaapi::testing::simulation_runtime(),
                            vaapi::testing::simulation_nodes());
}

DeviceOptions device_options(int w, int h, const std::string& device = "") {
  DeviceOptions o;
  o.width = w;
  o.height = h;
  o.input_format = PixelFormat::kBGR24;
  o.pool_size = 4;
  o.encoder_sessions = 3;
  if (!device.empty()) o.backend_options["vaapi.device"] = device;
  return o;
}

EncoderConfig encoder_config(int w, int h, int kbps = 500) {
  EncoderConfig c;
  c.width = w;
  c.height = h;
  c.frame_rate = {25, 1};
  c.timescale = 90000;
  c.bitrate_kbps = kbps;
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

TEST(VaapiBackend, ProbeSaysSimulationAndListsTheNode) {
  BackendInfo info = backend()->probe();
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_EQ(info.name, "vaapi");
  EXPECT_TRUE(contains(info.reason, "SIMULATION")) << info.reason;
  EXPECT_TRUE(info.simulated) << "what bench labels its figures by";
  EXPECT_TRUE(contains(info.reason, sim::render_node())) << info.reason;
  EXPECT_TRUE(contains(info.reason, "H.264 High")) << info.reason;
  EXPECT_TRUE(info.caps.offers(Codec::kH264));
  EXPECT_TRUE(info.caps.offers(RateControl::kCbr));
  EXPECT_TRUE(info.caps.offers(RateControl::kVbr));
  EXPECT_EQ(info.caps.max_size.width, 4096);
  EXPECT_EQ(info.caps.min_size.width, 32);
  EXPECT_EQ(control().violation_count(), 0) << control().last_violation();
}

TEST(VaapiBackend, OptionsDescribeTheDevice) {
  auto options = backend()->options();
  ASSERT_FALSE(options.empty());
  EXPECT_EQ(options[0].name, "device");
  EXPECT_EQ(options[0].flag, "--vaapi-device");
  EXPECT_EQ(options[0].default_value, "");
}

TEST(VaapiBackend, NoRenderNodeIsUnavailable) {
  sim::prepare_environment();
  auto b = make_vaapi_backend(vaapi::testing::simulation_runtime(),
                              [] { return std::vector<std::string>{}; });
  auto device = b->open(device_options(64, 64));
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(device.error().message, "no DRM render node (/dev/dri/renderD*)"))
      << device.error().message;
  BackendInfo info = b->probe();
  EXPECT_FALSE(info.available);
  EXPECT_TRUE(contains(info.reason, "no DRM render node")) << info.reason;
}

TEST(VaapiBackend, MissingDeviceIsUnavailableNamingThePath) {
  const std::string path = "/nonexistent-gearbox-dri/renderD200";
  auto device = backend()->open(device_options(64, 64, path));
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(device.error().message, path)) << device.error().message;
  EXPECT_TRUE(contains(device.error().message, "No such file")) << device.error().message;
}

TEST(VaapiBackend, UnreadableDeviceExplainsTheRenderGroup) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "running as root, which opens a chmod 000 file anyway: the permission "
                    "failure cannot be produced here";
  }
  const std::string dir = testing::temp_dir("vaapi-unreadable");
  std::filesystem::create_directories(dir);
  const std::string node = dir + "/renderD129";
  std::ofstream(node).put('\0');
  ASSERT_EQ(::chmod(node.c_str(), 0), 0);
  auto device = backend()->open(device_options(64, 64, node));
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(device.error().message, "Permission denied")) << device.error().message;
  EXPECT_TRUE(contains(device.error().message, "sudo usermod -aG render $USER"))
      << device.error().message;
}

TEST(VaapiBackend, DriverThatFailsToInitialiseNamesThePackages) {
  SimulatedFailure failure("init_fails");
  auto device = backend()->open(device_options(64, 64, sim::render_node()));
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnavailable);
  const std::string& m = device.error().message;
  EXPECT_TRUE(contains(m, "vaInitialize returned")) << m;
  EXPECT_TRUE(contains(m, "gearbox_sim")) << m;  // the driver libva tried
  EXPECT_TRUE(contains(m, "intel-media-va-driver")) << m;
  EXPECT_TRUE(contains(m, "mesa-va-drivers")) << m;
}

TEST(VaapiBackend, DriverWithoutEncodeIsUnsupportedLikeNvidias) {
  SimulatedFailure failure("no_encode");
  auto device = backend()->open(device_options(64, 64));
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(device.error().message, "no H.264 encoder")) << device.error().message;
  EXPECT_TRUE(contains(device.error().message, "NVIDIA's VA driver")) << device.error().message;
  BackendInfo info = backend()->probe();
  EXPECT_FALSE(info.available);
}

TEST(VaapiBackend, SizeBeyondTheDriversLimitIsRefusedNamingBoth) {
  SimulatedFailure failure("max_size:640x360");
  auto device = backend()->open(device_options(1280, 720));
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ((*device)->capabilities().max_size.width, 640);
  EXPECT_EQ((*device)->capabilities().max_size.height, 360);
  auto encoder = (*device)->open_encoder(encoder_config(1280, 720));
  ASSERT_FALSE(encoder.ok());
  EXPECT_EQ(encoder.error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(encoder.error().message, "1280x720")) << encoder.error().message;
  EXPECT_TRUE(contains(encoder.error().message, "640x360")) << encoder.error().message;
}

TEST(VaapiBackend, ContextLimitIsOutOfSessions) {
  SimulatedFailure failure("context_limit:2");
  auto device = backend()->open(device_options(128, 96));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto first = (*device)->open_encoder(encoder_config(128, 96));
  auto second = (*device)->open_encoder(encoder_config(64, 48));
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(second.ok()) << second.error().message;
  auto third = (*device)->open_encoder(encoder_config(32, 32));
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::kOutOfSessions);
  EXPECT_TRUE(contains(third.error().message, "vaCreateContext")) << third.error().message;
  EXPECT_TRUE(contains(third.error().message, "needs 3")) << third.error().message;
}

// Uploads and encodes `count` frames at source size, IDR on `idrs`.
Collected encode_frames(Device& device,
                        Encoder& encoder,
                        int w,
                        int h,
                        int count,
                        const std::vector<int>& idrs) {
  Collected out;
  for (int i = 0; i < count; ++i) {
    const auto bgr = bgr_frame(w, h, i);
    auto surface = device.upload(FrameView::packed(PixelFormat::kBGR24, w, h, bgr.data()));
    EXPECT_TRUE(surface.ok()) << surface.error().message;
    if (!surface) break;
    const bool idr = std::find(idrs.begin(), idrs.end(), i) != idrs.end();
    Status s = encoder.encode(**surface, i * 3600, idr, out);
    EXPECT_TRUE(s.ok()) << s.message();
    if (!s) break;
  }
  return out;
}

TEST(VaapiBackend, DeriveRefusedUploadsThroughPutImage) {
  SimulatedFailure failure("no_derive");
  auto device = backend()->open(device_options(96, 64));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto encoder = (*device)->open_encoder(encoder_config(96, 64));
  ASSERT_TRUE(encoder.ok()) << encoder.error().message;
  Collected out = encode_frames(**device, **encoder, 96, 64, 5, {0});
  ASSERT_EQ(out.packets.size(), 5u);
  EXPECT_TRUE(static_cast<vaapi::VaapiDevice&>(**device).uploads_through_put_image());
  EXPECT_EQ(control().violation_count(), 0) << control().last_violation();
}

TEST(VaapiBackend, DeviceLostIsTyped) {
  auto device = backend()->open(device_options(64, 64));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto encoder = (*device)->open_encoder(encoder_config(64, 64));
  ASSERT_TRUE(encoder.ok()) << encoder.error().message;
  const auto bgr = bgr_frame(64, 64, 0);
  auto surface = (*device)->upload(FrameView::packed(PixelFormat::kBGR24, 64, 64, bgr.data()));
  ASSERT_TRUE(surface.ok()) << surface.error().message;
  SimulatedFailure failure("device_lost");
  Collected out;
  Status s = (*encoder)->encode(**surface, 0, true, out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kDeviceLost);
  EXPECT_TRUE(contains(s.message(), "VA_STATUS_ERROR_HW_BUSY")) << s.message();
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

// The parameter sets of an Annex B stream's first IDR access unit, as Annex B NAL units.
std::vector<uint8_t> parameter_sets_in(const std::vector<uint8_t>& au) {
  std::vector<uint8_t> out;
  for (const auto& n : vaapi::h264::split_annexb(au.data(), au.size())) {
    if (n.type != vaapi::h264::kNalSps && n.type != vaapi::h264::kNalPps) continue;
    const std::vector<uint8_t> rbsp = vaapi::h264::unescape_rbsp(n.payload, n.payload_size);
    const auto nal = vaapi::h264::annexb_nal(n.type, n.ref_idc, rbsp);
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

TEST(VaapiBackend, LadderDecodesToItsSizesWithIdrsOnTheForcedFrames) {
  const int w = 320, h = 180;
  auto device = backend()->open(device_options(w, h));
  ASSERT_TRUE(device.ok()) << device.error().message;
  struct Rung {
    int w, h;
    std::unique_ptr<Encoder> encoder;
    Collected out;
  };
  std::vector<Rung> rungs;
  for (auto [rw, rh] : std::vector<std::pair<int, int>>{{320, 180}, {160, 90}, {96, 54}}) {
    EncoderConfig c = encoder_config(rw, rh, 300);
    if (rw == 160) c.backend_options["vaapi.rate_control"] = "vbr";
    c.rate_control.vbv_maxrate_factor = 1.5;
    auto e = (*device)->open_encoder(c);
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
    }
    // The parameter sets travel out of band, as x264's and NVENC's: in the codec config (the
    // avcC), in no packet.
    const CodecConfig& cc = r.encoder->codec_config();
    ASSERT_FALSE(cc.extradata.empty());
    for (int i = 0; i < frames; ++i) {
      EXPECT_TRUE(parameter_sets_in(r.out.packets[i]).empty()) << "packet " << i;
    }
    auto sps_nal = vaapi::h264::split_annexb(cc.extradata.data(), cc.extradata.size());
    ASSERT_FALSE(sps_nal.empty());
    auto sps = vaapi::h264::parse_sps(
        vaapi::h264::unescape_rbsp(sps_nal[0].payload, sps_nal[0].payload_size));
    ASSERT_TRUE(sps.ok()) << sps.error().message;
    EXPECT_EQ(cc.codec_string, vaapi::h264::codec_string(sps.value()));
    EXPECT_EQ(cc.codec_string.rfind("avc1.64", 0), 0u) << cc.codec_string;

    // Decoded as a muxer's avcC hands them to a decoder: the codec config first.
    std::vector<uint8_t> stream = cc.extradata;
    const std::vector<uint8_t> packets = r.out.stream();
    stream.insert(stream.end(), packets.begin(), packets.end());
    const std::string path = write_stream("vaapi-ladder-" + std::to_string(r.w), stream);
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
  EXPECT_EQ(control().violation_count(), 0) << control().last_violation();
}

// A driver that asks for no packed headers (no_packed_headers) writes its own SPS/PPS: the codec
// config is the driver's (its log2_max_frame_num_minus4 0, where gearbox writes 4), complete
// right after open_encoder (a warm-up IDR), and the packets carry no parameter sets in band.
TEST(VaapiBackend, DriverWithoutPackedHeadersGivesItsOwnParameterSetsAtOpen) {
  SimulatedFailure failure("no_packed_headers");
  const int w = 160, h = 90;
  auto device = backend()->open(device_options(w, h));
  ASSERT_TRUE(device.ok()) << device.error().message;
  auto encoder = (*device)->open_encoder(encoder_config(w, h, 300));
  ASSERT_TRUE(encoder.ok()) << encoder.error().message;
  const CodecConfig cc = (*encoder)->codec_config();
  auto nals = vaapi::h264::split_annexb(cc.extradata.data(), cc.extradata.size());
  ASSERT_EQ(nals.size(), 2u);
  EXPECT_EQ(nals[0].type, vaapi::h264::kNalSps);
  EXPECT_EQ(nals[1].type, vaapi::h264::kNalPps);
  auto sps =
      vaapi::h264::parse_sps(vaapi::h264::unescape_rbsp(nals[0].payload, nals[0].payload_size));
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_EQ(sps->log2_max_frame_num_minus4, 0) << "not the driver's SPS";
  EXPECT_EQ(sps->width(), w);
  EXPECT_EQ(sps->height(), h);
  EXPECT_EQ(cc.codec_string, vaapi::h264::codec_string(sps.value()));

  const std::vector<int> idrs = {0, 7, 15};
  const int frames = 40;  // past the driver's frame_num wrap at 16
  Collected out;
  for (int i = 0; i < frames; ++i) {
    const auto bgr = bgr_frame(w, h, i);
    auto source = (*device)->upload(FrameView::packed(PixelFormat::kBGR24, w, h, bgr.data()));
    ASSERT_TRUE(source.ok()) << source.error().message;
    const bool idr = std::find(idrs.begin(), idrs.end(), i) != idrs.end();
    Status s = (*encoder)->encode(**source, i * 3600, idr, out);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  ASSERT_EQ(out.packets.size(), static_cast<size_t>(frames));
  EXPECT_EQ((*encoder)->stats().frames_in, frames) << "the warm-up IDR is no frame";
  for (int i = 0; i < frames; ++i) {
    const bool idr = std::find(idrs.begin(), idrs.end(), i) != idrs.end();
    EXPECT_EQ(out.keyframes[i], idr) << "frame " << i;
    EXPECT_TRUE(parameter_sets_in(out.packets[i]).empty()) << "frame " << i << " carries SPS/PPS";
  }
  // Out-of-band parameter sets first, as a muxer's avcC gives them to a decoder.
  std::vector<uint8_t> stream = cc.extradata;
  const auto packets = out.stream();
  stream.insert(stream.end(), packets.begin(), packets.end());
  const std::string path = write_stream("vaapi-nopacked", stream);
  testing::DecodedStream decoded = testing::decode_all(path);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
  ASSERT_TRUE(decoded.ok) << decoded.error;
  ASSERT_EQ(decoded.frames.size(), static_cast<size_t>(frames));
  for (int i = 0; i < frames; ++i) {
    EXPECT_EQ(decoded.frames[i].width, w);
    const bool idr = std::find(idrs.begin(), idrs.end(), i) != idrs.end();
    EXPECT_EQ(decoded.frames[i].keyframe, idr) << "frame " << i;
  }
  EXPECT_EQ(control().violation_count(), 0) << control().last_violation();
}

TEST(VaapiBackend, EveryInputFormatEncodes) {
  const int w = 64, h = 48;
  for (PixelFormat f :
       {PixelFormat::kBGR24, PixelFormat::kRGB24, PixelFormat::kBGRA, PixelFormat::kRGBA,
        PixelFormat::kGRAY8, PixelFormat::kNV12, PixelFormat::kI420}) {
    DeviceOptions o = device_options(w, h);
    o.input_format = f;
    auto device = backend()->open(o);
    ASSERT_TRUE(device.ok()) << device.error().message;
    auto encoder = (*device)->open_encoder(encoder_config(w, h));
    ASSERT_TRUE(encoder.ok()) << encoder.error().message;
    std::vector<uint8_t> bytes(static_cast<size_t>(FrameView::packed_size(f, w, h)), 100);
    FrameView frame = (f == PixelFormat::kNV12 || f == PixelFormat::kI420)
                          ? FrameView::contiguous_yuv(f, w, h, bytes.data())
                          : FrameView::packed(f, w, h, bytes.data());
    auto surface = (*device)->upload(frame);
    ASSERT_TRUE(surface.ok()) << to_string(f) << ": " << surface.error().message;
    Collected out;
    Status s = (*encoder)->encode(**surface, 0, true, out);
    ASSERT_TRUE(s.ok()) << to_string(f) << ": " << s.message();
    ASSERT_EQ(out.packets.size(), 1u);
    EXPECT_TRUE(out.keyframes[0]);
  }
  EXPECT_EQ(control().violation_count(), 0) << control().last_violation();
}

TEST(VaapiBackend, TestBackendIsTheSimulationInStrictMode) {
  auto b = testing::make_vaapi_simulation_backend();
  BackendInfo info = b->probe();
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_TRUE(contains(info.reason, "SIMULATION")) << info.reason;
}

// The registry's backends, with vaapi on the simulation.
BackendList backends_on_simulation() {
  BackendList list;
  for (std::unique_ptr<Backend>& b : all_backends()) {
    if (b->name() == "vaapi") b = backend();
    list.push_back(std::move(b));
  }
  return list;
}

StreamConfig stream_config(const std::string& name) {
  StreamConfig c;
  c.output = testing::temp_dir("vaapi-stream-" + name);
  c.backend = "vaapi";
  c.renditions.push_back({160, 90, 200, {}});
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

// The engine hands --vaapi-device to Backend::open() (DeviceOptions::backend_options).
TEST(VaapiStream, DeviceOptionReachesTheBackendThroughTheEngine) {
  StreamConfig c = stream_config("device");
  c.backend_options["vaapi.device"] = "/nonexistent-gearbox-dri/renderD201";
  auto s = Streamer::open(c, backends_on_simulation());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  Status st = (*s)->push(pattern.render(0));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable) << st.message();
  EXPECT_TRUE(contains(st.message(), "/nonexistent-gearbox-dri/renderD201")) << st.message();
  (void)(*s)->abort();
  std::filesystem::remove_all(c.output);
}

TEST(VaapiSelection, AutoPassesOverVaapiWithoutEncodeAndSaysWhy) {
  SimulatedFailure failure("no_encode");
  const BackendList backends = backends_on_simulation();
  auto selection = select_backend("auto", backends);
  ASSERT_TRUE(selection.ok()) << selection.error().message;
  EXPECT_EQ(selection->backend->name(), "x264");
  bool said = false;
  for (const std::string& why : selection->passed_over)
    said = said || (why.rfind("vaapi: ", 0) == 0 && contains(why, "no H.264 encoder"));
  EXPECT_TRUE(said);
}

TEST(VaapiStream, SimulatedLadderStreamsWithoutViolations) {
  StreamConfig c = stream_config("ladder");
  c.renditions.push_back({96, 54, 100, {}});
  auto s = Streamer::open(c, backends_on_simulation());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  Status closed = (*s)->close();
  EXPECT_TRUE(closed.ok()) << closed.message();
  std::filesystem::remove_all(c.output);
  EXPECT_EQ(control().violation_count(), 0) << control().last_violation();
}

TEST(VaapiStream, LadderOnADriverWithoutPackedHeadersStreamsWithoutViolations) {
  SimulatedFailure failure("no_packed_headers");
  StreamConfig c = stream_config("nopacked");
  c.renditions.push_back({96, 54, 100, {}});
  auto s = Streamer::open(c, backends_on_simulation());
  ASSERT_TRUE(s.ok()) << s.error().message;
  TestPattern pattern(320, 180);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE((*s)->push(pattern.render(i)).ok());
  Status closed = (*s)->close();
  EXPECT_TRUE(closed.ok()) << closed.message();
  std::filesystem::remove_all(c.output);
  EXPECT_EQ(control().violation_count(), 0) << control().last_violation();
}

}  // namespace
}  // namespace gearbox
