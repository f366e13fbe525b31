// One rendition's (or the audio's) HLS track as MPEG-TS segments: libavformat's mpegts muxer
// writes one continuous transport stream, and this class switches the file it goes to before
// each IDR the engine forced, so every .ts segment starts with PAT, PMT and a keyframe and
// plays on its own (RFC 8216 3.2). Continuity counters and timestamps run on across segments,
// as one stream cut into files.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "muxer_output.h"
#include "segmenter.h"

struct AVFormatContext;
struct AVPacket;

namespace gearbox::packager {

// Added to every timestamp written into a transport stream, in every track alike (so audio and
// video stay on one clock): room for a B-frame decode delay, since PTS and DTS cannot be
// negative in MPEG-TS. 10 s at the 90 kHz system clock.
inline constexpr int64_t kTsTimestampOffset90k = 900000;

class TsSegmenter : public Segmenter {
 public:
  // chunk_frames > 0: the bytes of every chunk_frames frames are pushed to the segment's
  // temporary file (PATH.tmp) as soon as they are muxed, as the CMAF writer does with chunks.
  static Result<std::unique_ptr<TsSegmenter>> open(const TrackDescription& track,
                                                   const std::string& directory,
                                                   SegmentCallback on_segment,
                                                   int chunk_frames = 0,
                                                   FlushCallback on_flush = {});
  ~TsSegmenter() override;

  Status write(const EncodedPacket& packet) override;
  Status finish(int64_t end) override;
  int64_t presentation_offset() const override { return 0; }  // HLS has no such field
  bool failed() const override { return output_.failed(); }
  void abandon() override {
    finished_ = true;
    output_.abandon();
  }

 private:
  TsSegmenter(const TrackDescription& track, std::string directory, SegmentCallback on_segment);
  Status open_muxer();
  Status start_segment(int64_t start);
  // Writes what the muxer still holds (audio it gathers into larger PES packets) into the
  // current file and tells the flush listener.
  Status flush_pending();
  Status end_segment(int64_t next_start);

  TrackDescription track_;
  std::string directory_;
  SegmentCallback on_segment_;
  FlushCallback on_flush_;
  int chunk_frames_ = 0;
  AVFormatContext* mux_ = nullptr;
  AVPacket* packet_ = nullptr;
  MuxerFileOutput output_;
  std::vector<int64_t> unflushed_pts_;

  bool started_ = false;
  bool finished_ = false;
  int64_t segment_start_ = 0;
  int64_t segment_frames_ = 0;
  int64_t last_pts_ = 0;
  int64_t next_number_ = 1;
  bool after_gap_ = false;  // the segment being written starts after a gap
};

}  // namespace gearbox::packager
