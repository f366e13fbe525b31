// The built-in moving test pattern: colour bars that scroll, a bouncing box, a noise band
// (so encoders have real work), and the frame number burned in as large digits, so a viewer
// and a test can tell exactly which frame is shown. Deterministic: frame n is always the same.
#pragma once

#include <cstdint>
#include <vector>

#include "gearbox/export.h"
#include "gearbox/frame.h"

namespace gearbox {

class GEARBOX_EXPORT TestPattern {
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
  // Rendering a 1080p frame must cost far less than encoding it (the benchmark renders on the
  // fly), so rows are copied from tables built once: the bars and the ramp twice as wide as
  // the frame (a shifted row is a window into them), and a noise texture twice the noise band
  // in each direction, read at a different offset every frame.
  std::vector<uint8_t> bars_row_;  // 2 * width BGR pixels
  std::vector<uint8_t> ramp_row_;  // 2 * width BGR pixels
  std::vector<uint8_t> noise_;     // noise_rows_ rows of 2 * width BGR pixels
  int noise_rows_ = 0;
};

}  // namespace gearbox
