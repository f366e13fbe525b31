// The Quick Sync backend's options, as it describes them to the engine and the CLI (keys "qsv.*").
//
// The device is a DRM render node: --qsv-device, else --vaapi-device (the same GPU for both
// backends), else the first Intel one (in /dev/dri/renderD* order).
// The rate control is CBR or VBR, both with the HRD (VBV) of RateControlOptions. No B-frames and
// no GOP of the runtime's own: the engine forces every IDR.
#pragma once

#include <string>
#include <vector>

#include "gearbox/backend_options.h"

namespace gearbox::qsv {

inline constexpr const char* kBackendName = "qsv";

struct QsvSettings {
  std::string device;        // qsv.device, else vaapi.device; "" = the first Intel node
  std::string rate_control;  // cbr, vbr

  static QsvSettings from(const OptionValues& values);
};

std::vector<OptionSpec> option_specs();

}  // namespace gearbox::qsv
