#include "raw_input.h"

#include <cerrno>
#include <cstring>

namespace gearbox::cli {

RawInput::RawInput(FILE* file, bool owned, PixelFormat format, int width, int height)
    : file_(file), owned_(owned), format_(format), width_(width), height_(height),
      buffer_(static_cast<size_t>(FrameView::packed_size(format, width, height))) {}

RawInput::~RawInput() {
  if (owned_) std::fclose(file_);
}

Result<std::unique_ptr<RawInput>> RawInput::open(const std::string& path, PixelFormat format, int width,
                                 int height) {
  if (path == "-") return std::unique_ptr<RawInput>(new RawInput(stdin, false, format, width, height));
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    return make_error(ErrorCode::kIo, "input: cannot open \"" + path + "\": " + std::strerror(errno));
  }
  return std::unique_ptr<RawInput>(new RawInput(f, true, format, width, height));
}

bool RawInput::next(FrameView& frame) {
  size_t got = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  if (got < buffer_.size()) {
    trailing_ = static_cast<int64_t>(got);
    return false;
  }
  if (plane_count(format_) == 1) {
    frame = FrameView::packed(format_, width_, height_, buffer_.data());
  } else {
    frame = FrameView::contiguous_yuv(format_, width_, height_, buffer_.data());
  }
  return true;
}

}  // namespace gearbox::cli
