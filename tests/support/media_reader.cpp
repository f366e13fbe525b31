#include "media_reader.h"

#include <cmath>
#include <fstream>
#include <sstream>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

namespace gearbox::testing {
namespace {

std::string av_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

void collect(AVFrame* f, bool keep_luma, DecodedStream& out) {
  DecodedFrame d;
  d.pts = f->best_effort_timestamp;
  d.keyframe = f->key_frame != 0;
  d.width = f->width;
  d.height = f->height;
  if (keep_luma) {
    d.luma.resize(static_cast<size_t>(f->width) * f->height);
    for (int y = 0; y < f->height; ++y) {
      std::copy(f->data[0] + static_cast<ptrdiff_t>(y) * f->linesize[0],
                f->data[0] + static_cast<ptrdiff_t>(y) * f->linesize[0] + f->width,
                d.luma.begin() + static_cast<ptrdiff_t>(y) * f->width);
    }
  }
  out.frames.push_back(std::move(d));
}

// Opens `url` with the options and a decoder for stream `stream_index` (-1: the best audio
// stream); every other stream is discarded. On failure returns false with `error` set.
struct OpenedStream {
  AVFormatContext* fmt = nullptr;
  AVCodecContext* dec = nullptr;
  int index = -1;
  ~OpenedStream() {
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
  }
  bool open(const std::string& url,
            int stream_index,
            const DemuxerOptions& options,
            std::string& error) {
    AVDictionary* opts = nullptr;
    // Let the HLS and DASH demuxers open the segment files next to the manifest.
    av_dict_set(&opts, "allowed_extensions", "ALL", 0);
    for (const auto& [key, value] : options) av_dict_set(&opts, key.c_str(), value.c_str(), 0);
    int rc = avformat_open_input(&fmt, url.c_str(), nullptr, &opts);
    av_dict_free(&opts);
    if (rc < 0) {
      error = "avformat_open_input(" + url + "): " + av_text(rc);
      return false;
    }
    rc = avformat_find_stream_info(fmt, nullptr);
    index = stream_index >= 0 ? stream_index
                              : av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (rc < 0 || index < 0 || index >= static_cast<int>(fmt->nb_streams)) {
      error = "no stream " + std::to_string(stream_index) + " in " + url;
      return false;
    }
    for (unsigned i = 0; i < fmt->nb_streams; ++i) {
      fmt->streams[i]->discard = static_cast<int>(i) == index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    }
    const AVCodec* codec = avcodec_find_decoder(fmt->streams[index]->codecpar->codec_id);
    dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, fmt->streams[index]->codecpar);
    dec->thread_count = 1;
    dec->pkt_timebase = fmt->streams[index]->time_base;
    if (!codec || avcodec_open2(dec, codec, nullptr) < 0) {
      error = "cannot open a decoder for " + url;
      return false;
    }
    return true;
  }
  // Reads every packet of the stream, calls `on_packet` for it, and `on_frame` for every
  // decoded frame, the decoder's tail included. Returns false if the decoder refused a packet.
  template <typename OnPacket, typename OnFrame>
  bool decode(OnPacket on_packet, OnFrame on_frame) {
    AVPacket* pkt = av_packet_alloc();
    AVFrame* frame = av_frame_alloc();
    bool ok = true;
    while (av_read_frame(fmt, pkt) >= 0) {
      if (pkt->stream_index == index) {
        on_packet(pkt);
        if (avcodec_send_packet(dec, pkt) < 0) ok = false;
        while (avcodec_receive_frame(dec, frame) == 0) on_frame(frame);
      }
      av_packet_unref(pkt);
    }
    avcodec_send_packet(dec, nullptr);
    while (avcodec_receive_frame(dec, frame) == 0) on_frame(frame);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    return ok;
  }
};

}  // namespace

DecodedStream decode_all(const std::string& url,
                         int stream_index,
                         bool keep_luma,
                         const DemuxerOptions& options) {
  DecodedStream out;
  OpenedStream in;
  if (!in.open(url, stream_index, options, out.error)) return out;
  AVStream* st = in.fmt->streams[in.index];
  out.time_base_num = st->time_base.num;
  out.time_base_den = st->time_base.den;
  out.start_time = st->start_time == AV_NOPTS_VALUE ? 0 : st->start_time;
  out.extradata.assign(st->codecpar->extradata,
                       st->codecpar->extradata + st->codecpar->extradata_size);
  out.codec_name = in.dec->codec->name;
  const bool ok = in.decode(
      [&](const AVPacket* pkt) {
        out.packet_bytes += pkt->size;
        if (pkt->flags & AV_PKT_FLAG_KEY) out.keyframe_packet_pts.push_back(pkt->pts);
      },
      [&](AVFrame* frame) { collect(frame, keep_luma, out); });
  if (!ok) out.error = "decoder refused a packet";
  out.ok = out.error.empty();
  return out;
}

