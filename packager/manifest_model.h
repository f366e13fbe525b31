// The state both manifest writers render: tracks, the segments published so far (the same
// count in every track, so every manifest lists only segments that exist in all renditions),
// and whether the presentation is still being written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "track.h"

namespace gearbox::packager {

struct ManifestModel {
  std::vector<TrackDescription> tracks;
  std::vector<std::vector<SegmentRecord>> segments;  // per track, first `published` are listed
  std::vector<int64_t> presentation_offsets;  // per track: media time shown at period start
  size_t published = 0;
  bool final = false;           // false: DASH dynamic / HLS EVENT; true: static / VOD
  Rational segment_duration;    // the grid
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
};

std::string iso8601_utc(int64_t unix_ms);  // 2026-11-21T10:00:00.123Z
std::string xs_duration(double seconds);   // PT2.002S

}  // namespace gearbox::packager
