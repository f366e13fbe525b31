// The VA driver's entry point and vtable (libva 2.17, va_backend.h): configs, contexts,
// surfaces, images, buffers, Begin/Render/End for the encode and VPP contexts, sync, queries.
// Entries outside the subset gearbox uses return VA_STATUS_ERROR_UNIMPLEMENTED and say so.
#include <libyuv/scale.h>
#include <va/va.h>
#include <va/va_backend.h>
#include <va/va_backend_vpp.h>
#include <va/va_enc_h264.h>
#include <va/va_vpp.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "encoder.h"
#include "objects.h"
#include "simulation.h"

namespace gearbox::vaapi::simulation {
namespace {

constexpr int kMinEncodeSize = 32;  // the simulation's own minimum
constexpr uint32_t kPackedHeaders =
    VA_ENC_PACKED_HEADER_SEQUENCE | VA_ENC_PACKED_HEADER_PICTURE | VA_ENC_PACKED_HEADER_SLICE;
constexpr uint32_t kRateControls = VA_RC_CBR | VA_RC_VBR | VA_RC_CQP;

#define SIM_LOCK(ctx)         \
  Driver& d = driver_of(ctx); \
  std::lock_guard<std::mutex> lock(d.mutex)

bool encode_offered() {
  return !failure_requested("no_encode");
}
bool vpp_offered() {
  return !failure_requested("no_vpp");
}
// What VAConfigAttribEncPackedHeaders offers: every header, or none (no_packed_headers: the
// driver writes its own SPS, PPS and slice headers, as some of Mesa's drivers do).
uint32_t packed_headers_offered() {
  return failure_requested("no_packed_headers") ? VA_ENC_PACKED_HEADER_NONE : kPackedHeaders;
}

VAStatus unimplemented(const char* name) {
  log_line(std::string(name) + " is not implemented by the simulation");
  return VA_STATUS_ERROR_UNIMPLEMENTED;
}

// Profiles and entrypoints.
VAStatus check_profile_entrypoint(VAProfile profile, VAEntrypoint entrypoint) {
  if (profile == VAProfileH264High) {
    if (entrypoint == VAEntrypointEncSlice && encode_offered()) return VA_STATUS_SUCCESS;
    return VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
  }
  if (profile == VAProfileNone) {
    if (entrypoint == VAEntrypointVideoProc && vpp_offered()) return VA_STATUS_SUCCESS;
    return VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
  }
  return VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
}

uint32_t attribute_value(VAProfile profile, VAEntrypoint entrypoint, VAConfigAttribType type) {
  int max_w, max_h;
  max_size(&max_w, &max_h);
  const bool encode = profile == VAProfileH264High && entrypoint == VAEntrypointEncSlice;
  switch (type) {
    case VAConfigAttribRTFormat: return VA_RT_FORMAT_YUV420;
    case VAConfigAttribMaxPictureWidth: return static_cast<uint32_t>(max_w);
    case VAConfigAttribMaxPictureHeight: return static_cast<uint32_t>(max_h);
    default: break;
  }
  if (!encode) return VA_ATTRIB_NOT_SUPPORTED;
  switch (type) {
    case VAConfigAttribRateControl: return kRateControls;
    case VAConfigAttribEncPackedHeaders: return packed_headers_offered();
    case VAConfigAttribEncMaxRefFrames: return 1 | (0 << 16);
    case VAConfigAttribEncMaxSlices: return 1;
    case VAConfigAttribEncQualityRange: return 1;
    default: return VA_ATTRIB_NOT_SUPPORTED;
  }
}

VAStatus sim_terminate(VADriverContextP ctx) {
  Driver* d = static_cast<Driver*>(ctx->pDriverData);
  {
    std::lock_guard<std::mutex> lock(d->mutex);
    const size_t live = d->configs.size() + d->contexts.size() + d->surfaces.size() +
                        d->buffers.size() + d->images.size();
    if (live) {
      log_line("vaTerminate with objects alive (configs " + std::to_string(d->configs.size()) +
               ", contexts " + std::to_string(d->contexts.size()) + ", surfaces " +
               std::to_string(d->surfaces.size()) + ", buffers " +
               std::to_string(d->buffers.size()) + ", images " + std::to_string(d->images.size()) +
               "): freed");
    }
  }
  delete d;
  ctx->pDriverData = nullptr;
  return VA_STATUS_SUCCESS;
}

VAStatus sim_query_config_profiles(VADriverContextP, VAProfile* list, int* count) {
  if (!list || !count) return VA_STATUS_ERROR_INVALID_PARAMETER;
  int n = 0;
  list[n++] = VAProfileH264High;  // listed without encode too (decode-only drivers do)
  if (vpp_offered()) list[n++] = VAProfileNone;
  *count = n;
  return VA_STATUS_SUCCESS;
}

VAStatus sim_query_config_entrypoints(VADriverContextP,
                                      VAProfile profile,
                                      VAEntrypoint* list,
                                      int* count) {
  if (!list || !count) return VA_STATUS_ERROR_INVALID_PARAMETER;
  *count = 0;
  if (profile == VAProfileH264High) {
    // Without encode: what NVIDIA's VA driver offers, decode only.
    list[(*count)++] = encode_offered() ? VAEntrypointEncSlice : VAEntrypointVLD;
    return VA_STATUS_SUCCESS;
  }
  if (profile == VAProfileNone && vpp_offered()) {
    list[(*count)++] = VAEntrypointVideoProc;
    return VA_STATUS_SUCCESS;
  }
  return VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
}

VAStatus sim_get_config_attributes(VADriverContextP,
                                   VAProfile profile,
                                   VAEntrypoint entrypoint,
                                   VAConfigAttrib* list,
                                   int count) {
  if (VAStatus st = check_profile_entrypoint(profile, entrypoint)) return st;
  for (int i = 0; i < count; ++i)
    list[i].value = attribute_value(profile, entrypoint, list[i].type);
  return VA_STATUS_SUCCESS;
}

VAStatus sim_create_config(VADriverContextP ctx,
                           VAProfile profile,
                           VAEntrypoint entrypoint,
                           VAConfigAttrib* list,
                           int count,
                           VAConfigID* id) {
  if (!id) return VA_STATUS_ERROR_INVALID_PARAMETER;
  if (profile == VAProfileH264High && entrypoint == VAEntrypointVLD && !encode_offered()) {
    log_line("VAEntrypointVLD: the simulation does not decode");
    return VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
  }
  if (VAStatus st = check_profile_entrypoint(profile, entrypoint)) return st;
  Config c;
  c.profile = profile;
  c.entrypoint = entrypoint;
  for (int i = 0; i < count; ++i) {
    const uint32_t offered = attribute_value(profile, entrypoint, list[i].type);
    switch (list[i].type) {
      case VAConfigAttribRTFormat:
        if (list[i].value != VA_RT_FORMAT_YUV420) return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
        break;
      case VAConfigAttribRateControl:
        if (offered == VA_ATTRIB_NOT_SUPPORTED || (list[i].value & ~kRateControls) ||
            __builtin_popcount(list[i].value) != 1) {
          return violation(VA_STATUS_ERROR_INVALID_VALUE,
                           "vaCreateConfig: VAConfigAttribRateControl " + hex(list[i].value) +
                               " is not one of the offered " + hex(kRateControls));
        }
        c.rate_control = list[i].value;
        break;
      case VAConfigAttribEncPackedHeaders:
        if (offered == VA_ATTRIB_NOT_SUPPORTED || (list[i].value & ~offered)) {
          return violation(VA_STATUS_ERROR_INVALID_VALUE,
                           "vaCreateConfig: VAConfigAttribEncPackedHeaders " + hex(list[i].value) +
                               " beyond the offered " + hex(offered));
        }
        c.packed_headers = list[i].value;
        break;
      default:
        if (offered == VA_ATTRIB_NOT_SUPPORTED) {
          log_line("vaCreateConfig: attribute " + std::to_string(list[i].type) + " not supported");
          return VA_STATUS_ERROR_ATTR_NOT_SUPPORTED;
        }
    }
  }
  if (c.encode() && c.packed_headers != packed_headers_offered()) {
    log_line(
        "the simulation models only all the headers it offers packed, or none "
        "(VAConfigAttribEncPackedHeaders " +
        hex(packed_headers_offered()) + ", " + hex(c.packed_headers) + " given)");
    return VA_STATUS_ERROR_INVALID_VALUE;
  }
  SIM_LOCK(ctx);
  *id = d.new_id(Kind::kConfig);
  d.configs[*id] = c;
  return VA_STATUS_SUCCESS;
}

VAStatus sim_destroy_config(VADriverContextP ctx, VAConfigID id) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  if (!d.config(id, "vaDestroyConfig", &st)) return st;
  d.configs.erase(id);
  return VA_STATUS_SUCCESS;
}

VAStatus sim_query_config_attributes(VADriverContextP ctx,
                                     VAConfigID id,
                                     VAProfile* profile,
                                     VAEntrypoint* entrypoint,
                                     VAConfigAttrib* list,
                                     int* count) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  const Config* c = d.config(id, "vaQueryConfigAttributes", &st);
  if (!c) return st;
  *profile = c->profile;
  *entrypoint = c->entrypoint;
  int n = 0;
  list[n].type = VAConfigAttribRTFormat;
  list[n++].value = c->rt_format;
  if (c->encode()) {
    list[n].type = VAConfigAttribRateControl;
    list[n++].value = c->rate_control;
    list[n].type = VAConfigAttribEncPackedHeaders;
    list[n++].value = c->packed_headers;
  }
  *count = n;
  return VA_STATUS_SUCCESS;
}

