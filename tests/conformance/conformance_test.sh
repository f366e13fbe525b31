#!/usr/bin/env bash
# ctest conformance.mpd: gearbox's MPDs over several settings (VOD, live while writing and
# after close, low latency, audio, B-frames, fractional segments, 29.97 fps), each checked by
# check_mpd.sh against the DASH-IF conformance tool's schema and Schematron rules.
#   conformance_test.sh GEARBOX_CLI [WORK_DIR]
# Skipped (77) when GEARBOX_DASHIF_CONFORMANCE_DIR is unset or lacks the files.
set -uo pipefail
cli=$1
here=$(cd "$(dirname "$0")" && pwd)
check="$here/check_mpd.sh"
"$check" --probe || exit $?  # prints SKIPPED and the reason

work=${2:-$(mktemp -d)}
rm -rf "$work" && mkdir -p "$work"
tone="lavfi:sine=frequency=1000:beep_factor=4:sample_rate=48000"
common=(--size 320x180 --bitrate 300k --rendition 160x90@100k --format dash)

run() {  # NAME ARGS...: a finished stream; its (static) MPD is checked
  local name=$1
  shift
  "$cli" stream "${common[@]}" "$@" --output "$work/$name" >"$work/$name.log" 2>&1 ||
    { echo "gearbox failed for $name:"; cat "$work/$name.log"; exit 2; }
  mpds+=("$work/$name/manifest.mpd")
}

run_live() {  # NAME ARGS...: a real-time stream; its dynamic MPD is copied while it is written
  local name=$1 snapshot=$work/$1-dynamic.mpd
  shift
  "$cli" stream "${common[@]}" --realtime "$@" --output "$work/$name" >"$work/$name.log" 2>&1 &
  local pid=$!
  # Wait (for a condition, with a deadline) for a dynamic MPD that lists a segment. The MPD is
  # replaced atomically, so the copy is always a whole file; it is checked again because the
  # stream may have closed (and made it static) between the test and the copy.
  local deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ] && kill -0 "$pid" 2>/dev/null; do
    if grep -q 'type="dynamic"' "$work/$name/manifest.mpd" 2>/dev/null &&
       grep -q '<S ' "$work/$name/manifest.mpd"; then
      cp "$work/$name/manifest.mpd" "$snapshot"
      grep -q 'type="dynamic"' "$snapshot" && break
      rm -f "$snapshot"
    fi
    sleep 0.2
  done
  wait "$pid" || { echo "gearbox failed for $name:"; cat "$work/$name.log"; exit 2; }
  [ -f "$snapshot" ] || { echo "$name: no dynamic MPD listing a segment while it ran"; exit 1; }
  mpds+=("$snapshot" "$work/$name/manifest.mpd")
}

mpds=()
run vod --rate 30 --duration 3
run vod-audio-bframes-fractional --rate 30 --duration 3 --segment 0.71 --bframes 3 --tune none --audio "$tone"
run vod-ntsc-audio --rate 29.97 --duration 3 --segment 0.5 --audio "$tone"
run_live live --rate 25 --duration 5 --live --window 3 --segment 1
run_live low-latency-audio --rate 30 --duration 4 --live --low-latency --segment 1 --bframes 3 --audio "$tone"

# A stall of 3 s in wall-clock timestamps: the MPD gets a second Period after the gap.
raw_paced() {  # N frames at 30 fps of wall time
  ffmpeg -v error -re -f lavfi -i testsrc2=size=320x180:rate=30 -frames:v "$1" -f rawvideo -pix_fmt bgr24 -
}
{ raw_paced 45; sleep 3; raw_paced 45; } |
  "$cli" stream "${common[@]}" -i - --rate 30 --segment 1 --timestamps wallclock \
    --output "$work/gap" >"$work/gap.log" 2>&1 || { echo "gearbox failed for gap:"; cat "$work/gap.log"; exit 2; }
[ "$(grep -c '<Period ' "$work/gap/manifest.mpd")" -ge 2 ] || { echo "gap: no second Period"; exit 1; }
mpds+=("$work/gap/manifest.mpd")

"$check" "${mpds[@]}"
