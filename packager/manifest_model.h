// The state both manifest writers render: tracks, the segments published so far (the same
// count in every track, so every manifest lists only segments that exist in all renditions),
// and whether the presentation is still being written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "track.h"

namespace gearbox::packager {

// What a track's segments that are no longer kept in the model contributed (live streams drop
// old records so the model stays bounded however long the stream runs).
struct TrackHistory {
  int64_t bytes = 0;
  int64_t ticks = 0;
  int64_t peak_bps = 0;                   // peak of the runs that started in dropped segments
  int64_t longest = 0;                    // longest dropped segment, ticks
  int64_t count = 0;                      // segments dropped
  int64_t discontinuities = 0;            // dropped segments that started after a gap
  int64_t last_discontinuity_start = -1;  // ticks of the newest of them (-1: none)
  int64_t last_discontinuity_number = 0;  // and its segment number
};

// DASH: the listed segments between two gaps in the timestamps form one Period.
struct ListedPeriod {
  size_t from = 0, to = 0;  // indices into each track's segments
  int64_t number = 0;       // number of the segment that began the period (0: the stream's first)
};

struct ManifestModel {
  std::vector<TrackDescription> tracks;
  // Per track, the segments kept, oldest first; the first `published` of each are complete in
  // every track. Their numbers are consecutive.
  std::vector<std::vector<SegmentRecord>> segments;
  std::vector<int64_t> presentation_offsets;  // per track: media time shown at period start
  std::vector<TrackHistory> history;          // per track (may be empty: nothing dropped)
  size_t published = 0;
  size_t window = 0;         // live: the manifests list only the newest `window` published segments
  double chunk_seconds = 0;  // low-latency DASH: duration of a CMAF chunk; 0 when off
  SegmentContainer container = SegmentContainer::kCmaf;  // of the segments HLS lists
  bool final = false;                 // false: DASH dynamic / HLS EVENT; true: static / VOD
  Rational segment_duration;          // the grid
  int64_t availability_start_ms = 0;  // Unix ms of the first frame
  int64_t now_ms = 0;                 // Unix ms of this rendering

  // Longest duration a segment can have on the grid: just under grid + one frame.
  double max_possible_segment_seconds() const;
  // Longest published segment of any track, in seconds.
  double max_published_segment_seconds() const;
  // Apple's peak segment bit rate: the highest bit rate of any run of contiguous segments
  // lasting 0.5 to 1.5 target durations; while writing, never below the encoder's VBV cap.
  int64_t peak_bitrate_bps(size_t track, int target_duration_s) const;
  int64_t average_bitrate_bps(size_t track) const;
  // HLS EXT-X-TARGETDURATION: fixed for the whole stream, so computed from the grid.
  int target_duration_seconds() const;

  // HLS EXT-X-DISCONTINUITY-SEQUENCE (RFC 8216 4.3.3.3): the discontinuities before the first
  // listed segment, so a segment keeps its discontinuity number as the live window slides.
  int64_t discontinuity_sequence(size_t track) const;

  // DASH Periods over the listed segments, split before each segment after a gap.
  std::vector<ListedPeriod> listed_periods() const;
  // Ticks (of `track`) where the period's first segment, listed or no longer, started; -1 for
  // the stream's first period.
  int64_t period_start_ticks(size_t track, const ListedPeriod& p) const;

  // The published segments the manifests list: indices [first_listed, published).
  size_t first_listed() const { return window > 0 && published > window ? published - window : 0; }
  // Folds the oldest kept segment of every track into `history` and drops it. Only segments
  // that are published and no longer listed may be dropped.
  void drop_oldest();

 private:
  int64_t peak_of_runs_from(size_t track, size_t first, int target_duration_s) const;
};

std::string iso8601_utc(int64_t unix_ms);  // 2026-11-21T10:00:00.123Z
std::string xs_duration(double seconds);   // PT2.002S, to the nearest millisecond
// For declared maxima (maxSegmentDuration): rounded up to the millisecond, so the bound holds.
std::string xs_duration_at_least(double seconds);

}  // namespace gearbox::packager
