// Stand-in until the VA-API backend lands (branch scaffolding; replaced by the backend).
#include <memory>

#include "gearbox/backend.h"

namespace gearbox {
namespace {
class PendingVaapiBackend : public Backend {
 public:
  std::string name() const override { return "vaapi"; }
  BackendInfo probe() override { return {"vaapi", false, "VA-API backend under construction", {}}; }
  Result<std::unique_ptr<Device>> open(const DeviceOptions&) override {
    return Error{ErrorCode::kUnavailable, "VA-API backend under construction"};
  }
};
}  // namespace
std::unique_ptr<Backend> make_vaapi_backend() { return std::make_unique<PendingVaapiBackend>(); }
}  // namespace gearbox
