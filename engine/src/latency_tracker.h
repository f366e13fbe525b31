// Push-to-disk latency: the wall time from push() accepting a frame to the packager having
// written that frame's bytes to the file system (a CMAF chunk, or the whole segment without
// chunking), per rendition. This is the latency gearbox adds before a player can fetch a frame.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace gearbox {

struct LatencySummary {
  int64_t frames = 0;
  double mean_ms = 0;
  double p95_ms = 0;  // over the most recent frames (a window of kRecent)
  double max_ms = 0;
};

class LatencyTracker {
 public:
  explicit LatencyTracker(size_t renditions);
  // A frame with this pts was accepted at steady time push_ns.
  void pushed(int64_t pts, int64_t push_ns);
  // These frames of a rendition are on disk now.
  void flushed(size_t rendition, const std::vector<int64_t>& pts, int64_t now_ns);
  LatencySummary summary(size_t rendition) const;

  static constexpr size_t kRecent = 512;

 private:
  struct PerRendition {
    int64_t frames = 0;
    double sum_ms = 0;
    double max_ms = 0;
    std::vector<double> recent;  // ring of the latest kRecent latencies
    size_t next = 0;
    int64_t last_pts = INT64_MIN;
  };
  mutable std::mutex mutex_;
  // (pts, push_ns) in increasing pts (push() refuses a pts that does not increase), pruned once
  // every rendition is past: a ring-like deque, no allocation per frame in steady state.
  std::deque<std::pair<int64_t, int64_t>> push_time_;
  std::vector<PerRendition> renditions_;
};

}  // namespace gearbox
