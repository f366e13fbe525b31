// Frame admission: push()'s checks (the frame, its timestamp, its size against the first
// frame's), the caller's timestamps in media ticks, frames dropped when live and behind, gaps in
// the timestamps, and the upload of each frame into the pipeline.
#include <string>

#include "gearbox/cpu_clock.h"
#include "stage_timer.h"
#include "stream_state.h"

namespace gearbox {

Status Streamer::push(const FrameView& frame) {
  return impl_->accept(frame, std::nullopt);
}

Status Streamer::push(const FrameView& frame, int64_t timestamp, Rational time_base) {
  Impl& d = *impl_;
  if (!time_base.valid_positive()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "push: time_base " + time_base.to_string() + " must be positive");
  }
  if (!d.caller_timestamps) d.first_timestamp = timestamp;
  // Media ticks since the first frame, rounded to the nearest tick. Refused past 100 years of
  // media time: far beyond any stream, and it keeps ticks, segment numbers and their products
  // in the packager well inside int64; below it the product elapsed * num * timescale fits
  // __int128 (ticks * den < 2^50 * 2^63, within div_round's 2^126), so it is rounded exactly.
  constexpr long double kMaxMediaSeconds = 100.0L * 365.25L * 86400.0L;
  const __int128 elapsed = static_cast<__int128>(timestamp) - d.first_timestamp;
  const long double estimate =
      static_cast<long double>(elapsed) * time_base.num * d.clock.timescale / time_base.den;
  const long double max_ticks = kMaxMediaSeconds * d.clock.timescale;
  if (!(estimate <= max_ticks && estimate >= -max_ticks)) {
    d.frames_rejected++;
    return make_error(
        ErrorCode::kInvalidArgument,
        "push: frame " + std::to_string(d.next_index) + ": timestamp " + std::to_string(timestamp) +
            " in time base " + time_base.to_string() + " is out of range: " +
            std::to_string(static_cast<double>(estimate / d.clock.timescale)) +
            " s from the first frame's, more than 100 years. Frame refused, the stream goes on");
  }
  return d.accept(frame, div_round(elapsed * time_base.num * d.clock.timescale, time_base.den));
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
                      which() +
                          (caller_pts ? " has a timestamp but the first frame had none"
                                      : " has no timestamp but the first frame had one") +
                          "; a stream uses timestamps on every frame or on none. Frame refused, "
                          "the stream goes on");
  }
  const int64_t pts = caller_pts ? *caller_pts : clock.ticks_of_frame(next_index);
  if (last_pts && pts <= *last_pts) {
    frames_rejected++;
    return make_error(ErrorCode::kInvalidArgument,
                      which() + ": timestamp " + std::to_string(pts) + "/" +
                          std::to_string(clock.timescale) +
                          " s does not increase past the previous frame's " +
                          std::to_string(*last_pts) + "/" + std::to_string(clock.timescale) +
                          " s; timestamps must increase. Frame refused, the stream goes on");
  }
  if (!started) {
    GEARBOX_RETURN_IF_ERROR(start(frame));
    caller_timestamps = caller_pts.has_value();
  } else if (frame.format != format || frame.width != width || frame.height != height) {
    frames_rejected++;
    return make_error(ErrorCode::kFrameMismatch,
                      which() + ": " + to_string(frame.format) + " " + std::to_string(frame.width) +
                          "x" + std::to_string(frame.height) + " differs from the first frame (" +
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
  const bool gap =
      last_pts && (static_cast<__int128>(pts - *last_pts) * config.segment_duration.den >
                       static_cast<__int128>(config.segment_duration.num) * clock.timescale ||
                   pts - segment_start >= gap_bound_ticks);
  const bool idr =
      !last_pts || gap || grid.starts_segment(clock.seconds_of(*last_pts), clock.seconds_of(pts));
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
    log(LogLevel::kWarning, "timestamps jump from " +
                                std::to_string(clock.seconds_of(*last_pts).to_double()) + " s to " +
                                std::to_string(clock.seconds_of(pts).to_double()) + " s (frame " +
                                std::to_string(next_index - 1) +
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

}  // namespace gearbox
