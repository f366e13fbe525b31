// Where the files go. Like StreamGear, gearbox accepts a manifest path, a directory (created if
// missing; the manifests inside are named manifest.mpd and master.m3u8) or an http(s) URL of
// either form, whose files are staged in a temporary local folder and uploaded (HttpUploader).
#pragma once

#include <string>

#include "gearbox/config.h"
#include "gearbox/output_paths.h"

namespace gearbox::packager {

inline constexpr const char* kDefaultMpdName = "manifest.mpd";
inline constexpr const char* kDefaultHlsMasterName = "master.m3u8";

// Resolves `output` for `format` and creates the directory. Errors name the field "output".
Result<OutputPaths> resolve_output(const std::string& output, OutputFormat format);

// URL output: removes the temporary staging folder resolve_output() created (nothing otherwise).
void remove_staging(const OutputPaths& paths);

// Deletes the files an earlier stream wrote into paths.directory: names gearbox writes
// (vN-K.m4s or vN-K.ts, vN-init.mp4, vN.m3u8, the audio's aN-K.m4s / aN-K.ts, aN-init.mp4, aN.m3u8,
// the manifests named in `paths`, and their .tmp files). Returns how many were deleted.
Result<int> clear_previous_assets(const OutputPaths& paths);

}  // namespace gearbox::packager
