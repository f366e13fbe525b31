#include "write_fault.h"

#include <atomic>
#include <mutex>

namespace gearbox::packager {
namespace {

std::atomic<bool> g_armed{false};
std::mutex g_mutex;  // guards g_fault; writers only take it while a fault is armed
std::optional<WriteFault> g_fault;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void set_write_fault(std::optional<WriteFault> fault) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_fault = std::move(fault);
  g_armed = g_fault.has_value();
}

int check_write_fault(const std::string& path, size_t size) {
  if (!g_armed.load(std::memory_order_acquire)) return 0;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_fault || !ends_with(path, g_fault->path_suffix)) return 0;
  WriteFault& f = *g_fault;
  if (f.failures == 0) return 0;
  if (f.after_bytes >= static_cast<int64_t>(size)) {
    f.after_bytes -= static_cast<int64_t>(size);
    return 0;
  }
  f.after_bytes = 0;
  if (f.failures > 0) --f.failures;
  return f.error;
}

}  // namespace gearbox::packager