// Surfaces.
VAStatus create_surfaces(VADriverContextP ctx,
                         unsigned format,
                         unsigned width,
                         unsigned height,
                         VASurfaceID* surfaces,
                         unsigned count,
                         const VASurfaceAttrib* attribs,
                         unsigned num_attribs) {
  if (!surfaces) return VA_STATUS_ERROR_INVALID_PARAMETER;
  if (format != VA_RT_FORMAT_YUV420) {
    log_line("vaCreateSurfaces: format " + hex(format) +
             ": the simulation models only VA_RT_FORMAT_YUV420");
    return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
  }
  int max_w, max_h;
  max_size(&max_w, &max_h);
  if (width == 0 || height == 0 || static_cast<int>(width) > max_w ||
      static_cast<int>(height) > max_h) {
    log_line("vaCreateSurfaces: " + std::to_string(width) + "x" + std::to_string(height) +
             " outside 1x1.." + std::to_string(max_w) + "x" + std::to_string(max_h));
    return VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
  }
  for (unsigned i = 0; i < num_attribs; ++i) {
    const VASurfaceAttrib& a = attribs[i];
    if (a.type == VASurfaceAttribPixelFormat &&
        a.value.value.i != static_cast<int>(VA_FOURCC_NV12)) {
      log_line("vaCreateSurfaces: pixel format " + hex(static_cast<uint32_t>(a.value.value.i)) +
               ": the simulation models only NV12");
      return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
    }
    if (a.type == VASurfaceAttribMemoryType &&
        a.value.value.i != static_cast<int>(VA_SURFACE_ATTRIB_MEM_TYPE_VA)) {
      log_line("vaCreateSurfaces: memory type " + hex(static_cast<uint32_t>(a.value.value.i)) +
               ": the simulation models only VA_SURFACE_ATTRIB_MEM_TYPE_VA");
      return VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE;
    }
  }
  SIM_LOCK(ctx);
  for (unsigned i = 0; i < count; ++i) {
    auto s = std::make_unique<Surface>();
    s->width = static_cast<int>(width);
    s->height = static_cast<int>(height);
    s->pitch = (static_cast<int>(width) + 63) / 64 * 64;
    // Black, so that an encode of a surface nobody wrote is still defined.
    s->pixels.assign(s->uv_offset() + static_cast<size_t>(s->pitch) * ((height + 1) / 2), 16);
    std::fill(s->pixels.begin() + static_cast<long>(s->uv_offset()), s->pixels.end(), 128);
    surfaces[i] = d.new_id(Kind::kSurface);
    d.surfaces[surfaces[i]] = std::move(s);
  }
  return VA_STATUS_SUCCESS;
}

VAStatus sim_create_surfaces(VADriverContextP ctx,
                             int width,
                             int height,
                             int format,
                             int count,
                             VASurfaceID* out) {
  return create_surfaces(ctx, static_cast<unsigned>(format), static_cast<unsigned>(width),
                         static_cast<unsigned>(height), out, static_cast<unsigned>(count), nullptr,
                         0);
}

