#include "gearbox/config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace gearbox {
namespace {

Error invalid(const std::string& field, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, field + ": " + what);
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// A double as the user would write it ("1e+300", "0.1", "nan"), not std::to_string's "0.100000".
std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Parses an unsigned decimal number with an optional fraction ("29.97") into a rational.
std::optional<Rational> parse_decimal(std::string_view text) {
  std::string s = trim(text);
  if (s.empty()) return std::nullopt;
  int64_t num = 0, den = 1;
  bool seen_dot = false, seen_digit = false;
  for (char c : s) {
    if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      if (num > (INT64_MAX / 10) - 10 || den > INT64_MAX / 10) return std::nullopt;
      num = num * 10 + (c - '0');
      if (seen_dot) den *= 10;
      seen_digit = true;
    } else {
      return std::nullopt;
    }
  }
  if (!seen_digit) return std::nullopt;
  return Rational::make(num, den);
}

// "a/b" or a decimal.
std::optional<Rational> parse_ratio_or_decimal(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return parse_decimal(text);
  auto n = parse_decimal(text.substr(0, slash));
  auto d = parse_decimal(text.substr(slash + 1));
  if (!n || !d || d->num == 0) return std::nullopt;
  int64_t num = 0, den = 0;  // a ratio past int64 ("99999999999/0.0000000001") is no rate
  if (__builtin_mul_overflow(n->num, d->den, &num) ||
      __builtin_mul_overflow(n->den, d->num, &den)) {
    return std::nullopt;
  }
  return Rational::make(num, den);
}

Status check_even_size(const std::string& field, int w, int h) {
  if (w <= 0 || h <= 0) {
    return invalid(field,
                   "size " + std::to_string(w) + "x" + std::to_string(h) + " must be positive");
  }
  if (w % 2 || h % 2) {
    return invalid(
        field, std::string(w % 2 ? "width " + std::to_string(w) : "height " + std::to_string(h)) +
                   " is odd; 4:2:0 encoding needs even sizes");
  }
  return {};
}

// The sample rates AAC-LC signals with an index (ISO/IEC 14496-3 Table 1.18).
bool is_aac_sample_rate(int rate) {
  for (int r :
       {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000}) {
    if (r == rate) return true;
  }
  return false;
}

Status validate_audio(const AudioOptions& a) {
  if (a.source.empty()) return {};
  if (a.bitrate_kbps < 8 || a.bitrate_kbps > 512) {
    return invalid("audio.bitrate", std::to_string(a.bitrate_kbps) + " kbps must be within 8..512");
  }
  if (!is_aac_sample_rate(a.sample_rate)) {
    return invalid("audio.sample_rate",
                   std::to_string(a.sample_rate) +
                       " Hz is not an AAC sample rate (8000..96000, e.g. 44100, 48000)");
  }
  if (a.channels < 1 || a.channels > 2) {
    return invalid("audio.channels",
                   std::to_string(a.channels) + " must be 1 (mono) or 2 (stereo)");
  }
  return {};
}

}  // namespace

const char* to_string(AudioClock clock) {
  switch (clock) {
    case AudioClock::kAuto: return "auto";
    case AudioClock::kSource: return "source";
    case AudioClock::kWall: return "wall";
  }
  return "unknown";
}

Result<AudioClock> parse_audio_clock(std::string_view text) {
  const std::string t = trim(text);
  for (AudioClock c : {AudioClock::kAuto, AudioClock::kSource, AudioClock::kWall}) {
    if (t == to_string(c)) return c;
  }
  return invalid("audio.clock", quoted(text) + " is not auto, source or wall");
}

const char* to_string(OutputFormat format) {
  switch (format) {
    case OutputFormat::kDash: return "dash";
    case OutputFormat::kHls: return "hls";
    case OutputFormat::kBoth: return "both";
  }
  return "unknown";
}

