// Renders the DASH MPD (ISO/IEC 23009-1, DASH-IF IOP live profile): one video AdaptationSet
// with one Representation per rendition (and an audio AdaptationSet, see audio_manifest.h),
// SegmentTemplate with $Number$ and a SegmentTimeline taken from the real segment durations.
// While writing: a dynamic MPD that grows; at the end: static.
#pragma once

#include <sstream>
#include <string>

#include "manifest_model.h"

namespace gearbox::packager {

std::string render_mpd(const ManifestModel& model);
// A track's SegmentTemplate: the listed segments (a live window's, or all) as a SegmentTimeline,
// startNumber, presentationTimeOffset and, for low-latency chunks, availabilityTimeOffset.
// The segments of one period (ManifestModel::listed_periods).
void render_segment_template(std::ostringstream& out,
                             const ManifestModel& model,
                             size_t track,
                             const ListedPeriod& period);

}  // namespace gearbox::packager
