// One rendition's (or the audio's) CMAF track: libavformat's mp4 muxer in fragmented mode writes the init
// segment once and one fragment per segment; this class cuts a fragment exactly before each
// IDR the engine forced, and writes each fragment to its own segment file.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "atomic_file.h"
#include "track.h"

struct AVFormatContext;
struct AVIOContext;
struct AVPacket;

namespace gearbox::packager {

class Fmp4Segmenter {
 public:
  // Called after a segment file is complete on disk.
  using SegmentCallback = std::function<Status(const SegmentRecord&)>;
  // Called after the bytes of some frames reached the file system (each chunk, or each
  // segment without chunking), with those frames' pts as the encoder gave them.
  using FlushCallback = std::function<void(const std::vector<int64_t>& pts)>;

  // chunk_frames > 0: a segment is written as CMAF chunks of that many frames, each appended
  // to the segment's temporary file (PATH.tmp) as soon as it is complete, so a server can send
  // a segment while it grows; the file is renamed to its final name when the segment ends.
  static Result<std::unique_ptr<Fmp4Segmenter>> open(const TrackDescription& track,
                                                     const std::string& directory,
                                                     SegmentCallback on_segment,
                                                     int chunk_frames = 0,
                                                     FlushCallback on_flush = {});
  ~Fmp4Segmenter();

  // Packets in decode order. The first must be a keyframe; every later keyframe starts a segment
  // (for an audio track, `keyframe` marks the AAC frame that starts a segment).
  Status write(const EncodedPacket& packet);
  // Writes the last segment, which ends at media time `end` (before the decode-delay shift) or
  // one frame after the last frame if that is later. No write() afterwards.
  Status finish(int64_t end);
  // Media time of the first frame in the files (0 without B-frames, their decode delay with
  // them): manifests subtract it (DASH presentationTimeOffset) so the stream starts at 0.
  int64_t presentation_offset() const { return shift_; }

 private:
  Fmp4Segmenter(const TrackDescription& track, std::string directory, SegmentCallback cb);
  Status open_muxer();
  Status cut_segment(int64_t next_start);
  // Writes the fragment the muxer holds into the current segment's file, opening it first.
  Status flush_fragment();
  // Sends whatever the muxer produces while `produce` runs into the file `name`, atomically.
  Status write_output(const std::string& name, const std::function<int()>& produce, int64_t* bytes);
  static int on_muxer_bytes(void* opaque, uint8_t* data, int size);

  TrackDescription track_;
  std::string directory_;
  SegmentCallback on_segment_;
  FlushCallback on_flush_;
  int chunk_frames_ = 0;
  std::vector<int64_t> unflushed_pts_;  // frames in the muxer's fragment, not yet on disk
  AVFormatContext* mux_ = nullptr;
  AVIOContext* io_ = nullptr;
  AVPacket* packet_ = nullptr;
  // The file the muxer's bytes go to while a fragment is flushed (the muxer holds the
  // fragment itself until then, so gearbox keeps no second copy).
  std::optional<AtomicFileWriter> out_;
  Status out_status_;  // the first write failure inside the muxer's callback

  // The last packet, written once the next one tells its duration.
  Status write_held(int64_t duration);
  struct Held {
    int64_t pts = 0, dts = 0;
    bool keyframe = false;
  } held_;
  std::vector<uint8_t> held_data_;
  bool has_held_ = false;

  bool started_ = false;
  bool finished_ = false;
  int64_t shift_ = 0;  // added to pts and dts so the first dts is 0 (B-frame delay)
  int64_t segment_start_ = 0;
  int64_t segment_frames_ = 0;
  int64_t end_pts_ = 0;  // largest pts + one frame seen so far
  int64_t next_number_ = 1;
};

}  // namespace gearbox::packager
