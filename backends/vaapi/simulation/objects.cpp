#include "objects.h"

#include <cstdio>

#include "simulation.h"

namespace gearbox::vaapi::simulation {
namespace {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kConfig: return "config";
    case Kind::kContext: return "context";
    case Kind::kSurface: return "surface";
    case Kind::kBuffer: return "buffer";
    case Kind::kImage: return "image";
  }
  return "object";
}

const char* destroyer(Kind kind) {
  switch (kind) {
    case Kind::kConfig: return "vaDestroyConfig";
    case Kind::kContext: return "vaDestroyContext";
    case Kind::kSurface: return "vaDestroySurfaces";
    case Kind::kBuffer: return "vaDestroyBuffer (or vaDestroyImage)";
    case Kind::kImage: return "vaDestroyImage";
  }
  return "destroy";
}

}  // namespace

std::string hex(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%x", value);
  return text;
}

VAGenericID Driver::new_id(Kind kind) {
  return (static_cast<uint32_t>(kind) << 24) | (next_serial++ & 0xffffff);
}

std::string Driver::why_missing(Kind kind, VAGenericID id) const {
  const std::string what = std::string(kind_name(kind)) + " " + hex(id);
  if (id == VA_INVALID_ID) return what + " is VA_INVALID_ID";
  if ((id >> 24) == static_cast<uint32_t>(kind) && (id & 0xffffff) < next_serial) {
    return what + " used after " + destroyer(kind);
  }
  return what + " was never created by this driver";
}

namespace {
// std::map<id, Config> and std::map<id, Image> hold values, not pointers.
template <class T>
T& deref(T& value) {
  return value;
}
template <class T>
T& deref(std::unique_ptr<T>& value) {
  return *value;
}
}  // namespace

#define SIM_LOOKUP(Type, method, table, kind, invalid)                              \
  Type* Driver::method(VAGenericID id, const char* call, VAStatus* status) {        \
    auto it = table.find(id);                                                       \
    if (it != table.end()) return &deref(it->second);                               \
    *status = violation(invalid, std::string(call) + ": " + why_missing(kind, id)); \
    return nullptr;                                                                 \
  }

SIM_LOOKUP(Config, config, configs, Kind::kConfig, VA_STATUS_ERROR_INVALID_CONFIG)
SIM_LOOKUP(Context, context, contexts, Kind::kContext, VA_STATUS_ERROR_INVALID_CONTEXT)
SIM_LOOKUP(Surface, surface, surfaces, Kind::kSurface, VA_STATUS_ERROR_INVALID_SURFACE)
SIM_LOOKUP(Buffer, buffer, buffers, Kind::kBuffer, VA_STATUS_ERROR_INVALID_BUFFER)
SIM_LOOKUP(Image, image, images, Kind::kImage, VA_STATUS_ERROR_INVALID_IMAGE)

}  // namespace gearbox::vaapi::simulation
