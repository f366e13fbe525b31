// Renders the DASH MPD (ISO/IEC 23009-1, DASH-IF IOP live profile): one video AdaptationSet,
// one Representation per rendition, SegmentTemplate with $Number$ and a SegmentTimeline taken
// from the real segment durations. While writing: a dynamic MPD that grows; at the end: static.
#pragma once

#include <string>

#include "manifest_model.h"

namespace gearbox::packager {

std::string render_mpd(const ManifestModel& model);

}  // namespace gearbox::packager
