#include "x264_encoder.h"

#include <string>

extern "C" {
#include <x264.h>
}

#include "gearbox/avc.h"
#include "gearbox/cpu_surface.h"
#include "gearbox/rational.h"
#include "x264_options.h"

namespace gearbox {
namespace {

Error x264_error(const std::string& what) {
  return make_error(ErrorCode::kBackendFailure, "x264: " + what);
}

class X264Encoder final : public Encoder {
 public:
  X264Encoder(x264_t* handle, const EncoderConfig& config, CodecConfig codec)
      : handle_(handle), config_(config), codec_(std::move(codec)) {
    // x264 stamps dts = the pts of the frame `delay` places earlier in presentation order,
    // `delay` being 2 frames with a B-pyramid, 1 with plain B-frames (x264's i_bframe_delay),
    // so a packet's pts - dts never exceeds that many frame durations of constant-rate input.
    x264_param_t p;
    x264_encoder_parameters(handle_, &p);
    const int64_t frames =
        p.i_bframe == 0 ? 0 : (p.i_bframe_pyramid != X264_B_PYRAMID_NONE ? 2 : 1);
    decode_delay_ticks_ =
        frames * mul_div_ceil(config_.timescale, config_.frame_rate.den, config_.frame_rate.num);
  }
  ~X264Encoder() override { x264_encoder_close(handle_); }

  Status encode(const Surface& surface, int64_t pts, bool force_idr, PacketSink& sink) override {
    if (surface.width() != config_.width || surface.height() != config_.height) {
      return x264_error("surface " + std::to_string(surface.width()) + "x" +
                        std::to_string(surface.height()) + " given to an encoder opened for " +
                        std::to_string(config_.width) + "x" + std::to_string(config_.height));
    }
    const auto& cpu = static_cast<const CpuSurface&>(surface);
    x264_picture_t in;
    x264_picture_init(&in);
    in.img.i_csp = X264_CSP_I420;
    in.img.i_plane = 3;
    for (int i = 0; i < 3; ++i) {
      // x264 copies the picture into its own frame before returning, so the surface can go
      // back to its pool as soon as encode() returns.
      in.img.plane[i] = const_cast<uint8_t*>(cpu.plane(i));
      in.img.i_stride[i] = cpu.stride(i);
    }
    in.i_pts = pts;
    in.i_type = force_idr ? X264_TYPE_IDR : X264_TYPE_AUTO;
    ++stats_.frames_in;
    return encode_picture(&in, sink);
  }

  Status drain(PacketSink& sink) override {
    while (x264_encoder_delayed_frames(handle_) > 0) {
      GEARBOX_RETURN_IF_ERROR(encode_picture(nullptr, sink));
    }
    return {};
  }

  const CodecConfig& codec_config() const override { return codec_; }
  EncoderStats stats() const override { return stats_; }
  int64_t decode_delay_ticks() const override { return decode_delay_ticks_; }

 private:
  Status encode_picture(x264_picture_t* in, PacketSink& sink) {
    x264_nal_t* nals = nullptr;
    int nal_count = 0;
    x264_picture_t out;
    int bytes = x264_encoder_encode(handle_, &nals, &nal_count, in, &out);
    if (bytes < 0) return x264_error("x264_encoder_encode failed (" + std::to_string(bytes) + ")");
    if (bytes == 0) return {};
    // x264 lays the NAL units of one picture out back to back starting at nals[0].p_payload.
    EncodedPacket packet;
    packet.data = nals[0].p_payload;
    packet.size = static_cast<size_t>(bytes);
    packet.pts = out.i_pts;
    packet.dts = out.i_dts;
    packet.keyframe = out.b_keyframe && out.i_type == X264_TYPE_IDR;
    ++stats_.packets_out;
    stats_.bytes_out += bytes;
    return sink.on_packet(packet);
  }

