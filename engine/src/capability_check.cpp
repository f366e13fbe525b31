#include "capability_check.h"

namespace gearbox {
namespace {

std::string size_text(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}
std::string size_text(Size s) {
  return size_text(s.width, s.height);
}

std::string codec_list(const Capabilities& caps) {
  std::string list;
  for (Codec c : caps.codecs) list += (list.empty() ? "" : ", ") + std::string(to_string(c));
  return list.empty() ? "none" : list;
}

// The first limit `r` breaks, as "<backend> <what it does>", or "" when it is inside them all.
std::string broken_limit(const Capabilities& caps,
                         const RenditionPlan& r,
                         const std::string& backend) {
  if (r.width > caps.max_size.width || r.height > caps.max_size.height) {
    return backend + " encodes H.264 up to " + size_text(caps.max_size);
  }
  if (r.width < caps.min_size.width || r.height < caps.min_size.height) {
    return backend + " encodes H.264 from " + size_text(caps.min_size) + " up";
  }
  const int a = caps.size_alignment;
  if (a > 1 && (r.width % a != 0 || r.height % a != 0)) {
    return backend + " needs both sides a multiple of " + std::to_string(a);
  }
  return "";
}

}  // namespace

Status check_ladder_capabilities(const Capabilities& caps,
                                 const std::vector<RenditionPlan>& ladder,
                                 const std::string& backend) {
  if (!caps.offers(Codec::kH264)) {
    return make_error(ErrorCode::kUnsupported,
                      "the ladder is H.264; " + backend + " encodes " + codec_list(caps));
  }
  for (const RenditionPlan& r : ladder) {
    const std::string limit = broken_limit(caps, r, backend);
    if (!limit.empty()) {
      return make_error(ErrorCode::kUnsupported,
                        "rendition " + r.id + " (" + size_text(r.width, r.height) + "): " + limit);
    }
  }
  if (caps.max_sessions > 0 && ladder.size() > static_cast<size_t>(caps.max_sessions)) {
    return make_error(ErrorCode::kOutOfSessions,
                      "the ladder needs " + std::to_string(ladder.size()) +
                          " encoder sessions (one per rendition); " + backend + " allows " +
                          std::to_string(caps.max_sessions));
  }
  return {};
}

}  // namespace gearbox
