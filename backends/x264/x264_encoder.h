// One libx264 session per rendition.
#pragma once

#include <memory>

#include "gearbox/backend.h"

namespace gearbox {

// Opens an x264 session: ABR at the rendition's bitrate with a VBV cap, IDRs only where the
// engine forces them (infinite keyint, scene-cut off, closed GOPs), SPS/PPS out of band.
Result<std::unique_ptr<Encoder>> open_x264_encoder(const EncoderConfig& config);

}  // namespace gearbox
