// A bounded pool of surfaces of one kind. acquire() hands out a surface that returns to the
// pool when its last reference is dropped; when every surface is in use it waits, which is the
// back-pressure that bounds memory however far the encoders fall behind.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace gearbox {

template <class S>
class SurfacePool {
 public:
  using Factory = std::function<std::unique_ptr<S>()>;

  SurfacePool(size_t capacity, Factory factory) : state_(std::make_shared<State>()) {
    state_->capacity = capacity;
    state_->factory = std::move(factory);
  }

  // Returns nullptr if no surface came back within `timeout` (a stalled pipeline).
  std::shared_ptr<S> acquire(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    std::unique_lock<std::mutex> lock(state_->mutex);
    State& st = *state_;
    if (!st.cv.wait_for(lock, timeout,
                        [&] { return !st.free.empty() || st.created < st.capacity; })) {
      return nullptr;
    }
    std::unique_ptr<S> surface;
    if (!st.free.empty()) {
      surface = std::move(st.free.back());
      st.free.pop_back();
    } else {
      surface = st.factory();
      ++st.created;
    }
    std::shared_ptr<State> keep = state_;  // the pool's state outlives every surface it lent
    return std::shared_ptr<S>(surface.release(), [keep](S* s) {
      std::lock_guard<std::mutex> guard(keep->mutex);
      keep->free.emplace_back(s);
      keep->cv.notify_one();
    });
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::unique_ptr<S>> free;
    size_t created = 0;
    size_t capacity = 0;
    Factory factory;
  };
  std::shared_ptr<State> state_;
};

}  // namespace gearbox
