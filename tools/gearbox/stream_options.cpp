#include "stream_options.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "gearbox/backend_registry.h"
#include "gearbox/ladder.h"

namespace gearbox::cli {
namespace {

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

Error bad_value(const std::string& flag, const std::string& text, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, flag + ": \"" + text + "\" is not " + what);
}

// Config fields validate() names, and the flag that sets each: its errors read as the user typed.
struct FieldFlag {
  const char* field;
  const char* flag;
};
const FieldFlag kFieldFlags[] = {
    {"bpp", "--bpp"},
    {"primary_bitrate_kbps", "--bitrate"},
    {"segment_duration", "--segment"},
    {"input_frame_rate", "--rate"},
    {"queue_depth", "--queue-depth"},
    {"live.window_segments", "--window"},
    {"live.delete_delay_segments", "--delete-delay"},
    {"low_latency.chunk_frames", "--chunk-frames"},
    {"close_timeout_seconds", "--close-timeout"},
    {"rate_control.vbv_maxrate_factor", "--maxrate-factor"},
    {"rate_control.vbv_buffer_seconds", "--vbv-seconds"},
    {"audio.bitrate", "--audio-bitrate"},
    {"audio.sample_rate", "--audio-rate"},
    {"audio.channels", "--audio-channels"},
    {"hls_segment_type", "--hls-segment-type"},
    {"output", "--output"},
};

// Every backend's options, as flags: built once from the backends' own descriptions.
struct BackendFlag {
  std::string flag;
  std::string key;  // "<backend>.<option>"
  std::string backend;
  OptionSpec spec;
};

const std::vector<BackendFlag>& backend_flags() {
  static const std::vector<BackendFlag> flags = [] {
    std::vector<BackendFlag> list;
    for (const std::unique_ptr<Backend>& b : all_backends()) {
      for (const OptionSpec& spec : b->options()) {
        list.push_back(
            {option_flag(b->name(), spec), b->name() + "." + spec.name, b->name(), spec});
      }
    }
    return list;
  }();
  return flags;
}

const BackendFlag* find_backend_flag(const std::string& flag) {
  for (const BackendFlag& f : backend_flags()) {
    if (f.flag == flag) return &f;
  }
  return nullptr;
}

// A library error that names a backend option's key, readdressed to the option's flag.
std::string name_backend_flags(std::string message) {
  for (const BackendFlag& f : backend_flags()) message = name_flag(message, f.key, f.flag);
  return message;
}

// One help line as the hand-written ones: flag and value in 26 columns, the description, and
// the default right-aligned to column 83 (on a line of its own when it does not fit).
std::string help_line(const std::string& left,
                      const std::string& text,
                      const std::string& default_value) {
  constexpr size_t kFlagColumns = 26, kWidth = 83;
  std::string line = "  " + left;
  line += line.size() < kFlagColumns ? std::string(kFlagColumns - line.size(), ' ') : " ";
  line += text;
  const std::string tail = "[default: " + default_value + "]";
  if (line.size() + 1 + tail.size() <= kWidth) {
    line += std::string(kWidth - line.size() - tail.size(), ' ') + tail;
  } else {
    line += "\n" + std::string(kWidth - tail.size(), ' ') + tail;
  }
  return line + "\n";
}

}  // namespace

std::string backend_options_help() {
  std::string names = "auto";
  for (const std::unique_ptr<Backend>& b : all_backends()) names += ", " + b->name();
  std::string text = help_line("--backend NAME", names, "auto");
  for (const BackendFlag& f : backend_flags()) {
    text += help_line(f.flag + " " + f.spec.value_name, f.spec.help, f.spec.default_value);
  }
  return text;
}

std::string backend_option_value(const StreamConfig& config, const std::string& key) {
  auto given = config.backend_options.find(key);
  if (given != config.backend_options.end()) return given->second;
  for (const BackendFlag& f : backend_flags()) {
    if (f.key == key) return f.spec.default_value;
  }
  return "";
}

Result<int64_t> parse_whole_number(const std::string& flag,
                                   const std::string& text,
                                   int64_t min,
                                   int64_t max) {
  const std::string range =
      "a whole number within " + std::to_string(min) + ".." + std::to_string(max);
  if (text.empty() || text.size() > 19) return bad_value(flag, text, range);
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad_value(flag, text, range);
    v = v * 10 + (c - '0');  // 19 digits at most: cannot overflow int64
  }
  if (v < min || v > max) return bad_value(flag, text, range);
  return v;
}

