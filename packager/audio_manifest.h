// The audio track's parts of the manifests, kept apart from the video renderers: the DASH audio
// AdaptationSet, and the HLS audio group (EXT-X-MEDIA) that every variant refers to. One AAC
// track is shared by every rendition, so each variant's BANDWIDTH and CODECS include it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "manifest_model.h"

namespace gearbox::packager {

// Index of the audio track in the model, if the stream has one.
std::optional<size_t> audio_track_index(const ManifestModel& model);

// "<AdaptationSet contentType="audio" ...>...</AdaptationSet>\n", or "" without audio.
std::string render_dash_audio_adaptation_set(const ManifestModel& model,
                                             const ListedPeriod& period);

// What a variant (EXT-X-STREAM-INF) adds for the shared audio group; all zero / empty without.
struct HlsAudioGroup {
  std::string media_line;   // "#EXT-X-MEDIA:TYPE=AUDIO,...\n"
  std::string attributes;   // ",AUDIO=\"aac\""
  std::string codecs;       // ",mp4a.40.2" (appended to the video's codec string)
  int64_t peak_bps = 0;     // added to the variant's BANDWIDTH
  int64_t average_bps = 0;  // added to the variant's AVERAGE-BANDWIDTH
};
HlsAudioGroup hls_audio_group(const ManifestModel& model);

}  // namespace gearbox::packager
