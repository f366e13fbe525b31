// The shared probe (probe_backend, core/src/backend_probe.cpp) on a minimal test double whose
// every step can fail (the x264 backend through it: backends/x264/tests/x264_backend_test.cpp).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "gearbox/backend.h"

namespace gearbox {
namespace {

// Which step of the double fails, and how the encoder answers one forced IDR.
struct Script {
  std::string fail_at;  // "open", "open_encoder", "upload", "encode", "drain" or ""
  int packets = 1;      // packets the encode emits
  bool keyframe = true;
  std::chrono::milliseconds open_delay{0};
  bool simulated = false;  // what the device says of itself
  // What the steps saw.
  std::atomic<int> encoders_alive{0};
  std::atomic<bool> encoder_outlived_device{false};
  std::atomic<int> upload_width{0}, upload_height{0};
  std::atomic<bool> forced_idr{false};
};

class PlainSurface final : public Surface {
 public:
  PlainSurface(int w, int h) : Surface(w, h, SurfaceFormat::kI420) {}
};

Error step_failed(const std::string& step) {
  return make_error(ErrorCode::kBackendFailure, "fake: " + step + " failed");
}

class FakeEncoder final : public Encoder {
 public:
  explicit FakeEncoder(std::shared_ptr<Script> script) : script_(std::move(script)) {
    ++script_->encoders_alive;
  }
  ~FakeEncoder() override { --script_->encoders_alive; }
  Status encode(const Surface&, int64_t pts, bool force_idr, PacketSink& sink) override {
    script_->forced_idr = force_idr;
    if (script_->fail_at == "encode") return step_failed("encode");
    for (int i = 0; i < script_->packets; ++i) {
      EncodedPacket p;
      p.data = bytes_;
      p.size = sizeof bytes_;
      p.pts = p.dts = pts;
      p.keyframe = script_->keyframe;
      GEARBOX_RETURN_IF_ERROR(sink.on_packet(p));
    }
    return {};
  }
  Status drain(PacketSink&) override {
    return script_->fail_at == "drain" ? Status(step_failed("drain")) : Status();
  }
  const CodecConfig& codec_config() const override { return codec_; }
  EncoderStats stats() const override { return {}; }

