#include "raw_input.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace gearbox::cli {

RawInput::RawInput(FILE* file, bool owned, PixelFormat format, int width, int height)
    : file_(file),
      owned_(owned),
      format_(format),
      width_(width),
      height_(height),
      frame_bytes_(FrameView::packed_size(format, width, height)) {
  struct stat st;
  if (fstat(fileno(file_), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    void* p =
        mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fileno(file_), 0);
    if (p != MAP_FAILED) {
      map_ = static_cast<const uint8_t*>(p);
      map_size_ = st.st_size;
      madvise(p, static_cast<size_t>(map_size_), MADV_SEQUENTIAL);
      return;
    }
  }
  buffer_.resize(static_cast<size_t>(frame_bytes_));  // not mappable: read into a buffer
}

RawInput::~RawInput() {
  if (map_) munmap(const_cast<uint8_t*>(map_), static_cast<size_t>(map_size_));
  if (owned_) std::fclose(file_);
}

Result<std::unique_ptr<RawInput>> RawInput::open(const std::string& path,
                                                 PixelFormat format,
                                                 int width,
                                                 int height) {
  if (path == "-")
    return std::unique_ptr<RawInput>(new RawInput(stdin, false, format, width, height));
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--input: cannot open \"" + path + "\": " + std::strerror(errno));
  }
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {  // fopen() opens a directory too
    std::fclose(f);
    return make_error(
        ErrorCode::kInvalidArgument,
        "--input: \"" + path + "\" is a directory; give a raw video file or - for stdin");
  }
  return std::unique_ptr<RawInput>(new RawInput(f, true, format, width, height));
}

std::string RawInput::describe_frame() const {
  return std::to_string(width_) + "x" + std::to_string(height_) + " " + to_string(format_);
}

FrameView RawInput::view(const uint8_t* data) const {
  return plane_count(format_) == 1 ? FrameView::packed(format_, width_, height_, data)
                                   : FrameView::contiguous_yuv(format_, width_, height_, data);
}

bool RawInput::next(FrameView& frame) {
  if (map_) {
    // The previous frame was pushed (gearbox copied what it needs): give its pages back.
    const int64_t done = offset_ / 4096 * 4096;
    if (done > released_) {
      madvise(const_cast<uint8_t*>(map_ + released_), static_cast<size_t>(done - released_),
              MADV_DONTNEED);
      released_ = done;
    }
    if (map_size_ - offset_ < frame_bytes_) {
      trailing_ = map_size_ - offset_;
      return false;
    }
    frame = view(map_ + offset_);
    offset_ += frame_bytes_;
    return true;
  }
  size_t got = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  if (got < buffer_.size()) {
    trailing_ = static_cast<int64_t>(got);
    if (std::ferror(file_)) error_ = std::string("input: read failed: ") + std::strerror(errno);
    return false;
  }
  frame = view(buffer_.data());
  return true;
}

}  // namespace gearbox::cli
