#include "fmp4_segmenter.h"

#include <algorithm>
#include <cstring>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
}

#include "atomic_file.h"

namespace gearbox::packager {
namespace {

Error av_failure(const std::string& call, int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof text);
  return make_error(ErrorCode::kBackendFailure, "libavformat " + call + ": " + text);
}

}  // namespace

std::string init_segment_name(const std::string& track_id) { return track_id + "-init.mp4"; }

std::string media_segment_name(const std::string& track_id, const std::string& number) {
  return track_id + "-" + number + ".m4s";
}

Fmp4Segmenter::Fmp4Segmenter(const TrackDescription& track, std::string directory,
                             SegmentCallback cb)
    : track_(track), directory_(std::move(directory)), on_segment_(std::move(cb)) {}

Fmp4Segmenter::~Fmp4Segmenter() {
  if (mux_) avformat_free_context(mux_);
  if (io_) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
  av_packet_free(&packet_);
}

Result<std::unique_ptr<Fmp4Segmenter>> Fmp4Segmenter::open(const TrackDescription& track,
                                                           const std::string& directory,
                                                           SegmentCallback on_segment,
                                                           int chunk_frames, FlushCallback on_flush) {
  std::unique_ptr<Fmp4Segmenter> s(new Fmp4Segmenter(track, directory, std::move(on_segment)));
  s->chunk_frames_ = chunk_frames;
  s->on_flush_ = std::move(on_flush);
  GEARBOX_RETURN_IF_ERROR(s->open_muxer());
  return s;
}

int Fmp4Segmenter::on_muxer_bytes(void* opaque, uint8_t* data, int size) {
  auto* self = static_cast<Fmp4Segmenter*>(opaque);
  if (!self->out_) return size;  // skip_trailer: nothing belongs after the last fragment
  Status s = self->out_->write(data, static_cast<size_t>(size));
  if (!s) {
    if (self->out_status_) self->out_status_ = s;
    return AVERROR(EIO);
  }
  return size;
}

