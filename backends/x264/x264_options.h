// The x264 backend's options, as it describes them to the engine and the CLI (keys "x264.*").
//
// Defaults are StreamGear's libx264 defaults (veryfast, zerolatency, high) minus its -crf 20
// (gearbox always runs a bitrate target with a VBV cap) and minus its -bf 1: with B-frames every
// frame is decoded up to x264's reorder delay before it is presented, so the packager shifts
// every track of the stream by the largest such delay and signals it as a presentation time
// offset (composition offsets stay >= 0, which every reader places alike). bframes > 0 works;
// 0 keeps timestamps exactly on the grid.
#pragma once

#include <string>
#include <vector>

#include "gearbox/backend_options.h"

namespace gearbox {

inline constexpr const char* kX264BackendName = "x264";

struct X264Settings {
  std::string preset;   // x264's preset names; checked by x264 when an encoder opens
  std::string tune;     // "" (or "none") for none
  std::string profile;  // baseline, main, high
  int bframes = 0;
  int threads = 0;  // 0 = x264's automatic choice

  static X264Settings from(const OptionValues& values);
};

std::vector<OptionSpec> x264_option_specs();

}  // namespace gearbox
