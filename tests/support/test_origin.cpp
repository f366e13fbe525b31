#include "test_origin.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "playlist.h"
#include "xml_query.h"

namespace gearbox::testing {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TestOrigin::TestOrigin() {
  listen_on(0);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TestOrigin::~TestOrigin() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) t.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (held_fd_ >= 0) ::close(held_fd_);
}

void TestOrigin::listen_on(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  // SO_REUSEPORT: go_down() binds a second socket to the port while connections are open.
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    throw std::runtime_error("test origin: cannot listen on port " + std::to_string(port) + ": " +
                             std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::lock_guard<std::mutex> lock(mutex_);
  listen_fd_ = fd;
  port_ = ntohs(addr.sin_port);
}

std::string TestOrigin::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/live/";
}

void TestOrigin::fail_next(int count, OriginFault fault) {
  std::lock_guard<std::mutex> lock(mutex_);
  script_.emplace_back(count, fault);
}

void TestOrigin::set_put_delay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(mutex_);
  put_delay_ = delay;
}

void TestOrigin::set_stall(std::chrono::milliseconds stall) {
  std::lock_guard<std::mutex> lock(mutex_);
  stall_ = stall;
}

void TestOrigin::go_down() {
  std::lock_guard<std::mutex> lock(mutex_);
  down_ = true;
  ++down_generation_;
  // The port stays bound but not listening, so connections are refused and no other process
  // can take the port meanwhile.
  held_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(held_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(held_fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  if (::bind(held_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("test origin: cannot hold port " + std::to_string(port_) + ": " +
                             std::strerror(errno));
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void TestOrigin::come_back() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (::listen(held_fd_, 16) != 0) {
    throw std::runtime_error("test origin: cannot listen on port " + std::to_string(port_) + ": " +
                             std::strerror(errno));
  }
  listen_fd_ = held_fd_;
  held_fd_ = -1;
  down_ = false;
}

std::vector<OriginArrival> TestOrigin::arrivals() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return arrivals_;
}

std::map<std::string, std::string> TestOrigin::files() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return files_;
}

bool TestOrigin::wait_until(const std::function<bool(const std::vector<OriginArrival>&)>& done,
                            std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return done(arrivals_); });
}

void TestOrigin::accept_loop() {
  while (!stop_) {
    int fd;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fd = listen_fd_;
    }
    if (fd < 0) {  // down
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (listen_fd_ != fd) continue;  // went down meanwhile
    const int conn = ::accept(fd, nullptr, nullptr);
    if (conn < 0) continue;
    connections_.emplace_back([this, conn] { serve(conn); });
  }
}

void TestOrigin::serve(int fd) {
  const int generation = down_generation_;
  // Reads into `buffer` until it holds `want` bytes; false when the peer closed, the origin
  // stops or goes down.
  std::string buffer;
  auto read_more = [&](size_t want) {
    char chunk[65536];
    while (buffer.size() < want) {
      if (stop_ || down_generation_ != generation) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    return true;
  };
  auto pause = [&](std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until && !stop_ && down_generation_ == generation) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return !stop_ && down_generation_ == generation;
  };
  for (;;) {
    size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more(buffer.size() + 1)) {
        ::close(fd);
        return;
      }
    }
    const std::string head = buffer.substr(0, header_end);
    buffer.erase(0, header_end + 4);
    OriginArrival a;
    a.method = head.substr(0, head.find(' '));
    const size_t path_start = head.find(' ') + 1;
    std::string path = head.substr(path_start, head.find(' ', path_start) - path_start);
    a.name = path.rfind("/live/", 0) == 0 ? path.substr(6) : path;
    size_t length = 0;
    const std::string lower_head = lower(head);
    const size_t cl = lower_head.find("\r\ncontent-length:");
    if (cl != std::string::npos) length = std::stoul(head.substr(cl + 17));
    std::optional<OriginFault> fault;
    std::chrono::milliseconds put_delay, stall;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& [name, body] : files_) a.held.insert(name);
      if (!script_.empty()) {
        fault = script_.front().second;
        if (--script_.front().first <= 0) script_.erase(script_.begin());
      }
      put_delay = put_delay_;
      stall = stall_;
    }
    const bool whole = read_more(fault == OriginFault::kDrop ? length / 2 : length);
    a.body = buffer.substr(0, std::min(buffer.size(), length));
    buffer.erase(0, std::min(buffer.size(), length));
    std::string answer;
    if (!whole || fault == OriginFault::kDrop) {
      a.status = 0;
    } else if (fault == OriginFault::kStall) {
      // Recorded as it arrives: the client gives up long before the stall ends.
      {
        std::lock_guard<std::mutex> lock(mutex_);
        arrivals_.push_back(a);
      }
      arrived_.notify_all();
      pause(stall);
      ::close(fd);
      return;
    } else if (fault == OriginFault::kStatus500) {
      a.status = 500;
      answer = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
    } else if (fault == OriginFault::kStatus403) {
      a.status = 403;
      answer = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
    } else if (a.method == "PUT") {
      if (put_delay.count() > 0 && !pause(put_delay)) {
        a.status = 0;
      } else {
        a.status = 201;
        answer = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
      }
    } else if (a.method == "DELETE") {
      a.status = 204;
      answer = "HTTP/1.1 204 No Content\r\n\r\n";
    } else {
      a.status = 405;
      answer = "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n";
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // Stored before the answer leaves: once the client has its 2xx, the file is there.
      if (a.status == 201) files_[a.name] = a.body;
      if (a.status == 204) files_.erase(a.name);
      arrivals_.push_back(a);
    }
    arrived_.notify_all();
    if (answer.empty()) {
      ::close(fd);
      return;
    }
    ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
  }
}

std::vector<std::string> files_listed_by(const std::string& name, const std::string& body) {
  std::vector<std::string> out;
  if (ends_with(name, ".m3u8")) {
    for (const std::string& line : lines_of(body)) {
      const size_t map = line.find("#EXT-X-MAP:URI=\"");
      if (map != std::string::npos)
        out.push_back(line.substr(map + 16, line.find('"', map + 16) - map - 16));
    }
    for (const std::string& uri : uris(body)) out.push_back(uri);
  } else if (ends_with(name, ".mpd")) {
    XmlQuery mpd(body);
    if (!mpd.ok()) return {"(an MPD that does not parse)"};
    out.push_back("v0-init.mp4");
    for (int64_t n : listed_segment_numbers(mpd)) out.push_back("v0-" + std::to_string(n) + ".m4s");
  }
  return out;
}

}  // namespace gearbox::testing
