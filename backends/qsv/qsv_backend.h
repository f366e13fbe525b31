// The Quick Sync backend: Intel oneVPL 2.x on a VA display (Intel GPUs). See README.md here.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "va_runtime.h"
#include "vpl_runtime.h"

namespace gearbox {

namespace qsv {
// The render nodes the backend scans, in order, for the first Intel GPU.
using NodeList = std::function<std::vector<std::string>()>;
}  // namespace qsv

// The backend on the oneVPL dispatcher `vpl` loads, over the libva `va` loads, scanning the
// nodes `nodes` lists (a simulated node is a regular file outside /dev/dri, so the tests name
// it here).
std::unique_ptr<Backend> make_qsv_backend(qsv::VplRuntimeLoader vpl,
                                          vaapi::VaRuntimeLoader va,
                                          qsv::NodeList nodes);

// The registry's backend: Debian's libvpl.so.2, the system's libva, /dev/dri/renderD*.
std::unique_ptr<Backend> make_qsv_backend();

}  // namespace gearbox
