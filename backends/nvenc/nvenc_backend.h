// The NVENC backend: NVIDIA's hardware encoder on CUDA device memory. See README.md here.
#pragma once

#include <memory>

#include "gearbox/backend.h"

namespace gearbox {

std::unique_ptr<Backend> make_nvenc_backend();

}  // namespace gearbox
