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

MediaClock MediaClock::for_frame_rate(Rational fps) {
  Rational r = Rational::make(fps.num, fps.den);
  // timescale = r.num * k with k chosen so the timescale is close to (at least) 90 kHz.
  int64_t k = r.num >= 90000 ? 1 : (90000 + r.num - 1) / r.num;
  return MediaClock{r.num * k, r.den * k};
}

}  // namespace gearbox
