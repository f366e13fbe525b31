// Low-latency DASH over gearbox serve: a segment still being written exists only as NAME.tmp,
// growing one CMAF chunk at a time (the packager renames it to NAME when complete). A request
// for NAME in that state is answered with HTTP chunked transfer encoding: each chunk is sent as
// soon as it is on disk, and the reply ends when the segment is complete. Static file servers
// answer 404 until the rename instead, which only costs latency.
#pragma once

#include <string>

namespace httplib {
class Server;
}

namespace gearbox::cli {

// Registers the handler for media segment requests (NAME-N.m4s, NAME-N.ts): a complete segment
// is served as a file; one being written (NAME-N.m4s.tmp) chunk by chunk; one that is missing
// is waited for (up to 2 s) only while the stream writes the segment before it.
void serve_growing_segments(httplib::Server& server, const std::string& dir);

}  // namespace gearbox::cli
