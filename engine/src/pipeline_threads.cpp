// Waiting for the Streamer's threads, with or without a deadline, and joining or leaving them.
#include "pipeline_threads.h"

namespace gearbox {

void PipelineThreads::wait_for_pipeline() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return pipeline_running_ == 0; });
}

bool PipelineThreads::wait_for_all(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  return done_.wait_until(lock, deadline, [&] { return running_ == 0; });
}

void PipelineThreads::join_or_detach_pipeline(bool join) {
  for (std::thread& t : pipeline_) {
    if (!t.joinable()) continue;
    if (join)
      t.join();
    else
      t.detach();
  }
}

}  // namespace gearbox
