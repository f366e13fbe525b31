// Whole-file writes that readers never see half done: the bytes go to a temporary file in the
// same directory, which is then renamed over the target (rename(2) is atomic on POSIX).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gearbox/error.h"

namespace gearbox::packager {

// Streams bytes into PATH.tmp; commit() renames it to PATH. Destroying it uncommitted removes
// the temporary file.
class AtomicFileWriter {
 public:
  static Result<AtomicFileWriter> open(const std::string& path);
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  ~AtomicFileWriter();

  Status write(const void* data, size_t size);
  Status commit();
  int64_t bytes() const { return bytes_; }

 private:
  AtomicFileWriter(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
  int64_t bytes_ = 0;
};

Status write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace gearbox::packager
