#include "qsv_options.h"

namespace gearbox::qsv {

std::vector<OptionSpec> option_specs() {
  OptionSpec device = text_option("device", "",
                                  "Quick Sync: the Intel GPU's DRM render node (default: "
                                  "--vaapi-device, else the first Intel /dev/dri/renderD*)",
                                  "--qsv-device");
  device.value_name = "PATH";
  return {
      device,
      choice_option("rate_control", "cbr", {"cbr", "vbr"},
                    "Quick Sync rate control: cbr, vbr (both HRD capped)", "--qsv-rc"),
  };
}

QsvSettings QsvSettings::from(const OptionValues& values) {
  const BackendOptions o(kBackendName, option_specs(), values);
  QsvSettings settings{o.text("device"), o.text("rate_control")};
  // The VA-API backend's device option names the same kind of node: without --qsv-device, the
  // GPU it picks is the one Quick Sync runs on too.
  if (settings.device.empty()) {
    const auto va = values.find("vaapi.device");
    if (va != values.end()) settings.device = va->second;
  }
  return settings;
}

}  // namespace gearbox::qsv
