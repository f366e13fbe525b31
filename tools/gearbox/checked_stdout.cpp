#include "checked_stdout.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <mutex>

namespace gearbox::cli {
namespace {

std::atomic<bool> g_stdout_failed{false};
std::atomic<int> g_stdout_errno{0};
std::mutex g_stdout_mutex;

}  // namespace

void check_stdout() {
  if (std::ferror(stdout) && !g_stdout_failed.exchange(true))
    g_stdout_errno = errno ? errno : EPIPE;
}

bool stdout_failed() {
  return g_stdout_failed;
}

int stdout_errno() {
  return g_stdout_errno;
}

void print_stdout_line(const std::string& line) {
  std::lock_guard<std::mutex> lock(g_stdout_mutex);
  if (g_stdout_failed) return;
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  check_stdout();
}

}  // namespace gearbox::cli
