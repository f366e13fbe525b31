// Frame views through Streamer::push(): format, size, strides and data come from the input. A
// Streamer on x264 with a tiny ladder writes into a temporary folder, opened for each input so
// the first frame (which fixes the stream's size and format) varies too.
//
// A view's memory is the caller's contract: each plane holds stride * (rows - 1) + the row's
// bytes. The fuzzer allocates exactly that (so ASan sees any read past it) when the view is
// legal and small; a view that breaks the rules is pushed over a 16-byte buffer and push() must
// refuse it, never read it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz_streamer.h"
#include "gearbox/config.h"
#include "gearbox/streamer.h"

namespace {

using gearbox::FrameView;
using gearbox::PixelFormat;

using Reader = gearbox::fuzz::InputReader;

gearbox::StreamConfig g_config;

constexpr PixelFormat kFormats[] = {PixelFormat::kBGR24, PixelFormat::kRGB24, PixelFormat::kBGRA,
                                    PixelFormat::kRGBA,  PixelFormat::kGRAY8, PixelFormat::kNV12,
                                    PixelFormat::kI420};
constexpr int64_t kMaxPlaneBytes = 1 << 20;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_config = gearbox::fuzz::small_stream_config("push");
  g_config.format = gearbox::OutputFormat::kHls;
  g_config.segment_duration = {1, 1};
  g_config.input_frame_rate = {25, 1};
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  auto streamer = gearbox::Streamer::open(g_config);
  if (!streamer) __builtin_trap();  // the config is fixed and valid
  static const uint8_t small[16] = {};
  for (int frame = 0; frame < 4 && in.left >= 8; ++frame) {
    const uint8_t format_byte = in.take<uint8_t>();
    FrameView v;
    v.format = kFormats[format_byte % 7];
    // Mostly small sizes (which x264 encodes), sometimes anything an int holds.
    if (format_byte & 0x80) {
      v.width = in.take<int32_t>();
      v.height = in.take<int32_t>();
    } else {
      v.width = in.take<uint8_t>() + 1;
      v.height = in.take<uint8_t>() + 1;
    }
    const int planes = gearbox::plane_count(v.format);
    bool legal = gearbox::check_frame_size("frame", v.width, v.height).ok();
    int64_t bytes[3] = {0, 0, 0};
    for (int i = 0; i < planes; ++i) {
      const int16_t extra = in.take<int16_t>();  // stride = the row's bytes + extra
      if (!legal) {
        v.stride[i] = extra;
        continue;
      }
      const int64_t row = gearbox::min_stride(v.format, i, v.width);
      const int64_t stride = row + extra;
      v.stride[i] = static_cast<int>(stride);
      const int64_t rows = gearbox::plane_rows(v.format, i, v.height);
      if (stride < row) legal = false;
      bytes[i] = stride * (rows - 1) + row;
    }
    std::vector<std::unique_ptr<uint8_t[]>> buffers;
    for (int i = 0; i < planes; ++i) {
      if (legal && bytes[i] <= kMaxPlaneBytes) {
        buffers.emplace_back(new uint8_t[static_cast<size_t>(bytes[i])]);
        for (int64_t b = 0; b < bytes[i]; ++b) buffers.back()[b] = in.left ? data[b % size] : 0;
        v.data[i] = buffers.back().get();
      } else {
        v.data[i] = small;
      }
    }
    bool too_big = false;
    for (int i = 0; i < planes; ++i) too_big = too_big || bytes[i] > kMaxPlaneBytes;
    if (legal && too_big) continue;  // a real frame too large to fuzz quickly
    gearbox::Status s = (*streamer)->push(v);
    if (!legal && s.ok()) __builtin_trap();  // accepted a view that breaks the rules
  }
  (void)(*streamer)->close();
  return 0;
}
