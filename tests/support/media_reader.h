// An independent reader of gearbox's output for tests: libavformat demuxes what a player would
// fetch (HLS playlists, the DASH MPD, or an init segment + media segment) and libavcodec decodes
// it. Nothing here shares code with gearbox's own writer.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gearbox::testing {

struct DecodedFrame {
  int64_t pts = 0;        // in the stream's time base
  bool keyframe = false;  // the packet it came from was flagged as a keyframe
  int width = 0;
  int height = 0;
  std::vector<uint8_t> luma;  // tightly packed Y plane (only when asked for)
};

struct DecodedStream {
  bool ok = false;
  std::string error;
  int time_base_num = 1;
  int time_base_den = 1;
  int64_t start_time = 0;
  std::string codec_name;
  std::vector<uint8_t> extradata;            // avcC for mp4
  std::vector<DecodedFrame> frames;          // in presentation order
  std::vector<int64_t> keyframe_packet_pts;  // pts of packets flagged as keyframes
  int64_t packet_bytes = 0;
};

using DemuxerOptions = std::vector<std::pair<std::string, std::string>>;
// Opens `url` (a file path or playlist) and decodes stream `stream_index` completely.
DecodedStream decode_all(const std::string& url,
                         int stream_index = 0,
                         bool keep_luma = false,
                         const DemuxerOptions& options = {});
// For a playlist still being written (no EXT-X-ENDLIST): read from its first segment and stop
// at its current end instead of waiting for more, as libavformat's HLS demuxer would.
inline const DemuxerOptions kReadGrowingPlaylistOnce = {{"live_start_index", "0"},
                                                        {"m3u8_hold_counters", "0"}};

// The first channel of the best audio stream, decoded. Sample i is presented at
// (first_sample + i) / sample_rate seconds: each decoded frame is placed by its timestamp.
struct DecodedAudio {
  bool ok = false;
  std::string error;
  std::string codec_name;
  int sample_rate = 0;
  int channels = 0;
  int64_t first_sample = 0;     // presentation time of samples[0], in samples
  int64_t decoded_samples = 0;  // per channel, as the decoder returned them
  int64_t packet_bytes = 0;
  std::vector<float> samples;  // channel 0
  double seconds() const {
    return sample_rate ? static_cast<double>(samples.size()) / sample_rate : 0;
  }
};
DecodedAudio decode_audio(const std::string& url, const DemuxerOptions& options = {});

// Number of streams and their per-stream "variant_bitrate" metadata (HLS) and sizes.
struct StreamSummary {
  int width = 0;
  int height = 0;
  int64_t variant_bitrate = 0;
};
std::vector<StreamSummary> probe_streams(const std::string& url, std::string* error);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

double psnr(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b);

// BT.601 limited-range luma of a BGR24 frame computed by libswscale (the reference for checks).
std::vector<uint8_t> reference_luma_bgr24(const uint8_t* bgr, int width, int height);
// Reference luma of any FrameView-style packed input through libswscale; `av_pix_fmt` is an
// AVPixelFormat value.
std::vector<uint8_t> reference_luma(const uint8_t* const planes[3],
                                    const int strides[3],
                                    int av_pix_fmt,
                                    int width,
                                    int height);

}  // namespace gearbox::testing
