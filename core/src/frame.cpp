#include "gearbox/frame.h"

#include "gearbox/config.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace gearbox {

const char* to_string(PixelFormat format) {
  switch (format) {
    case PixelFormat::kBGR24: return "bgr24";
    case PixelFormat::kRGB24: return "rgb24";
    case PixelFormat::kBGRA: return "bgra";
    case PixelFormat::kRGBA: return "rgba";
    case PixelFormat::kGRAY8: return "gray8";
    case PixelFormat::kNV12: return "nv12";
    case PixelFormat::kI420: return "i420";
  }
  return "unknown";
}

std::optional<PixelFormat> parse_pixel_format(const char* name) {
  struct Entry {
    const char* name;
    PixelFormat format;
  };
  static const Entry kNames[] = {
      {"bgr24", PixelFormat::kBGR24},  {"rgb24", PixelFormat::kRGB24},
      {"bgra", PixelFormat::kBGRA},    {"rgba", PixelFormat::kRGBA},
      {"gray8", PixelFormat::kGRAY8},  {"gray", PixelFormat::kGRAY8},
      {"nv12", PixelFormat::kNV12},    {"i420", PixelFormat::kI420},
      {"yuv420p", PixelFormat::kI420},
  };
  for (const Entry& e : kNames) {
    if (std::strcmp(e.name, name) == 0) return e.format;
  }
  return std::nullopt;
}

int plane_count(PixelFormat format) {
  switch (format) {
    case PixelFormat::kNV12: return 2;
    case PixelFormat::kI420: return 3;
    default: return 1;
  }
}

int min_stride(PixelFormat format, int plane, int width) {
  switch (format) {
    case PixelFormat::kBGR24:
    case PixelFormat::kRGB24: return 3 * width;
    case PixelFormat::kBGRA:
    case PixelFormat::kRGBA: return 4 * width;
    case PixelFormat::kGRAY8: return width;
    case PixelFormat::kNV12: return plane == 0 ? width : 2 * ((width + 1) / 2);
    case PixelFormat::kI420: return plane == 0 ? width : (width + 1) / 2;
  }
  return 0;
}

int plane_rows(PixelFormat format, int plane, int height) {
  if (plane == 0) return height;
  (void)format;
  return (height + 1) / 2;
}

FrameView FrameView::packed(PixelFormat format,
                            int width,
                            int height,
                            const uint8_t* data,
                            int stride) {
  FrameView f;
  f.format = format;
  f.width = width;
  f.height = height;
  f.data[0] = data;
  f.stride[0] = stride > 0 ? stride : min_stride(format, 0, width);
  return f;
}

FrameView FrameView::contiguous_yuv(PixelFormat format,
                                    int width,
                                    int height,
                                    const uint8_t* data) {
  FrameView f;
  f.format = format;
  f.width = width;
  f.height = height;
  const uint8_t* p = data;
  for (int i = 0; i < plane_count(format); ++i) {
    f.data[i] = p;
    f.stride[i] = min_stride(format, i, width);
    p += static_cast<int64_t>(f.stride[i]) * plane_rows(format, i, height);
  }
  return f;
}

int64_t FrameView::packed_size(PixelFormat format, int width, int height) {
  int64_t total = 0;
  for (int i = 0; i < plane_count(format); ++i) {
    total += static_cast<int64_t>(min_stride(format, i, width)) * plane_rows(format, i, height);
  }
  return total;
}

Status validate_frame(const FrameView& frame) {
  if (frame.width <= 0 || frame.height <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "frame: size " + std::to_string(frame.width) +
                                                       "x" + std::to_string(frame.height) +
                                                       " must be positive");
  }
  // First: within these limits min_stride() and every row offset below fit an int.
  GEARBOX_RETURN_IF_ERROR(check_frame_size("frame: size", frame.width, frame.height));
  for (int i = 0; i < plane_count(frame.format); ++i) {
    if (frame.data[i] == nullptr) {
      return make_error(ErrorCode::kInvalidArgument, "frame: plane " + std::to_string(i) +
                                                         " of a " + to_string(frame.format) +
                                                         " frame is null");
    }
    int need = min_stride(frame.format, i, frame.width);
    if (frame.stride[i] < need) {
      return make_error(ErrorCode::kInvalidArgument,
                        "frame: stride[" + std::to_string(i) + "] " +
                            std::to_string(frame.stride[i]) + " is smaller than the " +
                            std::to_string(need) + " bytes a " + to_string(frame.format) +
                            " row of width " + std::to_string(frame.width) + " needs");
    }
    // Backends address a row as stride * y in int: a plane may span at most 2 GiB.
    if (static_cast<int64_t>(frame.stride[i]) * plane_rows(frame.format, i, frame.height) >
        INT32_MAX) {
      return make_error(ErrorCode::kInvalidArgument,
                        "frame: stride[" + std::to_string(i) + "] " +
                            std::to_string(frame.stride[i]) + " over " +
                            std::to_string(plane_rows(frame.format, i, frame.height)) +
                            " rows spans more than 2 GiB");
    }
  }
  return {};
}

}  // namespace gearbox
