#include "qsv_options.h"

namespace gearbox::qsv {

std::vector<OptionSpec> option_specs() {
  OptionSpec device = text_option(
      "device", "",
      "Quick Sync: the Intel GPU's DRM render node (default: the first Intel /dev/dri/renderD*)",
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
  return QsvSettings{o.text("device"), o.text("rate_control")};
}

}  // namespace gearbox::qsv