Result<OutputFormat> parse_output_format(std::string_view text) {
  if (text == "dash") return OutputFormat::kDash;
  if (text == "hls") return OutputFormat::kHls;
  if (text == "both") return OutputFormat::kBoth;
  return invalid("format", quoted(text) + " is not one of dash, hls, both");
}

const char* to_string(HlsSegmentType type) {
  return type == HlsSegmentType::kMpegTs ? "mpegts" : "fmp4";
}

Result<HlsSegmentType> parse_hls_segment_type(std::string_view text) {
  const std::string t = trim(text);
  if (t == "fmp4") return HlsSegmentType::kFmp4;
  if (t == "mpegts") return HlsSegmentType::kMpegTs;
  return invalid("hls_segment_type", quoted(text) + " is not fmp4 or mpegts");
}

Result<std::pair<int, int>> parse_size(std::string_view text) {
  std::string s = trim(text);
  size_t x = s.find_first_of("xX");
  auto bad = [&] { return invalid("resolution", quoted(text) + " is not WIDTHxHEIGHT"); };
  if (x == std::string::npos || x == 0 || x + 1 >= s.size()) return bad();
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != x && !std::isdigit(static_cast<unsigned char>(s[i]))) return bad();
  }
  if (x > 6 || s.size() - x - 1 > 6) return bad();  // over 999999 pixels: surely a typo
  return std::make_pair(std::atoi(s.substr(0, x).c_str()), std::atoi(s.substr(x + 1).c_str()));
}

Result<int64_t> parse_bitrate_kbps(std::string_view text) {
  std::string s = trim(text);
  auto bad = [&] {
    return invalid("bitrate", quoted(text) + " is not a bitrate like 2500k, 2.5M or 800000");
  };
  if (s.empty()) return bad();
  int64_t scale_bps = 1;
  char last = s.back();
  if (last == 'k' || last == 'K') scale_bps = 1000;
  if (last == 'm' || last == 'M') scale_bps = 1000000;
  if (scale_bps != 1) s.pop_back();
  auto value = parse_decimal(s);
  if (!value) return bad();
  // kbps = value * scale / 1000, rounded to the nearest kbps.
  double kbps = value->to_double() * static_cast<double>(scale_bps) / 1000.0;
  if (!(kbps >= 1.0)) return invalid("bitrate", quoted(text) + " is below 1 kbps");
  if (kbps > 1e7) return invalid("bitrate", quoted(text) + " is above 10 Gbps");
  return static_cast<int64_t>(std::llround(kbps));
}

Result<Rational> parse_frame_rate(std::string_view text) {
  auto r = parse_ratio_or_decimal(text);
  if (!r || r->num <= 0) {
    return invalid("framerate",
                   quoted(text) + " is not a positive rate like 30, 29.97 or 30000/1001");
  }
  if (r->to_double() > 1000.0) return invalid("framerate", quoted(text) + " is above 1000 fps");
  return *r;
}

Result<Rational> parse_duration(std::string_view text) {
  auto r = parse_ratio_or_decimal(text);
  if (!r || r->num <= 0) {
    return invalid("duration", quoted(text) + " is not a positive number of seconds");
  }
  return *r;
}

