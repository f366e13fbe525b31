// The NVIDIA driver as the NVENC backend sees it: a table of CUDA driver API functions and the
// NVENC function list, loaded at run time with dlopen from libcuda.so.1 and
// libnvidia-encode.so.1 (never linked, so a gearbox build runs on machines without NVIDIA
// drivers). Every vendor call in gearbox goes through this table.
//
// Where the libraries come from is the caller's to say (NvidiaRuntime::load): the system's
// library search path, or one directory and only that one. The simulated runtime
// (backends/nvenc/simulation/) is built into such a directory and is never on the default search
// path, so it cannot shadow a real driver by accident; a loaded runtime that exports
// `gearbox_nvidia_simulation` is reported as a simulation everywhere.
#pragma once

#include <ffnvcodec/dynlink_cuda.h>
#include <ffnvcodec/nvEncodeAPI.h>

#include <functional>
#include <memory>
#include <string>

#include "gearbox/error.h"

namespace gearbox::nvenc {

// Driver API entry points that nv-codec-headers' dynlink_cuda.h does not declare.
typedef CUresult CUDAAPI tcuDriverGetVersion(int* version);
typedef CUresult CUDAAPI tcuMemAllocHost_v2(void** pp, size_t bytesize);
typedef CUresult CUDAAPI tcuMemFreeHost(void* p);

struct CudaApi {
  tcuInit* cuInit;
  tcuDriverGetVersion* cuDriverGetVersion;
  tcuDeviceGetCount* cuDeviceGetCount;
  tcuDeviceGet* cuDeviceGet;
  tcuDeviceGetName* cuDeviceGetName;
  tcuDeviceGetAttribute* cuDeviceGetAttribute;
  tcuDevicePrimaryCtxRetain* cuDevicePrimaryCtxRetain;
  tcuDevicePrimaryCtxRelease* cuDevicePrimaryCtxRelease;
  tcuCtxPushCurrent_v2* cuCtxPushCurrent;
  tcuCtxPopCurrent_v2* cuCtxPopCurrent;
  tcuMemAlloc_v2* cuMemAlloc;
  tcuMemAllocPitch_v2* cuMemAllocPitch;
  tcuMemFree_v2* cuMemFree;
  tcuMemAllocHost_v2* cuMemAllocHost;
  tcuMemFreeHost* cuMemFreeHost;
  tcuMemcpyHtoDAsync_v2* cuMemcpyHtoDAsync;
  tcuMemcpy2DAsync_v2* cuMemcpy2DAsync;
  tcuMemcpyDtoH_v2* cuMemcpyDtoH;
  tcuStreamCreate* cuStreamCreate;
  tcuStreamSynchronize* cuStreamSynchronize;
  tcuStreamDestroy_v2* cuStreamDestroy;
  tcuModuleLoadData* cuModuleLoadData;
  tcuModuleUnload* cuModuleUnload;
  tcuModuleGetFunction* cuModuleGetFunction;
  tcuLaunchKernel* cuLaunchKernel;
  tcuGetErrorName* cuGetErrorName;
  tcuGetErrorString* cuGetErrorString;
};

typedef NVENCSTATUS NVENCAPI tNvEncodeAPIGetMaxSupportedVersion(uint32_t* version);
typedef NVENCSTATUS NVENCAPI tNvEncodeAPICreateInstance(NV_ENCODE_API_FUNCTION_LIST* list);

class NvidiaRuntime {
 public:
  // Loads both libraries from `directory` (only there; empty: the system's library search
  // path), every symbol, and the NVENC function list, and checks that the driver supports the
  // NVENC API version gearbox is built for. Fails with a typed, explained error
  // (nvenc_status.h): no driver, driver too old.
  static Result<std::shared_ptr<NvidiaRuntime>> load(const std::string& directory);

  CudaApi cu{};
  NV_ENCODE_API_FUNCTION_LIST nvenc{};
  bool simulated = false;          // the libraries are gearbox's simulation, not NVIDIA's driver
  std::string origin;              // where the libraries came from (a directory, or "system")
  uint32_t nvenc_max_version = 0;  // driver's NVENC API, major << 4 | minor
  int cuda_driver_version = 0;     // e.g. 12040
  // The loaded libcuda.so.1 (a dlopen handle, never closed), for what it exports beyond the
  // driver API: the simulation's control and inspection functions (simulation/simulation.h).
  void* cuda_library = nullptr;

  // "CUDA_ERROR_X (text)" for a CUDA driver result.
  std::string cuda_error(CUresult result) const;
  // Label used in every message: "NVIDIA driver" or "SIMULATED NVIDIA runtime".
  const char* label() const {
    return simulated ? "SIMULATED NVIDIA runtime (gearbox simulation)" : "NVIDIA driver";
  }
};

// Where a backend gets its runtime: asked at every probe and device open, so that a driver
// installed later is seen at once (once loaded, dlopen only hands back the same handles).
using NvidiaRuntimeLoader = std::function<Result<std::shared_ptr<NvidiaRuntime>>()>;
// NvidiaRuntime::load(directory), as a loader.
NvidiaRuntimeLoader runtime_from(std::string directory);

// Pushes a CUDA context on the calling thread for a scope (CUDA contexts are per thread, and
// the engine calls the device from the push, scaler and encoder threads).
class ScopedContext {
 public:
  ScopedContext(const CudaApi& cu, CUcontext context);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;
  CUresult result() const { return result_; }

 private:
  const CudaApi& cu_;
  CUresult result_;
};

}  // namespace gearbox::nvenc
