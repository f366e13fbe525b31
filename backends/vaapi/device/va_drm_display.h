// One VA display on one DRM render node, as every backend that runs on libva opens it (VA-API's
// own encoder, and Quick Sync, whose oneVPL runtime sits on a VA display on Linux): the render
// node scan, the node's fd with its explained errors, vaGetDisplayDRM and vaInitialize with the
// driver libva tried, the driver's vendor string. The one place in gearbox that opens render
// nodes.
#pragma once

#include <va/va.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gearbox/error.h"
#include "va_runtime.h"

namespace gearbox::vaapi {

class DrmDisplay {
 public:
  // Opens `node` and initialises libva on it. Fails with a typed, explained error: the node
  // missing (kUnavailable), not permitted (kUnavailable, the `render` group), no driver for the
  // GPU (kUnavailable, naming the driver libva tried and the Debian packages). `user` names the
  // backend in messages ("VA-API", "Quick Sync").
  static Result<std::shared_ptr<DrmDisplay>> open(std::shared_ptr<VaRuntime> runtime,
                                                  const std::string& node,
                                                  const std::string& user = "VA-API");
  ~DrmDisplay();
  DrmDisplay(const DrmDisplay&) = delete;
  DrmDisplay& operator=(const DrmDisplay&) = delete;

  const VaApi& va() const { return runtime_->va; }
  const VaRuntime& runtime() const { return *runtime_; }
  const std::shared_ptr<VaRuntime>& shared_runtime() const { return runtime_; }
  VADisplay display() const { return display_; }
  const std::string& node() const { return node_; }
  const std::string& vendor() const { return vendor_; }
  // The driver is gearbox's simulated one (backends/vaapi/simulation/): VA has no other way for
  // a driver to say what it is than its vendor string, which the simulation starts with this.
  bool simulated() const { return vendor_.rfind(kSimulatedVendorPrefix, 0) == 0; }
  static constexpr const char* kSimulatedVendorPrefix = "gearbox VA-API SIMULATION";
  // The driver is Intel's (iHD or i965: the vendor string says "Intel"), or the simulation.
  bool intel() const;
  // The node and the driver, for messages: "/dev/dri/renderD128 ("Intel iHD driver ...")".
  std::string where() const;
  // libva's error and info messages so far on this display (vaSetErrorCallback).
  std::string messages() const;

 private:
  DrmDisplay() = default;
  Status initialise(const std::string& user);
  static void on_message(void* self, const char* message);

  std::shared_ptr<VaRuntime> runtime_;
  std::string node_;
  int fd_ = -1;
  VADisplay display_ = nullptr;
  std::string vendor_;
  mutable std::mutex messages_mutex_;
  std::vector<std::string> messages_;
};

// The render nodes to scan: /dev/dri/renderD* in numeric order.
std::vector<std::string> system_render_nodes();
// renderD* in `folder`, in numeric order.
std::vector<std::string> render_nodes_in(const std::string& folder);

}  // namespace gearbox::vaapi
