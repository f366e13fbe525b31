#include "vaapi_device.h"

#include <va/va_vpp.h>

#include <cstring>
#include <string>

#include "vaapi_convert.h"
#include "vaapi_encoder.h"
#include "vaapi_status.h"

namespace gearbox::vaapi {
namespace {

std::string size_text(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

}  // namespace

VaSurface::VaSurface(std::shared_ptr<Display> display, int width, int height, VASurfaceID id)
    : Surface(width, height, SurfaceFormat::kNV12), display_(std::move(display)), id_(id) {}

VaSurface::~VaSurface() {
  display_->va().vaDestroySurfaces(display_->display(), &id_, 1);
}

Status create_nv12_surfaces(const Display& d,
                            int width,
                            int height,
                            VASurfaceID* ids,
                            unsigned count) {
  VASurfaceAttrib format{};
  format.type = VASurfaceAttribPixelFormat;
  format.flags = VA_SURFACE_ATTRIB_SETTABLE;
  format.value.type = VAGenericValueTypeInteger;
  format.value.value.i = VA_FOURCC_NV12;
  const VAStatus s =
      d.va().vaCreateSurfaces(d.display(), VA_RT_FORMAT_YUV420, static_cast<unsigned>(width),
                              static_cast<unsigned>(height), ids, count, &format, 1);
  if (s != VA_STATUS_SUCCESS) {
    return va_failure(d.runtime(), "vaCreateSurfaces(NV12 " + size_text(width, height) + ")", s,
                      d.where());
  }
  return {};
}

Status fill_nv12_grey(const Display& d, VASurfaceID id, int width, int height) {
  const VaApi& va = d.va();
  VADisplay dpy = d.display();
  VAImageFormat format{};
  format.fourcc = VA_FOURCC_NV12;
  format.byte_order = VA_LSB_FIRST;
  format.bits_per_pixel = 12;
  VAImage image{};
  VAStatus s = va.vaCreateImage(dpy, &format, width, height, &image);
  if (s != VA_STATUS_SUCCESS) return va_failure(d.runtime(), "vaCreateImage(NV12)", s, d.where());
  auto write = [&]() -> Status {
    void* mapped = nullptr;
    VAStatus st = va.vaMapBuffer(dpy, image.buf, &mapped);
    if (st != VA_STATUS_SUCCESS)
      return va_failure(d.runtime(), "vaMapBuffer(image)", st, d.where());
    std::memset(mapped, 128, image.data_size);
    st = va.vaUnmapBuffer(dpy, image.buf);
    if (st != VA_STATUS_SUCCESS)
      return va_failure(d.runtime(), "vaUnmapBuffer(image)", st, d.where());
    const auto w = static_cast<unsigned>(width), h = static_cast<unsigned>(height);
    st = va.vaPutImage(dpy, id, image.image_id, 0, 0, w, h, 0, 0, w, h);
    if (st != VA_STATUS_SUCCESS) return va_failure(d.runtime(), "vaPutImage", st, d.where());
    return {};
  };
  Status written = write();
  s = va.vaDestroyImage(dpy, image.image_id);
  if (!written) return written;
  if (s != VA_STATUS_SUCCESS) return va_failure(d.runtime(), "vaDestroyImage", s, d.where());
  return {};
}

Result<std::unique_ptr<VaapiDevice>> VaapiDevice::open(const DeviceOptions& options,
                                                       std::shared_ptr<Display> display) {
  std::unique_ptr<VaapiDevice> d(new VaapiDevice(options, std::move(display)));
  d->sessions_->needed = options.encoder_sessions;
  if (!options.every_frame_scales.empty() && !d->display_->support().video_proc) {
    return make_error(ErrorCode::kUnsupported,
                      "VA-API driver on " + d->display_->where() +
                          " offers no video processing (VAProfileNone with "
                          "VAEntrypointVideoProc), which the ladder's scaling needs");
  }
  return d;
}

VaapiDevice::~VaapiDevice() {
  const VaApi& va = display_->va();
  VADisplay dpy = display_->display();
  if (vpp_context_ != VA_INVALID_ID) va.vaDestroyContext(dpy, vpp_context_);
  if (vpp_config_ != VA_INVALID_ID) va.vaDestroyConfig(dpy, vpp_config_);
  if (put_image_created_) va.vaDestroyImage(dpy, put_image_object_.image_id);
  std::lock_guard<std::mutex> lock(pools_mutex_);
  pools_.clear();  // surfaces still lent out destroy themselves when returned
}

VaapiDevice::Pool* VaapiDevice::pool_for(int w, int h) {
  std::lock_guard<std::mutex> lock(pools_mutex_);
  for (auto& entry : pools_) {
    if (entry.width == w && entry.height == h) return entry.pool.get();
  }
  std::shared_ptr<Display> display = display_;
  auto factory = [display, w, h]() -> std::unique_ptr<VaSurface> {
    VASurfaceID id = VA_INVALID_SURFACE;
    if (!create_nv12_surfaces(*display, w, h, &id, 1)) return nullptr;
    return std::make_unique<VaSurface>(display, w, h, id);
  };
  pools_.push_back(
      {w, h, std::make_unique<Pool>(static_cast<size_t>(options_.pool_size), factory)});
  return pools_.back().pool.get();
}

Status VaapiDevice::write_image(const FrameView& frame, const VAImage& image) {
  const VaApi& va = display_->va();
  void* mapped = nullptr;
  VAStatus s = va.vaMapBuffer(display_->display(), image.buf, &mapped);
  if (s != VA_STATUS_SUCCESS)
    return va_failure(display_->runtime(), "vaMapBuffer(image)", s, display_->where());
  auto* base = static_cast<uint8_t*>(mapped);
  const Nv12Target target{base + image.offsets[0], static_cast<int>(image.pitches[0]),
                          base + image.offsets[1], static_cast<int>(image.pitches[1])};
  Status converted = convert_to_nv12(frame, target, scratch_);
  s = va.vaUnmapBuffer(display_->display(), image.buf);
  if (!converted) return converted;
  if (s != VA_STATUS_SUCCESS)
    return va_failure(display_->runtime(), "vaUnmapBuffer(image)", s, display_->where());
  return {};
}

// The surface's own memory, when the driver lets it be mapped. `refused` says the driver does
// not derive images of this surface (some drivers never do, e.g. for tiled memory).
Status VaapiDevice::write_derived(const FrameView& frame, const VaSurface& surface, bool& refused) {
  const VaApi& va = display_->va();
  VAImage image{};
  image.image_id = VA_INVALID_ID;
  VAStatus s = va.vaDeriveImage(display_->display(), surface.id(), &image);
  if (s == VA_STATUS_ERROR_OPERATION_FAILED || s == VA_STATUS_ERROR_UNIMPLEMENTED ||
      s == VA_STATUS_ERROR_INVALID_IMAGE_FORMAT) {
    refused = true;
    return {};
  }
  if (s != VA_STATUS_SUCCESS)
    return va_failure(display_->runtime(), "vaDeriveImage", s, display_->where());
  if (image.format.fourcc != VA_FOURCC_NV12) {
    va.vaDestroyImage(display_->display(), image.image_id);
    refused = true;
    return {};
  }
  Status written = write_image(frame, image);
  s = va.vaDestroyImage(display_->display(), image.image_id);
  if (!written) return written;
  if (s != VA_STATUS_SUCCESS)
    return va_failure(display_->runtime(), "vaDestroyImage", s, display_->where());
  return {};
}

// An image of the driver's own, then copied into the surface by the driver (vaPutImage).
Status VaapiDevice::write_put(const FrameView& frame, const VaSurface& surface) {
  const VaApi& va = display_->va();
  VADisplay dpy = display_->display();
  if (!put_image_created_) {
    VAImageFormat format{};
    format.fourcc = VA_FOURCC_NV12;
    format.byte_order = VA_LSB_FIRST;
    format.bits_per_pixel = 12;
    VAStatus s = va.vaCreateImage(dpy, &format, frame.width, frame.height, &put_image_object_);
    if (s != VA_STATUS_SUCCESS)
      return va_failure(display_->runtime(), "vaCreateImage(NV12)", s, display_->where());
    put_image_created_ = true;
  }
  GEARBOX_RETURN_IF_ERROR(write_image(frame, put_image_object_));
  const auto w = static_cast<unsigned>(frame.width), h = static_cast<unsigned>(frame.height);
  VAStatus s = va.vaPutImage(dpy, surface.id(), put_image_object_.image_id, 0, 0, w, h, 0, 0, w, h);
  if (s != VA_STATUS_SUCCESS)
    return va_failure(display_->runtime(), "vaPutImage", s, display_->where());
  return {};
}

Result<SurfaceRef> VaapiDevice::upload(const FrameView& frame) {
  if (frame.format != options_.input_format || frame.width != options_.width ||
      frame.height != options_.height) {
    return make_error(ErrorCode::kInternal,
                      "vaapi device: upload of a frame unlike the device's options");
  }
  std::shared_ptr<VaSurface> surface = pool_for(frame.width, frame.height)->acquire();
  if (!surface) {
    return make_error(ErrorCode::kBackendFailure,
                      "vaapi device: no free surface for upload within 60 s, or vaCreateSurfaces "
                      "failed on " +
                          display_->where());
  }
  std::lock_guard<std::mutex> lock(upload_mutex_);
  if (!put_image_) {
    bool refused = false;
    GEARBOX_RETURN_IF_ERROR(write_derived(frame, *surface, refused));
    if (!refused) return SurfaceRef(std::move(surface));
    put_image_ = true;  // asked once: a driver that refuses derive refuses it for every surface
  }
  GEARBOX_RETURN_IF_ERROR(write_put(frame, *surface));
  return SurfaceRef(std::move(surface));
}

Status VaapiDevice::open_video_proc() {
  const VaApi& va = display_->va();
  VADisplay dpy = display_->display();
  VAStatus s =
      va.vaCreateConfig(dpy, VAProfileNone, VAEntrypointVideoProc, nullptr, 0, &vpp_config_);
  if (s != VA_STATUS_SUCCESS) {
    vpp_config_ = VA_INVALID_ID;
    return va_failure(display_->runtime(), "vaCreateConfig(VideoProc)", s, display_->where());
  }
  s = va.vaCreateContext(dpy, vpp_config_, options_.width, options_.height, VA_PROGRESSIVE, nullptr,
                         0, &vpp_context_);
  if (s != VA_STATUS_SUCCESS) {
    vpp_context_ = VA_INVALID_ID;
    return va_failure(display_->runtime(), "vaCreateContext(VideoProc)", s, display_->where());
  }
  return {};
}

Result<SurfaceRef> VaapiDevice::scale(const Surface& source, int width, int height) {
  const auto* in = dynamic_cast<const VaSurface*>(&source);
  if (!in || in->owner() != display_.get()) {
    return make_error(ErrorCode::kInternal,
                      "vaapi device: scale() of a surface from another device");
  }
  std::shared_ptr<VaSurface> out = pool_for(width, height)->acquire();
  if (!out) {
    return make_error(ErrorCode::kBackendFailure,
                      "vaapi device: no free surface for scale within 60 s, or vaCreateSurfaces "
                      "failed on " +
                          display_->where());
  }
  std::lock_guard<std::mutex> lock(scale_mutex_);
  if (vpp_context_ == VA_INVALID_ID) GEARBOX_RETURN_IF_ERROR(open_video_proc());
  const VaApi& va = display_->va();
  VADisplay dpy = display_->display();
  const VARectangle input_region{0, 0, static_cast<uint16_t>(in->width()),
                                 static_cast<uint16_t>(in->height())};
  const VARectangle output_region{0, 0, static_cast<uint16_t>(width),
                                  static_cast<uint16_t>(height)};
  VAProcPipelineParameterBuffer pipeline{};
  pipeline.surface = in->id();
  pipeline.surface_region = &input_region;
  pipeline.output_region = &output_region;
  pipeline.filter_flags = VA_FILTER_SCALING_DEFAULT;
  pipeline.output_background_color = 0xff000000;
  VABufferID buffer = VA_INVALID_ID;
  VAStatus s = va.vaCreateBuffer(dpy, vpp_context_, VAProcPipelineParameterBufferType,
                                 sizeof pipeline, 1, &pipeline, &buffer);
  if (s != VA_STATUS_SUCCESS)
    return va_failure(display_->runtime(), "vaCreateBuffer(VAProcPipelineParameterBuffer)", s,
                      display_->where());
  const std::string what =
      " (VPP " + size_text(in->width(), in->height()) + " to " + size_text(width, height) + ")";
  s = va.vaBeginPicture(dpy, vpp_context_, out->id());
  if (s == VA_STATUS_SUCCESS) {
    s = va.vaRenderPicture(dpy, vpp_context_, &buffer, 1);
    const VAStatus end = va.vaEndPicture(dpy, vpp_context_);
    if (s != VA_STATUS_SUCCESS) {
      va.vaDestroyBuffer(dpy, buffer);
      return va_failure(display_->runtime(), "vaRenderPicture" + what, s, display_->where());
    }
    s = end;
    va.vaDestroyBuffer(dpy, buffer);
    if (s != VA_STATUS_SUCCESS)
      return va_failure(display_->runtime(), "vaEndPicture" + what, s, display_->where());
  } else {
    va.vaDestroyBuffer(dpy, buffer);
    return va_failure(display_->runtime(), "vaBeginPicture" + what, s, display_->where());
  }
  // Not required by VA (the driver orders work on a surface), but a failed scale then shows
  // here, on the scaler thread, and not as a broken picture in an encoder.
  s = va.vaSyncSurface(dpy, out->id());
  if (s != VA_STATUS_SUCCESS)
    return va_failure(display_->runtime(), "vaSyncSurface" + what, s, display_->where());
  return SurfaceRef(std::move(out));
}

Result<std::unique_ptr<Encoder>> VaapiDevice::open_encoder(const EncoderConfig& config) {
  return open_vaapi_encoder(display_, sessions_, config);
}

}  // namespace gearbox::vaapi
