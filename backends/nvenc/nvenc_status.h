// NVENC's failures, typed and explained. Every message carries the vendor call, NVENC's status
// name and its documented meaning, and what it means for the user: which machine state it is
// (no driver, old driver, a GPU without NVENC engines, the consumer session cap, a lost GPU, an
// unsupported size or mode) and what to do about it. `gearbox probe` prints these messages as
// they are. Each failure has the ErrorCode that selection and fallback act on (code_of()).
#pragma once

#include <ffnvcodec/nvEncodeAPI.h>

#include <cstdint>
#include <string>

#include "gearbox/error.h"

namespace gearbox::nvenc {

enum class Failure {
  kNoDriver,        // libcuda.so.1 / libnvidia-encode.so.1 cannot be loaded
  kDriverTooOld,    // the driver's NVENC API is older than the headers gearbox is built with
  kNoCudaDevice,    // the driver loads but reports no usable CUDA GPU
  kNoEncodeEngine,  // a GPU without NVENC engines (A100, H100, H200, some mining boards)
  kSessionLimit,    // the driver's cap on concurrent encode sessions (GeForce / consumer GPUs)
  kDeviceLost,  // the GPU or its context is gone (reset, Xid error, unplugged): nothing on it works
  kUnsupported,  // a size, codec or rate-control mode this GPU's NVENC does not offer
  kNoKernels,    // this gearbox build carries no CUDA kernels (no PTX compiler at build time)
  kVendor,       // any other failed vendor call
};

// The short title each failure starts with, e.g. "GPU without NVENC engines".
const char* title(Failure failure);
// kOutOfSessions for the session cap, kDeviceLost, kUnsupported, kBackendFailure for any other
// vendor failure, kUnavailable for the machine states (no driver, GPU or engine, old driver).
ErrorCode code_of(Failure failure);

// "NV_ENC_ERR_OUT_OF_MEMORY" and NVENC's documented meaning of a status.
const char* status_name(NVENCSTATUS status);
const char* status_text(NVENCSTATUS status);

// "12.1" from NVENC's major << 4 | minor.
std::string api_version_text(uint32_t version);

// "<title>: <message>".
Error failure(Failure failure, const std::string& message);
// "<title>: <call> returned <NAME> (<code>: <documented text>)[; <detail>]
// <explanation of what this failure means here>".
Error failure(Failure failure,
              const std::string& call,
              NVENCSTATUS status,
              const std::string& detail);

// What a failed nvEncOpenEncodeSessionEx means: no engine, the session cap, a lost GPU, an old
// driver, or a vendor error.
Failure classify_open_session(NVENCSTATUS status);
// What a failed call other than the session open means: kDeviceLost for
// NV_ENC_ERR_DEVICE_NOT_EXIST whatever the call, else `otherwise`.
Failure classify(NVENCSTATUS status, Failure otherwise);
// What a failed CUDA call means: kDeviceLost for the errors after which the context is unusable
// (CUDA documents them as leaving "the process in an inconsistent state": illegal address,
// launch failure or timeout, hardware and ECC errors, a destroyed context, a deinitialised
// driver), else kVendor. `result` is the CUresult.
Failure classify_cuda(int result);

}  // namespace gearbox::nvenc
