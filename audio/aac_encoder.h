// libavcodec's native AAC-LC encoder behind a sample queue: planar float samples in (any count),
// packets out, each 1024 samples long and stamped with the position of the first sample it
// reproduces, so a decoder's output lines up with the input. The encoder's priming packet (its
// 1024-sample delay, which CMAF would need an edit list for) is dropped: the track starts at 0.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/error.h"

struct AVAudioFifo;
struct AVCodecContext;
struct AVFrame;
struct AVPacket;

namespace gearbox {

class AacEncoder {
 public:
  using PacketFn = std::function<Status(const EncodedPacket&)>;  // pts in samples

  static Result<std::unique_ptr<AacEncoder>> open(int sample_rate,
                                                  int channels,
                                                  int64_t bitrate_bps);
  ~AacEncoder();
  AacEncoder(const AacEncoder&) = delete;
  AacEncoder& operator=(const AacEncoder&) = delete;

  // AudioSpecificConfig and "mp4a.40.2".
  const CodecConfig& codec_config() const { return codec_; }
  int frame_size() const;  // samples per packet (1024)

  // Appends `count` samples per channel (planes[c] for channel c); nullptr planes = silence.
  // Encodes every whole frame now available and hands its packets to `out`.
  Status write(const float* const* planes, int64_t count, const PacketFn& out);
  // Encodes what is queued (padded with silence to a whole frame) and drains the encoder.
  Status drain(const PacketFn& out);
  // Samples written so far: the position of the next sample.
  int64_t position() const { return position_; }

 private:
  AacEncoder() = default;
  Status encode(AVFrame* frame, const PacketFn& out);  // nullptr drains

  AVCodecContext* ctx_ = nullptr;
  AVAudioFifo* fifo_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  CodecConfig codec_;
  int channels_ = 2;
  int64_t position_ = 0;  // samples written
  int64_t encoded_ = 0;   // samples sent to the encoder
  std::vector<float> silence_;
};

}  // namespace gearbox
