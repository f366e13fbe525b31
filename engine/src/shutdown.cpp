// Shutdown: close() (the encoders drain, the last segments and the final manifests, within
// close_timeout_seconds), abort(), and the termination both fall back on when the pipeline must
// stop without finishing.
#include <algorithm>
#include <string>

#include "stream_state.h"

namespace gearbox {

Status Streamer::close() {
  Impl& d = *impl_;
  d.closed = true;
  if (d.closing.exchange(true)) return d.current_error();
  if (!d.started) {
    d.log(LogLevel::kWarning, "close: no frame was pushed; nothing was written");
    return {};
  }
  return d.finish();
}

Status Streamer::abort() {
  Impl& d = *impl_;
  d.closed = true;
  if (!d.started) {
    d.closing = true;
    return {};
  }
  d.aborting = true;
  if (d.audio) d.audio->abort();
  d.source_queue->close();
  for (auto& q : d.encode_queues) q->close();
  // A close() in progress sees `aborting` and writes the final manifests itself.
  if (d.closing.exchange(true)) return {};
  return d.terminate(std::chrono::steady_clock::now() + std::chrono::seconds(2), ErrorCode::kClosed,
                     "abort: stopped without encoding the frames still queued");
}

Status Streamer::Impl::finish() {
  if (!started) return {};
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(config.close_timeout_seconds));
  source_queue->close();
  // The whole flush (encoders draining, last segments, final manifests) runs on a thread of
  // its own, so a hang anywhere in it cannot hold close() past the deadline.
  std::thread flusher = start_other_thread([this, deadline] {
    threads.wait_for_pipeline();
    if (aborting) return;
    // The audio track is completed to the video's end first (its thread stops), then every
    // track's last segment is cut there.
    if (audio) {
      Status a = audio->finish(end_ticks());
      if (!a) fail(a);
    }
    // Whatever was accepted and encoded is packaged and listed, even after a failure.
    // URL output: the upload gets what is left of the deadline, less a margin for the
    // flush to return before close() stops waiting for it.
    const auto margin = std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(500), (deadline - std::chrono::steady_clock::now()) / 4);
    Status s = packager->finish(end_ticks(), deadline - margin);
    packager_finish = s;
    if (!s) fail(s);
  });
  if (threads.wait_for_all(deadline)) {
    flusher.join();
    threads.join_or_detach_pipeline(true);
    // abort() during close(): it stopped the pipeline; list what is complete.
    if (aborting)
      return terminate(deadline, ErrorCode::kClosed,
                       "abort: stopped without encoding the frames still queued");
    return error_with_final_manifests();
  }
  flusher.detach();
  std::string hung;
  for (size_t i = 0; i < encode_queues.size(); ++i) {
    if (encode_queues[i]->size() > 0) hung += (hung.empty() ? "" : ", ") + ladder[i].id;
  }
  return terminate(std::chrono::steady_clock::now() + std::chrono::seconds(1), ErrorCode::kTimeout,
                   "close: the pipeline did not finish within close_timeout_seconds = " +
                       std::to_string(config.close_timeout_seconds) +
                       (hung.empty() ? std::string(" (the last segments or manifests hung)")
                                     : " (renditions " + hung + " still had frames queued)"));
}

Status Streamer::Impl::error_with_final_manifests() {
  Status error = current_error();
  if (error) return error;
  std::string message = error.message();
  if (packager_finish) {
    std::vector<int64_t> counts = packager->segments_written();
    const int64_t complete = counts.empty() ? 0 : *std::min_element(counts.begin(), counts.end());
    message += "; the final manifests list the " + std::to_string(complete) +
               " segments complete in every rendition";
  } else if (packager_finish.message() != message) {
    message += "; the final manifests were not written: " + packager_finish.message();
  }
  return make_error(error.code(), message);
}

Status Streamer::Impl::terminate(std::chrono::steady_clock::time_point deadline,
                                 ErrorCode code,
                                 const std::string& why) {
  aborting = true;
  if (audio) audio->abort();
  source_queue->close();
  for (auto& q : encode_queues) q->close();
  // Threads still blocked somewhere (a disk, a callback) by the deadline are left behind,
  // holding the Impl alive.
  threads.join_or_detach_pipeline(threads.wait_for_all(deadline));
  Status listed = packager->finish_now();
  std::string message = why;
  if (listed) {
    std::vector<int64_t> counts = packager->segments_written();
    const int64_t complete = counts.empty() ? 0 : *std::min_element(counts.begin(), counts.end());
    message += "; the final manifests list the " + std::to_string(complete) +
               " segments complete in every rendition";
  } else {
    message += "; " + listed.message();
  }
  Status sent = packager->stop_upload();  // URL output: no more waiting for the origin
  if (!sent) message += "; " + sent.message();
  Status s = make_error(code, message);
  log(LogLevel::kWarning, message);
  return s;
}

}  // namespace gearbox
