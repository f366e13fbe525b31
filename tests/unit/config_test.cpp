#include <gtest/gtest.h>

#include <limits>
#include <utility>

#include "gearbox/config.h"
#include "gearbox/frame.h"
#include "gearbox/ladder.h"

namespace gearbox {
namespace {

StreamConfig base() {
  StreamConfig c;
  c.output = "out";
  return c;
}

TEST(Parse, Sizes) {
  auto s = parse_size("1280x720");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->first, 1280);
  EXPECT_EQ(s->second, 720);
  for (const char* bad : {"1280", "x720", "1280x", "12a0x720", "1280x720x3", "-1280x720", ""}) {
    auto r = parse_size(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("resolution"), std::string::npos) << r.error().message;
  }
}

TEST(Parse, Bitrates) {
  EXPECT_EQ(parse_bitrate_kbps("2500k").value(), 2500);
  EXPECT_EQ(parse_bitrate_kbps("2.5M").value(), 2500);
  EXPECT_EQ(parse_bitrate_kbps("800000").value(), 800);
  EXPECT_EQ(parse_bitrate_kbps(" 4000K ").value(), 4000);
  for (const char* bad : {"", "k", "fast", "-5k", "0", "0k", "12.5.3k", "100"}) {
    auto r = parse_bitrate_kbps(bad);
    EXPECT_FALSE(r.ok()) << bad;  // "100" is 0.1 kbps: below 1 kbps
  }
  EXPECT_NE(parse_bitrate_kbps("fast").error().message.find("\"fast\""), std::string::npos);
}

TEST(Parse, FrameRates) {
  EXPECT_EQ(parse_frame_rate("30").value(), (Rational{30, 1}));
  EXPECT_EQ(parse_frame_rate("29.97").value(), (Rational{2997, 100}));
  EXPECT_EQ(parse_frame_rate("30000/1001").value(), (Rational{30000, 1001}));
  for (const char* bad : {"0", "-25", "abc", "30/0", "", "5000"}) {
    EXPECT_FALSE(parse_frame_rate(bad).ok()) << bad;
  }
}

// A ratio whose reduced terms do not fit int64 is refused, not wrapped into a different number
// (signed overflow: undefined behaviour; fuzz_stream_options has it in its seed corpus).
TEST(Parse, RatiosPastInt64AreRefused) {
  for (const char* text : {"99999999999/0.0000000001", "0.0000000001/99999999999"}) {
    auto d = parse_duration(text);
    EXPECT_FALSE(d.ok()) << text << " gave " << (d.ok() ? d->to_string() : "");
    auto r = parse_frame_rate(text);
    EXPECT_FALSE(r.ok()) << text;
  }
  EXPECT_EQ(parse_duration("1001/500").value(), (Rational{1001, 500}));
}

TEST(Parse, RenditionShorthandAndStreamGearKeys) {
  auto a = parse_rendition("1280x720@2500k");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->width, 1280);
  EXPECT_EQ(*a->bitrate_kbps, 2500);
  EXPECT_FALSE(a->frame_rate.has_value());

  auto b = parse_rendition("640x360@60fps");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b->frame_rate, (Rational{60, 1}));
  EXPECT_FALSE(b->bitrate_kbps.has_value());

  auto c = parse_rendition("-resolution=320x240,-video_bitrate=500k,-framerate=30");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->height, 240);
  EXPECT_EQ(*c->bitrate_kbps, 500);
  EXPECT_EQ(*c->frame_rate, (Rational{30, 1}));
}

TEST(Parse, RenditionErrorsNameTheEntryAndField) {
  auto no_size = parse_rendition("video_bitrate=500k");
  ASSERT_FALSE(no_size.ok());
  EXPECT_NE(no_size.error().message.find("resolution is required"), std::string::npos);
  auto unknown = parse_rendition("resolution=320x240,crf=20");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown key \"crf\""), std::string::npos);
  auto bad_rate = parse_rendition("320x240@fastfps");
  ASSERT_FALSE(bad_rate.ok());
  EXPECT_NE(bad_rate.error().message.find("rendition \"320x240@fastfps\""), std::string::npos);
  EXPECT_NE(bad_rate.error().message.find("framerate"), std::string::npos);
}

