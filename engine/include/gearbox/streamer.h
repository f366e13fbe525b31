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

#include "gearbox/backend.h"
#include "gearbox/config.h"
#include "gearbox/error.h"
#include "gearbox/export.h"
#include "gearbox/frame.h"
#include "gearbox/output_paths.h"
#include "gearbox/stream_stats.h"

namespace gearbox {

class GEARBOX_EXPORT Streamer {
 public:
  // Picks config.backend ("auto" or a name) among the backends this build carries.
  static Result<std::unique_ptr<Streamer>> open(StreamConfig config);
  // The same among the given backends, in automatic-selection order: a caller's own runtimes,
  // or tests' simulated and fake backends.
  static Result<std::unique_ptr<Streamer>> open(StreamConfig config, BackendList backends);
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
  // The backend in use and, for "auto", why the ones before it were passed over. Under "auto"
  // the first frame falls back to the next available backend when the chosen one cannot open
  // the ladder (kOutOfSessions, kUnsupported, kDeviceLost): both then change (the references
  // stay valid).
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