VAStatus sim_create_surfaces2(VADriverContextP ctx,
                              unsigned format,
                              unsigned width,
                              unsigned height,
                              VASurfaceID* surfaces,
                              unsigned count,
                              VASurfaceAttrib* attribs,
                              unsigned num_attribs) {
  return create_surfaces(ctx, format, width, height, surfaces, count, attribs, num_attribs);
}

VAStatus sim_destroy_surfaces(VADriverContextP ctx, VASurfaceID* list, int count) {
  SIM_LOCK(ctx);
  VAStatus result = VA_STATUS_SUCCESS;
  for (int i = 0; i < count; ++i) {
    VAStatus st = VA_STATUS_SUCCESS;
    Surface* s = d.surface(list[i], "vaDestroySurfaces", &st);
    if (!s) {
      result = st;
      continue;
    }
    if (s->derived_images) {
      result = violation(VA_STATUS_ERROR_SURFACE_BUSY,
                         "vaDestroySurfaces: surface " + hex(list[i]) +
                             " still has an image derived from it (vaDestroyImage first)");
      continue;
    }
    bool target = false;
    for (const auto& c : d.contexts) {
      target =
          target || std::count(c.second->targets.begin(), c.second->targets.end(), list[i]) > 0;
    }
    if (target) {
      result = violation(VA_STATUS_ERROR_SURFACE_BUSY,
                         "vaDestroySurfaces: surface " + hex(list[i]) +
                             " is a render target of a live context (vaDestroyContext first)");
      continue;
    }
    d.surfaces.erase(list[i]);
  }
  return result;
}

VAStatus sim_sync_surface(VADriverContextP ctx, VASurfaceID id) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  if (!d.surface(id, "vaSyncSurface", &st)) return st;
  // Work finished inside vaEndPicture; syncing makes the coded buffers that wait on it readable.
  for (auto& b : d.buffers) {
    if (b.second->awaits_sync == id) b.second->awaits_sync = VA_INVALID_SURFACE;
  }
  return VA_STATUS_SUCCESS;
}

VAStatus sim_sync_surface2(VADriverContextP ctx, VASurfaceID id, uint64_t) {
  return sim_sync_surface(ctx, id);
}

VAStatus sim_query_surface_status(VADriverContextP ctx, VASurfaceID id, VASurfaceStatus* status) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  if (!d.surface(id, "vaQuerySurfaceStatus", &st)) return st;
  *status = VASurfaceReady;
  return VA_STATUS_SUCCESS;
}

VAStatus sim_query_surface_attributes(VADriverContextP ctx,
                                      VAConfigID config,
                                      VASurfaceAttrib* list,
                                      unsigned* count) {
  {
    SIM_LOCK(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    if (!d.config(config, "vaQuerySurfaceAttributes", &st)) return st;
  }
  int max_w, max_h;
  max_size(&max_w, &max_h);
  const VASurfaceAttrib attribs[] = {
      {VASurfaceAttribPixelFormat,
       VA_SURFACE_ATTRIB_GETTABLE | VA_SURFACE_ATTRIB_SETTABLE,
       {VAGenericValueTypeInteger, {.i = static_cast<int>(VA_FOURCC_NV12)}}},
      {VASurfaceAttribMinWidth,
       VA_SURFACE_ATTRIB_GETTABLE,
       {VAGenericValueTypeInteger, {.i = kMinEncodeSize}}},
      {VASurfaceAttribMinHeight,
       VA_SURFACE_ATTRIB_GETTABLE,
       {VAGenericValueTypeInteger, {.i = kMinEncodeSize}}},
      {VASurfaceAttribMaxWidth,
       VA_SURFACE_ATTRIB_GETTABLE,
       {VAGenericValueTypeInteger, {.i = max_w}}},
      {VASurfaceAttribMaxHeight,
       VA_SURFACE_ATTRIB_GETTABLE,
       {VAGenericValueTypeInteger, {.i = max_h}}},
      {VASurfaceAttribMemoryType,
       VA_SURFACE_ATTRIB_GETTABLE | VA_SURFACE_ATTRIB_SETTABLE,
       {VAGenericValueTypeInteger, {.i = static_cast<int>(VA_SURFACE_ATTRIB_MEM_TYPE_VA)}}},
  };
  const unsigned n = sizeof attribs / sizeof attribs[0];
  if (!list) {
    *count = n;
    return VA_STATUS_SUCCESS;
  }
  if (*count < n) {
    *count = n;
    return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
  }
  std::copy(attribs, attribs + n, list);
  *count = n;
  return VA_STATUS_SUCCESS;
}

// Contexts.
VAStatus sim_create_context(VADriverContextP ctx,
                            VAConfigID config_id,
                            int width,
                            int height,
                            int flag,
                            VASurfaceID* targets,
                            int num_targets,
                            VAContextID* id) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  const Config* config = d.config(config_id, "vaCreateContext", &st);
  if (!config) return st;
  if (flag != VA_PROGRESSIVE) {
    log_line("vaCreateContext: flag " + std::to_string(flag) +
             ": the simulation models only VA_PROGRESSIVE");
    return VA_STATUS_ERROR_UNIMPLEMENTED;
  }
  int max_w, max_h;
  max_size(&max_w, &max_h);
  const int min = config->encode() ? kMinEncodeSize : 1;
  if (width < min || height < min || width > max_w || height > max_h) {
    log_line("vaCreateContext: " + std::to_string(width) + "x" + std::to_string(height) +
             " outside " + std::to_string(min) + "x" + std::to_string(min) + ".." +
             std::to_string(max_w) + "x" + std::to_string(max_h));
    return VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
  }
  for (int i = 0; i < num_targets; ++i) {
    if (!d.surface(targets[i], "vaCreateContext render_targets", &st)) return st;
  }
  if (config->encode()) {
    std::string limit;
    if (failure_requested("context_limit", &limit)) {
      size_t live = 0;
      for (const auto& c : d.contexts) live += c.second->config.encode() ? 1 : 0;
      if (live >= std::stoul(limit)) {
        log_line("vaCreateContext: " + std::to_string(live) +
                 " encode contexts live, the limit is " + limit + " (context_limit)");
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
      }
    }
  }
  auto c = std::make_unique<Context>();
  c->config_id = config_id;
  c->config = *config;
  c->width = width;
  c->height = height;
  c->targets.assign(targets, targets + num_targets);
  if (config->encode()) c->encoder = std::make_shared<Encoder>(*config, width, height);
  *id = d.new_id(Kind::kContext);
  d.contexts[*id] = std::move(c);
  return VA_STATUS_SUCCESS;
}

