// gearbox stream's frame loop: frames from the source pushed at the input rate (--realtime) or
// as fast as the encoders take them, with the progress line and --json progress on the way.
#pragma once

#include <chrono>
#include <cstdint>

#include "frame_source.h"
#include "stream_options.h"

namespace gearbox {
class Streamer;
}

namespace gearbox::cli {

struct FrameLoop {
  const StreamOptions& options;
  int64_t total;  // frames to push; negative: until the input ends or a stop signal
  bool json;      // --json progress objects on stdout
  bool tty;       // stderr is a terminal: the progress line is redrawn in place
  std::chrono::steady_clock::time_point start;  // of the stream, for timestamps and rates
};

// Pushes until `total` frames, the end of the input, a push that fails, a stop signal or a
// failed stdout. Returns the exit status so far (0, or what the input or the push failure
// means); the stream is left open.
int push_frames(Streamer& streamer, FrameSource& source, const FrameLoop& loop);

}  // namespace gearbox::cli
