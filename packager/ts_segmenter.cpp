#include "ts_segmenter.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
}

namespace gearbox::packager {

TsSegmenter::TsSegmenter(const TrackDescription& track,
                         std::string directory,
                         SegmentCallback on_segment)
    : track_(track), directory_(std::move(directory)), on_segment_(std::move(on_segment)) {}

TsSegmenter::~TsSegmenter() {
  if (mux_) avformat_free_context(mux_);
  av_packet_free(&packet_);
}

Result<std::unique_ptr<TsSegmenter>> TsSegmenter::open(const TrackDescription& track,
                                                       const std::string& directory,
                                                       SegmentCallback on_segment,
                                                       int chunk_frames,
                                                       FlushCallback on_flush) {
  std::unique_ptr<TsSegmenter> s(new TsSegmenter(track, directory, std::move(on_segment)));
  s->chunk_frames_ = chunk_frames;
  s->on_flush_ = std::move(on_flush);
  GEARBOX_RETURN_IF_ERROR(s->open_muxer());
  return s;
}

Status TsSegmenter::open_muxer() {
  int rc = avformat_alloc_output_context2(&mux_, nullptr, "mpegts", nullptr);
  if (rc < 0 || !mux_) return av_failure("avformat_alloc_output_context2(mpegts)", rc);
  GEARBOX_RETURN_IF_ERROR(add_track_stream(mux_, track_));
  GEARBOX_RETURN_IF_ERROR(output_.attach(mux_));
  // The mpegts muxer adds no delay of its own (max_delay 0): kTsTimestampOffset90k is the only
  // shift, identical in every track's muxer.
  mux_->max_delay = 0;
  // An audio-only stream carries the PCR on its audio PID; the muxer would derive its period
  // from a fixed frame size that AAC does not have (and warn), so name it: 80 ms, under the
  // 100 ms ISO/IEC 13818-1 allows between PCRs.
  AVDictionary* options = nullptr;
  if (track_.is_audio()) av_dict_set(&options, "pcr_period", "80", 0);
  rc = avformat_write_header(mux_, &options);  // PAT/PMT go out with the first packet
  av_dict_free(&options);
  if (rc < 0) return av_failure("avformat_write_header(mpegts) for " + track_.id, rc);
  packet_ = av_packet_alloc();
  if (!packet_) return av_failure("av_packet_alloc", AVERROR(ENOMEM));
  return {};
}

Status TsSegmenter::start_segment(int64_t start) {
  GEARBOX_RETURN_IF_ERROR(output_.open(
      directory_ + "/" + media_segment_name(track_.id, next_number_, SegmentContainer::kMpegTs)));
  // The next packet is preceded by PAT and PMT, so the segment can be decoded on its own.
  const int rc = av_opt_set(mux_->priv_data, "mpegts_flags", "+resend_headers", 0);
  if (rc < 0) return av_failure("av_opt_set(mpegts_flags, resend_headers)", rc);
  segment_start_ = start;
  segment_frames_ = 0;
  return {};
}

Status TsSegmenter::flush_pending() {
  // A null packet makes the muxer write the PES data it still gathers (AVFMT_ALLOW_FLUSH).
  const int rc = av_write_frame(mux_, nullptr);
  GEARBOX_RETURN_IF_ERROR(
      output_.flush(media_segment_name(track_.id, next_number_, SegmentContainer::kMpegTs)));
  if (rc < 0) return output_.muxer_failure("flushing the mpegts muxer of " + track_.id, rc);
  if (on_flush_ && !unflushed_pts_.empty()) on_flush_(unflushed_pts_);
  unflushed_pts_.clear();
  return {};
}

Status TsSegmenter::end_segment(int64_t next_start) {
  GEARBOX_RETURN_IF_ERROR(flush_pending());
  SegmentRecord record;
  record.number = next_number_;
  record.start = segment_start_;
  record.duration = next_start - segment_start_;
  record.frames = segment_frames_;
  record.discontinuity = after_gap_;
  auto bytes =
      output_.commit(media_segment_name(track_.id, next_number_, SegmentContainer::kMpegTs));
  if (!bytes) return bytes.error();
  record.bytes = *bytes;
  ++next_number_;
  return on_segment_(record);
}

Status TsSegmenter::write(const EncodedPacket& packet) {
  if (finished_) return make_error(ErrorCode::kClosed, "segmenter " + track_.id + " is finished");
  if (!started_) {
    if (!packet.keyframe)
      return make_error(ErrorCode::kInternal, track_.id + ": first packet is not an IDR");
    started_ = true;
    GEARBOX_RETURN_IF_ERROR(start_segment(packet.pts));
  } else if (packet.keyframe) {
    // After a gap in the timestamps the segment ends with its media, not at this IDR; MPEG-TS
    // timestamps are absolute, so the next segment simply starts later.
    const std::optional<int64_t> gap = gap_before(packet.pts);
    GEARBOX_RETURN_IF_ERROR(end_segment(gap ? *gap : packet.pts));
    GEARBOX_RETURN_IF_ERROR(start_segment(packet.pts));
    after_gap_ = gap.has_value();
  }
  // Media ticks to the 90 kHz clock the muxer set as the stream's time base.
  const AVRational from{1, static_cast<int>(track_.timescale)};
  const AVRational to = mux_->streams[0]->time_base;
  const int64_t offset = av_rescale_q(kTsTimestampOffset90k, AVRational{1, 90000}, to);
  av_packet_unref(packet_);
  // The muxer copies the payload into its PES packets, so no AVBuffer is needed.
  packet_->data = const_cast<uint8_t*>(packet.data);
  packet_->size = static_cast<int>(packet.size);
  packet_->pts = av_rescale_q(packet.pts, from, to) + offset;
  packet_->dts = av_rescale_q(packet.dts, from, to) + offset;
  packet_->duration = av_rescale_q(track_.frame_ticks, from, to);
  packet_->flags = packet.keyframe || track_.is_audio() ? AV_PKT_FLAG_KEY : 0;
  packet_->stream_index = 0;
  const int rc = av_write_frame(mux_, packet_);
  packet_->data = nullptr;
  packet_->size = 0;
  if (rc < 0) return output_.muxer_failure("av_write_frame(mpegts) for " + track_.id, rc);
  last_pts_ = packet.pts;
  ++segment_frames_;
  unflushed_pts_.push_back(packet.pts);
  if (chunk_frames_ > 0 && segment_frames_ % chunk_frames_ == 0) return flush_pending();
  return {};
}

Status TsSegmenter::finish(int64_t end) {
  if (finished_) return {};
  finished_ = true;
  if (started_) {
    // As in the CMAF writer: the last segment ends with the input, or one frame after its
    // last frame.
    GEARBOX_RETURN_IF_ERROR(end_segment(end > last_pts_ ? end : last_pts_ + track_.frame_ticks));
  }
  const int rc = av_write_trailer(mux_);  // nothing is left to write: no file is open
  if (rc < 0) return av_failure("av_write_trailer(mpegts) for " + track_.id, rc);
  return {};
}

}  // namespace gearbox::packager
