// The HTTP side of the CLI: serves an output folder (and the player page) on a local address
// with cpp-httplib, on a thread of its own, so that `gearbox serve` and `gearbox stream --serve`
// share one implementation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gearbox/error.h"

namespace gearbox::cli {

struct ServeOptions {
  std::string dir;  // the output folder, served at /
  std::string host = "127.0.0.1";
  int port = 8080;         // 0: any free port (the chosen one is in StreamServer::url())
  std::string player_dir;  // the player page's files; empty: next to the executable
  bool verbose = false;    // log every request on stderr
  // Limits against clients that hold connections (see connection_gate.h); tests shorten them.
  int header_timeout_ms = 10000;  // a request head must be complete within this
  int idle_timeout_ms = 5000;     // a kept-alive connection may wait this long for its next request
  int max_connections = 512;      // open at once; more are answered 503
};

class StreamServer {
 public:
  // Binds and starts serving. Errors name the value at fault (folder, host, port).
  static Result<std::unique_ptr<StreamServer>> start(const ServeOptions& options);
  ~StreamServer();  // stops serving
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  const std::string& url() const { return url_; }                // http://host:port/
  const std::string& player_dir() const { return player_dir_; }  // empty: no player page
  // The player page's address for each manifest in the folder now (or for the page alone when
  // there is none yet), and a hint when the page's files are missing, ready to print.
  std::string describe() const;
  // The same for manifests that are yet to be written (names relative to the folder).
  std::string describe(const std::vector<std::string>& manifests) const;

 private:
  StreamServer() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string dir_;
  std::string url_;
  std::string player_dir_;
  std::string player_hint_;
};

// Manifests at the top of `dir` a player can open: every .mpd, and every .m3u8 that is an HLS
// master playlist (media playlists are reached from it). Paths are relative to `dir`, sorted.
std::vector<std::string> find_manifests(const std::string& dir);

}  // namespace gearbox::cli
