#include "nvenc_backend.h"

#include <chrono>
#include <string>

#include "nvenc_device.h"
#include "nvenc_options.h"
#include "nvenc_status.h"

namespace gearbox {
namespace {

using nvenc::NvencDevice;
using nvenc::NvidiaRuntime;

// The whole path on a small picture: driver and API version, CUDA context, kernels, an encoder
// session with its capabilities, one BGR frame uploaded, converted, encoded as a forced IDR.
ProbeSteps probe_steps() {
  ProbeSteps steps;
  steps.backend = "nvenc";
  // The first CUDA use in a process JIT-compiles the PTX for the GPU: a few seconds on a real driver.
  steps.time_limit = std::chrono::seconds(20);
  steps.open_device = [](const DeviceOptions& options) -> Result<std::unique_ptr<Device>> {
    auto runtime = NvidiaRuntime::load();
    if (!runtime) return runtime.error();
    auto device = NvencDevice::open(options, *runtime);
    if (!device) return device.error();
    return std::unique_ptr<Device>(std::move(device.value()));
  };
  steps.describe = [](const Device& probed) {
    const auto& device = static_cast<const NvencDevice&>(probed);  // made by open_device above
    const NvidiaRuntime& rt = device.context().runtime();
    return std::string(rt.label()) + (rt.simulated ? " from " + rt.origin : "") + ": GPU \"" +
           device.context().gpu_name() + "\", NVENC API " + nvenc::api_version_text(rt.nvenc_max_version) +
           " (gearbox built for " + std::to_string(NVENCAPI_MAJOR_VERSION) + "." +
           std::to_string(NVENCAPI_MINOR_VERSION) + "): encoded a " + std::to_string(kProbeWidth) + "x" +
           std::to_string(kProbeHeight) + " H.264 IDR from a BGR frame converted on the device";
  };
  return steps;
}

class NvencBackend final : public Backend {
 public:
  std::string name() const override { return nvenc::kBackendName; }
  std::vector<OptionSpec> options() const override { return nvenc::option_specs(); }

  BackendInfo probe() override { return probe_backend(probe_steps()); }

  Result<std::unique_ptr<Device>> open(const DeviceOptions& options) override {
    auto runtime = NvidiaRuntime::load();
    if (!runtime) return runtime.error();
    auto device = NvencDevice::open(options, runtime.value());
    if (!device) return device.error();
    return std::unique_ptr<Device>(std::move(device.value()));
  }
};

}  // namespace

std::unique_ptr<Backend> make_nvenc_backend() { return std::make_unique<NvencBackend>(); }

}  // namespace gearbox
