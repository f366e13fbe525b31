// The NVENC backend's device: one CUDA context (the GPU's primary context), the kernels loaded
// from the PTX embedded in the binary, pinned staging memory for one input frame, and pools of
// NV12 surfaces in CUDA device memory, one pool per picture size. Surfaces are registered with
// each encoder session the first time that session sees them, and stay registered until the
// session closes, so registration happens once per surface, not per frame.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gearbox/backend.h"
#include "gearbox/surface_pool.h"
#include "nvidia_runtime.h"

namespace gearbox::nvenc {

// The GPU and its primary context, shared by the device, its surfaces and its encoders (each
// holds a reference, so the context outlives everything allocated in it).
class CudaContext {
 public:
  static Result<std::shared_ptr<CudaContext>> open(std::shared_ptr<NvidiaRuntime> runtime);
  ~CudaContext();
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;

  const CudaApi& cu() const { return runtime_->cu; }
  const NvidiaRuntime& runtime() const { return *runtime_; }
  CUcontext context() const { return context_; }
  const std::string& gpu_name() const { return gpu_name_; }
  // "NVENC call failed: <call> returned CUDA_ERROR_X (n: text)", or "GPU lost: ..." for the
  // errors that leave the context unusable (classify_cuda()).
  Error cuda_failure(const std::string& call, CUresult result) const;

 private:
  CudaContext() = default;
  std::shared_ptr<NvidiaRuntime> runtime_;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  std::string gpu_name_;
};

// NV12 in one pitched allocation: luma rows, then height/2 interleaved chroma rows.
class NvencSurface final : public Surface {
 public:
  NvencSurface(std::shared_ptr<CudaContext> context,
               int width,
               int height,
               CUdeviceptr ptr,
               size_t pitch);
  ~NvencSurface() override;
  CUdeviceptr luma() const { return ptr_; }
  CUdeviceptr chroma() const { return ptr_ + pitch_ * static_cast<size_t>(height()); }
  size_t pitch() const { return pitch_; }
  const CudaContext* owner() const { return context_.get(); }

 private:
  std::shared_ptr<CudaContext> context_;
  CUdeviceptr ptr_;
  size_t pitch_;
};

// Counts the encoder sessions open on a device, for the session-limit message.
struct SessionCount {
  std::atomic<int> open{0};
  int needed = 1;  // DeviceOptions::encoder_sessions
};

class NvencDevice final : public Device {
 public:
  static Result<std::unique_ptr<NvencDevice>> open(const DeviceOptions& options,
                                                   std::shared_ptr<NvidiaRuntime> runtime);
  ~NvencDevice() override;

  Result<SurfaceRef> upload(const FrameView& frame) override;
  Result<SurfaceRef> scale(const Surface& source, int width, int height) override;
  Result<std::unique_ptr<Encoder>> open_encoder(const EncoderConfig& config) override;

  // NVENC's H.264 capabilities on this GPU, from a session open() opened for the query.
  Capabilities capabilities() const override { return capabilities_; }
  bool simulated() const override { return context_->runtime().simulated; }
  const CudaContext& context() const { return *context_; }

 private:
  using Pool = SurfacePool<NvencSurface>;
  explicit NvencDevice(const DeviceOptions& options) : options_(options) {}
  Status init(std::shared_ptr<NvidiaRuntime> runtime);
  Status load_kernels();
  Pool* pool_for(int width, int height);
  Status launch(CUfunction function,
                const char* name,
                int work_width,
                int work_height,
                void* args,
                CUstream stream);
  Status stage_and_convert(const FrameView& frame, const NvencSurface& out);

  struct SizedPool {
    int width, height;
    std::unique_ptr<Pool> pool;
  };
  DeviceOptions options_;
  std::shared_ptr<CudaContext> context_;
  CUmodule module_ = nullptr;
  CUfunction packed_to_nv12_ = nullptr, i420_to_nv12_ = nullptr, scale_area_ = nullptr;
  CUstream upload_stream_ = nullptr, scale_stream_ = nullptr;
  uint8_t* staging_ = nullptr;  // pinned host memory: one tightly packed input frame
  size_t staging_bytes_ = 0;
  size_t plane_offset_[3] = {0, 0, 0};
  CUdeviceptr input_ = 0;    // the input frame in device memory, before conversion
  std::mutex upload_mutex_;  // one staging buffer
  std::mutex pools_mutex_;
  std::vector<SizedPool> pools_;
  std::shared_ptr<SessionCount> sessions_ = std::make_shared<SessionCount>();
  Capabilities capabilities_;
};

}  // namespace gearbox::nvenc
