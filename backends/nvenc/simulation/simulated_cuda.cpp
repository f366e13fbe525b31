// The SIMULATED libcuda.so.1 (see simulation.h): the CUDA driver API entry points gearbox
// uses, checked as NVIDIA documents them, with device memory kept in host memory.
#include <ffnvcodec/dynlink_cuda.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "nv12_reference.h"
#include "simulation.h"

namespace gearbox::nvidia_simulation {
namespace {

// What to simulate: from the environment when the library is loaded (CLI runs), replaced by
// gearbox_nvidia_simulation_configure (tests, through the runtime that loaded the library).
struct Settings {
  std::mutex mutex;
  std::string failures;
  bool strict = false;
};

Settings& settings() {
  static Settings* s = [] {
    auto* fresh =
        new Settings();  // never destroyed: read by the exit check and other libraries' destructors
    const char* failures = std::getenv("GEARBOX_SIM_NVIDIA_FAIL");
    const char* strict = std::getenv("GEARBOX_SIM_NVIDIA_STRICT");
    fresh->failures = failures ? failures : "";
    fresh->strict = strict && std::strcmp(strict, "1") == 0;
    return fresh;
  }();
  return *s;
}

}  // namespace

bool failure_requested(const char* name, std::string* value) {
  std::string failures;
  {
    std::lock_guard<std::mutex> lock(settings().mutex);
    failures = settings().failures;
  }
  if (failures.empty()) return false;
  const std::string list = "," + failures + ",";
  const std::string key = std::string(",") + name;
  size_t at = list.find(key);
  while (at != std::string::npos) {
    const char next = list[at + key.size()];
    if (next == ',' || next == ':') {
      if (value) {
        value->clear();
        if (next == ':')
          *value = list.substr(at + key.size() + 1, list.find(',', at + 1) - at - key.size() - 1);
      }
      return true;
    }
    at = list.find(key, at + 1);
  }
  return false;
}

}  // namespace gearbox::nvidia_simulation

// The handle types dynlink_cuda.h declares, defined by this simulation.
struct CUctx_st {
  int retained = 0;
};
struct CUstream_st {
  int id;
};
struct CUmod_st {
  std::set<std::string> entries;
};
struct CUfunc_st {
  std::string name;
};

namespace {

namespace k = gearbox::nvenc_kernels;

// cuda.h's values for the results this simulation returns.
constexpr int kInvalidValue = 1, kNotInitialized = 3, kNoDevice = 100, kInvalidImage = 200,
              kInvalidContext = 201, kInvalidHandle = 400, kNotFound = 500, kIllegalAddress = 700;

// Device addresses start here: a range no host allocation uses on x86-64 Linux, so a host
// dereference of a device pointer faults, as it would with a real GPU.
constexpr unsigned long long kDeviceBase = 0x100000000000ull;

struct Allocation {
  std::unique_ptr<uint8_t[]> bytes;
  size_t size;
};

struct State {
  std::mutex mutex;
  bool initialised = false;
  CUctx_st primary;
  std::map<unsigned long long, Allocation> device;  // by base address
  unsigned long long next_address = kDeviceBase;
  std::set<void*> pinned;
  std::set<CUstream_st*> streams;
  std::set<CUmod_st*> modules;
  std::vector<std::unique_ptr<CUfunc_st>> functions;
  std::atomic<int> violations{0};
  std::string last_violation;
};

State& state() {
  static State* s = new State();  // never destroyed: other libraries' destructors may still call in
  return *s;
}

thread_local std::vector<CUcontext> current_contexts;

CUresult violation(int code, const std::string& message) {
  gearbox_sim_violation(message.c_str());
  return static_cast<CUresult>(code);
}

CUresult check_context(const char* call) {
  if (!state().initialised) return violation(kNotInitialized, std::string(call) + " before cuInit");
  if (current_contexts.empty() || current_contexts.back()->retained <= 0) {
    return violation(kInvalidContext, std::string(call) +
                                          " with no current CUDA context on this thread "
                                          "(cuCtxPushCurrent first)");
  }
  return CUDA_SUCCESS;
}

// Host view of a device range; the caller holds the state mutex.
uint8_t* span_locked(unsigned long long address, size_t bytes) {
  State& s = state();
  auto it = s.device.upper_bound(address);
  if (it == s.device.begin()) return nullptr;
  --it;
  const unsigned long long offset = address - it->first;
  if (offset > it->second.size || bytes > it->second.size - offset) return nullptr;
  return it->second.bytes.get() + offset;
}

// At process exit: reports violations, and in strict mode fails the process.
class Exit {
 public:
  ~Exit() {
    const int n = state().violations.load();
    if (n == 0) return;
    std::fprintf(stderr,
                 "gearbox NVIDIA simulation: %d violation(s) of the documented API in this "
                 "process; last: %s\n",
                 n, state().last_violation.c_str());
    auto& settings = gearbox::nvidia_simulation::settings();
    std::lock_guard<std::mutex> lock(settings.mutex);
    if (settings.strict) std::_Exit(70);
  }
} exit_check;

}  // namespace

