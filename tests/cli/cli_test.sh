#!/usr/bin/env bash
# The gearbox CLI as a user scripts it: help texts, usage errors naming the field, probe,
# raw frames on stdin, the test pattern, and gearbox serve's HTTP answers. Output is checked
# with ffprobe (FFmpeg's reader), HTTP with curl.
set -uo pipefail
gearbox="$1"
version="${2:-}" # the project's version (tests/CMakeLists.txt passes it)
work="$(mktemp -d)"
# Every process started in the background, killed at exit however the script ends (one
# variable per process would let a later one overwrite an earlier one still running).
background=()
trap 'for p in "${background[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_contains() {  # text needle what
  case "$1" in *"$2"*) ;; *) fail "$3: expected to contain '$2', got: $1" ;; esac
}

for cmd in "" "stream" "probe" "serve"; do
  out=$("$gearbox" $cmd --help 2>&1) || fail "gearbox $cmd --help exited non-zero"
  expect_contains "$out" "usage: gearbox" "gearbox $cmd --help"
done
# --version: the project's version, on stdout, exit 0 (also as -V and `gearbox version`).
for flag in --version -V version; do
  out=$("$gearbox" $flag 2>/dev/null) || fail "gearbox $flag exited non-zero"
  [ "$out" = "gearbox $version" ] || fail "gearbox $flag: '$out', expected 'gearbox $version'"
done

