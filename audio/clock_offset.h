// The offset between the wall clock and a media clock, from readings taken a little after the
// instant they describe (a frame pushed after it was captured, a chunk read after its last
// sample was recorded): the smallest wall - media over a sliding window. A late reading does
// not move it; a clock that drifts is followed within one window.
#pragma once

#include <cstdint>
#include <deque>

namespace gearbox {

class ClockOffset {
 public:
  explicit ClockOffset(int64_t window_us) : window_us_(window_us) {}

  void add(int64_t wall_us, int64_t media_us) {
    const int64_t offset = wall_us - media_us;
    // Readings that can never be the minimum again (an older one at least as large) go.
    while (!readings_.empty() && readings_.back().offset >= offset) readings_.pop_back();
    readings_.push_back({wall_us, offset});
    while (readings_.front().wall_us < wall_us - window_us_) readings_.pop_front();
  }
  bool empty() const { return readings_.empty(); }
  // wall - media; only when !empty().
  int64_t offset_us() const { return readings_.front().offset; }

 private:
  struct Reading {
    int64_t wall_us;
    int64_t offset;
  };
  int64_t window_us_;
  std::deque<Reading> readings_;  // increasing offsets, so the front is the window's minimum
};

}  // namespace gearbox
