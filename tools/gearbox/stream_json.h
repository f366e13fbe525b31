// What gearbox stream --json prints, one JSON object a line: a progress object every 2 s, one
// per segment written, and the summary after the stream is closed.
#pragma once

#include <string>

#include "gearbox/config.h"
#include "gearbox/output_paths.h"
#include "gearbox/stream_stats.h"

namespace gearbox::cli {

std::string segment_json(const SegmentEvent& e);
std::string progress_json(const StreamStats& st, double elapsed);
// The progress object's fields, then the backend and the manifests written (empty: none).
std::string summary_json(const StreamStats& st,
                         double elapsed,
                         const std::string& backend,
                         const OutputPaths& written);

}  // namespace gearbox::cli
