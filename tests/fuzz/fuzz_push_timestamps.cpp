// Caller timestamps through Streamer::push(frame, timestamp, time_base): the time base and the
// sequence come from the input (any int64, any order, mixed with frames without timestamps).
// push() must refuse what it cannot place (naming it) and never overflow; close() must finish.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "gearbox/config.h"
#include "gearbox/streamer.h"

namespace {

std::string g_dir;
gearbox::StreamConfig g_config;
std::vector<uint8_t> g_pixels;

template <typename T>
T take(const uint8_t*& p, size_t& left) {
  T v{};
  const size_t n = left < sizeof v ? left : sizeof v;
  std::memcpy(&v, p, n);
  p += n;
  left -= n;
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char pattern[] = "/tmp/gearbox-fuzz-ts-XXXXXX";
  g_dir = mkdtemp(pattern);
  g_config.output = g_dir;
  g_config.backend = "x264";
  g_config.format = gearbox::OutputFormat::kBoth;
  g_config.segment_duration = {1, 2};
  g_config.input_frame_rate = {30, 1};
  g_config.clear_previous_assets = true;
  g_config.x264.preset = "ultrafast";
  g_config.x264.threads = 1;
  g_config.primary_bitrate_kbps = 100;
  g_config.renditions.push_back({16, 16, 50, gearbox::Rational{15, 1}});
  g_config.log = [](gearbox::LogLevel, const std::string&) {};
  g_pixels.assign(32 * 32 * 3 / 2, 128);
  std::atexit([] { std::filesystem::remove_all(g_dir); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* p = data;
  size_t left = size;
  auto streamer = gearbox::Streamer::open(g_config);
  if (!streamer) __builtin_trap();
  const gearbox::FrameView frame =
      gearbox::FrameView::contiguous_yuv(gearbox::PixelFormat::kI420, 32, 32, g_pixels.data());
  for (int n = 0; n < 64 && left > 0; ++n) {
    const uint8_t mode = take<uint8_t>(p, left);
    if (mode == 0xff) {
      (void)(*streamer)->push(frame);  // no timestamp: refused once a stream has them
      continue;
    }
    const int64_t timestamp = take<int64_t>(p, left);
    gearbox::Rational time_base{1, 1000000};
    if (mode & 1) time_base = {take<int64_t>(p, left), take<int64_t>(p, left)};
    (void)(*streamer)->push(frame, timestamp, time_base);
  }
  (void)(*streamer)->close();
  return 0;
}
