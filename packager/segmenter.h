// What the packager needs of a track's segment writer, whatever the container: packets in,
// one file per segment out, and a record of each segment once its file is complete.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "gearbox/backend.h"
#include "track.h"

namespace gearbox::packager {

class Segmenter {
 public:
  // Called after a segment file is complete on disk.
  using SegmentCallback = std::function<Status(const SegmentRecord&)>;
  // Called after the bytes of some frames reached the file system (each chunk, or each
  // segment without chunking), with those frames' pts as the encoder gave them.
  using FlushCallback = std::function<void(const std::vector<int64_t>& pts)>;
  // Asked at each keyframe after the first, with its pts: when a gap in the timestamps ends
  // there, the end of the media before the gap (the segment before it ends there, not at the
  // keyframe); nullopt otherwise. Track ticks.
  using GapLookup = std::function<std::optional<int64_t>(int64_t keyframe_pts)>;

  virtual ~Segmenter() = default;
  // Packets in decode order. The first must be a keyframe; every later keyframe starts a segment
  // (for an audio track, `keyframe` marks the AAC frame that starts a segment).
  virtual Status write(const EncodedPacket& packet) = 0;
  // Writes the last segment, which ends at media time `end` or one frame after the last frame
  // if that is later. No write() afterwards.
  virtual Status finish(int64_t end) = 0;
  // Media time of the first frame in the files, which a DASH manifest subtracts
  // (presentationTimeOffset) so the stream starts at 0.
  virtual int64_t presentation_offset() const = 0;
  // True once writing one of this track's files failed; its partial segment file was removed
  // then, and nothing more is written.
  virtual bool failed() const = 0;
  // Drops the segment being written (its partial file is removed); no write() or finish()
  // afterwards. For a stream ending on a write error, whose later segments cannot be listed.
  virtual void abandon() = 0;

  void set_gap_lookup(GapLookup lookup) { gap_before_ = std::move(lookup); }

 protected:
  std::optional<int64_t> gap_before(int64_t keyframe_pts) const {
    return gap_before_ ? gap_before_(keyframe_pts) : std::nullopt;
  }

 private:
  GapLookup gap_before_;
};

}  // namespace gearbox::packager