VAStatus sim_destroy_context(VADriverContextP ctx, VAContextID id) {
  std::shared_ptr<Encoder> encoder;  // closed outside the lock
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Context* c = d.context(id, "vaDestroyContext", &st);
  if (!c) return st;
  if (c->in_picture)
    log_line("vaDestroyContext inside vaBeginPicture .. vaEndPicture: the picture is dropped");
  encoder = c->encoder;
  d.contexts.erase(id);
  return VA_STATUS_SUCCESS;
}

// Buffers.
bool buffer_type_allowed(const Config& config, VABufferType type) {
  if (config.encode()) {
    switch (type) {
      case VAEncSequenceParameterBufferType:
      case VAEncPictureParameterBufferType:
      case VAEncSliceParameterBufferType:
      case VAEncMiscParameterBufferType:
      case VAEncCodedBufferType: return true;
      // Only where the config enabled packed headers (VAConfigAttribEncPackedHeaders).
      case VAEncPackedHeaderParameterBufferType:
      case VAEncPackedHeaderDataBufferType: return config.packed_headers != 0;
      default: return false;
    }
  }
  return type == VAProcPipelineParameterBufferType || type == VAProcFilterParameterBufferType;
}

VAStatus sim_create_buffer(VADriverContextP ctx,
                           VAContextID context,
                           VABufferType type,
                           unsigned size,
                           unsigned num_elements,
                           void* data,
                           VABufferID* id) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  const Context* c = d.context(context, "vaCreateBuffer", &st);
  if (!c) return st;
  if (!buffer_type_allowed(c->config, type)) {
    const bool packed =
        type == VAEncPackedHeaderParameterBufferType || type == VAEncPackedHeaderDataBufferType;
    return violation(VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE,
                     "vaCreateBuffer: type " + std::to_string(type) + " on " +
                         (c->config.encode() ? "an encode" : "a video processing") + " context" +
                         (packed ? " whose config enabled no packed headers "
                                   "(VAConfigAttribEncPackedHeaders 0)"
                                 : ""));
  }
  auto b = std::make_unique<Buffer>();
  b->context = context;
  b->type = type;
  b->size = size;
  b->num_elements = num_elements;
  if (type != VAEncCodedBufferType) {
    b->data.assign(static_cast<size_t>(size) * num_elements, 0);
    if (data) std::memcpy(b->data.data(), data, b->data.size());
  }
  *id = d.new_id(Kind::kBuffer);
  d.buffers[*id] = std::move(b);
  return VA_STATUS_SUCCESS;
}

VAStatus sim_buffer_set_num_elements(VADriverContextP ctx, VABufferID id, unsigned num_elements) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Buffer* b = d.buffer(id, "vaBufferSetNumElements", &st);
  if (!b) return st;
  if (b->mapped)
    return violation(VA_STATUS_ERROR_INVALID_BUFFER, "vaBufferSetNumElements of a mapped buffer");
  if (b->type == VAEncCodedBufferType || b->surface_view != VA_INVALID_SURFACE) {
    return violation(VA_STATUS_ERROR_INVALID_BUFFER,
                     "vaBufferSetNumElements of a coded or image buffer");
  }
  b->num_elements = num_elements;
  b->data.resize(static_cast<size_t>(b->size) * num_elements);
  return VA_STATUS_SUCCESS;
}

VAStatus sim_map_buffer(VADriverContextP ctx, VABufferID id, void** out) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Buffer* b = d.buffer(id, "vaMapBuffer", &st);
  if (!b) return st;
  if (!out) return VA_STATUS_ERROR_INVALID_PARAMETER;
  if (b->mapped)
    return violation(VA_STATUS_ERROR_OPERATION_FAILED,
                     "vaMapBuffer of buffer " + hex(id) + " already mapped");
  if (b->type == VAEncCodedBufferType) {
    if (b->awaits_sync != VA_INVALID_SURFACE) {
      return violation(VA_STATUS_ERROR_SURFACE_BUSY,
                       "vaMapBuffer of coded buffer " + hex(id) +
                           " before vaSyncSurface on its picture's surface " + hex(b->awaits_sync));
    }
    b->segment = VACodedBufferSegment{};
    b->segment.size = static_cast<uint32_t>(b->coded.size());
    b->segment.buf = b->coded.data();
    b->segment.next = nullptr;
    *out = &b->segment;
  } else if (b->surface_view != VA_INVALID_SURFACE) {
    Surface* s = d.surface(b->surface_view, "vaMapBuffer (derived image's surface)", &st);
    if (!s) return st;
    *out = s->pixels.data();
  } else {
    *out = b->data.data();
  }
  b->mapped = true;
  return VA_STATUS_SUCCESS;
}

VAStatus sim_unmap_buffer(VADriverContextP ctx, VABufferID id) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Buffer* b = d.buffer(id, "vaUnmapBuffer", &st);
  if (!b) return st;
  if (!b->mapped)
    return violation(VA_STATUS_ERROR_OPERATION_FAILED,
                     "vaUnmapBuffer of buffer " + hex(id) + " not mapped");
  b->mapped = false;
  return VA_STATUS_SUCCESS;
}

VAStatus sim_destroy_buffer(VADriverContextP ctx, VABufferID id) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Buffer* b = d.buffer(id, "vaDestroyBuffer", &st);
  if (!b) return st;
  for (const auto& image : d.images) {
    if (image.second.image.buf == id) {
      return violation(
          VA_STATUS_ERROR_INVALID_BUFFER,
          "vaDestroyBuffer of image " + hex(image.first) + "'s buffer (vaDestroyImage frees it)");
    }
  }
  if (b->mapped)
    violation(VA_STATUS_SUCCESS,
              "vaDestroyBuffer of buffer " + hex(id) + " still mapped (vaUnmapBuffer first)");
  d.buffers.erase(id);
  return VA_STATUS_SUCCESS;
}

VAStatus sim_buffer_info(VADriverContextP ctx,
                         VABufferID id,
                         VABufferType* type,
                         unsigned* size,
                         unsigned* num) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  const Buffer* b = d.buffer(id, "vaBufferInfo", &st);
  if (!b) return st;
  *type = b->type;
  *size = b->size;
  *num = b->num_elements;
  return VA_STATUS_SUCCESS;
}

// Images: NV12 only.
VAImageFormat nv12_format() {
  VAImageFormat f{};
  f.fourcc = VA_FOURCC_NV12;
  f.byte_order = VA_LSB_FIRST;
  f.bits_per_pixel = 12;
  return f;
}

