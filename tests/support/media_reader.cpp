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

}  // namespace

DecodedStream decode_all(const std::string& url, int stream_index, bool keep_luma,
                         const DemuxerOptions& options) {
  DecodedStream out;
  AVFormatContext* fmt = nullptr;
  AVDictionary* opts = nullptr;
  // Let the HLS and DASH demuxers open the segment files next to the manifest.
  av_dict_set(&opts, "allowed_extensions", "ALL", 0);
  for (const auto& [key, value] : options) av_dict_set(&opts, key.c_str(), value.c_str(), 0);
  int rc = avformat_open_input(&fmt, url.c_str(), nullptr, &opts);
  av_dict_free(&opts);
  if (rc < 0) {
    out.error = "avformat_open_input(" + url + "): " + av_text(rc);
    return out;
  }
  rc = avformat_find_stream_info(fmt, nullptr);
  if (rc < 0 || stream_index >= static_cast<int>(fmt->nb_streams)) {
    out.error = "no stream " + std::to_string(stream_index) + " in " + url;
    avformat_close_input(&fmt);
    return out;
  }
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    fmt->streams[i]->discard = static_cast<int>(i) == stream_index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  }
  AVStream* st = fmt->streams[stream_index];
  out.time_base_num = st->time_base.num;
  out.time_base_den = st->time_base.den;
  out.start_time = st->start_time == AV_NOPTS_VALUE ? 0 : st->start_time;
  out.extradata.assign(st->codecpar->extradata, st->codecpar->extradata + st->codecpar->extradata_size);
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  AVCodecContext* dec = avcodec_alloc_context3(codec);
  avcodec_parameters_to_context(dec, st->codecpar);
  dec->thread_count = 1;
  out.codec_name = codec ? codec->name : "?";
  if (!codec || avcodec_open2(dec, codec, nullptr) < 0) {
    out.error = "cannot open a decoder for " + url;
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return out;
  }
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  while ((rc = av_read_frame(fmt, pkt)) >= 0) {
    if (pkt->stream_index == stream_index) {
      out.packet_bytes += pkt->size;
      if (pkt->flags & AV_PKT_FLAG_KEY) out.keyframe_packet_pts.push_back(pkt->pts);
      if (avcodec_send_packet(dec, pkt) < 0) out.error = "decoder refused a packet";
      while (avcodec_receive_frame(dec, frame) == 0) collect(frame, keep_luma, out);
    }
    av_packet_unref(pkt);
  }
  avcodec_send_packet(dec, nullptr);
  while (avcodec_receive_frame(dec, frame) == 0) collect(frame, keep_luma, out);
  out.ok = out.error.empty();
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&dec);
  avformat_close_input(&fmt);
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
    if (AVDictionaryEntry* e = av_dict_get(fmt->streams[i]->metadata, "variant_bitrate", nullptr, 0)) {
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

std::vector<uint8_t> reference_luma(const uint8_t* const planes[3], const int strides[3],
                                    int av_pix_fmt, int width, int height) {
  SwsContext* sws = sws_getContext(width, height, static_cast<AVPixelFormat>(av_pix_fmt), width,
                                   height, AV_PIX_FMT_YUV420P, SWS_POINT | SWS_ACCURATE_RND,
                                   nullptr, nullptr, nullptr);
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
