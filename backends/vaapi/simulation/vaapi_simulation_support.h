// The SIMULATED VA driver (simulation.h) as tests use it: where it is built, its fake render
// node, the environment that makes libva load it, and its control and inspection functions
// (reached by dlopen of the driver's path: libva's own dlopen of the same file later returns the
// same instance). Linking this library also links the in-process DRM shim (drm_shim.cpp) into
// the executable, so that libva accepts the fake node.
#pragma once

#include <string>

namespace gearbox::vaapi::simulation {

// The folder gearbox_sim_drv_video.so and libgearbox_vaapi_drm_shim.so are built into.
std::string directory();
// The driver's path in directory().
std::string driver_path();
// The fake render node, directory()/dri/renderD128 (created, with its folder, when missing).
std::string render_node();
// Sets LIBVA_DRIVER_NAME=gearbox_sim and LIBVA_DRIVERS_PATH=directory(), once per process.
void prepare_environment();

// The driver's exported test functions. found() is false when the driver could not be loaded
// (error() says why).
class Control {
 public:
  Control();
  bool found() const { return configure_ && violation_count_ && last_violation_; }
  const std::string& error() const { return error_; }
  // Replaces the failures to simulate (GEARBOX_SIM_VAAPI_FAIL's syntax, "" for none) and strict
  // mode (the process exits with status 70 at exit if any violation happened).
  void configure(const std::string& failures, bool strict) const;
  int violation_count() const;
  std::string last_violation() const;

 private:
  void (*configure_)(const char*, int) = nullptr;
  int (*violation_count_)() = nullptr;
  const char* (*last_violation_)() = nullptr;
  std::string error_;
};

}  // namespace gearbox::vaapi::simulation
