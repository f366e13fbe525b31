// gearbox stream's progress line on stderr: frames, speed, and per rendition what the encoders
// did; redrawn in place on a terminal, one line each time otherwise.
#pragma once

#include <cstdint>

#include "gearbox/rational.h"

namespace gearbox {
class Streamer;
}

namespace gearbox::cli {

// What a message on stderr starts with: on a terminal the progress line is erased first, so
// that the message does not run into it.
inline const char* line_start(bool tty) {
  return tty ? "\r\033[K" : "";
}

// total: the frames the stream will push; 0 or less when unknown.
void print_progress(const Streamer& streamer,
                    int64_t total,
                    double elapsed,
                    Rational fps,
                    bool tty);

}  // namespace gearbox::cli
