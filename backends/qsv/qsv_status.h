// oneVPL's failures as gearbox errors: every message names the call and the mfxStatus's name, and
// the ErrorCode says what selection and fallback may do about it (kDeviceLost, kUnsupported).
#pragma once

#include <vpl/mfx.h>

#include <string>

#include "gearbox/error.h"

namespace gearbox::qsv {

// "MFX_ERR_UNSUPPORTED" (or "mfxStatus <n>").
std::string status_name(mfxStatus status);

// kDeviceLost for DEVICE_LOST, DEVICE_FAILED, GPU_HANG; kUnsupported for UNSUPPORTED,
// INVALID_VIDEO_PARAM, INCOMPATIBLE_VIDEO_PARAM, NOT_IMPLEMENTED; `otherwise` for the rest.
ErrorCode classify(mfxStatus status, ErrorCode otherwise = ErrorCode::kBackendFailure);

// "Quick Sync: <call> returned <NAME> (<n>)[ on <where>][; <detail>]", classify()'s code. A lost
// device says what that means.
Error vpl_failure(const std::string& call,
                  mfxStatus status,
                  const std::string& where,
                  const std::string& detail = "",
                  ErrorCode otherwise = ErrorCode::kBackendFailure);

}  // namespace gearbox::qsv
