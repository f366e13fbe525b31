// Renders HLS playlists (RFC 8216, Apple's HLS authoring specification) over the same fMP4
// segments as the MPD (or over MPEG-TS segments of their own): a master playlist and one media
// playlist per rendition. While writing:
// EVENT playlists that grow; at the end: VOD with EXT-X-ENDLIST.
#pragma once

#include <string>

#include "manifest_model.h"

namespace gearbox::packager {

std::string media_playlist_name(const std::string& track_id);  // "v0.m3u8"
std::string render_hls_media_playlist(const ManifestModel& model, size_t track);
std::string render_hls_master_playlist(const ManifestModel& model);

}  // namespace gearbox::packager
