#!/usr/bin/env bash
# Soak test (not in CI): a `--live --realtime` stream with audio for a given time, sampling the
# process's resident memory, threads, open files and the output folder's disk use, then
# reporting any growth. Growth is judged on the steady state: the mean of the last quarter of
# samples against the mean of the second quarter (the first quarter is start-up: the window
# fills, the encoders' lookahead and pools reach their size). Exits 1 when something grows
# more than its tolerance, or when the stream does not end with final manifests.
#
# Usage: tools/soak.sh [MINUTES] [OUTPUT_DIR]   (default 30 minutes, a temporary folder)
# Extra arguments for `gearbox stream` can be given in GEARBOX_SOAK_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-30}"
out="${2:-$(mktemp -d -t gearbox-soak-XXXXXX)}"
interval=10
gearbox="build/tools/gearbox"
[ -x "$gearbox" ] || { echo "soak: $gearbox not built (tools/build.sh)" >&2; exit 2; }

log="$out.samples.tsv"
# shellcheck disable=SC2086
"$gearbox" stream --live --realtime --size 640x360 --rate 30 --segment 2 --window 6 \
  --rendition 320x180@300k --audio "lavfi:sine=frequency=440:beep_factor=4" \
  --quiet -o "$out" ${GEARBOX_SOAK_ARGS:-} &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT

printf 'seconds\trss_kb\tthreads\tfds\tdisk_kb\n' >"$log"
start=$(date +%s)
end=$((start + minutes * 60))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep "$interval"
  kill -0 "$pid" 2>/dev/null || { echo "soak: gearbox exited early" >&2; wait "$pid"; exit 1; }
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  disk=$(du -sk "$out" | cut -f1)
  printf '%s\t%s\t%s\t%s\t%s\n' "$(( $(date +%s) - start ))" "$rss" "$threads" "$fds" "$disk" >>"$log"
done
kill -INT "$pid"
trap - EXIT
status=0
wait "$pid" || status=$?

# Tolerances: memory 5 % (allocator noise), threads and fds none, disk 10 % (segment sizes vary).
awk -F'\t' -v status="$status" '
  NR == 1 { next }
  { n++; t[n] = $1; for (c = 2; c <= 5; c++) v[c, n] = $c }
  END {
    if (n < 8) { print "soak: too few samples (" n ")"; exit 1 }
    q = int(n / 4); split("rss_kb threads fds disk_kb", name, " "); split("5 0 0 10", tol, " ")
    bad = 0
    printf "soak: %d samples over %d s, gearbox exit status %d\n", n, t[n], status
    printf "%-8s %10s %10s %10s %10s %8s\n", "", "first", "steady", "last-q", "max", "growth"
    for (c = 2; c <= 5; c++) {
      a = 0; b = 0; mx = 0
      for (i = q + 1; i <= 2 * q; i++) a += v[c, i]
      for (i = n - q + 1; i <= n; i++) b += v[c, i]
      for (i = 1; i <= n; i++) if (v[c, i] > mx) mx = v[c, i]
      a /= q; b /= q; g = a > 0 ? 100 * (b - a) / a : 0
      flag = g > tol[c - 1] ? "  GROWS" : ""
      if (flag != "") bad = 1
      printf "%-8s %10d %10.0f %10.0f %10d %7.1f%%%s\n", name[c - 1], v[c, 1], a, b, mx, g, flag
    }
    exit bad
  }' "$log" || status=1

# The stream must end like any close: a static MPD and playlists with EXT-X-ENDLIST.
grep -q 'type="static"' "$out/manifest.mpd" || { echo "soak: manifest.mpd is not final" >&2; status=1; }
grep -q '#EXT-X-ENDLIST' "$out/v0.m3u8" || { echo "soak: v0.m3u8 has no EXT-X-ENDLIST" >&2; status=1; }
echo "soak: samples in $log, output in $out"
exit "$status"
