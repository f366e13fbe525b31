// What the simulated driver's tests share: a VA display on the fake render node through the real
// libva, and an H.264 encode session written the way the backend writes it (packed SPS/PPS/slice
// headers from the h264 module, the parameter buffers of vaapi-common item 6).
#pragma once

#include <va/va.h>

#include <cstdint>
#include <string>
#include <vector>

#include "h264_syntax.h"

namespace gearbox::vaapi::simulation::testing {

// vaGetDisplayDRM on the fake node + vaInitialize; closes it all on destruction.
class Display {
 public:
  Display();
  ~Display();
  Display(const Display&) = delete;
  Display& operator=(const Display&) = delete;
  VADisplay get() const { return display_; }
  VAStatus init_status() const { return init_status_; }
  bool ok() const { return display_ && init_status_ == VA_STATUS_SUCCESS; }

 private:
  int fd_ = -1;
  VADisplay display_ = nullptr;
  VAStatus init_status_ = VA_STATUS_ERROR_UNKNOWN;
};

// A picture: NV12 at the session's size, tightly packed (pitch = width).
struct Picture {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> nv12;
  std::vector<uint8_t> luma() const {
    return std::vector<uint8_t>(nv12.begin(), nv12.begin() + static_cast<long>(width) * height);
  }
};
// A moving test picture; `noise` adds per-frame pseudo-random detail (harder to compress).
Picture test_picture(int width, int height, int index, bool noise = false);

// Writes `picture` into `surface` with vaDeriveImage (or vaCreateImage + vaPutImage when
// derive is refused).
VAStatus upload(VADisplay display, VASurfaceID surface, const Picture& picture);
// Reads the luma of `surface` (vaDeriveImage, or vaCreateImage + vaGetImage).
std::vector<uint8_t> download_luma(VADisplay display, VASurfaceID surface, int width, int height);

// Misuses a test may ask of one EncodeSession::encode().
struct Misuse {
  bool wrong_reference = false;  // ReferenceFrames[0]/RefPicList0[0] = a surface not the previous
  bool sps_level_disagrees = false;  // the packed SPS's level_idc differs from the buffer's
  bool map_before_sync = false;      // vaMapBuffer without vaSyncSurface
};

class EncodeSession {
 public:
  EncodeSession(VADisplay display,
                int width,
                int height,
                uint32_t rate_control,
                uint32_t bits_per_second,
                int fps = 25);
  ~EncodeSession();
  VAStatus status() const { return status_; }  // of the setup
  // Encodes one picture; appends its access unit to stream() on success.
  VAStatus encode(const Picture& picture, bool idr, const Misuse& misuse = Misuse());
  const std::vector<uint8_t>& stream() const { return stream_; }
  VAContextID context() const { return context_; }
  VABufferID coded_buffer() const { return coded_; }
  VASurfaceID input() const { return input_; }

 private:
  VAStatus render(VABufferType type, const void* data, size_t size);
  VAStatus render_packed(uint32_t type,
                         const std::vector<uint8_t>& data,
                         uint32_t bit_length,
                         bool emulation);

  VADisplay display_;
  int width_, height_, fps_;
  uint32_t rate_control_, bits_per_second_;
  VAStatus status_ = VA_STATUS_SUCCESS;
  VAConfigID config_ = VA_INVALID_ID;
  VAContextID context_ = VA_INVALID_ID;
  VASurfaceID input_ = VA_INVALID_SURFACE;
  VASurfaceID recon_[2] = {VA_INVALID_SURFACE, VA_INVALID_SURFACE};
  VABufferID coded_ = VA_INVALID_ID;
  std::vector<VABufferID> buffers_;  // rendered this picture, destroyed after vaEndPicture
  h264::Sps sps_;
  h264::Pps pps_;
  int pictures_ = 0, frame_num_ = 0, since_idr_ = 0, idrs_ = 0, recon_index_ = 0;
  VASurfaceID previous_recon_ = VA_INVALID_SURFACE;
  std::vector<uint8_t> stream_;
};

}  // namespace gearbox::vaapi::simulation::testing
