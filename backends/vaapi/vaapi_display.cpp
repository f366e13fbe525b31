#include "vaapi_display.h"

#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "vaapi_status.h"

namespace gearbox::vaapi {
namespace {

bool contains(const std::string& text, const char* word) {
  return text.find(word) != std::string::npos;
}

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

std::string rc_text(uint32_t modes) {
  std::string t;
  if (modes & VA_RC_CBR) t += "CBR";
  if (modes & VA_RC_VBR) t += t.empty() ? "VBR" : "/VBR";
  return t.empty() ? "no CBR or VBR" : t;
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

void Display::on_message(void* self, const char* message) {
  auto* d = static_cast<Display*>(self);
  std::lock_guard<std::mutex> lock(d->messages_mutex_);
  if (d->messages_.size() < 64) d->messages_.emplace_back(message ? message : "");
}

std::string Display::messages() const {
  std::lock_guard<std::mutex> lock(messages_mutex_);
  std::string all;
  for (const std::string& m : messages_) all += m;
  return all;
}

Result<std::shared_ptr<Display>> Display::open(std::shared_ptr<VaRuntime> runtime,
                                               const std::string& node) {
  std::shared_ptr<Display> d(new Display());
  d->runtime_ = std::move(runtime);
  d->node_ = node;
  d->fd_ = ::open(node.c_str(), O_RDWR | O_CLOEXEC);
  if (d->fd_ < 0) {
    const int e = errno;
    std::string m = "VA-API device " + node + " cannot be opened: " + std::strerror(e);
    if (e == ENOENT) {
      m += " (no such render node; `gearbox probe` lists the ones this machine has)";
    } else if (e == EACCES || e == EPERM) {
      m += "; render nodes belong to the group `render`: add yourself with "
           "`sudo usermod -aG render $USER` and log in again";
    }
    return make_error(ErrorCode::kUnavailable, m);
  }
  GEARBOX_RETURN_IF_ERROR(d->initialise());
  GEARBOX_RETURN_IF_ERROR(d->query());
  return d;
}

Status Display::initialise() {
  display_ = va().vaGetDisplayDRM(fd_);
  if (!display_) {
    return make_error(ErrorCode::kUnavailable,
                      "VA-API: vaGetDisplayDRM refused " + node_ +
                          " (libva does not take it for a DRM render node)");
  }
  va().vaSetErrorCallback(display_, &Display::on_message, this);
  va().vaSetInfoCallback(display_, &Display::on_message, this);
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
                 "VA-API: vaInitialize returned " + runtime_->status_text(s) + "; " + detail};
  }
  initialised_ = true;
  const char* vendor = va().vaQueryVendorString(display_);
  vendor_ = vendor ? vendor : "";
  return {};
}

Status Display::query() {
  const VaApi& a = va();
  std::vector<VAProfile> profiles(static_cast<size_t>(std::max(1, a.vaMaxNumProfiles(display_))));
  int count = 0;
  VAStatus s = a.vaQueryConfigProfiles(display_, profiles.data(), &count);
  if (s != VA_STATUS_SUCCESS) return va_failure(runtime(), "vaQueryConfigProfiles", s, where());
  profiles.resize(static_cast<size_t>(count));
  auto entrypoints = [&](VAProfile profile) {
    std::vector<VAEntrypoint> list(
        static_cast<size_t>(std::max(1, a.vaMaxNumEntrypoints(display_))));
    int n = 0;
    if (a.vaQueryConfigEntrypoints(display_, profile, list.data(), &n) != VA_STATUS_SUCCESS) n = 0;
    list.resize(static_cast<size_t>(n));
    return list;
  };
  const bool has_high =
      std::find(profiles.begin(), profiles.end(), VAProfileH264High) != profiles.end();
  if (has_high) {
    const auto list = entrypoints(VAProfileH264High);
    for (VAEntrypoint e : {VAEntrypointEncSlice, VAEntrypointEncSliceLP}) {
      if (std::find(list.begin(), list.end(), e) != list.end()) {
        support_.h264_high = true;
        support_.entrypoint = e;
        break;
      }
    }
  }
  if (std::find(profiles.begin(), profiles.end(), VAProfileNone) != profiles.end()) {
    const auto list = entrypoints(VAProfileNone);
    support_.video_proc = std::find(list.begin(), list.end(), VAEntrypointVideoProc) != list.end();
  }
  if (!support_.h264_high) {
    std::string m = "VA-API driver on " + where() +
                    " offers no H.264 encoder (VAProfileH264High with VAEntrypointEncSlice or "
                    "EncSliceLP, vaQueryConfigEntrypoints)";
    if (contains(vendor_, "NVIDIA") || contains(vendor_, "nvidia") || contains(vendor_, "VDPAU")) {
      m += ": NVIDIA's VA driver decodes only; encode on NVIDIA GPUs with --backend nvenc";
    } else {
      m += "; this is what NVIDIA's VA driver (nvidia-vaapi-driver) reports, as it decodes only "
           "(on NVIDIA GPUs use --backend nvenc)";
    }
    return make_error(ErrorCode::kUnsupported, m);
  }
  VAConfigAttrib attributes[] = {
      {VAConfigAttribRTFormat, 0},         {VAConfigAttribRateControl, 0},
      {VAConfigAttribEncPackedHeaders, 0}, {VAConfigAttribMaxPictureWidth, 0},
      {VAConfigAttribMaxPictureHeight, 0}, {VAConfigAttribEncMaxRefFrames, 0},
  };
  s = a.vaGetConfigAttributes(display_, VAProfileH264High, support_.entrypoint, attributes,
                              static_cast<int>(std::size(attributes)));
  if (s != VA_STATUS_SUCCESS) return va_failure(runtime(), "vaGetConfigAttributes", s, where());
  auto value = [&](int i, uint32_t otherwise) {
    return attributes[i].value == VA_ATTRIB_NOT_SUPPORTED ? otherwise : attributes[i].value;
  };
  if (!(value(0, 0) & VA_RT_FORMAT_YUV420)) {
    return make_error(
        ErrorCode::kUnsupported,
        "VA-API driver on " + where() + " has no 4:2:0 (VA_RT_FORMAT_YUV420) H.264 encode");
  }
  support_.rate_control = value(1, 0);
  support_.packed_headers =
      value(2, 0) &
      (VA_ENC_PACKED_HEADER_SEQUENCE | VA_ENC_PACKED_HEADER_PICTURE | VA_ENC_PACKED_HEADER_SLICE);
  // Without the attributes, H.264 level 5.1's frame size is a safe bound.
  support_.max_width = static_cast<int>(value(3, 4096));
  support_.max_height = static_cast<int>(value(4, 4096));
  support_.max_ref_l0 = static_cast<int>(value(5, 1) & 0xffff);
  return {};
}

Display::~Display() {
  if (display_) {
    // Also after a failed vaInitialize: libva frees the display's state only in vaTerminate.
    va().vaTerminate(display_);
  }
  if (fd_ >= 0) ::close(fd_);
}

std::string Display::where() const {
  return node_ + (vendor_.empty() ? "" : " (\"" + vendor_ + "\")");
}

std::string Display::describe() const {
  return node_ + ": \"" + vendor_ + "\": H.264 High (" +
         (support_.entrypoint == VAEntrypointEncSliceLP ? "EncSliceLP" : "EncSlice") + "), " +
         std::to_string(kMinSize) + "x" + std::to_string(kMinSize) + ".." +
         std::to_string(support_.max_width) + "x" + std::to_string(support_.max_height) + ", " +
         rc_text(support_.rate_control) +
         (support_.packed_headers ? ", packed headers" : ", driver's own headers") +
         (support_.video_proc ? ", VPP scaling" : ", no VPP");
}

Capabilities Display::capabilities() const {
  Capabilities c;
  c.codecs = {Codec::kH264};
  c.min_size = {kMinSize, kMinSize};
  c.max_size = {support_.max_width, support_.max_height};
  c.size_alignment = 2;
  if (support_.rate_control & VA_RC_CBR) c.rate_control.push_back(RateControl::kCbr);
  if (support_.rate_control & VA_RC_VBR) c.rate_control.push_back(RateControl::kVbr);
  c.max_bframes = 0;   // gearbox never asks for them (timestamps stay on the grid)
  c.max_sessions = 0;  // VA reports no limit; a refused vaCreateContext says so
  return c;
}

}  // namespace gearbox::vaapi
