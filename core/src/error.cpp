#include "gearbox/error.h"

namespace gearbox {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kFrameMismatch: return "frame mismatch";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kBackendFailure: return "backend failure";
    case ErrorCode::kOutOfSessions: return "out of encoder sessions";
    case ErrorCode::kDeviceLost: return "device lost";
    case ErrorCode::kUnsupported: return "unsupported configuration";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kClosed: return "closed";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kInternal: return "internal error";
  }
  return "unknown error";
}

}  // namespace gearbox
