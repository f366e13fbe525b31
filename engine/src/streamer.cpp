#include "gearbox/streamer.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <thread>

#include "output_layout.h"
#include "packager.h"
#include "audio_pipeline.h"
#include "bounded_queue.h"
#include "latency_tracker.h"
#include "gearbox/backend.h"
#include "gearbox/backend_registry.h"
#include "gearbox/ladder.h"
#include "gearbox/segment_grid.h"

namespace gearbox {

namespace {

struct PictureJob {
  SurfaceRef surface;
  int64_t pts;  // media ticks
  bool idr;
};

int64_t thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Accumulates the wall time of a scope into one counter and, when given one, the calling
// thread's CPU time into another.
class StageTimer {
 public:
  explicit StageTimer(std::atomic<int64_t>& wall, std::atomic<int64_t>* cpu = nullptr)
      : wall_(wall), cpu_(cpu), wall_start_(steady_ns()), cpu_start_(cpu ? thread_cpu_ns() : 0) {}
  ~StageTimer() {
    wall_ += steady_ns() - wall_start_;
    if (cpu_) *cpu_ += thread_cpu_ns() - cpu_start_;
  }

 private:
  std::atomic<int64_t>& wall_;
  std::atomic<int64_t>* cpu_;
  int64_t wall_start_;
  int64_t cpu_start_;
};

void log_to_stderr(LogLevel level, const std::string& message) {
  if (level == LogLevel::kInfo) return;
  std::fprintf(stderr, "gearbox %s: %s\n", level == LogLevel::kError ? "error" : "warning",
               message.c_str());
}

}  // namespace

class Streamer::Impl : public std::enable_shared_from_this<Streamer::Impl> {
 public:
  ~Impl() {
    // URL output that never opened its packager (no frame, or the first frame failed): the
    // staging folder is the packager's uploader's to remove otherwise.
    if (!packager && !paths.upload_url.empty()) packager::remove_staging(paths);
  }
  StreamConfig config;
  OutputPaths paths;
  BackendSelection selection;
  std::string backend_name;
  MediaClock clock{90000, 3600};
  SegmentGrid grid{Rational{2, 1}};

  // Fixed by the first frame.
  std::atomic<bool> started{false};  // read by stats() from any thread
  std::atomic<bool> closed{false};   // push() refuses frames
  std::atomic<bool> closing{false};  // close() or abort() owns the shutdown
  PixelFormat format = PixelFormat::kBGR24;
  int width = 0, height = 0;
  std::vector<RenditionPlan> ladder;
  std::unique_ptr<Device> device;
  std::vector<std::unique_ptr<Encoder>> encoders;
  std::unique_ptr<packager::Packager> packager;
  // The audio track (config.audio), opened by open(), started by the first frame; its track in
  // the packager follows the renditions'.
  std::unique_ptr<AudioPipeline> audio;
  size_t audio_track = 0;

  // Pipeline: push() -> source queue -> scaler thread -> one queue per rendition -> encoders.
  std::unique_ptr<BoundedQueue<PictureJob>> source_queue;
  std::vector<std::unique_ptr<BoundedQueue<PictureJob>>> encode_queues;
  std::thread scaler;
  std::vector<std::thread> encoder_threads;

  // Timestamps: by frame index, or the caller's (decided by the first frame).
  std::optional<bool> caller_timestamps;
  int64_t first_timestamp = 0;
  std::optional<int64_t> last_pts;  // media ticks of the last accepted frame
  int64_t segment_start = 0;        // media ticks of the IDR that started the current segment
  // A segment this long (ticks) would be too long for HLS: half a second over the target
  // duration (lround(grid + frame), the packager's) would round above it; and at most half a
  // second over the grid, so that the bound stays close to the grid whatever the rounding.
  int64_t gap_bound_ticks = 0;
  int64_t next_index = 0;           // frames accepted or dropped so far

  // Counters read by stats() from any thread.
  std::atomic<int64_t> frames_pushed{0};
  std::atomic<int64_t> frames_dropped{0};
  std::unique_ptr<LatencyTracker> latency;
  std::chrono::steady_clock::time_point first_frame_at;
  std::atomic<int64_t> frames_rejected{0};
  std::unique_ptr<std::atomic<int64_t>[]> frames_encoded;
  std::unique_ptr<std::atomic<int64_t>[]> bytes_encoded;
  std::atomic<int64_t> upload_ns{0}, scale_ns{0}, encode_ns{0}, package_ns{0};
  std::atomic<int64_t> overhead_cpu_ns{0};  // thread CPU of upload, scale and package

