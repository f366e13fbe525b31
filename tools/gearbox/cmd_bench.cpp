// gearbox bench: the standard ladder workload on every available backend, measured.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "commands.h"
#include "gearbox/backend.h"
#include "gearbox/backend_registry.h"
#include "gearbox/cpu_clock.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "json_writer.h"
#include "stream_options.h"

namespace gearbox::cli {
namespace {

const char kHelp[] =
    "usage: gearbox bench [options]\n"
    "\n"
    "Runs a standard workload on every available backend (or the one given with --backend)\n"
    "and prints throughput, per-stage time per frame, CPU time per frame and peak memory.\n"
    "\n"
    "Default workload: 1920x1080 BGR24 at 30 fps, 300 frames of the built-in test pattern\n"
    "(scrolling bars, a moving box, a noise band), ladder 1080p@4000k / 720p@2500k /\n"
    "360p@800k (those below --size), 2 s segments, x264 veryfast. Every 'gearbox stream'\n"
    "option changes it\n"
    "(--size, --rate, --frames, --bitrate, --rendition, --segment, --preset, --backend, ...).\n"
    "Exit status: 0 done, 1 a run failed, 2 the command line is wrong.\n"
    "\n"
    "  --json                 print the results as JSON on stdout\n"
    "  --write-frames PATH    write the workload's raw BGR24 frames to PATH ('-' = stdout) and\n"
    "                         exit: the input bench/compare_ffmpeg.sh feeds to every contender\n"
    "  -o, --output DIR       keep the packaged output there (default: a temporary folder)\n"
    "\n"
    "Columns: fps and real-time factor of the whole run (first push to close); per-stage\n"
    "time per frame, summed over the threads that run the stage (upload = colour conversion,\n"
    "scale, encode = encoder calls, package = muxing and manifests); CPU = process user+sys\n"
    "time per frame excluding rendering the test pattern; cpu outside encoders = CPU time of\n"
    "the upload, scale and package stages per frame; peak = the process's peak resident\n"
    "memory; ladders = how many such ladders this machine could run in real time.\n";

double process_cpu_seconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

double peak_rss_mb() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

struct BenchResult {
  std::string backend;
  bool simulated = false;  // its probe found a simulated runtime: the figures are not hardware's
  std::string error;
  int64_t frames = 0;
  double wall = 0;
  double fps = 0;
  double realtime = 0;
  StageSeconds stages;
  double cpu_per_frame_ms = 0;
  double overhead_cpu_ms = 0;  // CPU outside the encoders per frame
  double peak_mb = 0;
  std::vector<RenditionStats> renditions;
};

BenchResult run_one(const StreamOptions& o, int width, int height, int64_t frames) {
  BenchResult r;
  r.backend = o.config.backend;
  auto opened = Streamer::open(o.config);
  if (!opened) {
    r.error = opened.error().message;
    return r;
  }
  Streamer& streamer = **opened;
  TestPattern pattern(width, height);
  pattern.render(0);  // build the pattern's tables before the clock starts
  int64_t render_cpu_ns = 0;
  const double cpu_start = process_cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t n = 0; n < frames; ++n) {
    const int64_t t0 = thread_cpu_ns();
    FrameView frame = pattern.render(n);
    render_cpu_ns += thread_cpu_ns() - t0;
    Status s = streamer.push(frame);
    if (!s) {
      r.error = s.message();
      break;
    }
  }
  Status closed = streamer.close();
  if (!closed && r.error.empty()) r.error = closed.message();
  r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = process_cpu_seconds() - cpu_start - static_cast<double>(render_cpu_ns) * 1e-9;
  StreamStats st = streamer.stats();
  r.frames = st.frames_pushed;
  r.fps = r.wall > 0 ? static_cast<double>(r.frames) / r.wall : 0;
  r.realtime = r.fps / o.config.input_frame_rate.to_double();
  r.stages = st.stages;
  r.cpu_per_frame_ms = r.frames ? cpu * 1000.0 / static_cast<double>(r.frames) : 0;
  r.overhead_cpu_ms =
      r.frames ? st.cpu_seconds_outside_encoders * 1000.0 / static_cast<double>(r.frames) : 0;
  r.peak_mb = peak_rss_mb();
  r.renditions = st.renditions;
  return r;
}

double per_frame_ms(double seconds, int64_t frames) {
  return frames ? seconds * 1000.0 / static_cast<double>(frames) : 0;
}

void print_table(const std::vector<BenchResult>& results,
                 const StreamOptions& o,
                 int w,
                 int h,
                 int64_t frames) {
  std::printf("workload: %dx%d BGR24 at %s fps, %lld frames, segments %s s, preset %s; ladder", w,
              h, o.config.input_frame_rate.to_string().c_str(), static_cast<long long>(frames),
              o.config.segment_duration.to_string().c_str(),
              backend_option_value(o.config, "x264.preset").c_str());
  std::printf(" %dx%d@%lldk", w, h,
              static_cast<long long>(o.config.primary_bitrate_kbps.value_or(0)));
  for (const RenditionSpec& r : o.config.renditions) {
    std::printf(" %dx%d@%lldk", r.width, r.height,
                static_cast<long long>(r.bitrate_kbps.value_or(0)));
  }
  std::printf("\n\n%-8s %7s %8s | %8s %8s %8s %8s | %9s %10s %8s %8s\n", "backend", "fps",
              "realtime", "upload", "scale", "encode", "package", "cpu/frame", "cpu outside",
              "peak MB", "ladders");
  std::printf("%-8s %7s %8s | %35s | %9s %10s %8s %8s\n", "", "", "",
              "ms per frame (wall, per stage)", "ms", "encoders ms", "", "in RT");
  for (const BenchResult& r : results) {
    if (!r.error.empty()) {
      std::printf("%-8s failed: %s\n", r.backend.c_str(), r.error.c_str());
      continue;
    }
    std::printf("%-8s %7.1f %7.2fx | %8.2f %8.2f %8.2f %8.2f | %9.1f %10.2f %8.0f %8.2f\n",
                (r.backend + (r.simulated ? "*" : "")).c_str(), r.fps, r.realtime,
                per_frame_ms(r.stages.upload, r.frames), per_frame_ms(r.stages.scale, r.frames),
                per_frame_ms(r.stages.encode, r.frames), per_frame_ms(r.stages.package, r.frames),
                r.cpu_per_frame_ms, r.overhead_cpu_ms, r.peak_mb, r.realtime);
    for (const RenditionStats& rs : r.renditions) {
      double seconds = static_cast<double>(r.frames) / o.config.input_frame_rate.to_double();
      std::printf("         %s %dx%d: target %lld kb/s, produced %.0f kb/s, %lld segments\n",
                  rs.id.c_str(), rs.width, rs.height, static_cast<long long>(rs.target_kbps),
                  seconds > 0 ? static_cast<double>(rs.bytes_written) * 8 / seconds / 1000 : 0.0,
                  static_cast<long long>(rs.segments_written));
    }
  }
  for (const BenchResult& r : results) {
    if (!r.simulated) continue;
    std::printf(
        "\n* on a SIMULATED runtime (the tests' stand-in for the vendor's, libx264 behind its "
        "API): these figures measure gearbox's path through the API, not the hardware\n");
    break;
  }
}

void print_json(const std::vector<BenchResult>& results,
                const StreamOptions& o,
                int w,
                int h,
                int64_t frames) {
  JsonWriter j;
  j.begin_object().key("workload").begin_object();
  j.key("width").integer(w).key("height").integer(h).key("pixel_format").string("bgr24");
  j.key("frame_rate")
      .number(o.config.input_frame_rate.to_double(), 6)
      .key("frames")
      .integer(frames);
  j.key("segment_seconds").number(o.config.segment_duration.to_double(), 6);
  j.key("preset").string(backend_option_value(o.config, "x264.preset")).end_object();
  j.key("results").begin_array();
  for (const BenchResult& r : results) {
    j.begin_object().key("backend").string(r.backend).key("simulated").boolean(r.simulated);
    if (!r.error.empty()) {
      j.key("error").string(r.error).end_object();
      continue;
    }
    j.key("frames").integer(r.frames).key("wall_seconds").number(r.wall, 4);
    j.key("fps").number(r.fps, 3).key("realtime_factor").number(r.realtime, 4);
    j.key("ms_per_frame").begin_object();
    j.key("upload").number(per_frame_ms(r.stages.upload, r.frames), 4);
    j.key("scale").number(per_frame_ms(r.stages.scale, r.frames), 4);
    j.key("encode").number(per_frame_ms(r.stages.encode, r.frames), 4);
    j.key("package").number(per_frame_ms(r.stages.package, r.frames), 4).end_object();
    j.key("cpu_ms_per_frame").number(r.cpu_per_frame_ms, 3);
    j.key("cpu_ms_per_frame_outside_encoders").number(r.overhead_cpu_ms, 3);
    j.key("peak_rss_mb").number(r.peak_mb, 1).key("ladders_in_realtime").number(r.realtime, 3);
    j.key("renditions").begin_array();
    for (const RenditionStats& rs : r.renditions) {
      j.begin_object().key("id").string(rs.id).key("width").integer(rs.width).key("height").integer(
          rs.height);
      j.key("target_kbps").integer(rs.target_kbps).key("bytes").integer(rs.bytes_written);
      j.key("segments").integer(rs.segments_written).end_object();
    }
    j.end_array().end_object();
  }
  j.end_array().end_object();
  std::printf("%s\n", j.str().c_str());
}

int write_frames(const std::string& path, int w, int h, int64_t frames) {
  FILE* out = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (!out) {
    std::perror(("gearbox bench: " + path).c_str());
    return 1;
  }
  TestPattern pattern(w, h);
  for (int64_t n = 0; n < frames; ++n) {
    FrameView f = pattern.render(n);
    size_t bytes = static_cast<size_t>(f.stride[0]) * h;
    if (std::fwrite(f.data[0], 1, bytes, out) != bytes) {
      std::fprintf(stderr, "gearbox bench: writing frames to %s failed\n", path.c_str());
      return 1;
    }
  }
  if (out != stdout) std::fclose(out);
  return 0;
}

}  // namespace

