// Raw frames from a file or stdin: tightly packed frames of one format and size, back to back
// (what `ffmpeg -f rawvideo` writes).
//
// A regular file is memory-mapped and each frame handed to gearbox in place: no read() copy,
// and the pages of a frame already pushed are dropped from this process's memory, so a file of
// any length costs one frame of resident memory. A pipe or stdin is read into one buffer.
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
  // path "-" reads stdin. A path that cannot be opened or is a directory is kInvalidArgument
  // (the command line names the wrong thing).
  static Result<std::unique_ptr<RawInput>> open(const std::string& path,
                                                PixelFormat format,
                                                int width,
                                                int height);
  ~RawInput();
  // The next frame, valid until the following call. Returns false at end of input; a partial
  // last frame sets trailing_bytes().
  bool next(FrameView& frame);
  int64_t trailing_bytes() const { return trailing_; }
  // Why next() returned false when the input failed rather than ended; empty at a clean end.
  const std::string& error() const { return error_; }
  int64_t frame_bytes() const { return frame_bytes_; }
  std::string describe_frame() const;  // "640x360 bgr24"

 private:
  RawInput(FILE* file, bool owned, PixelFormat format, int width, int height);
  FrameView view(const uint8_t* data) const;

  FILE* file_;
  bool owned_;
  PixelFormat format_;
  int width_, height_;
  int64_t frame_bytes_;
  std::vector<uint8_t> buffer_;   // pipes only
  const uint8_t* map_ = nullptr;  // regular files only
  int64_t map_size_ = 0;
  int64_t offset_ = 0;    // of the next frame in the mapping
  int64_t released_ = 0;  // bytes at the start of the mapping already given back
  int64_t trailing_ = 0;
  std::string error_;
};

}  // namespace gearbox::cli