  // The pipeline's first failure; once set, push() refuses frames with it.
  std::mutex error_mutex;
  Status first_error;
  std::atomic<bool> failed{false};
  // abort(): threads stop taking work; nothing more is encoded or packaged.
  std::atomic<bool> aborting{false};

  // Pipeline threads still running, so close() can wait for them with a deadline.
  std::mutex threads_mutex;
  std::condition_variable threads_done;
  int threads_running = 0;   // every thread spawn() started
  int pipeline_running = 0;  // the scaler and encoder threads among them
  template <class F>
  std::thread spawn(bool pipeline, F body) {
    {
      std::lock_guard<std::mutex> lock(threads_mutex);
      ++threads_running;
      if (pipeline) ++pipeline_running;
    }
    // The thread holds the Impl alive: if it hangs and close() leaves it behind, it still
    // runs on valid memory.
    return std::thread([self = shared_from_this(), body, pipeline] {
      body();
      std::lock_guard<std::mutex> lock(self->threads_mutex);
      --self->threads_running;
      if (pipeline) --self->pipeline_running;
      self->threads_done.notify_all();
    });
  }
  void join_or_detach_all(bool join) {
    std::vector<std::thread*> all{&scaler};
    for (std::thread& t : encoder_threads) all.push_back(&t);
    for (std::thread* t : all) {
      if (!t->joinable()) continue;
      if (join) t->join(); else t->detach();
    }
  }
  // True when every pipeline thread ended before the deadline.
  bool wait_for_threads(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(threads_mutex);
    return threads_done.wait_until(lock, deadline, [&] { return threads_running == 0; });
  }

  void log(LogLevel level, const std::string& message) const {
    if (config.log) config.log(level, message); else log_to_stderr(level, message);
  }

  void fail(const Status& s) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (first_error) {
      first_error = s;
      failed = true;
      log(LogLevel::kError, s.message());
    }
  }

  Status current_error() {
    std::lock_guard<std::mutex> lock(error_mutex);
    return first_error;
  }
  // packager->finish()'s own result, set by close()'s flusher thread.
  Status packager_finish;
  // The pipeline's first error, saying also what the final manifests list (or why they could
  // not be written), so a caller learns both from one message.
  Status error_with_final_manifests();

  Status start(const FrameView& frame);
  void run_scaler();
  // Scales the job's surface to every needed distinct size; false (after fail()) on an error.
  bool scale_all(const std::vector<SizeKey>& sizes, const std::vector<int>& from,
                 const std::vector<char>& needed, const PictureJob& job,
                 std::vector<SurfaceRef>& scaled);
  void run_encoder(size_t index);
  Status accept(const FrameView& frame, std::optional<int64_t> caller_pts);
  packager::TrackDescription audio_track_description() const;
  Status finish();
  // Stops the pipeline without waiting for it, lists what is complete, and leaves threads
  // that do not end by the deadline behind (detached).
  // `code`: kTimeout when close() gave up, kClosed for abort().
  Status terminate(std::chrono::steady_clock::time_point deadline, ErrorCode code, const std::string& why);
  int64_t end_ticks() const { return last_pts ? *last_pts + clock.frame_ticks : 0; }
};

// Hands one rendition's packets to the packager and counts them.
class RenditionSink final : public PacketSink {
 public:
  RenditionSink(Streamer::Impl& impl, size_t index) : impl_(impl), index_(index) {}
  Status on_packet(const EncodedPacket& packet) override {
    impl_.frames_encoded[index_]++;
    impl_.bytes_encoded[index_] += static_cast<int64_t>(packet.size);
    const int64_t start = steady_ns(), cpu_start = thread_cpu_ns();
    Status s = impl_.packager->write(index_, packet);
    const int64_t ns = steady_ns() - start;
    packaged_ns += ns;
    impl_.package_ns += ns;
    impl_.overhead_cpu_ns += thread_cpu_ns() - cpu_start;
    return s;
  }

  int64_t packaged_ns = 0;  // this rendition's packaging time (its encoder thread only)

 private:
  Streamer::Impl& impl_;
  size_t index_;
};

