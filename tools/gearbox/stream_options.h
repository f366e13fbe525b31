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
  std::string pix_fmt;  // raw input only; empty: bgr24
  std::optional<Rational> duration;
  int64_t max_frames = -1;
  bool realtime = false;
  bool wallclock_timestamps = false;  // --timestamps wallclock: push with the time of reading
  bool quiet = false;
};

// Exit statuses of every command (also in the help texts and the README's "CLI" section):
// 0 done; 1 a failure while streaming (the input cannot be read or holds no complete frame,
// the encoder, the disk or the upload failed); 2 the command line or the configuration it
// describes is wrong, found before anything is encoded (including the first frame's checks).
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Strict numbers for flag values: the whole text is the number (no spaces, trailing junk, hex,
// NaN or infinity), within min..max; the error names the flag and the value as typed.
Result<int64_t> parse_whole_number(const std::string& flag,
                                   const std::string& text,
                                   int64_t min,
                                   int64_t max);
Result<double> parse_real_number(const std::string& flag,
                                 const std::string& text,
                                 double min,
                                 double max,
                                 bool min_excluded = false);
// A library error that starts with its own field name ("duration: ...", "bpp: ...") readdressed
// to the flag the user typed ("--segment: ..."); other messages are returned as they are.
std::string name_flag(const std::string& message,
                      const std::string& field,
                      const std::string& flag);
// Frames in `duration` at `fps`, rounded down; saturates instead of overflowing.
int64_t frames_in(Rational duration, Rational fps);

// What can be checked once the frame size is known and before a Streamer is opened: the size,
// the ladder planned from it, and validate(). Errors name the flag where there is one.
Status check_before_streaming(const StreamOptions& o, int width, int height);

// A command's own flags: returns 0 when it consumed argv[i] (advancing i past a value),
// 1 when the flag is not its own, 2 after reporting a usage error.
using ExtraFlag = std::function<int(const std::string& arg, int& i, int argc, char** argv)>;

// Prints "gearbox COMMAND: MESSAGE (see --help)" and returns 2, the usage-error exit status.
int usage_error(const char* command, const std::string& message);

// Where a command's help text lists the backends' own flags (--backend, x264's --preset,
// --nvenc-tuning, ...): parse_stream_options() replaces this line with backend_options_help().
inline constexpr const char* kBackendOptionsHelpMarker = "@BACKEND_OPTIONS@\n";
// The help lines of --backend and of every backend option, from the backends' descriptions.
std::string backend_options_help();
// The value a stream will use for a backend option ("x264.preset"): the configuration's, or the
// option's described default ("" for an option no backend describes).
std::string backend_option_value(const StreamConfig& config, const std::string& key);

// Parses argv[1..] into `o` (whose fields hold the command's defaults). Returns 0 to go on,
// 1 after printing `help` for --help, 2 on a usage error (already reported).
int parse_stream_options(const char* command,
                         const char* help,
                         int argc,
                         char** argv,
                         StreamOptions& o,
                         const ExtraFlag& extra = {});

}  // namespace gearbox::cli
