#include "http_server.h"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "growing_segment.h"
#include "guarded_server.h"
#include "json_writer.h"
#include "request_guard.h"
#include "static_files.h"

namespace gearbox::cli {
namespace fs = std::filesystem;
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The page and both players must be there; the players come from npm (tools/player).
bool player_complete(const fs::path& dir) {
  for (const char* f : {"index.html", "player.js", "dash.all.min.js", "hls.min.js"}) {
    if (!fs::is_regular_file(dir / f)) return false;
  }
  return true;
}

// Installed, the page is in share/gearbox/player beside bin/ (GEARBOX_PLAYER_FROM_BIN, from
// CMake's install folders, relative to the executable so the installed tree can move); in the
// build tree, the build stages it into build/player, beside build/tools/ that holds the
// executable (see tools/player/stage.cmake). The first complete one is used; with neither, the
// build tree's is named in the hint.
std::string default_player_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path installed = (exe.parent_path() / GEARBOX_PLAYER_FROM_BIN).lexically_normal();
  if (player_complete(installed)) return installed.string();
  const fs::path build_tree = exe.parent_path().parent_path() / "player";
  if (!player_complete(build_tree) && fs::is_directory(installed, ec)) return installed.string();
  return build_tree.string();
}

bool is_hls_master(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(64 * 1024, '\0');
  in.read(&head[0], static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head.find("#EXT-X-STREAM-INF") != std::string::npos;
}

std::string kind_of(const std::string& manifest) {
  return ends_with(manifest, ".mpd") ? "dash" : "hls";
}

// httplib's default also sets SO_REUSEPORT, which lets a second server bind a port already in
// use without an error; a busy port must be reported instead.
void reuse_address_only(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

std::string bind_error(const ServeOptions& o, int err) {
  std::string where = o.host + ":" + std::to_string(o.port);
  addrinfo hints{};
  hints.ai_flags = AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(o.host.c_str(), nullptr, &hints, &found)) {
    return "host \"" + o.host + "\" is not an address gearbox can listen on (" + gai_strerror(rc) +
           ")";
  }
  freeaddrinfo(found);
  if (err == EADDRINUSE) {
    return "port " + std::to_string(o.port) + " on " + o.host +
           " is already in use (choose another --port, or --port 0 for any free one)";
  }
  if (err == EADDRNOTAVAIL || err == 0) {
    return "host \"" + o.host + "\" is not an address of this machine (cannot listen on " + where +
           ")";
  }
  if (err == EACCES) {
    return "cannot listen on " + where + ": permission denied (ports below 1024 need root)";
  }
  return "cannot listen on " + where + ": " + std::strerror(err);
}

}  // namespace

std::vector<std::string> find_manifests(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    std::string name = entry.path().filename().string();
    if (ends_with(name, ".mpd") || (ends_with(name, ".m3u8") && is_hls_master(entry.path()))) {
      out.push_back(name);
    }
  }
  // DASH first, then HLS; by name within each.
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    bool da = ends_with(a, ".mpd"), db = ends_with(b, ".mpd");
    return da != db ? da : a < b;
  });
  return out;
}

struct StreamServer::Impl {
  explicit Impl(GateSettings settings) : server(settings) {}
  GuardedServer server;
  std::thread thread;
};

namespace {

// GET/HEAD for the files below `root` (a realpath): the path httplib decoded is checked again
// (the gate checked the raw target), then the file is opened safely and streamed.
httplib::Server::Handler file_handler(const std::string& root, size_t prefix, bool cross_origin) {
  return [root, prefix, cross_origin](const httplib::Request& req, httplib::Response& res) {
    const guard::Verdict verdict = guard::check_path(req.path);
    if (!verdict.ok()) {
      res.status = verdict.status;
      res.set_content(std::to_string(verdict.status) + ": " + verdict.reason + "\n", "text/plain");
      return;
    }
    std::string relative = req.path.substr(prefix);
    if (relative.empty() || relative.back() == '/') relative += "index.html";
    // Manifests are rewritten while a stream is written, and the page changes with a rebuild:
    // a cached copy would freeze a live stream or show an old page.
    if (ends_with(relative, ".mpd") || ends_with(relative, ".m3u8") ||
        ends_with(relative, ".html")) {
      res.set_header("Cache-Control", "no-store");
    }
    // Players on another origin (a hosted dash.js or hls.js demo page) may read the stream too.
    if (cross_origin) res.set_header("Access-Control-Allow-Origin", "*");
    std::shared_ptr<OpenFile> file;
    switch (open_below(root, relative, file)) {
      case OpenStatus::kOpened:
        return respond_with_file(file, req, res, content_type_for(relative));
      case OpenStatus::kMissing: res.status = 404; return;
      case OpenStatus::kRefused:
        res.status = 404;
        res.set_content("404: " + req.path + " is not a regular file in the served folder\n",
                        "text/plain");
        return;
    }
  };
}

std::string real_path(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::canonical(dir, ec);
  return ec ? fs::absolute(dir, ec).lexically_normal().string() : p.string();
}

}  // namespace

