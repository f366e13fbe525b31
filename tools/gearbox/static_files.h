// Files of the served folder (and the player page), streamed from disk in bounded chunks:
// only regular files that resolve below the folder are opened (no symlink at the last step, no
// path out of it through a symlinked folder, no FIFO or device), and a Range header is answered
// with guard::decide_range, so a reply is never longer than the file and never held in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace gearbox::cli {

struct OpenFile {
  int fd = -1;
  uint64_t size = 0;
  ~OpenFile();
};

enum class OpenStatus { kOpened, kMissing, kRefused };

// `root`: an absolute folder with no symlink in it (realpath); `relative`: a path below it that
// passed guard::check_path. kRefused: it exists but is not a regular file below `root`.
OpenStatus open_below(const std::string& root,
                      const std::string& relative,
                      std::shared_ptr<OpenFile>& file);

// The reply for an opened file: 200, 206 with Content-Range, or 416; read on demand.
void respond_with_file(std::shared_ptr<OpenFile> file,
                       const httplib::Request& req,
                       httplib::Response& res,
                       const std::string& content_type);

// The MIME type gearbox serve sends for a file name.
std::string content_type_for(const std::string& name);

}  // namespace gearbox::cli
