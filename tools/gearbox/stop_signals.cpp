#include "stop_signals.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "gearbox/streamer.h"

namespace gearbox::cli {
namespace {

std::atomic<int> g_stop_signals{0};
void on_stop_signal(int) {
  g_stop_signals++;
}

}  // namespace

void report_failed_writes_instead_of_dying() {
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
}

void count_stop_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGHUP, on_stop_signal);
}

int stop_signals() {
  return g_stop_signals;
}

Status close_or_abort_on_stop_signal(Streamer& streamer) {
  const int seen = g_stop_signals;
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      if (g_stop_signals > seen) {
        std::fprintf(stderr, "\ngearbox stream: interrupted again; stopping at once\n");
        (void)streamer.abort();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  Status closed = streamer.close();
  done = true;
  watcher.join();
  return closed;
}

}  // namespace gearbox::cli
