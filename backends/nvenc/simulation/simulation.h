// The SIMULATED NVIDIA runtime: stand-ins for libcuda.so.1 and libnvidia-encode.so.1 that
// let the whole NVENC path run in CI on machines without an NVIDIA GPU. It is a simulation,
// named so in every log line, device name and message: nothing it does is evidence about real
// hardware beyond "gearbox calls the API the way NVIDIA documents it".
//
// What it does:
//  - "device memory" is host memory at addresses the host cannot dereference (a reserved range),
//    so a host access to a device pointer crashes instead of silently working;
//  - every call is checked the way NVIDIA's documentation describes (struct versions, pitches
//    and sizes inside allocations, a current context, map/unmap and lock/unlock pairing, the
//    session lifecycle, session limits); a misuse is returned as the error code the real API
//    documents, logged as "violation", and counted;
//  - a kernel launch runs the CPU reference of the named kernel (kernels/nv12_reference.h)
//    after checking that the grid covers the work and every pointer stays inside its allocation;
//  - nvEncEncodePicture encodes with libx264 (real H.264), honouring NV_ENC_PIC_FLAG_FORCEIDR,
//    the GOP and IDR period it was given (so a client that leaves NVENC's GOP on gets NVENC's
//    IDRs), the bitrate and the VBV buffer.
//
// Settings, read from the environment when the library is loaded (so that the CLI can run on
// the simulation), then replaced by every gearbox_nvidia_simulation_configure() call (tests
// call it through the runtime that loaded the library, never through the environment):
//   GEARBOX_SIM_NVIDIA_FAIL   comma-separated failures to simulate: no_cuda_device, old_driver
//                             (NVENC API 11.0), no_encode_engine (NV_ENC_ERR_UNSUPPORTED_DEVICE,
//                             what GPUs without NVENC return), no_encode_device
//                             (NV_ENC_ERR_NO_ENCODE_DEVICE), session_limit:N, max_size:WxH,
//                             device_lost (nvEncEncodePicture returns NV_ENC_ERR_DEVICE_NOT_EXIST),
//                             cuda_lost (cuStreamSynchronize returns CUDA_ERROR_ILLEGAL_ADDRESS)
//   GEARBOX_SIM_NVIDIA_STRICT=1  exit with status 70 at process end if any violation happened
//
// This header is the private interface between the two stand-in libraries (the encode library
// reads "device memory" through the CUDA library) and the tests' control and inspection
// functions (exported by libcuda.so.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" {
// Marks a loaded libcuda.so.1 as this simulation (the backend checks for the symbol).
extern const char gearbox_nvidia_simulation[];
// Host view of [address, address + bytes) of one device allocation, or nullptr (a violation
// is recorded naming `what`).
uint8_t* gearbox_sim_device_span(unsigned long long address, size_t bytes, const char* what);
// Whether `context` is the simulated GPU's primary context and is retained.
int gearbox_sim_is_context(void* context);
// Records a violation: logs it and counts it.
void gearbox_sim_violation(const char* message);
// For tests: the failures to simulate (the GEARBOX_SIM_NVIDIA_FAIL syntax; "" or nullptr for
// none) and strict mode (non-zero: as GEARBOX_SIM_NVIDIA_STRICT=1), both replaced.
void gearbox_nvidia_simulation_configure(const char* failures, int strict);
// For tests: violations so far, and the text of the last one.
int gearbox_sim_violation_count(void);
const char* gearbox_sim_last_violation(void);
}

namespace gearbox::nvidia_simulation {

// Whether failure `name` is to be simulated, and its value ("" when given without one).
bool failure_requested(const char* name, std::string* value = nullptr);

}  // namespace gearbox::nvidia_simulation