constexpr const char* kAudioTrackId = "a0";

packager::TrackDescription Streamer::Impl::audio_track_description() const {
  packager::TrackDescription t;
  t.id = kAudioTrackId;
  t.kind = packager::TrackKind::kAudio;
  t.sample_rate = config.audio.sample_rate;
  t.channels = config.audio.channels;
  t.timescale = config.audio.sample_rate;
  t.frame_ticks = audio->frame_size();
  t.target_bitrate_bps = config.audio.bitrate_kbps * 1000;
  t.max_bitrate_bps = t.target_bitrate_bps;  // AAC at a target rate: no separate cap
  t.codec = audio->codec_config();
  return t;
}

Status Streamer::Impl::start(const FrameView& frame) {
  auto planned = plan_ladder(config, frame.width, frame.height);
  if (!planned) return planned.error();
  std::vector<RenditionPlan> plan = std::move(planned.value());

  DeviceOptions device_options;
  device_options.width = frame.width;
  device_options.height = frame.height;
  device_options.input_format = frame.format;
  device_options.pool_size = config.queue_depth * 2 + 4;
  device_options.encoder_sessions = static_cast<int>(plan.size());
  device_options.every_frame_scales =
      every_frame_scales(plan, config.input_frame_rate, SizeKey{frame.width, frame.height});
  auto opened = selection.backend->open(device_options);
  if (!opened) return opened.error();
  std::unique_ptr<Device> dev = std::move(opened.value());

  std::vector<std::unique_ptr<Encoder>> encs;
  std::vector<packager::TrackDescription> tracks;
  for (const RenditionPlan& r : plan) {
    EncoderConfig ec;
    ec.width = r.width;
    ec.height = r.height;
    ec.frame_rate = r.frame_rate;
    ec.timescale = clock.timescale;
    ec.bitrate_kbps = r.bitrate_kbps;
    ec.rate_control = config.rate_control;
    ec.backend_options = config.backend_options;
    auto enc = dev->open_encoder(ec);
    if (!enc) {
      return make_error(enc.error().code, "rendition " + r.id + " (" + std::to_string(r.width) +
                                              "x" + std::to_string(r.height) + "): " +
                                              enc.error().message);
    }
    packager::TrackDescription t;
    t.id = r.id;
    t.width = r.width;
    t.height = r.height;
    t.frame_rate = r.frame_rate;
    t.timescale = clock.timescale;
    // One output frame in media ticks, to the nearest tick for rates that do not divide the
    // timescale (only the last frame of a segment takes its duration from it).
    t.frame_ticks = std::max<int64_t>(
        1, (clock.timescale * r.frame_rate.den + r.frame_rate.num / 2) / r.frame_rate.num);
    t.target_bitrate_bps = r.bitrate_kbps * 1000;
    t.max_bitrate_bps = static_cast<int64_t>(static_cast<double>(t.target_bitrate_bps) *
                                             config.rate_control.vbv_maxrate_factor);
    t.codec = (*enc)->codec_config();
    tracks.push_back(t);
    encs.push_back(std::move(enc.value()));
  }
  if (audio) tracks.push_back(audio_track_description());
  // Segment events for the caller, in seconds and rendition ids.
  packager::Packager::SegmentListener listener;
  if (config.on_segment) {
    std::vector<std::string> ids;
    std::vector<int64_t> timescales;
    for (const packager::TrackDescription& t : tracks) {
      ids.push_back(t.id);
      timescales.push_back(t.timescale);
    }
    listener = [cb = config.on_segment, ids, timescales](size_t track, const packager::SegmentRecord& rec) {
      const double ts = static_cast<double>(timescales[track]);
      SegmentEvent e;
      e.rendition = ids[track];
      e.number = rec.number;
      e.start = static_cast<double>(rec.start) / ts;
      e.duration = static_cast<double>(rec.duration) / ts;
      e.bytes = rec.bytes;
      e.frames = rec.frames;
      cb(e);
    };
  }
  auto tracker = std::make_unique<LatencyTracker>(plan.size());
  packager::Packager::FlushListener on_flush = [t = tracker.get()](size_t track, const std::vector<int64_t>& pts) {
    t->flushed(track, pts, steady_ns());
  };
  packager::PackagerOptions options;
  options.segment_duration = config.segment_duration;
  if (config.live.enabled) {
    options.live_window = static_cast<size_t>(config.live.window_segments);
    options.delete_delay = static_cast<size_t>(config.live.effective_delete_delay());
  }
  options.chunk_frames = config.low_latency.chunk_frames;
  for (const auto& e : encs) {
    const Rational delay = Rational::make(e->decode_delay_ticks(), clock.timescale);
    if (options.presentation_delay < delay) options.presentation_delay = delay;
  }
  if (config.hls_segment_type == HlsSegmentType::kMpegTs) options.container = packager::SegmentContainer::kMpegTs;
  options.warn = [this](const std::string& message) { log(LogLevel::kWarning, message); };
  auto pk = packager::Packager::open(paths, options, std::move(tracks), std::move(listener), std::move(on_flush));
  if (!pk) return pk.error();

  // Everything opened: commit.
  ladder = std::move(plan);
  device = std::move(dev);
  encoders = std::move(encs);
  packager = std::move(pk.value());
  latency = std::move(tracker);
  format = frame.format;
  width = frame.width;
  height = frame.height;
  frames_encoded.reset(new std::atomic<int64_t>[ladder.size()]);
  bytes_encoded.reset(new std::atomic<int64_t>[ladder.size()]);
  source_queue = std::make_unique<BoundedQueue<PictureJob>>(config.queue_depth);
  for (size_t i = 0; i < ladder.size(); ++i) {
    frames_encoded[i] = 0;
    bytes_encoded[i] = 0;
    encode_queues.push_back(std::make_unique<BoundedQueue<PictureJob>>(config.queue_depth));
  }
  for (size_t i = 0; i < ladder.size(); ++i) encoder_threads.push_back(spawn(true, [this, i] { run_encoder(i); }));
  scaler = spawn(true, [this] { run_scaler(); });
  if (audio) {
    audio_track = ladder.size();
    audio->start([this](const EncodedPacket& p) { return packager->write(audio_track, p); });
  }
  first_frame_at = std::chrono::steady_clock::now();
  started = true;
  std::string summary;
  for (const RenditionPlan& r : ladder) {
    summary += " " + r.id + "=" + std::to_string(r.width) + "x" + std::to_string(r.height) + "@" +
               std::to_string(r.bitrate_kbps) + "k";
  }
  log(LogLevel::kInfo, "ladder on " + backend_name + ":" + summary);
  return {};
}

