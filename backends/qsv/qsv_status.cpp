#include "qsv_status.h"

namespace gearbox::qsv {

std::string status_name(mfxStatus status) {
  switch (status) {
#define GEARBOX_MFX_NAME(s) \
  case s: return #s;
    GEARBOX_MFX_NAME(MFX_ERR_NONE)
    GEARBOX_MFX_NAME(MFX_ERR_UNKNOWN)
    GEARBOX_MFX_NAME(MFX_ERR_NULL_PTR)
    GEARBOX_MFX_NAME(MFX_ERR_UNSUPPORTED)
    GEARBOX_MFX_NAME(MFX_ERR_MEMORY_ALLOC)
    GEARBOX_MFX_NAME(MFX_ERR_NOT_ENOUGH_BUFFER)
    GEARBOX_MFX_NAME(MFX_ERR_INVALID_HANDLE)
    GEARBOX_MFX_NAME(MFX_ERR_LOCK_MEMORY)
    GEARBOX_MFX_NAME(MFX_ERR_NOT_INITIALIZED)
    GEARBOX_MFX_NAME(MFX_ERR_NOT_FOUND)
    GEARBOX_MFX_NAME(MFX_ERR_MORE_DATA)
    GEARBOX_MFX_NAME(MFX_ERR_MORE_SURFACE)
    GEARBOX_MFX_NAME(MFX_ERR_ABORTED)
    GEARBOX_MFX_NAME(MFX_ERR_DEVICE_LOST)
    GEARBOX_MFX_NAME(MFX_ERR_INCOMPATIBLE_VIDEO_PARAM)
    GEARBOX_MFX_NAME(MFX_ERR_INVALID_VIDEO_PARAM)
    GEARBOX_MFX_NAME(MFX_ERR_UNDEFINED_BEHAVIOR)
    GEARBOX_MFX_NAME(MFX_ERR_DEVICE_FAILED)
    GEARBOX_MFX_NAME(MFX_ERR_MORE_BITSTREAM)
    GEARBOX_MFX_NAME(MFX_ERR_GPU_HANG)
    GEARBOX_MFX_NAME(MFX_ERR_REALLOC_SURFACE)
    GEARBOX_MFX_NAME(MFX_ERR_RESOURCE_MAPPED)
    GEARBOX_MFX_NAME(MFX_ERR_NOT_IMPLEMENTED)
    GEARBOX_MFX_NAME(MFX_WRN_IN_EXECUTION)
    GEARBOX_MFX_NAME(MFX_WRN_DEVICE_BUSY)
    GEARBOX_MFX_NAME(MFX_WRN_VIDEO_PARAM_CHANGED)
    GEARBOX_MFX_NAME(MFX_WRN_PARTIAL_ACCELERATION)
    GEARBOX_MFX_NAME(MFX_WRN_INCOMPATIBLE_VIDEO_PARAM)
    GEARBOX_MFX_NAME(MFX_WRN_VALUE_NOT_CHANGED)
    GEARBOX_MFX_NAME(MFX_WRN_OUT_OF_RANGE)
    GEARBOX_MFX_NAME(MFX_WRN_FILTER_SKIPPED)
    GEARBOX_MFX_NAME(MFX_ERR_NONE_PARTIAL_OUTPUT)
    GEARBOX_MFX_NAME(MFX_WRN_ALLOC_TIMEOUT_EXPIRED)
    GEARBOX_MFX_NAME(MFX_TASK_WORKING)
    GEARBOX_MFX_NAME(MFX_TASK_BUSY)
    GEARBOX_MFX_NAME(MFX_ERR_MORE_DATA_SUBMIT_TASK)
#undef GEARBOX_MFX_NAME
    default: return "mfxStatus " + std::to_string(static_cast<int>(status));
  }
}

ErrorCode classify(mfxStatus status, ErrorCode otherwise) {
  switch (status) {
    case MFX_ERR_DEVICE_LOST:
    case MFX_ERR_DEVICE_FAILED:
    case MFX_ERR_GPU_HANG: return ErrorCode::kDeviceLost;
    case MFX_ERR_UNSUPPORTED:
    case MFX_ERR_INVALID_VIDEO_PARAM:
    case MFX_ERR_INCOMPATIBLE_VIDEO_PARAM:
    case MFX_ERR_NOT_IMPLEMENTED: return ErrorCode::kUnsupported;
    default: return otherwise;
  }
}

Error vpl_failure(const std::string& call,
                  mfxStatus status,
                  const std::string& where,
                  const std::string& detail,
                  ErrorCode otherwise) {
  const ErrorCode code = classify(status, otherwise);
  std::string m = "Quick Sync: " + call + " returned " + status_name(status) + " (" +
                  std::to_string(static_cast<int>(status)) + ")";
  if (!where.empty()) m += " on " + where;
  if (!detail.empty()) m += "; " + detail;
  if (code == ErrorCode::kDeviceLost) {
    m += "; the GPU stopped answering (hung, reset or removed): nothing more can run on this "
         "device in this process";
  }
  return Error{code, m};
}

}  // namespace gearbox::qsv
