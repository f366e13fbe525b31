#!/usr/bin/env bash
# Configures and builds gearbox into build/ (Release with debug info, Ninja).
# GEARBOX_WERROR=ON (tools/test.sh, CI) makes every compiler warning an error.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGEARBOX_WERROR="${GEARBOX_WERROR:-OFF}" >/dev/null
cmake --build build
