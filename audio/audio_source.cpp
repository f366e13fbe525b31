#include "audio_source.h"

#include <dlfcn.h>

#include <filesystem>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavdevice/version.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/time.h>
#include <libswresample/swresample.h>
}

namespace gearbox {
namespace {

std::string av_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, text, sizeof text);
  return text;
}

// How a source string is opened: "FORMAT:DEVICE" when FORMAT names a libavformat input format
// (alsa, pulse, lavfi, ...) and no file of that name exists; otherwise a file path or a URL.
struct InputSpec {
  const AVInputFormat* format = nullptr;
  std::string url;
  std::string description;
};

// libavdevice (the capture devices: alsa, pulse, ...) is loaded when the first audio source
// is opened instead of being linked: with it come libavfilter and some 80 more libraries (SDL,
// Vulkan, speech synthesis voices, ...) that cost every gearbox process about 11 MB of resident
// memory and a share of its start-up relocations, audio or not. Never unloaded: the formats
// it registers point into it. Returns why it could not be loaded, or "" once it is.
const std::string& load_capture_devices() {
  static const std::string reason = []() -> std::string {
    const std::string name = "libavdevice.so." + std::to_string(LIBAVDEVICE_VERSION_MAJOR);
    void* library = dlopen(name.c_str(), RTLD_NOW);
    if (!library) return dlerror();
    auto register_all = reinterpret_cast<void (*)()>(dlsym(library, "avdevice_register_all"));
    if (!register_all) return name + " has no avdevice_register_all";
    register_all();
    return "";
  }();
  return reason;
}

InputSpec parse_input_spec(const std::string& source) {
  load_capture_devices();
  InputSpec spec;
  spec.url = source;
  std::error_code ec;
  const size_t colon = source.find(':');
  const bool url = source.find("://") != std::string::npos;
  if (!url && colon != std::string::npos && colon > 0 && !std::filesystem::exists(source, ec)) {
    spec.format = av_find_input_format(source.substr(0, colon).c_str());
    if (spec.format) spec.url = source.substr(colon + 1);
  }
  if (spec.format) {
    spec.description = std::string(spec.format->name) + " \"" + spec.url + "\"";
  } else {
    spec.description = std::string(url ? "URL" : "file") + " \"" + source + "\"";
  }
  return spec;
}

bool is_capture_device(const AVInputFormat* format) {
  return format && format->priv_class &&
         format->priv_class->category == AV_CLASS_CATEGORY_DEVICE_AUDIO_INPUT;
}

}  // namespace

AudioSource::~AudioSource() {
  swr_free(&swr_);
  avcodec_free_context(&decoder_);
  avformat_close_input(&input_);
  av_packet_free(&packet_);
  av_frame_free(&frame_);
}

Error AudioSource::failure(const std::string& what, int code) const {
  return make_error(ErrorCode::kIo,
                    "audio source " + description_ + ": " + what + ": " + av_text(code));
}

int AudioSource::interrupt_callback(void* opaque) {
  auto* self = static_cast<AudioSource*>(opaque);
  const int64_t deadline = self->read_deadline_us_;
  return self->interrupted_ || (deadline > 0 && av_gettime_relative() > deadline);
}

Result<std::unique_ptr<AudioSource>> AudioSource::open(const AudioOptions& options) {
  std::unique_ptr<AudioSource> s(new AudioSource());
  s->out_rate_ = options.sample_rate;
  s->out_channels_ = options.channels;
  GEARBOX_RETURN_IF_ERROR(s->open_input(options));
  GEARBOX_RETURN_IF_ERROR(s->open_decoder());
  s->packet_ = av_packet_alloc();
  s->frame_ = av_frame_alloc();
  if (!s->packet_ || !s->frame_) return make_error(ErrorCode::kInternal, "audio: out of memory");
  return s;
}

Status AudioSource::open_input(const AudioOptions& options) {
  const InputSpec spec = parse_input_spec(options.source);
  description_ = spec.description;
  device_ = is_capture_device(spec.format);
  wall_clock_ =
      options.clock == AudioClock::kWall || (options.clock == AudioClock::kAuto && device_);
  auto invalid = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument,
                      "audio.source: \"" + options.source + "\" " + why);
  };
  input_ = avformat_alloc_context();
  if (!input_) return make_error(ErrorCode::kInternal, "audio: out of memory");
  input_->interrupt_callback = AVIOInterruptCB{&AudioSource::interrupt_callback, this};
  read_deadline_us_ = av_gettime_relative() + kStallSeconds * 1000000LL;
  int rc = avformat_open_input(&input_, spec.url.c_str(), spec.format, nullptr);
  if (rc < 0) {
    const std::string& no_devices = load_capture_devices();
    return invalid(
        "cannot be opened" + (spec.format ? " as " + std::string(spec.format->name) : "") + ": " +
        av_text(rc) +
        (no_devices.empty() ? "" : " (capture devices unavailable: " + no_devices + ")"));
  }
  // A capture device already describes its stream; probing it would only wait for samples.
  if (!device_) rc = avformat_find_stream_info(input_, nullptr);
  read_deadline_us_ = 0;
  if (rc < 0) return invalid("cannot be read: " + av_text(rc));
  stream_index_ = av_find_best_stream(input_, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (stream_index_ < 0) return invalid("has no audio stream");
  return {};
}

Status AudioSource::open_decoder() {
  const AVStream* st = input_->streams[stream_index_];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) {
    return make_error(ErrorCode::kInvalidArgument, "audio.source: " + description_ +
                                                       ": no decoder for its audio codec " +
                                                       avcodec_get_name(st->codecpar->codec_id));
  }
  decoder_ = avcodec_alloc_context3(codec);
  if (!decoder_) return make_error(ErrorCode::kInternal, "audio: out of memory");
  int rc = avcodec_parameters_to_context(decoder_, st->codecpar);
  decoder_->pkt_timebase = st->time_base;
  decoder_->thread_count = 1;
  if (rc >= 0) rc = avcodec_open2(decoder_, codec, nullptr);
  if (rc < 0) return failure("opening the " + std::string(codec->name) + " decoder", rc);
  return {};
}

