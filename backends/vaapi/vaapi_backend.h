// The VA-API backend: libva on a DRM render node (Intel iHD/i965, AMD radeonsi). See README.md.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "va_runtime.h"

namespace gearbox {

namespace vaapi {
// The render nodes the backend scans, in order, for the default device and for the probe.
using NodeList = std::function<std::vector<std::string>()>;
}  // namespace vaapi

// The backend on the libva `runtime` loads, scanning the nodes `nodes` lists (a simulated node
// is a regular file outside /dev/dri, so the tests name it here).
std::unique_ptr<Backend> make_vaapi_backend(vaapi::VaRuntimeLoader runtime, vaapi::NodeList nodes);

// The registry's backend: the system's libva, /dev/dri/renderD* in numeric order.
std::unique_ptr<Backend> make_vaapi_backend();

}  // namespace gearbox
