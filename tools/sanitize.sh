#!/usr/bin/env bash
# The sanitizer builds CI runs after the plain suite (tools/test.sh calls this):
# - build-asan/: AddressSanitizer + UndefinedBehaviorSanitizer (leaks included), the whole suite
#   but the browser tests (Chromium under an instrumented server adds minutes and finds nothing
#   the CLI tests do not);
# - build-tsan/: ThreadSanitizer, the engine's threaded tests (every e2e test on x264: pipeline,
#   close, abort, live, audio, URL output; and engine.*, the engine on the fake backend).
# Both build with -Werror. The first report fails its test (no recovery, halt_on_error).
# Usage: tools/sanitize.sh [asan|tsan]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

configure() {  # DIR SANITIZERS
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGEARBOX_SANITIZE="$2" \
    -DGEARBOX_WERROR=ON -DGEARBOX_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
  cmake --build "$1"
}

run_asan() {
  echo "sanitize: AddressSanitizer + UndefinedBehaviorSanitizer, every test but the browser's"
  configure build-asan address,undefined
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  (cd build-asan &&
    ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1" \
    ctest --output-on-failure --timeout 900 -j "$jobs" -LE 'browser|nvenc_simulation')
  # The e2e tests again on the simulated NVIDIA runtime, without the leak check: at exit
  # LeakSanitizer's tracer sometimes crashes (SIGSEGV) walking the thread-local storage of the
  # dlopen()ed simulation libraries, under load, after every test passed. Addresses and undefined
  # behaviour are still checked; leaks in the engine are checked by the x264 run above.
  (cd build-asan &&
    ASAN_OPTIONS="detect_leaks=0:strict_string_checks=1" \
    ctest --output-on-failure --timeout 900 -j "$jobs" -L nvenc_simulation)
}

run_tsan() {
  echo "sanitize: ThreadSanitizer, the engine's threaded tests (e2e on x264, engine on the fake backend)"
  configure build-tsan thread
  (cd build-tsan &&
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
    ctest --output-on-failure --timeout 900 -j "$jobs" -R '^(e2e|engine)\.')
}

what=("$@")
[ ${#what[@]} -gt 0 ] || what=(asan tsan)
for w in "${what[@]}"; do
  case "$w" in
    asan) run_asan ;;
    tsan) run_tsan ;;
    *) echo "sanitize: unknown build \"$w\" (asan or tsan)" >&2; exit 2 ;;
  esac
done
