// gearbox stream's stdout, which a reader may close (--json | head): after the first failed
// write (EPIPE, with SIGPIPE ignored) nothing more is printed, and the stream is closed as after
// a stop signal.
#pragma once

#include <string>

namespace gearbox::cli {

// Notes a failed write to stdout, if there was one; call after writing to it.
void check_stdout();
bool stdout_failed();
int stdout_errno();  // why the first failed write failed

// `line` and a newline, flushed at once; safe from any thread (segment events arrive on the
// pipeline's threads). Nothing once stdout has failed.
void print_stdout_line(const std::string& line);

}  // namespace gearbox::cli
