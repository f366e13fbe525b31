// Why the x264 backend converts and scales the way it does: libyuv, libswscale and gearbox's
// own converter and 3:2 area filter on the same work, side by side, and the whole upload of
// the bench ladder in two passes and in one. Run: build/bench/gearbox_bench_convert_scale
#include <benchmark/benchmark.h>
#include <libyuv.h>

extern "C" {
#include <libswscale/swscale.h>
}

#include <vector>

#include "area_scale.h"
#include "banded_ladder.h"
#include "cpu_convert.h"
#include "gearbox/cpu_surface.h"
#include "gearbox/test_pattern.h"
#include "rgb24_to_i420.h"

namespace {

struct I420 {
  I420(int w, int h) : w(w), h(h), y(w * h), u((w / 2) * (h / 2)), v(u.size()) {}
  int w, h;
  std::vector<uint8_t> y, u, v;
  uint8_t* planes[3] = {nullptr, nullptr, nullptr};
  uint8_t** p() {
    planes[0] = y.data();
    planes[1] = u.data();
    planes[2] = v.data();
    return planes;
  }
  int strides[3] = {0, 0, 0};
  int* s() {
    strides[0] = w;
    strides[1] = strides[2] = w / 2;
    return strides;
  }
};

void BM_ConvertBgr24ToI420_libyuv(benchmark::State& state) {
  const int w = static_cast<int>(state.range(0)), h = static_cast<int>(state.range(1));
  gearbox::TestPattern pattern(w, h);
  gearbox::FrameView f = pattern.render(7);
  I420 out(w, h);
  for (auto _ : state) {
    libyuv::RGB24ToI420(f.data[0], f.stride[0], out.y.data(), w, out.u.data(), w / 2, out.v.data(),
                        w / 2, w, h);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

// gearbox's one-pass converter (libyuv's arithmetic without its 32-bit intermediate row).
void BM_ConvertBgr24ToI420_gearbox(benchmark::State& state) {
  const int w = static_cast<int>(state.range(0)), h = static_cast<int>(state.range(1));
  gearbox::TestPattern pattern(w, h);
  gearbox::FrameView f = pattern.render(7);
  I420 out(w, h);
  if (!gearbox::rgb24_to_i420_available()) state.SkipWithError("no AVX2 on this CPU");
  for (auto _ : state) {
    gearbox::rgb24_to_i420(gearbox::Rgb24Order::kBgr, f.data[0], f.stride[0], out.y.data(), w,
                           out.u.data(), w / 2, out.v.data(), w / 2, w, h);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

// The x264 backend's whole upload for the bench ladder (1080p BGR24 to 1080p, 720p, 360p I420),
// with the frame coming from memory as in a real run: 16 distinct frames (100 MB) in turn.
// Two passes (convert the frame, then scale the whole picture per size) against one banded
// pass (banded_ladder.h).
struct LadderUpload {
  LadderUpload() : whole(1920, 1080), mid(1280, 720), small(640, 360) {
    gearbox::TestPattern pattern(1920, 1080);
    for (int i = 0; i < 16; ++i) {
      gearbox::FrameView f = pattern.render(i);
      frames.emplace_back(f.data[0], f.data[0] + static_cast<size_t>(f.stride[0]) * 1080);
    }
  }
  gearbox::FrameView frame(int64_t n) const {
    return gearbox::FrameView::packed(gearbox::PixelFormat::kBGR24, 1920, 1080,
                                      frames[n % 16].data());
  }
  std::vector<std::vector<uint8_t>> frames;
  gearbox::CpuSurface whole, mid, small;
};

void BM_LadderUpload1080p_two_passes(benchmark::State& state) {
  LadderUpload u;
  gearbox::I420Scaler scaler;
  int64_t n = 0;
  for (auto _ : state) {
    (void)gearbox::convert_to_i420(u.frame(n++), u.whole);
    (void)scaler.scale(u.whole, u.mid);
    (void)scaler.scale(u.mid, u.small);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_LadderUpload1080p_banded(benchmark::State& state) {
  LadderUpload u;
  const gearbox::BandedPlan plan =
      gearbox::plan_banded_ladder(1920, 1080, {{-1, 1280, 720}, {0, 640, 360}});
  int64_t n = 0;
  for (auto _ : state) {
    (void)gearbox::convert_and_scale_banded(u.frame(n++), plan, u.whole, {&u.mid, &u.small});
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ConvertBgr24ToI420_swscale(benchmark::State& state) {
  const int w = static_cast<int>(state.range(0)), h = static_cast<int>(state.range(1));
  gearbox::TestPattern pattern(w, h);
  gearbox::FrameView f = pattern.render(7);
  I420 out(w, h);
  SwsContext* sws = sws_getContext(w, h, AV_PIX_FMT_BGR24, w, h, AV_PIX_FMT_YUV420P, SWS_BILINEAR,
                                   nullptr, nullptr, nullptr);
  const uint8_t* src[1] = {f.data[0]};
  int src_stride[1] = {f.stride[0]};
  for (auto _ : state) {
    sws_scale(sws, src, src_stride, 0, h, out.p(), out.s());
    benchmark::ClobberMemory();
  }
  sws_freeContext(sws);
  state.SetItemsProcessed(state.iterations());
}

void scale_libyuv(benchmark::State& state, libyuv::FilterMode mode) {
  const int dw = static_cast<int>(state.range(0)), dh = static_cast<int>(state.range(1));
  const int sw = state.range(2) ? static_cast<int>(state.range(2)) : 1920;
  const int sh = state.range(3) ? static_cast<int>(state.range(3)) : 1080;
  I420 in(sw, sh), out(dw, dh);
  for (auto _ : state) {
    libyuv::I420Scale(in.y.data(), sw, in.u.data(), sw / 2, in.v.data(), sw / 2, sw, sh,
                      out.y.data(), dw, out.u.data(), dw / 2, out.v.data(), dw / 2, dw, dh, mode);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ScaleI420_libyuv_box(benchmark::State& state) {
  scale_libyuv(state, libyuv::kFilterBox);
}
void BM_ScaleI420_libyuv_bilinear(benchmark::State& state) {
  scale_libyuv(state, libyuv::kFilterBilinear);
}

void BM_ScaleI420_swscale_area(benchmark::State& state) {
  const int dw = static_cast<int>(state.range(0)), dh = static_cast<int>(state.range(1));
  const int sw = state.range(2) ? static_cast<int>(state.range(2)) : 1920;
  const int sh = state.range(3) ? static_cast<int>(state.range(3)) : 1080;
  I420 in(sw, sh), out(dw, dh);
  SwsContext* sws = sws_getContext(sw, sh, AV_PIX_FMT_YUV420P, dw, dh, AV_PIX_FMT_YUV420P, SWS_AREA,
                                   nullptr, nullptr, nullptr);
  for (auto _ : state) {
    sws_scale(sws, in.p(), in.s(), 0, sh, out.p(), out.s());
    benchmark::ClobberMemory();
  }
  sws_freeContext(sws);
  state.SetItemsProcessed(state.iterations());
}

// gearbox's area filter for 3:2, which replaced libswscale's for 1080p to 720p.
void BM_ScaleI420_gearbox_area_3to2(benchmark::State& state) {
  I420 in(1920, 1080), out(1280, 720);
  for (auto _ : state) {
    gearbox::area_scale_3to2(in.y.data(), in.w, out.y.data(), out.w, out.w, out.h);
    gearbox::area_scale_3to2(in.u.data(), in.w / 2, out.u.data(), out.w / 2, out.w / 2, out.h / 2);
    gearbox::area_scale_3to2(in.v.data(), in.w / 2, out.v.data(), out.w / 2, out.w / 2, out.h / 2);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_ConvertBgr24ToI420_libyuv)
    ->Args({1920, 1080})
    ->Args({1280, 720})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ConvertBgr24ToI420_gearbox)
    ->Args({1920, 1080})
    ->Args({1280, 720})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LadderUpload1080p_two_passes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LadderUpload1080p_banded)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ConvertBgr24ToI420_swscale)
    ->Args({1920, 1080})
    ->Args({1280, 720})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScaleI420_libyuv_box)
    ->Args({1280, 720, 0, 0})
    ->Args({960, 540, 0, 0})
    ->Args({640, 360, 0, 0})
    ->Args({640, 360, 1280, 720})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScaleI420_libyuv_bilinear)
    ->Args({1280, 720, 0, 0})
    ->Args({960, 540, 0, 0})
    ->Args({640, 360, 0, 0})
    ->Args({640, 360, 1280, 720})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScaleI420_swscale_area)
    ->Args({1280, 720, 0, 0})
    ->Args({960, 540, 0, 0})
    ->Args({640, 360, 0, 0})
    ->Args({640, 360, 1280, 720})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScaleI420_gearbox_area_3to2)->Unit(benchmark::kMillisecond);
