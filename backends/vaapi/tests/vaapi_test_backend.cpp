#include "vaapi_test_backend.h"

#include "vaapi_simulation_support.h"

namespace gearbox::vaapi::testing {

VaRuntimeLoader simulation_runtime() {
  return []() -> Result<std::shared_ptr<VaRuntime>> {
    simulation::prepare_environment();
    return VaRuntime::load();
  };
}

NodeList simulation_nodes() {
  return [] { return std::vector<std::string>{simulation::render_node()}; };
}

}  // namespace gearbox::vaapi::testing

namespace gearbox::testing {

std::unique_ptr<Backend> make_vaapi_simulation_backend() {
  auto load = []() -> Result<std::shared_ptr<vaapi::VaRuntime>> {
    auto runtime = vaapi::testing::simulation_runtime()();
    if (!runtime) return runtime;
    const vaapi::simulation::Control control;
    if (!control.found()) {
      return make_error(ErrorCode::kInternal,
                        "the simulated VA driver's controls are unreachable: " + control.error());
    }
    // Set at every load, so nothing in the process can have turned it off since.
    control.configure("", true);
    return runtime;
  };
  return make_vaapi_backend(load, vaapi::testing::simulation_nodes());
}

}  // namespace gearbox::testing
