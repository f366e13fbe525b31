// Where a stream's files go, as resolved from StreamConfig::output (the packager resolves it,
// the engine reports it through Streamer::outputs()).
#pragma once

#include <string>

namespace gearbox {

struct OutputPaths {
  std::string directory;
  std::string dash_manifest;  // empty when the format has no DASH
  std::string hls_master;     // empty when the format has no HLS
  // An http:// or https:// output: `directory` is then a local staging folder (removed when
  // the stream ends) and every file is sent to upload_url + its name with HTTP PUT.
  std::string upload_url;
};

}  // namespace gearbox
