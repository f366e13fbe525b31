// The two independent codecs the syntax tests hold the module against: libx264 (real CABAC
// slice data and parameter sets of its own) and libavcodec's H.264 decoder (the reader).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gearbox::vaapi::h264::testing {

// libx264 configured as the simulated VA driver configures it: CABAC, 8x8 transform, 1
// reference, no B-frames, no weighted prediction, no psy (chroma_qp_index_offset stays 0), no
// scene cut, no GOP of its own, 1 slice, deblocking 0:0, ABR with VBV (the QP moves per frame).
struct X264Run {
  int width = 176;
  int height = 100;
  int frames = 20;
  std::vector<int> idr_frames = {0, 10};
  int bitrate_kbps = 200;
};
struct X264Output {
  std::vector<uint8_t> headers;                    // x264_encoder_headers(), Annex B
  std::vector<std::vector<uint8_t>> access_units;  // one a frame, in order, Annex B
  std::string error;                               // empty on success
};
// A moving picture: gradients that slide and a box that travels, so P slices carry motion.
X264Output encode_with_x264(const X264Run& run);

struct Decoded {
  bool ok = false;
  std::string error;
  int width = 0, height = 0;  // the decoder's (cropped) size
  int profile = 0, level = 0;
  int framerate_num = 0, framerate_den = 0;
  int color_primaries = 0, color_trc = 0, colorspace = 0, color_range = 0;
  int has_b_frames = -1;                       // the reorder delay the decoder derived
  std::vector<std::vector<uint8_t>> pictures;  // Y, U, V planes packed tightly, output order
};
// Decodes with libavcodec, one packet per access unit, errors fatal (AV_EF_EXPLODE), one thread.
Decoded decode_h264(const std::vector<uint8_t>& extradata,
                    const std::vector<std::vector<uint8_t>>& packets);

}  // namespace gearbox::vaapi::h264::testing
