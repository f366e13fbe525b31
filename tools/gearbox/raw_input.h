// Raw frames from a file or stdin: tightly packed frames of one format and size, back to back
// (what `ffmpeg -f rawvideo` writes).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gearbox/frame.h"

namespace gearbox::cli {

class RawInput {
 public:
  // path "-" reads stdin.
  static Result<std::unique_ptr<RawInput>> open(const std::string& path, PixelFormat format, int width, int height);
  ~RawInput();
  // Reads the next frame. Returns false at end of input; a partial last frame sets `trailing`.
  bool next(FrameView& frame);
  int64_t trailing_bytes() const { return trailing_; }

 private:
  RawInput(FILE* file, bool owned, PixelFormat format, int width, int height);
  FILE* file_;
  bool owned_;
  PixelFormat format_;
  int width_, height_;
  std::vector<uint8_t> buffer_;
  int64_t trailing_ = 0;
};

}  // namespace gearbox::cli
