#include "guarded_server.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace gearbox::cli {
namespace {

constexpr int kWriteTimeoutMs = 5000;  // a reader that takes no byte for this long is dropped
constexpr int kReadTimeoutMs = 5000;

bool wait_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, timeout_ms) > 0 && (p.revents & (events | POLLHUP | POLLERR));
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  const int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                      : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

// The connection as httplib sees it: the head the gate read comes first, then the socket.
// Bodies are refused at the gate, so httplib reads nothing past the head.
class GateStream : public httplib::Stream {
 public:
  GateStream(int fd, std::string& buffered) : fd_(fd), buffered_(buffered) {}
  bool is_readable() const override {
    return pos_ < buffered_.size() || wait_for(fd_, POLLIN, kReadTimeoutMs);
  }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, kWriteTimeoutMs); }
  ssize_t read(char* ptr, size_t size) override {
    if (pos_ < buffered_.size()) {
      const size_t n = std::min(size, buffered_.size() - pos_);
      std::memcpy(ptr, buffered_.data() + pos_, n);
      pos_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!wait_for(fd_, POLLIN, kReadTimeoutMs)) return -1;
    return ::recv(fd_, ptr, size, 0);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return ::send(fd_, ptr, size, MSG_NOSIGNAL);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(fd_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(fd_, false, ip, port);
  }
  socket_t socket() const override { return fd_; }
  std::string unread() const { return buffered_.substr(pos_); }

 private:
  int fd_;
  std::string& buffered_;
  size_t pos_ = 0;
};

// httplib's accept loop enqueues every accepted connection; this queue runs the task at once,
// on the accept thread, and the task only hands the connection to the gate.
class HandOverQueue : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

}  // namespace

GuardedServer::GuardedServer(GateSettings settings) : settings_(settings) {
  new_task_queue = [] { return new HandOverQueue(); };
  set_keep_alive_timeout(std::max<time_t>(1, settings.idle_timeout.count() / 1000));
  set_keep_alive_max_count(1000);
  set_payload_max_length(0);  // no handler reads a body; the gate refuses them anyway
  gate_ = std::make_unique<ConnectionGate>(
      settings, [this](int fd, std::string& buffered) { return serve_one(fd, buffered); });
}

GuardedServer::~GuardedServer() {
  stop();
  gate_.reset();  // before httplib's handlers go
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  gate_->admit(sock);
  return true;
}

bool GuardedServer::serve_one(int fd, std::string& buffered) {
  GateStream stream(fd, buffered);
  bool connection_closed = false;
  const bool ok = process_request(stream, false, connection_closed, [](httplib::Request& req) {
    req.ranges.clear();  // the handlers answer Range themselves, bounded (guard::decide_range)
  });
  buffered = stream.unread();
  return ok && !connection_closed;
}

}  // namespace gearbox::cli