Result<double> parse_real_number(const std::string& flag,
                                 const std::string& text,
                                 double min,
                                 double max,
                                 bool min_excluded) {
  const std::string range = std::string("a number ") + (min_excluded ? "above " : "of at least ") +
                            number_text(min) + " and at most " + number_text(max);
  // Decimal notation only: strtod alone would take " 5", "0x10", "nan", "inf" and "1e999".
  const bool decimal =
      !text.empty() && text.find_first_not_of("0123456789.eE+-") == std::string::npos;
  if (!decimal) return bad_value(flag, text, range);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (*end || errno == ERANGE || !std::isfinite(v)) return bad_value(flag, text, range);
  if (v < min || (min_excluded && v == min) || v > max) return bad_value(flag, text, range);
  return v;
}

std::string name_flag(const std::string& message,
                      const std::string& field,
                      const std::string& flag) {
  // "field: ..." or "field \"value\": ..." (parse_rendition names the spec it refuses).
  if (message.compare(0, field.size(), field) != 0) return message;
  if (message.size() == field.size() ||
      (message[field.size()] != ':' && message[field.size()] != ' ')) {
    return message;
  }
  return flag + message.substr(field.size());
}

int64_t frames_in(Rational duration, Rational fps) {
  const __int128 n = static_cast<__int128>(duration.num) * fps.num;
  const __int128 d = static_cast<__int128>(duration.den) * fps.den;
  if (d <= 0 || n <= 0) return 0;
  const __int128 q = n / d;
  return q > std::numeric_limits<int64_t>::max() ? std::numeric_limits<int64_t>::max()
                                                 : static_cast<int64_t>(q);
}

Status check_before_streaming(const StreamOptions& o, int width, int height) {
  GEARBOX_RETURN_IF_ERROR(check_frame_size("--size", width, height));
  Status valid = validate(o.config);
  if (!valid) {
    std::string message = valid.message();
    for (const FieldFlag& f : kFieldFlags) message = name_flag(message, f.field, f.flag);
    return make_error(valid.code(), message);
  }
  BackendList backends;
  for (std::unique_ptr<Backend>& b : all_backends()) backends.push_back(std::move(b));
  Status options = check_backend_options(o.config.backend_options, backends);
  if (!options) return make_error(options.code(), name_backend_flags(options.message()));
  auto ladder = plan_ladder(o.config, width, height);
  if (!ladder) {
    return make_error(ladder.error().code,
                      name_flag(ladder.error().message, "frame: source size", "--size"));
  }
  return {};
}

int usage_error(const char* command, const std::string& message) {
  std::fprintf(stderr, "gearbox %s: %s (see --help)\n", command, message.c_str());
  return 2;
}

