#include "vaapi_convert.h"

#include <libyuv.h>

#include <cstddef>
#include <string>

namespace gearbox::vaapi {

Status convert_to_nv12(const FrameView& f, const Nv12Target& out, std::vector<uint8_t>& scratch) {
  const int w = f.width, h = f.height;
  const int cw = (w + 1) / 2, ch = (h + 1) / 2;
  int rc = 0;
  // libyuv names packed formats by their little-endian word order: its "RGB24" is B,G,R in
  // memory, "RAW" is R,G,B, "ARGB" is B,G,R,A and "ABGR" is R,G,B,A.
  switch (f.format) {
    case PixelFormat::kBGR24:
    case PixelFormat::kRGB24: {
      scratch.resize(static_cast<size_t>(cw) * ch * 2);
      uint8_t* u = scratch.data();
      uint8_t* v = u + static_cast<size_t>(cw) * ch;
      rc = f.format == PixelFormat::kBGR24
               ? libyuv::RGB24ToI420(f.data[0], f.stride[0], out.y, out.y_pitch, u, cw, v, cw, w, h)
               : libyuv::RAWToI420(f.data[0], f.stride[0], out.y, out.y_pitch, u, cw, v, cw, w, h);
      if (rc == 0) libyuv::MergeUVPlane(u, cw, v, cw, out.uv, out.uv_pitch, cw, ch);
      break;
    }
    case PixelFormat::kBGRA:
      rc = libyuv::ARGBToNV12(f.data[0], f.stride[0], out.y, out.y_pitch, out.uv, out.uv_pitch, w,
                              h);
      break;
    case PixelFormat::kRGBA:
      rc = libyuv::ABGRToNV12(f.data[0], f.stride[0], out.y, out.y_pitch, out.uv, out.uv_pitch, w,
                              h);
      break;
    case PixelFormat::kGRAY8:
      // A grey byte is full range: limited-range luma exactly as the RGB paths make it for a
      // grey pixel (Y = 16 + 219 v / 255, in fixed point), with neutral chroma.
      for (int row = 0; row < h; ++row) {
        const uint8_t* src = f.data[0] + static_cast<ptrdiff_t>(row) * f.stride[0];
        uint8_t* dst = out.y + static_cast<ptrdiff_t>(row) * out.y_pitch;
        for (int x = 0; x < w; ++x) {
          dst[x] =
              static_cast<uint8_t>(16 + ((static_cast<uint32_t>(src[x]) * 56284u + 32768u) >> 16));
        }
      }
      libyuv::SetPlane(out.uv, out.uv_pitch, cw * 2, ch, 128);
      break;
    case PixelFormat::kNV12:
      libyuv::CopyPlane(f.data[0], f.stride[0], out.y, out.y_pitch, w, h);
      libyuv::CopyPlane(f.data[1], f.stride[1], out.uv, out.uv_pitch, cw * 2, ch);
      break;
    case PixelFormat::kI420:
      rc = libyuv::I420ToNV12(f.data[0], f.stride[0], f.data[1], f.stride[1], f.data[2],
                              f.stride[2], out.y, out.y_pitch, out.uv, out.uv_pitch, w, h);
      break;
  }
  if (rc != 0) {
    return make_error(ErrorCode::kBackendFailure, std::string("vaapi: libyuv conversion from ") +
                                                      to_string(f.format) + " to NV12 failed (" +
                                                      std::to_string(rc) + ")");
  }
  return {};
}

}  // namespace gearbox::vaapi
