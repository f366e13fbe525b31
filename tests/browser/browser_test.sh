#!/usr/bin/env bash
# gearbox's output in real players: dash.js and hls.js in headless Chromium, through gearbox's
# own HTTP server and player page (check.mjs drives the browser).
#
# usage: browser_test.sh vod|vod_hls_ts|live|live_window|gap|corrupt GEARBOX ARTIFACT_DIR
# Every stream has an AAC track (lavfi's tone), which both players must fetch and decode.
#   vod      stream a 3-rung ladder, serve it with `gearbox serve`, force every rendition in both
#            players: decoded size, pixels that are not blank, playback advancing, no errors
#   vod_hls_ts  the same ladder as HLS over MPEG-TS segments (--hls-segment-type mpegts), in
#            hls.js only (DASH cannot list TS segments)
#   live     `gearbox stream --realtime --serve`: live playback advances in both players while
#            gearbox is still writing the stream; then Ctrl-C (SIGTERM here) closes the stream
#            as VOD while gearbox goes on serving, and a second one stops it
#   live_window  `gearbox stream --live --low-latency --serve`: the window slides and old files are
#            deleted while both players play it live; disk use stays bounded; after close the
#            manifests list the last window and every file they name exists
#   gap      a VOD whose stdin stalled for 5 s after 4 s of frames (--timestamps wallclock, raw
#            frames paced by ffmpeg -re): HLS with EXT-X-DISCONTINUITY, DASH with a second
#            Period; from the start each player must play past the gap to the end on its own
#   corrupt  the test of the test: one segment of the middle rendition (fetched only once that
#            rendition is forced) is zeroed, and the check must fail with the players' errors
# Screenshots and the checker's JSON report go to ARTIFACT_DIR/MODE.
set -uo pipefail
mode="${1:?mode}"
gearbox="${2:?gearbox executable}"
artifacts="${3:?artifact folder}/$mode"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
die() { echo "FAIL ($mode): $*" >&2; exit 1; }

# What the test needs; tools/setup.sh installs all of it. Missing is a failure, not a skip.
command -v node >/dev/null || die "node is not on PATH: run tools/setup.sh (installs Debian's nodejs and npm)"
command -v chromium >/dev/null || die "chromium is not on PATH: run tools/setup.sh (installs Debian's chromium)"
[ -d "$here/node_modules/playwright-core" ] ||
  die "$here/node_modules lacks playwright-core: run tools/setup.sh (npm ci in tests/browser)"
[ -x "$gearbox" ] || die "no gearbox executable at $gearbox"

rm -rf "$artifacts"
mkdir -p "$artifacts"
ladder=(--size 640x360 --rate 25 --bitrate 800k --rendition 426x240@400k --rendition 256x144@200k
  --audio "lavfi:sine=frequency=440:beep_factor=2:sample_rate=48000")
expect=640x360,426x240,256x144

# Waits for the "serving DIR at URL" line of `gearbox serve` or `stream --serve` in $1 (written
# by process $2) and prints the URL; fails with the process's own words if it died first.
server_url() {
  for _ in $(seq 150); do
    url=$(sed -n 's/^serving .* at \(http:[^ ]*\)$/\1/p' "$1")
    [ -n "$url" ] && { echo "$url"; return 0; }
    kill -0 "$2" 2>/dev/null || { cat "$1" "$1.err" >&2; return 1; }
    sleep 0.2
  done
  return 1
}

serve() {  # DIR: gearbox serve on 127.0.0.1 and a free port; sets $url
  "$gearbox" serve "$1" --host 127.0.0.1 --port 0 >"$work/serve.out" 2>"$work/serve.out.err" &
  pids+=($!)
  url=$(server_url "$work/serve.out" $!) || die "gearbox serve did not start"
  grep -q "player page: not available" "$work/serve.out" && die "$(cat "$work/serve.out")"
  echo "gearbox serve: $url"
}

manifests=(--manifest /manifest.mpd --manifest /master.m3u8)
check() {  # extra checker options...; sets $rc, prints the checker's verdict
  node "$here/check.mjs" --url "$url" "${manifests[@]}" --expect "$expect" --audio \
    --screenshot-dir "$artifacts" "$@" >"$artifacts/report.json" 2>"$work/check.err"
  rc=$?
  cat "$work/check.err"
}

stream_vod() {  # DIR
  "$gearbox" stream "${ladder[@]}" --duration 12 -q -o "$1" >/dev/null || die "gearbox stream failed"
}

