// Thread bookkeeping of a Streamer: every thread it starts is counted until it ends, so that
// close() can wait for them with a deadline, and the pipeline threads' handles are kept here to
// be joined, or left behind (detached) when they hang.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace gearbox {

class PipelineThreads {
 public:
  // A pipeline thread (the scaler, an encoder): wait_for_pipeline() waits for these.
  template <class F>
  void start_pipeline(std::shared_ptr<void> owner, F body) {
    pipeline_.push_back(start(std::move(owner), true, std::move(body)));
  }
  // Any other thread (close()'s flusher); the caller joins or detaches it.
  template <class F>
  std::thread start_other(std::shared_ptr<void> owner, F body) {
    return start(std::move(owner), false, std::move(body));
  }

  // Until the scaler and every encoder thread have ended.
  void wait_for_pipeline();
  // True when every thread started here ended before the deadline.
  bool wait_for_all(std::chrono::steady_clock::time_point deadline);
  // Joins the pipeline threads, or detaches those not joined yet (after a deadline passed).
  void join_or_detach_pipeline(bool join);

 private:
  // `owner` holds this bookkeeping's owner (the Streamer's state) alive for as long as the
  // thread runs: a thread that hangs and is left behind still runs on valid memory.
  template <class F>
  std::thread start(std::shared_ptr<void> owner, bool pipeline, F body) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++running_;
      if (pipeline) ++pipeline_running_;
    }
    return std::thread([this, owner = std::move(owner), body = std::move(body), pipeline] {
      body();
      std::lock_guard<std::mutex> lock(mutex_);
      --running_;
      if (pipeline) --pipeline_running_;
      done_.notify_all();
    });
  }

  std::mutex mutex_;
  std::condition_variable done_;
  int running_ = 0;           // every thread started here
  int pipeline_running_ = 0;  // the scaler and encoder threads among them
  std::vector<std::thread> pipeline_;
};

}  // namespace gearbox
