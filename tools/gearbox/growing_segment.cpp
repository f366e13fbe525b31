#include "growing_segment.h"

#include <fcntl.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

namespace gearbox::cli {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(5);
// How long a request waits for a segment to start (a low-latency player asks at its
// availability time, which may be a few milliseconds before the first chunk is written) and
// for a started one to grow.
constexpr auto kWaitToStart = std::chrono::seconds(2);
constexpr auto kWaitToGrow = std::chrono::seconds(30);

struct OpenSegment {
  int fd = -1;
  ~OpenSegment() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void serve_growing_segments(httplib::Server& server, const std::string& dir) {
  server.Get(R"(/([A-Za-z0-9_]+-[0-9]+\.(m4s|ts)))", [dir](const httplib::Request& req, httplib::Response& res) {
    const std::string final_path = dir + "/" + req.matches[1].str();
    const char* content_type = req.matches[2].str() == "ts" ? "video/mp2t" : "video/iso.segment";
    const std::string temp_path = final_path + ".tmp";
    auto segment = std::make_shared<OpenSegment>();
    const auto give_up = Clock::now() + kWaitToStart;
    while (segment->fd < 0 && Clock::now() < give_up) {
      // The .tmp first: once renamed, the open descriptor still reads the same file.
      segment->fd = ::open(temp_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (segment->fd < 0 && fs::exists(final_path)) {
        segment->fd = ::open(final_path.c_str(), O_RDONLY | O_CLOEXEC);
      }
      if (segment->fd < 0) std::this_thread::sleep_for(kPoll);
    }
    if (segment->fd < 0) {
      res.status = 404;
      return;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_header("Access-Control-Allow-Origin", "*");
    res.set_chunked_content_provider(
        content_type, [segment, temp_path, final_path](size_t, httplib::DataSink& sink) {
          char buffer[64 * 1024];
          auto idle_since = Clock::now();
          for (;;) {
            const ssize_t n = ::read(segment->fd, buffer, sizeof buffer);
            if (n > 0) {
              if (!sink.write(buffer, static_cast<size_t>(n))) return false;
              idle_since = Clock::now();
              continue;
            }
            if (n < 0) return false;
            // At the end of what is written: complete once the .tmp is gone (renamed); one
            // more read catches bytes written just before the rename.
            if (!fs::exists(temp_path)) {
              for (;;) {
                const ssize_t rest = ::read(segment->fd, buffer, sizeof buffer);
                if (rest <= 0) break;
                if (!sink.write(buffer, static_cast<size_t>(rest))) return false;
              }
              // Renamed: complete. Gone without a final file: abandoned (an aborted stream).
              if (!fs::exists(final_path)) return false;
              sink.done();
              return true;
            }
            if (Clock::now() - idle_since > kWaitToGrow) return false;
            std::this_thread::sleep_for(kPoll);
          }
        });
  });
}

}  // namespace gearbox::cli
