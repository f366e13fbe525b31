// How gearbox stream is stopped from outside: Ctrl-C (SIGINT), SIGTERM and SIGHUP are counted,
// not fatal, so the stream is closed cleanly; a second one while closing stops at once.
#pragma once

#include "gearbox/error.h"

namespace gearbox {
class Streamer;
}

namespace gearbox::cli {

// SIGPIPE and SIGXFSZ ignored: a closed stdout and a file over `ulimit -f` become failed
// writes (EPIPE, EFBIG) that are reported, instead of killing the process mid-write before
// close() writes the final manifests.
void report_failed_writes_instead_of_dying();

// From now on SIGINT, SIGTERM and SIGHUP (a closed terminal) are counted by stop_signals().
void count_stop_signals();
int stop_signals();

// streamer.close(), but a further stop signal while it runs stops at once (Streamer::abort()),
// keeping every complete segment listed.
Status close_or_abort_on_stop_signal(Streamer& streamer);

}  // namespace gearbox::cli
