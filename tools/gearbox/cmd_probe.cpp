#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.h"
#include "gearbox/backend.h"
#include "gearbox/backend_registry.h"

namespace gearbox::cli {
namespace {

template <class Enum>
std::string join(const std::vector<Enum>& items) {
  std::string s;
  for (Enum i : items) s += (s.empty() ? "" : ",") + std::string(to_string(i));
  return s;
}

}  // namespace

int run_probe(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::puts(
          "usage: gearbox probe\n"
          "\n"
          "Probes every backend gearbox knows (nvenc, qsv, vaapi, x264) for real: a probe opens\n"
          "the device and an encoder session and encodes one frame under a time limit. Prints\n"
          "each backend as available or unavailable with the reason, its capabilities, and the\n"
          "backend that '--backend auto' would choose. Exit status 0 when one is available.");
      return 0;
    }
    std::fprintf(stderr, "gearbox probe: unknown option \"%s\" (see --help)\n", argv[i]);
    return 2;
  }
  std::string chosen;
  std::printf("%-7s %-12s %s\n", "backend", "state", "details");
  for (auto& backend : all_backends()) {
    BackendInfo info = backend->probe();
    std::printf("%-7s %-12s %s\n", info.name.c_str(), info.available ? "available" : "unavailable",
                info.reason.c_str());
    if (info.available) {
      const Capabilities& c = info.caps;
      std::printf(
          "%-7s %-12s codecs %s; sizes %dx%d..%dx%d; rate control %s; B-frames <= %d; "
          "lookahead %s; 10-bit %s; sessions %s\n",
          "", "", join(c.codecs).c_str(), c.min_size.width, c.min_size.height, c.max_size.width,
          c.max_size.height, join(c.rate_control).c_str(), c.max_bframes,
          c.lookahead ? "yes" : "no", c.ten_bit ? "yes" : "no",
          c.max_sessions > 0    ? std::to_string(c.max_sessions).c_str()
          : c.max_sessions == 0 ? "unlimited"
                                : "capped by the driver, not reported");
      if (chosen.empty()) chosen = info.name;
    }
  }
  if (chosen.empty()) {
    std::printf("\nauto: no backend is available\n");
    return 1;
  }
  std::printf("\nauto: %s\n", chosen.c_str());
  return 0;
}

}  // namespace gearbox::cli
