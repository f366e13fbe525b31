#include "vaapi_simulation_support.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace gearbox::vaapi::simulation {

std::string directory() {
  return GEARBOX_VAAPI_SIMULATION_DIR;
}

std::string driver_path() {
  return directory() + "/gearbox_sim_drv_video.so";
}

std::string render_node() {
  const std::string folder = directory() + "/dri";
  const std::string node = folder + "/renderD128";
  mkdir(directory().c_str(), 0755);
  mkdir(folder.c_str(), 0755);
  const int fd = open(node.c_str(), O_WRONLY | O_CREAT, 0644);
  if (fd >= 0) close(fd);
  return node;
}

void prepare_environment() {
  static std::once_flag once;
  std::call_once(once, [] {
    setenv("LIBVA_DRIVER_NAME", "gearbox_sim", 1);
    setenv("LIBVA_DRIVERS_PATH", directory().c_str(), 1);
  });
}

Control::Control() {
  void* driver = dlopen(driver_path().c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!driver) {
    const char* why = dlerror();
    error_ = "cannot load the simulated VA driver " + driver_path() + ": " + (why ? why : "?");
    return;
  }
  // Never closed: the driver stays loaded for libva.
  configure_ = reinterpret_cast<void (*)(const char*, int)>(
      dlsym(driver, "gearbox_vaapi_simulation_configure"));
  violation_count_ =
      reinterpret_cast<int (*)()>(dlsym(driver, "gearbox_vaapi_simulation_violation_count"));
  last_violation_ =
      reinterpret_cast<const char* (*)()>(dlsym(driver, "gearbox_vaapi_simulation_last_violation"));
  if (!found()) error_ = driver_path() + " lacks the simulation's control functions";
}

void Control::configure(const std::string& failures, bool strict) const {
  if (configure_) configure_(failures.c_str(), strict ? 1 : 0);
}

int Control::violation_count() const {
  return violation_count_ ? violation_count_() : -1;
}

std::string Control::last_violation() const {
  const char* text = last_violation_ ? last_violation_() : nullptr;
  return text ? text : "";
}

}  // namespace gearbox::vaapi::simulation
