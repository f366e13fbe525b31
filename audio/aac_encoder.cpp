#include "aac_encoder.h"

#include <algorithm>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
}

namespace gearbox {
namespace {

Error av_failure(const std::string& what, int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof text);
  return make_error(ErrorCode::kBackendFailure, "aac encoder: " + what + ": " + text);
}

}  // namespace

AacEncoder::~AacEncoder() {
  avcodec_free_context(&ctx_);
  if (fifo_) av_audio_fifo_free(fifo_);
  av_frame_free(&frame_);
  av_packet_free(&packet_);
}

int AacEncoder::frame_size() const {
  return ctx_->frame_size;
}

Result<std::unique_ptr<AacEncoder>> AacEncoder::open(int sample_rate,
                                                     int channels,
                                                     int64_t bitrate_bps) {
  std::unique_ptr<AacEncoder> e(new AacEncoder());
  e->channels_ = channels;
  const AVCodec* codec = avcodec_find_encoder_by_name("aac");
  if (!codec)
    return make_error(ErrorCode::kUnavailable, "aac encoder: libavcodec has no native aac encoder");
  e->ctx_ = avcodec_alloc_context3(codec);
  if (!e->ctx_) return av_failure("avcodec_alloc_context3", AVERROR(ENOMEM));
  AVCodecContext* c = e->ctx_;
  c->sample_fmt = AV_SAMPLE_FMT_FLTP;
  c->sample_rate = sample_rate;
  av_channel_layout_default(&c->ch_layout, channels);
  c->bit_rate = bitrate_bps;
  c->profile = FF_PROFILE_AAC_LOW;
  c->time_base = AVRational{1, sample_rate};
  c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // the AudioSpecificConfig goes into the init segment
  int rc = avcodec_open2(c, codec, nullptr);
  if (rc < 0) return av_failure("avcodec_open2", rc);
  e->codec_.codec = "aac";
  e->codec_.codec_string = "mp4a.40.2";  // MPEG-4 audio, object type 2: AAC-LC (RFC 6381)
  e->codec_.extradata.assign(c->extradata, c->extradata + c->extradata_size);
  e->fifo_ = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, channels, c->frame_size * 4);
  e->frame_ = av_frame_alloc();
  e->packet_ = av_packet_alloc();
  if (!e->fifo_ || !e->frame_ || !e->packet_) return av_failure("allocation", AVERROR(ENOMEM));
  e->frame_->format = AV_SAMPLE_FMT_FLTP;
  e->frame_->sample_rate = sample_rate;
  e->frame_->nb_samples = c->frame_size;
  av_channel_layout_copy(&e->frame_->ch_layout, &c->ch_layout);
  rc = av_frame_get_buffer(e->frame_, 0);
  if (rc < 0) return av_failure("av_frame_get_buffer", rc);
  e->silence_.assign(static_cast<size_t>(c->frame_size), 0.0f);
  return e;
}

Status AacEncoder::write(const float* const* planes, int64_t count, const PacketFn& out) {
  const int frame = ctx_->frame_size;
  std::vector<void*> data(static_cast<size_t>(channels_));
  for (int64_t done = 0; done < count;) {
    // In pieces of at most one frame, so silence needs only one frame of zeros.
    const int n = static_cast<int>(std::min<int64_t>(count - done, frame));
    for (int c = 0; c < channels_; ++c) {
      data[c] = planes ? const_cast<float*>(planes[c] + done) : silence_.data();
    }
    if (av_audio_fifo_write(fifo_, data.data(), n) < n)
      return av_failure("av_audio_fifo_write", AVERROR(ENOMEM));
    done += n;
    position_ += n;
    while (av_audio_fifo_size(fifo_) >= frame) {
      const int rc = av_frame_make_writable(frame_);  // the encoder may still hold the last one
      if (rc < 0) return av_failure("av_frame_make_writable", rc);
      av_audio_fifo_read(fifo_, reinterpret_cast<void**>(frame_->data), frame);
      frame_->pts = encoded_;
      encoded_ += frame;
      GEARBOX_RETURN_IF_ERROR(encode(frame_, out));
    }
  }
  return {};
}

Status AacEncoder::drain(const PacketFn& out) {
  const int queued = av_audio_fifo_size(fifo_);
  if (queued > 0) {
    const int64_t end = position_;
    GEARBOX_RETURN_IF_ERROR(write(nullptr, ctx_->frame_size - queued, out));
    position_ = end;  // the padding is not the caller's
  }
  return encode(nullptr, out);
}

Status AacEncoder::encode(AVFrame* frame, const PacketFn& out) {
  int rc = avcodec_send_frame(ctx_, frame);
  if (rc < 0) return av_failure("avcodec_send_frame", rc);
  while ((rc = avcodec_receive_packet(ctx_, packet_)) == 0) {
    EncodedPacket p;
    p.data = packet_->data;
    p.size = static_cast<size_t>(packet_->size);
    p.pts = packet_->pts;  // already minus the encoder's delay, so the first packet is at -1024
    p.dts = packet_->dts;
    p.keyframe = true;
    Status s = p.pts >= 0 ? out(p) : Status();  // the priming packet has nothing of the input
    av_packet_unref(packet_);
    GEARBOX_RETURN_IF_ERROR(s);
  }
  if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF) return av_failure("avcodec_receive_packet", rc);
  return {};
}

}  // namespace gearbox
