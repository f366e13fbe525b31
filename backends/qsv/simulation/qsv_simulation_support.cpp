#include "qsv_simulation_support.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace gearbox::qsv::simulation {

std::string directory() {
  return GEARBOX_QSV_SIMULATION_DIR;
}

std::string runtime_path() {
  return directory() + "/libvplgearbox_sim.so.1";
}

void prepare_environment() {
  static std::once_flag once;
  std::call_once(once, [] { setenv("ONEVPL_SEARCH_PATH", directory().c_str(), 1); });
}

Control::Control() {
  void* runtime = dlopen(runtime_path().c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!runtime) {
    const char* why = dlerror();
    error_ =
        "cannot load the simulated oneVPL runtime " + runtime_path() + ": " + (why ? why : "?");
    return;
  }
  // Never closed: the runtime stays loaded for the dispatcher.
  configure_ =
      reinterpret_cast<void (*)(const char*, int)>(dlsym(runtime, "gearbox_sim_qsv_configure"));
  violation_count_ = reinterpret_cast<int (*)()>(dlsym(runtime, "gearbox_sim_qsv_violation_count"));
  last_violation_ =
      reinterpret_cast<const char* (*)()>(dlsym(runtime, "gearbox_sim_qsv_last_violation"));
  if (!found()) error_ = runtime_path() + " lacks the simulation's control functions";
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

}  // namespace gearbox::qsv::simulation
