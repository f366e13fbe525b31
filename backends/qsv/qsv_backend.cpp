// STAND-IN while the backend is written: says so in the probe and refuses to open.
#include "qsv_backend.h"

namespace gearbox {
namespace {

class StandInQsvBackend final : public Backend {
 public:
  std::string name() const override { return "qsv"; }
  BackendInfo probe() override {
    BackendInfo info;
    info.name = "qsv";
    info.reason = "not implemented yet in this build (stand-in)";
    return info;
  }
  Result<std::unique_ptr<Device>> open(const DeviceOptions&) override {
    return make_error(ErrorCode::kUnavailable, "qsv: not implemented yet in this build");
  }
};

}  // namespace

std::unique_ptr<Backend> make_qsv_backend() {
  return std::make_unique<StandInQsvBackend>();
}

}  // namespace gearbox
