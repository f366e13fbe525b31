#include "x264_options.h"

namespace gearbox {

std::vector<OptionSpec> x264_option_specs() {
  std::vector<OptionSpec> specs(5);
  specs[0].name = "preset";
  specs[0].default_value = "veryfast";
  specs[0].help = "x264 preset";
  specs[0].flag = "--preset";
  specs[1].name = "tune";
  specs[1].default_value = "zerolatency";
  specs[1].help = "x264 tune ('none' for none)";
  specs[1].flag = "--tune";
  specs[2].name = "profile";
  specs[2].default_value = "high";
  specs[2].help = "x264 profile";
  specs[2].flag = "--profile";
  specs[3].name = "bframes";
  specs[3].type = OptionType::kInteger;
  specs[3].default_value = "0";
  specs[3].min = 0;
  specs[3].max = 16;
  specs[3].help = "B-frames";
  specs[3].flag = "--bframes";
  specs[3].value_name = "N";
  specs[4].name = "threads";
  specs[4].type = OptionType::kInteger;
  specs[4].default_value = "0";
  specs[4].min = 0;
  specs[4].max = 128;
  specs[4].help = "x264 threads per rendition (0: x264's choice)";
  specs[4].value_name = "N";
  return specs;
}

X264Settings X264Settings::from(const OptionValues& values) {
  const BackendOptions o(kX264BackendName, x264_option_specs(), values);
  X264Settings s;
  s.preset = o.text("preset");
  s.tune = o.text("tune") == "none" ? "" : o.text("tune");
  s.profile = o.text("profile");
  s.bframes = static_cast<int>(o.integer("bframes"));
  s.threads = static_cast<int>(o.integer("threads"));
  return s;
}

}  // namespace gearbox
