#include "nvenc_backend.h"

#include <chrono>
#include <cstdlib>
#include <string>
#include <utility>

#include "nvenc_device.h"
#include "nvenc_options.h"
#include "nvenc_status.h"

namespace gearbox {
namespace {

using nvenc::NvencDevice;
using nvenc::NvidiaRuntime;

// The whole path on a small picture: driver and API version, CUDA context, kernels, an encoder
// session with its capabilities, one BGR frame uploaded, converted, encoded as a forced IDR.
ProbeSteps probe_steps(const nvenc::NvidiaRuntimeLoader& load_runtime) {
  ProbeSteps steps;
  steps.backend = nvenc::kBackendName;
  // The first CUDA use in a process JIT-compiles the PTX for the GPU: a few seconds on a real
  // driver.
  steps.time_limit = std::chrono::seconds(20);
  // The loader is copied: a probe past its time limit may outlive the backend.
  steps.open_device =
      [load_runtime](const DeviceOptions& options) -> Result<std::unique_ptr<Device>> {
    auto runtime = load_runtime();
    if (!runtime) return runtime.error();
    auto device = NvencDevice::open(options, *runtime);
    if (!device) return device.error();
    return std::unique_ptr<Device>(std::move(device.value()));
  };
  steps.describe = [](const Device& probed) {
    const auto& device = static_cast<const NvencDevice&>(probed);  // made by open_device above
    const NvidiaRuntime& rt = device.context().runtime();
    return std::string(rt.label()) + (rt.simulated ? " from " + rt.origin : "") + ": GPU \"" +
           device.context().gpu_name() + "\", NVENC API " +
           nvenc::api_version_text(rt.nvenc_max_version) + " (gearbox built for " +
           std::to_string(NVENCAPI_MAJOR_VERSION) + "." + std::to_string(NVENCAPI_MINOR_VERSION) +
           "): encoded a " + std::to_string(kProbeWidth) + "x" + std::to_string(kProbeHeight) +
           " H.264 IDR from a BGR frame converted on the device";
  };
  return steps;
}

class NvencBackend final : public Backend {
 public:
  explicit NvencBackend(nvenc::NvidiaRuntimeLoader load_runtime)
      : load_runtime_(std::move(load_runtime)) {}

  std::string name() const override { return nvenc::kBackendName; }
  std::vector<OptionSpec> options() const override { return nvenc::option_specs(); }

  BackendInfo probe() override { return probe_backend(probe_steps(load_runtime_)); }

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