Result<std::unique_ptr<StreamServer>> StreamServer::start(const ServeOptions& o) {
  std::error_code ec;
  if (!fs::is_directory(o.dir, ec)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "dir: \"" + o.dir + "\" " +
                          (fs::exists(o.dir, ec) ? "is not a directory" : "does not exist"));
  }
  if (o.port < 0 || o.port > 65535) {
    return make_error(ErrorCode::kInvalidArgument,
                      "port: " + std::to_string(o.port) + " is not in 0-65535");
  }
  std::unique_ptr<StreamServer> s(new StreamServer());
  GateSettings gate;
  gate.header_timeout = std::chrono::milliseconds(o.header_timeout_ms);
  gate.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
  gate.max_connections = static_cast<size_t>(std::max(1, o.max_connections));
  // Low-latency players hold a connection per segment in progress for up to a segment's
  // duration; fewer workers would queue the manifests behind them.
  gate.workers = 32;
  s->impl_ = std::make_unique<Impl>(gate);
  s->dir_ = real_path(o.dir);
  httplib::Server& svr = s->impl_->server;

  std::string player = o.player_dir.empty() ? default_player_dir() : o.player_dir;
  if (!o.player_dir.empty() && !fs::is_directory(player, ec)) {
    return make_error(ErrorCode::kInvalidArgument, "player-dir: \"" + player + "\" does not exist");
  }
  if (!player.empty() && player_complete(player)) {
    s->player_dir_ = real_path(player);
  } else {
    s->player_hint_ =
        "the player page is not in \"" + player +
        "\": run tools/setup.sh (npm ci in tools/player) and rebuild, or pass --player-dir";
  }
  const std::string dir = s->dir_;
  svr.Get("/player/manifests.json", [dir](const httplib::Request&, httplib::Response& res) {
    JsonWriter body(JsonWriter::Style::kSpaced);
    body.begin_object().key("manifests").begin_array();
    for (const std::string& found : find_manifests(dir)) {
      body.begin_object()
          .key("path")
          .string("/" + found)
          .key("kind")
          .string(kind_of(found))
          .end_object();
    }
    body.end_array().end_object();
    res.set_header("Cache-Control", "no-store");
    res.set_content(body.str() + "\n", "application/json");
  });
  const bool has_player = !s->player_dir_.empty();
  const std::string hint = s->player_hint_;
  svr.Get("/", [has_player](const httplib::Request&, httplib::Response& res) {
    if (has_player) {
      res.set_redirect("/player/");
    } else {
      res.status = 404;
      res.set_content(
          "no player page here; the stream's manifests are at /manifest.mpd and /master.m3u8\n",
          "text/plain");
    }
  });
  svr.Get("/player",
          [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/player/"); });
  if (!has_player) {
    svr.Get(R"(/player/.*)", [hint](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content(hint + "\n", "text/plain");
    });
  } else {
    svr.Get(R"(/player/.*)", file_handler(s->player_dir_, std::string("/player/").size(), false));
  }
  // The page's routes first: its files win over the folder's.
  serve_growing_segments(svr, dir);
  svr.Get(R"(/.*)", file_handler(dir, 1, true));
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty())
      res.set_content(std::to_string(res.status) + ": " + req.path + "\n", "text/plain");
  });
  if (o.verbose) {
    svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "gearbox serve: %s %s %d\n", req.method.c_str(), req.path.c_str(),
                   res.status);
    });
  }
  svr.set_socket_options(reuse_address_only);
  std::signal(SIGPIPE, SIG_IGN);  // a player closing a connection mid-reply must not end gearbox

  errno = 0;
  int port = o.port;
  if (port == 0) {
    port = svr.bind_to_any_port(o.host);
    if (port < 0) return make_error(ErrorCode::kUnavailable, bind_error(o, errno));
  } else if (!svr.bind_to_port(o.host, port)) {
    return make_error(ErrorCode::kUnavailable, bind_error(o, errno));
  }
  const bool v6 = o.host.find(':') != std::string::npos;
  s->url_ = "http://" + (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(port) + "/";

  s->impl_->thread = std::thread([&svr] { svr.listen_after_bind(); });
  // stop() before the accept loop runs would be missed and leave the thread running.
  for (int i = 0; i < 200 && !svr.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return s;
}

StreamServer::~StreamServer() {
  if (!impl_) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string StreamServer::describe() const {
  return describe(find_manifests(dir_));
}

std::string StreamServer::describe(const std::vector<std::string>& found) const {
  std::string out;
  if (player_dir_.empty()) {
    out += "player page: not available; " + player_hint_ + "\n";
    for (const std::string& m : found) out += "  " + url_ + m + "\n";
    return out;
  }
  if (found.empty()) {
    return "watch: " + url_ + "player/  (the page finds the manifests once they are written)\n";
  }
  for (const std::string& m : found) {
    out += "watch: " + url_ + "player/?src=/" + m + "  (" +
           (kind_of(m) == "dash" ? "DASH, dash.js" : "HLS, hls.js") + ")\n";
  }
  return out;
}

}  // namespace gearbox::cli
