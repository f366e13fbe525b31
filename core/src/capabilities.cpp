#include <algorithm>

#include "gearbox/backend.h"

namespace gearbox {

const char* to_string(Codec codec) {
  switch (codec) {
    case Codec::kH264: return "h264";
    case Codec::kHevc: return "hevc";
  }
  return "unknown codec";
}

const char* to_string(RateControl mode) {
  switch (mode) {
    case RateControl::kAbrVbv: return "abr+vbv";
    case RateControl::kCbr: return "cbr";
    case RateControl::kVbr: return "vbr";
  }
  return "unknown rate control";
}

bool Capabilities::offers(Codec codec) const {
  return std::find(codecs.begin(), codecs.end(), codec) != codecs.end();
}

bool Capabilities::offers(RateControl mode) const {
  return std::find(rate_control.begin(), rate_control.end(), mode) != rate_control.end();
}

}  // namespace gearbox