TEST(Validate, AcceptsDefaults) {
  EXPECT_TRUE(validate(base()).ok());
}

TEST(Parse, HlsSegmentTypes) {
  EXPECT_EQ(*parse_hls_segment_type("fmp4"), HlsSegmentType::kFmp4);
  EXPECT_EQ(*parse_hls_segment_type("mpegts"), HlsSegmentType::kMpegTs);
  auto bad = parse_hls_segment_type("ts");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "hls_segment_type: \"ts\" is not fmp4 or mpegts");
  StreamConfig c = base();
  c.format = OutputFormat::kHls;
  c.hls_segment_type = HlsSegmentType::kMpegTs;
  EXPECT_TRUE(validate(c).ok());
}

TEST(Validate, AudioFieldsOnlyMatterWithASource) {
  StreamConfig c = base();
  c.audio.channels = 0;  // no source: no audio, nothing to check
  EXPECT_TRUE(validate(c).ok());
  c.audio = AudioOptions{};
  c.audio.source = "lavfi:sine";
  EXPECT_TRUE(validate(c).ok());
}

TEST(Validate, RejectsEachBadField) {
  struct Case {
    const char* expect;
    void (*mutate)(StreamConfig&);
  };
  const Case cases[] = {
      {"output", [](StreamConfig& c) { c.output = ""; }},
      {"input_frame_rate",
       [](StreamConfig& c) {
         c.input_frame_rate = {0, 1};
       }},
      {"input_frame_rate",
       [](StreamConfig& c) {
         c.input_frame_rate = {-25, 1};
       }},
      {"bpp", [](StreamConfig& c) { c.bpp = 0; }},
      {"bpp", [](StreamConfig& c) { c.bpp = -0.1; }},
      {"segment_duration",
       [](StreamConfig& c) {
         c.segment_duration = {0, 1};
       }},
      {"segment_duration",
       [](StreamConfig& c) {
         c.segment_duration = {1, 50};
       }},
      {"primary_bitrate_kbps", [](StreamConfig& c) { c.primary_bitrate_kbps = 0; }},
      {"renditions[1].resolution: height 361 is odd",
       [](StreamConfig& c) {
         c.renditions.push_back({640, 361, 500, {}});
       }},
      {"renditions[1].resolution: width 641 is odd",
       [](StreamConfig& c) {
         c.renditions.push_back({641, 360, 500, {}});
       }},
      {"renditions[2].resolution: size 0x360",
       [](StreamConfig& c) {
         c.renditions.push_back({640, 360, 500, {}});
         c.renditions.push_back({0, 360, 500, {}});
       }},
      {"renditions[1].bitrate",
       [](StreamConfig& c) {
         c.renditions.push_back({640, 360, -5, {}});
       }},
      {"renditions[1].framerate",
       [](StreamConfig& c) {
         c.renditions.push_back({640, 360, {}, Rational{0, 1}});
       }},
      {"renditions[1].framerate: 60 fps is above the input frame rate 25 fps",
       [](StreamConfig& c) {
         c.renditions.push_back({640, 360, 500, Rational{60, 1}});
       }},
      {"renditions[1]: has neither",
       [](StreamConfig& c) {
         c.renditions.push_back({640, 360, {}, {}});
       }},
      {"queue_depth", [](StreamConfig& c) { c.queue_depth = 0; }},
      {"rate_control.vbv_maxrate_factor",
       [](StreamConfig& c) { c.rate_control.vbv_maxrate_factor = 0.5; }},
      {"backend_options: key \"bframes\" is not of the form <backend>.<option>",
       [](StreamConfig& c) { c.backend_options["bframes"] = "2"; }},
      {"audio.bitrate: 4 kbps must be within 8..512",
       [](StreamConfig& c) {
         c.audio.source = "a.wav";
         c.audio.bitrate_kbps = 4;
       }},
      {"audio.sample_rate: 47000 Hz is not an AAC sample rate",
       [](StreamConfig& c) {
         c.audio.source = "a.wav";
         c.audio.sample_rate = 47000;
       }},
      {"hls_segment_type: mpegts needs format hls, not dash",
       [](StreamConfig& c) { c.hls_segment_type = HlsSegmentType::kMpegTs; }},
      {"hls_segment_type: mpegts needs format hls, not both",
       [](StreamConfig& c) {
         c.format = OutputFormat::kBoth;
         c.hls_segment_type = HlsSegmentType::kMpegTs;
       }},
      {"audio.channels: 6 must be 1 (mono) or 2 (stereo)",
       [](StreamConfig& c) {
         c.audio.source = "a.wav";
         c.audio.channels = 6;
       }},
  };
  for (const Case& k : cases) {
    StreamConfig c = base();
    k.mutate(c);
    Status s = validate(c);
    ASSERT_FALSE(s.ok()) << k.expect;
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.message().find(k.expect), std::string::npos) << s.message();
  }
}

