// The built-in moving test pattern: colour bars that scroll, a bouncing box, a noise band
// (so encoders have real work), and the frame number burned in as large digits, so a viewer
// and a test can tell exactly which frame is shown. Deterministic: frame n is always the same.
#pragma once

#include <cstdint>
#include <vector>

#include "gearbox/frame.h"

namespace gearbox {

class TestPattern {
 public:
  TestPattern(int width, int height);
  // Renders frame `index` as tightly packed BGR24 and returns a view of it, valid until the
  // next render() call.
  FrameView render(int64_t index);
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  int width_;
  int height_;
  std::vector<uint8_t> bgr_;
};

}  // namespace gearbox
