// What the fuzzers that drive a Streamer share: a reader of the fuzzer's bytes as values, and a
// small, fast x264 stream into a temporary folder of their own (removed at exit).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "gearbox/config.h"

namespace gearbox::fuzz {

// Takes values off the front of the input; past its end, the missing bytes read as zero.
struct InputReader {
  const uint8_t* p;
  size_t left;
  template <typename T>
  T take() {
    T v{};
    const size_t n = left < sizeof v ? left : sizeof v;
    std::memcpy(&v, p, n);
    p += n;
    left -= n;
    return v;
  }
};

// x264 ultrafast on one thread at 100 kb/s, logging nothing, into a new folder under /tmp
// named after `name`; the caller sets format, grid, rate and ladder.
inline StreamConfig small_stream_config(const std::string& name) {
  static std::string dir;
  std::string pattern = "/tmp/gearbox-fuzz-" + name + "-XXXXXX";
  dir = ::mkdtemp(pattern.data());
  std::atexit([] { std::filesystem::remove_all(dir); });
  StreamConfig c;
  c.output = dir;
  c.backend = "x264";
  c.clear_previous_assets = true;
  c.backend_options["x264.preset"] = "ultrafast";
  c.backend_options["x264.threads"] = "1";
  c.primary_bitrate_kbps = 100;
  c.log = [](LogLevel, const std::string&) {};
  return c;
}

}  // namespace gearbox::fuzz
