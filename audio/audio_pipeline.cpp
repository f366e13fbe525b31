#include "audio_pipeline.h"

#include <algorithm>
#include <cmath>

extern "C" {
#include <libavutil/time.h>
}

namespace gearbox {
namespace {

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", s);
  return text;
}

}  // namespace

AudioPipeline::AudioPipeline(const AudioOptions& options,
                             int64_t video_timescale,
                             Rational segment_duration,
                             LogFn log)
    : options_(options),
      video_timescale_(video_timescale),
      segment_duration_(segment_duration),
      log_(std::move(log)),
      rate_(options.sample_rate) {}

Result<std::unique_ptr<AudioPipeline>> AudioPipeline::open(const AudioOptions& options,
                                                           int64_t video_timescale,
                                                           Rational segment_duration,
                                                           LogFn log) {
  std::unique_ptr<AudioPipeline> p(
      new AudioPipeline(options, video_timescale, segment_duration, std::move(log)));
  auto source = AudioSource::open(options);
  if (!source) return source.error();
  p->source_ = std::move(source.value());
  auto encoder =
      AacEncoder::open(options.sample_rate, options.channels, options.bitrate_kbps * 1000);
  if (!encoder) return encoder.error();
  p->encoder_ = std::move(encoder.value());
  p->stats_.enabled = true;
  p->stats_.source = p->source_->description();
  p->stats_.wall_clock = p->source_->wall_clock();
  return p;
}

AudioPipeline::~AudioPipeline() {
  if (source_) abort();
  if (thread_.joinable()) thread_.join();
  if (sender_.joinable()) sender_.join();
}

void AudioPipeline::abort() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  source_->interrupt();
  wake_.notify_all();
  send_wake_.notify_all();
}

void AudioPipeline::start(PacketFn out) {
  out_ = std::move(out);
  wall_origin_us_ = av_gettime();  // the clock capture devices stamp their packets with
  thread_ = std::thread([this] { run(); });
  sender_ = std::thread([this] { send_loop(); });
}

void AudioPipeline::video_advanced(int64_t pts, bool starts_segment) {
  const bool wall = source_->wall_clock();
  const int64_t now = wall ? av_gettime() : 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    video_pts_ = pts;
    if (starts_segment) segment_starts_.push_back(pts);
    // The frame just pushed was captured (at the latest) now.
    if (wall) push_clock_.add(now, mul_div_floor(pts, 1000000, video_timescale_));
  }
  wake_.notify_one();
  send_wake_.notify_one();
}

void AudioPipeline::video_gap(int64_t end_before, int64_t resume_at) {
  // The same nearest-frame rule as the segment cuts, so the packager finds the audio's cut
  // where it converts the gap to samples itself.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    gaps_.push_back(SampleRange{cut_of(end_before), cut_of(resume_at)});
  }
  wake_.notify_one();
}

Status AudioPipeline::finish(int64_t end) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    final_end_ = end;
  }
  wake_.notify_one();
  send_wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (sender_.joinable()) sender_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

AudioStats AudioPipeline::stats() const {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  return stats_;
}

int64_t AudioPipeline::samples_of(int64_t ticks) const {
  return mul_div_floor(ticks, rate_, video_timescale_);
}

int64_t AudioPipeline::cut_of(int64_t ticks) const {
  // The nearest AAC frame: round(ticks / timescale * rate / 1024) frames.
  const int64_t size = encoder_->frame_size();
  const int64_t halves = mul_div_floor(2 * ticks, rate_, video_timescale_ * size);
  return (halves + 1) / 2 * size;
}

void AudioPipeline::run() {
  const int64_t lead = std::max<int64_t>(
      encoder_->frame_size(), mul_div_floor(rate_, segment_duration_.num, segment_duration_.den));
  int64_t pts_seen = -1;
  while (true) {
    int64_t video_ticks = 0;
    bool final = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] {
        return stop_ || !error_ || final_end_ >= 0 || video_pts_ != pts_seen ||
               (source_->wall_clock() && !source_done_);  // a device is read as it delivers
      });
      if (stop_ || !error_) return;  // aborted, or the packager failed
      final = final_end_ >= 0;
      video_ticks = final ? final_end_ : video_pts_;
      pts_seen = video_pts_;
    }
    if (video_ticks < 0) continue;  // woken before the first frame's pts arrived
    const int64_t video_end = samples_of(video_ticks);
    Status s = produce(final ? video_end : video_end + lead, final);
    if (s && final) {
      trim_stats_to(video_end);
      if (source_done_ && source_stopped_at_ >= video_end) {
        std::lock_guard<std::mutex> lock(stats_mutex_);
        stats_.source_ended = false;  // it ended, but not before the video did
      }
      if (!source_done_) {
        log_(LogLevel::kInfo, "audio: source " + source_->description() +
                                  " is longer than the video; cut at the video's end, " +
                                  seconds_text(seconds(video_end)));
      }
      s = encoder_->drain([this](const EncodedPacket& p) { return keep(p); });
    }
    if (!s) {
      log_(LogLevel::kError, "audio: " + s.message());
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (error_) error_ = s;
      }
      send_wake_.notify_one();
      return;
    }
    if (final) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        encoded_all_ = true;
      }
      send_wake_.notify_one();
      return;
    }
  }
}