VAStatus sim_query_image_formats(VADriverContextP, VAImageFormat* list, int* count) {
  list[0] = nv12_format();
  *count = 1;
  return VA_STATUS_SUCCESS;
}

VAImage make_image(VAImageID id, VABufferID buf, int width, int height, int pitch) {
  VAImage image{};
  image.image_id = id;
  image.format = nv12_format();
  image.buf = buf;
  image.width = static_cast<uint16_t>(width);
  image.height = static_cast<uint16_t>(height);
  image.num_planes = 2;
  image.pitches[0] = image.pitches[1] = static_cast<uint32_t>(pitch);
  image.offsets[0] = 0;
  image.offsets[1] = static_cast<uint32_t>(pitch) * static_cast<uint32_t>(height);
  image.data_size =
      image.offsets[1] + static_cast<uint32_t>(pitch) * ((static_cast<uint32_t>(height) + 1) / 2);
  return image;
}

VAStatus sim_create_image(VADriverContextP ctx,
                          VAImageFormat* format,
                          int width,
                          int height,
                          VAImage* out) {
  if (!format || !out) return VA_STATUS_ERROR_INVALID_PARAMETER;
  if (format->fourcc != VA_FOURCC_NV12) {
    log_line("vaCreateImage: fourcc " + hex(format->fourcc) + ": the simulation models only NV12");
    return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
  }
  if (width <= 0 || height <= 0 || width > 65535 || height > 65535)
    return VA_STATUS_ERROR_INVALID_PARAMETER;
  SIM_LOCK(ctx);
  const int pitch = (width + 63) / 64 * 64;
  auto b = std::make_unique<Buffer>();
  b->type = VAImageBufferType;
  const VAImageID image_id = d.new_id(Kind::kImage);
  const VABufferID buf = d.new_id(Kind::kBuffer);
  Image image;
  image.image = make_image(image_id, buf, width, height, pitch);
  b->size = image.image.data_size;
  b->num_elements = 1;
  b->data.assign(b->size, 0);
  d.buffers[buf] = std::move(b);
  d.images[image_id] = image;
  *out = image.image;
  return VA_STATUS_SUCCESS;
}

VAStatus sim_derive_image(VADriverContextP ctx, VASurfaceID surface, VAImage* out) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Surface* s = d.surface(surface, "vaDeriveImage", &st);
  if (!s) return st;
  if (failure_requested("no_derive")) return VA_STATUS_ERROR_OPERATION_FAILED;
  auto b = std::make_unique<Buffer>();
  b->type = VAImageBufferType;
  b->surface_view = surface;
  const VAImageID image_id = d.new_id(Kind::kImage);
  const VABufferID buf = d.new_id(Kind::kBuffer);
  Image image;
  image.image = make_image(image_id, buf, s->width, s->height, s->pitch);
  image.derived_from = surface;
  b->size = image.image.data_size;
  b->num_elements = 1;
  d.buffers[buf] = std::move(b);
  d.images[image_id] = image;
  ++s->derived_images;
  *out = image.image;
  return VA_STATUS_SUCCESS;
}

VAStatus sim_destroy_image(VADriverContextP ctx, VAImageID id) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Image* image = d.image(id, "vaDestroyImage", &st);
  if (!image) return st;
  auto b = d.buffers.find(image->image.buf);
  if (b != d.buffers.end()) {
    if (b->second->mapped)
      violation(VA_STATUS_SUCCESS,
                "vaDestroyImage of image " + hex(id) + " whose buffer is still mapped");
    d.buffers.erase(b);
  }
  if (image->derived_from != VA_INVALID_SURFACE) {
    auto s = d.surfaces.find(image->derived_from);
    if (s != d.surfaces.end()) --s->second->derived_images;
  }
  d.images.erase(id);
  return VA_STATUS_SUCCESS;
}

bool inside(int x, int y, unsigned w, unsigned h, int width, int height) {
  return x >= 0 && y >= 0 && static_cast<long>(x) + w <= static_cast<unsigned>(width) &&
         static_cast<long>(y) + h <= static_cast<unsigned>(height);
}

// Copies a rectangle between two NV12 layouts (same size: the simulation does not scale here).
void copy_nv12(const uint8_t* src,
               int src_pitch,
               int src_height,
               int sx,
               int sy,
               uint8_t* dst,
               int dst_pitch,
               int dst_height,
               int dx,
               int dy,
               unsigned w,
               unsigned h) {
  for (unsigned row = 0; row < h; ++row) {
    std::memcpy(dst + static_cast<size_t>(dy + row) * dst_pitch + dx,
                src + static_cast<size_t>(sy + row) * src_pitch + sx, w);
  }
  const uint8_t* src_uv = src + static_cast<size_t>(src_pitch) * src_height;
  uint8_t* dst_uv = dst + static_cast<size_t>(dst_pitch) * dst_height;
  for (unsigned row = 0; row < (h + 1) / 2; ++row) {
    std::memcpy(dst_uv + static_cast<size_t>(dy / 2 + row) * dst_pitch + (dx & ~1),
                src_uv + static_cast<size_t>(sy / 2 + row) * src_pitch + (sx & ~1), (w + 1) & ~1u);
  }
}

VAStatus sim_put_image(VADriverContextP ctx,
                       VASurfaceID surface,
                       VAImageID image_id,
                       int sx,
                       int sy,
                       unsigned sw,
                       unsigned sh,
                       int dx,
                       int dy,
                       unsigned dw,
                       unsigned dh) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Surface* s = d.surface(surface, "vaPutImage", &st);
  if (!s) return st;
  Image* image = d.image(image_id, "vaPutImage", &st);
  if (!image) return st;
  if (sw != dw || sh != dh) {
    log_line("vaPutImage: the simulation models only copies without scaling (" +
             std::to_string(sw) + "x" + std::to_string(sh) + " to " + std::to_string(dw) + "x" +
             std::to_string(dh) + ")");
    return VA_STATUS_ERROR_UNIMPLEMENTED;
  }
  const VAImage& im = image->image;
  if (!inside(sx, sy, sw, sh, im.width, im.height) ||
      !inside(dx, dy, dw, dh, s->width, s->height)) {
    return violation(VA_STATUS_ERROR_INVALID_PARAMETER,
                     "vaPutImage: rectangle outside the image or the surface");
  }
  Buffer* b = d.buffer(im.buf, "vaPutImage (image buffer)", &st);
  if (!b) return st;
  const uint8_t* src = b->surface_view != VA_INVALID_SURFACE
                           ? d.surfaces[b->surface_view]->pixels.data()
                           : b->data.data();
  copy_nv12(src, static_cast<int>(im.pitches[0]), im.height, sx, sy, s->pixels.data(), s->pitch,
            s->height, dx, dy, dw, dh);
  return VA_STATUS_SUCCESS;
}

