// The simulated render node's way into libva: libdrm's drmGetNodeTypeFromFd() answered with
// DRM_NODE_RENDER for a regular file named renderD* (the simulation's fake node), every other fd
// forwarded to libdrm.
//
// Why this one call only (libva 2.17, va/drm/va_drm.c and va_drm_utils.c):
//  - vaGetDisplayDRM(fd) returns NULL unless drmGetNodeTypeFromFd(fd) >= 0; libdrm's answers -1
//    for anything that is not a DRM character device. DRM_NODE_RENDER also makes libva skip
//    drmGetMagic/DRM authentication, which only legacy (primary) nodes go through.
//  - vaInitialize asks the display for its driver name: VA_DRM_GetNumCandidates and
//    VA_DRM_GetDriverName call drmGetVersion(fd), whose ioctl fails on a regular file (ENOTTY),
//    so they return an error, and then va.c takes LIBVA_DRIVER_NAME (set by tools/simulated.sh
//    and the test support) regardless: one candidate, named by the environment. drmGetVersion
//    therefore needs no shim, as long as LIBVA_DRIVER_NAME is set.
//  - Nothing else of libdrm is called on the fd by libva or by the simulated driver.
//
// Two ways in: linked into a test executable and exported from it
// (-Wl,--export-dynamic-symbol=drmGetNodeTypeFromFd, so the executable's definition interposes
// libdrm's, which libavutil has loaded long before libva), or as libgearbox_vaapi_drm_shim.so
// with LD_PRELOAD (tools/simulated.sh vaapi ...).
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drm.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

namespace {

bool is_simulated_render_node(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char path[PATH_MAX];
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  const char* name = std::strrchr(path, '/');
  name = name ? name + 1 : path;
  return std::strncmp(name, "renderD", 7) == 0;
}

using NodeTypeFromFd = int (*)(int);

NodeTypeFromFd libdrm_node_type_from_fd() {
  static const NodeTypeFromFd real = [] {
    auto found = reinterpret_cast<NodeTypeFromFd>(dlsym(RTLD_NEXT, "drmGetNodeTypeFromFd"));
    if (!found) {
      // Nobody loaded libdrm yet (a process that reaches no libdrm user before this call).
      if (void* drm = dlopen("libdrm.so.2", RTLD_NOW | RTLD_GLOBAL)) {
        found = reinterpret_cast<NodeTypeFromFd>(dlsym(drm, "drmGetNodeTypeFromFd"));
      }
    }
    return found;
  }();
  return real;
}

}  // namespace

extern "C" {

// Referenced (-Wl,--undefined) by the in-process shim's consumers so that a static link keeps
// this object.
extern __attribute__((visibility("default"))) const char gearbox_vaapi_drm_shim_in_process[];
const char gearbox_vaapi_drm_shim_in_process[] = "gearbox VA simulation: DRM shim";

__attribute__((visibility("default"))) int drmGetNodeTypeFromFd(int fd) {
  if (is_simulated_render_node(fd)) return DRM_NODE_RENDER;
  const NodeTypeFromFd real = libdrm_node_type_from_fd();
  if (!real) {
    errno = ENODEV;
    return -1;
  }
  return real(fd);
}

}  // extern "C"
