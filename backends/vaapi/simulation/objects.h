// The driver's objects (configs, contexts, surfaces, buffers, images) and their tables, behind
// one mutex: libva calls come from several threads (upload, scaler, one per encoder).
#pragma once

#include <va/va.h>
#include <va/va_backend.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gearbox::vaapi::simulation {

class Encoder;

// An id carries its kind in the top byte and a serial number below it; serial numbers are never
// reused, so an id that was handed out and is no longer in its table was destroyed.
enum class Kind : uint32_t { kConfig = 1, kContext = 2, kSurface = 3, kBuffer = 4, kImage = 5 };

struct Config {
  VAProfile profile = VAProfileNone;
  VAEntrypoint entrypoint = VAEntrypointVideoProc;
  uint32_t rt_format = VA_RT_FORMAT_YUV420;
  uint32_t rate_control = VA_RC_CQP;
  uint32_t packed_headers = 0;
  bool encode() const { return entrypoint == VAEntrypointEncSlice; }
};

// NV12 in host memory; the vector is sized once, so derived images may point into it.
struct Surface {
  int width = 0;
  int height = 0;
  int pitch = 0;
  std::vector<uint8_t> pixels;
  int derived_images = 0;
  size_t uv_offset() const { return static_cast<size_t>(pitch) * height; }
};

struct Buffer {
  VAContextID context = VA_INVALID_ID;
  VABufferType type = VABufferTypeMax;
  unsigned size = 0;  // of one element
  unsigned num_elements = 0;
  std::vector<uint8_t> data;
  bool mapped = false;
  // The buffer of an image derived from a surface maps the surface's pixels.
  VASurfaceID surface_view = VA_INVALID_SURFACE;
  // A coded buffer: the access unit of the last picture, readable once vaSyncSurface was called
  // on `awaits_sync`.
  std::vector<uint8_t> coded;
  VACodedBufferSegment segment{};
  VASurfaceID awaits_sync = VA_INVALID_SURFACE;
};

struct Image {
  VAImage image{};
  VASurfaceID derived_from = VA_INVALID_SURFACE;
};

// A buffer's contents as vaRenderPicture saw them (VA: rendering consumes the buffer, which the
// application may destroy at once).
struct RenderedBuffer {
  VABufferID id = VA_INVALID_ID;
  VABufferType type = VABufferTypeMax;
  std::vector<uint8_t> data;
};

// A VPP picture's parameters with its regions resolved at vaRenderPicture.
struct ScaleJob {
  VASurfaceID input = VA_INVALID_SURFACE;
  VARectangle input_region{};
  VARectangle output_region{};
};

struct Context {
  VAConfigID config_id = VA_INVALID_ID;
  Config config;
  int width = 0;
  int height = 0;
  std::vector<VASurfaceID> targets;
  bool in_picture = false;
  VASurfaceID target = VA_INVALID_SURFACE;
  std::vector<RenderedBuffer> rendered;
  std::vector<ScaleJob> scale_jobs;
  std::shared_ptr<Encoder> encoder;  // encode contexts
};

struct Driver {
  std::mutex mutex;
  uint32_t next_serial = 1;
  std::map<VAGenericID, Config> configs;
  std::map<VAGenericID, std::unique_ptr<Context>> contexts;
  std::map<VAGenericID, std::unique_ptr<Surface>> surfaces;
  std::map<VAGenericID, std::unique_ptr<Buffer>> buffers;
  std::map<VAGenericID, Image> images;

  VAGenericID new_id(Kind kind);
  // Why `id` is not a live object of `kind`: "unknown" or "used after it was destroyed".
  std::string why_missing(Kind kind, VAGenericID id) const;

  // Live objects or nullptr (a violation recorded, naming `call`, and *status set).
  Config* config(VAConfigID id, const char* call, VAStatus* status);
  Context* context(VAContextID id, const char* call, VAStatus* status);
  Surface* surface(VASurfaceID id, const char* call, VAStatus* status);
  Buffer* buffer(VABufferID id, const char* call, VAStatus* status);
  Image* image(VAImageID id, const char* call, VAStatus* status);
};

inline Driver& driver_of(VADriverContextP ctx) {
  return *static_cast<Driver*>(ctx->pDriverData);
}

std::string hex(uint32_t value);

}  // namespace gearbox::vaapi::simulation
