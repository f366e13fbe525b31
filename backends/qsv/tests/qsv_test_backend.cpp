#include "qsv_test_backend.h"

#include "qsv_simulation_support.h"
#include "vaapi_simulation_support.h"

namespace gearbox::qsv::testing {

VplRuntimeLoader simulation_dispatcher() {
  return []() -> Result<std::shared_ptr<VplRuntime>> {
    simulation::prepare_environment();
    return VplRuntime::load(kDispatcher);
  };
}

vaapi::VaRuntimeLoader simulation_va() {
  return []() -> Result<std::shared_ptr<vaapi::VaRuntime>> {
    vaapi::simulation::prepare_environment();
    return vaapi::VaRuntime::load();
  };
}

NodeList simulation_nodes() {
  return [] { return std::vector<std::string>{vaapi::simulation::render_node()}; };
}

}  // namespace gearbox::qsv::testing

namespace gearbox::testing {

std::unique_ptr<Backend> make_qsv_simulation_backend() {
  auto load = []() -> Result<std::shared_ptr<qsv::VplRuntime>> {
    auto runtime = qsv::testing::simulation_dispatcher()();
    if (!runtime) return runtime;
    const qsv::simulation::Control control;
    if (!control.found()) {
      return make_error(
          ErrorCode::kInternal,
          "the simulated oneVPL runtime's controls are unreachable: " + control.error());
    }
    // Set at every load, so nothing in the process can have turned it off since.
    control.configure("", true);
    return runtime;
  };
  auto va = []() -> Result<std::shared_ptr<vaapi::VaRuntime>> {
    auto runtime = qsv::testing::simulation_va()();
    if (!runtime) return runtime;
    const vaapi::simulation::Control control;
    if (!control.found()) {
      return make_error(ErrorCode::kInternal,
                        "the simulated VA driver's controls are unreachable: " + control.error());
    }
    control.configure("", true);
    return runtime;
  };
  return make_qsv_backend(load, va, qsv::testing::simulation_nodes());
}

}  // namespace gearbox::testing