void AudioPipeline::send_loop() {
  // What the last turn saw: a turn takes what became ready since.
  int64_t video_seen = -1;
  size_t held_seen = 0;
  while (true) {
    std::vector<Held> ready;
    bool last_turn = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      send_wake_.wait(lock, [&] {
        return stop_ || !error_ || encoded_all_ || video_pts_ != video_seen ||
               held_.size() != held_seen;
      });
      if (stop_ || !error_) return;
      // The segment starts and gaps announced with the frames pushed so far, read under the
      // same lock as the video's position, so none of them is missed for a packet taken now.
      for (int64_t start : segment_starts_) {
        if (start > 0) cuts_.push_back(cut_of(start));  // the first segment starts at 0 anyway
      }
      segment_starts_.clear();
      for (const SampleRange& g : gaps_) skips_.push_back(g);
      gaps_.clear();
      last_turn = encoded_all_;
      ready = take_ready(last_turn);
      video_seen = video_pts_;
      held_seen = held_.size();
    }
    // The packager's writes happen outside the lock: pushes and the reading thread never wait
    // on them.
    for (const Held& h : ready) {
      EncodedPacket p;
      p.data = h.data.data();
      p.size = h.data.size();
      p.pts = p.dts = h.pts;
      p.keyframe = h.starts_segment;
      Status s = out_(p);
      if (!s) {
        log_(LogLevel::kError, "audio: " + s.message());
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (error_) error_ = s;
        }
        wake_.notify_one();
        return;
      }
      std::lock_guard<std::mutex> lock(stats_mutex_);
      stats_.packets++;
      stats_.bytes_written += static_cast<int64_t>(p.size);
    }
    if (last_turn) return;
  }
}

Status AudioPipeline::produce(int64_t want, bool final) {
  const bool live = source_->wall_clock();
  // A live source is drained as it delivers (one chunk per turn, blocking); at the end it has
  // until one second after the video's end in wall time to deliver the rest.
  const int64_t give_up_us =
      (live ? wall_minus_media() : 0) + static_cast<int64_t>((seconds(want) + 1.0) * 1e6);
  while (!source_done_ && (encoder_->position() < want || (live && !final))) {
    if (live && final && av_gettime() > give_up_us) {
      source_stopped("delivered nothing for the video's last samples", false);
      break;
    }
    AudioChunk chunk;
    Result<bool> got = source_->read(chunk);
    if (!got) {
      source_stopped(got.error().message, true);
    } else if (!*got) {
      source_stopped("ended", false);
    } else {
      // What is encoded is held for the sending thread at once (keep()), not once `want` is
      // reached: a source that delivers slowly (or stalls) still has its complete segments
      // written.
      GEARBOX_RETURN_IF_ERROR(place(chunk));
    }
    if (live && !final) break;
  }
  const int64_t missing = want - encoder_->position();
  if (source_done_ && missing > 0) {
    GEARBOX_RETURN_IF_ERROR(
        encoder_->write(nullptr, missing, [this](const EncodedPacket& p) { return keep(p); }));
    count_written(missing, 0, 0);
  }
  return {};
}

int64_t AudioPipeline::wall_minus_media() {
  std::lock_guard<std::mutex> lock(mutex_);
  const int64_t offset = push_clock_.empty() ? wall_origin_us_ : push_clock_.offset_us();
  std::lock_guard<std::mutex> stats_lock(stats_mutex_);
  stats_.video_clock_lag = static_cast<double>(offset - wall_origin_us_) * 1e-6;
  return offset;
}

Status AudioPipeline::place(const AudioChunk& chunk) {
  const bool wall = source_->wall_clock();
  if (!origin_set_ && !wall) origin_us_ = chunk.start_us;
  const int64_t origin = wall ? wall_minus_media() : origin_us_;
  const int64_t at = encoder_->position();
  const int64_t position = std::llround(static_cast<double>(chunk.start_us - origin) * rate_ / 1e6);
  if (wall && video_stalled(at)) {
    count_written(0, 0, chunk.samples);
    return {};
  }
  const int64_t error = position - at;
  int64_t silence = 0, skip = 0;
  if (wall && origin_set_ && std::llabs(error) <= std::llround(kHardCorrectionSeconds * rate_)) {
    // Follow the video's clock without a jump: the next quarter second is resampled to take
    // `error` samples more (or fewer), at most kMaxStretch of it.
    const int distance = rate_ / 4;
    const int limit = static_cast<int>(distance * kMaxStretch);
    source_->compensate(static_cast<int>(std::clamp<int64_t>(error, -limit, limit)), distance);
  } else if (error > std::llround(kToleranceSeconds * rate_)) {
    silence = error;
  } else if (error < -std::llround(kToleranceSeconds * rate_)) {
    skip = std::min<int64_t>(-error, chunk.samples);
  }
  origin_set_ = true;
  auto keep_packet = [this](const EncodedPacket& p) { return keep(p); };
  if (silence > 0) GEARBOX_RETURN_IF_ERROR(encoder_->write(nullptr, silence, keep_packet));
  std::vector<const float*> planes;
  for (const auto& plane : chunk.planes) planes.push_back(plane.data() + skip);
  const int64_t used = chunk.samples - skip;
  if (used > 0) GEARBOX_RETURN_IF_ERROR(encoder_->write(planes.data(), used, keep_packet));
  count_written(silence, std::max<int64_t>(used, 0), skip);
  return {};
}

