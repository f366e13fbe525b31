// The front of `gearbox serve`: one thread holds every connection until its request head has
// arrived whole, and only then hands it to a worker. A client that is slow to send its head
// (or that keeps an idle connection open) costs a file descriptor and at most
// guard::kMaxHeadBytes of memory, never a worker, so 40 slow clients cannot block everyone: a
// head that is not complete within the header timeout is answered 408, a kept-alive connection
// idle for the idle timeout is closed, and there are at most max_connections at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class ThreadPool;
}

namespace gearbox::cli {

struct GateSettings {
  std::chrono::milliseconds header_timeout{
      10000};  // from accept (or the first byte of a next request)
  std::chrono::milliseconds idle_timeout{5000};  // a kept-alive connection between requests
  size_t max_connections = 512;                  // waiting and in service together
  size_t workers = 32;
};

class ConnectionGate {
 public:
  // Runs on a worker for each complete, accepted head: `buffered` holds the head and whatever
  // followed it; on return it holds what was not consumed. True: keep the connection for the
  // next request; false: the gate closes it.
  using Serve = std::function<bool(int fd, std::string& buffered)>;

  ConnectionGate(GateSettings settings, Serve serve);
  ~ConnectionGate();  // closes the connections it holds; waits for requests in service
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  void admit(int fd);  // a newly accepted connection; the gate owns it from now on

 private:
  struct Waiting {
    int fd = -1;
    std::string buffered;
    std::chrono::steady_clock::time_point deadline;
    bool between_requests = false;  // kept alive, no byte of the next request yet
  };
  void hand_over(int fd, std::string buffered, bool between_requests);
  void run();
  // False: the connection was answered and closed, or handed to a worker.
  bool advance(Waiting& w);
  void close_connection(int fd);

  const GateSettings settings_;
  const Serve serve_;
  std::unique_ptr<httplib::ThreadPool> workers_;
  int wake_fd_ = -1;
  std::mutex mutex_;
  std::vector<Waiting> incoming_;  // under mutex_
  size_t open_ = 0;                // under mutex_: connections the gate owns
  bool stopping_ = false;          // under mutex_
  std::thread thread_;
};

// Writes a complete small reply (status line, text body naming the reason, Connection: close)
// without blocking; for refusals sent before any handler runs.
void send_refusal(int fd, int status, const std::string& reason);

}  // namespace gearbox::cli