Result<RenditionSpec> parse_rendition(std::string_view text) {
  RenditionSpec spec;
  std::string s = trim(text);
  auto fail = [&](const Error& e) { return invalid("rendition " + quoted(text), e.message); };
  if (s.find('=') == std::string::npos) {
    // Shorthand: WxH, WxH@2500k, WxH@15fps
    std::string size_part = s, rate_part;
    size_t at = s.find('@');
    if (at != std::string::npos) {
      size_part = s.substr(0, at);
      rate_part = s.substr(at + 1);
    }
    auto size = parse_size(size_part);
    if (!size) return fail(size.error());
    spec.width = size->first;
    spec.height = size->second;
    if (!rate_part.empty()) {
      if (rate_part.size() > 3 && rate_part.compare(rate_part.size() - 3, 3, "fps") == 0) {
        auto fps = parse_frame_rate(rate_part.substr(0, rate_part.size() - 3));
        if (!fps) return fail(fps.error());
        spec.frame_rate = *fps;
      } else {
        auto kbps = parse_bitrate_kbps(rate_part);
        if (!kbps) return fail(kbps.error());
        spec.bitrate_kbps = *kbps;
      }
    }
    return spec;
  }
  // key=value pairs, StreamGear's key names.
  bool have_size = false;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    std::string item = trim(std::string_view(s).substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return invalid("rendition " + quoted(text), quoted(item) + " is not key=value");
    }
    std::string key = trim(item.substr(0, eq));
    std::string value = trim(item.substr(eq + 1));
    if (!key.empty() && key[0] == '-') key.erase(0, 1);
    if (key == "resolution") {
      auto size = parse_size(value);
      if (!size) return fail(size.error());
      spec.width = size->first;
      spec.height = size->second;
      have_size = true;
    } else if (key == "video_bitrate" || key == "bitrate") {
      auto kbps = parse_bitrate_kbps(value);
      if (!kbps) return fail(kbps.error());
      spec.bitrate_kbps = *kbps;
    } else if (key == "framerate") {
      auto fps = parse_frame_rate(value);
      if (!fps) return fail(fps.error());
      spec.frame_rate = *fps;
    } else {
      return invalid(
          "rendition " + quoted(text),
          "unknown key " + quoted(key) + " (known: resolution, video_bitrate, framerate)");
    }
  }
  if (!have_size) return invalid("rendition " + quoted(text), "resolution is required");
  return spec;
}

Status check_frame_size(const std::string& field, int width, int height) {
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (width <= 0 || height <= 0) return invalid(field, size + " must be positive");
  if (width > kMaxFrameSide || height > kMaxFrameSide ||
      static_cast<int64_t>(width) * height > kMaxFramePixels) {
    return invalid(field, size + " is larger than H.264 encodes (at most " +
                              std::to_string(kMaxFrameSide) + " a side and " +
                              std::to_string(kMaxFramePixels) + " pixels, e.g. 8192x4352)");
  }
  return {};
}