VAStatus sim_get_image(VADriverContextP ctx,
                       VASurfaceID surface,
                       int x,
                       int y,
                       unsigned w,
                       unsigned h,
                       VAImageID image_id) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Surface* s = d.surface(surface, "vaGetImage", &st);
  if (!s) return st;
  Image* image = d.image(image_id, "vaGetImage", &st);
  if (!image) return st;
  const VAImage& im = image->image;
  if (!inside(x, y, w, h, s->width, s->height) || w > im.width || h > im.height) {
    return violation(VA_STATUS_ERROR_INVALID_PARAMETER,
                     "vaGetImage: rectangle outside the surface or larger than the image");
  }
  Buffer* b = d.buffer(im.buf, "vaGetImage (image buffer)", &st);
  if (!b) return st;
  if (b->surface_view != VA_INVALID_SURFACE) return VA_STATUS_SUCCESS;  // already the surface
  copy_nv12(s->pixels.data(), s->pitch, s->height, x, y, b->data.data(),
            static_cast<int>(im.pitches[0]), im.height, 0, 0, w, h);
  return VA_STATUS_SUCCESS;
}

VAStatus sim_query_subpicture_formats(VADriverContextP,
                                      VAImageFormat*,
                                      unsigned* flags,
                                      unsigned* count) {
  if (flags) *flags = 0;
  *count = 0;
  return VA_STATUS_SUCCESS;
}

VAStatus sim_query_display_attributes(VADriverContextP, VADisplayAttribute*, int* count) {
  *count = 0;
  return VA_STATUS_SUCCESS;
}

// Pictures.
VAStatus sim_begin_picture(VADriverContextP ctx, VAContextID context, VASurfaceID target) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Context* c = d.context(context, "vaBeginPicture", &st);
  if (!c) return st;
  const Surface* s = d.surface(target, "vaBeginPicture", &st);
  if (!s) return st;
  if (c->in_picture) {
    return violation(VA_STATUS_ERROR_OPERATION_FAILED,
                     "vaBeginPicture twice on context " + hex(context) + " without vaEndPicture");
  }
  if (failure_requested("device_lost")) {
    log_line("the simulated GPU is gone (GEARBOX_SIM_VAAPI_FAIL=device_lost)");
    return VA_STATUS_ERROR_HW_BUSY;
  }
  if (c->config.encode() && (s->width != c->width || s->height != c->height)) {
    return violation(VA_STATUS_ERROR_INVALID_PARAMETER,
                     "vaBeginPicture: input surface " + std::to_string(s->width) + "x" +
                         std::to_string(s->height) + " for an encode context of " +
                         std::to_string(c->width) + "x" + std::to_string(c->height));
  }
  c->in_picture = true;
  c->target = target;
  c->rendered.clear();
  c->scale_jobs.clear();
  return VA_STATUS_SUCCESS;
}

VAStatus resolve_scale_job(Driver& d,
                           const VAProcPipelineParameterBuffer& p,
                           const Surface& output,
                           ScaleJob* job) {
  VAStatus st = VA_STATUS_SUCCESS;
  const Surface* input = d.surface(p.surface, "VAProcPipelineParameterBuffer.surface", &st);
  if (!input) return st;
  if (p.num_filters || p.num_forward_references || p.num_backward_references || p.rotation_state ||
      p.mirror_state || p.blend_state) {
    log_line(
        "the simulation models only scaling (no filters, references, rotation, mirroring or "
        "blending)");
    return VA_STATUS_ERROR_UNIMPLEMENTED;
  }
  job->input = p.surface;
  job->input_region = p.surface_region ? *p.surface_region
                                       : VARectangle{0, 0, static_cast<uint16_t>(input->width),
                                                     static_cast<uint16_t>(input->height)};
  job->output_region = p.output_region ? *p.output_region
                                       : VARectangle{0, 0, static_cast<uint16_t>(output.width),
                                                     static_cast<uint16_t>(output.height)};
  const VARectangle& in = job->input_region;
  const VARectangle& out = job->output_region;
  if (!inside(in.x, in.y, in.width, in.height, input->width, input->height) || in.width == 0 ||
      in.height == 0) {
    return violation(VA_STATUS_ERROR_INVALID_PARAMETER,
                     "VAProcPipelineParameterBuffer: surface_region " + std::to_string(in.x) + "," +
                         std::to_string(in.y) + " " + std::to_string(in.width) + "x" +
                         std::to_string(in.height) + " outside the " +
                         std::to_string(input->width) + "x" + std::to_string(input->height) +
                         " input surface");
  }
  if (!inside(out.x, out.y, out.width, out.height, output.width, output.height) || out.width == 0 ||
      out.height == 0) {
    return violation(VA_STATUS_ERROR_INVALID_PARAMETER,
                     "VAProcPipelineParameterBuffer: output_region " + std::to_string(out.x) + "," +
                         std::to_string(out.y) + " " + std::to_string(out.width) + "x" +
                         std::to_string(out.height) + " outside the " +
                         std::to_string(output.width) + "x" + std::to_string(output.height) +
                         " output surface");
  }
  return VA_STATUS_SUCCESS;
}

