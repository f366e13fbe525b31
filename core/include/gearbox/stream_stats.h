// What a running stream reports (Streamer::stats()): per rendition, per pipeline stage, and
// for the audio track. Plain values, copied out under no lock the caller sees.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gearbox {

struct RenditionStats {
  std::string id;
  int width = 0;
  int height = 0;
  int64_t target_kbps = 0;
  double frame_rate = 0;  // the rendition's output rate
  int64_t frames_encoded = 0;
  int64_t bytes_written = 0;  // encoded bytes (the segments add a little container)
  int64_t segments_written = 0;
  double encode_fps = 0;     // frames encoded per second of wall time since the first frame
  int64_t produced_bps = 0;  // bytes_written over the media duration encoded so far
  int64_t queue_depth = 0;   // frames waiting for this rendition's encoder now
  // Wall time from push() accepting a frame to its bytes being on disk (in a chunk with
  // low_latency.chunk_frames, else in its complete segment).
  double latency_ms_mean = 0;
  double latency_ms_p95 = 0;  // over the latest 512 frames
  double latency_ms_max = 0;
};

// Wall time spent inside each pipeline stage, summed over the threads that run it. Divided
// by frames_pushed it is the per-frame cost of the stage; the encode stage includes the
// encoder's own worker threads only as far as the calling thread waits for them.
struct StageSeconds {
  double upload = 0;   // colour conversion at source size (push() thread)
  double scale = 0;    // one scale per distinct rendition size (scaler thread)
  double encode = 0;   // Encoder::encode and drain, minus the packaging they triggered
  double package = 0;  // muxing, segment files and manifest updates
};

// The audio track (config.audio), when there is one. Seconds are media time.
struct AudioStats {
  bool enabled = false;
  std::string source;       // what was opened, e.g. lavfi "sine=frequency=1000"
  bool wall_clock = false;  // placed by the wall clock (AudioClock::kWall; devices by default)
  // Wall clock: how far the video's clock (frame index / input rate) has fallen behind the wall
  // clock since the first frame (frames pushed slower than the input rate), which the audio
  // follows; negative when frames came faster.
  double video_clock_lag = 0;
  int64_t packets = 0;  // AAC frames handed to the packager
  int64_t segments_written = 0;
  int64_t bytes_written = 0;       // AAC payload bytes
  double seconds_from_source = 0;  // source samples in the track
  double seconds_of_silence = 0;   // silence filled in: gaps, a late start, after the source's end
  double seconds_dropped = 0;      // source samples left out: before time 0, overlaps, backlog
  bool source_ended = false;       // the source ended before the video did
  std::string source_error;        // why the source failed mid-stream; empty if it did not
};

struct StreamStats {
  int64_t frames_pushed = 0;       // accepted by push()
  int64_t frames_rejected = 0;     // refused by push() (size or format mismatch, bad timestamp)
  int64_t frames_dropped = 0;      // live.drop_frames_when_behind: skipped because encoders lagged
  int64_t source_queue_depth = 0;  // frames uploaded and waiting for the scaler now
  StageSeconds stages;
  // CPU time (not wall time) of the threads' work outside the encoders: upload, scale and
  // package. The cost gearbox adds on top of encoding, measured where it is spent.
  double cpu_seconds_outside_encoders = 0;
  std::vector<RenditionStats> renditions;  // empty until the first frame
  AudioStats audio;
};

}  // namespace gearbox
