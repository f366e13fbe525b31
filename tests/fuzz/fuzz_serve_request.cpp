// libFuzzer target for what a client sends to `gearbox serve`: the input is the raw request
// (request line, headers, anything after). It goes through the pure checks the server makes
// (request_guard.h), with their invariants asserted, and then over a socket to a live
// in-process StreamServer serving a folder that holds a symlink out of it and a .tmp file;
// a reply that carries either file's bytes, or no reply at all, is a finding.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utime.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "gearbox/http_server.h"
#include "gearbox/request_guard.h"

namespace {

namespace fs = std::filesystem;
namespace guard = gearbox::cli::guard;

constexpr char kSecret[] = "GEARBOX-FUZZ-SECRET";
constexpr char kPartial[] = "GEARBOX-FUZZ-PARTIAL";

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_serve_request: %s\n", what);
    std::abort();
  }
}

void write_old_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  // Old: no segment here looks like one a stream is writing, so none is waited for.
  utimbuf t{1000000000, 1000000000};
  ::utime(path.c_str(), &t);
}

struct LiveServer {
  std::unique_ptr<gearbox::cli::StreamServer> server;
  int port = 0;
  fs::path root;
  LiveServer() {
    root = fs::temp_directory_path() / ("gearbox-fuzz-serve-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "out" / "d");
    write_old_file(root / "secret.txt", kSecret);
    write_old_file(root / "out" / "manifest.mpd", "<MPD/>\n");
    write_old_file(root / "out" / "a0-init.mp4", std::string(3000, 'i'));
    write_old_file(root / "out" / "a0-1.m4s", std::string(5000, 's'));
    write_old_file(root / "out" / "notes.txt.tmp", kPartial);
    fs::create_symlink(root / "secret.txt", root / "out" / "leak.txt");
    fs::create_directory_symlink(root, root / "out" / "up");
    gearbox::cli::ServeOptions o;
    o.dir = (root / "out").string();
    o.port = 0;
    o.player_dir = (root / "out" / "d").string();
    o.header_timeout_ms = 500;
    o.idle_timeout_ms = 500;
    auto s = gearbox::cli::StreamServer::start(o);
    check(bool(s), "the server did not start");
    server = std::move(*s);
    port = std::stoi(server->url().substr(server->url().rfind(':') + 1));
  }
  ~LiveServer() {
    server.reset();
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

// A connection to the live server. libFuzzer's -timeout alarm (SIGALRM every second, installed
// without SA_RESTART) can interrupt a connect() that waits for the server's accept queue: the
// connection then completes on its own, so wait for it rather than call that a refusal. Local
// ports in short supply (EADDRNOTAVAIL, other tests' TIME_WAIT) are waited out for a while;
// anything else, a refusal above all, is the server's failure and stops the fuzzer with errno.
int connect_to(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int error = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    check(fd >= 0, "cannot make a socket");
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    error = errno;
    if (error == EINTR) {
      pollfd p{fd, POLLOUT, 0};
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (::poll(&p, 1, 100) <= 0 && std::chrono::steady_clock::now() < deadline) {
      }
      socklen_t length = sizeof error;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0 &&
          (p.revents & POLLOUT)) {
        return fd;
      }
    }
    ::close(fd);
    if (error != EADDRNOTAVAIL && error != EAGAIN && error != EINTR) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::fprintf(stderr, "fuzz_serve_request: cannot connect: %s\n", std::strerror(error));
  std::abort();
}

// Sends the bytes, ends the sending side, and reads until the server closes.
std::string exchange(int port, std::string_view request) {
  const int fd = connect_to(port);
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  std::string reply;
  char buffer[16384];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool closed = false;
  while (std::chrono::steady_clock::now() < deadline && reply.size() < (1 << 20)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;  // the -timeout alarm, as above
    if (n <= 0) {
      closed = true;
      break;
    }
    reply.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  check(closed, "the server kept a connection whose client had finished for 5 s");
  return reply;
}

void check_pure(std::string_view in) {
  const guard::HeadScan scan = guard::scan_head(in);
  if (scan.state == guard::HeadState::kComplete) {
    check(scan.length <= guard::kMaxHeadBytes && scan.length <= in.size(),
          "head length out of bounds");
    const guard::Verdict v = guard::check_head(in.substr(0, scan.length));
    check(v.ok() || (v.status >= 400 && v.status < 600 && !v.reason.empty()),
          "a refusal without a status or reason");
  }
  if (const auto path = guard::decode_path(in)) {
    check(path->find('\0') == std::string::npos, "a decoded path holds NUL");
    if (guard::check_path(*path).ok()) {
      // Every segment of an accepted path: no leading dot, no .tmp file.
      size_t start = 0;
      while (start <= path->size()) {
        size_t end = path->find('/', start);
        if (end == std::string::npos) end = path->size();
        const std::string_view segment = std::string_view(*path).substr(start, end - start);
        check(segment.empty() || segment[0] != '.', "check_path let a dot segment through");
        check(segment.size() < 4 || segment.substr(segment.size() - 4) != ".tmp",
              "check_path let a .tmp file through");
        start = end + 1;
      }
    }
  }
  // The first 4 bytes choose the file size; the rest is a Range header value.
  if (in.size() >= 4) {
    const uint64_t size = (static_cast<uint64_t>(static_cast<unsigned char>(in[0])) << 24 |
                           static_cast<uint64_t>(static_cast<unsigned char>(in[1])) << 16 |
                           static_cast<uint64_t>(static_cast<unsigned char>(in[2])) << 8 |
                           static_cast<unsigned char>(in[3]));
    const guard::RangeDecision d = guard::decide_range(in.substr(4), size);
    if (d.kind == guard::RangeKind::kPartial) {
      check(d.range.first <= d.range.last && d.range.last < size, "a range outside the file");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static LiveServer live;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  check_pure(in);
  // Every connection the server closes stays in TIME_WAIT for a minute and holds one of the
  // ~28000 local ports, so at thousands of inputs a second the ports run out and connect()
  // fails. The pure checks above see every input; the live server one input every 5 ms at
  // most (200 a second: the ports last longer than TIME_WAIT). An input run on its own, as
  // when a finding is reproduced, always reaches the server.
  using Clock = std::chrono::steady_clock;
  static Clock::time_point last_live{};
  if (Clock::now() - last_live < std::chrono::milliseconds(5)) return 0;
  last_live = Clock::now();
  const std::string reply = exchange(live.port, in);
  // Refusals quote the path: a marker the request itself carries proves nothing.
  const auto leaked = [&](const char* marker) {
    return reply.find(marker) != std::string::npos && in.find(marker) == std::string_view::npos;
  };
  check(!leaked(kSecret), "a file outside the folder was served");
  check(!leaked(kPartial), "a .tmp file was served");
  check(reply.empty() || reply.rfind("HTTP/1.1 ", 0) == 0, "a reply that is not HTTP/1.1");
  return 0;
}
