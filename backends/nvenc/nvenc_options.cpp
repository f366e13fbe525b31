#include "nvenc_options.h"

namespace gearbox::nvenc {

std::vector<OptionSpec> option_specs() {
  return {
      choice_option("preset", "p4", {"p1", "p2", "p3", "p4", "p5", "p6", "p7"},
                    "NVENC preset p1 (fastest) .. p7 (best)"),
      choice_option("tuning", "ll", {"hq", "ll", "ull"}, "NVENC tuning: hq, ll, ull"),
      choice_option("rate_control", "cbr", {"cbr", "vbr"},
                    "NVENC rate control: cbr, vbr (VBV capped)", "--nvenc-rc"),
  };
}

NvencSettings NvencSettings::from(const OptionValues& values) {
  const BackendOptions o(kBackendName, option_specs(), values);
  return NvencSettings{o.text("preset"), o.text("tuning"), o.text("rate_control")};
}

}  // namespace gearbox::nvenc
