// The segment grid: the engine, not the encoders, decides where IDR frames go. A frame starts a
// segment when it is the first frame whose pts reaches k * segment_duration, computed exactly in
// rationals, so every rendition cuts at the same instant and players switch seamlessly.
#pragma once

#include <cstdint>
#include <optional>

#include "gearbox/export.h"
#include "gearbox/rational.h"

namespace gearbox {

class GEARBOX_EXPORT SegmentGrid {
 public:
  explicit SegmentGrid(Rational segment_duration) : duration_(segment_duration) {}

  // floor(pts / segment_duration): the grid cell a timestamp falls in.
  int64_t cell_of(Rational pts) const;
  // True for the first frame, and for a frame whose cell is later than the previous frame's.
  bool starts_segment(std::optional<Rational> previous_pts, Rational pts) const;

 private:
  Rational duration_;
};

// Picks a rendition's frames from the input on its own rate grid. Every frame that starts a
// segment is taken (so every rendition cuts at the same instant); after it, a frame is taken
// when its pts reaches the next slot anchor + k / rate. 30 fps to 15 takes every other frame,
// 30 to 24 four frames in five, all computed exactly in rationals.
class GEARBOX_EXPORT RateDecimator {
 public:
  explicit RateDecimator(Rational rate) : rate_(rate) {}
  bool take(Rational pts, bool starts_segment);

 private:
  Rational rate_;
  Rational anchor_{0, 1};
  int64_t next_slot_ = 0;
  bool started_ = false;
};

// Integer media timescale for a frame rate: a multiple of the rate's numerator near 90 kHz, so
// that one frame is a whole number of ticks (30000/1001 -> 90000 with 3003 per frame,
// 24000/1001 -> 96000 with 4004, 25 -> 90000 with 3600).
struct GEARBOX_EXPORT MediaClock {
  int64_t timescale;
  int64_t frame_ticks;
  static MediaClock for_frame_rate(Rational fps);
  // Exact tick count of frame `index` (index * frame_ticks).
  int64_t ticks_of_frame(int64_t index) const { return index * frame_ticks; }
  Rational seconds_of(int64_t ticks) const { return Rational::make(ticks, timescale); }
};

}  // namespace gearbox
