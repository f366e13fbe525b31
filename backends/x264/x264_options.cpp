#include "x264_options.h"

namespace gearbox {

std::vector<OptionSpec> x264_option_specs() {
  // The flags keep the names they had before backends described their options.
  return {
      text_option("preset", "veryfast", "x264 preset", "--preset"),
      text_option("tune", "zerolatency", "x264 tune ('none' for none)", "--tune"),
      text_option("profile", "high", "x264 profile", "--profile"),
      integer_option("bframes", 0, 0, 16, "B-frames", "--bframes"),
      integer_option("threads", 0, 0, 128, "x264 threads per rendition (0: x264's choice)"),
  };
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