void Streamer::Impl::run_scaler() {
  const std::vector<SizeKey> sizes = distinct_sizes(ladder);
  std::vector<size_t> size_of_rendition(ladder.size());  // index into sizes
  for (size_t r = 0; r < ladder.size(); ++r) {
    while (!(sizes[size_of_rendition[r]] == SizeKey{ladder[r].width, ladder[r].height})) {
      ++size_of_rendition[r];
    }
  }
  const std::vector<int> from = scale_sources(sizes, SizeKey{width, height});
  std::vector<RateDecimator> decimators;
  for (const RenditionPlan& r : ladder) decimators.emplace_back(r.frame_rate);
  std::vector<SurfaceRef> scaled(sizes.size());
  std::vector<char> takes(ladder.size());
  std::vector<char> needed(sizes.size());
  while (std::optional<PictureJob> job = source_queue->pop()) {
    if (failed || aborting) continue;  // keep draining so push() never blocks on a dead pipeline
    // Which renditions take this frame on their own rate grid, and so which sizes (and the
    // larger pictures those are scaled from) must be made.
    const Rational pts = clock.seconds_of(job->pts);
    std::fill(needed.begin(), needed.end(), 0);
    for (size_t r = 0; r < ladder.size(); ++r) {
      // At the input rate every frame is taken, so caller timestamps closer together than
      // 1 / rate (variable frame rate) all reach the primary rendition.
      takes[r] = ladder[r].frame_rate == config.input_frame_rate || decimators[r].take(pts, job->idr);
      if (takes[r]) needed[size_of_rendition[r]] = 1;
    }
    for (size_t k = sizes.size(); k-- > 0;) {
      if (needed[k] && from[k] >= 0) needed[from[k]] = 1;
    }
    if (!scale_all(sizes, from, needed, *job, scaled)) continue;
    for (size_t r = 0; r < ladder.size(); ++r) {
      if (takes[r] && !encode_queues[r]->push(PictureJob{scaled[size_of_rendition[r]], job->pts, job->idr})) {
        break;  // closed by abort()
      }
    }
    for (SurfaceRef& ref : scaled) ref.reset();  // back to the pools as soon as encoders are done
  }
  for (auto& q : encode_queues) q->close();
}

