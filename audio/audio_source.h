// An audio input through libavformat/libavdevice: a file, a URL, or "FORMAT:DEVICE" (alsa,
// pulse, lavfi, ...), decoded and resampled by libswresample to planar float at the output's
// sample rate and channel count. Each chunk carries the time of its first sample: on the
// source's own clock (AudioClock::kSource), or on the wall clock (kWall): a capture device's
// packet time, as libavdevice stamps it, or for other sources the time the chunk arrived.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "clock_offset.h"
#include "gearbox/config.h"
#include "gearbox/error.h"

struct AVCodecContext;
struct AVFormatContext;
struct AVFrame;
struct AVPacket;
struct SwrContext;

namespace gearbox {

struct AudioChunk {
  int64_t start_us = 0;  // time of the first sample, microseconds on the source's clock
  int samples = 0;       // per channel
  std::vector<std::vector<float>> planes;  // one per output channel
};

class AudioSource {
 public:
  // Opens options.source. Errors name the field and the value:
  // audio.source: "hw:9" cannot be opened as alsa: No such file or directory.
  static Result<std::unique_ptr<AudioSource>> open(const AudioOptions& options);
  ~AudioSource();
  AudioSource(const AudioSource&) = delete;
  AudioSource& operator=(const AudioSource&) = delete;

  // Chunks are stamped with the wall clock (microseconds since the epoch, av_gettime()); such a
  // source runs in real time, so it is read as it delivers.
  bool wall_clock() const { return wall_clock_; }
  // What was opened, for logs: "lavfi \"sine=...\"", "file \"a.wav\"".
  const std::string& description() const { return description_; }

  // The next chunk. false at the end of the source; an error when reading or decoding fails
  // (the message names the source). Blocks while a device or a network source has no data,
  // at most kStallSeconds for a network source, or until interrupt().
  Result<bool> read(AudioChunk& chunk);
  // From another thread: makes a blocked read() give up (it then returns an error).
  void interrupt() { interrupted_ = true; }
  // Wall-clock sources: resample the next `distance` output samples into `distance + delta`,
  // to follow the video's clock without a jump (libswresample's compensation).
  void compensate(int delta, int distance);

  static constexpr int kStallSeconds = 5;

 private:
  AudioSource() = default;
  Status open_input(const AudioOptions& options);
  Status open_decoder();
  Status resample(AVFrame* frame, AudioChunk& chunk);  // nullptr flushes the resampler
  Error failure(const std::string& what, int code) const;
  static int interrupt_callback(void* opaque);

  std::string description_;
  bool device_ = false;  // a capture device: libavdevice stamps packets with the wall clock
  bool wall_clock_ = false;
  int out_rate_ = 48000;
  int out_channels_ = 2;
  AVFormatContext* input_ = nullptr;
  AVCodecContext* decoder_ = nullptr;
  SwrContext* swr_ = nullptr;
  AVPacket* packet_ = nullptr;
  AVFrame* frame_ = nullptr;
  int stream_index_ = -1;
  bool input_ended_ = false;    // the demuxer returned EOF; the decoder is being drained
  bool decoder_ended_ = false;  // the decoder is drained; the resampler's tail is next
  bool finished_ = false;
  int64_t next_start_us_ = 0;  // where the next chunk starts when a frame has no timestamp
  // Wall-clock sources other than devices: when their samples were recorded, from when decoded
  // frames arrive and how much of the source came before them.
  void stamp_on_arrival(AVFrame* frame);
  ClockOffset arrival_clock_{1'000'000};
  int64_t arrived_us_ = 0;
  std::atomic<bool> interrupted_{false};
  std::atomic<int64_t> read_deadline_us_{0};  // monotonic; 0 = no deadline
};

}  // namespace gearbox
