#include "gearbox/segment_grid.h"

namespace gearbox {

int64_t SegmentGrid::cell_of(Rational pts) const {
  // floor((pts.num / pts.den) / (d.num / d.den)) = floor(pts.num * d.den / (pts.den * d.num))
  return mul_div_floor(pts.num, duration_.den, pts.den * duration_.num);
}

bool SegmentGrid::starts_segment(std::optional<Rational> previous_pts, Rational pts) const {
  if (!previous_pts) return true;
  return cell_of(pts) > cell_of(*previous_pts);
}

bool RateDecimator::take(Rational pts, bool starts_segment) {
  // Slot index of pts since the anchor: floor((pts - anchor) * rate).
  auto slot_of = [&](Rational t) {
    const __int128 num =
        static_cast<__int128>(t.num) * anchor_.den - static_cast<__int128>(anchor_.num) * t.den;
    const __int128 den = static_cast<__int128>(t.den) * anchor_.den;
    const __int128 n = num * rate_.num, d = den * rate_.den;
    __int128 q = n / d;
    if ((n % d != 0) && ((n < 0) != (d < 0))) --q;
    return static_cast<int64_t>(q);
  };
  if (starts_segment || !started_) {
    started_ = true;
    anchor_ = pts;
    next_slot_ = 1;
    return true;
  }
  const int64_t slot = slot_of(pts);
  if (slot < next_slot_) return false;
  next_slot_ = slot + 1;
  return true;
}

MediaClock MediaClock::for_frame_rate(Rational fps) {
  Rational r = Rational::make(fps.num, fps.den);
  // timescale = r.num * k with k chosen so the timescale is close to (at least) 90 kHz.
  int64_t k = r.num >= 90000 ? 1 : (90000 + r.num - 1) / r.num;
  return MediaClock{r.num * k, r.den * k};
}

}  // namespace gearbox
