// The shared state's own bookkeeping: the log, the pipeline's first error, and the staging
// folder of a URL stream that never started.
#include "stream_state.h"

#include <cstdio>

#include "output_layout.h"

namespace gearbox {

namespace {

void log_to_stderr(LogLevel level, const std::string& message) {
  if (level == LogLevel::kInfo) return;
  std::fprintf(stderr, "gearbox %s: %s\n", level == LogLevel::kError ? "error" : "warning",
               message.c_str());
}

}  // namespace

Streamer::Impl::~Impl() {
  // URL output that never opened its packager (no frame, or the first frame failed): the
  // staging folder is the packager's uploader's to remove otherwise.
  if (!packager && !paths.upload_url.empty()) packager::remove_staging(paths);
}

void Streamer::Impl::log(LogLevel level, const std::string& message) const {
  if (config.log)
    config.log(level, message);
  else
    log_to_stderr(level, message);
}

void Streamer::Impl::fail(const Status& s) {
  std::lock_guard<std::mutex> lock(error_mutex);
  if (first_error) {
    first_error = s;
    failed = true;
    log(LogLevel::kError, s.message());
  }
}

Status Streamer::Impl::current_error() {
  std::lock_guard<std::mutex> lock(error_mutex);
  return first_error;
}

}  // namespace gearbox
