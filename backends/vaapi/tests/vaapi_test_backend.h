// The VA-API backend on the SIMULATED VA driver (../simulation/), as the tests use it: the
// backend given the simulation's fake render node as its list of nodes (it is a regular file
// outside /dev/dri), and the test backend the end-to-end suite runs on.
#pragma once

#include <memory>

#include "gearbox/backend.h"
#include "vaapi_backend.h"

namespace gearbox::vaapi::testing {

// The system's libva with the environment pointing it at the simulated driver
// (simulation::prepare_environment()); the failures and strict mode are left as they are.
VaRuntimeLoader simulation_runtime();
// The simulation's node, as the backend's only node to scan.
NodeList simulation_nodes();

}  // namespace gearbox::vaapi::testing

namespace gearbox::testing {

// The test backend "vaapi-simulation" (gearbox_test_backend() in CMakeLists.txt here): a real
// VaapiBackend on the simulation in strict mode (no failures), so that any call that breaks the
// rules va.h documents fails the test binary even when every assertion passed.
std::unique_ptr<Backend> make_vaapi_simulation_backend();

}  // namespace gearbox::testing
