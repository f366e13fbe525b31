#include "fmp4_segmenter.h"

#include <algorithm>
#include <cstring>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
}

#include "muxer_output.h"

namespace gearbox::packager {

Fmp4Segmenter::Fmp4Segmenter(const TrackDescription& track,
                             std::string directory,
                             SegmentCallback cb)
    : track_(track), directory_(std::move(directory)), on_segment_(std::move(cb)) {}

Fmp4Segmenter::~Fmp4Segmenter() {
  if (mux_) avformat_free_context(mux_);
  av_packet_free(&packet_);
}

Result<std::unique_ptr<Fmp4Segmenter>> Fmp4Segmenter::open(const TrackDescription& track,
                                                           const std::string& directory,
                                                           SegmentCallback on_segment,
                                                           int chunk_frames,
                                                           FlushCallback on_flush) {
  std::unique_ptr<Fmp4Segmenter> s(new Fmp4Segmenter(track, directory, std::move(on_segment)));
  s->chunk_frames_ = chunk_frames;
  s->on_flush_ = std::move(on_flush);
  GEARBOX_RETURN_IF_ERROR(s->open_muxer());
  return s;
}

Status Fmp4Segmenter::open_muxer() {
  int rc = avformat_alloc_output_context2(&mux_, nullptr, "mp4", nullptr);
  if (rc < 0 || !mux_) return av_failure("avformat_alloc_output_context2(mp4)", rc);
  GEARBOX_RETURN_IF_ERROR(add_track_stream(mux_, track_));
  GEARBOX_RETURN_IF_ERROR(output_.attach(mux_));

  // CMAF fragments cut only when we say so (frag_custom); the moov is complete up front
  // (empty_moov: SPS/PPS are known before the first frame); no edit list. Composition offsets
  // stay as given (>= 0: write() shifts by the stream's presentation delay), so presentation
  // time = decode time + offset means the same to every reader. (negative_cts_offsets would
  // rebase them so the first frame's is 0, making B-frames' negative, which libavformat places
  // by the most negative offset it has met so far: a different shift per rendition.)
  AVDictionary* options = nullptr;
  av_dict_set(&options, "movflags",
              "+frag_custom+empty_moov+default_base_moof+skip_trailer+frag_discont", 0);
  av_dict_set(&options, "brand", "cmfc", 0);
  av_dict_set(&options, "use_editlist", "0", 0);
  av_dict_set(&options, "avoid_negative_ts", "make_non_negative", 0);
  const std::string init_name = init_segment_name(track_.id);
  Status opened = output_.open(directory_ + "/" + init_name);
  if (!opened) {
    av_dict_free(&options);
    return opened;
  }
  rc = avformat_write_header(mux_, &options);
  av_dict_free(&options);
  if (rc < 0) {
    output_.abandon();
    return av_failure("avformat_write_header for " + init_name, rc);
  }
  auto written = output_.commit(init_name);
  if (!written) return written.error();
  if (mux_->streams[0]->time_base.den != track_.timescale) {
    return make_error(ErrorCode::kInternal, "mp4 muxer changed the timescale of " + track_.id);
  }
  packet_ = av_packet_alloc();
  if (!packet_) return av_failure("av_packet_alloc", AVERROR(ENOMEM));
  return {};
}

Status Fmp4Segmenter::flush_fragment() {
  if (!output_.is_open()) {
    GEARBOX_RETURN_IF_ERROR(
        output_.open(directory_ + "/" + media_segment_name(track_.id, next_number_)));
  }
  // frag_custom: a null packet makes the muxer write the fragment it holds.
  const int rc = av_write_frame(mux_, nullptr);
  GEARBOX_RETURN_IF_ERROR(output_.flush("a fragment of " + track_.id));
  if (rc < 0) return output_.muxer_failure("writing a fragment of " + track_.id, rc);
  if (on_flush_ && !unflushed_pts_.empty()) on_flush_(unflushed_pts_);
  unflushed_pts_.clear();
  return {};
}

Status Fmp4Segmenter::cut_segment(int64_t end, int64_t next_start) {
  SegmentRecord record;
  record.number = next_number_;
  record.start = segment_start_;
  record.duration = end - segment_start_;
  record.frames = segment_frames_;
  record.discontinuity = after_gap_;
  after_gap_ = false;
  if (segment_frames_ > 0 && (chunk_frames_ == 0 || segment_frames_ % chunk_frames_ != 0)) {
    GEARBOX_RETURN_IF_ERROR(flush_fragment());
  }
  if (!output_.is_open())
    return make_error(ErrorCode::kInternal, track_.id + ": segment without frames");
  auto bytes = output_.commit(media_segment_name(track_.id, next_number_));
  if (!bytes) return bytes.error();
  record.bytes = *bytes;
  ++next_number_;
  segment_start_ = next_start;
  segment_frames_ = 0;
  return on_segment_(record);
}

Status Fmp4Segmenter::write(const EncodedPacket& packet) {
  if (finished_) return make_error(ErrorCode::kClosed, "segmenter " + track_.id + " is finished");
  if (!started_) {
    if (!packet.keyframe) {
      return make_error(ErrorCode::kInternal, track_.id + ": first packet is not an IDR");
    }
    // The mp4 muxer refuses a negative dts; both clocks are shifted by the stream's
    // presentation delay, the largest decode delay of any rendition.
    shift_ = track_.presentation_delay;
    segment_start_ = packet.pts + shift_;
  }
  const int64_t pts = packet.pts + shift_;
  int64_t dts = packet.dts + shift_;
  // x264 measures its reorder delay on the first frames' own timestamps, so caller timestamps
  // further apart at the start than the frame rate says put the first decode times before the
  // presentation delay allows. Those decode times only need to increase and not pass their
  // presentation times, so they move up to the earliest tick that keeps both true.
  const int64_t earliest = started_ ? held_.dts + 1 : 0;
  if (dts < earliest) dts = earliest;
  if (dts > pts) {
    return make_error(ErrorCode::kInternal,
                      track_.id + ": a packet's decode time " + std::to_string(dts) +
                          " passes its presentation time " + std::to_string(pts));
  }
  if (started_) {
    // The held packet's duration is now known: up to this packet's decode time. The muxer
    // takes the last sample of a fragment at its word, so a guess there would shift every
    // later timestamp of a rendition whose frames are not evenly spaced.
    const std::optional<int64_t> gap = packet.keyframe ? gap_before(packet.pts) : std::nullopt;
    if (gap) {
      // A gap in the timestamps ends at this IDR: the last frame before it lasts until the
      // media before the gap ends, not across the gap, so the segment's duration is its media.
      GEARBOX_RETURN_IF_ERROR(write_held(std::max<int64_t>(1, *gap + shift_ - held_.dts)));
      GEARBOX_RETURN_IF_ERROR(cut_segment(*gap + shift_, pts));
      after_gap_ = true;
      // The muxer's next fragment would start where the last one ended (tfdt is the sum of
      // the durations so far); frag_discont makes it start at this packet's own time. The
      // muxer clears the flag once it has used it (the one set at open served the first
      // fragment), so it is set again here.
      const int rc = av_opt_set(mux_->priv_data, "movflags", "+frag_discont", 0);
      if (rc < 0) return av_failure("av_opt_set(movflags, frag_discont) for " + track_.id, rc);
    } else {
      GEARBOX_RETURN_IF_ERROR(write_held(dts - held_.dts));
      if (packet.keyframe) GEARBOX_RETURN_IF_ERROR(cut_segment(pts, pts));
    }
  }
  started_ = true;
  // Hold a copy: the encoder's buffer is only valid until its next call. The buffer keeps its
  // capacity, so this allocates only while packets grow.
  held_data_.assign(packet.data, packet.data + packet.size);
  held_.pts = pts;
  held_.dts = dts;
  held_.keyframe = packet.keyframe;
  has_held_ = true;
  end_pts_ = std::max(end_pts_, held_.pts + track_.frame_ticks);
  return {};
}

Status Fmp4Segmenter::write_held(int64_t duration) {
  if (!has_held_) return {};
  has_held_ = false;
  av_packet_unref(packet_);
  // The muxer copies the payload into its fragment buffer, so no AVBuffer is needed.
  packet_->data = held_data_.data();
  packet_->size = static_cast<int>(held_data_.size());
  packet_->pts = held_.pts;
  packet_->dts = held_.dts;
  packet_->duration = duration;
  // Every AAC frame is a sync sample; for audio `keyframe` only marks where a segment starts.
  packet_->flags = held_.keyframe || track_.is_audio() ? AV_PKT_FLAG_KEY : 0;
  packet_->stream_index = 0;
  int rc = av_write_frame(mux_, packet_);
  packet_->data = nullptr;
  packet_->size = 0;
  if (rc < 0) return output_.muxer_failure("av_write_frame for " + track_.id, rc);
  ++segment_frames_;
  unflushed_pts_.push_back(held_.pts - shift_);
  // A complete chunk goes to disk now; the segment's last one when the segment is cut.
  if (chunk_frames_ > 0 && segment_frames_ % chunk_frames_ == 0) return flush_fragment();
  return {};
}

Status Fmp4Segmenter::finish(int64_t end) {
  if (finished_) return {};
  finished_ = true;
  if (started_) {
    // A rendition at a lower rate than the input ends with the input, not a whole frame of its
    // own rate later, so the last segment has the same duration in every rendition.
    if (end + shift_ > held_.pts) end_pts_ = end + shift_;
    // The last frame lasts one frame of the rendition's rate.
    GEARBOX_RETURN_IF_ERROR(write_held(end_pts_ - held_.pts));
    GEARBOX_RETURN_IF_ERROR(cut_segment(end_pts_, end_pts_));
  }
  int rc = av_write_trailer(mux_);
  if (rc < 0) return av_failure("av_write_trailer for " + track_.id, rc);
  return output_.flush("the trailer of " + track_.id);
}

}  // namespace gearbox::packager