case "$mode" in
  vod)
    stream_vod "$work/vod"
    serve "$work/vod"
    check
    [ $rc -eq 0 ] || die "the players did not play every rendition (checker exit $rc; report: $artifacts/report.json)"
    ;;

  vod_hls_ts)
    "$gearbox" stream "${ladder[@]}" --duration 12 --format hls --hls-segment-type mpegts -q -o "$work/ts" >/dev/null ||
      die "gearbox stream --hls-segment-type mpegts failed"
    ls "$work/ts" | grep -q '^v0-1\.ts$' || die "no v0-1.ts: the HLS segments are not MPEG-TS"
    manifests=(--manifest /master.m3u8)
    serve "$work/ts"
    check --ts-start-quirk
    [ $rc -eq 0 ] || die "hls.js did not play every rendition of the MPEG-TS stream (checker exit $rc; report: $artifacts/report.json)"
    ;;

  live)
    "$gearbox" stream --realtime "${ladder[@]}" --duration 120 --serve --host 127.0.0.1 --port 0 -q \
      -o "$work/live" >"$work/stream.out" 2>"$work/stream.out.err" &
    streamer=$!
    pids+=($streamer)
    url=$(server_url "$work/stream.out" $streamer) || die "gearbox stream --serve did not start"
    for _ in $(seq 100); do
      [ -f "$work/live/manifest.mpd" ] && [ -f "$work/live/master.m3u8" ] && break
      sleep 0.2
    done
    [ -f "$work/live/manifest.mpd" ] || die "no manifest after 20 s of streaming"
    echo "gearbox stream --serve: $url (first manifests written)"
    check --live
    [ $rc -eq 0 ] || die "live playback failed (checker exit $rc; report: $artifacts/report.json)"
    # It was live playback only if gearbox was still writing when the check ended.
    kill -0 $streamer 2>/dev/null && grep -q 'type="dynamic"' "$work/live/manifest.mpd" ||
      die "the stream had already finished when the live check ended: it did not check a live stream"
    echo "gearbox was still writing the stream when both players had played it live"
    # The first signal closes the stream (VOD manifests) and gearbox keeps serving it...
    kill -TERM $streamer
    for _ in $(seq 150); do grep -q "^stream closed" "$work/stream.out" && break; sleep 0.2; done
    grep -q "^stream closed" "$work/stream.out" || die "the stream did not close: $(cat "$work/stream.out.err")"
    grep -q 'type="static"' "$work/live/manifest.mpd" || die "the closed stream's MPD is not static"
    grep -q "EXT-X-ENDLIST" "$work/live/v0.m3u8" || die "the closed stream's playlist has no EXT-X-ENDLIST"
    served=$(node -e 'fetch(process.argv[1]).then((r) => console.log(r.status))' "${url}manifest.mpd")
    [ "$served" = "200" ] || die "gearbox stopped serving when the stream closed (GET manifest.mpd: $served)"
    # ...until the second.
    kill -TERM $streamer
    wait $streamer
    status=$?
    pids=()
    [ $status -eq 0 ] || die "gearbox stream --serve exited $status after the second SIGTERM"
    echo "the stream closed as VOD, was still served, and gearbox stopped on the second SIGTERM"
    ;;

  live_window)
    # A live service: 1 s segments, a window of 4, files deleted 5 segments after leaving it,
    # LL-DASH chunks of 5 frames streamed by gearbox serve while they are written.
    window=4
    delay=$((window + 1))
    "$gearbox" stream --realtime --live --window $window --low-latency --segment 1 "${ladder[@]}" \
      --duration 300 --serve --host 127.0.0.1 --port 0 -q -o "$work/lw" >"$work/stream.out" 2>"$work/stream.out.err" &
    streamer=$!
    pids+=($streamer)
    url=$(server_url "$work/stream.out" $streamer) || die "gearbox stream --live --serve did not start"
    # Disk use while the players play: the most segment files of any rendition at any time.
    ( max=0; while kill -0 $streamer 2>/dev/null; do
        for r in v0 v1 v2; do
          n=$(ls "$work/lw" 2>/dev/null | grep -c "^$r-[0-9]*\.m4s$"); [ "$n" -gt "$max" ] && max=$n
        done
        echo "$max" >"$work/max-files"; sleep 0.2
      done ) &
    pids+=($!)
    for _ in $(seq 100); do [ -f "$work/lw/manifest.mpd" ] && [ -f "$work/lw/master.m3u8" ] && break; sleep 0.2; done
    # Start the players once the window has slid and deletion has begun.
    for _ in $(seq 150); do [ -f "$work/lw/v0-1.m4s" ] || break; sleep 0.2; done
    [ -f "$work/lw/v0-1.m4s" ] && die "segment 1 was never deleted: the window does not slide"
    grep -q 'timeShiftBufferDepth="PT4.000S"' "$work/lw/manifest.mpd" || die "no 4 s timeShiftBufferDepth: $(cat "$work/lw/manifest.mpd")"
    grep -q 'availabilityTimeOffset=' "$work/lw/manifest.mpd" || die "no availabilityTimeOffset in the LL MPD"
    echo "gearbox stream --live --low-latency --serve: $url (window sliding, old segments deleted)"
    check --live --live-advance 8
    [ $rc -eq 0 ] || die "live-window playback failed (checker exit $rc; report: $artifacts/report.json)"
    kill -0 $streamer 2>/dev/null || die "the stream had already ended when the live check ended"
    max=$(cat "$work/max-files")
    [ "$max" -le $((window + delay + 1)) ] || die "$max segment files of one rendition on disk at once (bound $((window + delay + 1)))"
    echo "both players played the sliding window live; at most $max segment files per rendition on disk"
    node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const [m, p] of Object.entries(r.players)) console.log(`${m}: ${p.live.latency} s behind live (the player'"'"'s own figure)`);' \
      "$artifacts/report.json"
    kill -TERM $streamer
    for _ in $(seq 150); do grep -q "^stream closed" "$work/stream.out" && break; sleep 0.2; done
    grep -q 'type="static"' "$work/lw/manifest.mpd" || die "the closed live stream's MPD is not static"
    left=$(ls "$work/lw" | grep -c '^v0-[0-9]*\.m4s$')
    [ "$left" -eq $window ] || die "after close $left segment files of v0 remain, expected the window's $window"
    for f in $(grep -v '^#' "$work/lw/v0.m3u8"); do [ -f "$work/lw/$f" ] || die "the closed playlist lists missing $f"; done
    kill -TERM $streamer
    wait $streamer
    pids=()
    echo "closed: a static MPD and ENDLIST playlists listing the last window, every listed file present"
    ;;

  gap)
    # Frames at 25 fps of wall time, read from a pipe that stalls: their read times are the
    # timestamps, so the stall is a 5 s gap (more than the 2 s segment).
    raw_paced() { ffmpeg -v error -re -f lavfi -i testsrc2=size=320x180:rate=25 -frames:v "$1" -f rawvideo -pix_fmt bgr24 -; }
    { raw_paced 100; sleep 5; raw_paced 150; } |
      "$gearbox" stream -i - --size 320x180 --rate 25 --timestamps wallclock --rendition 160x90@100k \
        --audio "lavfi:sine=frequency=440:beep_factor=2:sample_rate=48000" -q -o "$work/gap" \
        >/dev/null 2>"$work/gap.err" || die "gearbox stream with a stalled stdin failed: $(cat "$work/gap.err")"
    for p in v0 v1 a0; do
      [ "$(grep -c '^#EXT-X-DISCONTINUITY$' "$work/gap/$p.m3u8")" = 1 ] ||
        die "$p.m3u8 does not mark the gap with one EXT-X-DISCONTINUITY: $(cat "$work/gap/$p.m3u8")"
    done
    echo "a VOD with a 5 s gap after 4 s: $(grep -c '<S ' "$work/gap/manifest.mpd") S elements in the MPD, one discontinuity per playlist"
    expect=320x180,160x90
    serve "$work/gap"
    # Playing through the gap is what this checks (forced renditions: see vod). dash.js 5.2 does
    # not apply a rendition forced in the first Period once it plays the second.
    check --through 4 --skip-renditions
    [ $rc -eq 0 ] || die "the players did not play through the gap (checker exit $rc; report: $artifacts/report.json)"
    ;;

  corrupt)
    stream_vod "$work/bad"
    # Segment 3 (4-6 s) of the 426x240 rendition: the players start on the top rendition, so
    # only the forced switch to 426x240 fetches it.
    segment="$work/bad/v1-3.m4s"
    [ -f "$segment" ] || die "no $segment to corrupt (segment naming changed?)"
    head -c "$(stat -c %s "$segment")" /dev/zero >"$segment.zero" && mv "$segment.zero" "$segment"
    echo "zeroed v1-3.m4s (426x240, 4-6 s)"
    serve "$work/bad"
    check
    [ $rc -ne 0 ] || die "the checker PASSED a stream with a zeroed segment: it cannot see broken output"
    [ $rc -eq 1 ] || die "the checker could not run (exit $rc), so it proves nothing"
    # Both players must have failed, and on the corrupted rendition, with the player's own error.
    node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const m of ["/manifest.mpd", "/master.m3u8"]) {
        const p = r.players[m];
        if (!p || p.pass) { console.error(`${m}: not failed`); process.exit(1); }
        if (!p.errors.some((e) => e.phase === "rendition 426x240")) {
          console.error(`${m}: no player error while 426x240 was forced`); process.exit(1);
        }
      }' "$artifacts/report.json" || die "the failure was not the corrupted segment's"
    echo "as it must, the check failed: both players reported the zeroed segment of 426x240"
    ;;

  *)
    die "unknown mode (vod, vod_hls_ts, live, live_window or corrupt)"
    ;;
esac
echo "PASS ($mode); screenshots in $artifacts"
