// Caller timestamps through Streamer::push(frame, timestamp, time_base): the time base and the
// sequence come from the input (any int64, any order, mixed with frames without timestamps).
// push() must refuse what it cannot place (naming it) and never overflow; close() must finish.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_streamer.h"
#include "gearbox/config.h"
#include "gearbox/streamer.h"

namespace {

gearbox::StreamConfig g_config;
std::vector<uint8_t> g_pixels;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_config = gearbox::fuzz::small_stream_config("ts");
  g_config.format = gearbox::OutputFormat::kBoth;
  g_config.segment_duration = {1, 2};
  g_config.input_frame_rate = {30, 1};
  g_config.renditions.push_back({16, 16, 50, gearbox::Rational{15, 1}});
  g_pixels.assign(32 * 32 * 3 / 2, 128);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gearbox::fuzz::InputReader in{data, size};
  auto streamer = gearbox::Streamer::open(g_config);
  if (!streamer) __builtin_trap();
  const gearbox::FrameView frame =
      gearbox::FrameView::contiguous_yuv(gearbox::PixelFormat::kI420, 32, 32, g_pixels.data());
  for (int n = 0; n < 64 && in.left > 0; ++n) {
    const uint8_t mode = in.take<uint8_t>();
    if (mode == 0xff) {
      (void)(*streamer)->push(frame);  // no timestamp: refused once a stream has them
      continue;
    }
    const int64_t timestamp = in.take<int64_t>();
    gearbox::Rational time_base{1, 1000000};
    if (mode & 1) time_base = {in.take<int64_t>(), in.take<int64_t>()};
    (void)(*streamer)->push(frame, timestamp, time_base);
  }
  (void)(*streamer)->close();
  return 0;
}
