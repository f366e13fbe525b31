#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up, build (warnings are errors), run every test
# with ctest, then the sanitizer builds (tools/sanitize.sh) and the fuzzers for a bounded time
# (tools/fuzz.sh), with the installed library and the .deb checked in between
# (tools/package_test.sh). CI runs exactly this. GEARBOX_TEST_QUICK=1 stops after the plain suite.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
GEARBOX_WERROR=ON tools/build.sh
(cd build && ctest --output-on-failure --timeout 600 -j "$(nproc)")
# gearbox as a user installs it: cmake --install into a temporary prefix, examples/ladder built
# against it with find_package and with pkg-config and its output checked, the .deb.
tools/package_test.sh build
[ "${GEARBOX_TEST_QUICK:-0}" = 1 ] && exit 0
tools/sanitize.sh
tools/fuzz.sh "${GEARBOX_FUZZ_SECONDS:-30}"
