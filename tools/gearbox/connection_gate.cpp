#include "connection_gate.h"

#include <httplib.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "request_guard.h"

namespace gearbox::cli {
namespace {

using Clock = std::chrono::steady_clock;

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

}  // namespace

void send_refusal(int fd, int status, const std::string& reason) {
  const std::string body = std::to_string(status) + ": " + reason + "\n";
  std::string reply =
      "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n";
  if (status == 405) reply += "Allow: GET, HEAD, OPTIONS\r\n";
  reply += "\r\n" + body;
  // A few hundred bytes into an empty send buffer: never blocks; a client that does not read
  // them loses them.
  (void)!::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
}

ConnectionGate::ConnectionGate(GateSettings settings, Serve serve)
    : settings_(settings),
      serve_(std::move(serve)),
      workers_(new httplib::ThreadPool(settings.workers)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
}

ConnectionGate::~ConnectionGate() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  thread_.join();
  workers_->shutdown();  // requests in service end; their connections are closed, not handed back
  ::close(wake_fd_);
}

void ConnectionGate::admit(int fd) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_ && open_ < settings_.max_connections) {
      ++open_;
      incoming_.push_back({fd, {}, Clock::now() + settings_.header_timeout, false});
      fd = -1;
    }
  }
  if (fd >= 0) {
    send_refusal(
        fd, 503,
        "connections: more than " + std::to_string(settings_.max_connections) + " open at once");
    ::close(fd);
    return;
  }
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void ConnectionGate::hand_over(int fd, std::string buffered, bool between_requests) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_) {
      // Bytes of a next (pipelined) request already there: its head is due within the header
      // timeout; otherwise the connection may idle for the idle timeout.
      const bool idle = between_requests && buffered.empty();
      incoming_.push_back(
          {fd, std::move(buffered),
           Clock::now() + (idle ? settings_.idle_timeout : settings_.header_timeout), idle});
      fd = -1;
    }
  }
  if (fd >= 0) {
    close_connection(fd);
    return;
  }
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void ConnectionGate::close_connection(int fd) {
  ::close(fd);
  std::lock_guard<std::mutex> lock(mutex_);
  --open_;
}

bool ConnectionGate::advance(Waiting& w) {
  const guard::HeadScan scan = guard::scan_head(w.buffered);
  if (scan.state == guard::HeadState::kIncomplete) return true;
  if (scan.state == guard::HeadState::kTooLarge) {
    send_refusal(w.fd, 431,
                 "request head: more than " + std::to_string(guard::kMaxHeadBytes) + " bytes");
    close_connection(w.fd);
    return false;
  }
  const guard::Verdict verdict =
      guard::check_head(std::string_view(w.buffered).substr(0, scan.length));
  if (!verdict.ok()) {
    send_refusal(w.fd, verdict.status, verdict.reason);
    close_connection(w.fd);
    return false;
  }
  const int fd = w.fd;
  workers_->enqueue([this, fd, buffered = std::move(w.buffered)]() mutable {
    if (serve_(fd, buffered)) {
      hand_over(fd, std::move(buffered), true);
    } else {
      close_connection(fd);
    }
  });
  return false;
}

void ConnectionGate::run() {
  std::vector<Waiting> waiting;
  std::vector<pollfd> fds;
  char buffer[guard::kMaxHeadBytes + 1];
  for (;;) {
    std::vector<Waiting> arrived;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) break;
      arrived.swap(incoming_);
    }
    for (Waiting& w : arrived) {
      // What came with a connection handed back (a pipelined request) may be complete already.
      if (w.buffered.empty() || advance(w)) waiting.push_back(std::move(w));
    }

    fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
    auto next_deadline = Clock::now() + std::chrono::seconds(1);
    for (const Waiting& w : waiting) {
      fds.push_back(pollfd{w.fd, POLLIN, 0});
      next_deadline = std::min(next_deadline, w.deadline);
    }
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_deadline - Clock::now());
    const int rc =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(0, wait.count() + 1)));
    if (rc < 0 && errno != EINTR) break;
    if (fds[0].revents) {
      uint64_t count;
      (void)!::read(wake_fd_, &count, sizeof count);
    }

    const auto now = Clock::now();
    std::vector<Waiting> still;
    still.reserve(waiting.size());
    for (size_t i = 0; i < waiting.size(); ++i) {
      Waiting& w = waiting[i];
      if (fds[i + 1].revents) {
        const size_t room =
            guard::kMaxHeadBytes + 1 - std::min(w.buffered.size(), guard::kMaxHeadBytes);
        const ssize_t n = ::recv(w.fd, buffer, room, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          close_connection(w.fd);  // the client went away
          continue;
        }
        if (n > 0) {
          w.buffered.append(buffer, static_cast<size_t>(n));
          if (w.between_requests) {
            w.between_requests = false;
            w.deadline = now + settings_.header_timeout;
          }
          if (!advance(w)) continue;
        }
      }
      if (now >= w.deadline) {
        // An idle kept-alive connection just ends; a head that is too slow is told why.
        if (!w.between_requests) {
          send_refusal(w.fd, 408,
                       "request head: not complete within " +
                           std::to_string(settings_.header_timeout.count()) + " ms");
        }
        close_connection(w.fd);
        continue;
      }
      still.push_back(std::move(w));
    }
    waiting.swap(still);
  }
  for (Waiting& w : waiting) close_connection(w.fd);
  std::lock_guard<std::mutex> lock(mutex_);
  for (Waiting& w : incoming_) {
    ::close(w.fd);
    --open_;
  }
  incoming_.clear();
}

}  // namespace gearbox::cli
