#include "nvidia_simulation.h"

#include <dlfcn.h>

#include "nvenc_backend.h"

namespace gearbox::nvenc::testing {

std::string simulation_directory() {
  return GEARBOX_NVIDIA_SIMULATION_DIR;
}

namespace {

template <class F>
F* find(const NvidiaRuntime& runtime, const char* symbol) {
  return runtime.cuda_library ? reinterpret_cast<F*>(dlsym(runtime.cuda_library, symbol)) : nullptr;
}

}  // namespace

SimulationControl::SimulationControl(const NvidiaRuntime& runtime)
    : configure_(find<void(const char*, int)>(runtime, "gearbox_nvidia_simulation_configure")),
      violation_count_(find<int()>(runtime, "gearbox_sim_violation_count")),
      last_violation_(find<const char*()>(runtime, "gearbox_sim_last_violation")) {}

void SimulationControl::configure(const std::string& failures, bool strict) const {
  if (configure_) configure_(failures.c_str(), strict ? 1 : 0);
}

int SimulationControl::violation_count() const {
  return violation_count_ ? violation_count_() : -1;
}

std::string SimulationControl::last_violation() const {
  const char* text = last_violation_ ? last_violation_() : nullptr;
  return text ? text : "";
}

}  // namespace gearbox::nvenc::testing

namespace gearbox::testing {

std::unique_ptr<Backend> make_nvenc_simulation_backend() {
  return make_nvenc_backend([]() -> Result<std::shared_ptr<nvenc::NvidiaRuntime>> {
    auto runtime = nvenc::NvidiaRuntime::load(nvenc::testing::simulation_directory());
    if (!runtime) return runtime;
    const nvenc::testing::SimulationControl control(**runtime);
    if (!control.found()) {
      return make_error(ErrorCode::kInternal,
                        "the runtime in " + (*runtime)->origin +
                            " lacks the simulation's gearbox_nvidia_simulation_configure");
    }
    // Set at every load, so nothing in the process can have turned it off since.
    control.configure("", true);
    return runtime;
  });
}

}  // namespace gearbox::testing
