#include "atomic_file.h"

#include "write_fault.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gearbox::packager {
namespace {

Error io_error(const char* call, const std::string& path) {
  return make_error(ErrorCode::kIo,
                    std::string(call) + " \"" + path + "\": " + std::strerror(errno));
}

}  // namespace

Result<AtomicFileWriter> AtomicFileWriter::open(const std::string& path) {
  const std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("open", temp);
  return AtomicFileWriter(path, fd);
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), bytes_(other.bytes_) {
  other.fd_ = -1;
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink((path_ + ".tmp").c_str());
  }
}

Status AtomicFileWriter::write(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  size_t done = 0;
  while (done < size) {
    if (int injected = check_write_fault(path_ + ".tmp", size - done)) {
      errno = injected;
      return io_error("write", path_ + ".tmp");
    }
    ssize_t n = ::write(fd_, p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("write", path_ + ".tmp");
    done += static_cast<size_t>(n);
  }
  bytes_ += static_cast<int64_t>(size);
  return {};
}

Status AtomicFileWriter::commit() {
  const std::string temp = path_ + ".tmp";
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    Error e = io_error("close", temp);
    ::unlink(temp.c_str());
    return e;
  }
  if (std::rename(temp.c_str(), path_.c_str()) != 0) {
    Error e = io_error("rename to", path_);
    ::unlink(temp.c_str());  // nobody will rename it later: do not leave it taking space
    return e;
  }
  return {};
}

Status write_file_atomically(const std::string& path, std::string_view bytes) {
  auto file = AtomicFileWriter::open(path);
  if (!file) return file.error();
  GEARBOX_RETURN_IF_ERROR(file->write(bytes.data(), bytes.size()));
  return file->commit();
}

}  // namespace gearbox::packager