  x264_t* handle_;
  EncoderConfig config_;
  CodecConfig codec_;
  EncoderStats stats_;
  int64_t decode_delay_ticks_ = 0;
};

}  // namespace

Result<std::unique_ptr<Encoder>> open_x264_encoder(const EncoderConfig& c) {
  const X264Settings o = X264Settings::from(c.backend_options);
  x264_param_t p;
  if (x264_param_default_preset(&p, o.preset.c_str(), o.tune.empty() ? nullptr : o.tune.c_str()) <
      0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "x264.preset/x264.tune: \"" + o.preset + "\"/\"" + o.tune +
                          "\" is not an x264 preset/tune (presets: ultrafast superfast veryfast "
                          "faster fast medium slow slower veryslow placebo; tunes: film animation "
                          "grain stillimage psnr ssim fastdecode zerolatency)");
  }
  p.i_log_level = X264_LOG_WARNING;
  p.i_width = c.width;
  p.i_height = c.height;
  p.i_csp = X264_CSP_I420;
  p.i_threads = o.threads > 0 ? o.threads : X264_THREADS_AUTO;
  p.i_fps_num = static_cast<uint32_t>(c.frame_rate.num);
  p.i_fps_den = static_cast<uint32_t>(c.frame_rate.den);
  p.i_timebase_num = 1;
  p.i_timebase_den = static_cast<uint32_t>(c.timescale);
  p.b_vfr_input = 0;  // constant frame rate: rate control works from i_fps

  // The engine owns keyframes: x264 never places an IDR or I-frame of its own.
  p.i_keyint_max = X264_KEYINT_MAX_INFINITE;
  p.i_keyint_min = 1;
  p.i_scenecut_threshold = 0;
  p.b_open_gop = 0;
  p.b_intra_refresh = 0;
  p.i_bframe = o.bframes;

  // A real bitrate target with a VBV cap (StreamGear's -crf 20 made bitrates advisory).
  p.rc.i_rc_method = X264_RC_ABR;
  p.rc.i_bitrate = static_cast<int>(c.bitrate_kbps);
  p.rc.i_vbv_max_bitrate =
      static_cast<int>(static_cast<double>(c.bitrate_kbps) * c.rate_control.vbv_maxrate_factor);
  p.rc.i_vbv_buffer_size =
      static_cast<int>(static_cast<double>(c.bitrate_kbps) * c.rate_control.vbv_buffer_seconds);
  if (p.rc.i_vbv_buffer_size < 1) p.rc.i_vbv_buffer_size = 1;

  // Parameter sets travel out of band (avcC in the init segment), as CMAF's 'avc1' requires.
  p.b_repeat_headers = 0;
  p.b_annexb = 1;
  p.b_aud = 0;

  // BT.601 limited range: what the colour conversion produces.
  p.vui.i_colorprim = 6;  // SMPTE 170M
  p.vui.i_transfer = 6;
  p.vui.i_colmatrix = 6;
  p.vui.b_fullrange = 0;

  if (x264_param_apply_profile(&p, o.profile.c_str()) < 0) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "x264.profile: \"" + o.profile +
            "\" is not an x264 profile usable for 8-bit 4:2:0 (baseline, main, high)");
  }
  x264_t* handle = x264_encoder_open(&p);
  if (!handle) {
    return x264_error("x264_encoder_open refused " + std::to_string(c.width) + "x" +
                      std::to_string(c.height) + " at " + std::to_string(c.bitrate_kbps) +
                      " kbps (see x264's log line above)");
  }
  x264_nal_t* nals = nullptr;
  int nal_count = 0;
  if (x264_encoder_headers(handle, &nals, &nal_count) < 0) {
    x264_encoder_close(handle);
    return x264_error("x264_encoder_headers failed");
  }
  CodecConfig codec;
  for (int i = 0; i < nal_count; ++i) {
    if (nals[i].i_type == NAL_SPS || nals[i].i_type == NAL_PPS) {
      codec.extradata.insert(codec.extradata.end(), nals[i].p_payload,
                             nals[i].p_payload + nals[i].i_payload);
    }
  }
  codec.codec_string = avc_codec_string(codec.extradata);
  return std::unique_ptr<Encoder>(new X264Encoder(handle, c, std::move(codec)));
}

}  // namespace gearbox