out=$("$gearbox" stream --rendition 641x360@500k -o "$work/x" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "odd rendition: exit $rc, expected 2"
expect_contains "$out" "width 641 is odd" "odd rendition"
out=$("$gearbox" stream --rendition 640x360@fast -o "$work/x" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "bad bitrate: exit $rc"
expect_contains "$out" '"fast" is not a bitrate' "bad bitrate"
out=$("$gearbox" stream --format flv 2>&1); rc=$?
[ $rc -eq 2 ] || fail "bad format: exit $rc"
expect_contains "$out" 'format: "flv"' "bad format"
out=$("$gearbox" stream --input - 2>&1); rc=$?
[ $rc -eq 2 ] || fail "raw input without size: exit $rc"
expect_contains "$out" "--size is required" "raw without size"

# Nonsense is refused before anything is allocated or written, naming the flag and the value,
# with exit 2 (the command line is wrong); an input that holds no frame exits 1 and no manifest
# path is printed for a manifest that was not written.
expect_refused() {  # what expected-status needle args...
  local what="$1" status="$2" needle="$3"; shift 3
  out=$("$gearbox" stream -q -o "$work/refused" "$@" 2>&1); rc=$?
  [ $rc -eq "$status" ] || fail "$what: exit $rc, expected $status; output: $out"
  expect_contains "$out" "$needle" "$what"
  case "$out" in *"dash: "*|*"hls: "*) fail "$what: printed a manifest path: $out" ;; esac
}
expect_refused "huge size" 2 '--size: 99999x99999 is larger than H.264 encodes' --size 99999x99999 --frames 1
expect_refused "bpp 1e300" 2 '--bpp: "1e300" is not a number above 0 and at most 24' --bpp 1e300 --size 64x36 --frames 1
expect_refused "bpp 1e12" 2 '--bpp: "1e12"' --bpp 1e12 --size 64x36 --frames 1
expect_refused "bpp nan" 2 '--bpp: "nan"' --bpp nan --size 64x36 --frames 1
expect_refused "maxrate inf" 2 '--maxrate-factor: "inf"' --maxrate-factor inf --size 64x36 --frames 1
expect_refused "frames with a space" 2 '--frames: " 5" is not a whole number' --frames " 5" --size 64x36
expect_refused "queue depth 1e20" 2 '--queue-depth: "1e20" is not a whole number within 1..1024' --queue-depth 1e20
expect_refused "segment 1e6" 2 '--segment: "1e6" is not a positive number of seconds' --segment 1e6
expect_refused "upscaling rendition" 2 \
  'renditions[1].resolution: 1920x1080 is larger than the 640x360 source' --size 640x360 --rendition 1920x1080@1000k --frames 1
expect_refused "odd source size" 2 '--size 641x360 has an odd side' --size 641x360 --frames 1
expect_refused "pix-fmt with testsrc" 2 '--pix-fmt "nv12" goes with raw input' --pix-fmt nv12 --size 64x36 --frames 1
mkdir -p "$work/inputs/dir"
: > "$work/inputs/empty.raw"
head -c 100 /dev/zero > "$work/inputs/short.raw"
expect_refused "directory input" 2 "--input: \"$work/inputs/dir\" is a directory" -i "$work/inputs/dir" --size 64x36
expect_refused "missing input" 2 "--input: cannot open \"$work/inputs/none.raw\"" -i "$work/inputs/none.raw" --size 64x36
expect_refused "empty input" 1 "holds no complete 64x36 bgr24 frame (6912 bytes)" -i "$work/inputs/empty.raw" --size 64x36
expect_refused "short input" 1 "the last 100 bytes are less than one 64x36 bgr24 frame" -i "$work/inputs/short.raw" --size 64x36
expect_refused "empty stdin" 1 "holds no complete 64x36 bgr24 frame" -i - --size 64x36 </dev/null
# A short last frame after whole ones is reported; the whole frames are streamed (exit 0).
head -c $((6912 * 3 + 10)) /dev/zero > "$work/inputs/ragged.raw"
out=$("$gearbox" stream -q -o "$work/ragged" -i "$work/inputs/ragged.raw" --size 64x36 2>&1); rc=$?
[ $rc -eq 0 ] || fail "ragged input: exit $rc: $out"
expect_contains "$out" "the last 10 bytes are less than one 64x36 bgr24 frame" "ragged input"
expect_contains "$out" "dash: $work/ragged/manifest.mpd" "ragged input"
[ -f "$work/ragged/manifest.mpd" ] || fail "ragged input: manifest.mpd not written"
out=$("$gearbox" stream --help 2>&1)
expect_contains "$out" "  1  a failure while streaming" "stream --help exit statuses"
# The backends' own flags, in the help from their descriptions, and checked by them.
expect_contains "$out" "  --nvenc-tuning NAME     NVENC tuning: hq, ll, ull" "stream --help backend options"
expect_contains "$out" "  --preset NAME           x264 preset" "stream --help backend options"
expect_contains "$out" "  --x264-threads N" "stream --help backend options"
expect_refused "bad --x264-threads" 2 '--x264-threads: "200" is not a whole number within 0..128' --x264-threads 200
expect_refused "bad --nvenc-preset" 2 '--nvenc-preset: "p9" is not one of p1, p2, p3, p4, p5, p6, p7' --nvenc-preset p9
out=$("$gearbox" stream -q -o "$work/x264opts" --frames 3 --tune none --x264-threads 1 --bframes 2 2>&1) || fail "x264 options: $out"
out=$("$gearbox" bench --size 99999x99999 --frames 1 2>&1); rc=$?
[ $rc -eq 2 ] || fail "bench huge size: exit $rc, expected 2; output: $out"
expect_contains "$out" '--size: 99999x99999 is larger than H.264 encodes' "bench huge size"
# bench --json echoes what the user typed (here an -o folder that cannot be made, named in the
# error) with its control characters, quote and newline escaped: stdout stays one JSON document.
: > "$work/not-a-folder"
odd_output="$work/not-a-folder/"$'\x01'"x"$'\n'"y\"z"
out=$("$gearbox" bench --json -q --size 64x36 --frames 1 --backend x264 -o "$odd_output" 2>/dev/null); rc=$?
[ $rc -eq 1 ] || fail "bench --json, -o under a file: exit $rc, expected 1; output: $out"
printf '%s' "$out" | python3 -c '
import json, sys
error = json.load(sys.stdin)["results"][0]["error"]
assert sys.argv[1] in error, "the error does not name the -o folder: %r" % error
' "$odd_output" || fail "bench --json with control characters in a string is not JSON naming them: $out"

out=$("$gearbox" stream --port 8080 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--port without --serve: exit $rc"
expect_contains "$out" "--port goes with --serve" "--port without --serve"
out=$("$gearbox" serve "$work/missing" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "serve a missing folder: exit $rc"
expect_contains "$out" "\"$work/missing\" does not exist" "serve a missing folder"
out=$("$gearbox" serve "$work" --port 70000 2>&1); rc=$?
[ $rc -eq 2 ] || fail "serve on port 70000: exit $rc"
expect_contains "$out" 'port: "70000" is not a port number' "serve on port 70000"

out=$("$gearbox" probe 2>&1) || fail "probe exited non-zero"
expect_contains "$out" "x264    available" "probe"
expect_contains "$out" "nvenc   unavailable" "probe"
expect_contains "$out" "auto: x264" "probe"
# nvenc through the SIMULATED NVIDIA runtime built beside the CLI: available, named a
# simulation, and a GPU without NVENC engines explained when the simulation plays one.
simulation="$(dirname "$gearbox")/../nvidia-simulation"
if [ -f "$simulation/libcuda.so.1" ]; then
  out=$(GEARBOX_NVENC_RUNTIME_DIR="$simulation" "$gearbox" probe 2>&1) || fail "probe on the simulation exited non-zero"
  expect_contains "$out" "nvenc   available    SIMULATED NVIDIA runtime" "probe on the simulation"
  expect_contains "$out" "sessions capped by the driver, not reported" "probe on the simulation"
  expect_contains "$out" "auto: nvenc" "probe on the simulation"
  out=$(GEARBOX_NVENC_RUNTIME_DIR="$simulation" GEARBOX_SIM_NVIDIA_FAIL=no_encode_engine "$gearbox" probe 2>&1)
  expect_contains "$out" "nvenc   unavailable  GPU without NVENC engines: nvEncOpenEncodeSessionEx returned NV_ENC_ERR_UNSUPPORTED_DEVICE" "probe, no NVENC engine"
  expect_contains "$out" "auto: x264" "probe, no NVENC engine"
  out=$("$gearbox" stream --nvenc-rc abr -o "$work/x" 2>&1); rc=$?
  [ $rc -eq 2 ] || fail "bad --nvenc-rc: exit $rc"
  expect_contains "$out" '--nvenc-rc: "abr" is not one of cbr, vbr' "bad --nvenc-rc"
fi

# VA-API through Debian's libva and the simulated VA driver (tools/simulated.sh): probe finds it,
# and bench labels what it measured there as a simulation's figures, in the table and the JSON.
build="$(cd "$(dirname "$gearbox")/.." && pwd)"
simulated="$(dirname "$0")/../../tools/simulated.sh"
if [ -f "$build/vaapi-simulation/gearbox_sim_drv_video.so" ]; then
  on_vaapi() { GEARBOX_BUILD_DIR="$build" "$simulated" vaapi "$@"; }
  out=$(on_vaapi "$gearbox" probe 2>&1) || fail "probe on the VA simulation exited non-zero"
  expect_contains "$out" 'vaapi   available    ' "probe on the VA simulation"
  expect_contains "$out" 'gearbox VA-API SIMULATION' "probe on the VA simulation"
  out=$(on_vaapi "$gearbox" bench --backend vaapi --size 320x180 --frames 10 2>&1) ||
    fail "bench on the VA simulation exited non-zero: $out"
  expect_contains "$out" 'vaapi* ' "bench on the VA simulation"
  expect_contains "$out" '* on a SIMULATED runtime' "bench on the VA simulation"
  out=$(on_vaapi "$gearbox" bench --json -q --backend vaapi --size 320x180 --frames 10 2>/dev/null)
  expect_contains "$out" '"backend":"vaapi","simulated":true,' "bench --json on the VA simulation"
  out=$("$gearbox" bench --json -q --backend x264 --size 320x180 --frames 10 2>/dev/null)
  expect_contains "$out" '"backend":"x264","simulated":false,' "bench --json on x264"
fi

# Raw RGB24 frames on stdin, 48 frames at 24 fps = 2 s, one extra rendition, HLS only.
ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=24 -frames:v 48 -f rawvideo -pix_fmt rgb24 - |
  "$gearbox" stream --input - --pix-fmt rgb24 --size 320x240 --rate 24 --segment 1 \
    --rendition 160x120@100k --format hls -q -o "$work/raw/out.m3u8" >/dev/null ||
  fail "streaming raw stdin failed"
[ -f "$work/raw/out.m3u8" ] || fail "no HLS master for raw input"
[ ! -f "$work/raw/out.mpd" ] || fail "an MPD was written for --format hls"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width \
  -of csv=p=0 "$work/raw/v1.m3u8" | head -n 1)
[ "$frames" = "160,48" ] || fail "raw input rendition v1: expected 160,48 (width,frames), got '$frames'"

# The same raw frames as HLS over MPEG-TS segments: .ts files, no init segment, ffprobe reads them.
ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=24 -frames:v 48 -f rawvideo -pix_fmt rgb24 - |
  "$gearbox" stream --input - --pix-fmt rgb24 --size 320x240 --rate 24 --segment 1 \
    --format hls --hls-segment-type mpegts -q -o "$work/ts" >/dev/null ||
  fail "streaming HLS over MPEG-TS failed"
[ -f "$work/ts/v0-2.ts" ] && [ ! -f "$work/ts/v0-init.mp4" ] || fail "--hls-segment-type mpegts: no v0-2.ts, or an init segment"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
  -of csv=p=0 "$work/ts/master.m3u8" | head -n 1)
[ "$frames" = "48" ] || fail "HLS over MPEG-TS: expected 48 frames, got '$frames'"
out=$("$gearbox" stream --hls-segment-type mpegts -o "$work/x" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "mpegts with DASH: exit $rc, expected 2"
expect_contains "$out" "--hls-segment-type: mpegts needs format hls, not" "mpegts with DASH"
out=$("$gearbox" stream --format hls --hls-segment-type ts -o "$work/x" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--hls-segment-type ts: exit $rc"
expect_contains "$out" '--hls-segment-type: "ts" is not fmp4 or mpegts' "--hls-segment-type ts"

# The built-in test pattern, both formats.
"$gearbox" stream --size 320x180 --rate 25 --frames 60 -q -o "$work/tp" >/dev/null || fail "testsrc stream failed"
[ -f "$work/tp/manifest.mpd" ] && [ -f "$work/tp/master.m3u8" ] || fail "testsrc: manifests missing"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
  -of csv=p=0 "$work/tp/manifest.mpd" | head -n 1)
[ "$frames" = "60" ] || fail "testsrc DASH: expected 60 frames, got '$frames'"

# gearbox serve: the types players expect, manifests never cached, a busy port named.
"$gearbox" serve "$work/tp" --port 0 >"$work/serve.out" 2>&1 &
background+=($!)
for _ in $(seq 50); do grep -q "^serving" "$work/serve.out" && break; sleep 0.1; done
url=$(sed -n 's/^serving .* at //p' "$work/serve.out")
[ -n "$url" ] || fail "gearbox serve printed no address: $(cat "$work/serve.out")"
headers() { curl -sS -D - -o /dev/null "$url$1" | tr -d '\r'; }
h=$(headers manifest.mpd)
expect_contains "$h" "Content-Type: application/dash+xml" "GET manifest.mpd"
expect_contains "$h" "Cache-Control: no-store" "GET manifest.mpd"
h=$(headers master.m3u8)
expect_contains "$h" "Content-Type: application/vnd.apple.mpegurl" "GET master.m3u8"
expect_contains "$h" "Cache-Control: no-store" "GET master.m3u8"
expect_contains "$(headers v0-1.m4s)" "Content-Type: video/iso.segment" "GET v0-1.m4s"
expect_contains "$(headers v0-init.mp4)" "Content-Type: video/mp4" "GET v0-init.mp4"
expect_contains "$(headers nothing-here.m4s)" "404" "GET a missing file"
expect_contains "$(curl -sS "${url}player/manifests.json")" '"/manifest.mpd"' "GET player/manifests.json"
port="${url##*:}"
port="${port%/}"
out=$("$gearbox" serve "$work/tp" --port "$port" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "serve on a busy port: exit $rc"
expect_contains "$out" "port $port on 127.0.0.1 is already in use" "serve on a busy port"

# --json: one object per line, a segment event per file and a final summary.
json=$("$gearbox" stream --size 320x180 --rate 25 --frames 50 --segment 1 --rendition 160x90@12.5fps \
  --json -q -o "$work/json") || fail "--json stream failed"
[ "$(printf '%s\n' "$json" | grep -c '"type":"segment"')" = 4 ] || fail "--json: expected 4 segment events, got: $json"
expect_contains "$json" '"type":"segment","rendition":"v1","number":2,"start":1.000000,"duration":1.000000' "--json segment"
expect_contains "$(printf '%s\n' "$json" | tail -n 1)" '"type":"done"' "--json summary"
expect_contains "$json" '"frame_rate":12.500,"frames":26' "--json 12.5 fps rendition"
# The summary names the manifests as written, control characters in the folder's name included.
odd_dir="$work/tab"$'\t'"and"$'\x01'"dir"
json=$("$gearbox" stream --size 64x36 --frames 1 --format dash --json -q -o "$odd_dir") || fail "--json into $odd_dir failed"
printf '%s\n' "$json" | tail -n 1 | python3 -c '
import json, sys
dash = json.load(sys.stdin)["dash"]
assert dash == sys.argv[1], "dash: %r" % dash
' "$odd_dir/manifest.mpd" || fail "--json summary does not name $odd_dir/manifest.mpd: $json"
out=$("$gearbox" stream --rendition 640x360@60fps --rate 30 -o "$work/x" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "rendition above the input rate: exit $rc"
expect_contains "$out" "above the input frame rate 30" "rendition above the input rate"

# --live: a sliding window of 3 plus a 1-segment delay on disk, the last window left at the end.
"$gearbox" stream --size 160x90 --rate 25 --frames 250 --segment 1 --live --window 3 --delete-delay 1 \
  -q -o "$work/live" >/dev/null || fail "--live stream failed"
[ "$(ls "$work/live" | grep -c '^v0-[0-9]*\.m4s$')" = 3 ] || fail "--live: expected 3 segments left, got: $(ls "$work/live")"
expect_contains "$(cat "$work/live/v0.m3u8")" "#EXT-X-MEDIA-SEQUENCE:8" "--live media sequence"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
  -of csv=p=0 "$work/live/manifest.mpd" | head -n 1)
[ "$frames" = "75" ] || fail "--live DASH after close: expected the window's 75 frames, got '$frames'"
out=$("$gearbox" stream --live --window 0 -o "$work/x" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--window 0: exit $rc"
expect_contains "$out" '--window: "0" is not a whole number within 1..10000' "--window 0"
out=$("$gearbox" stream --timestamps camera -o "$work/x" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--timestamps camera: exit $rc"
expect_contains "$out" 'timestamps: "camera" is not index or wallclock' "--timestamps camera"

# --timestamps wallclock with stdin stalled for 3 s (1 s segments): the segment before the stall
# ends with its frames, HLS marks the gap with one EXT-X-DISCONTINUITY, no EXTINF rounds above
# TARGETDURATION, and DASH starts a second Period after the gap.
raw_paced() {  # frames at 25 fps of wall time
  ffmpeg -v error -re -f lavfi -i testsrc2=size=160x90:rate=25 -frames:v "$1" -f rawvideo -pix_fmt bgr24 -
}
{ raw_paced 30; sleep 3; raw_paced 30; } |
  "$gearbox" stream -i - --size 160x90 --rate 25 --segment 1 --timestamps wallclock -q \
    -o "$work/stall" >/dev/null 2>"$work/stall.err" || fail "wallclock stream with a stall failed: $(cat "$work/stall.err")"
grep -q "a gap" "$work/stall.err" || fail "wallclock stall: no gap warning: $(cat "$work/stall.err")"
playlist="$work/stall/v0.m3u8"
[ "$(grep -c '^#EXT-X-DISCONTINUITY$' "$playlist")" = 1 ] || fail "wallclock stall: expected one EXT-X-DISCONTINUITY: $(cat "$playlist")"
target=$(sed -n 's/^#EXT-X-TARGETDURATION://p' "$playlist")
awk -F'[:,]' -v t="$target" '/^#EXTINF:/ { if ($2 + 0.5 >= t + 1) bad = bad " " $2 } END { if (bad) { print bad; exit 1 } }' \
  "$playlist" >/dev/null || fail "wallclock stall: an EXTINF rounds above TARGETDURATION $target: $(cat "$playlist")"
awk -F'[:,]' '/^#EXTINF:/ { d = $2 } /^#EXT-X-DISCONTINUITY$/ { exit !(d < 1.3) }' "$playlist" ||
  fail "wallclock stall: the segment before the gap lasts past its frames: $(cat "$playlist")"
[ "$(grep -c '<Period ' "$work/stall/manifest.mpd")" = 2 ] ||
  fail "wallclock stall: expected a second DASH Period after the gap: $(cat "$work/stall/manifest.mpd")"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$playlist" | head -n 1)
[ "$frames" = 60 ] || fail "wallclock stall: HLS plays $frames frames, expected 60"

# --low-latency behind gearbox serve: a segment asked for while it is written arrives chunk by
# chunk (its first bytes well before it is complete) and is byte-identical to the final file.
"$gearbox" stream --size 160x90 --rate 25 --segment 2 --duration 6 --realtime --low-latency \
  --serve --port 0 -q -o "$work/ll" >"$work/ll.out" 2>&1 &
server=$!
background+=("$server")
for _ in $(seq 50); do grep -q "^serving" "$work/ll.out" && break; sleep 0.1; done
url=$(sed -n 's/^serving .* at //p' "$work/ll.out")
sleep 2.1  # segment 2 (2 s to 4 s) has just started
timing=$(curl -sS -o "$work/ll-seg2.m4s" -w '%{time_starttransfer} %{time_total}' "${url}v0-2.m4s")
first=${timing% *}
total=${timing#* }
awk -v f="$first" -v t="$total" 'BEGIN { exit !(f < 1.0 && t > 1.0) }' ||
  fail "--low-latency: first byte after ${first}s, complete after ${total}s (expected < 1 s and > 1 s)"
for _ in $(seq 100); do grep -q "^stream closed" "$work/ll.out" && break; sleep 0.1; done
cmp -s "$work/ll-seg2.m4s" "$work/ll/v0-2.m4s" || fail "--low-latency: the streamed segment differs from the file"
kill -INT "$server"; wait "$server" 2>/dev/null

# --audio: one AAC track (lavfi here) that every HLS variant names, in the --json summary too.
json=$("$gearbox" stream --size 320x180 --rate 30 --duration 3 --rendition 160x90@100k \
  --audio "lavfi:sine=frequency=440:sample_rate=44100" --audio-bitrate 96k --json -q -o "$work/audio") ||
  fail "--audio stream failed"
audio=$(ffprobe -v error -select_streams a -show_entries stream=codec_name,sample_rate,channels \
  -of csv=p=0 "$work/audio/master.m3u8" | head -n 1)
[ "$audio" = "aac,48000,2" ] || fail "--audio: expected aac,48000,2 in master.m3u8, got '$audio'"
[ "$(grep -c 'AUDIO="aac"' "$work/audio/master.m3u8")" = 2 ] || fail "--audio: every variant names the audio group"
expect_contains "$(cat "$work/audio/manifest.mpd")" 'contentType="audio"' "--audio MPD"
expect_contains "$json" '"rendition":"a0","number":2,' "--audio segment event"
expect_contains "$(printf '%s\n' "$json" | tail -n 1)" '"audio":{"packets":' "--audio --json summary"
out=$("$gearbox" stream --audio "$work/none.wav" -o "$work/x" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--audio missing file: exit $rc"
expect_contains "$out" "audio.source: \"$work/none.wav\" cannot be opened" "--audio missing file"
out=$("$gearbox" stream --audio "lavfi:sine" --audio-bitrate 2k -o "$work/x" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--audio-bitrate 2k: exit $rc"
expect_contains "$out" "--audio-bitrate: 2 kbps must be within 8..512" "--audio-bitrate 2k"
out=$("$gearbox" stream --audio "lavfi:sine" --audio-clock fast -o "$work/x" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "--audio-clock fast: exit $rc"
expect_contains "$out" '--audio-clock: "fast" is not auto, source or wall' "--audio-clock fast"

if [ $failures -ne 0 ]; then echo "$failures CLI check(s) failed"; exit 1; fi
echo "all CLI checks passed"
