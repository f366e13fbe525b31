// H.264 bitstream helpers shared by the backends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gearbox/export.h"

namespace gearbox {

// RFC 6381 codec string from the first SPS of an Annex B buffer: avc1.PPCCLL (profile,
// constraint flags, level); "avc1" when there is no SPS.
GEARBOX_EXPORT std::string avc_codec_string(const std::vector<uint8_t>& annexb);

}  // namespace gearbox
