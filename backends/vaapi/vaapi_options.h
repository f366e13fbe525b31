// The VA-API backend's options, as it describes them to the engine and the CLI (keys "vaapi.*").
//
// The device is a DRM render node; empty picks the first node (in /dev/dri/renderD* order)
// whose driver offers H.264 encode. The rate control is CBR or VBR, both with the HRD (VBV) of
// RateControlOptions. No B-frames and no driver GOP: the engine forces every IDR.
#pragma once

#include <string>
#include <vector>

#include "gearbox/backend_options.h"

namespace gearbox::vaapi {

inline constexpr const char* kBackendName = "vaapi";

struct VaapiSettings {
  std::string device;        // a render node's path, "" = the first with an H.264 encoder
  std::string rate_control;  // cbr, vbr

  static VaapiSettings from(const OptionValues& values);
};

std::vector<OptionSpec> option_specs();

}  // namespace gearbox::vaapi
