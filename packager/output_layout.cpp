#include "output_layout.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

namespace gearbox::packager {
namespace fs = std::filesystem;

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// "v12" (video) or "a0" (audio) -> true
bool is_track_id(const std::string& s) {
  return s.size() > 1 && (s[0] == 'v' || s[0] == 'a') && all_digits(s.substr(1));
}

bool is_gearbox_asset(std::string name, const OutputPaths& paths) {
  const std::string tmp = ".tmp";
  if (name.size() > tmp.size() && name.compare(name.size() - tmp.size(), tmp.size(), tmp) == 0) {
    name.resize(name.size() - tmp.size());
  }
  for (const std::string& manifest : {paths.dash_manifest, paths.hls_master}) {
    if (!manifest.empty() && fs::path(manifest).filename() == name) return true;
  }
  auto ends = [&](const std::string& suffix) {
    return name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".m3u8")) return is_track_id(name.substr(0, name.size() - 5));
  if (ends("-init.mp4")) return is_track_id(name.substr(0, name.size() - 9));
  if (ends(".m4s") || ends(".ts")) {
    std::string stem = name.substr(0, name.rfind('.'));
    size_t dash = stem.find('-');
    return dash != std::string::npos && is_track_id(stem.substr(0, dash)) &&
           all_digits(stem.substr(dash + 1));
  }
  return false;
}

}  // namespace

Result<int> clear_previous_assets(const OutputPaths& paths) {
  int removed = 0;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(paths.directory, ec)) {
    if (!entry.is_regular_file() || !is_gearbox_asset(entry.path().filename().string(), paths))
      continue;
    if (!fs::remove(entry.path(), ec) || ec) {
      return make_error(ErrorCode::kIo, "clear_previous_assets: cannot delete \"" +
                                            entry.path().string() + "\": " + ec.message());
    }
    ++removed;
  }
  if (ec) {
    return make_error(ErrorCode::kIo, "clear_previous_assets: cannot list \"" + paths.directory +
                                          "\": " + ec.message());
  }
  return removed;
}

void remove_staging(const OutputPaths& paths) {
  if (paths.upload_url.empty()) return;
  std::error_code ec;
  fs::remove_all(paths.directory, ec);
}

Result<OutputPaths> resolve_output(const std::string& output, OutputFormat format) {
  std::string staging;  // URL output: created below, removed again if the output is refused
  auto invalid = [&](const std::string& why) {
    std::error_code ec;
    if (!staging.empty()) fs::remove_all(staging, ec);
    return make_error(ErrorCode::kInvalidArgument, "output: \"" + output + "\" " + why);
  };
  if (output.empty()) return invalid("is empty; give a directory or a manifest path");
  const bool dash = format != OutputFormat::kHls;
  const bool hls = format != OutputFormat::kDash;
  std::string upload_url;
  fs::path path(output);
  if (const size_t scheme = output.find("://"); scheme != std::string::npos) {
    if (output.rfind("http://", 0) != 0 && output.rfind("https://", 0) != 0) {
      return invalid("is a URL of a scheme gearbox cannot upload to; use http:// or https://");
    }
    if (output.find('/', scheme + 3) == std::string::npos)
      return invalid("has no path; add one, e.g. /live/");
    // The URL's folder receives the files; they are written to a local staging folder first.
    const size_t slash = output.rfind('/');
    upload_url = output.substr(0, slash + 1);
    std::string folder = (fs::temp_directory_path() / "gearbox-upload-XXXXXX").string();
    if (!::mkdtemp(folder.data())) {
      return make_error(ErrorCode::kIo, "output: cannot create a staging folder in " +
                                            fs::temp_directory_path().string());
    }
    staging = folder;
    path = fs::path(staging) / output.substr(slash + 1);
  }
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
  paths.upload_url = upload_url;
  if (dash) paths.dash_manifest = (dir / (stem.empty() ? kDefaultMpdName : stem + ".mpd")).string();
  if (hls) {
    paths.hls_master = (dir / (stem.empty() ? kDefaultHlsMasterName : stem + ".m3u8")).string();
  }
  return paths;
}

}  // namespace gearbox::packager
