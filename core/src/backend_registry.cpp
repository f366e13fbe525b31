#include <future>
#include <string>
#include <thread>

#include "../../backends/nvenc/nvenc_backend.h"
#include "../../backends/x264/x264_backend.h"
#include "gearbox/backend.h"

namespace gearbox {
namespace {

// A hardware backend whose implementation has not landed yet. It is listed so that `probe`
// and `auto` selection say so plainly instead of pretending the backend does not exist.
class PlannedBackend final : public Backend {
 public:
  PlannedBackend(std::string name, std::string api) : name_(std::move(name)), api_(std::move(api)) {}
  std::string name() const override { return name_; }
  BackendInfo probe() override {
    BackendInfo info;
    info.name = name_;
    info.reason = "not implemented yet in this build (planned: " + api_ + ")";
    return info;
  }
  Result<std::unique_ptr<Device>> open(const DeviceOptions&) override {
    return make_error(ErrorCode::kUnavailable, name_ + ": " + probe().reason);
  }

 private:
  std::string name_;
  std::string api_;
};

}  // namespace

BackendInfo probe_with_time_limit(const std::string& name, std::chrono::seconds limit,
                                  std::function<BackendInfo()> probe) {
  auto result = std::make_shared<std::promise<BackendInfo>>();
  std::future<BackendInfo> future = result->get_future();
  std::thread([result, probe = std::move(probe)] { result->set_value(probe()); }).detach();
  if (future.wait_for(limit) != std::future_status::ready) {
    BackendInfo info;
    info.name = name;
    info.reason = "probe did not finish within " + std::to_string(limit.count()) + " s (a hung driver or encoder?)";
    return info;
  }
  return future.get();
}

std::vector<std::unique_ptr<Backend>> all_backends() {
  std::vector<std::unique_ptr<Backend>> list;
  list.push_back(make_nvenc_backend());
  list.push_back(std::make_unique<PlannedBackend>("qsv", "Intel oneVPL"));
  list.push_back(std::make_unique<PlannedBackend>("vaapi", "libva"));
  list.push_back(make_x264_backend());
  return list;
}

Result<BackendSelection> select_backend(const std::string& name) {
  BackendSelection selection;
  std::string known;
  for (std::unique_ptr<Backend>& backend : all_backends()) {
    known += (known.empty() ? "" : ", ") + backend->name();
    if (name != "auto" && backend->name() != name) continue;
    BackendInfo info = backend->probe();
    if (info.available) {
      selection.backend = std::move(backend);
      return selection;
    }
    if (name != "auto") {
      return make_error(ErrorCode::kUnavailable, "backend \"" + name + "\": " + info.reason);
    }
    selection.passed_over.push_back(info.name + ": " + info.reason);
  }
  if (name != "auto") {
    return make_error(ErrorCode::kInvalidArgument,
                      "backend: \"" + name + "\" is not one of auto, " + known);
  }
  std::string why;
  for (const std::string& s : selection.passed_over) why += "; " + s;
  return make_error(ErrorCode::kUnavailable, "backend auto: no backend is available" + why);
}

}  // namespace gearbox
