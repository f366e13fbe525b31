#include "backend_under_test.h"

#include <cstdlib>

#include "gearbox/backend_registry.h"

namespace gearbox::testing {
namespace {

// The test backend GEARBOX_TEST_BACKEND names, or nullptr. The binary's own variable, set by
// ctest per registration: which variant this run is.
const TestBackend* selected_test_backend() {
  const char* name = std::getenv("GEARBOX_TEST_BACKEND");
  if (!name) return nullptr;
  for (const TestBackend& backend : test_backends()) {
    if (backend.name == std::string(name)) return &backend;
  }
  return nullptr;
}

}  // namespace

std::string backend_under_test() {
  if (const TestBackend* test = selected_test_backend()) return test->make()->name();
  const char* name = std::getenv("GEARBOX_TEST_BACKEND");
  return name && *name ? name : "x264";
}

BackendList backends_under_test() {
  const TestBackend* test = selected_test_backend();
  std::shared_ptr<Backend> replacement = test ? test->make() : nullptr;
  BackendList list;
  bool replaced = false;
  for (std::unique_ptr<Backend>& backend : all_backends()) {
    if (replacement && backend->name() == replacement->name()) {
      list.push_back(replacement);
      replaced = true;
    } else {
      list.push_back(std::move(backend));
    }
  }
  if (replacement && !replaced) list.push_back(replacement);
  return list;
}

}  // namespace gearbox::testing
