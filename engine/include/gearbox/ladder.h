// Ladder planning: turns a StreamConfig and the first frame's size into the renditions to encode.
#pragma once

#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/config.h"
#include "gearbox/export.h"

namespace gearbox {

struct RenditionPlan {
  int index = 0;   // 0 is the primary rendition
  std::string id;  // "v0", "v1", ... used in file names and manifests
  int width = 0;
  int height = 0;
  int64_t bitrate_kbps = 0;
  Rational frame_rate;  // output frame rate: the rendition's own, or the input rate
};

// StreamGear's rule: round(w * h * bpp * fps / 1000) kbps.
GEARBOX_EXPORT int64_t bitrate_from_bpp(int width, int height, double bpp, Rational fps);

// Primary first, then the secondary renditions in the order given. Fails (naming the entry)
// on an odd source size, or a secondary identical in size and bitrate to another rendition.
GEARBOX_EXPORT Result<std::vector<RenditionPlan>> plan_ladder(const StreamConfig& config,
                                                              int source_width,
                                                              int source_height);

// The distinct sizes of a ladder, each scaled once per frame however many renditions share it,
// largest first (so a smaller size can be scaled from a larger one already made).
struct SizeKey {
  int width;
  int height;
  bool operator==(const SizeKey& o) const { return width == o.width && height == o.height; }
};
GEARBOX_EXPORT std::vector<SizeKey> distinct_sizes(const std::vector<RenditionPlan>& ladder);

// For each of `sizes` (largest first), the index of the earlier size to scale it from, or -1
// for the source: the smallest picture already made that is at least twice the target in both
// dimensions. Scaling 720p to 360p costs a tenth of scaling 1080p to 360p, and a reduction of
// 2x or more through an area filter does not alias.
GEARBOX_EXPORT std::vector<int> scale_sources(const std::vector<SizeKey>& sizes, SizeKey source);

// The scales the engine makes on every frame (DeviceOptions::every_frame_scales): the sizes
// of renditions at the input rate, and the sizes those are scaled from, in the order of
// distinct_sizes() and from the pictures scale_sources() names. A size equal to the source's
// is the uploaded picture itself and is not listed.
GEARBOX_EXPORT std::vector<ScaleRequest>
every_frame_scales(const std::vector<RenditionPlan>& ladder, Rational input_rate, SizeKey source);

}  // namespace gearbox
