#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gearbox/backend.h"

namespace gearbox {
namespace {

class KeyframeCounter final : public PacketSink {
 public:
  Status on_packet(const EncodedPacket& p) override {
    packets += 1;
    keyframes += p.keyframe ? 1 : 0;
    return {};
  }
  int packets = 0;
  int keyframes = 0;
};

// Every step on the probe's thread. The encoder is destroyed before the device (Lifetimes,
// backend.h): it is declared after it.
BackendInfo run_steps(const ProbeSteps& steps) {
  BackendInfo info;
  info.name = steps.backend;
  DeviceOptions options;
  options.width = kProbeWidth;
  options.height = kProbeHeight;
  options.input_format = PixelFormat::kBGR24;
  options.pool_size = 2;
  options.encoder_sessions = 1;
  auto device = steps.open_device(options);
  if (!device) {
    info.reason = device.error().message;
    return info;
  }
  const Capabilities caps = (*device)->capabilities();
  EncoderConfig config;
  config.width = options.width;
  config.height = options.height;
  config.bitrate_kbps = 100;
  auto encoder = (*device)->open_encoder(config);
  if (!encoder) {
    info.reason = encoder.error().message;
    return info;
  }
  std::vector<uint8_t> grey(static_cast<size_t>(options.width) * options.height * 3, 128);
  {
    auto surface = (*device)->upload(
        FrameView::packed(PixelFormat::kBGR24, options.width, options.height, grey.data()));
    if (!surface) {
      info.reason = surface.error().message;
      return info;
    }
    KeyframeCounter sink;
    Status s = (*encoder)->encode(**surface, 0, true, sink);
    if (s) s = (*encoder)->drain(sink);
    if (!s) {
      info.reason = s.message();
      return info;
    }
    if (sink.keyframes != 1 || sink.packets != 1) {
      info.reason = steps.backend + " made " + std::to_string(sink.packets) + " packets with " +
                    std::to_string(sink.keyframes) +
                    " keyframes from one picture encoded as a forced IDR; "
                    "exactly one keyframe packet was expected";
      return info;
    }
  }
  info.available = true;
  info.caps = caps;
  info.simulated = (*device)->simulated();
  info.reason = steps.describe(**device);
  return info;
}

}  // namespace

BackendInfo probe_with_time_limit(const std::string& name,
                                  std::chrono::seconds limit,
                                  std::function<BackendInfo()> probe) {
  auto result = std::make_shared<std::promise<BackendInfo>>();
  std::future<BackendInfo> future = result->get_future();
  std::thread([result, probe = std::move(probe)] { result->set_value(probe()); }).detach();
  if (future.wait_for(limit) != std::future_status::ready) {
    BackendInfo info;
    info.name = name;
    info.reason = "probe did not finish within " + std::to_string(limit.count()) +
                  " s (a hung driver or encoder?)";
    return info;
  }
  return future.get();
}

BackendInfo probe_backend(ProbeSteps steps) {
  const std::string name = steps.backend;
  const std::chrono::seconds limit = steps.time_limit;
  return probe_with_time_limit(name, limit,
                               [steps = std::move(steps)] { return run_steps(steps); });
}

}  // namespace gearbox