bool AudioPipeline::video_stalled(int64_t at) {
  int64_t video = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    video = std::max<int64_t>(0, video_pts_);
  }
  const bool stalled = at - samples_of(video) > std::llround(kMaxAheadSeconds * rate_);
  if (stalled && !stall_reported_) {
    log_(LogLevel::kWarning,
         "audio: no frame for " + seconds_text(kMaxAheadSeconds) +
             " while the source records; its samples are dropped until frames come");
  }
  stall_reported_ = stalled;
  return stalled;
}

void AudioPipeline::count_written(int64_t silence, int64_t from_source, int64_t dropped) {
  trailing_silence_ = from_source > 0 ? 0 : trailing_silence_ + silence;
  std::lock_guard<std::mutex> lock(stats_mutex_);
  stats_.seconds_of_silence += seconds(silence);
  stats_.seconds_from_source += seconds(from_source);
  stats_.seconds_dropped += seconds(dropped);
}

void AudioPipeline::trim_stats_to(int64_t end) {
  // What was written past the video's end is cut: first the trailing silence, then source samples.
  const int64_t excess = std::max<int64_t>(0, encoder_->position() - end);
  const int64_t silence = std::min(excess, trailing_silence_);
  std::lock_guard<std::mutex> lock(stats_mutex_);
  stats_.seconds_of_silence -= seconds(silence);
  stats_.seconds_from_source -= seconds(excess - silence);
}

Status AudioPipeline::keep(const EncodedPacket& packet) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    held_.push_back(Held{packet.pts, std::vector<uint8_t>(packet.data, packet.data + packet.size)});
  }
  send_wake_.notify_one();
  return {};
}

std::vector<AudioPipeline::Held> AudioPipeline::take_ready(bool final) {
  const int64_t video = final ? final_end_ : video_pts_;
  const int64_t size = encoder_->frame_size();
  // A sample position against the video's instant (ticks), exactly.
  auto before_video = [&](int64_t samples) {
    return static_cast<__int128>(samples) * video_timescale_ < static_cast<__int128>(video) * rate_;
  };
  std::vector<Held> ready;
  while (!held_.empty()) {
    Held& h = held_.front();
    // While the video goes on, a packet waits until a frame after it has been pushed; at the
    // end, one that starts before the video's end is the last (the packager cuts it short).
    if (!(final ? before_video(h.pts) : before_video(h.pts + size - 1))) break;
    // Inside a gap of the video: the audio has no place there (the packager cuts the segment
    // before the gap where these would start). The packets are all announced by then: a packet
    // is only taken once the video is past it, and the gap is announced before that frame.
    while (!skips_.empty() && h.pts >= skips_.front().to) skips_.pop_front();
    if (!skips_.empty() && h.pts >= skips_.front().from) {
      held_.pop_front();
      continue;
    }
    bool starts = h.pts == 0;
    while (!cuts_.empty() && h.pts >= cuts_.front()) {
      starts = true;
      cuts_.pop_front();
    }
    // The video's last segment can be shorter than half an AAC frame (above 94 fps), so its
    // nearest AAC frame starts after the video's end: the last packet starts it instead, or
    // the manifests, which list what every track has, would leave it out.
    const bool last = final && (held_.size() == 1 || !before_video(held_[1].pts));
    if (last && !starts && !cuts_.empty()) {
      starts = true;
      cuts_.pop_front();
    }
    h.starts_segment = starts;
    ready.push_back(std::move(h));
    held_.pop_front();
  }
  if (final) held_.clear();  // past the video's end
  return ready;
}

void AudioPipeline::source_stopped(const std::string& why, bool failed) {
  source_done_ = true;
  source_stopped_at_ = encoder_->position();
  const double at = seconds(source_stopped_at_);
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    stats_.source_ended = !failed;
    if (failed) stats_.source_error = why;
  }
  log_(failed ? LogLevel::kWarning : LogLevel::kInfo,
       "audio: source " + source_->description() + (failed ? " failed" : " " + why) + " at " +
           seconds_text(at) + " of media time" + (failed ? " (" + why + ")" : "") +
           "; the video goes on, the audio is silent from there");
}

}  // namespace gearbox