// Sizes past what H.264 (and so every backend) can encode are refused before anything is
// allocated for them, naming the field and the size.
TEST(Validate, FrameSizesBeyondH264AreRefused) {
  EXPECT_TRUE(check_frame_size("frame", 8192, 4320).ok());
  EXPECT_TRUE(check_frame_size("frame", 4320, 7680).ok());  // portrait 8K
  for (auto [w, h] : {std::pair{99999, 99999}, std::pair{16386, 64}, std::pair{8192, 8192}}) {
    Status s = check_frame_size("--size", w, h);
    ASSERT_FALSE(s.ok()) << w << "x" << h;
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    const std::string text = std::to_string(w) + "x" + std::to_string(h);
    EXPECT_EQ(s.message().rfind("--size: " + text, 0), 0u) << s.message();
  }
  StreamConfig c = base();
  c.renditions.push_back({99998, 99998, 500, {}});
  EXPECT_NE(validate(c).message().find("renditions[1].resolution: 99998x99998"), std::string::npos)
      << validate(c).message();
  // The library refuses a huge first frame too (plan_ladder runs before any surface exists).
  auto ladder = plan_ladder(base(), 99998, 99998);
  ASSERT_FALSE(ladder.ok());
  EXPECT_NE(ladder.error().message.find("99998x99998"), std::string::npos)
      << ladder.error().message;
}

// bpp feeds round(w*h*bpp*fps/1000): a value that overflows or gives absurd bitrates is refused
// naming bpp and the value, not turned into 1 kbps or 6.9e15 kb/s.
TEST(Validate, BppAndBitratesOutOfRangeAreRefused) {
  for (double bpp : {1e300, 1e12, 25.0, std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN()}) {
    StreamConfig c = base();
    c.bpp = bpp;
    Status s = validate(c);
    ASSERT_FALSE(s.ok()) << bpp;
    EXPECT_EQ(s.message().rfind("bpp: ", 0), 0u) << s.message();
  }
  StreamConfig c = base();
  c.primary_bitrate_kbps = 20000000;  // 20 Gbps
  EXPECT_NE(validate(c).message().find("primary_bitrate_kbps: 20000000"), std::string::npos)
      << validate(c).message();
  // A legal bpp whose bitrate at the first frame's size and rate is beyond 10 Gbps.
  StreamConfig d = base();
  d.bpp = 24;
  d.input_frame_rate = {1000, 1};
  ASSERT_TRUE(validate(d).ok());
  auto ladder = plan_ladder(d, 7680, 4320);
  ASSERT_FALSE(ladder.ok());
  EXPECT_NE(ladder.error().message.find("bpp 24"), std::string::npos) << ladder.error().message;
}

