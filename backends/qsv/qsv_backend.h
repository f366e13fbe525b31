// The Quick Sync backend: Intel oneVPL on a VA display. See README.md.
#pragma once

#include <memory>

#include "gearbox/backend.h"

namespace gearbox {

// The registry's backend.
std::unique_ptr<Backend> make_qsv_backend();

}  // namespace gearbox
