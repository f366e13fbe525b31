// The NVENC backend's options, as it describes them to the engine and the CLI (keys "nvenc.*").
//
// The preset trades speed for quality (p1 fastest .. p7 best), the tuning picks NVENC's
// latency/quality mode, and the rate control is CBR or VBR, both with the VBV/HRD cap of
// RateControlOptions. No B-frames: every timestamp stays exactly on the grid (as with x264's
// default). No lookahead: it would hold frames back.
#pragma once

#include <string>
#include <vector>

#include "gearbox/backend_options.h"

namespace gearbox::nvenc {

inline constexpr const char* kBackendName = "nvenc";

struct NvencSettings {
  std::string preset;        // p1 .. p7
  std::string tuning;        // hq (high quality), ll (low latency), ull (ultra low latency)
  std::string rate_control;  // cbr, vbr

  static NvencSettings from(const OptionValues& values);
};

std::vector<OptionSpec> option_specs();

}  // namespace gearbox::nvenc
