// The CLI's value parsers and rendition parser, through parse_stream_options() as `gearbox
// stream` calls it: the input is an argv, arguments separated by NUL bytes. What parses is then
// checked as cmd_stream does before anything is allocated (size, ladder, validate()), so the
// checks themselves see hostile values too. Must never crash, hang or overflow.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gearbox/config.h"
#include "gearbox/stream_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::vector<std::string> args{"stream"};
  std::string current;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  args.push_back(current);
  if (args.size() > 64) return 0;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  gearbox::cli::StreamOptions o;
  const int rc = gearbox::cli::parse_stream_options("stream", "", static_cast<int>(args.size()),
                                                    argv.data(), o);
  if (rc != 0) return 0;
  // As cmd_stream: the size, then everything that depends on it.
  auto frame = gearbox::parse_size(o.size.empty() ? "1280x720" : o.size);
  if (frame) (void)gearbox::cli::check_before_streaming(o, frame->first, frame->second);
  if (o.duration) (void)gearbox::cli::frames_in(*o.duration, o.config.input_frame_rate);
  return 0;
}