int parse_stream_options(const char* command,
                         const char* help,
                         int argc,
                         char** argv,
                         StreamOptions& o,
                         const ExtraFlag& extra) {
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
      // The backends' flags are described by the backends: spliced in where the help says.
      std::string text = help;
      const size_t at = text.find(kBackendOptionsHelpMarker);
      if (at != std::string::npos)
        text.replace(at, std::strlen(kBackendOptionsHelpMarker), backend_options_help());
      std::fputs(text.c_str(), stdout);
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
      if (o.config.low_latency.chunk_frames == 0)
        o.config.low_latency.chunk_frames = kLowLatencyChunkFrames;
      continue;
    }

    // A backend's own option: the backend's description says what it accepts.
    if (const BackendFlag* f = find_backend_flag(arg)) {
      if (i + 1 >= argc) return bad_usage("option " + arg + " needs a value");
      const std::string v = argv[++i];
      Status ok = check_option_value(f->backend, f->spec, v);
      if (!ok) return bad_usage(name_flag(ok.message(), f->key, f->flag));
      o.config.backend_options[f->key] = v;
      continue;
    }

    // Options with a value: each helper stores it or reports the usage error (returning 2).
    static const char* const kWithValue[] = {"-o",
                                             "--output",
                                             "-i",
                                             "--input",
                                             "--size",
                                             "--pix-fmt",
                                             "--backend",
                                             "--format",
                                             "--hls-segment-type",
                                             "--segment",
                                             "--rate",
                                             "--duration",
                                             "--bitrate",
                                             "--rendition",
                                             "--bpp",
                                             "--frames",
                                             "--maxrate-factor",
                                             "--vbv-seconds",
                                             "--queue-depth",
                                             "--window",
                                             "--delete-delay",
                                             "--chunk-frames",
                                             "--close-timeout",
                                             "--timestamps",
                                             "--audio",
                                             "--audio-bitrate",
                                             "--audio-rate",
                                             "--audio-channels",
                                             "--audio-clock"};
    if (std::find(std::begin(kWithValue), std::end(kWithValue), arg) == std::end(kWithValue)) {
      return bad_usage("unknown option \"" + arg + "\"");
    }
    if (i + 1 >= argc) return bad_usage("option " + arg + " needs a value");
    const std::string v = argv[++i];
    // A library parser's error names its own field; say the flag instead.
    auto parsed = [&](auto parse, const char* field, auto& dest) {
      auto r = parse(v);
      if (!r) return bad_usage(name_flag(r.error().message, field, arg));
      dest = *r;
      return 0;
    };
    auto whole = [&](auto& dest, int64_t min, int64_t max) {
      auto r = parse_whole_number(arg, v, min, max);
      if (!r) return bad_usage(r.error().message);
      dest = static_cast<std::remove_reference_t<decltype(dest)>>(*r);
      return 0;
    };
    auto real = [&](double& dest, double min, double max, bool min_excluded = false) {
      auto r = parse_real_number(arg, v, min, max, min_excluded);
      if (!r) return bad_usage(r.error().message);
      dest = *r;
      return 0;
    };
    int rc = 0;
    if (arg == "-o" || arg == "--output")
      o.config.output = v;
    else if (arg == "-i" || arg == "--input")
      o.input = v;
    else if (arg == "--size")
      o.size = v;
    else if (arg == "--pix-fmt")
      o.pix_fmt = v;
    else if (arg == "--backend")
      o.config.backend = v;
    else if (arg == "--format")
      rc = parsed(parse_output_format, "format", o.config.format);
    else if (arg == "--hls-segment-type")
      rc = parsed(parse_hls_segment_type, "hls_segment_type", o.config.hls_segment_type);
    else if (arg == "--segment")
      rc = parsed(parse_duration, "duration", o.config.segment_duration);
    else if (arg == "--rate")
      rc = parsed(parse_frame_rate, "framerate", o.config.input_frame_rate);
    else if (arg == "--duration")
      rc = parsed(parse_duration, "duration", o.duration);
    else if (arg == "--bitrate")
      rc = parsed(parse_bitrate_kbps, "bitrate", o.config.primary_bitrate_kbps);
    else if (arg == "--rendition") {
      std::optional<RenditionSpec> spec;
      rc = parsed(parse_rendition, "rendition", spec);
      if (spec) o.config.renditions.push_back(*spec);
    } else if (arg == "--bpp")
      rc = real(o.config.bpp, 0, kMaxBpp, true);
    else if (arg == "--frames")
      rc = whole(o.max_frames, 1, std::numeric_limits<int64_t>::max());
    else if (arg == "--maxrate-factor")
      rc = real(o.config.rate_control.vbv_maxrate_factor, 1, 100);
    else if (arg == "--vbv-seconds")
      rc = real(o.config.rate_control.vbv_buffer_seconds, 0, 60, true);
    else if (arg == "--queue-depth")
      rc = whole(o.config.queue_depth, 1, 1024);
    else if (arg == "--window")
      rc = whole(o.config.live.window_segments, 1, 10000);
    else if (arg == "--delete-delay")
      rc = whole(o.config.live.delete_delay_segments, 0, 10000);
    else if (arg == "--chunk-frames")
      rc = whole(o.config.low_latency.chunk_frames, 0, 1000);
    else if (arg == "--close-timeout")
      rc = real(o.config.close_timeout_seconds, 0.001, 86400);
    else if (arg == "--timestamps") {
      if (v != "index" && v != "wallclock")
        return bad_usage(arg + ": \"" + v + "\" is not index or wallclock");
      o.wallclock_timestamps = v == "wallclock";
    } else if (arg == "--audio")
      o.config.audio.source = v;
    else if (arg == "--audio-bitrate")
      rc = parsed(parse_bitrate_kbps, "bitrate", o.config.audio.bitrate_kbps);
    else if (arg == "--audio-rate")
      rc = whole(o.config.audio.sample_rate, 1, 1000000);
    else if (arg == "--audio-channels")
      rc = whole(o.config.audio.channels, 1, 2);
    else if (arg == "--audio-clock")
      rc = parsed(parse_audio_clock, "audio.clock", o.config.audio.clock);
    if (rc) return rc;
  }
  return 0;
}

}  // namespace gearbox::cli