VAStatus sim_render_picture(VADriverContextP ctx,
                            VAContextID context,
                            VABufferID* buffers,
                            int count) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  Context* c = d.context(context, "vaRenderPicture", &st);
  if (!c) return st;
  if (!c->in_picture) {
    return violation(VA_STATUS_ERROR_OPERATION_FAILED,
                     "vaRenderPicture on context " + hex(context) + " without vaBeginPicture");
  }
  for (int i = 0; i < count; ++i) {
    const Buffer* b = d.buffer(buffers[i], "vaRenderPicture", &st);
    if (!b) return st;
    if (b->context != context) {
      return violation(
          VA_STATUS_ERROR_INVALID_BUFFER,
          "vaRenderPicture: buffer " + hex(buffers[i]) + " was created on another context");
    }
    if (b->type == VAEncCodedBufferType) {
      return violation(
          VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE,
          "vaRenderPicture of coded buffer " + hex(buffers[i]) + " (name it in coded_buf instead)");
    }
    if (b->mapped) {
      return violation(VA_STATUS_ERROR_OPERATION_FAILED,
                       "vaRenderPicture of buffer " + hex(buffers[i]) + " still mapped");
    }
    if (b->type == VAProcPipelineParameterBufferType) {
      if (b->data.size() < sizeof(VAProcPipelineParameterBuffer)) {
        return violation(VA_STATUS_ERROR_INVALID_PARAMETER,
                         "VAProcPipelineParameterBufferType buffer too small");
      }
      ScaleJob job;
      const auto* p = reinterpret_cast<const VAProcPipelineParameterBuffer*>(b->data.data());
      if (VAStatus rs = resolve_scale_job(d, *p, *d.surfaces[c->target], &job)) return rs;
      c->scale_jobs.push_back(job);
      continue;
    }
    if (b->type == VAProcFilterParameterBufferType) {
      log_line("the simulation models only scaling: filter buffers are ignored");
      continue;
    }
    c->rendered.push_back(RenderedBuffer{buffers[i], b->type, b->data});
  }
  return VA_STATUS_SUCCESS;
}

VAStatus end_vpp_picture(Driver& d, Context& c) {
  VAStatus st = VA_STATUS_SUCCESS;
  Surface* out = d.surface(c.target, "vaEndPicture (output surface)", &st);
  if (!out) return st;
  for (const ScaleJob& job : c.scale_jobs) {
    Surface* in = d.surface(job.input, "vaEndPicture (input surface)", &st);
    if (!in) return st;
    const VARectangle& r = job.input_region;
    const VARectangle& o = job.output_region;
    const uint8_t* src_y = in->pixels.data() + static_cast<size_t>(r.y) * in->pitch + r.x;
    const uint8_t* src_uv =
        in->pixels.data() + in->uv_offset() + static_cast<size_t>(r.y / 2) * in->pitch + (r.x & ~1);
    uint8_t* dst_y = out->pixels.data() + static_cast<size_t>(o.y) * out->pitch + o.x;
    uint8_t* dst_uv = out->pixels.data() + out->uv_offset() +
                      static_cast<size_t>(o.y / 2) * out->pitch + (o.x & ~1);
    if (libyuv::NV12Scale(src_y, in->pitch, src_uv, in->pitch, r.width, r.height, dst_y, out->pitch,
                          dst_uv, out->pitch, o.width, o.height, libyuv::kFilterBilinear) != 0) {
      log_line("libyuv::NV12Scale failed");
      return VA_STATUS_ERROR_OPERATION_FAILED;
    }
  }
  return VA_STATUS_SUCCESS;
}

VAStatus sim_end_picture(VADriverContextP ctx, VAContextID context) {
  Driver& d = driver_of(ctx);
  std::unique_lock<std::mutex> lock(d.mutex);
  VAStatus st = VA_STATUS_SUCCESS;
  Context* c = d.context(context, "vaEndPicture", &st);
  if (!c) return st;
  if (!c->in_picture) {
    return violation(VA_STATUS_ERROR_OPERATION_FAILED,
                     "vaEndPicture on context " + hex(context) + " without vaBeginPicture");
  }
  c->in_picture = false;
  if (failure_requested("device_lost")) {
    log_line("the simulated GPU is gone (GEARBOX_SIM_VAAPI_FAIL=device_lost)");
    return VA_STATUS_ERROR_HW_BUSY;
  }
  if (!c->config.encode()) return end_vpp_picture(d, *c);

  // Encode: checked and encoded outside the lock (x264 is slow; other contexts go on).
  const VABufferID coded_id = Encoder::coded_buffer_of(c->rendered);
  Buffer* coded = d.buffer(coded_id, "VAEncPictureParameterBufferH264.coded_buf", &st);
  if (!coded) return st;
  if (coded->type != VAEncCodedBufferType) {
    return violation(VA_STATUS_ERROR_INVALID_BUFFER,
                     "coded_buf " + hex(coded_id) + " is not a VAEncCodedBufferType buffer");
  }
  if (coded->mapped)
    return violation(VA_STATUS_ERROR_SURFACE_BUSY,
                     "coded_buf " + hex(coded_id) + " is still mapped");
  EncodeInput input;
  input.buffers = std::move(c->rendered);
  input.input = c->target;
  const Surface& s = *d.surfaces[c->target];
  input.pixels = s.pixels;
  input.pitch = s.pitch;
  input.recon_targets = c->targets;
  const std::shared_ptr<Encoder> encoder = c->encoder;
  lock.unlock();
  std::vector<uint8_t> access_unit;
  st = encoder->encode(input, &access_unit);
  if (st != VA_STATUS_SUCCESS) return st;
  lock.lock();
  coded = d.buffer(coded_id, "vaEndPicture (coded_buf destroyed while encoding)", &st);
  if (!coded) return st;
  if (access_unit.size() > coded->size) {
    violation(VA_STATUS_SUCCESS, "coded buffer " + hex(coded_id) + " of " +
                                     std::to_string(coded->size) +
                                     " bytes is too small for an access unit of " +
                                     std::to_string(access_unit.size()));
  }
  coded->coded = std::move(access_unit);
  coded->awaits_sync = input.input;
  return VA_STATUS_SUCCESS;
}

// Video processing.
VAStatus sim_query_video_proc_filters(VADriverContextP ctx,
                                      VAContextID context,
                                      VAProcFilterType*,
                                      unsigned* count) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  if (!d.context(context, "vaQueryVideoProcFilters", &st)) return st;
  *count = 0;
  return VA_STATUS_SUCCESS;
}

VAStatus sim_query_video_proc_filter_caps(VADriverContextP,
                                          VAContextID,
                                          VAProcFilterType,
                                          void*,
                                          unsigned* count) {
  if (count) *count = 0;
  return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
}

