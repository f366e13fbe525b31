#include "qsv_backend.h"

#include <chrono>
#include <cstdlib>
#include <optional>
#include <utility>

#include "qsv_device.h"
#include "qsv_options.h"
#include "qsv_platform.h"
#include "va_drm_display.h"

namespace gearbox {
namespace {

using qsv::Platform;
using qsv::QsvDevice;

// Why auto prefers qsv on an Intel GPU that VA-API also reaches (the probe and READMEs say it).
constexpr const char* kSelectionNote =
    "automatic selection takes qsv before vaapi on the same Intel GPU (registration order): "
    "oneVPL is Intel's own encoder stack on that GPU, with its bitrate control and VPP scaling; "
    "--backend vaapi chooses VA-API instead";

// The display of the node the user named, or of the first Intel node; when none is Intel, every
// node with its reason.
Result<std::shared_ptr<vaapi::DrmDisplay>> open_display(const vaapi::VaRuntimeLoader& load_va,
                                                        const qsv::NodeList& list_nodes,
                                                        const std::string& device) {
  auto runtime = load_va();
  if (!runtime) return runtime.error();
  auto not_intel = [](const vaapi::DrmDisplay& d) {
    return make_error(ErrorCode::kUnavailable, "Quick Sync needs an Intel GPU: the VA driver on " +
                                                   d.where() + " is not Intel's (iHD or i965)");
  };
  if (!device.empty()) {
    auto display = vaapi::DrmDisplay::open(runtime.value(), device, "Quick Sync");
    if (!display) return display.error();
    if (!display.value()->intel()) return not_intel(*display.value());
    return display;
  }
  const std::vector<std::string> nodes = list_nodes();
  if (nodes.empty()) {
    return make_error(ErrorCode::kUnavailable,
                      "Quick Sync needs an Intel GPU: there is no DRM render node "
                      "(/dev/dri/renderD*) on this machine (or, in a container, /dev/dri is not "
                      "passed in)");
  }
  std::string reasons;
  for (const std::string& node : nodes) {
    auto display = vaapi::DrmDisplay::open(runtime.value(), node, "Quick Sync");
    if (display && display.value()->intel()) return display;
    reasons += (reasons.empty() ? "" : "; ") +
               (display ? not_intel(*display.value()).message : display.error().message);
  }
  return make_error(ErrorCode::kUnavailable,
                    "Quick Sync needs an Intel GPU and found none: " + reasons);
}

Result<std::unique_ptr<Device>> open_device(const qsv::VplRuntimeLoader& load_vpl,
                                            const vaapi::VaRuntimeLoader& load_va,
                                            const qsv::NodeList& nodes,
                                            const DeviceOptions& options) {
  auto vpl = load_vpl();
  if (!vpl) return vpl.error();
  const qsv::QsvSettings settings = qsv::QsvSettings::from(options.backend_options);
  auto display = open_display(load_va, nodes, settings.device);
  if (!display) {
    // What the dispatcher found all the same, for `gearbox probe`.
    Error e = display.error();
    const std::vector<qsv::Implementation> all = qsv::list_implementations(*vpl.value());
    e.message += "; the oneVPL dispatcher " + vpl.value()->origin + " found " +
                 (all.empty() ? std::string("no implementation") : all[0].describe());
    for (size_t i = 1; i < all.size(); ++i) e.message += ", " + all[i].describe();
    return e;
  }
  auto platform = Platform::open(vpl.value(), display.value());
  if (!platform) return platform.error();
  auto device = QsvDevice::open(options, platform.value());
  if (!device) return device.error();
  return std::unique_ptr<Device>(std::move(device.value()));
}

// The probed implementation, every implementation the dispatcher found, and the selection note.
std::string describe_probed(const QsvDevice& device) {
  const Platform& p = device.platform();
  const Capabilities c = p.capabilities();
  std::string text = p.implementation().describe() + " on " + p.display().where() +
                     ": H.264 High, " + std::to_string(c.min_size.width) + "x" +
                     std::to_string(c.min_size.height) + ".." + std::to_string(c.max_size.width) +
                     "x" + std::to_string(c.max_size.height) + ", CBR/VBR with HRD: encoded a " +
                     std::to_string(kProbeWidth) + "x" + std::to_string(kProbeHeight) +
                     " H.264 IDR from a BGR frame converted on the CPU into a runtime surface";
  const std::vector<qsv::Implementation> all = qsv::list_implementations(p.runtime());
  text += "; the dispatcher " + p.runtime().origin + " found " + std::to_string(all.size()) +
          " implementation" + (all.size() == 1 ? "" : "s");
  for (size_t i = 0; i < all.size(); ++i) text += (i ? ", " : ": ") + all[i].describe();
  return text + "; " + kSelectionNote;
}

class QsvBackend final : public Backend {
 public:
  QsvBackend(qsv::VplRuntimeLoader vpl, vaapi::VaRuntimeLoader va, qsv::NodeList nodes)
      : load_vpl_(std::move(vpl)), load_va_(std::move(va)), list_nodes_(std::move(nodes)) {}

  std::string name() const override { return qsv::kBackendName; }
  std::vector<OptionSpec> options() const override { return qsv::option_specs(); }

  BackendInfo probe() override {
    ProbeSteps steps;
    steps.backend = qsv::kBackendName;
    steps.time_limit = std::chrono::seconds(15);
    // Copied: a probe past its time limit may outlive the backend.
    auto vpl = load_vpl_;
    auto va = load_va_;
    auto nodes = list_nodes_;
    steps.open_device = [vpl, va, nodes](const DeviceOptions& options) {
      return open_device(vpl, va, nodes, options);
    };
    steps.describe = [](const Device& probed) {
      return describe_probed(static_cast<const QsvDevice&>(probed));  // made by open_device
    };
    return probe_backend(std::move(steps));
  }

  Result<std::unique_ptr<Device>> open(const DeviceOptions& options) override {
    return open_device(load_vpl_, load_va_, list_nodes_, options);
  }

 private:
  qsv::VplRuntimeLoader load_vpl_;
  vaapi::VaRuntimeLoader load_va_;
  qsv::NodeList list_nodes_;
};

}  // namespace

std::unique_ptr<Backend> make_qsv_backend(qsv::VplRuntimeLoader vpl,
                                          vaapi::VaRuntimeLoader va,
                                          qsv::NodeList nodes) {
  return std::make_unique<QsvBackend>(std::move(vpl), std::move(va), std::move(nodes));
}

// tools/simulated.sh qsv runs the CLI with ONEVPL_SEARCH_PATH at the simulated runtime and the VA
// simulation's environment (LIBVA_DRIVER_NAME=gearbox_sim, LIBVA_DRIVERS_PATH), whose fake node
// is then scanned after /dev/dri's, as the VA-API backend does.
std::unique_ptr<Backend> make_qsv_backend() {
  return make_qsv_backend(qsv::dispatcher(), vaapi::system_runtime(), [] {
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
