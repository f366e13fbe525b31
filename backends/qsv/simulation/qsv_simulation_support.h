// The SIMULATED oneVPL runtime (simulation.h) as tests use it: where it is built, the environment
// that makes Debian's dispatcher (libvpl) find it, and its control and inspection functions
// (reached by dlopen of the runtime's path: the dispatcher's own dlopen of the same file later
// returns the same instance).
#pragma once

#include <string>

namespace gearbox::qsv::simulation {

// The folder libvplgearbox_sim.so.1 is built into.
std::string directory();
// The runtime's path in directory().
std::string runtime_path();
// Sets ONEVPL_SEARCH_PATH=directory(), once per process.
void prepare_environment();

// The runtime's exported test functions. found() is false when the runtime could not be loaded
// (error() says why).
class Control {
 public:
  Control();
  bool found() const { return configure_ && violation_count_ && last_violation_; }
  const std::string& error() const { return error_; }
  // Replaces the failures to simulate (GEARBOX_SIM_QSV_FAIL's syntax, "" for none) and strict
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

}  // namespace gearbox::qsv::simulation
