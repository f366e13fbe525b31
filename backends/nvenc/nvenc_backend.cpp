#include "nvenc_backend.h"

#include <chrono>
#include <cstdlib>
#include <utility>
#include <vector>

#include "nvenc_device.h"
#include "nvenc_status.h"

namespace gearbox {
namespace {

using nvenc::NvencDevice;
using nvenc::NvidiaRuntime;

class KeyframeCounter final : public PacketSink {
 public:
  Status on_packet(const EncodedPacket& p) override {
    keyframes += p.keyframe ? 1 : 0;
    return {};
  }
  int keyframes = 0;
};

// The whole path on a small picture: driver and API version, CUDA context, kernels, an encoder
// session with its capabilities, one BGR frame uploaded, converted, encoded as a forced IDR.
BackendInfo run_probe(const nvenc::NvidiaRuntimeLoader& load_runtime) {
  BackendInfo info;
  info.name = "nvenc";
  auto runtime = load_runtime();
  if (!runtime) {
    info.reason = runtime.error().message;
    return info;
  }
  const NvidiaRuntime& rt = **runtime;
  DeviceOptions options;
  // 256x144: above NVENC's documented H.264 minimum (145x49), small enough to be quick.
  options.width = 256;
  options.height = 144;
  options.input_format = PixelFormat::kBGR24;
  options.pool_size = 2;
  auto device = NvencDevice::open(options, *runtime);
  if (!device) {
    info.reason = device.error().message;
    return info;
  }
  auto caps = (*device)->capabilities();
  if (!caps) {
    info.reason = caps.error().message;
    return info;
  }
  info.caps = caps.value();
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
  auto surface = (*device)->upload(FrameView::packed(PixelFormat::kBGR24, options.width, options.height, grey.data()));
  if (!surface) {
    info.reason = surface.error().message;
    return info;
  }
  KeyframeCounter sink;
  Status s = (*encoder)->encode(**surface, 0, true, sink);
  if (s) s = (*encoder)->drain(sink);
  if (!s || sink.keyframes != 1) {
    info.reason = s ? "NVENC produced no keyframe for a forced IDR" : s.message();
    return info;
  }
  info.available = true;
  info.reason = std::string(rt.label()) + (rt.simulated ? " from " + rt.origin : "") + ": GPU \"" +
                (*device)->context().gpu_name() + "\", NVENC API " + nvenc::api_version_text(rt.nvenc_max_version) +
                " (gearbox built for " + std::to_string(NVENCAPI_MAJOR_VERSION) + "." +
                std::to_string(NVENCAPI_MINOR_VERSION) + "): encoded a 256x144 H.264 IDR from a BGR frame "
                "converted on the device";
  return info;
}

class NvencBackend final : public Backend {
 public:
  explicit NvencBackend(nvenc::NvidiaRuntimeLoader load_runtime) : load_runtime_(std::move(load_runtime)) {}

  std::string name() const override { return "nvenc"; }

  // The first CUDA use in a process JIT-compiles the PTX for the GPU: a few seconds on a real
  // driver. The loader is copied: a probe past its time limit may outlive this backend.
  BackendInfo probe() override {
    return probe_with_time_limit("nvenc", std::chrono::seconds(20),
                                 [load_runtime = load_runtime_] { return run_probe(load_runtime); });
  }

  Result<std::unique_ptr<Device>> open(const DeviceOptions& options) override {
    auto runtime = load_runtime_();
    if (!runtime) return runtime.error();
    auto device = NvencDevice::open(options, runtime.value());
    if (!device) return device.error();
    return std::unique_ptr<Device>(std::move(device.value()));
  }

 private:
  nvenc::NvidiaRuntimeLoader load_runtime_;
};

}  // namespace

std::unique_ptr<Backend> make_nvenc_backend(nvenc::NvidiaRuntimeLoader runtime) {
  return std::make_unique<NvencBackend>(std::move(runtime));
}

// The one place that reads GEARBOX_NVENC_RUNTIME_DIR: the CLI gets the registry's backends, and
// this is how it runs on the simulation (tests/cli/cli_test.sh, README.md here). Everything else
// that wants another runtime passes its loader to the factory above.
std::unique_ptr<Backend> make_nvenc_backend() {
  const char* directory = std::getenv("GEARBOX_NVENC_RUNTIME_DIR");
  return make_nvenc_backend(nvenc::runtime_from(directory ? directory : ""));
}

}  // namespace gearbox
