// The SIMULATED NVIDIA runtime (../simulation/) as the tests use it: where it is built, its
// control and inspection functions reached through the runtime that loaded it (never the
// environment), and the nvenc backend on it that the end-to-end tests run on.
#pragma once

#include <memory>
#include <string>

#include "gearbox/backend.h"
#include "nvidia_runtime.h"

namespace gearbox::nvenc::testing {

// The folder the simulated libcuda.so.1 and libnvidia-encode.so.1 are built into.
std::string simulation_directory();

// The functions the simulated libcuda.so.1 exports for tests (simulation/simulation.h), found
// in the library `runtime` loaded. found() is false when that is not the simulation.
class SimulationControl {
 public:
  explicit SimulationControl(const NvidiaRuntime& runtime);
  bool found() const { return configure_ && violation_count_ && last_violation_; }
  // Replaces the failures to simulate (GEARBOX_SIM_NVIDIA_FAIL's syntax, "" for none) and
  // strict mode (the process exits with status 70 if any violation happened).
  void configure(const std::string& failures, bool strict) const;
  int violation_count() const;
  std::string last_violation() const;

 private:
  void (*configure_)(const char*, int) = nullptr;
  int (*violation_count_)() = nullptr;
  const char* (*last_violation_)() = nullptr;
};

}  // namespace gearbox::nvenc::testing

namespace gearbox::testing {

// The test backend "nvenc-simulation" (gearbox_test_backend() in CMakeLists.txt here): the
// nvenc backend on the simulation in strict mode, so that any call that breaks NVIDIA's
// documented rules fails the test binary even when every assertion passed.
std::unique_ptr<Backend> make_nvenc_simulation_backend();

}  // namespace gearbox::testing
