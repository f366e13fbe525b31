// An HTTP origin for URL-output tests, on raw sockets so that it can misbehave the way real
// origins do: answer 500, drop the connection in the middle of a request, stall, be slow, go
// down (port closed) and come back. It records every request in the order it arrived, with the
// set of files it held at that moment, so a test can check what each manifest found there.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace gearbox::testing {

enum class OriginFault {
  kStatus500,  // the whole request is read, then answered 500
  kStatus403,  // the whole request is read, then answered 403 (a refusal for good)
  kDrop,       // half the body is read, then the connection is closed without an answer
  kStall,  // the request is read, then nothing is answered for stall(); then the connection closes
};

struct OriginArrival {
  std::string method;          // "PUT" or "DELETE"
  std::string name;            // the path below /live/
  std::string body;            // PUT: the body as far as it arrived
  int status = 0;              // what was answered; 0: nothing (dropped or stalled)
  std::set<std::string> held;  // the files the origin held (complete) when the request arrived
};

class TestOrigin {
 public:
  TestOrigin();  // listens on 127.0.0.1, on a free port
  ~TestOrigin();
  TestOrigin(const TestOrigin&) = delete;
  TestOrigin& operator=(const TestOrigin&) = delete;

  std::string url() const;  // "http://127.0.0.1:PORT/live/"

  // Scripting. The next `count` requests (PUT or DELETE) get `fault`.
  void fail_next(int count, OriginFault fault);
  // Every PUT is answered this long after its body arrived (a slow origin).
  void set_put_delay(std::chrono::milliseconds delay);
  void set_stall(std::chrono::milliseconds stall);
  // Closes the listening socket and every connection: connections are refused until come_back().
  void go_down();
  void come_back();  // listens again on the same port

  std::vector<OriginArrival> arrivals() const;
  std::map<std::string, std::string> files() const;  // what the origin holds now, by name
  // Waits until `done(arrivals)` holds or `timeout` passed; whether it holds.
  bool wait_until(const std::function<bool(const std::vector<OriginArrival>&)>& done,
                  std::chrono::milliseconds timeout) const;

 private:
  void listen_on(int port);
  void accept_loop();
  void serve(int fd);

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  int listen_fd_ = -1;
  int held_fd_ = -1;  // while down: the port, bound and not listening
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> down_generation_{
      0};  // bumped by go_down(): connections of older generations close
  std::atomic<bool> down_{false};
  std::vector<std::pair<int, OriginFault>> script_;  // (remaining count, fault)
  std::chrono::milliseconds put_delay_{0};
  std::chrono::milliseconds stall_{std::chrono::seconds(10)};
  std::vector<OriginArrival> arrivals_;
  std::map<std::string, std::string> files_;
  std::thread acceptor_;
  std::vector<std::thread> connections_;
};

// The files a manifest lists: an HLS playlist's URIs and EXT-X-MAP, or for a DASH MPD the
// first Representation's initialization and numbered media segments (SegmentTemplate names
// "v0-init.mp4" and "v0-N.m4s", as gearbox writes them for rendition v0).
std::vector<std::string> files_listed_by(const std::string& name, const std::string& body);

}  // namespace gearbox::testing