// Decided: a rendition larger than the source is refused (the encoder would spend bits on detail
// the source does not have), as a rendition above the input frame rate is.
TEST(Ladder, UpscalingRenditionIsRefused) {
  StreamConfig c = base();
  c.renditions.push_back({1920, 1080, 1000, {}});
  auto ladder = plan_ladder(c, 640, 360);
  ASSERT_FALSE(ladder.ok());
  EXPECT_EQ(ladder.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(ladder.error().message.find(
                "renditions[1].resolution: 1920x1080 is larger than the 640x360 source"),
            std::string::npos)
      << ladder.error().message;
  c.renditions[0] = {640, 720, 1000, {}};  // taller only: still an upscale
  EXPECT_FALSE(plan_ladder(c, 640, 360).ok());
  c.renditions[0] = {640, 360, 1000, {}};  // the source size is fine
  EXPECT_TRUE(plan_ladder(c, 640, 360).ok());
}

TEST(Ladder, BitrateRuleIsStreamGears) {
  // round(w*h*bpp*fps/1000): 1280*720*0.1*30/1000 = 2764.8 -> 2765
  EXPECT_EQ(bitrate_from_bpp(1280, 720, 0.1, {30, 1}), 2765);
  EXPECT_EQ(bitrate_from_bpp(1920, 1080, 0.1, {25, 1}), 5184);
  EXPECT_EQ(bitrate_from_bpp(640, 360, 0.1, {60, 1}), 1382);         // 1382.4
  EXPECT_EQ(bitrate_from_bpp(640, 360, 0.15, {30000, 1001}), 1036);  // 1035.96...
}

TEST(Ladder, PrimaryFirstThenSecondariesInOrder) {
  StreamConfig c = base();
  c.input_frame_rate = {30, 1};
  c.renditions.push_back({1280, 720, {}, Rational{30, 1}});  // bitrate from the rule
  c.renditions.push_back({640, 360, 800, Rational{15, 1}});  // a bitrate and a real rate
  auto ladder = plan_ladder(c, 1920, 1080);
  ASSERT_TRUE(ladder.ok()) << ladder.error().message;
  ASSERT_EQ(ladder->size(), 3u);
  EXPECT_EQ((*ladder)[0].id, "v0");
  EXPECT_EQ((*ladder)[0].width, 1920);
  EXPECT_EQ((*ladder)[0].bitrate_kbps, 6221);  // 1920*1080*0.1*30/1000 = 6220.8
  EXPECT_EQ((*ladder)[1].bitrate_kbps, 2765);
  EXPECT_EQ((*ladder)[2].bitrate_kbps, 800);
  EXPECT_EQ((*ladder)[0].frame_rate, (Rational{30, 1}));
  EXPECT_EQ((*ladder)[1].frame_rate, (Rational{30, 1}));
  EXPECT_EQ((*ladder)[2].frame_rate, (Rational{15, 1}));
}

TEST(Ladder, PrimaryBitrateOverride) {
  StreamConfig c = base();
  c.primary_bitrate_kbps = 4000;
  auto ladder = plan_ladder(c, 1920, 1080);
  ASSERT_TRUE(ladder.ok());
  EXPECT_EQ((*ladder)[0].bitrate_kbps, 4000);
}

TEST(Ladder, DuplicatesAreErrorsNamingBothEntries) {
  StreamConfig c = base();
  c.renditions.push_back({640, 360, 800, {}});
  c.renditions.push_back({640, 360, 800, {}});
  auto ladder = plan_ladder(c, 1280, 720);
  ASSERT_FALSE(ladder.ok());
  EXPECT_NE(ladder.error().message.find("renditions[2]: duplicates renditions[1]"),
            std::string::npos)
      << ladder.error().message;

  StreamConfig d = base();
  d.primary_bitrate_kbps = 1000;
  d.renditions.push_back({1280, 720, 1000, {}});
  auto dup_primary = plan_ladder(d, 1280, 720);
  ASSERT_FALSE(dup_primary.ok());
  EXPECT_NE(dup_primary.error().message.find("the primary rendition"), std::string::npos);

  // Same size, different bitrate: a legitimate ladder.
  StreamConfig e = base();
  e.renditions.push_back({640, 360, 800, {}});
  e.renditions.push_back({640, 360, 400, {}});
  EXPECT_TRUE(plan_ladder(e, 1280, 720).ok());
}

TEST(Ladder, OddSourceIsAnError) {
  auto ladder = plan_ladder(base(), 641, 480);
  ASSERT_FALSE(ladder.ok());
  EXPECT_NE(ladder.error().message.find("641x480"), std::string::npos);
}

TEST(Ladder, DistinctSizesScaleOnce) {
  StreamConfig c = base();
  c.renditions.push_back({640, 360, 800, {}});
  c.renditions.push_back({640, 360, 400, {}});
  c.renditions.push_back({1280, 720, 1500, {}});  // the source size again
  auto ladder = plan_ladder(c, 1280, 720);
  ASSERT_TRUE(ladder.ok());
  auto sizes = distinct_sizes(*ladder);
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_EQ(sizes[0], (SizeKey{1280, 720}));
  EXPECT_EQ(sizes[1], (SizeKey{640, 360}));
}

TEST(Ladder, SmallerSizesScaleFromTheSmallestPictureTwiceTheirSize) {
  const std::vector<SizeKey> sizes = {
      {1920, 1080}, {1280, 720}, {960, 540}, {640, 360}, {426, 240}};
  // 1080p is the source itself (-1). 720p and 540p: no earlier picture is twice as large, so
  // the source. 360p: 720p is exactly twice. 240p: 720p and 540p are both at least 852x480;
  // 540p is the smaller.
  EXPECT_EQ(scale_sources(sizes, {1920, 1080}), (std::vector<int>{-1, -1, -1, 1, 2}));
  EXPECT_EQ(scale_sources({{640, 360}}, {1920, 1080}), (std::vector<int>{-1}));
}

TEST(Ladder, EveryFrameScalesAreTheSizesOfRenditionsAtTheInputRateAndTheirSources) {
  StreamConfig c = base();
  c.input_frame_rate = {30, 1};
  c.renditions.push_back({1280, 720, 2500, {}});
  c.renditions.push_back({640, 360, 800, {}});
  c.renditions.push_back({1920, 1080, 2000, {}});  // the source size: the uploaded picture
  auto ladder = plan_ladder(c, 1920, 1080);
  ASSERT_TRUE(ladder.ok());
  auto requests = every_frame_scales(*ladder, c.input_frame_rate, {1920, 1080});
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].from, -1);
  EXPECT_EQ(requests[0].width, 1280);
  EXPECT_EQ(requests[1].from, 0);  // 360p from 720p, as scale_sources() says
  EXPECT_EQ(requests[1].height, 360);

  // 360p at half the rate takes every other frame only: not listed.
  c.renditions[1].frame_rate = Rational{15, 1};
  ladder = plan_ladder(c, 1920, 1080);
  ASSERT_TRUE(ladder.ok());
  requests = every_frame_scales(*ladder, c.input_frame_rate, {1920, 1080});
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].width, 1280);

  // 720p at half the rate, 360p at the full rate: 720p is still made on every frame, for 360p.
  c.renditions[0].frame_rate = Rational{15, 1};
  c.renditions[1].frame_rate.reset();
  ladder = plan_ladder(c, 1920, 1080);
  ASSERT_TRUE(ladder.ok());
  requests = every_frame_scales(*ladder, c.input_frame_rate, {1920, 1080});
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].width, 1280);
  EXPECT_EQ(requests[1].from, 0);
}

}  // namespace
}  // namespace gearbox

namespace gearbox {
namespace {

// A view whose size or strides no frame can have is refused before its rows are computed:
// 3 * 800000000 overflowed int, so a 1-byte stride passed as "large enough".
TEST(FrameView, ImpossibleSizesAndStridesAreRefused) {
  static const uint8_t byte = 0;
  struct Case {
    FrameView view;
    const char* expect;
  };
  FrameView wide = FrameView::packed(PixelFormat::kBGR24, 800000000, 2, &byte, 1);
  FrameView huge = FrameView::packed(PixelFormat::kGRAY8, 99999, 99999, &byte);
  FrameView long_rows = FrameView::packed(PixelFormat::kGRAY8, 64, 4096, &byte, 1 << 20);
  for (const Case& k : {Case{wide, "800000000x2"}, Case{huge, "99999x99999"},
                        Case{long_rows, "stride[0] 1048576"}}) {
    Status s = validate_frame(k.view);
    ASSERT_FALSE(s.ok()) << k.expect;
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.message().find(k.expect), std::string::npos) << s.message();
  }
  FrameView fine = FrameView::packed(PixelFormat::kGRAY8, 64, 36, &byte, 4096);
  EXPECT_TRUE(validate_frame(fine).ok());
}

}  // namespace
}  // namespace gearbox
