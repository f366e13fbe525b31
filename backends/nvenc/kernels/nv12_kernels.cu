// The NVENC backend's CUDA kernels. Built to PTX at configure/build time by clang's CUDA
// front end (no CUDA toolkit needed: -nocudainc -nocudalib) and embedded in the binary, which
// loads it with cuModuleLoadData. Each kernel only maps its thread to coordinates and calls
// the shared arithmetic in nv12_kernel_math.h, which the CPU references call too.
#define __global__ __attribute__((global))

#include "nv12_kernel_math.h"

using namespace gearbox::nvenc_kernels;

namespace {
__attribute__((device)) inline int thread_x() {
  return __nvvm_read_ptx_sreg_ctaid_x() * __nvvm_read_ptx_sreg_ntid_x() +
         __nvvm_read_ptx_sreg_tid_x();
}
__attribute__((device)) inline int thread_y() {
  return __nvvm_read_ptx_sreg_ctaid_y() * __nvvm_read_ptx_sreg_ntid_y() +
         __nvvm_read_ptx_sreg_tid_y();
}
template <class T>
__attribute__((device)) inline T* ptr(uint64_t address) {
  return reinterpret_cast<T*>(address);
}
}  // namespace

extern "C" __global__ void gearbox_packed_to_nv12(PackedToNv12Args a) {
  packed_to_nv12_block(a, ptr<const uint8_t>(a.src), ptr<uint8_t>(a.y), ptr<uint8_t>(a.uv),
                       thread_x(), thread_y());
}

extern "C" __global__ void gearbox_i420_to_nv12(I420ToNv12Args a) {
  i420_to_nv12_sample(a, ptr<const uint8_t>(a.u), ptr<const uint8_t>(a.v), ptr<uint8_t>(a.uv),
                      thread_x(), thread_y());
}

extern "C" __global__ void gearbox_scale_area(ScaleAreaArgs a) {
  scale_area_sample(a, ptr<const uint8_t>(a.src), ptr<uint8_t>(a.dst), thread_x(), thread_y());
}