extern "C" {

const char gearbox_nvidia_simulation[] = "gearbox SIMULATED NVIDIA runtime (no real GPU)";

void gearbox_sim_violation(const char* message) {
  State& s = state();
  {
    static std::mutex m;
    std::lock_guard<std::mutex> lock(m);
    s.last_violation = message;
  }
  ++s.violations;
  std::fprintf(stderr, "gearbox NVIDIA simulation: violation: %s\n", message);
}

void gearbox_nvidia_simulation_configure(const char* failures, int strict) {
  auto& settings = gearbox::nvidia_simulation::settings();
  std::lock_guard<std::mutex> lock(settings.mutex);
  settings.failures = failures ? failures : "";
  settings.strict = strict != 0;
}

int gearbox_sim_violation_count(void) {
  return state().violations.load();
}
const char* gearbox_sim_last_violation(void) {
  return state().last_violation.c_str();
}

uint8_t* gearbox_sim_device_span(unsigned long long address, size_t bytes, const char* what) {
  State& s = state();
  std::unique_lock<std::mutex> lock(s.mutex);
  uint8_t* p = span_locked(address, bytes);
  lock.unlock();
  if (!p) {
    char text[256];
    std::snprintf(text, sizeof text,
                  "%s: device range 0x%llx + %zu bytes is outside every allocation", what, address,
                  bytes);
    gearbox_sim_violation(text);
  }
  return p;
}

int gearbox_sim_is_context(void* context) {
  return context == &state().primary && state().primary.retained > 0;
}

CUresult cuInit(unsigned int flags) {
  if (flags != 0) return violation(kInvalidValue, "cuInit: Flags must be 0");
  if (gearbox::nvidia_simulation::failure_requested("no_cuda_device"))
    return static_cast<CUresult>(kNoDevice);
  state().initialised = true;
  return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* version) {
  if (!version) return static_cast<CUresult>(kInvalidValue);
  *version = 12040;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* count) {
  if (!state().initialised) return violation(kNotInitialized, "cuDeviceGetCount before cuInit");
  if (!count) return static_cast<CUresult>(kInvalidValue);
  *count = 1;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* device, int ordinal) {
  if (!state().initialised) return violation(kNotInitialized, "cuDeviceGet before cuInit");
  if (!device || ordinal != 0) return static_cast<CUresult>(kInvalidValue);
  *device = 0;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int len, CUdevice device) {
  if (!name || len <= 0 || device != 0) return static_cast<CUresult>(kInvalidValue);
  std::snprintf(name, static_cast<size_t>(len), "%s", "gearbox SIMULATED GPU (no real hardware)");
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* value, CUdevice_attribute, CUdevice device) {
  if (!value || device != 0) return static_cast<CUresult>(kInvalidValue);
  *value = 0;
  return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice device) {
  if (!state().initialised)
    return violation(kNotInitialized, "cuDevicePrimaryCtxRetain before cuInit");
  if (!context || device != 0) return static_cast<CUresult>(kInvalidValue);
  std::lock_guard<std::mutex> lock(state().mutex);
  ++state().primary.retained;
  *context = &state().primary;
  return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease(CUdevice device) {
  if (device != 0) return static_cast<CUresult>(kInvalidValue);
  std::lock_guard<std::mutex> lock(state().mutex);
  if (state().primary.retained <= 0)
    return violation(kInvalidContext, "cuDevicePrimaryCtxRelease without a retain");
  --state().primary.retained;
  return CUDA_SUCCESS;
}

CUresult cuCtxPushCurrent_v2(CUcontext context) {
  if (context != &state().primary || state().primary.retained <= 0) {
    return violation(kInvalidContext, "cuCtxPushCurrent: not a retained context");
  }
  current_contexts.push_back(context);
  return CUDA_SUCCESS;
}

CUresult cuCtxPopCurrent_v2(CUcontext* context) {
  if (current_contexts.empty())
    return violation(kInvalidContext, "cuCtxPopCurrent with no current context");
  if (context) *context = current_contexts.back();
  current_contexts.pop_back();
  return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr* ptr, size_t bytes) {
  if (CUresult r = check_context("cuMemAlloc")) return r;
  if (!ptr || bytes == 0) return static_cast<CUresult>(kInvalidValue);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  *ptr = s.next_address;
  s.device[s.next_address] = Allocation{std::make_unique<uint8_t[]>(bytes), bytes};
  s.next_address +=
      (bytes + 0xFFFF) & ~static_cast<size_t>(0xFFFF);  // 64 KiB apart, like real allocations
  return CUDA_SUCCESS;
}

CUresult cuMemAllocPitch_v2(CUdeviceptr* ptr,
                            size_t* pitch,
                            size_t width,
                            size_t height,
                            unsigned int element) {
  if (CUresult r = check_context("cuMemAllocPitch")) return r;
  if (element != 4 && element != 8 && element != 16) {
    return violation(kInvalidValue, "cuMemAllocPitch: ElementSizeBytes must be 4, 8 or 16");
  }
  if (!pitch || width == 0 || height == 0) return static_cast<CUresult>(kInvalidValue);
  *pitch = (width + 511) & ~static_cast<size_t>(511);  // real GPUs align pitches to 512 bytes
  return cuMemAlloc_v2(ptr, *pitch * height);
}

CUresult cuMemFree_v2(CUdeviceptr ptr) {
  if (CUresult r = check_context("cuMemFree")) return r;
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.device.erase(ptr) == 0)
    return violation(kInvalidValue,
                     "cuMemFree of a pointer that is not an allocation (double free?)");
  return CUDA_SUCCESS;
}

CUresult cuMemAllocHost_v2(void** pp, size_t bytes) {
  if (CUresult r = check_context("cuMemAllocHost")) return r;
  if (!pp || bytes == 0) return static_cast<CUresult>(kInvalidValue);
  *pp = std::malloc(bytes);
  std::lock_guard<std::mutex> lock(state().mutex);
  state().pinned.insert(*pp);
  return CUDA_SUCCESS;
}

CUresult cuMemFreeHost(void* p) {
  if (CUresult r = check_context("cuMemFreeHost")) return r;
  std::lock_guard<std::mutex> lock(state().mutex);
  if (state().pinned.erase(p) == 0)
    return violation(kInvalidValue, "cuMemFreeHost of memory not from cuMemAllocHost");
  std::free(p);
  return CUDA_SUCCESS;
}

bool known_stream(CUstream stream) {
  std::lock_guard<std::mutex> lock(state().mutex);
  return stream == nullptr || state().streams.count(stream) > 0;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, CUstream stream) {
  if (CUresult r = check_context("cuMemcpyHtoDAsync")) return r;
  if (!known_stream(stream)) return violation(kInvalidHandle, "cuMemcpyHtoDAsync: unknown stream");
  uint8_t* d = gearbox_sim_device_span(dst, bytes, "cuMemcpyHtoDAsync destination");
  if (!d || !src) return static_cast<CUresult>(kInvalidValue);
  std::memcpy(d, src, bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes) {
  if (CUresult r = check_context("cuMemcpyDtoH")) return r;
  const uint8_t* s = gearbox_sim_device_span(src, bytes, "cuMemcpyDtoH source");
  if (!s || !dst) return static_cast<CUresult>(kInvalidValue);
  std::memcpy(dst, s, bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D* c, CUstream stream) {
  if (CUresult r = check_context("cuMemcpy2DAsync")) return r;
  if (!known_stream(stream)) return violation(kInvalidHandle, "cuMemcpy2DAsync: unknown stream");
  if (!c) return static_cast<CUresult>(kInvalidValue);
  if (c->srcPitch < c->WidthInBytes + c->srcXInBytes ||
      c->dstPitch < c->WidthInBytes + c->dstXInBytes) {
    return violation(kInvalidValue, "cuMemcpy2DAsync: a pitch is smaller than WidthInBytes");
  }
  const size_t src_span =
      k::span_bytes(static_cast<int>(c->srcPitch), static_cast<int>(c->WidthInBytes),
                    static_cast<int>(c->Height));
  const size_t dst_span =
      k::span_bytes(static_cast<int>(c->dstPitch), static_cast<int>(c->WidthInBytes),
                    static_cast<int>(c->Height));
  const uint8_t* src = nullptr;
  uint8_t* dst = nullptr;
  if (c->srcMemoryType == CU_MEMORYTYPE_HOST)
    src = static_cast<const uint8_t*>(c->srcHost);
  else if (c->srcMemoryType == CU_MEMORYTYPE_DEVICE)
    src = gearbox_sim_device_span(c->srcDevice, src_span, "cuMemcpy2DAsync source");
  else
    return violation(kInvalidValue,
                     "cuMemcpy2DAsync: simulation supports host and device memory only");
  if (c->dstMemoryType == CU_MEMORYTYPE_HOST)
    dst = static_cast<uint8_t*>(c->dstHost);
  else if (c->dstMemoryType == CU_MEMORYTYPE_DEVICE)
    dst = gearbox_sim_device_span(c->dstDevice, dst_span, "cuMemcpy2DAsync destination");
  else
    return violation(kInvalidValue,
                     "cuMemcpy2DAsync: simulation supports host and device memory only");
  if (!src || !dst) return static_cast<CUresult>(kInvalidValue);
  for (size_t y = 0; y < c->Height; ++y) {
    std::memcpy(dst + (c->dstY + y) * c->dstPitch + c->dstXInBytes,
                src + (c->srcY + y) * c->srcPitch + c->srcXInBytes, c->WidthInBytes);
  }
  return CUDA_SUCCESS;
}

CUresult cuStreamCreate(CUstream* stream, unsigned int flags) {
  if (CUresult r = check_context("cuStreamCreate")) return r;
  if (!stream || flags > 1) return static_cast<CUresult>(kInvalidValue);
  static std::atomic<int> ids{1};
  *stream = new CUstream_st{ids++};
  std::lock_guard<std::mutex> lock(state().mutex);
  state().streams.insert(*stream);
  return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(CUstream stream) {
  if (CUresult r = check_context("cuStreamSynchronize")) return r;
  if (!known_stream(stream))
    return violation(kInvalidHandle, "cuStreamSynchronize: unknown stream");
  // A kernel that faulted is reported by the next synchronisation, as on a real GPU.
  if (gearbox::nvidia_simulation::failure_requested("cuda_lost"))
    return static_cast<CUresult>(kIllegalAddress);
  // Work runs when it is enqueued: a stream is always idle.
  return CUDA_SUCCESS;
}

CUresult cuStreamDestroy_v2(CUstream stream) {
  if (CUresult r = check_context("cuStreamDestroy")) return r;
  std::lock_guard<std::mutex> lock(state().mutex);
  if (state().streams.erase(stream) == 0)
    return violation(kInvalidHandle, "cuStreamDestroy: unknown stream");
  delete stream;
  return CUDA_SUCCESS;
}

// PTX text: the module's kernels are its ".entry" names.
CUresult cuModuleLoadData(CUmodule* module, const void* image) {
  if (CUresult r = check_context("cuModuleLoadData")) return r;
  if (!module || !image) return static_cast<CUresult>(kInvalidValue);
  const std::string ptx(static_cast<const char*>(image));
  if (ptx.find(".version") == std::string::npos || ptx.find(".target") == std::string::npos) {
    return violation(kInvalidImage,
                     "cuModuleLoadData: the image is not PTX text (.version/.target missing)");
  }
  auto* m = new CUmod_st();
  for (size_t at = ptx.find(".entry "); at != std::string::npos; at = ptx.find(".entry ", at + 1)) {
    const size_t begin = at + 7, end = ptx.find_first_of("( \n", begin);
    m->entries.insert(ptx.substr(begin, end - begin));
  }
  std::lock_guard<std::mutex> lock(state().mutex);
  state().modules.insert(m);
  *module = m;
  return CUDA_SUCCESS;
}

CUresult cuModuleUnload(CUmodule module) {
  if (CUresult r = check_context("cuModuleUnload")) return r;
  std::lock_guard<std::mutex> lock(state().mutex);
  if (state().modules.erase(module) == 0)
    return violation(kInvalidHandle, "cuModuleUnload: unknown module");
  delete module;
  return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name) {
  if (CUresult r = check_context("cuModuleGetFunction")) return r;
  std::lock_guard<std::mutex> lock(state().mutex);
  if (!function || !name || state().modules.count(module) == 0)
    return static_cast<CUresult>(kInvalidValue);
  if (module->entries.count(name) == 0) return static_cast<CUresult>(kNotFound);
  state().functions.push_back(std::make_unique<CUfunc_st>(CUfunc_st{name}));
  *function = state().functions.back().get();
  return CUDA_SUCCESS;
}

CUresult launch_check(const char* name,
                      const k::WorkSize& work,
                      unsigned gx,
                      unsigned gy,
                      unsigned bx,
                      unsigned by) {
  if (static_cast<uint64_t>(gx) * bx < static_cast<uint64_t>(work.width) ||
      static_cast<uint64_t>(gy) * by < static_cast<uint64_t>(work.height)) {
    return violation(kInvalidValue,
                     std::string("cuLaunchKernel(") + name + "): the grid does not cover the work");
  }
  return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f,
                        unsigned int gx,
                        unsigned int gy,
                        unsigned int gz,
                        unsigned int bx,
                        unsigned int by,
                        unsigned int bz,
                        unsigned int shared,
                        CUstream stream,
                        void** params,
                        void** extra) {
  if (CUresult r = check_context("cuLaunchKernel")) return r;
  if (!known_stream(stream)) return violation(kInvalidHandle, "cuLaunchKernel: unknown stream");
  if (!f || !params || extra)
    return violation(kInvalidValue, "cuLaunchKernel: needs a function and kernelParams, not extra");
  if (static_cast<uint64_t>(bx) * by * bz > 1024 || gz != 1 || bz != 1 || shared != 0) {
    return violation(
        kInvalidValue,
        "cuLaunchKernel: block over 1024 threads, or a 3-D launch these kernels do not use");
  }
  const std::string& name = f->name;
  if (name == k::kPackedToNv12) {
    const auto& a = *static_cast<const k::PackedToNv12Args*>(params[0]);
    if (CUresult r = launch_check(k::kPackedToNv12, k::work_size(a), gx, gy, bx, by)) return r;
    const uint8_t* src = gearbox_sim_device_span(
        a.src, k::span_bytes(a.src_pitch, a.width * a.bytes_per_pixel, a.height),
        "gearbox_packed_to_nv12 src");
    uint8_t* y = gearbox_sim_device_span(a.y, k::span_bytes(a.y_pitch, a.width, a.height),
                                         "gearbox_packed_to_nv12 y");
    uint8_t* uv = gearbox_sim_device_span(a.uv, k::span_bytes(a.uv_pitch, a.width, a.height / 2),
                                          "gearbox_packed_to_nv12 uv");
    if (!src || !y || !uv) return static_cast<CUresult>(kInvalidValue);
    k::packed_to_nv12_reference(a, src, y, uv);
  } else if (name == k::kI420ToNv12) {
    const auto& a = *static_cast<const k::I420ToNv12Args*>(params[0]);
    if (CUresult r = launch_check(k::kI420ToNv12, k::work_size(a), gx, gy, bx, by)) return r;
    const uint8_t* u = gearbox_sim_device_span(
        a.u, k::span_bytes(a.u_pitch, a.chroma_width, a.chroma_height), "gearbox_i420_to_nv12 u");
    const uint8_t* v = gearbox_sim_device_span(
        a.v, k::span_bytes(a.v_pitch, a.chroma_width, a.chroma_height), "gearbox_i420_to_nv12 v");
    uint8_t* uv = gearbox_sim_device_span(
        a.uv, k::span_bytes(a.uv_pitch, a.chroma_width * 2, a.chroma_height),
        "gearbox_i420_to_nv12 uv");
    if (!u || !v || !uv) return static_cast<CUresult>(kInvalidValue);
    k::i420_to_nv12_reference(a, u, v, uv);
  } else if (name == k::kScaleArea) {
    const auto& a = *static_cast<const k::ScaleAreaArgs*>(params[0]);
    if (CUresult r = launch_check(k::kScaleArea, k::work_size(a), gx, gy, bx, by)) return r;
    const uint8_t* src = gearbox_sim_device_span(
        a.src, k::span_bytes(a.src_pitch, a.src_width * a.channels, a.src_height),
        "gearbox_scale_area src");
    uint8_t* dst = gearbox_sim_device_span(
        a.dst, k::span_bytes(a.dst_pitch, a.dst_width * a.channels, a.dst_height),
        "gearbox_scale_area dst");
    if (!src || !dst) return static_cast<CUresult>(kInvalidValue);
    k::scale_area_reference(a, src, dst);
  } else {
    return violation(kNotFound,
                     "cuLaunchKernel: the simulation has no CPU reference for kernel " + name);
  }
  return CUDA_SUCCESS;
}

CUresult cuGetErrorName(CUresult error, const char** text) {
  static const std::map<int, const char*> names = {{0, "CUDA_SUCCESS"},
                                                   {1, "CUDA_ERROR_INVALID_VALUE"},
                                                   {3, "CUDA_ERROR_NOT_INITIALIZED"},
                                                   {35, "CUDA_ERROR_INSUFFICIENT_DRIVER"},
                                                   {100, "CUDA_ERROR_NO_DEVICE"},
                                                   {200, "CUDA_ERROR_INVALID_IMAGE"},
                                                   {201, "CUDA_ERROR_INVALID_CONTEXT"},
                                                   {400, "CUDA_ERROR_INVALID_HANDLE"},
                                                   {500, "CUDA_ERROR_NOT_FOUND"},
                                                   {700, "CUDA_ERROR_ILLEGAL_ADDRESS"}};
  auto it = names.find(static_cast<int>(error));
  if (!text || it == names.end()) return static_cast<CUresult>(kInvalidValue);
  *text = it->second;
  return CUDA_SUCCESS;
}

CUresult cuGetErrorString(CUresult error, const char** text) {
  static const std::map<int, const char*> texts = {
      {0, "no error"},
      {1, "invalid argument"},
      {3, "initialization error"},
      {35, "CUDA driver version is insufficient for CUDA runtime version"},
      {100, "no CUDA-capable device is detected"},
      {200, "device kernel image is invalid"},
      {201, "invalid device context"},
      {400, "invalid resource handle"},
      {500, "named symbol not found"},
      {700, "an illegal memory access was encountered"}};
  auto it = texts.find(static_cast<int>(error));
  if (!text || it == texts.end()) return static_cast<CUresult>(kInvalidValue);
  *text = it->second;
  return CUDA_SUCCESS;
}

}  // extern "C"
