// The thread-CPU and steady wall clocks (gearbox/cpu_clock.h).
#include "gearbox/cpu_clock.h"

#include <time.h>

#include <chrono>

namespace gearbox {

int64_t thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace gearbox
