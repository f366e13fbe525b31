// gearbox_ladder: makes frames (a moving pattern), pushes them through gearbox::Streamer into a
// three-rendition ladder on x264 and writes MPEG-DASH and HLS into the folder named on the
// command line, then prints what it wrote.
//
//   gearbox_ladder OUT_DIR [SECONDS]
//
// Built against an installed gearbox (README.md, "Use the library"): CMakeLists.txt here with
// find_package(gearbox), or the Makefile with pkg-config.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gearbox/streamer.h"
#include "gearbox/version.h"

namespace {

constexpr int kWidth = 640;
constexpr int kHeight = 360;
constexpr int kFps = 30;

// A BGR24 picture that changes every frame: a diagonal gradient scrolling right and a white
// square crossing the picture, so every rendition has motion to encode.
void draw(std::vector<uint8_t>& bgr, int64_t index) {
  const int shift = static_cast<int>(index * 4);
  const int square_x = static_cast<int>((index * 6) % (kWidth - 64));
  for (int y = 0; y < kHeight; ++y) {
    uint8_t* row = bgr.data() + static_cast<size_t>(y) * kWidth * 3;
    for (int x = 0; x < kWidth; ++x) {
      const bool in_square = x >= square_x && x < square_x + 64 && y >= 148 && y < 212;
      row[3 * x + 0] = in_square ? 255 : static_cast<uint8_t>((x + shift) & 0xff);      // B
      row[3 * x + 1] = in_square ? 255 : static_cast<uint8_t>((y * 2 + shift) & 0xff);  // G
      row[3 * x + 2] = in_square ? 255 : static_cast<uint8_t>((x + y - shift) & 0xff);  // R
    }
  }
}

int fail(const char* what, const gearbox::Error& error) {
  std::fprintf(stderr, "gearbox_ladder: %s: %s (%s)\n", what, error.message.c_str(),
               gearbox::to_string(error.code));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: gearbox_ladder OUT_DIR [SECONDS]\n");
    return 2;
  }
  const int seconds = argc == 3 ? std::atoi(argv[2]) : 4;
  if (seconds < 1 || seconds > 600) {
    std::fprintf(stderr, "gearbox_ladder: SECONDS must be 1..600\n");
    return 2;
  }

  gearbox::StreamConfig config;
  config.output = argv[1];
  config.format = gearbox::OutputFormat::kBoth;  // DASH and HLS over the same segments
  config.backend = "x264";
  config.input_frame_rate = {kFps, 1};
  config.segment_duration = {1, 1};
  config.clear_previous_assets = true;
  config.primary_bitrate_kbps = 1200;  // v0: the source size, 640x360
  for (const char* rung : {"426x240@600k", "320x180@300k"}) {
    auto spec = gearbox::parse_rendition(rung);
    if (!spec) return fail(rung, spec.error());
    config.renditions.push_back(*spec);
  }
  // Called on a pipeline thread once a segment is on disk: only an atomic counter here.
  std::atomic<int> segments{0};
  config.on_segment = [&segments](const gearbox::SegmentEvent&) { ++segments; };

  auto opened = gearbox::Streamer::open(config);
  if (!opened) return fail("open", opened.error());
  std::unique_ptr<gearbox::Streamer> streamer = std::move(*opened);

  std::vector<uint8_t> bgr(static_cast<size_t>(kWidth) * kHeight * 3);
  const int64_t frames = static_cast<int64_t>(seconds) * kFps;
  for (int64_t i = 0; i < frames; ++i) {
    draw(bgr, i);
    // push() reads the frame during the call only: the buffer is reused for the next one.
    gearbox::Status pushed = streamer->push(
        gearbox::FrameView::packed(gearbox::PixelFormat::kBGR24, kWidth, kHeight, bgr.data()));
    if (!pushed) return fail("push", pushed.error());
  }
  gearbox::Status closed = streamer->close();
  if (!closed) return fail("close", closed.error());

  const gearbox::StreamStats stats = streamer->stats();
  const gearbox::OutputPaths& out = streamer->outputs();
  std::printf("gearbox %s (headers %s), backend %s\n", gearbox::version(), GEARBOX_VERSION,
              streamer->backend_name().c_str());
  std::printf("frames pushed %lld, segments written %d\n",
              static_cast<long long>(stats.frames_pushed), segments.load());
  for (const gearbox::RenditionStats& r : stats.renditions) {
    std::printf("rendition %s %dx%d: %lld frames, %lld segments, %lld kbps target\n", r.id.c_str(),
                r.width, r.height, static_cast<long long>(r.frames_encoded),
                static_cast<long long>(r.segments_written), static_cast<long long>(r.target_kbps));
  }
  std::printf("dash: %s\nhls: %s\n", out.dash_manifest.c_str(), out.hls_master.c_str());
  return 0;
}
