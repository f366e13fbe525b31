// The backend the end-to-end tests run on: GEARBOX_TEST_BACKEND, default x264. ctest registers
// the same end-to-end tests a second time with "nvenc-simulation" (tests/CMakeLists.txt), so
// that the NVENC path is checked by exactly the same assertions: the nvenc backend, loading the
// SIMULATED NVIDIA runtime built into GEARBOX_NVIDIA_SIMULATION_DIR, in strict mode.
#pragma once

#include <cstdlib>
#include <string>

namespace gearbox::testing {

inline std::string backend_under_test() {
  const char* name = std::getenv("GEARBOX_TEST_BACKEND");
  const std::string backend = name && *name ? name : "x264";
#ifdef GEARBOX_NVIDIA_SIMULATION_DIR
  if (backend == "nvenc-simulation") {
    setenv("GEARBOX_NVENC_RUNTIME_DIR", GEARBOX_NVIDIA_SIMULATION_DIR, 0);
    setenv("GEARBOX_SIM_NVIDIA_STRICT", "1", 0);
    return "nvenc";
  }
#endif
  return backend;
}

}  // namespace gearbox::testing
