#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, and stream 20 s of the built-in test pattern
# as a three-rung ladder (720p, 480p, 360p) in DASH and HLS to out/demo (or the folder given).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
out="${1:-out/demo}"
rm -rf "$out"
build/tools/gearbox stream --input testsrc --size 1280x720 --rate 30 --duration 20 \
  --bitrate 2500k --rendition 854x480@1200k --rendition 640x360@700k \
  --format both --output "$out"
echo "Watch it: build/tools/gearbox serve $out  (then open the printed address in a browser)"
