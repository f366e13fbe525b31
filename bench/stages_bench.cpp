// Google Benchmark suites for each stage of gearbox's pipeline on realistic sizes, plus the
// whole ladder per available backend. Run: build/bench/gearbox_bench_stages
//   colour conversion  BGR24/RGB24/BGRA/GRAY8 -> I420 (gearbox's path, libyuv) and -> NV12
//                      (libswscale, the alternative) at 1080p and 720p
//   scaling            1080p -> 720p, 540p, 360p with gearbox's scaler, and 720p -> 360p
//   encoding           x264 per preset, 1080p and 720p
//   packaging          packets per second through the CMAF segmenter (muxer + segment files)
//   ladder             the standard 1080p three-rung ladder through the Streamer, per backend
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

extern "C" {
#include <libswscale/swscale.h>
}

#include "cpu_convert.h"
#include "fmp4_segmenter.h"
#include "gearbox/backend.h"
#include "gearbox/backend_registry.h"
#include "gearbox/cpu_surface.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "x264_encoder.h"

namespace gearbox {
namespace {

const PixelFormat kInputs[] = {PixelFormat::kBGR24, PixelFormat::kRGB24, PixelFormat::kBGRA,
                               PixelFormat::kGRAY8};
const AVPixelFormat kAvInputs[] = {AV_PIX_FMT_BGR24, AV_PIX_FMT_RGB24, AV_PIX_FMT_BGRA,
                                   AV_PIX_FMT_GRAY8};

// A frame of the test pattern in `format` (from its BGR24 rendering, through libswscale).
std::vector<uint8_t> pattern_in(PixelFormat format, AVPixelFormat av, int w, int h) {
  TestPattern pattern(w, h);
  FrameView bgr = pattern.render(42);
  std::vector<uint8_t> out(static_cast<size_t>(FrameView::packed_size(format, w, h)));
  SwsContext* sws =
      sws_getContext(w, h, AV_PIX_FMT_BGR24, w, h, av, SWS_POINT, nullptr, nullptr, nullptr);
  uint8_t* dst[1] = {out.data()};
  int dst_stride[1] = {min_stride(format, 0, w)};
  sws_scale(sws, bgr.data, bgr.stride, 0, h, dst, dst_stride);
  sws_freeContext(sws);
  return out;
}

void BM_ConvertToI420(benchmark::State& state) {
  const int fi = static_cast<int>(state.range(0)), w = static_cast<int>(state.range(1)),
            h = static_cast<int>(state.range(2));
  std::vector<uint8_t> input = pattern_in(kInputs[fi], kAvInputs[fi], w, h);
  FrameView frame = FrameView::packed(kInputs[fi], w, h, input.data());
  CpuSurface out(w, h);
  for (auto _ : state) {
    Status s = convert_to_i420(frame, out);
    benchmark::DoNotOptimize(s);
  }
  state.SetLabel(std::string(to_string(kInputs[fi])) + " -> i420 (libyuv)");
  state.SetItemsProcessed(state.iterations());
}

void BM_ConvertToNV12_swscale(benchmark::State& state) {
  const int fi = static_cast<int>(state.range(0)), w = static_cast<int>(state.range(1)),
            h = static_cast<int>(state.range(2));
  std::vector<uint8_t> input = pattern_in(kInputs[fi], kAvInputs[fi], w, h);
  std::vector<uint8_t> nv12(static_cast<size_t>(w) * h * 3 / 2);
  SwsContext* sws = sws_getContext(w, h, kAvInputs[fi], w, h, AV_PIX_FMT_NV12, SWS_POINT, nullptr,
                                   nullptr, nullptr);
  const uint8_t* src[1] = {input.data()};
  int src_stride[1] = {min_stride(kInputs[fi], 0, w)};
  uint8_t* dst[2] = {nv12.data(), nv12.data() + static_cast<size_t>(w) * h};
  int dst_stride[2] = {w, w};
  for (auto _ : state) {
    sws_scale(sws, src, src_stride, 0, h, dst, dst_stride);
    benchmark::ClobberMemory();
  }
  sws_freeContext(sws);
  state.SetLabel(std::string(to_string(kInputs[fi])) + " -> nv12 (libswscale)");
  state.SetItemsProcessed(state.iterations());
}

void BM_Scale(benchmark::State& state) {
  const int sw = static_cast<int>(state.range(0)), sh = static_cast<int>(state.range(1));
  const int dw = static_cast<int>(state.range(2)), dh = static_cast<int>(state.range(3));
  CpuSurface in(sw, sh), out(dw, dh);
  I420Scaler scaler;
  for (auto _ : state) {
    Status s = scaler.scale(in, out);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}

class NullSink final : public PacketSink {
 public:
  Status on_packet(const EncodedPacket& p) override {
    bytes += static_cast<int64_t>(p.size);
    return {};
  }
  int64_t bytes = 0;
};

const char* kPresets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium"};

void BM_EncodeX264(benchmark::State& state) {
  const char* preset = kPresets[state.range(0)];
  const int w = static_cast<int>(state.range(1)), h = static_cast<int>(state.range(2));
  EncoderConfig c;
  c.width = w;
  c.height = h;
  c.frame_rate = {30, 1};
  c.timescale = 90000;
  c.bitrate_kbps = w >= 1920 ? 4000 : 2500;
  c.backend_options["x264.preset"] = preset;
  auto encoder = open_x264_encoder(c);
  if (!encoder) {
    state.SkipWithError(encoder.error().message.c_str());
    return;
  }
  // 60 distinct frames of the pattern, converted once, fed in a loop.
  TestPattern pattern(w, h);
  std::vector<std::unique_ptr<CpuSurface>> frames;
  for (int i = 0; i < 60; ++i) {
    frames.push_back(std::make_unique<CpuSurface>(w, h));
    (void)convert_to_i420(pattern.render(i), *frames.back());
  }
  NullSink sink;
  int64_t n = 0;
  for (auto _ : state) {
    Status s = (*encoder)->encode(*frames[n % 60], n * 3000, n % 60 == 0, sink);
    benchmark::DoNotOptimize(s);
    ++n;
  }
  (void)(*encoder)->drain(sink);
  state.SetLabel(std::string(preset) + ", " +
                 std::to_string(sink.bytes * 8 / std::max<int64_t>(n, 1) * 30 / 1000) + " kb/s");
  state.SetItemsProcessed(state.iterations());
}

// Encoded 720p packets captured once, then replayed through the segmenter: packets per second
// through libavformat's mp4 muxer plus the segment file writes, 2 s segments.
void BM_Package(benchmark::State& state) {
  EncoderConfig c;
  c.width = 1280;
  c.height = 720;
  c.frame_rate = {30, 1};
  c.timescale = 90000;
  c.bitrate_kbps = 2500;
  auto encoder = open_x264_encoder(c);
  struct Capture final : PacketSink {
    std::vector<std::vector<uint8_t>> data;
    std::vector<EncodedPacket> meta;
    Status on_packet(const EncodedPacket& p) override {
      data.emplace_back(p.data, p.data + p.size);
      meta.push_back(p);
      return {};
    }
  } capture;
  TestPattern pattern(1280, 720);
  CpuSurface surface(1280, 720);
  for (int i = 0; i < 120; ++i) {
    (void)convert_to_i420(pattern.render(i), surface);
    (void)(*encoder)->encode(surface, i * 3000, i % 60 == 0, capture);
  }
  (void)(*encoder)->drain(capture);
  packager::TrackDescription track;
  track.id = "v0";
  track.width = 1280;
  track.height = 720;
  track.frame_rate = {30, 1};
  track.timescale = 90000;
  track.frame_ticks = 3000;
  track.codec = (*encoder)->codec_config();
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("gearbox-bench-package-" + std::to_string(::getpid())))
                        .string();
  std::filesystem::create_directories(dir);
  int64_t packets = 0, bytes = 0;
  for (auto _ : state) {
    auto segmenter = packager::Fmp4Segmenter::open(
        track, dir, [](const packager::SegmentRecord&) { return Status(); });
    for (size_t i = 0; i < capture.meta.size(); ++i) {
      EncodedPacket p = capture.meta[i];
      p.data = capture.data[i].data();
      (void)(*segmenter)->write(p);
      bytes += static_cast<int64_t>(p.size);
    }
    (void)(*segmenter)->finish(capture.meta.back().pts + track.frame_ticks);
    packets += static_cast<int64_t>(capture.meta.size());
  }
  std::filesystem::remove_all(dir);
  state.SetItemsProcessed(packets);
  state.SetBytesProcessed(bytes);
  state.SetLabel("items = packets");
}

// The standard ladder (1080p@4000k + 720p@2500k + 360p@800k, 2 s segments, veryfast) through
// the whole Streamer, 90 frames per iteration; items = frames.
void BM_Ladder(benchmark::State& state, const std::string& backend) {
  TestPattern pattern(1920, 1080);
  std::vector<FrameView> unused;
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("gearbox-bench-ladder-" + std::to_string(::getpid())))
                        .string();
  int64_t frames = 0;
  for (auto _ : state) {
    StreamConfig c;
    c.output = dir;
    c.input_frame_rate = {30, 1};
    c.primary_bitrate_kbps = 4000;
    c.renditions = {{1280, 720, 2500, {}}, {640, 360, 800, {}}};
    c.backend = backend;
    c.log = [](LogLevel, const std::string&) {};
    auto s = Streamer::open(c);
    if (!s) {
      state.SkipWithError(s.error().message.c_str());
      return;
    }
    for (int i = 0; i < 90; ++i) (void)(*s)->push(pattern.render(i));
    (void)(*s)->close();
    frames += 90;
    std::filesystem::remove_all(dir);
  }
  state.SetItemsProcessed(frames);
}

void register_ladders() {
  for (auto& b : all_backends()) {
    if (!b->probe().available) continue;
    benchmark::RegisterBenchmark(("BM_Ladder1080p3/" + b->name()).c_str(), BM_Ladder, b->name())
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(2);
  }
}

}  // namespace
}  // namespace gearbox

using gearbox::BM_ConvertToI420;
using gearbox::BM_ConvertToNV12_swscale;
using gearbox::BM_EncodeX264;
using gearbox::BM_Package;
using gearbox::BM_Scale;

BENCHMARK(BM_ConvertToI420)
    ->ArgsProduct({{0, 1, 2, 3}, {1920}, {1080}})
    ->ArgsProduct({{0, 1, 2, 3}, {1280}, {720}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ConvertToNV12_swscale)
    ->ArgsProduct({{0, 1, 2, 3}, {1920}, {1080}})
    ->ArgsProduct({{0, 1, 2, 3}, {1280}, {720}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Scale)
    ->Args({1920, 1080, 1280, 720})
    ->Args({1920, 1080, 960, 540})
    ->Args({1920, 1080, 640, 360})
    ->Args({1280, 720, 640, 360})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EncodeX264)
    ->ArgsProduct({{0, 1, 2, 3, 4, 5}, {1920}, {1080}})
    ->Args({2, 1280, 720})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Package)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  gearbox::register_ladders();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
