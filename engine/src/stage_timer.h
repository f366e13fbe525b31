// Stage timing: a scope's wall time, and optionally the calling thread's CPU time, added to the
// Streamer's per-stage counters (StreamStats::stages, cpu_seconds_outside_encoders).
#pragma once

#include <atomic>
#include <cstdint>

#include "gearbox/cpu_clock.h"

namespace gearbox {

class StageTimer {
 public:
  explicit StageTimer(std::atomic<int64_t>& wall, std::atomic<int64_t>* cpu = nullptr)
      : wall_(wall), cpu_(cpu), wall_start_(steady_ns()), cpu_start_(cpu ? thread_cpu_ns() : 0) {}
  ~StageTimer() {
    wall_ += steady_ns() - wall_start_;
    if (cpu_) *cpu_ += thread_cpu_ns() - cpu_start_;
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  std::atomic<int64_t>& wall_;
  std::atomic<int64_t>* cpu_;
  int64_t wall_start_;
  int64_t cpu_start_;
};

}  // namespace gearbox
