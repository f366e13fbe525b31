// The NVENC backend: NVIDIA's hardware encoder on CUDA device memory. See README.md here.
#pragma once

#include <memory>

#include "gearbox/backend.h"
#include "nvidia_runtime.h"

namespace gearbox {

// The backend on the runtime `runtime` loads (nvenc::runtime_from(directory) for a directory).
std::unique_ptr<Backend> make_nvenc_backend(nvenc::NvidiaRuntimeLoader runtime);

// The registry's backend: the system's driver, or the directory GEARBOX_NVENC_RUNTIME_DIR names.
std::unique_ptr<Backend> make_nvenc_backend();

}  // namespace gearbox
