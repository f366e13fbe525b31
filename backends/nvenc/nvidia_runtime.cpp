#include "nvidia_runtime.h"

#include <dlfcn.h>

#include "nvenc_status.h"

namespace gearbox::nvenc {
namespace {

struct Library {
  void* handle = nullptr;
  std::string error;
};

Library open_library(const std::string& dir, const char* name) {
  const std::string path = dir.empty() ? name : dir + "/" + name;
  Library lib;
  // RTLD_LOCAL: the driver's symbols stay out of the global namespace.
  lib.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib.handle) {
    const char* e = dlerror();
    lib.error = e ? e : path + ": not found";
  }
  return lib;
}

template <class F>
bool bind(void* lib, const char* symbol, F*& out, std::string& missing) {
  out = reinterpret_cast<F*>(dlsym(lib, symbol));
  if (!out) missing += (missing.empty() ? "" : ", ") + std::string(symbol);
  return out != nullptr;
}

Result<std::shared_ptr<NvidiaRuntime>> load_from(const std::string& dir) {
  const std::string where = dir.empty() ? "the system library path" : "the directory " + dir;
  Library cuda = open_library(dir, "libcuda.so.1");
  if (!cuda.handle) {
    return failure(Failure::kNoDriver,
                   "dlopen libcuda.so.1 from " + where + " failed (" + cuda.error +
                       "): no NVIDIA driver is installed, or it is not on the library path");
  }
  Library enc = open_library(dir, "libnvidia-encode.so.1");
  if (!enc.handle) {
    return failure(Failure::kNoDriver,
                   "dlopen libnvidia-encode.so.1 from " + where + " failed (" + enc.error +
                       "): the NVIDIA driver's encode library is missing (on Debian/Ubuntu it is "
                       "libnvidia-encode1 / libnvidia-encode-<version>; containers need "
                       "NVIDIA_DRIVER_CAPABILITIES to include \"video\")");
  }
  auto rt = std::make_shared<NvidiaRuntime>();
  rt->origin = dir.empty() ? "system" : dir;
  rt->cuda_library = cuda.handle;
  rt->simulated = dlsym(cuda.handle, "gearbox_nvidia_simulation") != nullptr;
  CudaApi& c = rt->cu;
  std::string missing;
  bind(cuda.handle, "cuInit", c.cuInit, missing);
  bind(cuda.handle, "cuDriverGetVersion", c.cuDriverGetVersion, missing);
  bind(cuda.handle, "cuDeviceGetCount", c.cuDeviceGetCount, missing);
  bind(cuda.handle, "cuDeviceGet", c.cuDeviceGet, missing);
  bind(cuda.handle, "cuDeviceGetName", c.cuDeviceGetName, missing);
  bind(cuda.handle, "cuDeviceGetAttribute", c.cuDeviceGetAttribute, missing);
  bind(cuda.handle, "cuDevicePrimaryCtxRetain", c.cuDevicePrimaryCtxRetain, missing);
  bind(cuda.handle, "cuDevicePrimaryCtxRelease", c.cuDevicePrimaryCtxRelease, missing);
  bind(cuda.handle, "cuCtxPushCurrent_v2", c.cuCtxPushCurrent, missing);
  bind(cuda.handle, "cuCtxPopCurrent_v2", c.cuCtxPopCurrent, missing);
  bind(cuda.handle, "cuMemAlloc_v2", c.cuMemAlloc, missing);
  bind(cuda.handle, "cuMemAllocPitch_v2", c.cuMemAllocPitch, missing);
  bind(cuda.handle, "cuMemFree_v2", c.cuMemFree, missing);
  bind(cuda.handle, "cuMemAllocHost_v2", c.cuMemAllocHost, missing);
  bind(cuda.handle, "cuMemFreeHost", c.cuMemFreeHost, missing);
  bind(cuda.handle, "cuMemcpyHtoDAsync_v2", c.cuMemcpyHtoDAsync, missing);
  bind(cuda.handle, "cuMemcpy2DAsync_v2", c.cuMemcpy2DAsync, missing);
  bind(cuda.handle, "cuMemcpyDtoH_v2", c.cuMemcpyDtoH, missing);
  bind(cuda.handle, "cuStreamCreate", c.cuStreamCreate, missing);
  bind(cuda.handle, "cuStreamSynchronize", c.cuStreamSynchronize, missing);
  bind(cuda.handle, "cuStreamDestroy_v2", c.cuStreamDestroy, missing);
  bind(cuda.handle, "cuModuleLoadData", c.cuModuleLoadData, missing);
  bind(cuda.handle, "cuModuleUnload", c.cuModuleUnload, missing);
  bind(cuda.handle, "cuModuleGetFunction", c.cuModuleGetFunction, missing);
  bind(cuda.handle, "cuLaunchKernel", c.cuLaunchKernel, missing);
  bind(cuda.handle, "cuGetErrorName", c.cuGetErrorName, missing);
  bind(cuda.handle, "cuGetErrorString", c.cuGetErrorString, missing);
  tNvEncodeAPIGetMaxSupportedVersion* max_version = nullptr;
  tNvEncodeAPICreateInstance* create_instance = nullptr;
  bind(enc.handle, "NvEncodeAPIGetMaxSupportedVersion", max_version, missing);
  bind(enc.handle, "NvEncodeAPICreateInstance", create_instance, missing);
  if (!missing.empty()) {
    return failure(Failure::kDriverTooOld, std::string(rt->label()) + " in " + rt->origin +
                                               " lacks " + missing +
                                               ": the driver is too old for gearbox");
  }
  // The handles are never dlclosed: drivers do not support being unloaded.

  // The driver must support the NVENC API version these headers define (the API is binary
  // backward compatible: a newer driver runs an older client, never the reverse).
  NVENCSTATUS s = max_version(&rt->nvenc_max_version);
  if (s != NV_ENC_SUCCESS) {
    return failure(Failure::kVendor, "NvEncodeAPIGetMaxSupportedVersion", s, "");
  }
  const uint32_t built = (NVENCAPI_MAJOR_VERSION << 4) | NVENCAPI_MINOR_VERSION;
  if (rt->nvenc_max_version < built) {
    return failure(
        Failure::kDriverTooOld,
        std::string(rt->label()) + " supports NVENC API " +
            api_version_text(rt->nvenc_max_version) + " but gearbox is built for " +
            api_version_text(built) + " (nv-codec-headers " +
            std::to_string(NVENCAPI_MAJOR_VERSION) + "." + std::to_string(NVENCAPI_MINOR_VERSION) +
            "): update the NVIDIA driver (NVENC API 11.1 needs 470.57 or newer on Linux)");
  }
  rt->nvenc.version = NV_ENCODE_API_FUNCTION_LIST_VER;
  s = create_instance(&rt->nvenc);
  if (s != NV_ENC_SUCCESS) return failure(Failure::kVendor, "NvEncodeAPICreateInstance", s, "");
  return rt;
}

}  // namespace

Result<std::shared_ptr<NvidiaRuntime>> NvidiaRuntime::load(const std::string& directory) {
  // Not cached: once loaded, dlopen only hands back the same handles, and the version check
  // is cheap; a driver installed later is seen at once.
  return load_from(directory);
}

NvidiaRuntimeLoader runtime_from(std::string directory) {
  return [directory = std::move(directory)] { return NvidiaRuntime::load(directory); };
}

std::string NvidiaRuntime::cuda_error(CUresult result) const {
  const char* name = nullptr;
  const char* text = nullptr;
  if (cu.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name) name = "CUDA_ERROR_?";
  if (cu.cuGetErrorString(result, &text) != CUDA_SUCCESS || !text) text = "no description";
  return std::string(name) + " (" + std::to_string(static_cast<int>(result)) + ": " + text + ")";
}

ScopedContext::ScopedContext(const CudaApi& cu, CUcontext context)
    : cu_(cu), result_(cu.cuCtxPushCurrent(context)) {}

ScopedContext::~ScopedContext() {
  if (result_ != CUDA_SUCCESS) return;
  CUcontext popped = nullptr;
  cu_.cuCtxPopCurrent(&popped);
}

}  // namespace gearbox::nvenc
