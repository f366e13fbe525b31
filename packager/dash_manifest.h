// Renders the DASH MPD (ISO/IEC 23009-1, DASH-IF IOP live profile): one video AdaptationSet
// (and one audio AdaptationSet, see audio_manifest.h),
// one Representation per rendition, SegmentTemplate with $Number$ and a SegmentTimeline taken
// from the real segment durations. While writing: a dynamic MPD that grows; at the end: static.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "manifest_model.h"

namespace gearbox::packager {

std::string render_mpd(const ManifestModel& model);
// The SegmentTimeline of a track's first `n` segments (runs of equal durations as r="...").
void render_timeline(std::ostringstream& out, const std::vector<SegmentRecord>& segments, size_t n);

}  // namespace gearbox::packager
