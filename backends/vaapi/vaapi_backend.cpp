#include "vaapi_backend.h"

#include <chrono>
#include <cstdlib>
#include <optional>
#include <utility>

#include "vaapi_device.h"
#include "vaapi_display.h"
#include "vaapi_options.h"

namespace gearbox {
namespace {

using vaapi::Display;
using vaapi::VaapiDevice;
using vaapi::VaRuntime;

// The display of the node the user named, or of the first node whose driver encodes H.264; when
// none does, every node with its reason.
Result<std::shared_ptr<Display>> open_display(const vaapi::VaRuntimeLoader& load_runtime,
                                              const vaapi::NodeList& list_nodes,
                                              const std::string& device) {
  auto runtime = load_runtime();
  if (!runtime) return runtime.error();
  if (!device.empty()) return Display::open(runtime.value(), device);
  const std::vector<std::string> nodes = list_nodes();
  if (nodes.empty()) {
    return make_error(ErrorCode::kUnavailable,
                      "no DRM render node (/dev/dri/renderD*): no GPU driver exposes one on this "
                      "machine (or, in a container, /dev/dri is not passed in)");
  }
  std::optional<Error> first;
  std::string reasons;
  for (const std::string& node : nodes) {
    auto display = Display::open(runtime.value(), node);
    if (display) return display;
    if (!first) first = display.error();
    reasons += (reasons.empty() ? "" : "; ") + node + ": " + display.error().message;
  }
  if (nodes.size() == 1) return *first;
  return make_error(first->code, "no render node with a VA-API H.264 encoder: " + reasons);
}

// Every node with what its driver offers (or why it cannot be used), for the probe's reason.
std::string describe_nodes(const vaapi::VaRuntimeLoader& load_runtime,
                           const vaapi::NodeList& list_nodes,
                           const Display& probed) {
  std::string text = probed.describe() + ": encoded a " + std::to_string(kProbeWidth) + "x" +
                     std::to_string(kProbeHeight) +
                     " H.264 IDR from a BGR frame converted on the CPU into the VA surface";
  auto runtime = load_runtime();
  if (!runtime) return text;
  for (const std::string& node : list_nodes()) {
    if (node == probed.node()) continue;
    auto other = Display::open(runtime.value(), node);
    text += "; also " + (other ? other.value()->describe() : node + ": " + other.error().message);
  }
  return text;
}

class VaapiBackend final : public Backend {
 public:
  VaapiBackend(vaapi::VaRuntimeLoader runtime, vaapi::NodeList nodes)
      : load_runtime_(std::move(runtime)), list_nodes_(std::move(nodes)) {}

  std::string name() const override { return vaapi::kBackendName; }
  std::vector<OptionSpec> options() const override { return vaapi::option_specs(); }

  BackendInfo probe() override {
    ProbeSteps steps;
    steps.backend = vaapi::kBackendName;
    steps.time_limit = std::chrono::seconds(15);
    // Copied: a probe past its time limit may outlive the backend.
    auto load = load_runtime_;
    auto nodes = list_nodes_;
    steps.open_device = [load,
                         nodes](const DeviceOptions& options) -> Result<std::unique_ptr<Device>> {
      auto display = open_display(load, nodes, "");
      if (!display) return display.error();
      auto device = VaapiDevice::open(options, display.value());
      if (!device) return device.error();
      return std::unique_ptr<Device>(std::move(device.value()));
    };
    steps.describe = [load, nodes](const Device& probed) {
      const auto& device = static_cast<const VaapiDevice&>(probed);  // made by open_device
      return describe_nodes(load, nodes, device.display());
    };
    return probe_backend(std::move(steps));
  }

  Result<std::unique_ptr<Device>> open(const DeviceOptions& options) override {
    const vaapi::VaapiSettings settings = vaapi::VaapiSettings::from(options.backend_options);
    auto display = open_display(load_runtime_, list_nodes_, settings.device);
    if (!display) return display.error();
    auto device = VaapiDevice::open(options, display.value());
    if (!device) return device.error();
    return std::unique_ptr<Device>(std::move(device.value()));
  }

 private:
  vaapi::VaRuntimeLoader load_runtime_;
  vaapi::NodeList list_nodes_;
};

}  // namespace

std::unique_ptr<Backend> make_vaapi_backend(vaapi::VaRuntimeLoader runtime, vaapi::NodeList nodes) {
  return std::make_unique<VaapiBackend>(std::move(runtime), std::move(nodes));
}

// The one place that reads the simulation's environment: tools/simulated.sh runs the CLI with
// LIBVA_DRIVER_NAME=gearbox_sim and LIBVA_DRIVERS_PATH=<build>/vaapi-simulation, whose fake node
// (dri/renderD128, a regular file) is then scanned after /dev/dri's, so that `gearbox probe`
// and automatic selection see it. A real driver name leaves the scan to /dev/dri alone.
std::unique_ptr<Backend> make_vaapi_backend() {
  return make_vaapi_backend(vaapi::system_runtime(), [] {
    std::vector<std::string> nodes = vaapi::system_render_nodes();
    const char* driver = std::getenv("LIBVA_DRIVER_NAME");
    const char* folder = std::getenv("LIBVA_DRIVERS_PATH");
    if (driver && std::string(driver) == "gearbox_sim" && folder && *folder) {
      for (std::string& node : vaapi::render_nodes_in(std::string(folder) + "/dri"))
        nodes.push_back(std::move(node));
    }
    return nodes;
  });
}

}  // namespace gearbox
