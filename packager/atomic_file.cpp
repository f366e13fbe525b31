#include "atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gearbox::packager {

Status write_file_atomically(const std::string& path, std::string_view bytes) {
  std::string temp = path + ".tmp";
  auto io_error = [&](const char* call, const std::string& p) {
    return make_error(ErrorCode::kIo, std::string(call) + " \"" + p + "\": " + std::strerror(errno));
  };
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("open", temp);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = io_error("write", temp);
      ::close(fd);
      ::unlink(temp.c_str());
      return e;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return io_error("close", temp);
  if (std::rename(temp.c_str(), path.c_str()) != 0) return io_error("rename to", path);
  return {};
}

}  // namespace gearbox::packager
