#include "vaapi_status.h"

#include <cstdio>

namespace gearbox::vaapi {

const char* status_name(VAStatus status) {
  // VA_STATUS_ERROR_UNKNOWN (0xFFFFFFFF) does not fit VAStatus (int) as a case label.
  if (static_cast<unsigned>(status) == 0xFFFFFFFFu) return "VA_STATUS_ERROR_UNKNOWN";
  switch (status) {
#define GEARBOX_VA_NAME(s) \
  case s: return #s;
    GEARBOX_VA_NAME(VA_STATUS_SUCCESS)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_OPERATION_FAILED)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_ALLOCATION_FAILED)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_DISPLAY)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_CONFIG)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_CONTEXT)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_SURFACE)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_BUFFER)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_IMAGE)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_SUBPICTURE)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_ATTR_NOT_SUPPORTED)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_MAX_NUM_EXCEEDED)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_UNSUPPORTED_PROFILE)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_SURFACE_BUSY)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_FLAG_NOT_SUPPORTED)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_PARAMETER)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_UNIMPLEMENTED)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_SURFACE_IN_DISPLAYING)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_IMAGE_FORMAT)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_DECODING_ERROR)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_ENCODING_ERROR)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_VALUE)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_UNSUPPORTED_FILTER)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_INVALID_FILTER_CHAIN)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_HW_BUSY)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_NOT_ENOUGH_BUFFER)
    GEARBOX_VA_NAME(VA_STATUS_ERROR_TIMEDOUT)
#undef GEARBOX_VA_NAME
    default: return "VAStatus (unknown)";
  }
}

ErrorCode classify(VAStatus status, ErrorCode otherwise) {
  switch (status) {
    case VA_STATUS_ERROR_HW_BUSY:
    case VA_STATUS_ERROR_TIMEDOUT: return ErrorCode::kDeviceLost;
    case VA_STATUS_ERROR_UNSUPPORTED_PROFILE:
    case VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT:
    case VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT:
    case VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED:
    case VA_STATUS_ERROR_ATTR_NOT_SUPPORTED: return ErrorCode::kUnsupported;
    default: return otherwise;
  }
}

Error va_failure(const VaRuntime& runtime,
                 const std::string& call,
                 VAStatus status,
                 const std::string& where,
                 const std::string& detail,
                 ErrorCode otherwise) {
  const ErrorCode code = classify(status, otherwise);
  std::string m = "VA-API: " + call + " returned " + runtime.status_text(status);
  if (!where.empty()) m += " on " + where;
  if (!detail.empty()) m += "; " + detail;
  if (code == ErrorCode::kDeviceLost) {
    m += "; the GPU stopped answering (hung, reset or removed): nothing more can run on this "
         "display in this process";
  }
  return Error{code, m};
}

}  // namespace gearbox::vaapi
