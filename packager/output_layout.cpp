#include "output_layout.h"

#include <filesystem>
#include <system_error>

namespace gearbox::packager {
namespace fs = std::filesystem;

Result<OutputPaths> resolve_output(const std::string& output, OutputFormat format) {
  auto invalid = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, "output: \"" + output + "\" " + why);
  };
  if (output.empty()) return invalid("is empty; give a directory or a manifest path");
  if (output.find("://") != std::string::npos) {
    return invalid("is a URL; this build writes to local paths only");
  }
  const bool dash = format != OutputFormat::kHls;
  const bool hls = format != OutputFormat::kDash;
  fs::path path(output);
  std::string ext = path.extension().string();
  fs::path dir;
  std::string stem;
  std::error_code ec;
  if (ext == ".mpd" || ext == ".m3u8") {
    if (ext == ".mpd" && !dash) return invalid("is a DASH manifest but the format is hls");
    if (ext == ".m3u8" && !hls) return invalid("is an HLS playlist but the format is dash");
    if (fs::is_directory(path, ec)) return invalid("is a directory named like a manifest");
    dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    stem = path.stem().string();
  } else if (!ext.empty() && !fs::is_directory(path, ec)) {
    return invalid("has the extension \"" + ext + "\"; give a directory, a .mpd or a .m3u8 path");
  } else {
    dir = path;
  }
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return make_error(ErrorCode::kIo, "output: cannot create directory \"" + dir.string() +
                                          "\": " + (ec ? ec.message() : "not a directory"));
  }
  OutputPaths paths;
  paths.directory = dir.string();
  if (dash) paths.dash_manifest = (dir / (stem.empty() ? kDefaultMpdName : stem + ".mpd")).string();
  if (hls) {
    paths.hls_master = (dir / (stem.empty() ? kDefaultHlsMasterName : stem + ".m3u8")).string();
  }
  return paths;
}

}  // namespace gearbox::packager
