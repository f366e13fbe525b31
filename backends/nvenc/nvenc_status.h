// NVENC's failures, typed and explained. Every message carries the vendor call, NVENC's status
// name and its documented meaning, and what it means for the user: which machine state it is
// (no driver, old driver, a GPU without NVENC engines, the consumer session cap, an unsupported
// size or mode) and what to do about it. `gearbox probe` prints these messages as they are.
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
  kUnsupported,     // a size, codec or rate-control mode this GPU's NVENC does not offer
  kNoKernels,       // this gearbox build carries no CUDA kernels (no PTX compiler at build time)
  kVendor,          // any other failed vendor call
};

// The short title each failure starts with, e.g. "GPU without NVENC engines".
const char* title(Failure failure);

// "NV_ENC_ERR_OUT_OF_MEMORY" and NVENC's documented meaning of a status.
const char* status_name(NVENCSTATUS status);
const char* status_text(NVENCSTATUS status);

// "12.1" from NVENC's major << 4 | minor.
std::string api_version_text(uint32_t version);

// "<title>: <message>".
Error failure(Failure failure, const std::string& message);
// "<title>: <call> returned <NAME> (<code>: <documented text>)[; <detail>]
// <explanation of what this failure means here>".
Error failure(Failure failure, const std::string& call, NVENCSTATUS status, const std::string& detail);

// What a failed nvEncOpenEncodeSessionEx means: no engine, the session cap, or a vendor error.
Failure classify_open_session(NVENCSTATUS status);

}  // namespace gearbox::nvenc
