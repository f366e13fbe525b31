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

// Registers the handler for *.m4s and *.ts requests that the static mount could not answer.
void serve_growing_segments(httplib::Server& server, const std::string& dir);

}  // namespace gearbox::cli
