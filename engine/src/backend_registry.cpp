#include "gearbox/backend_registry.h"

#include <string>

#include "registered_backend.h"

namespace gearbox {
namespace {

// A registered backend this build does not carry (not implemented yet, or configured off). It
// is listed so that `probe` and `auto` selection say so plainly instead of pretending the
// backend does not exist.
class AbsentBackend final : public Backend {
 public:
  AbsentBackend(std::string name, std::string reason)
      : name_(std::move(name)), reason_(std::move(reason)) {}
  std::string name() const override { return name_; }
  BackendInfo probe() override {
    BackendInfo info;
    info.name = name_;
    info.reason = reason_;
    return info;
  }
  Result<std::unique_ptr<Device>> open(const DeviceOptions&) override {
    return make_error(ErrorCode::kUnavailable, name_ + ": " + probe().reason);
  }

 private:
  std::string name_;
  std::string reason_;
};

}  // namespace

std::vector<std::unique_ptr<Backend>> all_backends() {
  std::vector<std::unique_ptr<Backend>> list;
  for (const RegisteredBackend& r : registered_backends()) {
    list.push_back(r.make ? r.make() : std::make_unique<AbsentBackend>(r.name, r.absent_reason));
  }
  return list;
}

Status check_backend_options(const OptionValues& values, const BackendList& backends) {
  for (const auto& [key, value] : values) {
    const size_t dot = key.find('.');
    const std::string backend_name = key.substr(0, dot);
    const std::string option = dot == std::string::npos ? std::string() : key.substr(dot + 1);
    const Backend* owner = nullptr;
    for (const std::shared_ptr<Backend>& b : backends) {
      if (b->name() == backend_name) owner = b.get();
    }
    if (!owner) {
      std::string known;
      for (const std::shared_ptr<Backend>& b : backends)
        known += (known.empty() ? "" : ", ") + b->name();
      return make_error(
          ErrorCode::kInvalidArgument,
          "backend_options: \"" + key + "\" names no backend of this build (" + known + ")");
    }
    const std::vector<OptionSpec> specs = owner->options();
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs) {
      if (s.name == option) spec = &s;
    }
    if (!spec) {
      std::string known;
      for (const OptionSpec& s : specs) known += (known.empty() ? "" : ", ") + s.name;
      return make_error(
          ErrorCode::kInvalidArgument,
          "backend_options: \"" + key + "\" is not an option of " + backend_name +
              (known.empty() ? std::string(" (it has none)") : " (its options: " + known + ")"));
    }
    GEARBOX_RETURN_IF_ERROR(check_option_value(backend_name, *spec, value));
  }
  return {};
}

Result<BackendSelection> select_backend(const std::string& name) {
  BackendList candidates;
  for (std::unique_ptr<Backend>& backend : all_backends()) candidates.push_back(std::move(backend));
  return select_backend(name, candidates);
}

Result<BackendSelection> select_backend(const std::string& name, const BackendList& candidates) {
  BackendSelection selection;
  std::string known;
  for (auto it = candidates.begin(); it != candidates.end(); ++it) {
    const std::shared_ptr<Backend>& backend = *it;
    known += (known.empty() ? "" : ", ") + backend->name();
    if (name != "auto" && backend->name() != name) continue;
    BackendInfo info = backend->probe();
    if (info.available) {
      selection.backend = backend;
      if (name == "auto") selection.fallbacks.assign(it + 1, candidates.end());
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
