#include "latency_tracker.h"

#include <algorithm>

namespace gearbox {

LatencyTracker::LatencyTracker(size_t renditions) : renditions_(renditions) {}

void LatencyTracker::pushed(int64_t pts, int64_t push_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  push_time_.emplace_back(pts, push_ns);
}

void LatencyTracker::flushed(size_t rendition, const std::vector<int64_t>& pts, int64_t now_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (rendition >= renditions_.size()) return;  // not a video rendition (the audio track)
  PerRendition& r = renditions_[rendition];
  for (int64_t p : pts) {
    auto it = std::lower_bound(push_time_.begin(), push_time_.end(), std::make_pair(p, INT64_MIN));
    if (it == push_time_.end() || it->first != p) continue;
    const double ms = static_cast<double>(now_ns - it->second) * 1e-6;
    r.frames++;
    r.sum_ms += ms;
    r.max_ms = std::max(r.max_ms, ms);
    if (r.recent.size() < kRecent) {
      r.recent.push_back(ms);
    } else {
      r.recent[r.next] = ms;
      r.next = (r.next + 1) % kRecent;
    }
    r.last_pts = std::max(r.last_pts, p);
  }
  // Frames every rendition has written (or skipped, at a lower rate) are no longer needed.
  int64_t oldest_needed = INT64_MAX;
  for (const PerRendition& each : renditions_)
    oldest_needed = std::min(oldest_needed, each.last_pts);
  while (oldest_needed != INT64_MIN && !push_time_.empty() &&
         push_time_.front().first < oldest_needed) {
    push_time_.pop_front();
  }
}

LatencySummary LatencyTracker::summary(size_t rendition) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const PerRendition& r = renditions_[rendition];
  LatencySummary s;
  s.frames = r.frames;
  if (r.frames == 0) return s;
  s.mean_ms = r.sum_ms / static_cast<double>(r.frames);
  s.max_ms = r.max_ms;
  std::vector<double> sorted = r.recent;
  const size_t k = std::min(sorted.size() - 1, sorted.size() * 95 / 100);
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k), sorted.end());
  s.p95_ms = sorted[k];
  return s;
}

}  // namespace gearbox
