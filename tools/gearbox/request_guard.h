// The checks `gearbox serve` makes on a request before any handler sees it, as pure functions
// over the bytes a client sent, so that the server and the fuzzer (tests/fuzz/
// fuzz_serve_request.cpp) run the same code. Every outside input is hostile: the limits here
// are what keeps one request's memory and work bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gearbox::cli::guard {

// A request head (request line and headers) longer than this is refused (431): httplib would
// otherwise grow its line buffer without a bound.
constexpr size_t kMaxHeadBytes = 8192;
constexpr size_t kMaxHeaderCount = 64;
constexpr size_t kMaxTargetBytes = 2048;
// More byte ranges than this in one Range header are refused (416). Players ask for one.
constexpr size_t kMaxRangeSpecs = 8;

enum class HeadState { kIncomplete, kComplete, kTooLarge };
struct HeadScan {
  HeadState state = HeadState::kIncomplete;
  size_t length = 0;  // kComplete: bytes up to and including the blank line
};
// Where the head ends in what has arrived so far (CRLF CRLF).
HeadScan scan_head(std::string_view received);

// status 0: the head may go to the handlers; otherwise the HTTP status to answer with and a
// reason that names the field and the value.
struct Verdict {
  int status = 0;
  std::string reason;
  bool ok() const { return status == 0; }
};
// Only GET, HEAD and OPTIONS, without a body (no Content-Length but 0, no Transfer-Encoding),
// an origin-form target whose path passes check_path, at most kMaxHeaderCount well-formed
// header lines, at most kMaxRangeSpecs ranges.
Verdict check_head(std::string_view head);

// The path of a request target ("/a/b.mpd?x=1" -> "/a/b.mpd"), percent-decoded exactly once;
// nullopt for a malformed escape or a NUL byte (raw or escaped).
std::optional<std::string> decode_path(std::string_view target);

// A decoded path that may name a file below the served folder: starts with '/', no control
// characters or backslashes, no segment that starts with '.' (".", "..", hidden files), and no
// ".tmp" file (segments being written are reached through their final name only).
Verdict check_path(std::string_view decoded);

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};
enum class RangeKind { kWhole, kPartial, kUnsatisfiable };
struct RangeDecision {
  RangeKind kind = RangeKind::kWhole;
  ByteRange range;  // kPartial
};
// How to answer a Range header on a file of `size` bytes: one range (206) when the ranges,
// merged where they overlap or touch, are one; the whole file (200) when there is no usable
// header or the merged ranges are several (never a multipart reply, so a reply is never longer
// than the file); 416 when none is satisfiable or there are more than kMaxRangeSpecs.
RangeDecision decide_range(std::string_view header_value, uint64_t size);
size_t count_range_specs(std::string_view header_value);

}  // namespace gearbox::cli::guard
