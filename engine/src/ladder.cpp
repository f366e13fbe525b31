#include "gearbox/ladder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace gearbox {

int64_t bitrate_from_bpp(int width, int height, double bpp, Rational fps) {
  double kbps = static_cast<double>(width) * height * bpp * fps.to_double() / 1000.0;
  return static_cast<int64_t>(std::llround(kbps));
}

namespace {

// A bitrate from the bpp rule, refused (naming the entry, bpp and the result) past 10 Gbps:
// x264 and NVENC take kbps as int, and no network carries more.
Result<int64_t> bpp_bitrate(const std::string& field,
                            int width,
                            int height,
                            double bpp,
                            Rational fps) {
  const double kbps = static_cast<double>(width) * height * bpp * fps.to_double() / 1000.0;
  if (!(kbps <= static_cast<double>(kMaxBitrateKbps))) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "%s: bpp %g at %dx%d and %g fps gives %.3g kbps, above %lld (10 Gbps)",
                  field.c_str(), bpp, width, height, fps.to_double(), kbps,
                  static_cast<long long>(kMaxBitrateKbps));
    return make_error(ErrorCode::kInvalidArgument, text);
  }
  return std::max<int64_t>(1, bitrate_from_bpp(width, height, bpp, fps));
}

}  // namespace

Result<std::vector<RenditionPlan>> plan_ladder(const StreamConfig& config,
                                               int source_width,
                                               int source_height) {
  // Before anything is allocated for the size: a 99999x99999 frame must not reach a surface pool.
  GEARBOX_RETURN_IF_ERROR(check_frame_size("frame: source size", source_width, source_height));
  if (source_width % 2 || source_height % 2) {
    return make_error(ErrorCode::kInvalidArgument,
                      "frame: source size " + std::to_string(source_width) + "x" +
                          std::to_string(source_height) +
                          " has an odd side; 4:2:0 encoding needs even sizes (crop one pixel)");
  }
  std::vector<RenditionPlan> ladder;
  RenditionPlan primary;
  primary.width = source_width;
  primary.height = source_height;
  primary.frame_rate = config.input_frame_rate;
  if (config.primary_bitrate_kbps) {
    primary.bitrate_kbps = *config.primary_bitrate_kbps;
  } else {
    auto kbps = bpp_bitrate("primary rendition", source_width, source_height, config.bpp,
                            config.input_frame_rate);
    if (!kbps) return kbps.error();
    primary.bitrate_kbps = *kbps;
  }
  if (primary.bitrate_kbps < 1) primary.bitrate_kbps = 1;
  ladder.push_back(primary);

  for (size_t i = 0; i < config.renditions.size(); ++i) {
    const RenditionSpec& spec = config.renditions[i];
    const std::string field = "renditions[" + std::to_string(i + 1) + "]";
    // Decided: refused, as a rate above the input's is. Scaling up spends bits on detail the
    // source does not have; a player already upscales the smaller picture itself.
    if (spec.width > source_width || spec.height > source_height) {
      return make_error(ErrorCode::kInvalidArgument,
                        field + ".resolution: " + std::to_string(spec.width) + "x" +
                            std::to_string(spec.height) + " is larger than the " +
                            std::to_string(source_width) + "x" + std::to_string(source_height) +
                            " source; a rendition can only scale down, not invent detail");
    }
    RenditionPlan r;
    r.width = spec.width;
    r.height = spec.height;
    r.frame_rate = spec.frame_rate.value_or(config.input_frame_rate);
    if (spec.bitrate_kbps) {
      r.bitrate_kbps = *spec.bitrate_kbps;
    } else {
      auto kbps = bpp_bitrate(field, spec.width, spec.height, config.bpp, *spec.frame_rate);
      if (!kbps) return kbps.error();
      r.bitrate_kbps = *kbps;
    }
    if (r.bitrate_kbps < 1) r.bitrate_kbps = 1;
    ladder.push_back(r);
  }

  for (size_t i = 0; i < ladder.size(); ++i) {
    ladder[i].index = static_cast<int>(i);
    ladder[i].id = "v" + std::to_string(i);
    for (size_t j = 0; j < i; ++j) {
      if (ladder[j].width == ladder[i].width && ladder[j].height == ladder[i].height &&
          ladder[j].bitrate_kbps == ladder[i].bitrate_kbps &&
          ladder[j].frame_rate == ladder[i].frame_rate) {
        return make_error(ErrorCode::kInvalidArgument,
                          "renditions[" + std::to_string(i) + "]: duplicates " +
                              (j == 0 ? std::string("the primary rendition")
                                      : "renditions[" + std::to_string(j) + "]") +
                              " (" + std::to_string(ladder[i].width) + "x" +
                              std::to_string(ladder[i].height) + " at " +
                              std::to_string(ladder[i].bitrate_kbps) + " kbps)");
      }
    }
  }
  return ladder;
}

std::vector<SizeKey> distinct_sizes(const std::vector<RenditionPlan>& ladder) {
  std::vector<SizeKey> sizes;
  for (const RenditionPlan& r : ladder) {
    SizeKey k{r.width, r.height};
    bool seen = false;
    for (const SizeKey& s : sizes) seen = seen || s == k;
    if (!seen) sizes.push_back(k);
  }
  std::stable_sort(sizes.begin(), sizes.end(), [](const SizeKey& a, const SizeKey& b) {
    return static_cast<int64_t>(a.width) * a.height > static_cast<int64_t>(b.width) * b.height;
  });
  return sizes;
}

std::vector<int> scale_sources(const std::vector<SizeKey>& sizes, SizeKey source) {
  std::vector<int> from(sizes.size(), -1);
  for (size_t t = 0; t < sizes.size(); ++t) {
    int64_t best_area = static_cast<int64_t>(source.width) * source.height;
    for (size_t s = 0; s < t; ++s) {
      const bool twice =
          sizes[s].width >= 2 * sizes[t].width && sizes[s].height >= 2 * sizes[t].height;
      const int64_t area = static_cast<int64_t>(sizes[s].width) * sizes[s].height;
      if (twice && area < best_area) {
        best_area = area;
        from[t] = static_cast<int>(s);
      }
    }
  }
  return from;
}

std::vector<ScaleRequest> every_frame_scales(const std::vector<RenditionPlan>& ladder,
                                             Rational input_rate,
                                             SizeKey source) {
  const std::vector<SizeKey> sizes = distinct_sizes(ladder);
  const std::vector<int> from = scale_sources(sizes, source);
  std::vector<char> always(sizes.size(), 0);
  for (const RenditionPlan& r : ladder) {
    if (!(r.frame_rate == input_rate)) continue;  // decimated: not every frame
    for (size_t k = 0; k < sizes.size(); ++k) always[k] |= sizes[k] == SizeKey{r.width, r.height};
  }
  for (size_t k = sizes.size(); k-- > 0;) {
    if (always[k] && from[k] >= 0) always[static_cast<size_t>(from[k])] = 1;
  }
  std::vector<ScaleRequest> requests;
  std::vector<int> request_of(sizes.size(), -1);
  for (size_t k = 0; k < sizes.size(); ++k) {
    if (!always[k] || sizes[k] == source) continue;
    const int f =
        from[k] < 0 ? -1 : request_of[static_cast<size_t>(from[k])];  // -1 also for the source size
    request_of[k] = static_cast<int>(requests.size());
    requests.push_back({f, sizes[k].width, sizes[k].height});
  }
  return requests;
}

}  // namespace gearbox
