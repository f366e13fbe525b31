// Stream configuration with StreamGear's ladder semantics:
//  - a primary rendition at the source size and the input frame rate, always present;
//  - secondary renditions, each with a required resolution and a bitrate or a frame rate
//    (a frame rate alone gives the bitrate round(w*h*bpp*fps/1000) kbps, bpp default 0.1).
// Unlike StreamGear, an invalid entry is an error naming the entry and the field, never skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gearbox/backend_options.h"
#include "gearbox/error.h"
#include "gearbox/export.h"
#include "gearbox/rational.h"

namespace gearbox {

enum class OutputFormat { kDash, kHls, kBoth };
GEARBOX_EXPORT const char* to_string(OutputFormat format);
GEARBOX_EXPORT Result<OutputFormat> parse_output_format(std::string_view text);

// The container of HLS media segments. fMP4 (CMAF) segments are the ones the MPD lists too, so
// "both" formats share one set of files. MPEG-TS (StreamGear's HLS default, for players older
// than fMP4 HLS: iOS before 10, old set-top boxes) gets its own .ts segments, so it needs
// format hls: DASH cannot list TS segments.
enum class HlsSegmentType { kFmp4, kMpegTs };
GEARBOX_EXPORT const char* to_string(HlsSegmentType type);
// "fmp4", "mpegts"
GEARBOX_EXPORT Result<HlsSegmentType> parse_hls_segment_type(std::string_view text);

struct RenditionSpec {
  int width = 0;
  int height = 0;
  std::optional<int64_t> bitrate_kbps;  // with no bitrate, the rule uses frame_rate
  // The rendition's real output rate (frames picked on the pts grid; at most the input rate).
  // Unlike StreamGear, where it only fed the bitrate rule. Default: the input rate.
  std::optional<Rational> frame_rate;
};

// Rate control shared by every backend: target = the rendition's bitrate, VBV/HRD cap =
// maxrate_factor * target with a buffer of buffer_seconds * target.
struct RateControlOptions {
  double vbv_maxrate_factor = 1.0;
  double vbv_buffer_seconds = 1.0;
};

// StreamGear's -audio: one audio source, encoded once to AAC-LC and shared by every rendition
// (a DASH audio AdaptationSet, an HLS EXT-X-MEDIA audio group). Media time 0 is the first video
// frame for both; see the README's "Audio" section for the clock and end-of-source rules.
// Which clock places the audio's samples on the stream's media time (see the README's "Audio").
enum class AudioClock {
  kAuto,    // kWall for capture devices (alsa, pulse, ...), kSource for everything else
  kSource,  // the source's own timestamps from its first sample: files, URLs, lavfi
  kWall,    // the wall clock, mapped to media time through the times frames are pushed: live
            // sources (a device's packet time, or else the time a chunk arrives)
};
GEARBOX_EXPORT const char* to_string(AudioClock clock);
// "auto", "source", "wall"
GEARBOX_EXPORT Result<AudioClock> parse_audio_clock(std::string_view text);

struct AudioOptions {
  // Empty: no audio. A file path, a URL, or "FORMAT:DEVICE" for a libavformat/libavdevice input
  // format, e.g. "alsa:hw:1", "pulse:default", "lavfi:sine=frequency=1000:beep_factor=4".
  std::string source;
  int64_t bitrate_kbps = 128;  // StreamGear's -audio_bitrate
  int sample_rate = 48000;     // of the AAC output; the source is resampled to it
  int channels = 2;            // 1 or 2
  AudioClock clock = AudioClock::kAuto;
};

enum class LogLevel { kInfo, kWarning, kError };
using LogCallback = std::function<void(LogLevel, const std::string&)>;

// A segment file is complete on disk (the manifests list it once every rendition has it).
struct SegmentEvent {
  std::string rendition;  // "v0", "v1", ..., or "a0" for the audio track
  int64_t number = 0;     // 1-based; the same number is the same instant in every rendition
  double start = 0;       // seconds of media time
  double duration = 0;    // seconds
  int64_t bytes = 0;
  int64_t frames = 0;
};
// Called on a pipeline thread (several renditions' events may arrive concurrently): keep it
// short and thread-safe.
using SegmentCallback = std::function<void(const SegmentEvent&)>;

// StreamGear's -livestream, done as a live service expects: the manifests list a sliding window
// of the newest segments, and a segment that leaves the window stays on disk for a further
// delay before it is deleted, so a player that read an older manifest never gets a 404. Disk
// use is bounded by (window + delay) segments per rendition however long the stream runs.
struct LiveOptions {
  bool enabled = false;
  int window_segments = 6;  // segments listed (DASH timeShiftBufferDepth, HLS list size)
  // Segments kept after leaving the window. -1: window + 1, the minimum RFC 8216 6.2.2 asks
  // (a removed segment stays available for its duration plus the longest playlist's).
  int delete_delay_segments = -1;
  // false (default): push() blocks while the encoders catch up, nothing is lost.
  // true: push() never waits; a frame that finds the pipeline full is dropped and counted.
  bool drop_frames_when_behind = false;
  int effective_delete_delay() const {
    return delete_delay_segments >= 0 ? delete_delay_segments : window_segments + 1;
  }
};

// Low-latency DASH: each segment is written as CMAF chunks of `chunk_frames` frames, each
// appended to the segment file as soon as it is encoded, and the MPD announces
// availabilityTimeOffset so a player starts a segment before it is complete.
struct LowLatencyOptions {
  int chunk_frames = 0;  // 0: off (one fragment per segment)
};

struct StreamConfig {
  // Where to write: an existing or new directory (manifests get the fixed names manifest.mpd
  // and master.m3u8 inside), or a manifest path whose extension matches the format
  // (".mpd" for dash, ".m3u8" for hls; with "both" either one, the other gets the same stem),
  // or an http:// / https:// URL of either form: files are uploaded there with HTTP PUT (old
  // live segments removed with DELETE), as an ingest server or a WebDAV folder accepts.
  std::string output;
  OutputFormat format = OutputFormat::kDash;  // StreamGear's default
  HlsSegmentType hls_segment_type = HlsSegmentType::kFmp4;
  Rational input_frame_rate{25, 1};             // StreamGear's default
  double bpp = 0.1;                             // bits per pixel for the bitrate rule
  std::optional<int64_t> primary_bitrate_kbps;  // default: the bitrate rule at source size
  std::vector<RenditionSpec> renditions;        // secondary renditions, in manifest order
  Rational segment_duration{2, 1};              // seconds; every rendition cuts on this grid
  // StreamGear's -clear_prev_assets: at open(), delete what an earlier stream left in the
  // output directory (segments, init segments, media playlists, manifests, temporary files),
  // by gearbox's own file names only; other files are left alone.
  bool clear_previous_assets = false;
  std::string backend = "auto";  // "auto", "x264", "nvenc", "qsv", "vaapi"
  // Each backend's own settings by "<backend>.<option>" (x264.preset, nvenc.tuning, ...), as the
  // backends describe them (Backend::options(); `gearbox stream --help` lists them). Checked
  // against the descriptions when the stream opens, whichever backend is chosen.
  OptionValues backend_options;
  RateControlOptions rate_control;
  LiveOptions live;
  LowLatencyOptions low_latency;
  AudioOptions audio;
  int queue_depth = 2;  // frames buffered per pipeline stage before push() blocks
  // close() returns within this time even if an encoder, a disk or a callback hangs; it then
  // terminates the stream as abort() does.
  double close_timeout_seconds = 15;
  LogCallback log;             // default: warnings and errors to stderr
  SegmentCallback on_segment;  // optional: every segment written
};

// Checks every field that can be checked before the first frame. Errors name the field, e.g.
// "renditions[2].resolution: height 361 is odd; 4:2:0 needs even sizes".
GEARBOX_EXPORT Status validate(const StreamConfig& config);

// The largest frame gearbox encodes: H.264's highest level (6.2) allows 139264 macroblocks a
// frame (8192x4352) and, by its Annex A rule, no side over sqrt(8 * 139264) macroblocks; x264,
// the backend every build has, stops at 16384. Checked before anything is allocated for a size.
inline constexpr int kMaxFrameSide = 16384;
inline constexpr int64_t kMaxFramePixels = 139264LL * 256;
// The highest bitrate gearbox accepts anywhere (10 Gbps), as parse_bitrate_kbps() does.
inline constexpr int64_t kMaxBitrateKbps = 10000000;
// bits per pixel: 24 is what uncompressed 8-bit RGB costs; more makes no sense for a target.
inline constexpr double kMaxBpp = 24;

// "FIELD: WxH ..." when a side is not positive, over kMaxFrameSide, or the area over
// kMaxFramePixels. Odd sides are checked elsewhere (4:2:0 needs even sizes).
GEARBOX_EXPORT Status check_frame_size(const std::string& field, int width, int height);

// Parsers used by the CLI and by callers that take StreamGear-style strings.
GEARBOX_EXPORT Result<std::pair<int, int>> parse_size(std::string_view text);  // "1280x720"
// "2500k", "2.5M", "800000"
GEARBOX_EXPORT Result<int64_t> parse_bitrate_kbps(std::string_view text);
// "30", "29.97", "30000/1001"
GEARBOX_EXPORT Result<Rational> parse_frame_rate(std::string_view text);
GEARBOX_EXPORT Result<Rational> parse_duration(std::string_view text);  // "2", "0.5", "1001/500"
// A rendition: "WxH", "WxH@2500k", "WxH@15fps", or StreamGear's keys as
// "resolution=WxH,video_bitrate=2500k,framerate=15" (leading '-' on keys accepted).
GEARBOX_EXPORT Result<RenditionSpec> parse_rendition(std::string_view text);

}  // namespace gearbox
