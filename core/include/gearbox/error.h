// Errors as values. Nothing in gearbox aborts the process on bad input: every fallible call
// returns a Status or a Result<T> whose message names the field, the value and, for vendor
// failures, the vendor call and the vendor's own error text.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "gearbox/export.h"

namespace gearbox {

enum class ErrorCode {
  kInvalidArgument,  // a config field or call argument is wrong (message names it)
  kFrameMismatch,    // a frame differs from the first frame's size or format
  kUnavailable,      // a backend, device or feature is not present on this machine
  kBackendFailure,   // a vendor call failed (message names the call and the vendor's text)
  // What automatic selection and fallback tell apart (a backend returns the most specific):
  kOutOfSessions,  // the device has no encoder session left (NVENC's consumer-GPU limit)
  kDeviceLost,     // the device went away or stopped answering (reset, unplugged, driver hang)
  kUnsupported,    // the device cannot do this configuration (size, rate control, profile):
                   // the message names the rendition or field and the device's limit
  kIo,             // writing output failed (message names the path and errno text)
  kClosed,         // the stream was already closed
  kTimeout,        // close() gave up waiting for a stage that hung (message names it)
  kInternal,       // a bug in gearbox
};

GEARBOX_EXPORT const char* to_string(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
};

// Result of an operation that produces no value.
class [[nodiscard]] Status {
 public:
  Status() = default;                                       // success
  Status(Error e) : error_(std::move(e)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }
  const std::string& message() const { return error_.message; }
  ErrorCode code() const { return error_.code; }

 private:
  Error error_{ErrorCode::kInternal, {}};
  bool failed_ = false;
};

// Result of an operation that produces a T or an Error (a small std::expected).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  Result(Status status) : v_(status.error()) {}  // only for failed statuses

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  T& operator*() { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace gearbox

// Returns the error of a failed Status or Result<T> from the enclosing function (whose return
// type is Status or any Result<U>).
#define GEARBOX_RETURN_IF_ERROR(expr)                    \
  do {                                                   \
    auto&& gearbox_rie_ = (expr);                        \
    if (!gearbox_rie_.ok()) return gearbox_rie_.error(); \
  } while (0)
