#include "track.h"

namespace gearbox::packager {

std::string init_segment_name(const std::string& track_id) {
  return track_id + "-init.mp4";
}

std::string media_segment_name(const std::string& track_id,
                               const std::string& number,
                               SegmentContainer container) {
  return track_id + "-" + number + (container == SegmentContainer::kMpegTs ? ".ts" : ".m4s");
}

}  // namespace gearbox::packager
