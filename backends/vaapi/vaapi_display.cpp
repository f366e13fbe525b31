#include "vaapi_display.h"

#include <algorithm>

#include "vaapi_status.h"

namespace gearbox::vaapi {
namespace {

bool contains(const std::string& text, const char* word) {
  return text.find(word) != std::string::npos;
}

std::string rc_text(uint32_t modes) {
  std::string t;
  if (modes & VA_RC_CBR) t += "CBR";
  if (modes & VA_RC_VBR) t += t.empty() ? "VBR" : "/VBR";
  return t.empty() ? "no CBR or VBR" : t;
}

}  // namespace

Result<std::shared_ptr<Display>> Display::open(std::shared_ptr<VaRuntime> runtime,
                                               const std::string& node) {
  auto drm = DrmDisplay::open(std::move(runtime), node, "VA-API");
  if (!drm) return drm.error();
  std::shared_ptr<Display> d(new Display());
  d->drm_ = std::move(drm.value());
  GEARBOX_RETURN_IF_ERROR(d->query());
  return d;
}

Status Display::query() {
  const VaApi& a = va();
  std::vector<VAProfile> profiles(static_cast<size_t>(std::max(1, a.vaMaxNumProfiles(display()))));
  int count = 0;
  VAStatus s = a.vaQueryConfigProfiles(display(), profiles.data(), &count);
  if (s != VA_STATUS_SUCCESS) return va_failure(runtime(), "vaQueryConfigProfiles", s, where());
  profiles.resize(static_cast<size_t>(count));
  auto entrypoints = [&](VAProfile profile) {
    std::vector<VAEntrypoint> list(
        static_cast<size_t>(std::max(1, a.vaMaxNumEntrypoints(display()))));
    int n = 0;
    if (a.vaQueryConfigEntrypoints(display(), profile, list.data(), &n) != VA_STATUS_SUCCESS) n = 0;
    list.resize(static_cast<size_t>(n));
    return list;
  };
  const bool has_high =
      std::find(profiles.begin(), profiles.end(), VAProfileH264High) != profiles.end();
  if (has_high) {
    const auto list = entrypoints(VAProfileH264High);
    for (VAEntrypoint e : {VAEntrypointEncSlice, VAEntrypointEncSliceLP}) {
      if (std::find(list.begin(), list.end(), e) != list.end()) {
        support_.h264_high = true;
        support_.entrypoint = e;
        break;
      }
    }
  }
  if (std::find(profiles.begin(), profiles.end(), VAProfileNone) != profiles.end()) {
    const auto list = entrypoints(VAProfileNone);
    support_.video_proc = std::find(list.begin(), list.end(), VAEntrypointVideoProc) != list.end();
  }
  if (!support_.h264_high) {
    std::string m = "VA-API driver on " + where() +
                    " offers no H.264 encoder (VAProfileH264High with VAEntrypointEncSlice or "
                    "EncSliceLP, vaQueryConfigEntrypoints)";
    if (contains(vendor(), "NVIDIA") || contains(vendor(), "nvidia") ||
        contains(vendor(), "VDPAU")) {
      m += ": NVIDIA's VA driver decodes only; encode on NVIDIA GPUs with --backend nvenc";
    } else {
      m += "; this is what NVIDIA's VA driver (nvidia-vaapi-driver) reports, as it decodes only "
           "(on NVIDIA GPUs use --backend nvenc)";
    }
    return make_error(ErrorCode::kUnsupported, m);
  }
  VAConfigAttrib attributes[] = {
      {VAConfigAttribRTFormat, 0},         {VAConfigAttribRateControl, 0},
      {VAConfigAttribEncPackedHeaders, 0}, {VAConfigAttribMaxPictureWidth, 0},
      {VAConfigAttribMaxPictureHeight, 0}, {VAConfigAttribEncMaxRefFrames, 0},
  };
  s = a.vaGetConfigAttributes(display(), VAProfileH264High, support_.entrypoint, attributes,
                              static_cast<int>(std::size(attributes)));
  if (s != VA_STATUS_SUCCESS) return va_failure(runtime(), "vaGetConfigAttributes", s, where());
  auto value = [&](int i, uint32_t otherwise) {
    return attributes[i].value == VA_ATTRIB_NOT_SUPPORTED ? otherwise : attributes[i].value;
  };
  if (!(value(0, 0) & VA_RT_FORMAT_YUV420)) {
    return make_error(
        ErrorCode::kUnsupported,
        "VA-API driver on " + where() + " has no 4:2:0 (VA_RT_FORMAT_YUV420) H.264 encode");
  }
  support_.rate_control = value(1, 0);
  support_.packed_headers =
      value(2, 0) &
      (VA_ENC_PACKED_HEADER_SEQUENCE | VA_ENC_PACKED_HEADER_PICTURE | VA_ENC_PACKED_HEADER_SLICE);
  // Without the attributes, H.264 level 5.1's frame size is a safe bound.
  support_.max_width = static_cast<int>(value(3, 4096));
  support_.max_height = static_cast<int>(value(4, 4096));
  support_.max_ref_l0 = static_cast<int>(value(5, 1) & 0xffff);
  return {};
}

std::string Display::describe() const {
  return node() + ": \"" + vendor() + "\": H.264 High (" +
         (support_.entrypoint == VAEntrypointEncSliceLP ? "EncSliceLP" : "EncSlice") + "), " +
         std::to_string(kMinSize) + "x" + std::to_string(kMinSize) + ".." +
         std::to_string(support_.max_width) + "x" + std::to_string(support_.max_height) + ", " +
         rc_text(support_.rate_control) +
         (support_.packed_headers ? ", packed headers" : ", driver's own headers") +
         (support_.video_proc ? ", VPP scaling" : ", no VPP");
}

Capabilities Display::capabilities() const {
  Capabilities c;
  c.codecs = {Codec::kH264};
  c.min_size = {kMinSize, kMinSize};
  c.max_size = {support_.max_width, support_.max_height};
  c.size_alignment = 2;
  if (support_.rate_control & VA_RC_CBR) c.rate_control.push_back(RateControl::kCbr);
  if (support_.rate_control & VA_RC_VBR) c.rate_control.push_back(RateControl::kVbr);
  c.max_bframes = 0;   // gearbox never asks for them (timestamps stay on the grid)
  c.max_sessions = 0;  // VA reports no limit; a refused vaCreateContext says so
  return c;
}

}  // namespace gearbox::vaapi
