// The CLI's value parsers (tools/gearbox/stream_options.h): strict numbers, errors that name the
// flag as typed, and what is checked before streaming.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gearbox/stream_options.h"

namespace gearbox::cli {
namespace {

// argv for parse_stream_options, program name first.
int parse(std::vector<std::string> args, StreamOptions& o) {
  args.insert(args.begin(), "stream");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return parse_stream_options("stream", "", static_cast<int>(argv.size()), argv.data(), o);
}

TEST(StreamOptions, WholeNumbersAreStrict) {
  EXPECT_EQ(parse_whole_number("--frames", "250", 1, 1000).value(), 250);
  for (const char* bad :
       {"", " 5", "5 ", "5x", "1e3", "+5", "-1", "0", "1001", "0x10", "99999999999999999999"}) {
    auto r = parse_whole_number("--frames", bad, 1, 1000);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message,
              std::string("--frames: \"") + bad + "\" is not a whole number within 1..1000");
  }
}

TEST(StreamOptions, RealNumbersAreFiniteDecimalsInRange) {
  EXPECT_DOUBLE_EQ(parse_real_number("--bpp", "0.15", 0, 24, true).value(), 0.15);
  EXPECT_DOUBLE_EQ(parse_real_number("--bpp", "1e-2", 0, 24, true).value(), 0.01);
  for (const char* bad :
       {"", "0", "nan", "inf", "-inf", "1e300", "1e999", "0x1p3", " 1", "1 ", "1.5x", "25"}) {
    auto r = parse_real_number("--bpp", bad, 0, 24, true);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(
        r.error().message.rfind(std::string("--bpp: \"") + bad + "\" is not a number above 0", 0),
        0u)
        << r.error().message;
  }
}

TEST(StreamOptions, ErrorsNameTheFlagTyped) {
  struct Case {
    std::vector<std::string> args;
    const char* expect;
  };
  const Case cases[] = {
      {{"--segment", "1e6"}, "--segment: \"1e6\" is not a positive number of seconds"},
      {{"--duration", "abc"}, "--duration: \"abc\" is not a positive number of seconds"},
      {{"--rate", "0"}, "--rate: \"0\" is not a positive rate"},
      {{"--bitrate", "fast"}, "--bitrate: \"fast\" is not a bitrate"},
      {{"--rendition", "640x360@fast"},
       "--rendition \"640x360@fast\": bitrate: \"fast\" is not a bitrate"},
      {{"--queue-depth", "1e20"}, "--queue-depth: \"1e20\" is not a whole number within 1..1024"},
  };
  for (const Case& k : cases) {
    StreamOptions o;
    testing::internal::CaptureStderr();
    EXPECT_EQ(parse(k.args, o), 2) << k.expect;
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find(k.expect), std::string::npos) << err;
  }
}

TEST(StreamOptions, CheckedBeforeStreamingNamesTheFlag) {
  StreamOptions o;
  o.config.output = "out";
  EXPECT_TRUE(check_before_streaming(o, 1280, 720).ok());
  EXPECT_EQ(check_before_streaming(o, 99999, 99999).message().rfind("--size: 99999x99999", 0), 0u);
  EXPECT_EQ(
      check_before_streaming(o, 641, 360).message().rfind("--size 641x360 has an odd side", 0), 0u)
      << check_before_streaming(o, 641, 360).message();
  o.config.renditions.push_back({1920, 1080, 1000, {}});
  EXPECT_NE(check_before_streaming(o, 640, 360)
                .message()
                .find("1920x1080 is larger than the 640x360 source"),
            std::string::npos);
  o.config.renditions.clear();
  o.config.rate_control.vbv_maxrate_factor = 0.5;
  EXPECT_EQ(check_before_streaming(o, 640, 360).message().rfind("--maxrate-factor: 0.5", 0), 0u)
      << check_before_streaming(o, 640, 360).message();
}

TEST(StreamOptions, FramesInADurationSaturate) {
  EXPECT_EQ(frames_in({10, 1}, {30000, 1001}), 299);
  EXPECT_EQ(frames_in({std::numeric_limits<int64_t>::max(), 1}, {1000, 1}),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(
      frames_in({1, std::numeric_limits<int64_t>::max()}, {1, std::numeric_limits<int64_t>::max()}),
      0);
}

}  // namespace
}  // namespace gearbox::cli
