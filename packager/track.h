// What the packager knows of each rendition and of each segment it wrote: the model both
// manifest writers render from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/rational.h"

namespace gearbox::packager {

enum class TrackKind { kVideo, kAudio };

// The container of the media segments: CMAF (fMP4, an init segment plus .m4s segments; what
// DASH and fMP4 HLS list) or MPEG-TS (self-contained .ts segments, HLS only).
enum class SegmentContainer { kCmaf, kMpegTs };

struct TrackDescription {
  std::string id;  // "v0" (video) or "a0" (audio): file names and manifest ids
  TrackKind kind = TrackKind::kVideo;
  int width = 0;
  int height = 0;
  Rational frame_rate;
  int sample_rate = 0;  // audio only; also its timescale
  int channels = 0;     // audio only
  int64_t timescale = 90000;
  int64_t frame_ticks = 3600;      // one video frame, or one audio frame (1024 samples for AAC)
  int64_t target_bitrate_bps = 0;  // the encoder's target
  int64_t max_bitrate_bps = 0;     // its VBV cap: the bandwidth announced until one is measured
  // Added to every pts and dts of the track's CMAF segments: the stream's largest B-frame
  // decode delay, the same instant in every track (see PackagerOptions::presentation_delay).
  int64_t presentation_delay = 0;
  CodecConfig codec;

  bool is_audio() const { return kind == TrackKind::kAudio; }
};

struct SegmentRecord {
  int64_t number = 0;    // 1-based, identical across renditions for the same instant
  int64_t start = 0;     // media ticks of its first frame (an IDR)
  int64_t duration = 0;  // media ticks
  int64_t bytes = 0;     // size of the segment file
  int64_t frames = 0;
  // The first segment after a gap in the timestamps: its start is later than the previous
  // segment's end, so HLS puts EXT-X-DISCONTINUITY before it (DASH's timeline shows the gap).
  bool discontinuity = false;

  // Bits per second over this segment's own duration.
  int64_t bitrate_bps(int64_t timescale) const {
    return duration > 0 ? bytes * 8 * timescale / duration : 0;
  }
};

// File names shared by the DASH and HLS manifests (both list the same CMAF segment files).
std::string init_segment_name(const std::string& track_id);  // CMAF only
std::string media_segment_name(const std::string& track_id,
                               const std::string& number,
                               SegmentContainer container = SegmentContainer::kCmaf);
inline std::string media_segment_name(const std::string& track_id,
                                      int64_t number,
                                      SegmentContainer container = SegmentContainer::kCmaf) {
  return media_segment_name(track_id, std::to_string(number), container);
}

}  // namespace gearbox::packager
