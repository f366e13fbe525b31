#include "stream_flags.h"

#include "commands.h"

namespace gearbox::cli {

ExtraFlag stream_flags(StreamFlags& f) {
  return [&f](const std::string& arg, int& i, int argc, char** argv) {
    if (arg == "--json") {
      f.json = true;
      return 0;
    }
    if (arg == "--serve") {
      f.serve = true;
      return 0;
    }
    if (arg != "--port" && arg != "--host") return 1;
    if (i + 1 >= argc) return usage_error("stream", "option " + arg + " needs a value");
    std::string v = argv[++i];
    f.given = arg;
    if (arg == "--host") {
      f.options.host = v;
      return 0;
    }
    auto port = parse_port(v);
    if (!port) return usage_error("stream", "port: \"" + v + "\" is not a port number (0-65535)");
    f.options.port = *port;
    return 0;
  };
}

}  // namespace gearbox::cli
