// The engine's clocks (gearbox/cpu_clock.h): thread CPU time counts this thread's work and not
// its sleep; the wall clock counts both.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include "gearbox/cpu_clock.h"

namespace gearbox {
namespace {

TEST(CpuClock, ThreadCpuTimeCountsWorkNotSleep) {
  const int64_t cpu_before_sleep = thread_cpu_ns(), wall_before_sleep = steady_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int64_t slept_cpu = thread_cpu_ns() - cpu_before_sleep;
  const int64_t slept_wall = steady_ns() - wall_before_sleep;
  EXPECT_GE(slept_wall, 200'000'000);
  EXPECT_LT(slept_cpu, 100'000'000);  // a sleeping thread uses next to no CPU

  // Busy for 50 ms of this thread's own CPU time, however long the machine makes that take.
  const int64_t cpu_start = thread_cpu_ns(), wall_start = steady_ns();
  volatile uint64_t sink = 0;
  while (thread_cpu_ns() - cpu_start < 50'000'000) {
    for (int i = 0; i < 10000; ++i) sink = sink + static_cast<uint64_t>(i);
  }
  EXPECT_GE(steady_ns() - wall_start, 50'000'000);  // CPU time never runs ahead of wall time
}

TEST(CpuClock, EachThreadHasItsOwn) {
  const int64_t main_start = thread_cpu_ns();
  int64_t other_cpu = -1;
  std::thread other([&] {
    const int64_t start = thread_cpu_ns();
    volatile uint64_t sink = 0;
    while (thread_cpu_ns() - start < 100'000'000) {
      for (int i = 0; i < 10000; ++i) sink = sink + static_cast<uint64_t>(i);
    }
    other_cpu = thread_cpu_ns() - start;
  });
  other.join();  // this thread sleeps in join() while the other works
  EXPECT_GE(other_cpu, 100'000'000);
  EXPECT_LT(thread_cpu_ns() - main_start, 50'000'000);
}

TEST(CpuClock, SteadyClockNeverGoesBack) {
  int64_t previous = steady_ns();
  for (int i = 0; i < 100000; ++i) {
    const int64_t now = steady_ns();
    ASSERT_GE(now, previous);
    previous = now;
  }
}

}  // namespace
}  // namespace gearbox
