// gearbox stream: the command line checked, the stream opened (and served with --serve), the
// frames pushed, the stream closed and where it went printed.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

#include "checked_stdout.h"
#include "commands.h"
#include "frame_source.h"
#include "gearbox/streamer.h"
#include "http_server.h"
#include "progress_line.h"
#include "stop_signals.h"
#include "stream_flags.h"
#include "stream_help.h"
#include "stream_json.h"
#include "stream_loop.h"
#include "stream_options.h"

namespace gearbox::cli {
namespace {

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

}  // namespace

int run_stream(int argc, char** argv) {
  StreamOptions o;
  o.config.output = "gearbox-out";
  o.config.format = OutputFormat::kBoth;
  StreamFlags serve;
  if (int rc = parse_stream_options("stream", kStreamHelp, argc, argv, o, stream_flags(serve)))
    return rc == 1 ? 0 : rc;
  // A live test pattern runs in real time until Ctrl-C unless told otherwise.
  if (o.input == "testsrc" && o.config.live.enabled) o.realtime = true;
  if (o.input == "testsrc" && !o.duration && o.max_frames < 0 && !o.config.live.enabled) {
    o.duration = Rational{10, 1};
  }
  report_failed_writes_instead_of_dying();
  av_log_set_level(AV_LOG_WARNING);  // not libavcodec's notes, such as the AAC encoder's "Qavg"
  auto bad_usage = [](const std::string& message) { return usage_error("stream", message); };
  if (!serve.serve && !serve.given.empty()) return bad_usage(serve.given + " goes with --serve");

  // The input. Everything the command line decides is checked before anything is allocated
  // for it or the output folder is made: a wrong value exits 2, not at the first frame.
  if (std::string wrong = FrameSource::check_flags(o); !wrong.empty()) return bad_usage(wrong);
  auto size = parse_size(FrameSource::size_flag(o));
  if (!size) return bad_usage(name_flag(size.error().message, "resolution", "--size"));
  if (Status s = check_before_streaming(o, size->first, size->second); !s)
    return bad_usage(s.message());
  std::unique_ptr<FrameSource> source;
  if (int rc = FrameSource::open(o, size->first, size->second, source)) return rc;
  int64_t total = o.max_frames;
  if (o.duration) {
    int64_t by_duration = frames_in(*o.duration, o.config.input_frame_rate);
    total = total < 0 ? by_duration : std::min(total, by_duration);
  }

  o.config.log = [&](LogLevel level, const std::string& message) {
    if (level == LogLevel::kInfo && o.quiet) return;
    std::fprintf(stderr, "%sgearbox: %s\n", line_start(isatty(2) && !o.quiet), message.c_str());
  };
  if (serve.json) {
    o.config.on_segment = [](const SegmentEvent& e) { print_stdout_line(segment_json(e)); };
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
  count_stop_signals();

  const bool tty = isatty(2);
  const auto start = std::chrono::steady_clock::now();
  int exit_code = push_frames(streamer, *source, FrameLoop{o, total, serve.json, tty, start});
  if (stop_signals() > 0) {
    std::fprintf(
        stderr,
        "\ngearbox stream: interrupted; closing the stream (Ctrl-C again to stop at once)\n");
  }
  if (stdout_failed()) {
    std::fprintf(stderr, "%sgearbox stream: stdout: %s; stopped printing, closing the stream\n",
                 line_start(tty), std::strerror(stdout_errno()));
    exit_code = kExitFailure;
  }
  Status closed = close_or_abort_on_stop_signal(streamer);
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
  if (stdout_failed()) return exit_code;
  if (serve.json) {
    print_stdout_line(summary_json(streamer.stats(), elapsed, streamer.backend_name(), out));
  } else {
    std::printf("backend: %s\n", streamer.backend_name().c_str());
    if (!out.dash_manifest.empty()) std::printf("dash: %s\n", out.dash_manifest.c_str());
    if (!out.hls_master.empty()) std::printf("hls:  %s\n", out.hls_master.c_str());
    std::fflush(stdout);
    check_stdout();
    if (stdout_failed()) {
      std::fprintf(stderr, "gearbox stream: stdout: %s\n", std::strerror(stdout_errno()));
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
