#include "stream_options.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>

namespace gearbox::cli {

int usage_error(const char* command, const std::string& message) {
  std::fprintf(stderr, "gearbox %s: %s (see --help)\n", command, message.c_str());
  return 2;
}

int parse_stream_options(const char* command, const char* help, int argc, char** argv,
                         StreamOptions& o, const ExtraFlag& extra) {
  auto bad_usage = [command](const std::string& message) { return usage_error(command, message); };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (extra) {
      int rc = extra(arg, i, argc, argv);
      if (rc == 0) continue;
      if (rc == 2) return 2;
    }
    // Options without a value.
    if (arg == "-h" || arg == "--help") {
      std::fputs(help, stdout);
      return 1;
    }
    if (arg == "-q" || arg == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (arg == "--clear-prev-assets") {
      o.config.clear_previous_assets = true;
      continue;
    }
    if (arg == "--realtime") {
      o.realtime = true;
      continue;
    }
    if (arg == "--live") {
      o.config.live.enabled = true;
      continue;
    }
    if (arg == "--drop-frames") {
      o.config.live.drop_frames_when_behind = true;
      continue;
    }
    if (arg == "--low-latency") {
      if (o.config.low_latency.chunk_frames == 0) o.config.low_latency.chunk_frames = kLowLatencyChunkFrames;
      continue;
    }

    // Options with a value: each helper stores it or reports the usage error (returning 2).
    static const char* const kWithValue[] = {
        "-o", "--output", "-i", "--input", "--size", "--pix-fmt", "--backend", "--preset",
        "--tune", "--profile", "--format", "--hls-segment-type", "--segment", "--rate", "--duration", "--bitrate",
        "--rendition", "--bpp", "--frames", "--bframes", "--maxrate-factor", "--vbv-seconds",
        "--queue-depth", "--window", "--delete-delay", "--chunk-frames", "--close-timeout",
        "--timestamps", "--nvenc-preset", "--nvenc-tuning", "--nvenc-rc", "--audio", "--audio-bitrate",
        "--audio-rate", "--audio-channels", "--audio-clock"};
    if (std::find(std::begin(kWithValue), std::end(kWithValue), arg) == std::end(kWithValue)) {
      return bad_usage("unknown option \"" + arg + "\"");
    }
    if (i + 1 >= argc) return bad_usage("option " + arg + " needs a value");
    const std::string v = argv[++i];
    auto parsed = [&](auto parse, auto& dest) {
      auto r = parse(v);
      if (!r) return bad_usage(r.error().message);
      dest = *r;
      return 0;
    };
    auto number = [&](auto& dest, double min) {
      using T = std::remove_reference_t<decltype(dest)>;
      char* end = nullptr;
      double x = std::strtod(v.c_str(), &end);
      const bool whole = !std::is_integral_v<T> || x == static_cast<double>(static_cast<int64_t>(x));
      if (v.empty() || *end || !(x >= min) || !whole) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", min);
        return bad_usage(arg.substr(2) + ": \"" + v + "\" is not " +
                         (std::is_integral_v<T> ? "a whole number" : "a number") + " of at least " + text);
      }
      dest = static_cast<T>(x);
      return 0;
    };
    int rc = 0;
    if (arg == "-o" || arg == "--output") o.config.output = v;
    else if (arg == "-i" || arg == "--input") o.input = v;
    else if (arg == "--size") o.size = v;
    else if (arg == "--pix-fmt") o.pix_fmt = v;
    else if (arg == "--backend") o.config.backend = v;
    else if (arg == "--preset") o.config.x264.preset = v;
    else if (arg == "--tune") o.config.x264.tune = v == "none" ? "" : v;
    else if (arg == "--profile") o.config.x264.profile = v;
    else if (arg == "--nvenc-preset") o.config.nvenc.preset = v;
    else if (arg == "--nvenc-tuning") o.config.nvenc.tuning = v;
    else if (arg == "--nvenc-rc") o.config.nvenc.rate_control = v;
    else if (arg == "--format") rc = parsed(parse_output_format, o.config.format);
    else if (arg == "--hls-segment-type") rc = parsed(parse_hls_segment_type, o.config.hls_segment_type);
    else if (arg == "--segment") rc = parsed(parse_duration, o.config.segment_duration);
    else if (arg == "--rate") rc = parsed(parse_frame_rate, o.config.input_frame_rate);
    else if (arg == "--duration") rc = parsed(parse_duration, o.duration);
    else if (arg == "--bitrate") rc = parsed(parse_bitrate_kbps, o.config.primary_bitrate_kbps);
    else if (arg == "--rendition") {
      std::optional<RenditionSpec> spec;
      rc = parsed(parse_rendition, spec);
      if (spec) o.config.renditions.push_back(*spec);
    }
    else if (arg == "--bpp") rc = number(o.config.bpp, 0);
    else if (arg == "--frames") rc = number(o.max_frames, 1);
    else if (arg == "--bframes") rc = number(o.config.x264.bframes, 0);
    else if (arg == "--maxrate-factor") rc = number(o.config.rate_control.vbv_maxrate_factor, 0);
    else if (arg == "--vbv-seconds") rc = number(o.config.rate_control.vbv_buffer_seconds, 0);
    else if (arg == "--queue-depth") rc = number(o.config.queue_depth, 1);
    else if (arg == "--window") rc = number(o.config.live.window_segments, 1);
    else if (arg == "--delete-delay") rc = number(o.config.live.delete_delay_segments, 0);
    else if (arg == "--chunk-frames") rc = number(o.config.low_latency.chunk_frames, 0);
    else if (arg == "--close-timeout") rc = number(o.config.close_timeout_seconds, 0.001);
    else if (arg == "--timestamps") {
      if (v != "index" && v != "wallclock") return bad_usage("timestamps: \"" + v + "\" is not index or wallclock");
      o.wallclock_timestamps = v == "wallclock";
    }
    else if (arg == "--audio") o.config.audio.source = v;
    else if (arg == "--audio-bitrate") rc = parsed(parse_bitrate_kbps, o.config.audio.bitrate_kbps);
    else if (arg == "--audio-rate") rc = number(o.config.audio.sample_rate, 1);
    else if (arg == "--audio-channels") rc = number(o.config.audio.channels, 1);
    else if (arg == "--audio-clock") rc = parsed(parse_audio_clock, o.config.audio.clock);
    if (rc) return rc;
  }
  return 0;
}

}  // namespace gearbox::cli
