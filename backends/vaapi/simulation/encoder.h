// One encode context's H.264 state: the checks of its parameter buffers and packed headers, and
// libx264 behind them with the application's slice header put back on x264's slice data.
#pragma once

#include <va/va.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "objects.h"

namespace gearbox::vaapi::simulation {

struct EncodeInput {
  std::vector<RenderedBuffer> buffers;  // in rendering order
  VASurfaceID input = VA_INVALID_SURFACE;
  // The input's NV12 pixels, copied (the surface may be reused as soon as vaEndPicture returns).
  std::vector<uint8_t> pixels;
  int pitch = 0;
  std::vector<VASurfaceID> recon_targets;  // the context's render targets
};

class Encoder {
 public:
  Encoder(const Config& config, int width, int height);
  ~Encoder();
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  // The coded buffer the picture's VAEncPictureParameterBufferH264 names (VA_INVALID_ID when
  // none was rendered).
  static VABufferID coded_buffer_of(const std::vector<RenderedBuffer>& buffers);
  // Checks the picture, encodes it, and sets `access_unit` (Annex B). A misuse is recorded as a
  // violation and returned as its status; an unmodelled parameter returns
  // VA_STATUS_ERROR_INVALID_PARAMETER without one.
  VAStatus encode(const EncodeInput& input, std::vector<uint8_t>* access_unit);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace gearbox::vaapi::simulation
