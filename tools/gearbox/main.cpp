// gearbox: frames in, an adaptive-bitrate ladder out as DASH and HLS.
#include <cstdio>
#include <cstring>

#include "commands.h"
#include "gearbox/version.h"

namespace {

void usage(FILE* out) {
  std::fputs(
      "usage: gearbox <command> [options]\n"
      "\n"
      "commands:\n"
      "  stream   encode frames (built-in test pattern, a raw file or stdin) into a DASH/HLS "
      "ladder\n"
      "  serve    serve an output folder and the player page over HTTP, to watch a stream\n"
      "  probe    list every encoder backend, whether it is available here, and why\n"
      "  bench    measure the standard ladder workload on every available backend\n"
      "\n"
      "'gearbox <command> --help' describes a command's options; 'gearbox --version' prints\n"
      "the version.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char* command = argv[1];
  if (!std::strcmp(command, "--help") || !std::strcmp(command, "-h") ||
      !std::strcmp(command, "help")) {
    usage(stdout);
    return 0;
  }
  if (!std::strcmp(command, "--version") || !std::strcmp(command, "-V") ||
      !std::strcmp(command, "version")) {
    std::printf("gearbox %s\n", gearbox::version());
    return std::fflush(stdout) == 0 && !std::ferror(stdout) ? 0 : 1;
  }
  if (!std::strcmp(command, "stream")) return gearbox::cli::run_stream(argc - 1, argv + 1);
  if (!std::strcmp(command, "serve")) return gearbox::cli::run_serve(argc - 1, argv + 1);
  if (!std::strcmp(command, "probe")) return gearbox::cli::run_probe(argc - 1, argv + 1);
  if (!std::strcmp(command, "bench")) return gearbox::cli::run_bench(argc - 1, argv + 1);
  std::fprintf(stderr, "gearbox: unknown command \"%s\"\n\n", command);
  usage(stderr);
  return 2;
}
