// Colour conversion and the ladder's smaller sizes in one pass over the frame.
//
// Converting a 1080p frame and then scaling it reads the converted picture back from memory
// once per size made from it: by the time the scaler runs, the 3 MB picture has left the
// core's 2 MB cache (and under load, x264 has filled it). Here the frame is converted a band
// of rows at a time, and each band is scaled to the smaller sizes while it is still in cache.
// Only exact 3:2 and 2:1 reductions are made so, because those are row-local (a band of
// source rows makes a whole band of output rows) and so give the very pictures the scaler
// makes from the whole frame; backends/x264/tests/banded_ladder_test.cpp checks that bit for bit.
#pragma once

#include <vector>

#include "gearbox/backend.h"
#include "gearbox/cpu_surface.h"
#include "gearbox/frame.h"

namespace gearbox {

// One smaller size made in the pass, from the converted frame (from = -1) or from an earlier
// step's picture.
struct BandedStep {
  int from = -1;
  int width = 0;
  int height = 0;
  bool three_to_two = false;  // otherwise an exact halving
  int band_rows = 0;          // luma rows of this picture that each band of the frame makes
};

struct BandedPlan {
  int band_rows = 0;  // source rows per band; 0 when no step can be made in the pass
  std::vector<BandedStep> steps;
  // For each of the requested scales, its step, or -1 when scale() has to make it afterwards.
  std::vector<int> step_of_request;
};

// Plans the pass for a width x height source and the scales the engine will ask for on every
// frame (DeviceOptions::every_frame_scales, each from the source or an earlier entry). A scale
// is made in the pass when it is an exact 3:2 or 2:1 reduction of its input in luma and
// chroma and its input is made in the pass too. Bands are the smallest height of at least 16
// rows that divides the frame and splits into whole groups of rows at every level.
BandedPlan plan_banded_ladder(int width, int height, const std::vector<ScaleRequest>& requests);

// Converts `frame` into `converted` and makes every step of `plan` into `steps[k]` (surfaces
// of the steps' sizes).
Status convert_and_scale_banded(const FrameView& frame,
                                const BandedPlan& plan,
                                CpuSurface& converted,
                                const std::vector<CpuSurface*>& steps);

}  // namespace gearbox