 private:
  std::shared_ptr<Script> script_;
  CodecConfig codec_;
  uint8_t bytes_[4] = {0, 0, 0, 1};
};

class FakeDevice final : public Device {
 public:
  explicit FakeDevice(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  ~FakeDevice() override {
    if (script_->encoders_alive > 0) script_->encoder_outlived_device = true;
  }
  Result<SurfaceRef> upload(const FrameView& frame) override {
    script_->upload_width = frame.width;
    script_->upload_height = frame.height;
    if (script_->fail_at == "upload") return step_failed("upload");
    return SurfaceRef(std::make_shared<PlainSurface>(frame.width, frame.height));
  }
  Result<SurfaceRef> scale(const Surface&, int w, int h) override {
    return SurfaceRef(std::make_shared<PlainSurface>(w, h));
  }
  Result<std::unique_ptr<Encoder>> open_encoder(const EncoderConfig&) override {
    if (script_->fail_at == "open_encoder") return step_failed("open_encoder");
    return std::unique_ptr<Encoder>(new FakeEncoder(script_));
  }
  bool simulated() const override { return script_->simulated; }
  Capabilities capabilities() const override {
    Capabilities c;
    c.codecs = {Codec::kH264};
    c.max_size = {640, 480};
    c.max_sessions = 2;
    return c;
  }

 private:
  std::shared_ptr<Script> script_;
};

ProbeSteps steps_for(std::shared_ptr<Script> script) {
  ProbeSteps steps;
  steps.backend = "fake";
  steps.time_limit = std::chrono::seconds(5);
  steps.open_device = [script](const DeviceOptions& options) -> Result<std::unique_ptr<Device>> {
    std::this_thread::sleep_for(script->open_delay);
    if (script->fail_at == "open")
      return make_error(ErrorCode::kUnavailable, "fake: no such device");
    EXPECT_EQ(options.input_format, PixelFormat::kBGR24);
    EXPECT_EQ(options.encoder_sessions, 1);
    return std::unique_ptr<Device>(new FakeDevice(script));
  };
  steps.describe = [](const Device& device) {
    return "fake device up to " + std::to_string(device.capabilities().max_size.width) + " wide";
  };
  return steps;
}

BackendInfo probe_with(std::shared_ptr<Script> script) {
  return probe_backend(steps_for(script));
}

TEST(BackendProbe, EveryStepWorkingMakesTheBackendAvailableWithItsCapabilities) {
  auto script = std::make_shared<Script>();
  BackendInfo info = probe_with(script);
  EXPECT_EQ(info.name, "fake");
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_EQ(info.reason, "fake device up to 640 wide");
  EXPECT_EQ(info.caps.max_size.width, 640);
  EXPECT_EQ(info.caps.max_sessions, 2);
  EXPECT_FALSE(info.simulated);
  EXPECT_EQ(script->upload_width, kProbeWidth);
  EXPECT_EQ(script->upload_height, kProbeHeight);
  EXPECT_TRUE(script->forced_idr);
  EXPECT_FALSE(script->encoder_outlived_device) << "the encoder is destroyed before its device";
}

TEST(BackendProbe, ADeviceOnASimulatedRuntimeMakesASimulatedResult) {
  auto script = std::make_shared<Script>();
  script->simulated = true;
  BackendInfo info = probe_with(script);
  ASSERT_TRUE(info.available) << info.reason;
  EXPECT_TRUE(info.simulated);
}

TEST(BackendProbe, AFailedStepIsTheReasonAsTheBackendSaidIt) {
  for (const char* step : {"open_encoder", "upload", "encode", "drain"}) {
    SCOPED_TRACE(step);
    auto script = std::make_shared<Script>();
    script->fail_at = step;
    BackendInfo info = probe_with(script);
    EXPECT_FALSE(info.available);
    EXPECT_EQ(info.name, "fake");
    EXPECT_EQ(info.reason, std::string("fake: ") + step + " failed");
    EXPECT_FALSE(script->encoder_outlived_device);
  }
  auto script = std::make_shared<Script>();
  script->fail_at = "open";
  BackendInfo info = probe_with(script);
  EXPECT_FALSE(info.available);
  EXPECT_EQ(info.reason, "fake: no such device");
}

TEST(BackendProbe, AForcedIdrMustComeOutAsExactlyOneKeyframePacket) {
  struct Case {
    int packets;
    bool keyframe;
    const char* reason;
  };
  for (const Case& c : {Case{1, false, "fake made 1 packets with 0 keyframes"},
                        Case{0, true, "fake made 0 packets with 0 keyframes"},
                        Case{2, true, "fake made 2 packets with 2 keyframes"}}) {
    SCOPED_TRACE(c.reason);
    auto script = std::make_shared<Script>();
    script->packets = c.packets;
    script->keyframe = c.keyframe;
    BackendInfo info = probe_with(script);
    EXPECT_FALSE(info.available);
    EXPECT_EQ(info.reason.rfind(c.reason, 0), 0u) << info.reason;
    EXPECT_NE(info.reason.find("exactly one keyframe packet was expected"), std::string::npos)
        << info.reason;
  }
}

TEST(BackendProbe, AHungStepIsGivenUpAfterTheTimeLimit) {
  auto script = std::make_shared<Script>();
  script->open_delay = std::chrono::milliseconds(2500);
  script->fail_at = "open";  // once awake, the left-behind step ends at once
  ProbeSteps steps = steps_for(script);
  steps.time_limit = std::chrono::seconds(1);
  const auto start = std::chrono::steady_clock::now();
  BackendInfo info = probe_backend(std::move(steps));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(info.available);
  EXPECT_EQ(info.name, "fake");
  EXPECT_EQ(info.reason, "probe did not finish within 1 s (a hung driver or encoder?)");
  EXPECT_LT(waited, std::chrono::milliseconds(2000));
  // The left-behind step holds its own copy of the script: it finishes on valid memory.
}

}  // namespace
}  // namespace gearbox