DecodedAudio decode_audio(const std::string& url, const DemuxerOptions& options) {
  DecodedAudio out;
  OpenedStream in;
  if (!in.open(url, -1, options, out.error)) return out;
  const AVRational tb = in.fmt->streams[in.index]->time_base;
  out.codec_name = in.dec->codec->name;
  out.sample_rate = in.dec->sample_rate;
  out.channels = in.dec->ch_layout.nb_channels;
  const bool ok =
      in.decode([&](const AVPacket* pkt) { out.packet_bytes += pkt->size; },
                [&](AVFrame* f) {
                  if (f->format != AV_SAMPLE_FMT_FLTP && f->format != AV_SAMPLE_FMT_FLT) {
                    out.error = "decoded sample format is not float";
                    return;
                  }
                  // Each frame goes where its timestamp says, so a gap or an overlap in the output
                  // shows.
                  const int64_t at =
                      av_rescale_q(f->best_effort_timestamp, tb, AVRational{1, f->sample_rate});
                  if (out.samples.empty()) out.first_sample = at;
                  const int64_t index = at - out.first_sample;
                  if (index < 0) {
                    out.error = "a frame starts before the first one";
                    return;
                  }
                  if (out.samples.size() < static_cast<size_t>(index + f->nb_samples))
                    out.samples.resize(index + f->nb_samples);
                  const float* ch0 = reinterpret_cast<const float*>(f->data[0]);
                  const int step = f->format == AV_SAMPLE_FMT_FLT ? f->ch_layout.nb_channels : 1;
                  for (int i = 0; i < f->nb_samples; ++i) out.samples[index + i] = ch0[i * step];
                  out.decoded_samples += f->nb_samples;
                });
  if (!ok) out.error = "decoder refused a packet";
  out.ok = out.error.empty();
  return out;
}
std::vector<StreamSummary> probe_streams(const std::string& url, std::string* error) {
  std::vector<StreamSummary> list;
  AVFormatContext* fmt = nullptr;
  int rc = avformat_open_input(&fmt, url.c_str(), nullptr, nullptr);
  if (rc < 0) {
    if (error) *error = av_text(rc);
    return list;
  }
  avformat_find_stream_info(fmt, nullptr);
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    StreamSummary s;
    s.width = fmt->streams[i]->codecpar->width;
    s.height = fmt->streams[i]->codecpar->height;
    if (AVDictionaryEntry* e =
            av_dict_get(fmt->streams[i]->metadata, "variant_bitrate", nullptr, 0)) {
      s.variant_bitrate = std::atoll(e->value);
    }
    list.push_back(s);
  }
  avformat_close_input(&fmt);
  return list;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

double psnr(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size() || a.empty()) return 0;
  double sse = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = static_cast<double>(a[i]) - b[i];
    sse += d * d;
  }
  if (sse == 0) return 99.0;
  return 10.0 * std::log10(255.0 * 255.0 * static_cast<double>(a.size()) / sse);
}

std::vector<uint8_t> reference_luma(const uint8_t* const planes[3],
                                    const int strides[3],
                                    int av_pix_fmt,
                                    int width,
                                    int height) {
  SwsContext* sws =
      sws_getContext(width, height, static_cast<AVPixelFormat>(av_pix_fmt), width, height,
                     AV_PIX_FMT_YUV420P, SWS_POINT | SWS_ACCURATE_RND, nullptr, nullptr, nullptr);
  std::vector<uint8_t> y(static_cast<size_t>(width) * height);
  std::vector<uint8_t> u(static_cast<size_t>((width + 1) / 2) * ((height + 1) / 2));
  std::vector<uint8_t> v(u.size());
  uint8_t* dst[4] = {y.data(), u.data(), v.data(), nullptr};
  int dst_stride[4] = {width, (width + 1) / 2, (width + 1) / 2, 0};
  sws_scale(sws, planes, strides, 0, height, dst, dst_stride);
  sws_freeContext(sws);
  return y;
}

std::vector<uint8_t> reference_luma_bgr24(const uint8_t* bgr, int width, int height) {
  const uint8_t* planes[3] = {bgr, nullptr, nullptr};
  int strides[3] = {3 * width, 0, 0};
  return reference_luma(planes, strides, AV_PIX_FMT_BGR24, width, height);
}

}  // namespace gearbox::testing
