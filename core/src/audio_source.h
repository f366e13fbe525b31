// An audio input through libavformat/libavdevice: a file, a URL, or "FORMAT:DEVICE" (alsa,
// pulse, lavfi, ...), decoded and resampled by libswresample to planar float at the output's
// sample rate and channel count. Each chunk carries the time of its first sample on the
// source's own clock: the stream's timestamps for files, URLs and lavfi; the wall clock (as
// libavdevice stamps capture packets) for capture devices.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

  // A capture device: its chunks are stamped with the wall clock (microseconds since the epoch).
  bool live() const { return live_; }
  // What was opened, for logs: "lavfi \"sine=...\"", "file \"a.wav\"".
  const std::string& description() const { return description_; }

  // The next chunk. false at the end of the source; an error when reading or decoding fails
  // (the message names the source). Blocks while a device or a network source has no data,
  // at most kStallSeconds for a network source, or until interrupt().
  Result<bool> read(AudioChunk& chunk);
  // From another thread: makes a blocked read() give up (it then returns an error).
  void interrupt() { interrupted_ = true; }

  static constexpr int kStallSeconds = 5;

 private:
  AudioSource() = default;
  Status open_input(const AudioOptions& options);
  Status open_decoder();
  Status resample(AVFrame* frame, AudioChunk& chunk);  // nullptr flushes the resampler
  Error failure(const std::string& what, int code) const;
  static int interrupt_callback(void* opaque);

  std::string description_;
  bool live_ = false;
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
  int64_t next_start_us_ = 0;   // where the next chunk starts when a frame has no timestamp
  std::atomic<bool> interrupted_{false};
  std::atomic<int64_t> read_deadline_us_{0};  // monotonic; 0 = no deadline
};

}  // namespace gearbox
