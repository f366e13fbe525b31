#include "stream_options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace gearbox::cli {

int usage_error(const char* command, const std::string& message) {
  std::fprintf(stderr, "gearbox %s: %s (see --help)\n", command, message.c_str());
  return 2;
}

int parse_stream_options(const char* command, const char* help, int argc, char** argv,
                         StreamOptions& o, const ExtraFlag& extra) {
  auto bad_usage = [command](const std::string& message) { return usage_error(command, message); };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (extra) {
      int rc = extra(arg, i, argc, argv);
      if (rc == 0) continue;
      if (rc == 2) return 2;
    }
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    auto need = [&](const char* v) {
      if (!v) bad_usage("option " + arg + " needs a value");
      return v != nullptr;
    };
    auto check = [&](const Error* e) {
      if (e) bad_usage(e->message);
      return e == nullptr;
    };
    if (arg == "-h" || arg == "--help") {
      std::fputs(help, stdout);
      return 1;
    } else if (arg == "-q" || arg == "--quiet") {
      o.quiet = true;
    } else if (arg == "--clear-prev-assets") {
      o.config.clear_previous_assets = true;
    } else if (arg == "--realtime") {
      o.realtime = true;
    } else if (arg == "-o" || arg == "--output") {
      const char* v = value("output");
      if (!need(v)) return 2;
      o.config.output = v;
    } else if (arg == "--format") {
      const char* v = value("format");
      if (!need(v)) return 2;
      auto f = parse_output_format(v);
      if (!check(f ? nullptr : &f.error())) return 2;
      o.config.format = *f;
    } else if (arg == "--segment") {
      const char* v = value("segment");
      if (!need(v)) return 2;
      auto d = parse_duration(v);
      if (!check(d ? nullptr : &d.error())) return 2;
      o.config.segment_duration = *d;
    } else if (arg == "--rendition") {
      const char* v = value("rendition");
      if (!need(v)) return 2;
      auto r = parse_rendition(v);
      if (!check(r ? nullptr : &r.error())) return 2;
      o.config.renditions.push_back(*r);
    } else if (arg == "--bitrate") {
      const char* v = value("bitrate");
      if (!need(v)) return 2;
      auto b = parse_bitrate_kbps(v);
      if (!check(b ? nullptr : &b.error())) return 2;
      o.config.primary_bitrate_kbps = *b;
    } else if (arg == "--bpp") {
      const char* v = value("bpp");
      if (!need(v)) return 2;
      char* end = nullptr;
      o.config.bpp = std::strtod(v, &end);
      if (!end || *end) return bad_usage(std::string("bpp: \"") + v + "\" is not a number");
    } else if (arg == "-i" || arg == "--input") {
      const char* v = value("input");
      if (!need(v)) return 2;
      o.input = v;
    } else if (arg == "--size") {
      const char* v = value("size");
      if (!need(v)) return 2;
      o.size = v;
    } else if (arg == "--pix-fmt") {
      const char* v = value("pix-fmt");
      if (!need(v)) return 2;
      o.pix_fmt = v;
    } else if (arg == "--rate") {
      const char* v = value("rate");
      if (!need(v)) return 2;
      auto r = parse_frame_rate(v);
      if (!check(r ? nullptr : &r.error())) return 2;
      o.config.input_frame_rate = *r;
    } else if (arg == "--duration") {
      const char* v = value("duration");
      if (!need(v)) return 2;
      auto d = parse_duration(v);
      if (!check(d ? nullptr : &d.error())) return 2;
      o.duration = *d;
    } else if (arg == "--frames") {
      const char* v = value("frames");
      if (!need(v)) return 2;
      char* end = nullptr;
      o.max_frames = std::strtoll(v, &end, 10);
      if (!end || *end || o.max_frames <= 0) {
        return bad_usage(std::string("frames: \"") + v + "\" is not a positive count");
      }
    } else if (arg == "--backend") {
      const char* v = value("backend");
      if (!need(v)) return 2;
      o.config.backend = v;
    } else if (arg == "--preset") {
      const char* v = value("preset");
      if (!need(v)) return 2;
      o.config.x264.preset = v;
    } else if (arg == "--tune") {
      const char* v = value("tune");
      if (!need(v)) return 2;
      o.config.x264.tune = std::strcmp(v, "none") ? v : "";
    } else if (arg == "--profile") {
      const char* v = value("profile");
      if (!need(v)) return 2;
      o.config.x264.profile = v;
    } else if (arg == "--bframes" || arg == "--maxrate-factor" || arg == "--vbv-seconds" ||
               arg == "--queue-depth") {
      const char* v = value(arg.c_str());
      if (!need(v)) return 2;
      char* end = nullptr;
      double x = std::strtod(v, &end);
      if (!end || *end) return bad_usage(arg.substr(2) + ": \"" + v + "\" is not a number");
      if (arg == "--bframes") o.config.x264.bframes = static_cast<int>(x);
      if (arg == "--maxrate-factor") o.config.rate_control.vbv_maxrate_factor = x;
      if (arg == "--vbv-seconds") o.config.rate_control.vbv_buffer_seconds = x;
      if (arg == "--queue-depth") o.config.queue_depth = static_cast<int>(x);
    } else {
      return bad_usage("unknown option \"" + arg + "\"");
    }
  }
  return 0;
}

}  // namespace gearbox::cli
