#include "static_files.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "request_guard.h"

namespace gearbox::cli {
namespace {

constexpr size_t kChunk = 64 * 1024;  // what one read from disk, and one write to the client, holds

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

OpenFile::~OpenFile() {
  if (fd >= 0) ::close(fd);
}

OpenStatus open_below(const std::string& root,
                      const std::string& relative,
                      std::shared_ptr<OpenFile>& file) {
  const std::string path = root + "/" + relative;
  // O_NOFOLLOW: a symlink as the last step is refused; O_NONBLOCK: opening a FIFO does not wait
  // for a writer (it is then refused as not regular).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return errno == ENOENT || errno == ENOTDIR ? OpenStatus::kMissing : OpenStatus::kRefused;
  auto opened = std::make_shared<OpenFile>();
  opened->fd = fd;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return OpenStatus::kRefused;
  // A symlinked folder on the way could still lead out: where the descriptor really is decides.
  char real[PATH_MAX];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), real, sizeof real - 1);
  if (n <= 0) return OpenStatus::kRefused;
  const std::string where(real, static_cast<size_t>(n));
  if (where.compare(0, root.size() + 1, root + "/") != 0) return OpenStatus::kRefused;
  opened->size = static_cast<uint64_t>(st.st_size);
  file = std::move(opened);
  return OpenStatus::kOpened;
}

void respond_with_file(std::shared_ptr<OpenFile> file,
                       const httplib::Request& req,
                       httplib::Response& res,
                       const std::string& content_type) {
  uint64_t first = 0, length = file->size;
  res.set_header("Accept-Ranges", "bytes");
  if (req.has_header("Range")) {
    const guard::RangeDecision d = guard::decide_range(req.get_header_value("Range"), file->size);
    if (d.kind == guard::RangeKind::kUnsatisfiable) {
      res.status = 416;
      res.set_header("Content-Range", "bytes */" + std::to_string(file->size));
      return;
    }
    if (d.kind == guard::RangeKind::kPartial) {
      first = d.range.first;
      length = d.range.last - d.range.first + 1;
      res.status = 206;
      res.set_header("Content-Range", "bytes " + std::to_string(d.range.first) + "-" +
                                          std::to_string(d.range.last) + "/" +
                                          std::to_string(file->size));
    }
  }
  res.set_content_provider(static_cast<size_t>(length), content_type,
                           [file, first](size_t offset, size_t want, httplib::DataSink& sink) {
                             char buffer[kChunk];
                             const ssize_t n = ::pread(file->fd, buffer, std::min(want, kChunk),
                                                       static_cast<off_t>(first + offset));
                             // Shorter than announced (truncated while served): the connection
                             // ends, the client sees the reply is incomplete.
                             if (n <= 0) return false;
                             return sink.write(buffer, static_cast<size_t>(n));
                           });
}

std::string content_type_for(const std::string& name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".mpd", "application/dash+xml"},
      {".m3u8", "application/vnd.apple.mpegurl"},
      {".m4s", "video/iso.segment"},
      {".ts", "video/mp2t"},
      {".mp4", "video/mp4"},
      {".m4a", "audio/mp4"},
      {".js", "text/javascript"},
      {".html", "text/html"},
      {".css", "text/css"},
      {".json", "application/json"},
      {".txt", "text/plain"},
      {".md", "text/plain"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".svg", "image/svg+xml"},
      {".vtt", "text/vtt"}};
  for (const auto& [ext, type] : kTypes) {
    if (ends_with(name, ext)) return type;
  }
  return "application/octet-stream";
}

}  // namespace gearbox::cli
