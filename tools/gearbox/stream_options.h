// Options shared by the commands that run a stream (stream, bench): ladder, input, encoder.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "gearbox/config.h"

namespace gearbox::cli {

// --low-latency without --chunk-frames: 5 frames a chunk (1/6 s at 30 fps).
inline constexpr int kLowLatencyChunkFrames = 5;

struct StreamOptions {
  StreamConfig config;
  std::string input = "testsrc";
  std::string size;
  std::string pix_fmt = "bgr24";
  std::optional<Rational> duration;
  int64_t max_frames = -1;
  bool realtime = false;
  bool wallclock_timestamps = false;  // --timestamps wallclock: push with the time of reading
  bool quiet = false;
};

// A command's own flags: returns 0 when it consumed argv[i] (advancing i past a value),
// 1 when the flag is not its own, 2 after reporting a usage error.
using ExtraFlag = std::function<int(const std::string& arg, int& i, int argc, char** argv)>;

// Prints "gearbox COMMAND: MESSAGE (see --help)" and returns 2, the usage-error exit status.
int usage_error(const char* command, const std::string& message);

// Parses argv[1..] into `o` (whose fields hold the command's defaults). Returns 0 to go on,
// 1 after printing `help` for --help, 2 on a usage error (already reported).
int parse_stream_options(const char* command, const char* help, int argc, char** argv,
                         StreamOptions& o, const ExtraFlag& extra = {});

}  // namespace gearbox::cli
