#include "va_drm_display.h"

#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace gearbox::vaapi {
namespace {

// The driver files libva says it tried ("Trying to open <path>").
std::string drivers_tried(const std::string& messages) {
  std::string tried;
  const std::string key = "Trying to open ";
  for (size_t at = messages.find(key); at != std::string::npos; at = messages.find(key, at)) {
    at += key.size();
    const size_t end = messages.find_first_of(" \n", at);
    if (!tried.empty()) tried += ", ";
    tried += messages.substr(at, end == std::string::npos ? std::string::npos : end - at);
  }
  return tried;
}

int node_number(const std::string& path) {
  const size_t at = path.rfind("renderD");
  return at == std::string::npos ? 0 : std::atoi(path.c_str() + at + 7);
}

}  // namespace

std::vector<std::string> system_render_nodes() {
  return render_nodes_in("/dev/dri");
}

std::vector<std::string> render_nodes_in(const std::string& folder) {
  std::vector<std::string> nodes;
  glob_t found{};
  if (glob((folder + "/renderD*").c_str(), 0, nullptr, &found) == 0) {
    for (size_t i = 0; i < found.gl_pathc; ++i) nodes.emplace_back(found.gl_pathv[i]);
  }
  globfree(&found);
  std::sort(nodes.begin(), nodes.end(), [](const std::string& a, const std::string& b) {
    return node_number(a) < node_number(b);
  });
  return nodes;
}

void DrmDisplay::on_message(void* self, const char* message) {
  auto* d = static_cast<DrmDisplay*>(self);
  std::lock_guard<std::mutex> lock(d->messages_mutex_);
  if (d->messages_.size() < 64) d->messages_.emplace_back(message ? message : "");
}

std::string DrmDisplay::messages() const {
  std::lock_guard<std::mutex> lock(messages_mutex_);
  std::string all;
  for (const std::string& m : messages_) all += m;
  return all;
}

Result<std::shared_ptr<DrmDisplay>> DrmDisplay::open(std::shared_ptr<VaRuntime> runtime,
                                                     const std::string& node,
                                                     const std::string& user) {
  std::shared_ptr<DrmDisplay> d(new DrmDisplay());
  d->runtime_ = std::move(runtime);
  d->node_ = node;
  d->fd_ = ::open(node.c_str(), O_RDWR | O_CLOEXEC);
  if (d->fd_ < 0) {
    const int e = errno;
    std::string m = user + " device " + node + " cannot be opened: " + std::strerror(e);
    if (e == ENOENT) {
      m += " (no such render node; `gearbox probe` lists the ones this machine has)";
    } else if (e == EACCES || e == EPERM) {
      m += "; render nodes belong to the group `render`: add yourself with "
           "`sudo usermod -aG render $USER` and log in again";
    }
    return make_error(ErrorCode::kUnavailable, m);
  }
  GEARBOX_RETURN_IF_ERROR(d->initialise(user));
  return d;
}

Status DrmDisplay::initialise(const std::string& user) {
  display_ = va().vaGetDisplayDRM(fd_);
  if (!display_) {
    return make_error(ErrorCode::kUnavailable,
                      user + ": vaGetDisplayDRM refused " + node_ +
                          " (libva does not take it for a DRM render node)");
  }
  va().vaSetErrorCallback(display_, &DrmDisplay::on_message, this);
  va().vaSetInfoCallback(display_, &DrmDisplay::on_message, this);
  int major = 0, minor = 0;
  const VAStatus s = va().vaInitialize(display_, &major, &minor);
  if (s != VA_STATUS_SUCCESS) {
    const std::string said = messages();
    const std::string tried = drivers_tried(said);
    std::string detail = "no VA driver could be initialised for the GPU at " + node_;
    detail += tried.empty() ? " (libva named no driver file)" : " (libva tried " + tried + ")";
    detail +=
        "; install the one for the GPU: intel-media-va-driver (Intel Gen8+, iHD), "
        "i965-va-driver (older Intel), mesa-va-drivers (AMD, radeonsi), or set "
        "LIBVA_DRIVER_NAME";
    return Error{ErrorCode::kUnavailable,
                 user + ": vaInitialize returned " + runtime_->status_text(s) + "; " + detail};
  }
  const char* vendor = va().vaQueryVendorString(display_);
  vendor_ = vendor ? vendor : "";
  return {};
}

DrmDisplay::~DrmDisplay() {
  if (display_) {
    // Also after a failed vaInitialize: libva frees the display's state only in vaTerminate.
    va().vaTerminate(display_);
  }
  if (fd_ >= 0) ::close(fd_);
}

bool DrmDisplay::intel() const {
  return simulated() || vendor_.find("Intel") != std::string::npos ||
         vendor_.find("intel") != std::string::npos;
}

std::string DrmDisplay::where() const {
  return node_ + (vendor_.empty() ? "" : " (\"" + vendor_ + "\")");
}

}  // namespace gearbox::vaapi
