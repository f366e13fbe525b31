#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "commands.h"
#include "http_server.h"
#include "stream_options.h"

namespace gearbox::cli {
namespace {

const char kHelp[] =
    "usage: gearbox serve DIR [options]\n"
    "\n"
    "Serves an output folder over HTTP with the player page, so that a stream can be watched in\n"
    "a browser, also while gearbox is still writing it. Open the printed 'watch:' address.\n"
    "\n"
    "  /                 the folder: manifests (never cached), init and media segments\n"
    "  /player/          the player page (dash.js for .mpd, hls.js for .m3u8): ?src=/manifest.mpd\n"
    "                    picks a manifest; without it the page lists those it finds\n"
    "\n"
    "options:\n"
    "  --port N          TCP port; 0 picks any free port                  [default: 8080]\n"
    "  --host ADDR       address to listen on; 0.0.0.0 for every interface [default: 127.0.0.1]\n"
    "  --player-dir DIR  the player page's files        [default: ../share/gearbox/player from\n"
    "                    the executable's folder (installed), else ../player (the build tree)]\n"
    "  -v, --verbose     log every request on stderr\n"
    "  -h, --help        this text\n"
    "\n"
    "Limits (every client is hostile): request heads of at most 8 KB, complete within 10 s\n"
    "(else 431 / 408); kept-alive connections closed after 5 s idle; at most 512 connections\n"
    "(503); GET, HEAD and OPTIONS only (405), without a body (413); one byte range a reply,\n"
    "at most 8 in a Range header (416); only regular files below DIR, never .tmp, dot files,\n"
    "symlinks out or NUL in a path (400 / 404).\n"
    "\n"
    "Ctrl-C stops serving. 'gearbox stream --serve' serves the folder it writes the same way.\n";

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

int bad_usage(const std::string& message) {
  return usage_error("serve", message);
}

}  // namespace

// Shared with `stream --serve`: a port number, or nullopt when `text` is not one.
std::optional<int> parse_port(const std::string& text) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || !end || *end || v < 0 || v > 65535) return std::nullopt;
  return static_cast<int>(v);
}

void wait_for_interrupt(const std::string& message) {
  g_stop = false;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Only now: a script that signals on seeing the message must find the handler in place.
  std::fputs(message.c_str(), stdout);
  std::fflush(stdout);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

int run_serve(int argc, char** argv) {
  ServeOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "-h" || arg == "--help") {
      std::fputs(kHelp, stdout);
      return 0;
    } else if (arg == "-v" || arg == "--verbose") {
      o.verbose = true;
    } else if (arg == "--port" || arg == "--host" || arg == "--player-dir") {
      if (!has_value) return bad_usage("option " + arg + " needs a value");
      std::string v = argv[++i];
      if (arg == "--host") {
        o.host = v;
      } else if (arg == "--player-dir") {
        o.player_dir = v;
      } else {
        auto port = parse_port(v);
        if (!port) return bad_usage("port: \"" + v + "\" is not a port number (0-65535)");
        o.port = *port;
      }
    } else if (!arg.empty() && arg[0] == '-') {
      return bad_usage("unknown option \"" + arg + "\"");
    } else if (o.dir.empty()) {
      o.dir = arg;
    } else {
      return bad_usage("one folder only (got \"" + o.dir + "\" and \"" + arg + "\")");
    }
  }
  if (o.dir.empty()) return bad_usage("which folder? gearbox serve DIR");

  auto server = StreamServer::start(o);
  if (!server) {
    std::fprintf(stderr, "gearbox serve: %s\n", server.error().message.c_str());
    return server.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  // One line a script can read the address from, then the addresses to open.
  wait_for_interrupt("serving " + o.dir + " at " + (*server)->url() + "\n" + (*server)->describe() +
                     "Ctrl-C to stop\n");
  return 0;
}

}  // namespace gearbox::cli
