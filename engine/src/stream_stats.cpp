// Streamer::stats(): the counters, the queues, the packager's segment counts and the latency
// summaries as one StreamStats, readable from any thread.
#include "stream_state.h"

namespace gearbox {

StreamStats Streamer::stats() const {
  const Impl& d = *impl_;
  StreamStats s;
  s.frames_pushed = d.frames_pushed;
  s.frames_rejected = d.frames_rejected;
  s.frames_dropped = d.frames_dropped;
  s.stages.upload = static_cast<double>(d.upload_ns.load()) * 1e-9;
  s.stages.scale = static_cast<double>(d.scale_ns.load()) * 1e-9;
  s.stages.encode = static_cast<double>(d.encode_ns.load()) * 1e-9;
  s.stages.package = static_cast<double>(d.package_ns.load()) * 1e-9;
  s.cpu_seconds_outside_encoders = static_cast<double>(d.overhead_cpu_ns.load()) * 1e-9;
  if (d.audio) s.audio = d.audio->stats();
  if (!d.started) return s;
  std::vector<int64_t> segments = d.packager->segments_written();
  if (d.audio) s.audio.segments_written = segments[d.audio_track];
  s.source_queue_depth = static_cast<int64_t>(d.source_queue->size());
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - d.first_frame_at).count();
  for (size_t i = 0; i < d.ladder.size(); ++i) {
    RenditionStats r;
    r.id = d.ladder[i].id;
    r.width = d.ladder[i].width;
    r.height = d.ladder[i].height;
    r.target_kbps = d.ladder[i].bitrate_kbps;
    r.frames_encoded = d.frames_encoded[i];
    r.bytes_written = d.bytes_encoded[i];
    r.segments_written = segments[i];
    r.frame_rate = d.ladder[i].frame_rate.to_double();
    r.encode_fps = elapsed > 0 ? static_cast<double>(r.frames_encoded) / elapsed : 0;
    const double media_seconds = static_cast<double>(r.frames_encoded) / r.frame_rate;
    r.produced_bps =
        media_seconds > 0
            ? static_cast<int64_t>(static_cast<double>(r.bytes_written) * 8 / media_seconds)
            : 0;
    r.queue_depth = static_cast<int64_t>(d.encode_queues[i]->size());
    const LatencySummary latency = d.latency->summary(i);
    r.latency_ms_mean = latency.mean_ms;
    r.latency_ms_p95 = latency.p95_ms;
    r.latency_ms_max = latency.max_ms;
    s.renditions.push_back(r);
  }
  return s;
}

}  // namespace gearbox