bool Streamer::Impl::scale_all(const std::vector<SizeKey>& sizes, const std::vector<int>& from,
                               const std::vector<char>& needed, const PictureJob& job,
                               std::vector<SurfaceRef>& scaled) {
  StageTimer timer(scale_ns, &overhead_cpu_ns);
  for (size_t s = 0; s < sizes.size(); ++s) {
    if (!needed[s]) continue;
    if (sizes[s].width == width && sizes[s].height == height) {
      scaled[s] = job.surface;
      continue;
    }
    const Surface& input = from[s] < 0 ? *job.surface : *scaled[from[s]];
    auto surface = device->scale(input, sizes[s].width, sizes[s].height);
    if (!surface) {
      fail(surface.error());
      return false;
    }
    scaled[s] = std::move(surface.value());
  }
  return true;
}

void Streamer::Impl::run_encoder(size_t index) {
  RenditionSink sink(*this, index);
  Encoder& encoder = *encoders[index];
  // Encoder time is the call's wall time minus the packaging the sink did inside it.
  auto timed = [&](auto&& call) {
    const int64_t package_before = sink.packaged_ns;
    StageTimer timer(encode_ns);
    Status s = call();
    encode_ns -= sink.packaged_ns - package_before;
    if (!s) fail(make_error(s.code(), ladder[index].id + ": " + s.message()));
  };
  while (std::optional<PictureJob> job = encode_queues[index]->pop()) {
    if (failed || aborting) continue;
    timed([&] { return encoder.encode(*job->surface, job->pts, job->idr, sink); });
  }
  if (!failed && !aborting) timed([&] { return encoder.drain(sink); });
}

