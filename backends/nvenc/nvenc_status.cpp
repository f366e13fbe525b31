#include "nvenc_status.h"

namespace gearbox::nvenc {
namespace {

struct StatusInfo {
  NVENCSTATUS status;
  const char* name;
  const char* text;  // NVENC's documented meaning (nvEncodeAPI.h), shortened
};

const StatusInfo kStatuses[] = {
    {NV_ENC_SUCCESS, "NV_ENC_SUCCESS", "no error"},
    {NV_ENC_ERR_NO_ENCODE_DEVICE, "NV_ENC_ERR_NO_ENCODE_DEVICE",
     "no encode capable device was detected"},
    {NV_ENC_ERR_UNSUPPORTED_DEVICE, "NV_ENC_ERR_UNSUPPORTED_DEVICE",
     "the device passed is not supported"},
    {NV_ENC_ERR_INVALID_ENCODERDEVICE, "NV_ENC_ERR_INVALID_ENCODERDEVICE",
     "the encoder device supplied is not valid"},
    {NV_ENC_ERR_INVALID_DEVICE, "NV_ENC_ERR_INVALID_DEVICE",
     "the device passed to the call is invalid"},
    {NV_ENC_ERR_DEVICE_NOT_EXIST, "NV_ENC_ERR_DEVICE_NOT_EXIST",
     "the device is no longer available and must be reinitialised"},
    {NV_ENC_ERR_INVALID_PTR, "NV_ENC_ERR_INVALID_PTR", "one or more pointers passed are invalid"},
    {NV_ENC_ERR_INVALID_EVENT, "NV_ENC_ERR_INVALID_EVENT", "the completion event is invalid"},
    {NV_ENC_ERR_INVALID_PARAM, "NV_ENC_ERR_INVALID_PARAM", "one or more parameters are invalid"},
    {NV_ENC_ERR_INVALID_CALL, "NV_ENC_ERR_INVALID_CALL", "the call was made in the wrong sequence"},
    {NV_ENC_ERR_OUT_OF_MEMORY, "NV_ENC_ERR_OUT_OF_MEMORY", "out of memory"},
    {NV_ENC_ERR_ENCODER_NOT_INITIALIZED, "NV_ENC_ERR_ENCODER_NOT_INITIALIZED",
     "the encoder is not initialised"},
    {NV_ENC_ERR_UNSUPPORTED_PARAM, "NV_ENC_ERR_UNSUPPORTED_PARAM",
     "an unsupported parameter was passed"},
    {NV_ENC_ERR_LOCK_BUSY, "NV_ENC_ERR_LOCK_BUSY",
     "the output buffer is not ready yet (non-blocking lock)"},
    {NV_ENC_ERR_NOT_ENOUGH_BUFFER, "NV_ENC_ERR_NOT_ENOUGH_BUFFER",
     "the buffer passed is too small"},
    {NV_ENC_ERR_INVALID_VERSION, "NV_ENC_ERR_INVALID_VERSION",
     "an invalid struct version was used"},
    {NV_ENC_ERR_MAP_FAILED, "NV_ENC_ERR_MAP_FAILED", "the input resource could not be mapped"},
    {NV_ENC_ERR_NEED_MORE_INPUT, "NV_ENC_ERR_NEED_MORE_INPUT",
     "the encoder needs more input before it outputs"},
    {NV_ENC_ERR_ENCODER_BUSY, "NV_ENC_ERR_ENCODER_BUSY",
     "the hardware encoder is busy; retry later"},
    {NV_ENC_ERR_EVENT_NOT_REGISTERD, "NV_ENC_ERR_EVENT_NOT_REGISTERD",
     "the completion event was not registered"},
    {NV_ENC_ERR_GENERIC, "NV_ENC_ERR_GENERIC", "an unknown internal error"},
    {NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY, "NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY",
     "the client key is incompatible"},
    {NV_ENC_ERR_UNIMPLEMENTED, "NV_ENC_ERR_UNIMPLEMENTED",
     "the feature is not implemented by this driver"},
    {NV_ENC_ERR_RESOURCE_REGISTER_FAILED, "NV_ENC_ERR_RESOURCE_REGISTER_FAILED",
     "the resource could not be registered"},
    {NV_ENC_ERR_RESOURCE_NOT_REGISTERED, "NV_ENC_ERR_RESOURCE_NOT_REGISTERED",
     "the resource is not registered"},
    {NV_ENC_ERR_RESOURCE_NOT_MAPPED, "NV_ENC_ERR_RESOURCE_NOT_MAPPED",
     "the resource is not mapped"},
};

const StatusInfo* find(NVENCSTATUS status) {
  for (const StatusInfo& s : kStatuses) {
    if (s.status == status) return &s;
  }
  return nullptr;
}

// What the failure means on this machine and what to do, after the vendor's own words.
const char* explanation(Failure failure) {
  switch (failure) {
    case Failure::kNoEncodeEngine:
      return "this GPU has no NVENC engine (data-centre compute GPUs such as A100, H100 and H200 "
             "have none; NVIDIA's Video Encode and Decode support matrix lists the GPUs that do), "
             "so it cannot encode video; use a GPU with NVENC or another backend";
    case Failure::kSessionLimit:
      return "NVENC reports the driver's cap on concurrent encode sessions as \"out of memory\": "
             "GeForce and other consumer GPUs allow only a few sessions per system (3 to 8, by "
             "driver version) across every process, and gearbox opens one session per rendition";
    case Failure::kUnsupported:
      return "this GPU's NVENC does not offer what was asked (see its capabilities in `gearbox "
             "probe`)";
    case Failure::kDeviceLost:
      return "the GPU stopped answering or was reset (see the kernel log for an NVIDIA Xid error), "
             "and "
             "its context with every session and surface on it is gone; the stream cannot go on on "
             "this device: open it again, or use another backend";
    default: return "";
  }
}

}  // namespace

const char* title(Failure failure) {
  switch (failure) {
    case Failure::kNoDriver: return "no NVIDIA driver";
    case Failure::kDriverTooOld: return "NVIDIA driver too old";
    case Failure::kNoCudaDevice: return "no CUDA GPU";
    case Failure::kNoEncodeEngine: return "GPU without NVENC engines";
    case Failure::kSessionLimit: return "NVENC session limit reached";
    case Failure::kDeviceLost: return "GPU lost";
    case Failure::kUnsupported: return "not supported by this GPU's NVENC";
    case Failure::kNoKernels: return "no CUDA kernels in this build";
    case Failure::kVendor: return "NVENC call failed";
  }
  return "NVENC";
}

const char* status_name(NVENCSTATUS status) {
  const StatusInfo* s = find(status);
  return s ? s->name : "NV_ENC_ERR_UNKNOWN_STATUS";
}

const char* status_text(NVENCSTATUS status) {
  const StatusInfo* s = find(status);
  return s ? s->text : "a status this version of nv-codec-headers does not know";
}

std::string api_version_text(uint32_t version) {
  return std::to_string(version >> 4) + "." + std::to_string(version & 0xF);
}

ErrorCode code_of(Failure failure) {
  switch (failure) {
    case Failure::kSessionLimit: return ErrorCode::kOutOfSessions;
    case Failure::kDeviceLost: return ErrorCode::kDeviceLost;
    case Failure::kUnsupported: return ErrorCode::kUnsupported;
    case Failure::kVendor: return ErrorCode::kBackendFailure;
    case Failure::kNoDriver:
    case Failure::kDriverTooOld:
    case Failure::kNoCudaDevice:
    case Failure::kNoEncodeEngine:
    case Failure::kNoKernels: return ErrorCode::kUnavailable;
  }
  return ErrorCode::kBackendFailure;
}

Error failure(Failure kind, const std::string& message) {
  return make_error(code_of(kind), std::string(title(kind)) + ": " + message);
}

Error failure(Failure suggested,
              const std::string& call,
              NVENCSTATUS status,
              const std::string& detail) {
  const Failure kind = classify(status, suggested);
  std::string m = call + " returned " + status_name(status) + " (" +
                  std::to_string(static_cast<int>(status)) + ": " + status_text(status) + ")";
  if (!detail.empty()) m += "; " + detail;
  const std::string why = explanation(kind);
  if (!why.empty()) m += "; " + why;
  return failure(kind, m);
}

Failure classify_open_session(NVENCSTATUS status) {
  switch (status) {
    // A GPU without NVENC engines, or one whose encoder is fused off, is refused when the
    // session opens: NO_ENCODE_DEVICE or UNSUPPORTED_DEVICE (the latter is what FFmpeg users
    // report on boards without NVENC).
    case NV_ENC_ERR_NO_ENCODE_DEVICE:
    case NV_ENC_ERR_UNSUPPORTED_DEVICE: return Failure::kNoEncodeEngine;
    // The consumer cap is reported as OUT_OF_MEMORY from the session open (what FFmpeg prints
    // as "OpenEncodeSessionEx failed: out of memory (10)" on GeForce boards), not as its own code.
    case NV_ENC_ERR_OUT_OF_MEMORY: return Failure::kSessionLimit;
    case NV_ENC_ERR_INVALID_VERSION: return Failure::kDriverTooOld;
    case NV_ENC_ERR_DEVICE_NOT_EXIST: return Failure::kDeviceLost;
    default: return Failure::kVendor;
  }
}

Failure classify(NVENCSTATUS status, Failure otherwise) {
  return status == NV_ENC_ERR_DEVICE_NOT_EXIST ? Failure::kDeviceLost : otherwise;
}

Failure classify_cuda(int result) {
  switch (result) {
    case 4:    // CUDA_ERROR_DEINITIALIZED
    case 214:  // CUDA_ERROR_ECC_UNCORRECTABLE
    case 220:  // CUDA_ERROR_NVLINK_UNCORRECTABLE
    case 700:  // CUDA_ERROR_ILLEGAL_ADDRESS
    case 702:  // CUDA_ERROR_LAUNCH_TIMEOUT
    case 709:  // CUDA_ERROR_CONTEXT_IS_DESTROYED
    case 714:  // CUDA_ERROR_HARDWARE_STACK_ERROR
    case 715:  // CUDA_ERROR_ILLEGAL_INSTRUCTION
    case 716:  // CUDA_ERROR_MISALIGNED_ADDRESS
    case 717:  // CUDA_ERROR_INVALID_ADDRESS_SPACE
    case 718:  // CUDA_ERROR_INVALID_PC
    case 719:  // CUDA_ERROR_LAUNCH_FAILED
      return Failure::kDeviceLost;
    default: return Failure::kVendor;
  }
}

}  // namespace gearbox::nvenc
