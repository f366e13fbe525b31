#include "h264_test_codecs.h"

#include <algorithm>
#include <cstring>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <x264.h>
}

namespace gearbox::vaapi::h264::testing {

namespace {

void append_nals(std::vector<uint8_t>& out, const x264_nal_t* nals, int count) {
  for (int i = 0; i < count; ++i)
    out.insert(out.end(), nals[i].p_payload, nals[i].p_payload + nals[i].i_payload);
}

void draw(x264_picture_t& pic, int width, int height, int t) {
  for (int y = 0; y < height; ++y) {
    uint8_t* row = pic.img.plane[0] + y * pic.img.i_stride[0];
    for (int x = 0; x < width; ++x) {
      int value = (x * 3 + y * 2 + t * 5) & 0xff;
      const int bx = 8 + t * 4, by = 6 + t * 2;
      if (x >= bx && x < bx + 24 && y >= by && y < by + 20) value = 255 - value / 2;
      row[x] = static_cast<uint8_t>(value);
    }
  }
  for (int plane = 1; plane < 3; ++plane) {
    for (int y = 0; y < height / 2; ++y) {
      uint8_t* row = pic.img.plane[plane] + y * pic.img.i_stride[plane];
      for (int x = 0; x < width / 2; ++x)
        row[x] = static_cast<uint8_t>(plane == 1 ? 128 + ((x + t) % 32) - 16 : 96 + (y * 2) % 64);
    }
  }
}

}  // namespace

X264Output encode_with_x264(const X264Run& run) {
  X264Output out;
  x264_param_t p;
  if (x264_param_default_preset(&p, "veryfast", "zerolatency") < 0) {
    out.error = "x264_param_default_preset failed";
    return out;
  }
  p.i_log_level = X264_LOG_WARNING;
  p.i_threads = 1;
  p.b_sliced_threads = 0;
  p.i_width = run.width;
  p.i_height = run.height;
  p.i_csp = X264_CSP_I420;
  p.i_fps_num = 25;
  p.i_fps_den = 1;
  p.b_vfr_input = 0;
  p.b_cabac = 1;
  p.analyse.b_transform_8x8 = 1;
  p.i_frame_reference = 1;
  p.i_bframe = 0;
  p.analyse.i_weighted_pred = X264_WEIGHTP_NONE;
  p.analyse.b_psy = 0;
  p.i_scenecut_threshold = 0;
  p.i_keyint_max = X264_KEYINT_MAX_INFINITE;
  p.i_slice_count = 1;
  p.b_deblocking_filter = 1;
  p.i_deblocking_filter_alphac0 = 0;
  p.i_deblocking_filter_beta = 0;
  p.b_repeat_headers = 0;
  p.b_annexb = 1;
  p.rc.i_rc_method = X264_RC_ABR;
  p.rc.i_bitrate = run.bitrate_kbps;
  p.rc.i_vbv_max_bitrate = run.bitrate_kbps;
  p.rc.i_vbv_buffer_size = run.bitrate_kbps;
  if (x264_param_apply_profile(&p, "high") < 0) {
    out.error = "x264_param_apply_profile failed";
    return out;
  }
  x264_t* encoder = x264_encoder_open(&p);
  if (!encoder) {
    out.error = "x264_encoder_open failed";
    return out;
  }
  x264_nal_t* nals = nullptr;
  int count = 0;
  if (x264_encoder_headers(encoder, &nals, &count) < 0) {
    out.error = "x264_encoder_headers failed";
    x264_encoder_close(encoder);
    return out;
  }
  append_nals(out.headers, nals, count);
  x264_picture_t pic, pic_out;
  if (x264_picture_alloc(&pic, X264_CSP_I420, run.width, run.height) < 0) {
    out.error = "x264_picture_alloc failed";
    x264_encoder_close(encoder);
    return out;
  }
  for (int t = 0; t < run.frames; ++t) {
    draw(pic, run.width, run.height, t);
    pic.i_pts = t;
    const bool idr =
        std::find(run.idr_frames.begin(), run.idr_frames.end(), t) != run.idr_frames.end();
    pic.i_type = idr ? X264_TYPE_IDR : X264_TYPE_P;
    if (x264_encoder_encode(encoder, &nals, &count, &pic, &pic_out) < 0) {
      out.error = "x264_encoder_encode failed at frame " + std::to_string(t);
      break;
    }
    if (count > 0) {
      out.access_units.emplace_back();
      append_nals(out.access_units.back(), nals, count);
    }
  }
  while (out.error.empty() && x264_encoder_delayed_frames(encoder) > 0) {
    if (x264_encoder_encode(encoder, &nals, &count, nullptr, &pic_out) < 0) {
      out.error = "x264_encoder_encode (flush) failed";
      break;
    }
    if (count > 0) {
      out.access_units.emplace_back();
      append_nals(out.access_units.back(), nals, count);
    }
  }
  x264_picture_clean(&pic);
  x264_encoder_close(encoder);
  return out;
}

Decoded decode_h264(const std::vector<uint8_t>& extradata,
                    const std::vector<std::vector<uint8_t>>& packets) {
  Decoded out;
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
  AVCodecContext* ctx = codec ? avcodec_alloc_context3(codec) : nullptr;
  if (!ctx) {
    out.error = "no H.264 decoder";
    return out;
  }
  ctx->thread_count = 1;
  ctx->err_recognition = AV_EF_EXPLODE | AV_EF_BITSTREAM | AV_EF_BUFFER;
  if (!extradata.empty()) {
    ctx->extradata =
        static_cast<uint8_t*>(av_mallocz(extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    std::memcpy(ctx->extradata, extradata.data(), extradata.size());
    ctx->extradata_size = static_cast<int>(extradata.size());
  }
  AVPacket* packet = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  bool ok = avcodec_open2(ctx, codec, nullptr) == 0;
  if (!ok) out.error = "avcodec_open2 failed";
  auto receive = [&] {
    while (avcodec_receive_frame(ctx, frame) == 0) {
      if (frame->decode_error_flags != 0 || (frame->flags & AV_FRAME_FLAG_CORRUPT)) {
        ok = false;
        out.error = "a frame decoded with errors";
      }
      std::vector<uint8_t> planes;
      for (int plane = 0; plane < 3; ++plane) {
        const int w = plane ? (frame->width + 1) / 2 : frame->width;
        const int h = plane ? (frame->height + 1) / 2 : frame->height;
        for (int y = 0; y < h; ++y) {
          const uint8_t* row = frame->data[plane] + y * frame->linesize[plane];
          planes.insert(planes.end(), row, row + w);
        }
      }
      out.pictures.push_back(std::move(planes));
      av_frame_unref(frame);
    }
  };
  for (size_t i = 0; ok && i < packets.size(); ++i) {
    if (av_new_packet(packet, static_cast<int>(packets[i].size())) < 0) {
      ok = false;
      out.error = "av_new_packet failed";
      break;
    }
    std::memcpy(packet->data, packets[i].data(), packets[i].size());
    packet->pts = static_cast<int64_t>(i);
    const int sent = avcodec_send_packet(ctx, packet);
    av_packet_unref(packet);
    if (sent < 0) {
      ok = false;
      out.error = "avcodec_send_packet failed on access unit " + std::to_string(i);
      break;
    }
    receive();
  }
  if (ok) {
    avcodec_send_packet(ctx, nullptr);
    receive();
  }
  out.width = ctx->width;
  out.height = ctx->height;
  out.profile = ctx->profile;
  out.level = ctx->level;
  out.framerate_num = ctx->framerate.num;
  out.framerate_den = ctx->framerate.den;
  out.color_primaries = ctx->color_primaries;
  out.color_trc = ctx->color_trc;
  out.colorspace = ctx->colorspace;
  out.color_range = ctx->color_range;
  out.has_b_frames = ctx->has_b_frames;
  out.ok = ok;
  av_frame_free(&frame);
  av_packet_free(&packet);
  avcodec_free_context(&ctx);
  return out;
}

}  // namespace gearbox::vaapi::h264::testing
