#include "stream_loop.h"

#include <cstdio>
#include <thread>

#include "checked_stdout.h"
#include "gearbox/streamer.h"
#include "progress_line.h"
#include "stop_signals.h"
#include "stream_json.h"

namespace gearbox::cli {

int push_frames(Streamer& streamer, FrameSource& source, const FrameLoop& loop) {
  const StreamOptions& o = loop.options;
  auto last_progress = loop.start;
  const auto progress_every = std::chrono::milliseconds(loop.tty ? 250 : 2000);
  for (int64_t n = 0; (loop.total < 0 || n < loop.total) && stop_signals() == 0 && !stdout_failed();
       ++n) {
    FrameView frame;
    if (!source.next(n, frame)) return source.report_end(n, line_start(loop.tty));
    if (o.realtime) {
      Rational fps = o.config.input_frame_rate;
      auto due =
          loop.start + std::chrono::microseconds(mul_div_floor(n, 1000000 * fps.den, fps.num));
      std::this_thread::sleep_until(due);
    }
    Status s = o.wallclock_timestamps
                   ? streamer.push(frame, std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - loop.start)
                                              .count())
                   : streamer.push(frame);
    if (!s) {
      std::fprintf(stderr, "%sgearbox stream: %s\n", line_start(loop.tty), s.message().c_str());
      if (s.code() != ErrorCode::kFrameMismatch) {
        // The first frame's checks (the ladder, the backend's limits) are the configuration's.
        return n == 0 && s.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_progress >= progress_every) {
      last_progress = now;
      const double elapsed = std::chrono::duration<double>(now - loop.start).count();
      if (!o.quiet)
        print_progress(streamer, loop.total, elapsed, o.config.input_frame_rate, loop.tty);
      if (loop.json) print_stdout_line(progress_json(streamer.stats(), elapsed));
    }
  }
  return 0;
}

}  // namespace gearbox::cli
