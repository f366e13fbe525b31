// Frames are views over the caller's memory: gearbox reads them during push() and keeps no
// pointer to them afterwards, so the caller may reuse the buffer as soon as push() returns.
#pragma once

#include <cstdint>
#include <optional>

#include "gearbox/error.h"
#include "gearbox/export.h"

namespace gearbox {

enum class PixelFormat {
  kBGR24,  // 3 bytes per pixel, B G R (OpenCV's default; StreamGear's input)
  kRGB24,  // 3 bytes per pixel, R G B
  kBGRA,   // 4 bytes per pixel, B G R A (alpha ignored)
  kRGBA,   // 4 bytes per pixel, R G B A (alpha ignored)
  kGRAY8,  // 1 byte per pixel, luma only
  kNV12,   // 4:2:0, Y plane then interleaved UV plane (native encoder input)
  kI420,   // 4:2:0, Y, U, V planes (native encoder input)
};

GEARBOX_EXPORT const char* to_string(PixelFormat format);
// Parses "bgr24", "rgb24", "bgra", "rgba", "gray8" (or "gray"), "nv12", "i420" (or "yuv420p").
GEARBOX_EXPORT std::optional<PixelFormat> parse_pixel_format(const char* name);
GEARBOX_EXPORT int plane_count(PixelFormat format);
// Bytes of one row of `plane` for a frame of `width` pixels (the minimum stride).
GEARBOX_EXPORT int min_stride(PixelFormat format, int plane, int width);
// Rows of `plane` for a frame of `height` rows.
GEARBOX_EXPORT int plane_rows(PixelFormat format, int plane, int height);

struct GEARBOX_EXPORT FrameView {
  PixelFormat format = PixelFormat::kBGR24;
  int width = 0;
  int height = 0;
  const uint8_t* data[3] = {nullptr, nullptr, nullptr};  // one pointer per plane
  int stride[3] = {0, 0, 0};                             // bytes per row per plane

  // A single-plane (packed) frame: BGR24, RGB24, BGRA, RGBA or GRAY8. stride 0 = tightly packed.
  static FrameView packed(PixelFormat format,
                          int width,
                          int height,
                          const uint8_t* data,
                          int stride = 0);
  // A tightly packed NV12 or I420 frame in one contiguous buffer (planes back to back).
  static FrameView contiguous_yuv(PixelFormat format, int width, int height, const uint8_t* data);
  // Bytes of a tightly packed frame of this format and size (what a raw file stores per frame).
  static int64_t packed_size(PixelFormat format, int width, int height);
};

// Checks that the view is self-consistent (positive size, planes present, strides large
// enough). Does not check against an earlier frame; the Streamer does that.
GEARBOX_EXPORT Status validate_frame(const FrameView& frame);

}  // namespace gearbox
