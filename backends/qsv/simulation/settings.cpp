// The simulation's settings (environment, then gearbox_sim_qsv_configure()), its log, its
// violation record, and strict mode's exit status.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "simulation.h"

namespace gearbox::qsv::simulation {
namespace {

struct Settings {
  std::string failures;
  bool strict = false;
};

struct State {
  std::mutex mutex;
  std::shared_ptr<const Settings> settings;
  std::atomic<int> violations{0};
  std::string last_violation;
};

State& state() {
  // Never destroyed: other libraries' exit handlers may still call into the runtime.
  static State* s = [] {
    auto* fresh = new State();
    auto settings = std::make_shared<Settings>();
    const char* failures = std::getenv("GEARBOX_SIM_QSV_FAIL");
    const char* strict = std::getenv("GEARBOX_SIM_QSV_STRICT");
    settings->failures = failures ? failures : "";
    settings->strict = strict && std::strcmp(strict, "1") == 0;
    fresh->settings = settings;
    return fresh;
  }();
  return *s;
}

std::shared_ptr<const Settings> settings() {
  std::lock_guard<std::mutex> lock(state().mutex);
  return state().settings;
}

// At process exit: reports violations, and in strict mode fails the process.
__attribute__((destructor)) void report_at_exit() {
  const int n = state().violations.load();
  if (n == 0) return;
  std::string last;
  {
    std::lock_guard<std::mutex> lock(state().mutex);
    last = state().last_violation;
  }
  std::fprintf(stderr,
               "gearbox simulated oneVPL runtime (simulation): %d violation(s) of the documented "
               "API in this process; the last: %s\n",
               n, last.c_str());
  if (settings()->strict) std::_Exit(70);
}

}  // namespace

bool failure_requested(const char* name, std::string* value) {
  std::stringstream list(settings()->failures);
  std::string item;
  const size_t length = std::strlen(name);
  while (std::getline(list, item, ',')) {
    if (item.compare(0, length, name) != 0) continue;
    if (item.size() == length) {
      if (value) value->clear();
      return true;
    }
    if (item[length] == '=' || item[length] == ':') {
      if (value) *value = item.substr(length + 1);
      return true;
    }
  }
  return false;
}

long failure_number(const char* name, long otherwise) {
  std::string value;
  if (!failure_requested(name, &value)) return otherwise;
  char* end = nullptr;
  const long n = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end || n < 0) {
    log_line(std::string(name) + "=" + value + " is not a count; ignored");
    return otherwise;
  }
  return n;
}

void log_line(const std::string& text) {
  std::fprintf(stderr, "gearbox simulated oneVPL runtime (simulation): %s\n", text.c_str());
}

mfxStatus violation(mfxStatus status, const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(state().mutex);
    state().last_violation = message;
  }
  ++state().violations;
  log_line("violation: " + message);
  return status;
}

void max_size(mfxU32* width, mfxU32* height) {
  *width = *height = 4096;
  std::string value;
  if (failure_requested("max_size", &value) &&
      std::sscanf(value.c_str(), "%ux%u", width, height) != 2) {
    log_line("max_size=" + value + " is not WxH; 4096x4096 it is");
    *width = *height = 4096;
  }
}

}  // namespace gearbox::qsv::simulation

extern "C" {

const char gearbox_sim_qsv[] = "gearbox oneVPL runtime SIMULATION";

void gearbox_sim_qsv_configure(const char* failures, int strict) {
  using namespace gearbox::qsv::simulation;
  auto fresh = std::make_shared<Settings>();
  fresh->failures = failures ? failures : "";
  fresh->strict = strict != 0;
  std::lock_guard<std::mutex> lock(state().mutex);
  state().settings = fresh;
}

int gearbox_sim_qsv_violation_count(void) {
  return gearbox::qsv::simulation::state().violations.load();
}

const char* gearbox_sim_qsv_last_violation(void) {
  // The text lives until the next violation; tests read it between calls.
  auto& s = gearbox::qsv::simulation::state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.last_violation.c_str();
}

}  // extern "C"
