// Where gearbox stream's frames come from (--input): the test pattern ('testsrc'), a raw video
// file, or stdin ('-').
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gearbox/frame.h"
#include "gearbox/test_pattern.h"
#include "raw_input.h"
#include "stream_options.h"

namespace gearbox::cli {

class FrameSource {
 public:
  // --input against --pix-fmt and --size, checked before anything is planned from the size:
  // the usage error's message, or empty when they go together.
  static std::string check_flags(const StreamOptions& o);
  // The size (--size, else the test pattern's default) as text for parse_size().
  static std::string size_flag(const StreamOptions& o);
  // Renders or opens the input at width x height. Returns 0, or the exit status after reporting
  // why not on stderr (2: the command line names something wrong).
  static int open(const StreamOptions& o,
                  int width,
                  int height,
                  std::unique_ptr<FrameSource>& source);

  // Frame n (counted from 0), valid until the next call; false at the end of the input.
  bool next(int64_t n, FrameView& frame);
  // After next() returned false for frame n: reports on stderr, each message starting with
  // `line_start`, why the input ended early or badly, and returns the exit status that means
  // (0: a clean end after whole frames).
  int report_end(int64_t n, const char* line_start) const;

 private:
  std::string input_;
  std::unique_ptr<TestPattern> pattern_;
  std::unique_ptr<RawInput> raw_;
};

}  // namespace gearbox::cli
