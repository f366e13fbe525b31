// Manifest rendering from a hand-made model, checked with libxml2 (an independent XML parser)
// and line by line against RFC 8216's rules.
#include <gtest/gtest.h>
#include <sstream>

#include "dash_manifest.h"
#include "hls_playlists.h"
#include "xml_query.h"

namespace gearbox::packager {
namespace {

using testing::XmlQuery;

ManifestModel two_tracks(bool final) {
  ManifestModel m;
  m.segment_duration = {2, 1};
  m.final = final;
  m.availability_start_ms = 1'700'000'000'000;
  m.now_ms = m.availability_start_ms + 6'000;
  for (int t = 0; t < 2; ++t) {
    TrackDescription d;
    d.id = "v" + std::to_string(t);
    d.width = t == 0 ? 1280 : 640;
    d.height = t == 0 ? 720 : 360;
    d.frame_rate = {30, 1};
    d.timescale = 90000;
    d.frame_ticks = 3000;
    d.target_bitrate_bps = t == 0 ? 3'000'000 : 800'000;
    d.max_bitrate_bps = d.target_bitrate_bps;
    d.codec.codec_string = t == 0 ? "avc1.64001f" : "avc1.64001e";
    m.tracks.push_back(d);
    std::vector<SegmentRecord> segs;
    // 2 s, 2 s, 2 s, then a 1-frame tail: bitrates 2, 4 (peak), 2, and 12 Mb/s for the tail alone.
    int64_t bytes[] = {500'000, 1'000'000, 500'000, 50'000};
    int64_t dur[] = {180000, 180000, 180000, 3000};
    int64_t start = 0;
    for (int i = 0; i < 4; ++i) {
      segs.push_back({i + 1, start, dur[i], bytes[i] / (t + 1), 60});
      start += dur[i];
    }
    m.segments.push_back(segs);
    m.presentation_offsets.push_back(0);
  }
  m.published = 4;
  return m;
}

TEST(Bandwidth, PeakIsApplesContiguousWindowRule) {
  ManifestModel m = two_tracks(true);
  // Target duration 2: windows of 1..3 s. The 4 Mb/s segment alone is the peak; the 1-frame
  // tail (12 Mb/s on its own) only counts merged into a window of >= 1 s.
  EXPECT_EQ(m.target_duration_seconds(), 2);
  EXPECT_EQ(m.peak_bitrate_bps(0, 2), 4'000'000);
  EXPECT_EQ(m.peak_bitrate_bps(1, 2), 2'000'000);
  EXPECT_EQ(m.average_bitrate_bps(0), (2'050'000LL * 8 * 90000) / 543000);
}

TEST(Bandwidth, WhileWritingNeverBelowTheVbvCap) {
  ManifestModel m = two_tracks(false);
  m.tracks[0].max_bitrate_bps = 6'000'000;
  EXPECT_EQ(m.peak_bitrate_bps(0, 2), 6'000'000);
}

TEST(TargetDuration, CoversTheLongestPossibleSegment) {
  ManifestModel m = two_tracks(true);
  m.segment_duration = {6, 1};
  EXPECT_EQ(m.target_duration_seconds(), 6);  // 6 s + 1/30 s rounds to 6
  m.segment_duration = {3, 2};
  EXPECT_EQ(m.target_duration_seconds(), 2);  // 1.533 s rounds to 2
  m.tracks[0].frame_ticks = 90000;            // 1 fps: up to 2.5 s
  EXPECT_EQ(m.target_duration_seconds(), 3);
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(Hls, EventWhileWritingVodAtTheEnd) {
  std::string event = render_hls_media_playlist(two_tracks(false), 0);
  EXPECT_NE(event.find("#EXT-X-PLAYLIST-TYPE:EVENT\n"), std::string::npos);
  EXPECT_EQ(event.find("#EXT-X-ENDLIST"), std::string::npos);
  std::string vod = render_hls_media_playlist(two_tracks(true), 0);
  EXPECT_NE(vod.find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos);
  auto l = lines(vod);
  EXPECT_EQ(l.front(), "#EXTM3U");
  EXPECT_EQ(l.back(), "#EXT-X-ENDLIST");
  int target = 0;
  int segments = 0;
  for (size_t i = 0; i < l.size(); ++i) {
    if (l[i].rfind("#EXT-X-TARGETDURATION:", 0) == 0) target = std::stoi(l[i].substr(22));
    if (l[i].rfind("#EXTINF:", 0) == 0) {
      double d = std::stod(l[i].substr(8));
      EXPECT_LE(static_cast<int>(d + 0.5), target) << "RFC 8216 4.3.3.1";
      ASSERT_LT(i + 1, l.size());
      EXPECT_EQ(l[i + 1], "v0-" + std::to_string(++segments) + ".m4s");
    }
  }
  EXPECT_EQ(segments, 4);
  EXPECT_NE(vod.find("#EXT-X-MAP:URI=\"v0-init.mp4\""), std::string::npos);
}

TEST(Hls, MasterListsEveryRenditionWithPeakBandwidthAndCodecs) {
  auto l = lines(render_hls_master_playlist(two_tracks(true)));
  ASSERT_EQ(l.size(), 7u);
  EXPECT_EQ(
      l[3],
      "#EXT-X-STREAM-INF:BANDWIDTH=4000000,AVERAGE-BANDWIDTH=" +
          std::to_string((2'050'000LL * 8 * 90000) / 543000) +
          ",CODECS=\"avc1.64001f\",RESOLUTION=1280x720,FRAME-RATE=30.000,CLOSED-CAPTIONS=NONE");
  EXPECT_EQ(l[4], "v0.m3u8");
  EXPECT_NE(l[5].find("RESOLUTION=640x360"), std::string::npos);
  EXPECT_EQ(l[6], "v1.m3u8");
}

// two_tracks plus a 48 kHz stereo AAC track whose segments start within an AAC frame of the
// video's: 2.005 s, 2.005 s, 1.989 s and a last AAC frame; 128 kb/s with a 160 kb/s segment.
ManifestModel with_audio(bool final) {
  ManifestModel m = two_tracks(final);
  TrackDescription a;
  a.id = "a0";
  a.kind = TrackKind::kAudio;
  a.sample_rate = 48000;
  a.channels = 2;
  a.timescale = 48000;
  a.frame_ticks = 1024;
  a.target_bitrate_bps = a.max_bitrate_bps = 128'000;
  a.codec.codec_string = "mp4a.40.2";
  m.tracks.push_back(a);
  const int64_t dur[] = {96256, 96256, 95488, 1600};
  const int64_t bytes[] = {32'080, 40'107, 31'830, 533};  // 128, 160, 128, 128 kb/s (rounded)
  std::vector<SegmentRecord> segs;
  int64_t start = 0;
  for (int i = 0; i < 4; ++i) {
    segs.push_back({i + 1, start, dur[i], bytes[i], dur[i] / 1024});
    start += dur[i];
  }
  m.segments.push_back(segs);
  m.presentation_offsets.push_back(0);
  return m;
}

TEST(Hls, AudioGroupIsNamedByEveryVariantWhoseBandwidthIncludesIt) {
  ManifestModel m = with_audio(true);
  const int64_t audio_peak = m.peak_bitrate_bps(2, 2), audio_average = m.average_bitrate_bps(2);
  EXPECT_NEAR(audio_peak, 160'000, 100);
  auto l = lines(render_hls_master_playlist(m));
  ASSERT_EQ(l.size(), 8u);
  EXPECT_EQ(l[3],
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"Audio\",DEFAULT=YES,AUTOSELECT=YES,"
            "CHANNELS=\"2\",URI=\"a0.m3u8\"");
  EXPECT_EQ(l[4],
            "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(4'000'000 + audio_peak) +
                ",AVERAGE-BANDWIDTH=" + std::to_string(m.average_bitrate_bps(0) + audio_average) +
                ",CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=30.000,"
                "AUDIO=\"aac\",CLOSED-CAPTIONS=NONE");
  EXPECT_EQ(l[5], "v0.m3u8");
  EXPECT_NE(l[6].find("BANDWIDTH=" + std::to_string(2'000'000 + audio_peak) + ","),
            std::string::npos)
      << l[6];
  EXPECT_EQ(l[7], "v1.m3u8");
  // The audio's media playlist: its own EXTINFs, within the shared target duration.
  std::string audio = render_hls_media_playlist(m, 2);
  EXPECT_NE(audio.find("#EXT-X-MAP:URI=\"a0-init.mp4\""), std::string::npos);
  EXPECT_NE(audio.find("#EXTINF:2.005333,\na0-1.m4s\n"), std::string::npos) << audio;
  EXPECT_NE(audio.find("#EXT-X-TARGETDURATION:2\n"), std::string::npos);
}

TEST(Dash, AudioHasItsOwnAdaptationSet) {
  ManifestModel m = with_audio(false);
  XmlQuery x(render_mpd(m));
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.values("//d:AdaptationSet/@contentType"),
            (std::vector<std::string>{"video", "audio"}));
  EXPECT_EQ(x.values("//d:AdaptationSet[@contentType='video']/d:Representation/@id"),
            (std::vector<std::string>{"v0", "v1"}));
  EXPECT_EQ(x.values("//d:AdaptationSet[@contentType='video']/@maxWidth"),
            std::vector<std::string>{"1280"});
  const std::string rep = "//d:AdaptationSet[@contentType='audio']/d:Representation";
  EXPECT_EQ(x.values((rep + "/@id").c_str()), std::vector<std::string>{"a0"});
  EXPECT_EQ(x.values((rep + "/@codecs").c_str()), std::vector<std::string>{"mp4a.40.2"});
  EXPECT_EQ(x.values((rep + "/@audioSamplingRate").c_str()), std::vector<std::string>{"48000"});
  // The peak segment rate (160 kb/s here), never below the target while writing.
  EXPECT_EQ(x.values((rep + "/@bandwidth").c_str()),
            std::vector<std::string>{std::to_string(m.peak_bitrate_bps(2, 2))});
  EXPECT_EQ(x.values((rep + "/d:AudioChannelConfiguration/@value").c_str()),
            std::vector<std::string>{"2"});
  EXPECT_EQ(x.values((rep + "//d:SegmentTemplate/@timescale").c_str()),
            std::vector<std::string>{"48000"});
  EXPECT_EQ(x.values((rep + "//d:S/@d").c_str()),
            (std::vector<std::string>{"96256", "95488", "1600"}));
  EXPECT_EQ(x.values((rep + "//d:S/@r").c_str()), std::vector<std::string>{"1"});
}

TEST(Dash, StaticMpdAtTheEnd) {
  XmlQuery x(render_mpd(two_tracks(true)));
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.values("/d:MPD/@type"), std::vector<std::string>{"static"});
  // 3 x 2 s + 1/30 s
  EXPECT_EQ(x.values("/d:MPD/@mediaPresentationDuration"), std::vector<std::string>{"PT6.033S"});
  EXPECT_EQ(x.values("/d:MPD/@maxSegmentDuration"), std::vector<std::string>{"PT2.000S"});
  EXPECT_EQ(x.values("//d:Representation/@id"), (std::vector<std::string>{"v0", "v1"}));
  EXPECT_EQ(x.values("//d:Representation/@width"), (std::vector<std::string>{"1280", "640"}));
  EXPECT_EQ(x.values("//d:Representation/@bandwidth"),
            (std::vector<std::string>{"4000000", "2000000"}));
  EXPECT_EQ(x.values("//d:Representation/@codecs"),
            (std::vector<std::string>{"avc1.64001f", "avc1.64001e"}));
  EXPECT_EQ(x.values("//d:AdaptationSet/@segmentAlignment"), std::vector<std::string>{"true"});
  // Timeline: 3 x 180000 in one S with r=2, then the tail.
  EXPECT_EQ(x.values("//d:Representation[@id='v0']//d:S/@d"),
            (std::vector<std::string>{"180000", "3000"}));
  EXPECT_EQ(x.values("//d:Representation[@id='v0']//d:S/@r"), std::vector<std::string>{"2"});
  EXPECT_TRUE(x.values("/d:MPD/@availabilityStartTime").empty());
}

// Declared maxima are rounded up, never to the nearest: a bound printed shorter than a segment
// it bounds is a lie (2.005333 s audio segments under "PT2.005S").
TEST(Dash, MaxSegmentDurationBoundsTheAudioSegmentsToo) {
  XmlQuery x(render_mpd(with_audio(true)));
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.values("/d:MPD/@maxSegmentDuration"),
            std::vector<std::string>{"PT2.006S"});  // 96256 / 48000
}

TEST(Dash, MaxSegmentDurationWhileWritingBoundsAFractionalGrid) {
  ManifestModel m = two_tracks(false);
  m.segment_duration = {71, 100};  // 30 fps: segments of 21 or 22 frames (0.7333 s)
  XmlQuery x(render_mpd(m));
  ASSERT_TRUE(x.ok());
  // The grid plus one frame (0.74333 s), rounded up.
  EXPECT_EQ(x.values("/d:MPD/@maxSegmentDuration"), std::vector<std::string>{"PT0.744S"});
}

TEST(MaxSegment, WhileWritingTheBoundCoversAudioAroundTheLongestVideoSegment) {
  ManifestModel m = with_audio(false);
  // Audio segment K starts within half an AAC frame of video segment K at both ends, so it may
  // last one AAC frame longer than the longest video segment (grid + one video frame).
  EXPECT_NEAR(m.max_possible_segment_seconds(), 2.0 + 3000.0 / 90000 + 1024.0 / 48000, 1e-9);
}

TEST(XsDuration, AtLeastRoundsUpToTheMillisecond) {
  EXPECT_EQ(xs_duration_at_least(2.0053333), "PT2.006S");
  EXPECT_EQ(xs_duration_at_least(22.0 / 30), "PT0.734S");
  EXPECT_EQ(xs_duration_at_least(2.0), "PT2.000S");  // exact values stay as they are
  EXPECT_EQ(xs_duration_at_least(0.7), "PT0.700S");
  EXPECT_EQ(xs_duration(2.0053333), "PT2.005S");  // durations that are not bounds: nearest
}

TEST(Dash, DynamicMpdWhileWriting) {
  XmlQuery x(render_mpd(two_tracks(false)));
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x.values("/d:MPD/@type"), std::vector<std::string>{"dynamic"});
  EXPECT_EQ(x.values("/d:MPD/@availabilityStartTime"),
            std::vector<std::string>{"2023-11-14T22:13:20.000Z"});
  EXPECT_EQ(x.values("/d:MPD/@publishTime"), std::vector<std::string>{"2023-11-14T22:13:26.000Z"});
  EXPECT_EQ(x.values("/d:MPD/@minimumUpdatePeriod"), std::vector<std::string>{"PT2.000S"});
  EXPECT_EQ(x.values("/d:MPD/d:UTCTiming/@schemeIdUri"),
            std::vector<std::string>{"urn:mpeg:dash:utc:direct:2014"});
  EXPECT_TRUE(x.values("/d:MPD/@mediaPresentationDuration").empty());
}

}  // namespace
}  // namespace gearbox::packager
