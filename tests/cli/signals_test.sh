#!/usr/bin/env bash
# How `gearbox stream` ends when it is stopped from outside: SIGPIPE (stdout closed), SIGHUP,
# SIGTERM, a file size limit (SIGXFSZ), and kill -9 mid-VOD and mid-live. Each documented end
# leaves final manifests (static MPD, ENDLIST playlists) listing exactly the complete segments on
# disk, a message and its exit status; kill -9 leaves manifests that list only complete segments,
# every one of which decodes (ffprobe).
set -uo pipefail
gearbox="$1"
work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_contains() {  # text needle what
  case "$1" in *"$2"*) ;; *) fail "$3: expected to contain '$2', got: $1" ;; esac
}
wait_for_file() {  # path seconds
  local deadline=$((SECONDS + $2))
  while [ ! -e "$1" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  [ -e "$1" ]
}
# Every segment a playlist lists exists and decodes (with its init segment when fMP4).
listed_segments_decode() {  # dir playlist what
  local dir="$1" playlist="$2" n=0
  for uri in $(grep -v '^#' "$dir/$playlist"); do
    n=$((n + 1))
    [ -f "$dir/$uri" ] || { fail "$3: $playlist lists $uri, which is not on disk"; continue; }
    frames=$(cat "$dir/${playlist%.m3u8}-init.mp4" "$dir/$uri" |
      ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 -i - 2>&1)
    [ "${frames:-0}" -gt 0 ] 2>/dev/null || fail "$3: $uri does not decode: $frames"
  done
  echo "$n"
}
# The final output: static MPD, ENDLIST, the playlist lists exactly the segment files on disk.
expect_final() {  # dir what
  local dir="$1"
  grep -q 'type="static"' "$dir/manifest.mpd" 2>/dev/null || fail "$2: the MPD is not static"
  for p in "$dir"/v[0-9].m3u8; do
    grep -q '^#EXT-X-ENDLIST' "$p" || fail "$2: $(basename "$p") has no EXT-X-ENDLIST"
    local track listed on_disk
    track=$(basename "$p" .m3u8)
    listed=$(grep -v '^#' "$p" | sort | tr '\n' ' ')
    on_disk=$(cd "$dir" && ls | grep "^$track-[0-9]*\.m4s$" | sort | tr '\n' ' ')
    [ "$listed" = "$on_disk" ] || fail "$2: $track lists '$listed', on disk '$on_disk'"
  done
  [ -z "$(ls "$dir" | grep '\.tmp$')" ] || fail "$2: temporary files left: $(ls "$dir" | grep '\.tmp$')"
  [ "$(listed_segments_decode "$dir" v0.m3u8 "$2")" -gt 0 ] || fail "$2: nothing listed"
}

# SIGPIPE: the reader of --json goes away after 100 bytes.
"$gearbox" stream --size 160x90 --rate 25 --frames 2500 --segment 1 --json -q -o "$work/pipe" \
  2>"$work/pipe.err" | head -c 100 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" -eq 1 ] || fail "stdout closed: exit $rc, expected 1 ($(cat "$work/pipe.err"))"
expect_contains "$(cat "$work/pipe.err")" "stdout: Broken pipe" "stdout closed"
expect_final "$work/pipe" "stdout closed"

# SIGHUP and SIGTERM mid-stream: closed cleanly, exit 0.
for sig in HUP TERM; do
  "$gearbox" stream --size 160x90 --rate 25 --duration 60 --realtime --segment 1 -q \
    -o "$work/$sig" >/dev/null 2>"$work/$sig.err" &
  pid=$!
  pids+=("$pid")
  wait_for_file "$work/$sig/v0-2.m4s" 30 || fail "SIG$sig: no second segment within 30 s"
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  [ "$rc" -eq 0 ] || fail "SIG$sig: exit $rc, expected 0 ($(cat "$work/$sig.err"))"
  expect_contains "$(cat "$work/$sig.err")" "interrupted; closing the stream" "SIG$sig"
  expect_final "$work/$sig" "SIG$sig"
done

# ulimit -f 50 (51200 bytes a file): the first segment over it is a write error, not SIGXFSZ.
(ulimit -f 50; exec "$gearbox" stream --size 640x360 --rate 25 --duration 20 --bitrate 1000k --segment 1 -q \
  -o "$work/fsize" >/dev/null 2>"$work/fsize.err")
rc=$?
[ "$rc" -eq 1 ] || fail "ulimit -f: exit $rc, expected 1 ($(cat "$work/fsize.err"))"
expect_contains "$(cat "$work/fsize.err")" ".m4s.tmp\": File too large" "ulimit -f"
expect_contains "$(cat "$work/fsize.err")" "the final manifests list the" "ulimit -f"
grep -q 'type="static"' "$work/fsize/manifest.mpd" || fail "ulimit -f: the MPD is not static"
for p in "$work"/fsize/v[0-9].m3u8; do grep -q '^#EXT-X-ENDLIST' "$p" || fail "ulimit -f: $p has no ENDLIST"; done

# kill -9 mid-VOD and mid-live: nothing is finalised, but what the manifests list is complete.
for mode in vod live; do
  extra=()
  [ "$mode" = live ] && extra=(--live --window 3 --delete-delay 1)
  "$gearbox" stream --size 320x180 --rate 25 --duration 60 --realtime --segment 1 --low-latency -q \
    "${extra[@]}" -o "$work/kill-$mode" >/dev/null 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_for_file "$work/kill-$mode/v0-5.m4s" 30 || fail "kill -9 $mode: no fifth segment within 30 s"
  sleep 0.5  # into the next segment's chunks
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  n=$(listed_segments_decode "$work/kill-$mode" v0.m3u8 "kill -9 $mode")
  [ "$n" -ge 3 ] || fail "kill -9 $mode: $n segments listed, expected at least 3"
  grep -q 'type="dynamic"' "$work/kill-$mode/manifest.mpd" || fail "kill -9 $mode: no MPD"
done

if [ $failures -ne 0 ]; then echo "$failures signal check(s) failed"; exit 1; fi
echo "all signal checks passed"
