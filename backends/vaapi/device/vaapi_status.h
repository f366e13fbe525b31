// VA-API's failures as gearbox errors: every message names the VA call, the status's name and
// libva's own text for it (vaErrorStr), and the ErrorCode says what selection and fallback may
// do about it (kOutOfSessions, kDeviceLost and kUnsupported let the engine pass over vaapi).
#pragma once

#include <va/va.h>

#include <string>

#include "gearbox/error.h"
#include "va_runtime.h"

namespace gearbox::vaapi {

// "VA_STATUS_ERROR_ALLOCATION_FAILED" (or "VAStatus 0x..").
const char* status_name(VAStatus status);

// What a failed call means when nothing more specific is known: kDeviceLost for the statuses a
// driver returns once the GPU stopped answering (HW_BUSY after its own timeout, TIMEDOUT),
// kUnsupported for a profile, entrypoint, format, size or attribute the driver does not offer,
// `otherwise` for the rest.
ErrorCode classify(VAStatus status, ErrorCode otherwise = ErrorCode::kBackendFailure);

// "VA-API: <call> returned <NAME> (0x..: <vaErrorStr>)[ on <where>][; <detail>]", with
// classify(status, otherwise) as its code. A lost device says what that means.
Error va_failure(const VaRuntime& runtime,
                 const std::string& call,
                 VAStatus status,
                 const std::string& where,
                 const std::string& detail = "",
                 ErrorCode otherwise = ErrorCode::kBackendFailure);

}  // namespace gearbox::vaapi