Status validate(const StreamConfig& c) {
  if (c.output.empty()) return invalid("output", "is empty; give a directory or a manifest path");
  if (!c.input_frame_rate.valid_positive()) {
    return invalid("input_frame_rate", c.input_frame_rate.to_string() + " must be positive");
  }
  if (c.input_frame_rate.to_double() > 1000.0) {
    return invalid("input_frame_rate", c.input_frame_rate.to_string() + " is above 1000 fps");
  }
  if (!(c.bpp > 0.0 && c.bpp <= kMaxBpp)) {  // NaN fails too
    return invalid("bpp", number_text(c.bpp) + " must be above 0 and at most " +
                              number_text(kMaxBpp) + " bits per pixel (uncompressed 8-bit RGB)");
  }
  if (c.primary_bitrate_kbps &&
      (*c.primary_bitrate_kbps <= 0 || *c.primary_bitrate_kbps > kMaxBitrateKbps)) {
    return invalid("primary_bitrate_kbps", std::to_string(*c.primary_bitrate_kbps) +
                                               " kbps must be within 1.." +
                                               std::to_string(kMaxBitrateKbps) + " (10 Gbps)");
  }
  if (!c.segment_duration.valid_positive()) {
    return invalid("segment_duration", c.segment_duration.to_string() + " must be positive");
  }
  Rational frame_duration = Rational::make(c.input_frame_rate.den, c.input_frame_rate.num);
  if (c.segment_duration < frame_duration) {
    return invalid("segment_duration", c.segment_duration.to_string() +
                                           " s is shorter than one frame at " +
                                           c.input_frame_rate.to_string() + " fps");
  }
  if (c.queue_depth < 1 || c.queue_depth > 1024) {
    return invalid("queue_depth", std::to_string(c.queue_depth) + " must be within 1..1024");
  }
  if (c.live.enabled && (c.live.window_segments < 1 || c.live.window_segments > 10000)) {
    return invalid("live.window_segments",
                   std::to_string(c.live.window_segments) + " must be within 1..10000");
  }
  if (c.live.delete_delay_segments < -1 || c.live.delete_delay_segments > 10000) {
    return invalid("live.delete_delay_segments", std::to_string(c.live.delete_delay_segments) +
                                                     " must be within 0..10000 (-1: window + 1)");
  }
  if (c.hls_segment_type == HlsSegmentType::kMpegTs && c.format != OutputFormat::kHls) {
    return invalid("hls_segment_type",
                   std::string("mpegts needs format hls, not ") + to_string(c.format) +
                       ": DASH lists fMP4 segments only (use fmp4 to serve DASH and HLS "
                       "from one set of segments)");
  }
  if (c.low_latency.chunk_frames < 0 || c.low_latency.chunk_frames > 1000) {
    return invalid("low_latency.chunk_frames",
                   std::to_string(c.low_latency.chunk_frames) + " must be within 0..1000");
  }
  if (!(c.close_timeout_seconds > 0.0) || !std::isfinite(c.close_timeout_seconds)) {
    return invalid("close_timeout_seconds",
                   std::to_string(c.close_timeout_seconds) + " must be positive");
  }
  if (!(c.rate_control.vbv_maxrate_factor >= 1.0)) {
    return invalid("rate_control.vbv_maxrate_factor",
                   std::to_string(c.rate_control.vbv_maxrate_factor) + " must be at least 1.0");
  }
  if (!(c.rate_control.vbv_buffer_seconds > 0.0)) {
    return invalid("rate_control.vbv_buffer_seconds",
                   std::to_string(c.rate_control.vbv_buffer_seconds) + " must be positive");
  }
  // Backend options: each key names a backend and one of its options. Their values are checked
  // against the backends' own descriptions when the stream opens (check_backend_options).
  for (const auto& [key, value] : c.backend_options) {
    const size_t dot = key.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == key.size()) {
      return invalid("backend_options",
                     "key \"" + key + "\" is not of the form <backend>.<option>");
    }
  }
  GEARBOX_RETURN_IF_ERROR(validate_audio(c.audio));
  for (size_t i = 0; i < c.renditions.size(); ++i) {
    const RenditionSpec& r = c.renditions[i];
    std::string field = "renditions[" + std::to_string(i + 1) + "]";  // [0] is the primary
    GEARBOX_RETURN_IF_ERROR(check_even_size(field + ".resolution", r.width, r.height));
    GEARBOX_RETURN_IF_ERROR(check_frame_size(field + ".resolution", r.width, r.height));
    if (r.bitrate_kbps && (*r.bitrate_kbps <= 0 || *r.bitrate_kbps > kMaxBitrateKbps)) {
      return invalid(field + ".bitrate", std::to_string(*r.bitrate_kbps) +
                                             " kbps must be within 1.." +
                                             std::to_string(kMaxBitrateKbps) + " (10 Gbps)");
    }
    if (r.frame_rate && !r.frame_rate->valid_positive()) {
      return invalid(field + ".framerate", r.frame_rate->to_string() + " must be positive");
    }
    if (r.frame_rate && c.input_frame_rate < *r.frame_rate) {
      return invalid(field + ".framerate",
                     r.frame_rate->to_string() + " fps is above the input frame rate " +
                         c.input_frame_rate.to_string() +
                         " fps; a rendition can only drop frames, not invent them");
    }
    if (!r.bitrate_kbps && !r.frame_rate) {
      return invalid(field, "has neither a bitrate nor a framerate; give one of them");
    }
  }
  return {};
}

}  // namespace gearbox
