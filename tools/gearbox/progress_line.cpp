#include "progress_line.h"

#include <cstdio>
#include <string>

#include "gearbox/streamer.h"

namespace gearbox::cli {

void print_progress(const Streamer& s, int64_t total, double elapsed, Rational fps, bool tty) {
  StreamStats st = s.stats();
  double rate = elapsed > 0 ? static_cast<double>(st.frames_pushed) / elapsed : 0;
  std::string line = "frames " + std::to_string(st.frames_pushed);
  if (total > 0) line += "/" + std::to_string(total);
  char buf[96];
  std::snprintf(buf, sizeof buf, "  %.1f fps  %.2fx realtime", rate, rate / fps.to_double());
  line += buf;
  if (st.frames_dropped > 0) line += "  dropped " + std::to_string(st.frames_dropped);
  if (!st.renditions.empty() && st.renditions[0].latency_ms_mean > 0) {
    std::snprintf(buf, sizeof buf, "  latency %.0f ms", st.renditions[0].latency_ms_mean);
    line += buf;
  }
  for (const RenditionStats& r : st.renditions) {
    std::snprintf(buf, sizeof buf, "  %s %dp: %lld enc %.0f fps %lld kb/s q%lld %lld seg",
                  r.id.c_str(), r.height, static_cast<long long>(r.frames_encoded), r.encode_fps,
                  static_cast<long long>(r.produced_bps / 1000),
                  static_cast<long long>(r.queue_depth),
                  static_cast<long long>(r.segments_written));
    line += buf;
  }
  if (st.audio.enabled) {
    std::snprintf(buf, sizeof buf, "  a0: %lld seg%s",
                  static_cast<long long>(st.audio.segments_written),
                  !st.audio.source_error.empty() ? " (source failed)"
                  : st.audio.source_ended        ? " (source ended)"
                                                 : "");
    line += buf;
  }
  if (tty) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

}  // namespace gearbox::cli
