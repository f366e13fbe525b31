// The packager: one Fmp4Segmenter per rendition and one for the audio, writing CMAF segments,
// and the manifest writers (DASH and/or HLS over the same segments) refreshed whenever every
// track has finished one more segment. Manifests are replaced atomically, so a player polling them always
// reads a complete file that names only segments already on disk.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fmp4_segmenter.h"
#include "gearbox/config.h"
#include "gearbox/streamer.h"
#include "manifest_model.h"

namespace gearbox::packager {

class Packager {
 public:
  // Told of every segment file once it is on disk, outside the packager's lock.
  using SegmentListener = std::function<void(size_t track, const SegmentRecord& record)>;

  static Result<std::unique_ptr<Packager>> open(const OutputPaths& paths, Rational segment_duration,
                                                std::vector<TrackDescription> tracks,
                                                SegmentListener listener = {});

  // Thread-safe across tracks; packets of one track must come from one thread, in decode order.
  Status write(size_t track, const EncodedPacket& packet);
  // Completes every track's last segment, ending at `end` (media ticks of the first track: the
  // end of the last input frame, the same instant in every rendition whatever its rate, and in
  // the audio track, whose last AAC frame is cut short there), and writes the final
  // (static / VOD) manifests.
  Status finish(int64_t end);

  // Segments completed so far per track.
  std::vector<int64_t> segments_written() const;

 private:
  Packager(const OutputPaths& paths, Rational segment_duration);
  Status on_segment(size_t track, const SegmentRecord& record);
  Status publish_locked();  // renders and atomically replaces every manifest

  OutputPaths paths_;
  SegmentListener listener_;
  std::vector<std::unique_ptr<Fmp4Segmenter>> segmenters_;
  mutable std::mutex mutex_;  // guards model_
  ManifestModel model_;
};

}  // namespace gearbox::packager
