#include "gearbox/avc.h"

#include <cstdio>

namespace gearbox {

std::string avc_codec_string(const std::vector<uint8_t>& annexb) {
  for (size_t i = 0; i + 4 < annexb.size(); ++i) {
    if (annexb[i] == 0 && annexb[i + 1] == 0 && annexb[i + 2] == 1 && (annexb[i + 3] & 0x1F) == 7 &&
        i + 6 < annexb.size()) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "avc1.%02x%02x%02x", annexb[i + 4], annexb[i + 5],
                    annexb[i + 6]);
      return buf;
    }
  }
  return "avc1";
}

}  // namespace gearbox