Status Fmp4Segmenter::open_muxer() {
  int rc = avformat_alloc_output_context2(&mux_, nullptr, "mp4", nullptr);
  if (rc < 0 || !mux_) return av_failure("avformat_alloc_output_context2(mp4)", rc);
  AVStream* st = avformat_new_stream(mux_, nullptr);
  if (!st) return av_failure("avformat_new_stream", AVERROR(ENOMEM));
  st->time_base = AVRational{1, static_cast<int>(track_.timescale)};
  AVCodecParameters* par = st->codecpar;
  par->bit_rate = track_.target_bitrate_bps;
  if (track_.is_audio()) {
    par->codec_type = AVMEDIA_TYPE_AUDIO;
    par->codec_id = AV_CODEC_ID_AAC;
    par->sample_rate = track_.sample_rate;
    par->frame_size = static_cast<int>(track_.frame_ticks);
    av_channel_layout_default(&par->ch_layout, track_.channels);
  } else {
    st->avg_frame_rate = AVRational{static_cast<int>(track_.frame_rate.num),
                                    static_cast<int>(track_.frame_rate.den)};
    par->codec_type = AVMEDIA_TYPE_VIDEO;
    par->codec_id = AV_CODEC_ID_H264;
    par->width = track_.width;
    par->height = track_.height;
    par->color_range = AVCOL_RANGE_MPEG;
    par->color_primaries = AVCOL_PRI_SMPTE170M;
    par->color_trc = AVCOL_TRC_SMPTE170M;
    par->color_space = AVCOL_SPC_SMPTE170M;
  }
  const std::vector<uint8_t>& extra = track_.codec.extradata;
  par->extradata = static_cast<uint8_t*>(av_mallocz(extra.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!par->extradata) return av_failure("av_mallocz", AVERROR(ENOMEM));
  std::memcpy(par->extradata, extra.data(), extra.size());
  par->extradata_size = static_cast<int>(extra.size());

  const int kBufferSize = 1 << 16;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
  io_ = avio_alloc_context(buffer, kBufferSize, 1, this, nullptr, &on_muxer_bytes, nullptr);
  if (!io_) return av_failure("avio_alloc_context", AVERROR(ENOMEM));
  mux_->pb = io_;
  mux_->flags |= AVFMT_FLAG_CUSTOM_IO;

  // CMAF fragments cut only when we say so (frag_custom); the moov is complete up front
  // (empty_moov: SPS/PPS are known before the first frame); no edit list and version-1 trun
  // boxes (negative_cts_offsets), as CMAF prefers; the B-frame delay is handled in write().
  AVDictionary* options = nullptr;
  av_dict_set(&options, "movflags",
              "+cmaf+frag_custom+empty_moov+default_base_moof+negative_cts_offsets+skip_trailer",
              0);
  GEARBOX_RETURN_IF_ERROR(write_output(init_segment_name(track_.id), [&] {
    int r = avformat_write_header(mux_, &options);
    av_dict_free(&options);
    return r;
  }, nullptr));
  if (st->time_base.den != track_.timescale) {
    return make_error(ErrorCode::kInternal, "mp4 muxer changed the timescale of " + track_.id);
  }
  packet_ = av_packet_alloc();
  if (!packet_) return av_failure("av_packet_alloc", AVERROR(ENOMEM));
  return {};
}

Status Fmp4Segmenter::write_output(const std::string& name, const std::function<int()>& produce,
                                   int64_t* bytes) {
  auto file = AtomicFileWriter::open(directory_ + "/" + name);
  if (!file) return file.error();
  out_.emplace(std::move(file.value()));
  out_status_ = Status();
  int rc = produce();
  if (rc >= 0) avio_flush(io_);
  if (rc >= 0) rc = io_->error;
  AtomicFileWriter written = std::move(*out_);
  out_.reset();
  if (!out_status_) return out_status_;
  if (rc < 0) return av_failure("writing " + name, rc);
  if (bytes) *bytes = written.bytes();
  return written.commit();
}

Status Fmp4Segmenter::flush_fragment() {
  if (!out_) {
    auto file = AtomicFileWriter::open(directory_ + "/" + media_segment_name(track_.id, next_number_));
    if (!file) return file.error();
    out_.emplace(std::move(file.value()));
    out_status_ = Status();
  }
  // frag_custom: a null packet makes the muxer write the fragment it holds.
  int rc = av_write_frame(mux_, nullptr);
  if (rc >= 0) avio_flush(io_);
  if (rc >= 0) rc = io_->error;
  if (!out_status_) return out_status_;
  if (rc < 0) return av_failure("writing a fragment of " + track_.id, rc);
  if (on_flush_ && !unflushed_pts_.empty()) on_flush_(unflushed_pts_);
  unflushed_pts_.clear();
  return {};
}

Status Fmp4Segmenter::cut_segment(int64_t next_start) {
  SegmentRecord record;
  record.number = next_number_;
  record.start = segment_start_;
  record.duration = next_start - segment_start_;
  record.frames = segment_frames_;
  if (segment_frames_ > 0 && (chunk_frames_ == 0 || segment_frames_ % chunk_frames_ != 0)) {
    GEARBOX_RETURN_IF_ERROR(flush_fragment());
  }
  if (!out_) return make_error(ErrorCode::kInternal, track_.id + ": segment without frames");
  AtomicFileWriter written = std::move(*out_);
  out_.reset();
  record.bytes = written.bytes();
  GEARBOX_RETURN_IF_ERROR(written.commit());
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
    started_ = true;
    // The mp4 muxer refuses a negative dts; shift both clocks by the decode delay instead.
    shift_ = packet.pts - packet.dts;
    segment_start_ = packet.pts + shift_;
  } else {
    // The held packet's duration is now known: up to this packet's decode time. The muxer
    // takes the last sample of a fragment at its word, so a guess there would shift every
    // later timestamp of a rendition whose frames are not evenly spaced.
    GEARBOX_RETURN_IF_ERROR(write_held(packet.dts + shift_ - held_.dts));
    if (packet.keyframe) GEARBOX_RETURN_IF_ERROR(cut_segment(packet.pts + shift_));
  }
  // Hold a copy: the encoder's buffer is only valid until its next call. The buffer keeps its
  // capacity, so this allocates only while packets grow.
  held_data_.assign(packet.data, packet.data + packet.size);
  held_.pts = packet.pts + shift_;
  held_.dts = packet.dts + shift_;
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
  if (rc < 0) return av_failure("av_write_frame for " + track_.id, rc);
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
    GEARBOX_RETURN_IF_ERROR(cut_segment(end_pts_));
  }
  int rc = av_write_trailer(mux_);
  if (rc < 0) return av_failure("av_write_trailer for " + track_.id, rc);
  avio_flush(io_);
  return {};
}

}  // namespace gearbox::packager
