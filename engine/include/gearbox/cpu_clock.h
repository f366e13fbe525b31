// The clocks gearbox measures itself with: the calling thread's CPU time and a steady wall
// clock, both in nanoseconds, so that the engine's stage timings and the bench's CPU figures
// come from one source.
#pragma once

#include <cstdint>

#include "gearbox/export.h"

namespace gearbox {

// CPU time (user + system) the calling thread has used so far. Only differences on one thread
// mean anything.
GEARBOX_EXPORT int64_t thread_cpu_ns();
// A monotonic wall clock (std::chrono::steady_clock): for durations, not dates.
GEARBOX_EXPORT int64_t steady_ns();

}  // namespace gearbox
