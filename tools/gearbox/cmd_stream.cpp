#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

#include "commands.h"
#include "gearbox/streamer.h"
#include "gearbox/test_pattern.h"
#include "http_server.h"
#include "raw_input.h"
#include "stream_options.h"

namespace gearbox::cli {
namespace {

const char kHelp[] =
    "usage: gearbox stream [options]\n"
    "\n"
    "Encodes frames into an adaptive-bitrate ladder and packages it as DASH and/or HLS.\n"
    "The primary rendition has the input's size and frame rate; add more with --rendition.\n"
    "\n"
    "output:\n"
    "  -o, --output PATH       a directory (manifests manifest.mpd / master.m3u8 inside), a\n"
    "                          .mpd / .m3u8 path, or an http(s):// URL of either form (files\n"
    "                          uploaded with HTTP PUT, old live segments DELETEd; failures\n"
    "                          retried until --close-timeout; a manifest is sent only after\n"
    "                          its segments)\n"
    "                                                              [default: gearbox-out]\n"
    "  --format dash|hls|both  manifests to write over the same fMP4 segments [default: both]\n"
    "  --hls-segment-type fmp4|mpegts  HLS segment container; mpegts (.ts, for old players)\n"
    "                          needs --format hls [default: fmp4]\n"
    "  --segment SECONDS       segment duration; IDRs are forced on this grid  [default: 2]\n"
    "  --clear-prev-assets     first delete the segments, init segments, playlists and\n"
    "                          manifests an earlier stream left in the output folder\n"
    "\n"
    "live:\n"
    "  --live                  live service: the manifests list a sliding window of segments\n"
    "                          (dynamic MPD with timeShiftBufferDepth, HLS media sequence),\n"
    "                          older segments are deleted after a delay, disk use stays\n"
    "                          bounded. With testsrc: --realtime, and no end until Ctrl-C\n"
    "  --window N              segments listed in the live window          [default: 6]\n"
    "  --delete-delay N        segments a file is kept after leaving the window, so players\n"
    "                          reading an older manifest get no 404    [default: window + 1]\n"
    "  --drop-frames           never block the input: drop a frame the encoders have no room\n"
    "                          for (counted in the progress line and --json)\n"
    "  --low-latency           LL-DASH: segments written as CMAF chunks of 5 frames as soon\n"
    "                          as encoded; the MPD announces availabilityTimeOffset\n"
    "  --chunk-frames N        frames per CMAF chunk (implies --low-latency)\n"
    "  --timestamps index|wallclock\n"
    "                          frame times: frame index / rate, or the time each frame was\n"
    "                          read (variable frame rate)                [default: index]\n"
    "  --close-timeout S       close returns within S seconds even if something hangs,\n"
    "                          listing the complete segments               [default: 15]\n"
    "\n"
    "ladder:\n"
    "  --rendition SPEC        add a rendition (repeatable): WxH@BITRATE (1280x720@2500k),\n"
    "                          WxH@FPSfps (that frame rate, at most the input's; bitrate\n"
    "                          from the bpp rule), or StreamGear keys:\n"
    "                          resolution=WxH,video_bitrate=2500k,framerate=30\n"
    "  --bitrate RATE          the primary rendition's bitrate (2500k, 4M)  [default: bpp rule]\n"
    "  --bpp N                 bits per pixel for round(w*h*bpp*fps/1000) kbps, above 0 and\n"
    "                          at most 24; a result past 10 Gbps is refused [default: 0.1]\n"
    "  Sizes are at most 16384 a side and 8192x4352 in pixels (H.264 level 6.2); a rendition\n"
    "  larger than the input in either side is refused (scale down only).\n"
    "\n"
    "input:\n"
    "  -i, --input SRC         'testsrc' (moving pattern with a frame counter), a raw video\n"
    "                          file, or '-' for stdin                 [default: testsrc]\n"
    "  --size WxH              frame size (required for raw input)     [testsrc: 1280x720]\n"
    "  --pix-fmt FMT           raw input format: bgr24 rgb24 bgra rgba gray8 nv12 i420\n"
    "                          (raw input only: testsrc renders bgr24) [default: bgr24]\n"
    "  --rate FPS              input frame rate (30, 29.97, 30000/1001)   [default: 25]\n"
    "  --duration SECONDS      stop after this much input          [testsrc default: 10]\n"
    "  --frames N              stop after N frames\n"
    "  --realtime              push frames at the input rate instead of as fast as possible\n"
    "\n"
    "audio (encoded once to AAC-LC, shared by every rendition):\n"
    "  --audio SRC             a file, a URL, or FORMAT:DEVICE through libavdevice:\n"
    "                          alsa:hw:1, pulse:default, lavfi:sine=frequency=1000\n"
    "                          (StreamGear's -audio; its '-f alsa -i hw:1' is alsa:hw:1).\n"
    "                          A source that ends or fails early leaves silence, a longer\n"
    "                          one is cut at the video's end\n"
    "  --audio-bitrate RATE    AAC bitrate (StreamGear's -audio_bitrate)    [default: 128k]\n"
    "  --audio-rate HZ         output sample rate                         [default: 48000]\n"
    "  --audio-channels N      1 or 2                                         [default: 2]\n"
    "  --audio-clock CLOCK     source: the source's timestamps from its first sample (files,\n"
    "                          URLs, lavfi); wall: when samples were recorded, matched to\n"
    "                          when frames are pushed (live sources); auto: wall for capture\n"
    "                          devices, source otherwise                    [default: auto]\n"
    "\n"
    "encoder:\n"
    "@BACKEND_OPTIONS@\n"
    "  --maxrate-factor X      VBV cap = X * bitrate                       [default: 1.0]\n"
    "  --vbv-seconds S         VBV buffer = S * bitrate                    [default: 1.0]\n"
    "  --queue-depth N         frames queued per pipeline stage before push() waits\n"
    "                                                                    [default: 2]\n"
    "\n"
    "watch:\n"
    "  --serve                 serve the output folder and the player page over HTTP while\n"
    "                          streaming (as 'gearbox serve'), and after the stream is closed\n"
    "                          until Ctrl-C, so a browser can watch it live and then replay it\n"
    "  --port N                the --serve port; 0 picks any free port      [default: 8080]\n"
    "  --host ADDR             the --serve address                    [default: 127.0.0.1]\n"
    "\n"
    "  -q, --quiet             no progress line\n"
    "  --json                  JSON lines on stdout: a progress object every 2 s (frames,\n"
    "                          per-rendition fps, produced kb/s, queue, segments), one per\n"
    "                          segment written (rendition, number, start, duration, bytes),\n"
    "                          and a final summary\n"
    "  -h, --help              this text\n"
    "\n"
    "Ctrl-C (SIGINT), SIGTERM and SIGHUP stop reading input and close the stream cleanly:\n"
    "everything pushed is packaged. A second one while closing stops at once, keeping every\n"
    "complete segment listed. With --serve, a Ctrl-C after the stream is closed stops serving.\n"
    "A closed stdout (--json | head) stops printing and closes the stream the same way. A\n"
    "write that fails (disk full, I/O error, a file size limit, the output folder removed)\n"
    "stops the stream with a message naming the file; the final manifests list every\n"
    "complete segment.\n"
    "\n"
    "exit status:\n"
    "  0  the stream was closed, every frame pushed packaged (also after SIGINT, SIGTERM, SIGHUP)\n"
    "  1  a failure while streaming: the input cannot be read or holds no complete frame, a\n"
    "     failed write, the encoder or the upload failed, stdout closed, a close timeout, a\n"
    "     second interrupt; the final manifests list the segments complete in every rendition\n"
    "  2  the command line is wrong (found before anything is encoded, the first frame's\n"
    "     checks included)\n";

std::atomic<int> g_interrupts{0};
void on_signal(int) { g_interrupts++; }

// Set once a write to stdout failed (EPIPE from a reader that went away, with SIGPIPE
// ignored): nothing more is printed and the stream is closed as after an interrupt.
std::atomic<bool> g_stdout_failed{false};
std::atomic<int> g_stdout_errno{0};

// After a failed write to stdout: remembered, and stdout is not written again.
void check_stdout() {
  if (std::ferror(stdout) && !g_stdout_failed.exchange(true)) g_stdout_errno = errno ? errno : EPIPE;
}

// stream's own flags: --json, --serve and its address.
struct StreamFlags {
  bool json = false;
  bool serve = false;
  std::string given;     // --port or --host when given, which only go with --serve
  ServeOptions options;  // dir: the stream's output folder, once it is open
};

ExtraFlag stream_flags(StreamFlags& f) {
  return [&f](const std::string& arg, int& i, int argc, char** argv) {
    if (arg == "--json") {
      f.json = true;
      return 0;
    }
    if (arg == "--serve") {
      f.serve = true;
      return 0;
    }
    if (arg != "--port" && arg != "--host") return 1;
    if (i + 1 >= argc) return usage_error("stream", "option " + arg + " needs a value");
    std::string v = argv[++i];
    f.given = arg;
    if (arg == "--host") {
      f.options.host = v;
      return 0;
    }
    auto port = parse_port(v);
    if (!port) return usage_error("stream", "port: \"" + v + "\" is not a port number (0-65535)");
    f.options.port = *port;
    return 0;
  };
}

// Serves the stream's folder from before the first frame, so the manifests are watchable as
// soon as they are written. Prints the addresses on stdout; nullptr after an error (reported).
std::unique_ptr<StreamServer> start_serving(ServeOptions& options, const OutputPaths& out) {
  options.dir = out.directory;
  auto server = StreamServer::start(options);
  if (!server) {
    std::fprintf(stderr, "gearbox stream: --serve: %s\n", server.error().message.c_str());
    return nullptr;
  }
  std::vector<std::string> manifests;
  for (const std::string& m : {out.dash_manifest, out.hls_master}) {
    if (!m.empty()) manifests.push_back(std::filesystem::path(m).filename().string());
  }
  std::printf("serving %s at %s\n%s", out.directory.c_str(), (*server)->url().c_str(),
              (*server)->describe(manifests).c_str());
  std::fflush(stdout);
  return std::move(server.value());
}

// One JSON object per line on stdout (--json): progress, segments and the final summary.
std::mutex g_stdout_mutex;
void print_json_line(const std::string& line) {
  std::lock_guard<std::mutex> lock(g_stdout_mutex);
  if (g_stdout_failed) return;
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  check_stdout();
}

std::string json_string(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

std::string stats_json(const char* type, const StreamStats& st, double elapsed) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"type\":\"%s\",\"elapsed\":%.3f,\"frames_pushed\":%lld,\"frames_rejected\":%lld,"
                "\"frames_dropped\":%lld,\"push_fps\":%.2f,\"source_queue\":%lld,\"renditions\":[",
                type, elapsed, static_cast<long long>(st.frames_pushed),
                static_cast<long long>(st.frames_rejected), static_cast<long long>(st.frames_dropped),
                elapsed > 0 ? static_cast<double>(st.frames_pushed) / elapsed : 0.0,
                static_cast<long long>(st.source_queue_depth));
  std::string out = buf;
  for (size_t i = 0; i < st.renditions.size(); ++i) {
    const RenditionStats& r = st.renditions[i];
    std::snprintf(buf, sizeof buf,
                  "%s{\"id\":%s,\"width\":%d,\"height\":%d,\"frame_rate\":%.3f,\"frames\":%lld,"
                  "\"fps\":%.2f,\"target_kbps\":%lld,\"produced_kbps\":%lld,\"bytes\":%lld,"
                  "\"segments\":%lld,\"queue\":%lld,\"latency_ms\":{\"mean\":%.1f,\"p95\":%.1f,"
                  "\"max\":%.1f}}",
                  i ? "," : "", json_string(r.id).c_str(), r.width, r.height, r.frame_rate,
                  static_cast<long long>(r.frames_encoded), r.encode_fps,
                  static_cast<long long>(r.target_kbps), static_cast<long long>(r.produced_bps / 1000),
                  static_cast<long long>(r.bytes_written), static_cast<long long>(r.segments_written),
                  static_cast<long long>(r.queue_depth), r.latency_ms_mean, r.latency_ms_p95,
                  r.latency_ms_max);
    out += buf;
  }
  out += "]";
  if (st.audio.enabled) {
    const AudioStats& a = st.audio;
    std::snprintf(buf, sizeof buf,
                  ",\"audio\":{\"packets\":%lld,\"bytes\":%lld,\"segments\":%lld,\"from_source\":%.3f,"
                  "\"silence\":%.3f,\"dropped\":%.3f,\"source_ended\":%s,\"error\":",
                  static_cast<long long>(a.packets), static_cast<long long>(a.bytes_written),
                  static_cast<long long>(a.segments_written), a.seconds_from_source,
                  a.seconds_of_silence, a.seconds_dropped, a.source_ended ? "true" : "false");
    out += buf + json_string(a.source_error) + "}";
  }
  return out + "}";
}

void print_progress(const Streamer& s, int64_t total, double elapsed, Rational fps, bool tty) {
  StreamStats st = s.stats();
  double rate = elapsed > 0 ? static_cast<double>(st.frames_pushed) / elapsed : 0;
  std::string line = "frames " + std::to_string(st.frames_pushed);
  if (total > 0) line += "/" + std::to_string(total);
  char buf[96];
  std::snprintf(buf, sizeof buf, "  %.1f fps  %.2fx realtime", rate, rate / fps.to_double());
  line += buf;
  if (st.frames_dropped > 0) line += "  dropped " + std::to_string(st.frames_dropped);
  if (!st.renditions.empty() && st.renditions[0].latency_ms_mean > 0) {
    std::snprintf(buf, sizeof buf, "  latency %.0f ms", st.renditions[0].latency_ms_mean);
    line += buf;
  }
  for (const RenditionStats& r : st.renditions) {
    std::snprintf(buf, sizeof buf, "  %s %dp: %lld enc %.0f fps %lld kb/s q%lld %lld seg", r.id.c_str(),
                  r.height, static_cast<long long>(r.frames_encoded), r.encode_fps,
                  static_cast<long long>(r.produced_bps / 1000), static_cast<long long>(r.queue_depth),
                  static_cast<long long>(r.segments_written));
    line += buf;
  }
  if (st.audio.enabled) {
    std::snprintf(buf, sizeof buf, "  a0: %lld seg%s", static_cast<long long>(st.audio.segments_written),
                  !st.audio.source_error.empty() ? " (source failed)"
                  : st.audio.source_ended          ? " (source ended)"
                                                   : "");
    line += buf;
  }
  if (tty) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

// close(), but a further Ctrl-C while it runs forces termination (abort()).
Status close_or_abort_on_interrupt(Streamer& streamer) {
  const int seen = g_interrupts;
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      if (g_interrupts > seen) {
        std::fprintf(stderr, "\ngearbox stream: interrupted again; stopping at once\n");
        (void)streamer.abort();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  Status closed = streamer.close();
  done = true;
  watcher.join();
  return closed;
}

}  // namespace

int run_stream(int argc, char** argv) {
  StreamOptions o;
  o.config.output = "gearbox-out";
  o.config.format = OutputFormat::kBoth;
  StreamFlags serve;
  if (int rc = parse_stream_options("stream", kHelp, argc, argv, o, stream_flags(serve))) return rc == 1 ? 0 : rc;
  // A live test pattern runs in real time until Ctrl-C unless told otherwise.
  if (o.input == "testsrc" && o.config.live.enabled) o.realtime = true;
  if (o.input == "testsrc" && !o.duration && o.max_frames < 0 && !o.config.live.enabled) {
    o.duration = Rational{10, 1};
  }
  // Without these the kernel kills the process mid-write, before close() writes the final
  // manifests: a closed stdout is then EPIPE (check_stdout), a file over `ulimit -f` EFBIG,
  // a write error the packager reports like a full disk.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  av_log_set_level(AV_LOG_WARNING);  // not libavcodec's notes, such as the AAC encoder's "Qavg"
  auto bad_usage = [](const std::string& message) { return usage_error("stream", message); };
  if (!serve.serve && !serve.given.empty()) return bad_usage(serve.given + " goes with --serve");

  // The input. Everything the command line decides is checked before anything is allocated
  // for it or the output folder is made: a wrong value exits 2, not at the first frame.
  std::unique_ptr<TestPattern> pattern;
  std::unique_ptr<RawInput> raw;
  const bool testsrc = o.input == "testsrc";
  if (testsrc && !o.pix_fmt.empty()) {
    return bad_usage("--pix-fmt \"" + o.pix_fmt + "\" goes with raw input; testsrc renders bgr24 itself");
  }
  if (!testsrc && o.size.empty()) return bad_usage("--size is required for raw input");
  auto size = parse_size(o.size.empty() ? "1280x720" : o.size);
  if (!size) return bad_usage(name_flag(size.error().message, "resolution", "--size"));
  if (Status s = check_before_streaming(o, size->first, size->second); !s) return bad_usage(s.message());
  if (testsrc) {
    pattern = std::make_unique<TestPattern>(size->first, size->second);
  } else {
    auto format = parse_pixel_format(o.pix_fmt.empty() ? "bgr24" : o.pix_fmt.c_str());
    if (!format) return bad_usage("--pix-fmt: \"" + o.pix_fmt + "\" is not one of bgr24 rgb24 bgra rgba gray8 nv12 i420");
    auto in = RawInput::open(o.input, *format, size->first, size->second);
    if (!in) {
      std::fprintf(stderr, "gearbox stream: %s\n", in.error().message.c_str());
      return in.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    raw = std::move(in.value());
  }
  int64_t total = o.max_frames;
  if (o.duration) {
    int64_t by_duration = frames_in(*o.duration, o.config.input_frame_rate);
    total = total < 0 ? by_duration : std::min(total, by_duration);
  }

  o.config.log = [&](LogLevel level, const std::string& message) {
    if (level == LogLevel::kInfo && o.quiet) return;
    std::fprintf(stderr, "%sgearbox: %s\n", isatty(2) && !o.quiet ? "\r\033[K" : "",
                 message.c_str());
  };
  if (serve.json) {
    o.config.on_segment = [](const SegmentEvent& e) {
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "{\"type\":\"segment\",\"rendition\":%s,\"number\":%lld,\"start\":%.6f,"
                    "\"duration\":%.6f,\"bytes\":%lld,\"frames\":%lld}",
                    json_string(e.rendition).c_str(), static_cast<long long>(e.number), e.start,
                    e.duration, static_cast<long long>(e.bytes), static_cast<long long>(e.frames));
      print_json_line(buf);
    };
  }
  auto opened = Streamer::open(o.config);
  if (!opened) {
    std::fprintf(stderr, "gearbox stream: %s\n", opened.error().message.c_str());
    return opened.error().code == ErrorCode::kInvalidArgument ? 2 : 1;  // 2: fix the command line
  }
  Streamer& streamer = **opened;
  std::unique_ptr<StreamServer> server;
  if (serve.serve && !(server = start_serving(serve.options, streamer.outputs()))) {
    (void)streamer.close();
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGHUP, on_signal);  // a closed terminal: close the stream like SIGTERM

  const bool tty = isatty(2);
  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  const auto progress_every = std::chrono::milliseconds(tty ? 250 : 2000);
  int exit_code = 0;
  for (int64_t n = 0; (total < 0 || n < total) && g_interrupts == 0 && !g_stdout_failed; ++n) {
    FrameView frame;
    if (pattern) {
      frame = pattern->render(n);
    } else if (!raw->next(frame)) {
      if (!raw->error().empty()) {
        std::fprintf(stderr, "%sgearbox stream: %s\n", tty ? "\r\033[K" : "", raw->error().c_str());
        exit_code = kExitFailure;
      } else if (raw->trailing_bytes() > 0) {
        std::fprintf(stderr, "%sgearbox stream: input \"%s\": the last %lld bytes are less than one %s frame (%lld bytes); ignored\n",
                     tty ? "\r\033[K" : "", o.input.c_str(), static_cast<long long>(raw->trailing_bytes()),
                     raw->describe_frame().c_str(), static_cast<long long>(raw->frame_bytes()));
      }
      if (n == 0 && exit_code == 0) {
        std::fprintf(stderr, "gearbox stream: input \"%s\" holds no complete %s frame (%lld bytes)\n",
                     o.input.c_str(), raw->describe_frame().c_str(), static_cast<long long>(raw->frame_bytes()));
        exit_code = kExitFailure;
      }
      break;
    }
    if (o.realtime) {
      Rational fps = o.config.input_frame_rate;
      auto due = start + std::chrono::microseconds(mul_div_floor(n, 1000000 * fps.den, fps.num));
      std::this_thread::sleep_until(due);
    }
    Status s = o.wallclock_timestamps
                   ? streamer.push(frame, std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - start).count())
                   : streamer.push(frame);
    if (!s) {
      std::fprintf(stderr, "%sgearbox stream: %s\n", tty ? "\r\033[K" : "", s.message().c_str());
      if (s.code() != ErrorCode::kFrameMismatch) {
        // The first frame's checks (the ladder, the backend's limits) are the configuration's.
        exit_code = n == 0 && s.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
        break;
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_progress >= progress_every) {
      last_progress = now;
      const double elapsed = std::chrono::duration<double>(now - start).count();
      if (!o.quiet) print_progress(streamer, total, elapsed, o.config.input_frame_rate, tty);
      if (serve.json) print_json_line(stats_json("progress", streamer.stats(), elapsed));
    }
  }
  if (g_interrupts > 0) {
    std::fprintf(stderr, "\ngearbox stream: interrupted; closing the stream (Ctrl-C again to stop at once)\n");
  }
  if (g_stdout_failed) {
    std::fprintf(stderr, "%sgearbox stream: stdout: %s; stopped printing, closing the stream\n",
                 tty ? "\r\033[K" : "", std::strerror(g_stdout_errno));
    exit_code = kExitFailure;
  }
  Status closed = close_or_abort_on_interrupt(streamer);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!o.quiet) {
    print_progress(streamer, total, elapsed, o.config.input_frame_rate, tty);
    if (tty) std::fputc('\n', stderr);
  }
  if (!closed) {
    std::fprintf(stderr, "gearbox stream: %s\n", closed.message().c_str());
    return kExitFailure;
  }
  // Only manifests that exist: with no frame pushed nothing is written.
  OutputPaths out = streamer.outputs();
  const bool wrote = streamer.stats().frames_pushed > 0;
  for (std::string* m : {&out.dash_manifest, &out.hls_master}) {
    if (!wrote || (out.upload_url.empty() && !std::filesystem::exists(*m))) m->clear();
  }
  if (g_stdout_failed) return exit_code;
  if (serve.json) {
    std::string done = stats_json("done", streamer.stats(), elapsed);
    done.pop_back();  // the closing brace: add where the output went
    done += ",\"backend\":" + json_string(streamer.backend_name()) +
            ",\"dash\":" + json_string(out.dash_manifest) + ",\"hls\":" + json_string(out.hls_master) + "}";
    print_json_line(done);
  } else {
    std::printf("backend: %s\n", streamer.backend_name().c_str());
    if (!out.dash_manifest.empty()) std::printf("dash: %s\n", out.dash_manifest.c_str());
    if (!out.hls_master.empty()) std::printf("hls:  %s\n", out.hls_master.c_str());
    std::fflush(stdout);
    check_stdout();
    if (g_stdout_failed) {
      std::fprintf(stderr, "gearbox stream: stdout: %s\n", std::strerror(g_stdout_errno));
      exit_code = kExitFailure;
    }
  }
  if (server) {
    std::fflush(stdout);
    wait_for_interrupt("stream closed; still serving at " + server->url() + " (Ctrl-C to stop)\n");
  }
  return exit_code;
}

}  // namespace gearbox::cli
