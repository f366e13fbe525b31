// Stream set-up at the first frame: the ladder, the device, one encoder per rendition (falling
// back to the next backend under "auto" when the selected one cannot open the ladder), the
// packager's tracks, the pipeline's queues and threads.
#include <algorithm>
#include <optional>

#include "capability_check.h"
#include "gearbox/cpu_clock.h"
#include "stream_state.h"

namespace gearbox {

namespace {

constexpr const char* kAudioTrackId = "a0";

// What a backend opened for the ladder. The encoders are declared after the device, so that
// releasing the whole (a failed set-up, a fallback) closes them before it.
struct OpenedLadder {
  std::unique_ptr<Device> device;
  std::vector<std::unique_ptr<Encoder>> encoders;
};

Result<OpenedLadder> open_ladder(Backend& backend,
                                 const DeviceOptions& device_options,
                                 const std::vector<RenditionPlan>& plan,
                                 const StreamConfig& config,
                                 int64_t timescale) {
  auto opened = backend.open(device_options);
  if (!opened) return opened.error();
  OpenedLadder ladder;
  ladder.device = std::move(opened.value());

  // The ladder against what the device says it can do, before any encoder opens. Its errors
  // return from here, so its kUnsupported and kOutOfSessions take the same fallback as an
  // encoder's.
  GEARBOX_RETURN_IF_ERROR(
      check_ladder_capabilities(ladder.device->capabilities(), plan, backend.name()));

  for (const RenditionPlan& r : plan) {
    EncoderConfig ec;
    ec.width = r.width;
    ec.height = r.height;
    ec.frame_rate = r.frame_rate;
    ec.timescale = timescale;
    ec.bitrate_kbps = r.bitrate_kbps;
    ec.rate_control = config.rate_control;
    ec.backend_options = config.backend_options;
    auto enc = ladder.device->open_encoder(ec);
    if (!enc) {
      return make_error(enc.error().code, "rendition " + r.id + " (" + std::to_string(r.width) +
                                              "x" + std::to_string(r.height) +
                                              "): " + enc.error().message);
    }
    ladder.encoders.push_back(std::move(enc.value()));
  }
  return Result<OpenedLadder>(std::move(ladder));
}

// The errors after which another backend may well open the same ladder: this device is full,
// cannot do this configuration, or is gone. Anything else (a bad config, a failing vendor call)
// would fail the same way elsewhere, or must be seen as it is.
bool another_backend_may_open(ErrorCode code) {
  return code == ErrorCode::kOutOfSessions || code == ErrorCode::kUnsupported ||
         code == ErrorCode::kDeviceLost;
}

struct LadderOnBackend {
  std::shared_ptr<Backend> backend;
  OpenedLadder opened;
  std::vector<std::string> passed_over;  // "name: why" for each backend this set-up left
};

// The ladder on the selected backend or, under "auto" (selection.fallbacks), on the first
// candidate after it that is available (probed like select_backend) and opens it, each backend
// that fails releasing what it opened before the next is tried. A backend named in the config,
// or an error no other backend could avoid, returns the error as it is; when every candidate
// fails, the last failure's code with every backend's reason.
Result<LadderOnBackend> open_ladder_on_first_able(const Streamer::Impl& impl,
                                                  const DeviceOptions& device_options,
                                                  const std::vector<RenditionPlan>& plan) {
  std::vector<std::shared_ptr<Backend>> order{impl.selection.backend};
  order.insert(order.end(), impl.selection.fallbacks.begin(), impl.selection.fallbacks.end());
  std::vector<std::string> passed_over;
  std::optional<Error> last_failure;
  std::string last_failed;
  for (size_t i = 0; i < order.size(); ++i) {
    Backend& backend = *order[i];
    if (i > 0) {
      BackendInfo info = backend.probe();
      if (!info.available) {
        passed_over.push_back(info.name + ": " + info.reason);
        impl.log(LogLevel::kInfo, "backend passed over: " + passed_over.back());
        continue;
      }
      impl.log(LogLevel::kWarning, "backend " + last_failed +
                                       " could not open the ladder: " + last_failure->message +
                                       "; falling back to " + backend.name());
    }
    Result<OpenedLadder> opened =
        open_ladder(backend, device_options, plan, impl.config, impl.clock.timescale);
    if (opened) return LadderOnBackend{order[i], std::move(opened.value()), std::move(passed_over)};
    const Error& error = opened.error();
    const bool may_fall_back = another_backend_may_open(error.code);
    if (i == 0 && (!may_fall_back || order.size() == 1)) return error;  // no fallback: as it is
    last_failed = backend.name();
    last_failure = error;
    passed_over.push_back(last_failed + ": " + error.message);
    if (!may_fall_back) break;
  }
  std::string why;
  for (const std::string& s : passed_over) why += (why.empty() ? "" : "; ") + s;
  return make_error(last_failure->code, "backend auto: no backend could open the ladder: " + why);
}

}  // namespace

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
  device_options.backend_options = config.backend_options;
  device_options.every_frame_scales =
      every_frame_scales(plan, config.input_frame_rate, SizeKey{frame.width, frame.height});
  auto on_backend = open_ladder_on_first_able(*this, device_options, plan);
  if (!on_backend) return on_backend.error();
  LadderOnBackend& chosen = on_backend.value();

