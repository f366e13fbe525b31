// One line of the backend registration list (backends/CMakeLists.txt), as the generated
// backend_list.cpp gives it to the registry.
#pragma once

#include <memory>
#include <vector>

#include "gearbox/backend.h"

namespace gearbox {

struct RegisteredBackend {
  const char* name;
  const char* api;
  std::unique_ptr<Backend> (*make)();  // null when this build does not carry the backend
  const char* absent_reason;           // why not, for `gearbox probe` and automatic selection
};

// In automatic-selection order.
const std::vector<RegisteredBackend>& registered_backends();

}  // namespace gearbox
