// gearbox's entry point: frames in, an ABR ladder out as DASH and/or HLS.
//
//   auto streamer = gearbox::Streamer::open(config);   // validates config, picks a backend
//   for (...) streamer->push(frame);                   // the first frame fixes size and format
//   streamer->close();                                 // flushes encoders, finalises manifests
//
// Threads: push() runs on the caller's thread: it validates the frame and uploads it (one colour
// conversion at source size); scaling runs on a pipeline thread and each rendition encodes on a
// thread of its own. Queues between them are bounded, so push() blocks when the encoders fall
// behind: no frame that push() accepted is ever dropped. With live.drop_frames_when_behind,
// push() never waits instead: a frame that finds the pipeline full is dropped and counted.
// Lifetime: the Streamer owns every thread and file handle; destroying it without close()
// closes it (errors then go to the log callback).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gearbox/config.h"
#include "gearbox/error.h"
#include "gearbox/frame.h"

namespace gearbox {

struct RenditionStats {
  std::string id;
  int width = 0;
  int height = 0;
  int64_t target_kbps = 0;
  double frame_rate = 0;          // the rendition's output rate
  int64_t frames_encoded = 0;
  int64_t bytes_written = 0;       // encoded bytes (the segments add a little container)
  int64_t segments_written = 0;
  double encode_fps = 0;           // frames encoded per second of wall time since the first frame
  int64_t produced_bps = 0;        // bytes_written over the media duration encoded so far
  int64_t queue_depth = 0;         // frames waiting for this rendition's encoder now
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
  std::string source;            // what was opened, e.g. lavfi "sine=frequency=1000"
  bool wall_clock = false;       // placed by the wall clock (AudioClock::kWall; devices by default)
  // Wall clock: how far the video's clock (frame index / input rate) has fallen behind the wall
  // clock since the first frame (frames pushed slower than the input rate), which the audio
  // follows; negative when frames came faster.
  double video_clock_lag = 0;
  int64_t packets = 0;           // AAC frames handed to the packager
  int64_t segments_written = 0;
  int64_t bytes_written = 0;     // AAC payload bytes
  double seconds_from_source = 0;  // source samples in the track
  double seconds_of_silence = 0;   // silence filled in: gaps, a late start, after the source's end
  double seconds_dropped = 0;      // source samples left out: before time 0, overlaps, backlog
  bool source_ended = false;       // the source ended before the video did
  std::string source_error;        // why the source failed mid-stream; empty if it did not
};

struct StreamStats {
  int64_t frames_pushed = 0;    // accepted by push()
  int64_t frames_rejected = 0;  // refused by push() (size or format mismatch, bad timestamp)
  int64_t frames_dropped = 0;   // live.drop_frames_when_behind: skipped because encoders lagged
  int64_t source_queue_depth = 0;  // frames uploaded and waiting for the scaler now
  StageSeconds stages;
  // CPU time (not wall time) of the threads' work outside the encoders: upload, scale and
  // package. The cost gearbox adds on top of encoding, measured where it is spent.
  double cpu_seconds_outside_encoders = 0;
  std::vector<RenditionStats> renditions;  // empty until the first frame
  AudioStats audio;
};

struct OutputPaths {
  std::string directory;
  std::string dash_manifest;  // empty when the format has no DASH
  std::string hls_master;     // empty when the format has no HLS
  // An http:// or https:// output: `directory` is then a local staging folder (removed when
  // the stream ends) and every file is sent to upload_url + its name with HTTP PUT.
  std::string upload_url;
};

class Streamer {
 public:
  static Result<std::unique_ptr<Streamer>> open(StreamConfig config);
  ~Streamer();
  Streamer(const Streamer&) = delete;
  Streamer& operator=(const Streamer&) = delete;

  // Accepts one frame. Errors: kInvalidArgument for a malformed view, kFrameMismatch for a
  // frame whose size or format differs from the first one (the stream goes on), kClosed after
  // close(), or the pipeline's first failure (kBackendFailure, kIo), after which every push fails.
  // Without a timestamp a frame's time is its index / input_frame_rate (dropped frames count).
  Status push(const FrameView& frame);
  // With the caller's timestamp in units of time_base (variable frame rate): timestamps must
  // increase (an equal or earlier one is refused with kInvalidArgument, the stream goes on),
  // and the first frame's timestamp is media time 0. A stream uses timestamps on every frame
  // or on none.
  Status push(const FrameView& frame, int64_t timestamp, Rational time_base = {1, 1000000});
  // Flushes every encoder, writes the last segments and the final (VOD) manifests. Idempotent.
  // Returns within config.close_timeout_seconds even if an encoder, the disk or a callback
  // hangs: it then terminates as abort() does and returns kTimeout naming what hung.
  Status close();
  // Forced termination: stops at once without encoding what is queued; the final manifests list
  // every segment that was complete in every rendition, so the output stays playable.
  Status abort();

  StreamStats stats() const;
  const OutputPaths& outputs() const;
  // The backend in use and, for "auto", why the ones before it were passed over.
  const std::string& backend_name() const;
  const std::vector<std::string>& backends_passed_over() const;

  class Impl;

 private:
  explicit Streamer(std::shared_ptr<Impl> impl);
  // Shared with the pipeline threads, so a thread that hangs past close()'s deadline and is
  // left behind never touches freed memory.
  std::shared_ptr<Impl> impl_;
};

}  // namespace gearbox
