// The packager: one segmenter per rendition and one for the audio, writing CMAF segments (or
// MPEG-TS segments for HLS only), and the manifest writers (DASH and/or HLS over the same
// segments) refreshed whenever every track has finished one more segment. Manifests are replaced
// atomically, so a player polling them always reads a complete file that names only segments
// already on disk.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gearbox/config.h"
#include "gearbox/output_paths.h"
#include "http_uploader.h"
#include "manifest_model.h"
#include "segmenter.h"

namespace gearbox::packager {

struct PackagerOptions {
  Rational segment_duration{2, 1};
  // Live: manifests list the newest `live_window` segments (0: all of them), and a segment is
  // deleted `delete_delay` segments after it left the list.
  size_t live_window = 0;
  size_t delete_delay = 0;
  int chunk_frames = 0;  // > 0: CMAF chunks of this many frames (low-latency DASH)
  SegmentContainer container = SegmentContainer::kCmaf;  // kMpegTs: HLS output only
  // Seconds by which every CMAF track is shifted: at least the largest decode delay (pts - dts)
  // of any rendition. One value for all tracks, so every rendition and the audio present on
  // one axis (HLS aligns variants and the audio by their timestamps), and every composition
  // offset is >= 0, which every reader interprets alike (negative ones, normalised so that the
  // first frame's is 0, are placed by libavformat according to the most negative one it has
  // seen so far, which differs between renditions with different B-frame decisions).
  Rational presentation_delay{0, 1};
  std::function<void(const std::string&)> warn;  // problems that do not stop the stream
  UploadPolicy upload;  // URL output: timeouts and backoff (tests make them short)
};

class Packager {
 public:
  // Told of every segment file once it is on disk, outside the packager's lock.
  using SegmentListener = std::function<void(size_t track, const SegmentRecord& record)>;
  // Told whenever some frames of a track reached the disk (a chunk or a segment), with their
  // pts; called on the track's writing thread.
  using FlushListener = std::function<void(size_t track, const std::vector<int64_t>& pts)>;

  static Result<std::unique_ptr<Packager>> open(const OutputPaths& paths,
                                                const PackagerOptions& options,
                                                std::vector<TrackDescription> tracks,
                                                SegmentListener listener = {},
                                                FlushListener flush_listener = {});

  // Thread-safe across tracks; packets of one track must come from one thread, in decode order.
  Status write(size_t track, const EncodedPacket& packet);
  // A gap in the timestamps: the media before it ends at `end_before`, the next frame (an IDR
  // in every rendition) is at `resume_at`, both in ticks of the first track. Called before that
  // frame reaches any encoder; its segmenters end the segment before the gap at `end_before`
  // and mark the next one as a discontinuity. Thread-safe.
  void mark_gap(int64_t end_before, int64_t resume_at);

  // Completes every track's last segment, ending at `end` (media ticks of the first track: the
  // end of the last input frame, the same instant in every rendition whatever its rate, and in
  // the audio track, whose last AAC frame is cut short there), and writes the final
  // (static / VOD) manifests. URL output: then waits until the origin has everything or
  // `upload_deadline`, and stops the upload (the staging folder is removed).
  Status finish(int64_t end,
                std::chrono::steady_clock::time_point upload_deadline =
                    std::chrono::steady_clock::time_point::max());
  // Forced termination: the segments complete in every track are listed in final manifests;
  // whatever is still inside a segmenter is abandoned. Safe while writers are blocked
  // elsewhere; it never calls into a segmenter.
  Status finish_now();
  // URL output: stops the upload at once (after finish_now(): close()'s deadline passed, or
  // abort()) and removes the staging folder; an error names what the origin did not get.
  Status stop_upload();

  ~Packager();
  // Segments completed so far per track.
  std::vector<int64_t> segments_written() const;

 private:
  Packager(const OutputPaths& paths, const PackagerOptions& options);
  Status on_segment(size_t track, const SegmentRecord& record);
  // For the track's segmenter: the end of the media before a gap that ends at `pts`.
  std::optional<int64_t> gap_before(size_t track, int64_t pts) const;
  // Ticks of the first track to the track's own; for the audio, the nearest AAC frame start
  // (where the audio pipeline cuts its segments).
  int64_t to_track_ticks(size_t track, int64_t ticks) const;
  Status publish_locked();  // renders and atomically replaces every manifest
  // Live: drops model records no manifest needs, and deletes the files of segments that left
  // the window `delete_delay` segments ago (all unlisted ones once final).
  void retire_locked();
  Status finish_locked();
  // URL output: hands a complete file to the uploader.
  void stage_segment(const std::string& name) {
    if (uploader_) uploader_->put_segment(name);
  }
  void stage_manifest(const std::string& name, const std::vector<std::string>& lists = {}) {
    if (uploader_) uploader_->put_manifest(name, lists);
  }

  OutputPaths paths_;
  PackagerOptions options_;
  std::unique_ptr<HttpUploader> uploader_;  // URL output only
  int64_t published_total_ = 0;  // segments 1..published_total_ are complete in every track
  int64_t deleted_through_ = 0;  // segment files 1..deleted_through_ are deleted
  SegmentListener listener_;
  std::vector<std::unique_ptr<Segmenter>> segmenters_;
  mutable std::mutex mutex_;  // guards model_, published_total_, deleted_through_
  ManifestModel model_;
  struct Gap {
    int64_t end_before, resume_at;  // ticks of the first track
  };
  mutable std::mutex gaps_mutex_;  // guards gaps_ (asked by every track's writing thread)
  std::vector<Gap> gaps_;
};

}  // namespace gearbox::packager
