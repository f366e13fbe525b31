#include "muxer_output.h"

#include <cstring>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/error.h>
}

namespace gearbox::packager {

Error av_failure(const std::string& call, int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof text);
  return make_error(ErrorCode::kBackendFailure, "libavformat " + call + ": " + text);
}

Status add_track_stream(AVFormatContext* mux, const TrackDescription& track) {
  AVStream* st = avformat_new_stream(mux, nullptr);
  if (!st) return av_failure("avformat_new_stream", AVERROR(ENOMEM));
  st->time_base = AVRational{1, static_cast<int>(track.timescale)};
  AVCodecParameters* par = st->codecpar;
  par->bit_rate = track.target_bitrate_bps;
  if (track.is_audio()) {
    par->codec_type = AVMEDIA_TYPE_AUDIO;
    par->codec_id = AV_CODEC_ID_AAC;
    par->sample_rate = track.sample_rate;
    par->frame_size = static_cast<int>(track.frame_ticks);
    av_channel_layout_default(&par->ch_layout, track.channels);
  } else {
    st->avg_frame_rate =
        AVRational{static_cast<int>(track.frame_rate.num), static_cast<int>(track.frame_rate.den)};
    par->codec_type = AVMEDIA_TYPE_VIDEO;
    par->codec_id = AV_CODEC_ID_H264;
    par->width = track.width;
    par->height = track.height;
    par->color_range = AVCOL_RANGE_MPEG;
    par->color_primaries = AVCOL_PRI_SMPTE170M;
    par->color_trc = AVCOL_TRC_SMPTE170M;
    par->color_space = AVCOL_SPC_SMPTE170M;
  }
  const std::vector<uint8_t>& extra = track.codec.extradata;
  par->extradata = static_cast<uint8_t*>(av_mallocz(extra.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!par->extradata) return av_failure("av_mallocz", AVERROR(ENOMEM));
  std::memcpy(par->extradata, extra.data(), extra.size());
  par->extradata_size = static_cast<int>(extra.size());
  return {};
}

MuxerFileOutput::~MuxerFileOutput() {
  if (io_) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
}

Status MuxerFileOutput::attach(AVFormatContext* mux) {
  const int kBufferSize = 1 << 16;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
  if (!buffer) return av_failure("av_malloc", AVERROR(ENOMEM));
  io_ = avio_alloc_context(buffer, kBufferSize, 1, this, nullptr, &on_bytes, nullptr);
  if (!io_) {
    av_free(buffer);
    return av_failure("avio_alloc_context", AVERROR(ENOMEM));
  }
  mux->pb = io_;
  mux->flags |= AVFMT_FLAG_CUSTOM_IO;
  return {};
}

int MuxerFileOutput::on_bytes(void* opaque, uint8_t* data, int size) {
  auto* self = static_cast<MuxerFileOutput*>(opaque);
  if (!self->file_) return size;  // e.g. a trailer nothing should follow
  Status s = self->file_->write(data, static_cast<size_t>(size));
  if (!s) {
    if (self->status_) self->status_ = s;
    (void)self->fail(s);
    return AVERROR(EIO);
  }
  return size;
}

Status MuxerFileOutput::fail(Status s) {
  if (failure_) failure_ = s;
  file_.reset();
  return s;
}

Status MuxerFileOutput::open(const std::string& path) {
  if (!failure_) return failure_;
  auto file = AtomicFileWriter::open(path);
  if (!file) return fail(file.error());
  file_.emplace(std::move(file.value()));
  status_ = Status();
  return {};
}

Status MuxerFileOutput::flush(const std::string& what) {
  avio_flush(io_);
  if (!status_) return status_;
  if (!failure_) return failure_;
  if (io_->error < 0) return fail(av_failure("writing " + what, io_->error));
  return {};
}

Result<int64_t> MuxerFileOutput::commit(const std::string& what) {
  Status flushed = flush(what);
  if (!flushed) return flushed.error();
  if (!file_) return make_error(ErrorCode::kInternal, what + ": no file open");
  AtomicFileWriter written = std::move(*file_);
  file_.reset();
  Status committed = written.commit();
  if (!committed) return fail(committed).error();
  return written.bytes();
}

}  // namespace gearbox::packager