int run_bench(int argc, char** argv) {
  StreamOptions o;
  o.config.format = OutputFormat::kDash;
  o.config.input_frame_rate = {30, 1};
  o.config.primary_bitrate_kbps = 4000;
  o.size = "1920x1080";
  o.max_frames = 300;
  bool json = false;
  std::string frames_path;
  auto extra = [&](const std::string& arg, int& i, int argc_, char** argv_) -> int {
    if (arg == "--json") {
      json = true;
      return 0;
    }
    if (arg == "--write-frames") {
      if (i + 1 >= argc_) return usage_error("bench", "option --write-frames needs a value");
      frames_path = argv_[++i];
      return 0;
    }
    return 1;
  };
  if (int rc = parse_stream_options("bench", kHelp, argc, argv, o, extra)) return rc == 1 ? 0 : rc;
  if (o.input != "testsrc")
    return usage_error("bench", "the workload is the built-in test pattern; --input is not used");
  auto size = parse_size(o.size);
  if (!size) return usage_error("bench", name_flag(size.error().message, "resolution", "--size"));
  if (o.config.renditions.empty()) {  // the default ladder: its steps below the source size
    for (const RenditionSpec& r :
         {RenditionSpec{1280, 720, 2500, {}}, RenditionSpec{640, 360, 800, {}}}) {
      if (r.width < size->first && r.height < size->second) o.config.renditions.push_back(r);
    }
  }
  // As stream: the size and the ladder before the test pattern allocates its frame.
  StreamOptions checked = o;
  if (checked.config.output.empty())
    checked.config.output = "bench";  // each run gets its own folder
  if (Status s = check_before_streaming(checked, size->first, size->second); !s)
    return usage_error("bench", s.message());
  int64_t frames = o.max_frames;
  if (o.duration) {
    frames = frames_in(*o.duration, o.config.input_frame_rate);
  }
  if (!frames_path.empty()) return write_frames(frames_path, size->first, size->second, frames);

  // Which backends: the one asked for, or every one that probes available. The probe also
  // says whether a backend runs on a simulated runtime, which labels its figures.
  std::vector<BackendInfo> backends;
  for (auto& b : all_backends()) {
    if (o.config.backend != "auto" && b->name() != o.config.backend) continue;
    BackendInfo info = b->probe();
    if (info.available || o.config.backend != "auto")  // a named one runs, and says why it fails
      backends.push_back(info);
    else if (!o.quiet)
      std::fprintf(stderr, "gearbox bench: skipping %s: %s\n", info.name.c_str(),
                   info.reason.c_str());
  }
  // A named backend this build does not carry still runs: opening it says why it cannot.
  if (backends.empty() && o.config.backend != "auto") {
    BackendInfo named;
    named.name = o.config.backend;
    backends.push_back(named);
  }
  const bool keep_output = !o.config.output.empty();
  std::vector<BenchResult> results;
  for (const BackendInfo& backend : backends) {
    const std::string& name = backend.name;
    StreamOptions run = o;
    run.config.backend = name;
    std::string dir = keep_output ? o.config.output + "/" + name
                                  : (std::filesystem::temp_directory_path() /
                                     ("gearbox-bench-" + name + "-" + std::to_string(::getpid())))
                                        .string();
    run.config.output = dir;
    run.config.log = [](LogLevel level, const std::string& m) {
      if (level != LogLevel::kInfo) std::fprintf(stderr, "gearbox bench: %s\n", m.c_str());
    };
    if (!o.quiet && !json)
      std::fprintf(stderr, "gearbox bench: %s: encoding %lld frames...\n", name.c_str(),
                   static_cast<long long>(frames));
    results.push_back(run_one(run, size->first, size->second, frames));
    results.back().simulated = backend.simulated;
    if (!keep_output) std::filesystem::remove_all(dir);
  }
  if (json)
    print_json(results, o, size->first, size->second, frames);
  else
    print_table(results, o, size->first, size->second, frames);
  for (const BenchResult& r : results) {
    if (!r.error.empty()) return 1;
  }
  return 0;
}

}  // namespace gearbox::cli
