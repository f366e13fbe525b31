#include "vaapi_options.h"

namespace gearbox::vaapi {

std::vector<OptionSpec> option_specs() {
  OptionSpec device = text_option(
      "device", "",
      "VA-API DRM render node (default: the first /dev/dri/renderD* with an H.264 encoder)",
      "--vaapi-device");
  device.value_name = "PATH";
  return {
      device,
      choice_option("rate_control", "cbr", {"cbr", "vbr"},
                    "VA-API rate control: cbr, vbr (both HRD capped)", "--vaapi-rc"),
  };
}

VaapiSettings VaapiSettings::from(const OptionValues& values) {
  const BackendOptions o(kBackendName, option_specs(), values);
  return VaapiSettings{o.text("device"), o.text("rate_control")};
}

}  // namespace gearbox::vaapi
