#include "nvenc_options.h"

namespace gearbox::nvenc {

std::vector<OptionSpec> option_specs() {
  std::vector<OptionSpec> specs(3);
  specs[0].name = "preset";
  specs[0].type = OptionType::kChoice;
  specs[0].default_value = "p4";
  specs[0].choices = {"p1", "p2", "p3", "p4", "p5", "p6", "p7"};
  specs[0].help = "NVENC preset p1 (fastest) .. p7 (best)";
  specs[1].name = "tuning";
  specs[1].type = OptionType::kChoice;
  specs[1].default_value = "ll";
  specs[1].choices = {"hq", "ll", "ull"};
  specs[1].help = "NVENC tuning: hq, ll, ull";
  specs[2].name = "rate_control";
  specs[2].type = OptionType::kChoice;
  specs[2].default_value = "cbr";
  specs[2].choices = {"cbr", "vbr"};
  specs[2].help = "NVENC rate control: cbr, vbr (VBV capped)";
  specs[2].flag = "--nvenc-rc";
  return specs;
}

NvencSettings NvencSettings::from(const OptionValues& values) {
  const BackendOptions o(kBackendName, option_specs(), values);
  return NvencSettings{o.text("preset"), o.text("tuning"), o.text("rate_control")};
}

}  // namespace gearbox::nvenc
