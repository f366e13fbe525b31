#include "cpu_convert.h"

#include <cstddef>

#include <libyuv.h>

extern "C" {
#include <libswscale/swscale.h>
}

#include <string>

#include "area_scale.h"
#include "rgb24_to_i420.h"

namespace gearbox {

Status convert_to_i420(const FrameView& f, CpuSurface& out) {
  uint8_t* planes[3] = {out.plane(0), out.plane(1), out.plane(2)};
  const int strides[3] = {out.stride(0), out.stride(1), out.stride(2)};
  return convert_to_i420(f, planes, strides);
}

Status convert_to_i420(const FrameView& f, uint8_t* const planes[3], const int strides[3]) {
  uint8_t* y = planes[0];
  uint8_t* u = planes[1];
  uint8_t* v = planes[2];
  const int ys = strides[0], us = strides[1], vs = strides[2];
  const int w = f.width, h = f.height;
  int rc = 0;
  // libyuv names packed formats by their little-endian word order: its "RGB24" is B,G,R in
  // memory, "RAW" is R,G,B, "ARGB" is B,G,R,A and "ABGR" is R,G,B,A.
  // 24-bit RGB: gearbox's one-pass converter where the CPU has AVX2, libyuv's arithmetic
  // exactly (rgb24_to_i420.h); libyuv itself otherwise.
  if ((f.format == PixelFormat::kBGR24 || f.format == PixelFormat::kRGB24) &&
      rgb24_to_i420(f.format == PixelFormat::kBGR24 ? Rgb24Order::kBgr : Rgb24Order::kRgb,
                    f.data[0], f.stride[0], y, ys, u, us, v, vs, w, h)) {
    return {};
  }
  switch (f.format) {
    case PixelFormat::kBGR24:
      rc = libyuv::RGB24ToI420(f.data[0], f.stride[0], y, ys, u, us, v, vs, w, h);
      break;
    case PixelFormat::kRGB24:
      rc = libyuv::RAWToI420(f.data[0], f.stride[0], y, ys, u, us, v, vs, w, h);
      break;
    case PixelFormat::kBGRA:
      rc = libyuv::ARGBToI420(f.data[0], f.stride[0], y, ys, u, us, v, vs, w, h);
      break;
    case PixelFormat::kRGBA:
      rc = libyuv::ABGRToI420(f.data[0], f.stride[0], y, ys, u, us, v, vs, w, h);
      break;
    case PixelFormat::kGRAY8:
      // A grey byte is full range; map it to limited-range luma exactly as the RGB paths do
      // for a grey pixel (R = G = B = v gives Y = 16 + 219 v / 255), with neutral chroma.
      for (int row = 0; row < h; ++row) {
        const uint8_t* __restrict src = f.data[0] + static_cast<ptrdiff_t>(row) * f.stride[0];
        uint8_t* __restrict dst = y + static_cast<ptrdiff_t>(row) * ys;
        // 16 + round(v * 219 / 255) in fixed point (exact for every byte), so it vectorises.
        for (int x = 0; x < w; ++x) {
          dst[x] =
              static_cast<uint8_t>(16 + ((static_cast<uint32_t>(src[x]) * 56284u + 32768u) >> 16));
        }
      }
      libyuv::SetPlane(u, us, (w + 1) / 2, (h + 1) / 2, 128);
      libyuv::SetPlane(v, vs, (w + 1) / 2, (h + 1) / 2, 128);
      break;
    case PixelFormat::kNV12:
      rc = libyuv::NV12ToI420(f.data[0], f.stride[0], f.data[1], f.stride[1], y, ys, u, us, v, vs,
                              w, h);
      break;
    case PixelFormat::kI420:
      rc = libyuv::I420Copy(f.data[0], f.stride[0], f.data[1], f.stride[1], f.data[2], f.stride[2],
                            y, ys, u, us, v, vs, w, h);
      break;
  }
  if (rc != 0) {
    return make_error(ErrorCode::kBackendFailure, std::string("libyuv conversion from ") +
                                                      to_string(f.format) + " failed (" +
                                                      std::to_string(rc) + ")");
  }
  return {};
}

I420Scaler::~I420Scaler() {
  for (Entry& e : contexts_) sws_freeContext(e.context);
}

Status I420Scaler::scale(const CpuSurface& in, CpuSurface& out) {
  if (in.width() == 2 * out.width() && in.height() == 2 * out.height()) {
    int rc = libyuv::I420Scale(in.plane(0), in.stride(0), in.plane(1), in.stride(1), in.plane(2),
                               in.stride(2), in.width(), in.height(), out.plane(0), out.stride(0),
                               out.plane(1), out.stride(1), out.plane(2), out.stride(2),
                               out.width(), out.height(), libyuv::kFilterBox);
    if (rc != 0) {
      return make_error(ErrorCode::kBackendFailure,
                        "libyuv::I420Scale failed (" + std::to_string(rc) + ")");
    }
    return {};
  }
  // 3:2 (1080p to 720p, the ladder's usual second rung): gearbox's own area filter, the same
  // picture as libswscale's in a sixth of the instructions (area_scale.h). Every plane must
  // be an exact 3:2 reduction, which odd chroma sizes can break.
  const int in_cw = (in.width() + 1) / 2, in_ch = (in.height() + 1) / 2;
  const int out_cw = (out.width() + 1) / 2, out_ch = (out.height() + 1) / 2;
  if (is_exact_3to2(in.width(), in.height(), out.width(), out.height()) &&
      is_exact_3to2(in_cw, in_ch, out_cw, out_ch)) {
    for (int i = 0; i < 3; ++i) {
      area_scale_3to2(in.plane(i), in.stride(i), out.plane(i), out.stride(i),
                      i == 0 ? out.width() : out_cw, i == 0 ? out.height() : out_ch);
    }
    return {};
  }
  std::lock_guard<std::mutex> lock(mutex_);
  SwsContext* context = nullptr;
  for (const Entry& e : contexts_) {
    if (e.in_w == in.width() && e.in_h == in.height() && e.out_w == out.width() &&
        e.out_h == out.height()) {
      context = e.context;
    }
  }
  auto size_text = [&] {
    return std::to_string(in.width()) + "x" + std::to_string(in.height()) + " -> " +
           std::to_string(out.width()) + "x" + std::to_string(out.height());
  };
  if (!context) {
    context = sws_getContext(in.width(), in.height(), AV_PIX_FMT_YUV420P, out.width(), out.height(),
                             AV_PIX_FMT_YUV420P, SWS_AREA, nullptr, nullptr, nullptr);
    if (!context) {
      return make_error(ErrorCode::kBackendFailure, "sws_getContext " + size_text() + " failed");
    }
    contexts_.push_back({in.width(), in.height(), out.width(), out.height(), context});
  }
  const uint8_t* src[3] = {in.plane(0), in.plane(1), in.plane(2)};
  const int src_stride[3] = {in.stride(0), in.stride(1), in.stride(2)};
  uint8_t* dst[3] = {out.plane(0), out.plane(1), out.plane(2)};
  const int dst_stride[3] = {out.stride(0), out.stride(1), out.stride(2)};
  int rows = sws_scale(context, src, src_stride, 0, in.height(), dst, dst_stride);
  if (rows != out.height()) {
    return make_error(ErrorCode::kBackendFailure,
                      "sws_scale " + size_text() + " wrote " + std::to_string(rows) + " rows");
  }
  return {};
}

}  // namespace gearbox