Status Streamer::Impl::finish() {
  if (!started) return {};
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(config.close_timeout_seconds));
  source_queue->close();
  // The whole flush (encoders draining, last segments, final manifests) runs on a thread of
  // its own, so a hang anywhere in it cannot hold close() past the deadline.
  std::thread flusher = spawn(false, [this, deadline] {
    {
      std::unique_lock<std::mutex> lock(threads_mutex);
      threads_done.wait(lock, [&] { return pipeline_running == 0; });
    }
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
  if (wait_for_threads(deadline)) {
    flusher.join();
    join_or_detach_all(true);
    // abort() during close(): it stopped the pipeline; list what is complete.
    if (aborting) return terminate(deadline, ErrorCode::kClosed, "abort: stopped without encoding the frames still queued");
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

Status Streamer::Impl::terminate(std::chrono::steady_clock::time_point deadline, ErrorCode code,
                                 const std::string& why) {
  aborting = true;
  if (audio) audio->abort();
  source_queue->close();
  for (auto& q : encode_queues) q->close();
  // Threads still blocked somewhere (a disk, a callback) by the deadline are left behind,
  // holding the Impl alive.
  join_or_detach_all(wait_for_threads(deadline));
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

Streamer::Streamer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Streamer::~Streamer() {
  if (impl_ && !impl_->closing) {
    Status s = close();
    if (!s) impl_->log(LogLevel::kError, "close() from the destructor: " + s.message());
  }
}

Result<std::unique_ptr<Streamer>> Streamer::open(StreamConfig config) {
  BackendList backends;
  for (std::unique_ptr<Backend>& backend : all_backends()) backends.push_back(std::move(backend));
  return open(std::move(config), std::move(backends));
}

Result<std::unique_ptr<Streamer>> Streamer::open(StreamConfig config, BackendList backends) {
  GEARBOX_RETURN_IF_ERROR(validate(config));
  GEARBOX_RETURN_IF_ERROR(check_backend_options(config.backend_options, backends));
  auto paths = packager::resolve_output(config.output, config.format);
  if (!paths) return paths.error();
  auto selection = select_backend(config.backend, backends);
  if (!selection) {
    packager::remove_staging(paths.value());
    return selection.error();
  }
  if (config.clear_previous_assets) {
    auto removed = packager::clear_previous_assets(paths.value());
    if (!removed) {
      packager::remove_staging(paths.value());
      return removed.error();
    }
    if (*removed > 0 && config.log) {
      config.log(LogLevel::kInfo, "cleared " + std::to_string(*removed) + " files of an earlier stream");
    }
  }

  auto impl = std::make_shared<Impl>();
  impl->config = std::move(config);
  impl->paths = paths.value();
  impl->selection = std::move(selection.value());
  impl->backend_name = impl->selection.backend->name();
  impl->clock = MediaClock::for_frame_rate(impl->config.input_frame_rate);
  impl->grid = SegmentGrid(impl->config.segment_duration);
  {
    const MediaClock& k = impl->clock;
    const Rational d = impl->config.segment_duration;
    const int64_t grid_ticks = mul_div_floor(k.timescale, d.num, d.den);
    const int64_t target_ticks =
        std::max<int64_t>(1, std::llround(d.to_double() + static_cast<double>(k.frame_ticks) / k.timescale)) * k.timescale;
    impl->gap_bound_ticks = std::min(grid_ticks, target_ticks) + k.timescale / 2;
  }
  if (!impl->config.audio.source.empty()) {
    const Impl* self = impl.get();
    auto audio = AudioPipeline::open(impl->config.audio, impl->clock.timescale,
                                     impl->config.segment_duration,
                                     [self](LogLevel level, const std::string& m) { self->log(level, m); });
    if (!audio) return audio.error();
    impl->audio = std::move(audio.value());
  }
  for (const std::string& why : impl->selection.passed_over) {
    impl->log(LogLevel::kInfo, "backend passed over: " + why);
  }
  return std::unique_ptr<Streamer>(new Streamer(std::move(impl)));
}

Status Streamer::push(const FrameView& frame) { return impl_->accept(frame, std::nullopt); }

Status Streamer::push(const FrameView& frame, int64_t timestamp, Rational time_base) {
  Impl& d = *impl_;
  if (!time_base.valid_positive()) {
    return make_error(ErrorCode::kInvalidArgument, "push: time_base " + time_base.to_string() + " must be positive");
  }
  if (!d.caller_timestamps) d.first_timestamp = timestamp;
  // Media ticks since the first frame, rounded to the nearest tick. Refused past 100 years of
  // media time: far beyond any stream, and it keeps ticks, segment numbers and their products
  // in the packager well inside int64; below it the product `num` fits __int128 (ticks * den <
  // 2^50 * 2^63), so it is computed exactly.
  constexpr long double kMaxMediaSeconds = 100.0L * 365.25L * 86400.0L;
  const __int128 elapsed = static_cast<__int128>(timestamp) - d.first_timestamp;
  const long double estimate = static_cast<long double>(elapsed) * time_base.num * d.clock.timescale / time_base.den;
  const long double max_ticks = kMaxMediaSeconds * d.clock.timescale;
  if (!(estimate <= max_ticks && estimate >= -max_ticks)) {
    d.frames_rejected++;
    return make_error(ErrorCode::kInvalidArgument,
                      "push: frame " + std::to_string(d.next_index) + ": timestamp " + std::to_string(timestamp) +
                          " in time base " + time_base.to_string() + " is out of range: " +
                          std::to_string(static_cast<double>(estimate / d.clock.timescale)) +
                          " s from the first frame's, more than 100 years. Frame refused, the stream goes on");
  }
  const __int128 num = elapsed * time_base.num * d.clock.timescale;
  const __int128 den = time_base.den;
  const __int128 ticks = num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
  return d.accept(frame, static_cast<int64_t>(ticks));
}

Status Streamer::Impl::accept(const FrameView& frame, std::optional<int64_t> caller_pts) {
  if (closed) return make_error(ErrorCode::kClosed, "push: the stream is closed");
  if (failed) return current_error();
  GEARBOX_RETURN_IF_ERROR(validate_frame(frame));
  // Only built for an error message: push() allocates nothing for a good frame.
  auto which = [&] { return "push: frame " + std::to_string(next_index); };
  if (caller_timestamps && *caller_timestamps != caller_pts.has_value()) {
    frames_rejected++;
    return make_error(ErrorCode::kInvalidArgument,
                      which() + (caller_pts ? " has a timestamp but the first frame had none"
                                          : " has no timestamp but the first frame had one") +
                          "; a stream uses timestamps on every frame or on none. Frame refused, the stream goes on");
  }
  const int64_t pts = caller_pts ? *caller_pts : clock.ticks_of_frame(next_index);
  if (last_pts && pts <= *last_pts) {
    frames_rejected++;
    return make_error(ErrorCode::kInvalidArgument,
                      which() + ": timestamp " + std::to_string(pts) + "/" + std::to_string(clock.timescale) +
                          " s does not increase past the previous frame's " + std::to_string(*last_pts) +
                          "/" + std::to_string(clock.timescale) +
                          " s; timestamps must increase. Frame refused, the stream goes on");
  }
  if (!started) {
    GEARBOX_RETURN_IF_ERROR(start(frame));
    caller_timestamps = caller_pts.has_value();
  } else if (frame.format != format || frame.width != width || frame.height != height) {
    frames_rejected++;
    return make_error(ErrorCode::kFrameMismatch,
                      which() + ": " + to_string(frame.format) + " " + std::to_string(frame.width) + "x" +
                          std::to_string(frame.height) + " differs from the first frame (" +
                          to_string(format) + " " + std::to_string(width) + "x" +
                          std::to_string(height) + "); frame skipped, the stream goes on");
  }
  ++next_index;
  // Live, behind: drop before spending anything on the frame. The next frame accepted is an
  // IDR if this one would have started a segment, since the grid compares with last_pts.
  if (config.live.drop_frames_when_behind && source_queue->full()) {
    frames_dropped++;
    return {};
  }
  // A gap in the timestamps (a stalled source, a caller's jump): no frame for longer than one
  // segment duration, or a jump that would make the current segment too long for HLS (its
  // EXTINF would round above TARGETDURATION; gap_bound_ticks). The segment is cut before this
  // frame instead, its media ending one frame after the last frame, and this frame starts the
  // next segment, an IDR in every rendition; the packager marks that segment as a
  // discontinuity (HLS EXT-X-DISCONTINUITY; a new DASH Period, since dash.js stops at a
  // gap inside one SegmentTimeline). A shorter jump (jitter, a few missing frames) is no gap:
  // the frame before it lasts until the next.
  const bool gap = last_pts && (static_cast<__int128>(pts - *last_pts) * config.segment_duration.den >
                                    static_cast<__int128>(config.segment_duration.num) * clock.timescale ||
                                pts - segment_start >= gap_bound_ticks);
  const bool idr = !last_pts || gap || grid.starts_segment(clock.seconds_of(*last_pts), clock.seconds_of(pts));
  Result<SurfaceRef> surface = [&] {
    StageTimer timer(upload_ns, &overhead_cpu_ns);
    return device->upload(frame);
  }();
  if (!surface) return surface.error();
  latency->pushed(pts, steady_ns());
  if (gap) {
    const int64_t end_before = *last_pts + clock.frame_ticks;
    packager->mark_gap(end_before, pts);
    if (audio) audio->video_gap(end_before, pts);
    log(LogLevel::kWarning, "timestamps jump from " + std::to_string(clock.seconds_of(*last_pts).to_double()) +
                                " s to " + std::to_string(clock.seconds_of(pts).to_double()) +
                                " s (frame " + std::to_string(next_index - 1) +
                                "): a gap; the segment before it ends with its last frame and the "
                                "manifests mark a discontinuity");
  }
  if (!source_queue->push(PictureJob{std::move(surface.value()), pts, idr})) {
    return make_error(ErrorCode::kClosed, "push: the pipeline is shut down");
  }
  last_pts = pts;
  if (idr) segment_start = pts;
  frames_pushed++;
  if (audio) audio->video_advanced(pts, idr);
  return {};
}

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
    r.produced_bps = media_seconds > 0 ? static_cast<int64_t>(static_cast<double>(r.bytes_written) * 8 / media_seconds) : 0;
    r.queue_depth = static_cast<int64_t>(d.encode_queues[i]->size());
    const LatencySummary latency = d.latency->summary(i);
    r.latency_ms_mean = latency.mean_ms;
    r.latency_ms_p95 = latency.p95_ms;
    r.latency_ms_max = latency.max_ms;
    s.renditions.push_back(r);
  }
  return s;
}

const OutputPaths& Streamer::outputs() const { return impl_->paths; }
const std::string& Streamer::backend_name() const { return impl_->backend_name; }
const std::vector<std::string>& Streamer::backends_passed_over() const {
  return impl_->selection.passed_over;
}

}  // namespace gearbox
