// The Quick Sync backend on the SIMULATED oneVPL runtime (../simulation/), as the tests use it:
// Debian's real libvpl dispatcher finding the simulation through ONEVPL_SEARCH_PATH, on a VA
// display of the SIMULATED VA driver's fake node (backends/vaapi/simulation/: the runtime sits on
// a VA display, and that node and the in-process DRM shim are what open one without a GPU), and
// the test backend the end-to-end suite runs on.
#pragma once

#include <memory>

#include "gearbox/backend.h"
#include "qsv_backend.h"

namespace gearbox::qsv::testing {

// The system's libvpl.so.2 with ONEVPL_SEARCH_PATH at the simulated runtime; failures and strict
// mode are left as they are.
VplRuntimeLoader simulation_dispatcher();
// The system's libva with the environment pointing it at the simulated VA driver.
vaapi::VaRuntimeLoader simulation_va();
// The VA simulation's node, as the backend's only node to scan.
NodeList simulation_nodes();

}  // namespace gearbox::qsv::testing

namespace gearbox::testing {

// The test backend "qsv-simulation" (gearbox_test_backend() in CMakeLists.txt here): a real
// QsvBackend on the simulated runtime in strict mode (no failures), so that any call that breaks
// the rules the oneVPL specification documents fails the test binary even when every assertion
// passed.
std::unique_ptr<Backend> make_qsv_simulation_backend();

}  // namespace gearbox::testing