Result<bool> AudioSource::read(AudioChunk& chunk) {
  chunk.samples = 0;
  while (!finished_) {
    int rc = decoder_ended_ ? AVERROR_EOF : avcodec_receive_frame(decoder_, frame_);
    if (rc == 0) {
      if (wall_clock_ && !device_) stamp_on_arrival(frame_);
      Status s = resample(frame_, chunk);
      av_frame_unref(frame_);
      if (!s) return s.error();
      if (chunk.samples > 0) return true;
      continue;
    }
    if (rc == AVERROR_EOF) {
      decoder_ended_ = true;
      finished_ = true;
      GEARBOX_RETURN_IF_ERROR(resample(nullptr, chunk));
      return chunk.samples > 0;
    }
    if (rc != AVERROR(EAGAIN)) return failure("decoding", rc);
    if (input_ended_) return failure("decoding", AVERROR_BUG);  // a drained decoder wants input
    read_deadline_us_ = device_ ? 0 : av_gettime_relative() + kStallSeconds * 1000000LL;
    rc = av_read_frame(input_, packet_);
    read_deadline_us_ = 0;
    if (rc == AVERROR_EOF) {
      input_ended_ = true;
      avcodec_send_packet(decoder_, nullptr);
      continue;
    }
    if (rc < 0) return failure(interrupted_ ? "interrupted" : "reading", rc);
    if (packet_->stream_index == stream_index_) {
      rc = avcodec_send_packet(decoder_, packet_);
      // A damaged packet costs its own samples (the gap becomes silence), not the source.
      if (rc < 0 && rc != AVERROR_INVALIDDATA) {
        av_packet_unref(packet_);
        return failure("decoding", rc);
      }
    }
    av_packet_unref(packet_);
  }
  return false;
}

void AudioSource::stamp_on_arrival(AVFrame* frame) {
  // The source's own samples are counted (not the resampler's output, which compensate()
  // stretches): a frame arrives once its last sample exists.
  const int64_t start = arrived_us_;
  arrived_us_ += av_rescale(frame->nb_samples, AV_TIME_BASE, frame->sample_rate);
  arrival_clock_.add(av_gettime(), arrived_us_);
  frame->best_effort_timestamp = av_rescale_q(arrival_clock_.offset_us() + start, AV_TIME_BASE_Q,
                                              input_->streams[stream_index_]->time_base);
}

void AudioSource::compensate(int delta, int distance) {
  if (swr_) swr_set_compensation(swr_, delta, distance);
}

Status AudioSource::resample(AVFrame* frame, AudioChunk& chunk) {
  chunk.samples = 0;
  int64_t start_us = next_start_us_;
  if (frame) {
    AVChannelLayout in_layout;
    if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
      av_channel_layout_default(&in_layout, frame->ch_layout.nb_channels);
    } else if (av_channel_layout_copy(&in_layout, &frame->ch_layout) < 0) {
      return make_error(ErrorCode::kInternal, "audio: out of memory");
    }
    if (!swr_) {
      AVChannelLayout out_layout;
      av_channel_layout_default(&out_layout, out_channels_);
      int rc = swr_alloc_set_opts2(&swr_, &out_layout, AV_SAMPLE_FMT_FLTP, out_rate_, &in_layout,
                                   static_cast<AVSampleFormat>(frame->format), frame->sample_rate,
                                   0, nullptr);
      // Wall-clock sources resample from the start, so compensate() never re-initialises it.
      if (rc >= 0 && wall_clock_) rc = av_opt_set_int(swr_, "flags", SWR_FLAG_RESAMPLE, 0);
      if (rc >= 0) rc = swr_init(swr_);
      av_channel_layout_uninit(&out_layout);
      if (rc < 0) {
        av_channel_layout_uninit(&in_layout);
        return failure("setting up the resampler", rc);
      }
    }
    av_channel_layout_uninit(&in_layout);
    if (frame->best_effort_timestamp != AV_NOPTS_VALUE) {
      start_us = av_rescale_q(frame->best_effort_timestamp,
                              input_->streams[stream_index_]->time_base, AV_TIME_BASE_Q);
    }
    next_start_us_ = start_us + av_rescale(frame->nb_samples, AV_TIME_BASE, frame->sample_rate);
  } else if (!swr_) {
    return {};
  }
  // The resampler's output begins with the samples it still holds from earlier input.
  chunk.start_us = start_us - swr_get_delay(swr_, AV_TIME_BASE);
  const int capacity = swr_get_out_samples(swr_, frame ? frame->nb_samples : 0);
  if (capacity <= 0) return {};
  chunk.planes.resize(static_cast<size_t>(out_channels_));
  std::vector<uint8_t*> out(static_cast<size_t>(out_channels_));
  for (int c = 0; c < out_channels_; ++c) {
    chunk.planes[c].resize(static_cast<size_t>(capacity));
    out[c] = reinterpret_cast<uint8_t*>(chunk.planes[c].data());
  }
  const int n = swr_convert(swr_, out.data(), capacity,
                            frame ? const_cast<const uint8_t**>(frame->extended_data) : nullptr,
                            frame ? frame->nb_samples : 0);
  if (n < 0) return failure("resampling", n);
  for (auto& plane : chunk.planes) plane.resize(static_cast<size_t>(n));
  chunk.samples = n;
  return {};
}

}  // namespace gearbox