  std::vector<packager::TrackDescription> tracks;
  for (size_t i = 0; i < plan.size(); ++i) {
    const RenditionPlan& r = plan[i];
    packager::TrackDescription t;
    t.id = r.id;
    t.width = r.width;
    t.height = r.height;
    t.frame_rate = r.frame_rate;
    t.timescale = clock.timescale;
    // One output frame in media ticks, to the nearest tick for rates that do not divide the
    // timescale (only the last frame of a segment takes its duration from it).
    t.frame_ticks =
        std::max<int64_t>(1, mul_div_round(clock.timescale, r.frame_rate.den, r.frame_rate.num));
    t.target_bitrate_bps = r.bitrate_kbps * 1000;
    t.max_bitrate_bps = static_cast<int64_t>(static_cast<double>(t.target_bitrate_bps) *
                                             config.rate_control.vbv_maxrate_factor);
    t.codec = chosen.opened.encoders[i]->codec_config();
    tracks.push_back(t);
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
    listener = [cb = config.on_segment, ids, timescales](size_t track,
                                                         const packager::SegmentRecord& rec) {
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
  packager::Packager::FlushListener on_flush = [t = tracker.get()](
                                                   size_t track, const std::vector<int64_t>& pts) {
    t->flushed(track, pts, steady_ns());
  };
  packager::PackagerOptions options;
  options.segment_duration = config.segment_duration;
  if (config.live.enabled) {
    options.live_window = static_cast<size_t>(config.live.window_segments);
    options.delete_delay = static_cast<size_t>(config.live.effective_delete_delay());
  }
  options.chunk_frames = config.low_latency.chunk_frames;
  for (const auto& e : chosen.opened.encoders) {
    const Rational delay = Rational::make(e->decode_delay_ticks(), clock.timescale);
    if (options.presentation_delay < delay) options.presentation_delay = delay;
  }
  if (config.hls_segment_type == HlsSegmentType::kMpegTs)
    options.container = packager::SegmentContainer::kMpegTs;
  options.warn = [this](const std::string& message) { log(LogLevel::kWarning, message); };
  auto pk = packager::Packager::open(paths, options, std::move(tracks), std::move(listener),
                                     std::move(on_flush));
  if (!pk) return pk.error();

  // Everything opened: commit.
  ladder = std::move(plan);
  device = std::move(chosen.opened.device);
  encoders = std::move(chosen.opened.encoders);
  if (chosen.backend != selection.backend) {
    selection.backend = std::move(chosen.backend);
    backend_name = selection.backend->name();
  }
  selection.passed_over.insert(selection.passed_over.end(), chosen.passed_over.begin(),
                               chosen.passed_over.end());
  selection.fallbacks.clear();  // the stream is set up: the other candidates are not needed
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
  for (size_t i = 0; i < ladder.size(); ++i) start_pipeline_thread([this, i] { run_encoder(i); });
  start_pipeline_thread([this] { run_scaler(); });
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

}  // namespace gearbox
