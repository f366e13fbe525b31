// The flags only gearbox stream has, on top of the shared stream options: --json, --serve and
// the --serve address.
#pragma once

#include <string>

#include "http_server.h"
#include "stream_options.h"

namespace gearbox::cli {

struct StreamFlags {
  bool json = false;
  bool serve = false;
  std::string given;     // --port or --host when given, which only go with --serve
  ServeOptions options;  // dir: the stream's output folder, once it is open
};

// The parse_stream_options() hook that fills `flags`.
ExtraFlag stream_flags(StreamFlags& flags);

}  // namespace gearbox::cli