VAStatus sim_query_video_proc_pipeline_caps(VADriverContextP ctx,
                                            VAContextID context,
                                            VABufferID*,
                                            unsigned num_filters,
                                            VAProcPipelineCaps* caps) {
  SIM_LOCK(ctx);
  VAStatus st = VA_STATUS_SUCCESS;
  if (!d.context(context, "vaQueryVideoProcPipelineCaps", &st)) return st;
  if (num_filters) return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
  caps->pipeline_flags = 0;
  caps->filter_flags = 0;
  caps->num_forward_references = 0;
  caps->num_backward_references = 0;
  caps->rotation_flags = 0;
  caps->blend_flags = 0;
  caps->mirror_flags = 0;
  caps->num_additional_outputs = 0;
  caps->num_input_pixel_formats = 0;
  caps->num_output_pixel_formats = 0;
  caps->max_input_width = caps->max_output_width = 4096;
  caps->max_input_height = caps->max_output_height = 4096;
  caps->min_input_width = caps->min_input_height = caps->min_output_width =
      caps->min_output_height = 1;
  return VA_STATUS_SUCCESS;
}

// Refusals for the entries outside the subset: each logs its own name.
const char* refusal_names[64];
template <int I, class... A>
void refuse(VAStatus (*&slot)(A...), const char* name) {
  static_assert(I < sizeof refusal_names / sizeof refusal_names[0], "more refusals than names");
  refusal_names[I] = name;
  slot = [](A...) -> VAStatus { return unimplemented(refusal_names[I]); };
}
#define SIM_REFUSE(vtable, entry) refuse<__COUNTER__>((vtable)->entry, #entry)

void fill_vtable(VADriverVTable* v) {
  v->vaTerminate = sim_terminate;
  v->vaQueryConfigProfiles = sim_query_config_profiles;
  v->vaQueryConfigEntrypoints = sim_query_config_entrypoints;
  v->vaGetConfigAttributes = sim_get_config_attributes;
  v->vaCreateConfig = sim_create_config;
  v->vaDestroyConfig = sim_destroy_config;
  v->vaQueryConfigAttributes = sim_query_config_attributes;
  v->vaCreateSurfaces = sim_create_surfaces;
  v->vaDestroySurfaces = sim_destroy_surfaces;
  v->vaCreateContext = sim_create_context;
  v->vaDestroyContext = sim_destroy_context;
  v->vaCreateBuffer = sim_create_buffer;
  v->vaBufferSetNumElements = sim_buffer_set_num_elements;
  v->vaMapBuffer = sim_map_buffer;
  v->vaUnmapBuffer = sim_unmap_buffer;
  v->vaDestroyBuffer = sim_destroy_buffer;
  v->vaBeginPicture = sim_begin_picture;
  v->vaRenderPicture = sim_render_picture;
  v->vaEndPicture = sim_end_picture;
  v->vaSyncSurface = sim_sync_surface;
  v->vaQuerySurfaceStatus = sim_query_surface_status;
  v->vaQueryImageFormats = sim_query_image_formats;
  v->vaCreateImage = sim_create_image;
  v->vaDeriveImage = sim_derive_image;
  v->vaDestroyImage = sim_destroy_image;
  v->vaGetImage = sim_get_image;
  v->vaPutImage = sim_put_image;
  v->vaQuerySubpictureFormats = sim_query_subpicture_formats;
  v->vaQueryDisplayAttributes = sim_query_display_attributes;
  v->vaBufferInfo = sim_buffer_info;
  v->vaCreateSurfaces2 = sim_create_surfaces2;
  v->vaQuerySurfaceAttributes = sim_query_surface_attributes;
  v->vaSyncSurface2 = sim_sync_surface2;
  SIM_REFUSE(v, vaQuerySurfaceError);
  SIM_REFUSE(v, vaPutSurface);
  SIM_REFUSE(v, vaSetImagePalette);
  SIM_REFUSE(v, vaCreateSubpicture);
  SIM_REFUSE(v, vaDestroySubpicture);
  SIM_REFUSE(v, vaSetSubpictureImage);
  SIM_REFUSE(v, vaSetSubpictureChromakey);
  SIM_REFUSE(v, vaSetSubpictureGlobalAlpha);
  SIM_REFUSE(v, vaAssociateSubpicture);
  SIM_REFUSE(v, vaDeassociateSubpicture);
  SIM_REFUSE(v, vaGetDisplayAttributes);
  SIM_REFUSE(v, vaSetDisplayAttributes);
  SIM_REFUSE(v, vaLockSurface);
  SIM_REFUSE(v, vaUnlockSurface);
  SIM_REFUSE(v, vaGetSurfaceAttributes);
  SIM_REFUSE(v, vaAcquireBufferHandle);
  SIM_REFUSE(v, vaReleaseBufferHandle);
  SIM_REFUSE(v, vaCreateMFContext);
  SIM_REFUSE(v, vaMFAddContext);
  SIM_REFUSE(v, vaMFReleaseContext);
  SIM_REFUSE(v, vaMFSubmit);
  SIM_REFUSE(v, vaCreateBuffer2);
  SIM_REFUSE(v, vaQueryProcessingRate);
  SIM_REFUSE(v, vaExportSurfaceHandle);
  SIM_REFUSE(v, vaSyncBuffer);
  SIM_REFUSE(v, vaCopy);
}

}  // namespace
}  // namespace gearbox::vaapi::simulation

extern "C" __attribute__((visibility("default"))) VAStatus __vaDriverInit_1_17(
    VADriverContextP ctx) {
  using namespace gearbox::vaapi::simulation;
  if (failure_requested("init_fails")) {
    log_line("driver initialisation fails (GEARBOX_SIM_VAAPI_FAIL=init_fails)");
    return VA_STATUS_ERROR_OPERATION_FAILED;
  }
  ctx->pDriverData = new Driver();
  ctx->version_major = VA_MAJOR_VERSION;
  ctx->version_minor = VA_MINOR_VERSION;
  ctx->max_profiles = 2;
  ctx->max_entrypoints = 1;
  ctx->max_attributes = 8;
  ctx->max_image_formats = 1;
  ctx->max_subpic_formats = 1;
  ctx->max_display_attributes = 1;
  ctx->str_vendor = "gearbox VA-API SIMULATION (libx264 behind VA-API; not a GPU)";
  fill_vtable(ctx->vtable);
  if (ctx->vtable_vpp) {
    ctx->vtable_vpp->vaQueryVideoProcFilters = sim_query_video_proc_filters;
    ctx->vtable_vpp->vaQueryVideoProcFilterCaps = sim_query_video_proc_filter_caps;
    ctx->vtable_vpp->vaQueryVideoProcPipelineCaps = sim_query_video_proc_pipeline_caps;
  }
  log_line(std::string("loaded (") + ctx->str_vendor + ")");
  return VA_STATUS_SUCCESS;
}
