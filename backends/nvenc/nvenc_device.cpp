#include "nvenc_device.h"

#include <cstring>

#include "kernels/nv12_reference.h"
#include "nvenc_encoder.h"
#include "nvenc_status.h"

namespace gearbox::nvenc_kernels {
extern const char kNv12KernelsPtx[];  // embedded_ptx.cpp, generated at build time (or no_ptx.cpp)
}

namespace gearbox::nvenc {

namespace k = nvenc_kernels;

// CUDA result codes this file tells apart (cuda.h's values; dynlink_cuda.h declares only a few).
constexpr int kCudaErrorInsufficientDriver = 35;
constexpr int kCudaErrorNoDevice = 100;

#define GEARBOX_CUDA(call, ...)                                                         \
  do {                                                                                  \
    CUresult gearbox_cu_ = context_->cu().call(__VA_ARGS__);                            \
    if (gearbox_cu_ != CUDA_SUCCESS) return context_->cuda_failure(#call, gearbox_cu_); \
  } while (0)

Result<std::shared_ptr<CudaContext>> CudaContext::open(std::shared_ptr<NvidiaRuntime> runtime) {
  std::shared_ptr<CudaContext> c(new CudaContext());
  c->runtime_ = std::move(runtime);
  const CudaApi& cu = c->cu();
  const char* who = c->runtime_->label();
  CUresult r = cu.cuInit(0);
  if (r == kCudaErrorNoDevice) {
    return failure(Failure::kNoCudaDevice, std::string("cuInit returned ") +
                                               c->runtime_->cuda_error(r) + ": the " + who +
                                               " is installed but sees no CUDA GPU");
  }
  if (r == kCudaErrorInsufficientDriver) {
    return failure(Failure::kDriverTooOld,
                   std::string("cuInit returned ") + c->runtime_->cuda_error(r) +
                       ": the kernel driver is older than " + who + "'s user-space library");
  }
  if (r != CUDA_SUCCESS)
    return failure(Failure::kNoCudaDevice, "cuInit returned " + c->runtime_->cuda_error(r));
  int count = 0;
  r = cu.cuDeviceGetCount(&count);
  if (r != CUDA_SUCCESS || count < 1) {
    return failure(Failure::kNoCudaDevice,
                   std::string("cuDeviceGetCount found no CUDA GPU (") +
                       (r == CUDA_SUCCESS ? "0 devices" : c->runtime_->cuda_error(r)) + ")");
  }
  if ((r = cu.cuDeviceGet(&c->device_, 0)) != CUDA_SUCCESS)
    return c->cuda_failure("cuDeviceGet", r);
  char name[256] = {0};
  if (cu.cuDeviceGetName(name, sizeof name - 1, c->device_) == CUDA_SUCCESS) c->gpu_name_ = name;
  // The primary context: the one every CUDA user of this GPU in the process shares.
  if ((r = cu.cuDevicePrimaryCtxRetain(&c->context_, c->device_)) != CUDA_SUCCESS) {
    c->context_ = nullptr;
    return c->cuda_failure("cuDevicePrimaryCtxRetain", r);
  }
  return c;
}

CudaContext::~CudaContext() {
  if (context_) cu().cuDevicePrimaryCtxRelease(device_);
}

Error CudaContext::cuda_failure(const std::string& call, CUresult result) const {
  const Failure kind = classify_cuda(static_cast<int>(result));
  std::string m =
      call + " returned " + runtime_->cuda_error(result) + " (" + runtime_->label() + ")";
  if (kind == Failure::kDeviceLost) {
    m += "; CUDA documents this error as leaving the context unusable: the GPU faulted, hung or "
         "was reset, and nothing more can run on it in this process";
  }
  return failure(kind, m);
}

NvencSurface::NvencSurface(std::shared_ptr<CudaContext> context,
                           int width,
                           int height,
                           CUdeviceptr ptr,
                           size_t pitch)
    : Surface(width, height, SurfaceFormat::kNV12),
      context_(std::move(context)),
      ptr_(ptr),
      pitch_(pitch) {}

NvencSurface::~NvencSurface() {
  ScopedContext scope(context_->cu(), context_->context());
  context_->cu().cuMemFree(ptr_);
}

Result<std::unique_ptr<NvencDevice>> NvencDevice::open(const DeviceOptions& options,
                                                       std::shared_ptr<NvidiaRuntime> runtime) {
  if (k::kNv12KernelsPtx[0] == '\0') {
    return failure(
        Failure::kNoKernels,
        "this gearbox was built without a PTX compiler (clang with the NVPTX target), so it "
        "carries no CUDA kernels for colour conversion and scaling; rebuild with clang installed");
  }
  std::unique_ptr<NvencDevice> d(new NvencDevice(options));
  d->sessions_->needed = options.encoder_sessions;
  GEARBOX_RETURN_IF_ERROR(d->init(std::move(runtime)));
  return d;
}

Status NvencDevice::init(std::shared_ptr<NvidiaRuntime> runtime) {
  auto opened = CudaContext::open(std::move(runtime));
  if (!opened) return opened.error();
  context_ = std::move(opened.value());
  ScopedContext scope(context_->cu(), context_->context());
  if (scope.result() != CUDA_SUCCESS)
    return context_->cuda_failure("cuCtxPushCurrent", scope.result());
  GEARBOX_RETURN_IF_ERROR(load_kernels());
  GEARBOX_CUDA(cuStreamCreate, &upload_stream_, CU_STREAM_NON_BLOCKING);
  GEARBOX_CUDA(cuStreamCreate, &scale_stream_, CU_STREAM_NON_BLOCKING);
  // Staging holds one input frame tightly packed, plane after plane; it is pinned so that the
  // host-to-device copy is a real asynchronous DMA transfer.
  const PixelFormat f = options_.input_format;
  for (int p = 0; p < plane_count(f); ++p) {
    plane_offset_[p] = staging_bytes_;
    staging_bytes_ +=
        static_cast<size_t>(min_stride(f, p, options_.width)) * plane_rows(f, p, options_.height);
  }
  void* pinned = nullptr;
  GEARBOX_CUDA(cuMemAllocHost, &pinned, staging_bytes_);
  staging_ = static_cast<uint8_t*>(pinned);
  GEARBOX_CUDA(cuMemAlloc, &input_, staging_bytes_);
  // Asked once here, so that the engine can check a whole ladder before it opens a session.
  auto caps = query_capabilities(context_, sessions_);
  if (!caps) return caps.error();
  capabilities_ = caps.value();
  return {};
}

Status NvencDevice::load_kernels() {
  GEARBOX_CUDA(cuModuleLoadData, &module_, k::kNv12KernelsPtx);
  GEARBOX_CUDA(cuModuleGetFunction, &packed_to_nv12_, module_, k::kPackedToNv12);
  GEARBOX_CUDA(cuModuleGetFunction, &i420_to_nv12_, module_, k::kI420ToNv12);
  GEARBOX_CUDA(cuModuleGetFunction, &scale_area_, module_, k::kScaleArea);
  return {};
}

NvencDevice::~NvencDevice() {
  if (!context_) return;
  {
    std::lock_guard<std::mutex> lock(pools_mutex_);
    pools_.clear();  // surfaces still lent out free themselves when returned
  }
  const CudaApi& cu = context_->cu();
  ScopedContext scope(cu, context_->context());
  if (input_) cu.cuMemFree(input_);
  if (staging_) cu.cuMemFreeHost(staging_);
  if (upload_stream_) cu.cuStreamDestroy(upload_stream_);
  if (scale_stream_) cu.cuStreamDestroy(scale_stream_);
  if (module_) cu.cuModuleUnload(module_);
}

NvencDevice::Pool* NvencDevice::pool_for(int w, int h) {
  std::lock_guard<std::mutex> lock(pools_mutex_);
  for (auto& entry : pools_) {
    if (entry.width == w && entry.height == h) return entry.pool.get();
  }
  std::shared_ptr<CudaContext> ctx = context_;
  auto factory = [ctx, w, h]() -> std::unique_ptr<NvencSurface> {
    ScopedContext scope(ctx->cu(), ctx->context());
    CUdeviceptr ptr = 0;
    size_t pitch = 0;
    // NV12: height luma rows plus height/2 chroma rows of the same pitch.
    if (ctx->cu().cuMemAllocPitch(&ptr, &pitch, static_cast<size_t>(w),
                                  static_cast<size_t>(h) * 3 / 2, 4) != CUDA_SUCCESS) {
      return nullptr;
    }
    return std::make_unique<NvencSurface>(ctx, w, h, ptr, pitch);
  };
  pools_.push_back(
      {w, h, std::make_unique<Pool>(static_cast<size_t>(options_.pool_size), factory)});
  return pools_.back().pool.get();
}

Status NvencDevice::launch(CUfunction function,
                           const char* name,
                           int work_width,
                           int work_height,
                           void* args,
                           CUstream stream) {
  const k::LaunchShape s = k::launch_shape({work_width, work_height});
  void* params[] = {args};
  CUresult r = context_->cu().cuLaunchKernel(function, s.grid_x, s.grid_y, 1, s.block_x, s.block_y,
                                             1, 0, stream, params, nullptr);
  if (r != CUDA_SUCCESS)
    return context_->cuda_failure(std::string("cuLaunchKernel(") + name + ")", r);
  return {};
}

// One frame: the caller's rows into pinned staging (the only CPU copy), one asynchronous
// transfer to the device, one conversion kernel writing NV12 into the surface.
Status NvencDevice::stage_and_convert(const FrameView& f, const NvencSurface& out) {
  for (int p = 0; p < plane_count(f.format); ++p) {
    const size_t row = static_cast<size_t>(min_stride(f.format, p, f.width));
    uint8_t* dst = staging_ + plane_offset_[p];
    for (int y = 0; y < plane_rows(f.format, p, f.height); ++y) {
      std::memcpy(dst + row * y, f.data[p] + static_cast<ptrdiff_t>(y) * f.stride[p], row);
    }
  }
  const int w = f.width, h = f.height;
  if (f.format == PixelFormat::kNV12) {
    // Already NV12: two pitched copies straight into the surface, no kernel.
    for (int p = 0; p < 2; ++p) {
      CUDA_MEMCPY2D c{};
      c.srcMemoryType = CU_MEMORYTYPE_HOST;
      c.srcHost = staging_ + plane_offset_[p];
      c.srcPitch = static_cast<size_t>(w);
      c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
      c.dstDevice = p == 0 ? out.luma() : out.chroma();
      c.dstPitch = out.pitch();
      c.WidthInBytes = static_cast<size_t>(w);
      c.Height = static_cast<size_t>(p == 0 ? h : h / 2);
      GEARBOX_CUDA(cuMemcpy2DAsync, &c, upload_stream_);
    }
    return {};
  }
  GEARBOX_CUDA(cuMemcpyHtoDAsync, input_, staging_, staging_bytes_, upload_stream_);
  if (f.format == PixelFormat::kI420) {
    CUDA_MEMCPY2D c{};
    c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
    c.srcDevice = input_;
    c.srcPitch = static_cast<size_t>(w);
    c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    c.dstDevice = out.luma();
    c.dstPitch = out.pitch();
    c.WidthInBytes = static_cast<size_t>(w);
    c.Height = static_cast<size_t>(h);
    GEARBOX_CUDA(cuMemcpy2DAsync, &c, upload_stream_);
    k::I420ToNv12Args a{};
    a.u = input_ + plane_offset_[1];
    a.v = input_ + plane_offset_[2];
    a.uv = out.chroma();
    a.u_pitch = a.v_pitch = w / 2;
    a.uv_pitch = static_cast<int32_t>(out.pitch());
    a.chroma_width = w / 2;
    a.chroma_height = h / 2;
    return launch(i420_to_nv12_, k::kI420ToNv12, a.chroma_width, a.chroma_height, &a,
                  upload_stream_);
  }
  k::PackedToNv12Args a{};
  a.src = input_;
  a.y = out.luma();
  a.uv = out.chroma();
  a.src_pitch = min_stride(f.format, 0, w);
  a.y_pitch = a.uv_pitch = static_cast<int32_t>(out.pitch());
  a.width = w;
  a.height = h;
  switch (f.format) {
    case PixelFormat::kBGR24:
      a.bytes_per_pixel = 3, a.b_offset = 0, a.g_offset = 1, a.r_offset = 2;
      break;
    case PixelFormat::kRGB24:
      a.bytes_per_pixel = 3, a.r_offset = 0, a.g_offset = 1, a.b_offset = 2;
      break;
    case PixelFormat::kBGRA:
      a.bytes_per_pixel = 4, a.b_offset = 0, a.g_offset = 1, a.r_offset = 2;
      break;
    case PixelFormat::kRGBA:
      a.bytes_per_pixel = 4, a.r_offset = 0, a.g_offset = 1, a.b_offset = 2;
      break;
    default: a.bytes_per_pixel = 1, a.r_offset = a.g_offset = a.b_offset = 0; break;  // GRAY8
  }
  return launch(packed_to_nv12_, k::kPackedToNv12, w / 2, h / 2, &a, upload_stream_);
}

Result<SurfaceRef> NvencDevice::upload(const FrameView& frame) {
  if (frame.format != options_.input_format || frame.width != options_.width ||
      frame.height != options_.height) {
    return make_error(ErrorCode::kInternal,
                      "nvenc device: upload of a frame unlike the device's options");
  }
  std::shared_ptr<NvencSurface> surface = pool_for(frame.width, frame.height)->acquire();
  if (!surface)
    return failure(Failure::kVendor,
                   "no free device surface for upload within 60 s, or cuMemAllocPitch failed");
  std::lock_guard<std::mutex> lock(upload_mutex_);
  ScopedContext scope(context_->cu(), context_->context());
  GEARBOX_RETURN_IF_ERROR(stage_and_convert(frame, *surface));
  // The staging buffer is reused by the next frame, and the surface goes to other threads.
  GEARBOX_CUDA(cuStreamSynchronize, upload_stream_);
  return SurfaceRef(std::move(surface));
}

Result<SurfaceRef> NvencDevice::scale(const Surface& source, int width, int height) {
  const auto* in = dynamic_cast<const NvencSurface*>(&source);
  if (!in || in->owner() != context_.get()) {
    return make_error(ErrorCode::kInternal,
                      "nvenc device: scale() of a surface from another device");
  }
  std::shared_ptr<NvencSurface> out = pool_for(width, height)->acquire();
  if (!out)
    return failure(Failure::kVendor,
                   "no free device surface for scale within 60 s, or cuMemAllocPitch failed");
  ScopedContext scope(context_->cu(), context_->context());
  for (int plane = 0; plane < 2; ++plane) {
    k::ScaleAreaArgs a{};
    a.src = plane == 0 ? in->luma() : in->chroma();
    a.dst = plane == 0 ? out->luma() : out->chroma();
    a.src_pitch = static_cast<int32_t>(in->pitch());
    a.dst_pitch = static_cast<int32_t>(out->pitch());
    // Luma: one sample per pixel. NV12 chroma: half the width and height, two interleaved samples.
    const int subsample = plane == 0 ? 1 : 2;
    a.channels = plane == 0 ? 1 : 2;
    a.src_width = in->width() / subsample;
    a.src_height = in->height() / subsample;
    a.dst_width = width / subsample;
    a.dst_height = height / subsample;
    GEARBOX_RETURN_IF_ERROR(
        launch(scale_area_, k::kScaleArea, a.dst_width, a.dst_height, &a, scale_stream_));
  }
  GEARBOX_CUDA(cuStreamSynchronize, scale_stream_);
  return SurfaceRef(std::move(out));
}

Result<std::unique_ptr<Encoder>> NvencDevice::open_encoder(const EncoderConfig& config) {
  return open_nvenc_encoder(context_, sessions_, config);
}

}  // namespace gearbox::nvenc
