#include "frame_source.h"

#include <cstdio>

namespace gearbox::cli {

std::string FrameSource::check_flags(const StreamOptions& o) {
  const bool testsrc = o.input == "testsrc";
  if (testsrc && !o.pix_fmt.empty()) {
    return "--pix-fmt \"" + o.pix_fmt + "\" goes with raw input; testsrc renders bgr24 itself";
  }
  if (!testsrc && o.size.empty()) return "--size is required for raw input";
  return "";
}

std::string FrameSource::size_flag(const StreamOptions& o) {
  return o.size.empty() ? "1280x720" : o.size;
}

int FrameSource::open(const StreamOptions& o,
                      int width,
                      int height,
                      std::unique_ptr<FrameSource>& source) {
  auto opened = std::make_unique<FrameSource>();
  opened->input_ = o.input;
  if (o.input == "testsrc") {
    opened->pattern_ = std::make_unique<TestPattern>(width, height);
  } else {
    auto format = parse_pixel_format(o.pix_fmt.empty() ? "bgr24" : o.pix_fmt.c_str());
    if (!format) {
      return usage_error("stream", "--pix-fmt: \"" + o.pix_fmt +
                                       "\" is not one of bgr24 rgb24 bgra rgba gray8 nv12 i420");
    }
    auto in = RawInput::open(o.input, *format, width, height);
    if (!in) {
      std::fprintf(stderr, "gearbox stream: %s\n", in.error().message.c_str());
      return in.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    opened->raw_ = std::move(in.value());
  }
  source = std::move(opened);
  return 0;
}

bool FrameSource::next(int64_t n, FrameView& frame) {
  if (pattern_) {
    frame = pattern_->render(n);
    return true;
  }
  return raw_->next(frame);
}

int FrameSource::report_end(int64_t n, const char* line_start) const {
  if (!raw_) return 0;  // the test pattern has no end
  int status = 0;
  if (!raw_->error().empty()) {
    std::fprintf(stderr, "%sgearbox stream: %s\n", line_start, raw_->error().c_str());
    status = kExitFailure;
  } else if (raw_->trailing_bytes() > 0) {
    std::fprintf(stderr,
                 "%sgearbox stream: input \"%s\": the last %lld bytes are less than one %s frame "
                 "(%lld bytes); ignored\n",
                 line_start, input_.c_str(), static_cast<long long>(raw_->trailing_bytes()),
                 raw_->describe_frame().c_str(), static_cast<long long>(raw_->frame_bytes()));
  }
  if (n == 0 && status == 0) {
    std::fprintf(stderr, "gearbox stream: input \"%s\" holds no complete %s frame (%lld bytes)\n",
                 input_.c_str(), raw_->describe_frame().c_str(),
                 static_cast<long long>(raw_->frame_bytes()));
    status = kExitFailure;
  }
  return status;
}

}  // namespace gearbox::cli
