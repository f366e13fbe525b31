#include "growing_segment.h"

#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <thread>

#include "static_files.h"

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
// A segment is only waited for while a stream writes its representation: the segment before
// it (the init segment before the first) is being written, or was written this recently.
constexpr time_t kRecentSeconds = 10;
// And by a few requests at a time: the rest are answered 404 at once, so that requests for
// segments that will not come cannot hold the workers.
constexpr int kMaxWaiting = 8;
std::atomic<int> g_waiting{0};

class WaitSlot {
 public:
  bool take() {
    if (taken_) return true;
    if (g_waiting.fetch_add(1) >= kMaxWaiting) {
      g_waiting.fetch_sub(1);
      return false;
    }
    taken_ = true;
    return true;
  }
  ~WaitSlot() {
    if (taken_) g_waiting.fetch_sub(1);
  }

 private:
  bool taken_ = false;
};

bool written_recently(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         std::time(nullptr) - st.st_mtime <= kRecentSeconds;
}

bool segment_expected(const std::string& dir,
                      const std::string& rep,
                      unsigned long number,
                      const std::string& ext) {
  const std::string before =
      dir + "/" +
      (number <= 1 ? rep + "-init.mp4" : rep + "-" + std::to_string(number - 1) + "." + ext);
  return written_recently(before + ".tmp") || written_recently(before);
}

}  // namespace

void serve_growing_segments(httplib::Server& server, const std::string& dir) {
  server.Get(R"(/([A-Za-z0-9_]+)-([0-9]{1,9})\.(m4s|ts))", [dir](const httplib::Request& req,
                                                                 httplib::Response& res) {
    const std::string rep = req.matches[1].str(), ext = req.matches[3].str();
    const std::string name = rep + "-" + req.matches[2].str() + "." + ext;
    const std::string content_type = content_type_for(name);
    res.set_header("Access-Control-Allow-Origin", "*");
    std::shared_ptr<OpenFile> segment;
    WaitSlot slot;
    const auto give_up = Clock::now() + kWaitToStart;
    for (;;) {
      // Complete: a file like any other (Content-Length, ranges).
      OpenStatus status = open_below(dir, name, segment);
      if (status == OpenStatus::kOpened) return respond_with_file(segment, req, res, content_type);
      if (status == OpenStatus::kRefused) break;
      // Being written: once renamed, the open descriptor still reads the same file.
      status = open_below(dir, name + ".tmp", segment);
      if (status == OpenStatus::kOpened) break;
      if (status == OpenStatus::kRefused) break;
      if (Clock::now() >= give_up ||
          !segment_expected(dir, rep, std::stoul(req.matches[2].str()), ext) || !slot.take()) {
        break;
      }
      std::this_thread::sleep_for(kPoll);
    }
    if (!segment) {
      res.status = 404;
      return;
    }
    const std::string temp_path = dir + "/" + name + ".tmp";
    const std::string final_path = dir + "/" + name;
    res.set_header("Cache-Control", "no-store");
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
