// One rendition's (or the audio's) CMAF track: libavformat's mp4 muxer in fragmented mode writes
// the init segment once and one fragment per segment; this class cuts a fragment exactly before
// each IDR the engine forced, and writes each fragment to its own segment file.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "muxer_output.h"
#include "segmenter.h"
#include "track.h"

struct AVFormatContext;
struct AVPacket;

namespace gearbox::packager {

class Fmp4Segmenter : public Segmenter {
 public:
  // chunk_frames > 0: a segment is written as CMAF chunks of that many frames, each appended
  // to the segment's temporary file (PATH.tmp) as soon as it is complete, so a server can send
  // a segment while it grows; the file is renamed to its final name when the segment ends.
  static Result<std::unique_ptr<Fmp4Segmenter>> open(const TrackDescription& track,
                                                     const std::string& directory,
                                                     SegmentCallback on_segment,
                                                     int chunk_frames = 0,
                                                     FlushCallback on_flush = {});
  ~Fmp4Segmenter() override;

  Status write(const EncodedPacket& packet) override;
  // `end` is before the decode-delay shift.
  Status finish(int64_t end) override;
  // 0 without B-frames; with them the stream's presentation delay (the largest decode delay).
  int64_t presentation_offset() const override { return shift_; }
  bool failed() const override { return output_.failed(); }
  void abandon() override {
    finished_ = true;
    output_.abandon();
  }

 private:
  Fmp4Segmenter(const TrackDescription& track, std::string directory, SegmentCallback cb);
  Status open_muxer();
  // Completes the segment, whose media ends at `end`; the next starts at `next_start` (later
  // than `end` after a gap in the timestamps).
  Status cut_segment(int64_t end, int64_t next_start);
  // Writes the fragment the muxer holds into the current segment's file, opening it first.
  Status flush_fragment();

  TrackDescription track_;
  std::string directory_;
  SegmentCallback on_segment_;
  FlushCallback on_flush_;
  int chunk_frames_ = 0;
  std::vector<int64_t> unflushed_pts_;  // frames in the muxer's fragment, not yet on disk
  AVFormatContext* mux_ = nullptr;
  AVPacket* packet_ = nullptr;
  // The segment file the muxer's bytes go to while a fragment is flushed (the muxer holds the
  // fragment itself until then, so gearbox keeps no second copy).
  MuxerFileOutput output_;

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
  int64_t shift_ = 0;  // added to pts and dts so no dts is negative (the presentation delay)
  int64_t segment_start_ = 0;
  int64_t segment_frames_ = 0;
  int64_t end_pts_ = 0;  // largest pts + one frame seen so far
  int64_t next_number_ = 1;
  bool after_gap_ = false;  // the segment being written starts after a gap
};

}  // namespace gearbox::packager
