#!/usr/bin/env bash
# Side-by-side, in one run, on identical frames and identical encoder settings:
#   gearbox       the gearbox CLI taking the raw BGR24 frames in place from a memory-mapped
#                 file, as a program linking the library hands it frames from its own memory
#   gearbox-pipe  the gearbox CLI reading the same frames from a pipe (like-for-like with ffmpeg)
#   ffmpeg        the ffmpeg CLI reading the same frames from a pipe and writing the same ladder
#                 as DASH the way StreamGear drives it: one split/scale filter graph, libx264
#   floor         the x264 CLI alone encoding pre-scaled inputs, the three renditions in
#                 parallel: what encoding costs with zero overhead
# Runs alternate (gearbox, ffmpeg, floor, then rotated) and the medians are compared.
#
# usage: bench/compare_ffmpeg.sh [--runs N] [--frames N] [--preset P] [--work DIR] [--markdown]
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3 frames=300 preset=veryfast work="" markdown=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --frames) frames="$2"; shift 2 ;;
    --preset) preset="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --markdown) markdown=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "compare_ffmpeg: unknown option $1" >&2; exit 2 ;;
  esac
done
gearbox="${GEARBOX:-build/tools/gearbox}"
[ -x "$gearbox" ] || { echo "compare_ffmpeg: $gearbox not built (run tools/build.sh)" >&2; exit 1; }
for tool in ffmpeg x264 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "compare_ffmpeg: $tool missing (run tools/setup.sh)" >&2; exit 1; }
done
if [ -z "$work" ]; then work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work"

# The workload of `gearbox bench`: 1080p30 BGR24, ladder 1080p@4000k / 720p@2500k / 360p@800k,
# 2 s segments (an IDR every 60 frames), VBV cap = bitrate with a 1 s buffer, no B-frames.
W=1920 H=1080 FPS=30 GOP=60
rates=(4000 2500 800) widths=(1920 1280 640) heights=(1080 720 360)

echo "compare_ffmpeg: writing $frames frames of the test pattern to $work/frames.bgr" >&2
"$gearbox" bench --write-frames "$work/frames.bgr" --frames "$frames" --size ${W}x${H} --rate $FPS

# The floor's inputs, scaled ahead of time with the same area filter (not timed).
echo "compare_ffmpeg: pre-scaling the floor's inputs" >&2
for i in 0 1 2; do
  ffmpeg -v error -y -f rawvideo -pix_fmt bgr24 -s ${W}x${H} -r $FPS -i "$work/frames.bgr" \
    -vf "scale=${widths[$i]}:${heights[$i]}:flags=area,format=yuv420p" -f yuv4mpegpipe "$work/floor$i.y4m"
done

x264_common="-preset $preset -tune zerolatency -profile:v high -bf 0 -g $GOP -keyint_min $GOP -sc_threshold 0"
run_gearbox() {
  gearbox_ladder "$work/frames.bgr"
}
run_gearbox-pipe() {
  cat "$work/frames.bgr" | gearbox_ladder -
}
gearbox_ladder() {
  rm -rf "$work/out-gearbox"
  "$gearbox" stream --input "$1" --pix-fmt bgr24 --size ${W}x${H} --rate $FPS \
    --bitrate ${rates[0]}k --rendition ${widths[1]}x${heights[1]}@${rates[1]}k \
    --rendition ${widths[2]}x${heights[2]}@${rates[2]}k --segment 2 --preset "$preset" \
    --tune zerolatency --profile high --bframes 0 --maxrate-factor 1 --vbv-seconds 1 \
    --format dash -q -o "$work/out-gearbox" >/dev/null
}
run_ffmpeg() {
  rm -rf "$work/out-ffmpeg" && mkdir -p "$work/out-ffmpeg"
  local graph="[0:v]split=3[i0][i1][i2]"
  local maps=() rc=()
  for i in 0 1 2; do
    graph+=";[i$i]scale=${widths[$i]}:${heights[$i]}:flags=area,format=yuv420p[o$i]"
    maps+=(-map "[o$i]")
    rc+=(-b:v:$i ${rates[$i]}k -maxrate:v:$i ${rates[$i]}k -bufsize:v:$i ${rates[$i]}k)
  done
  cat "$work/frames.bgr" | ffmpeg -v error -y -f rawvideo -pix_fmt bgr24 -s ${W}x${H} -r $FPS -i - \
    -filter_complex "$graph" "${maps[@]}" -c:v libx264 $x264_common "${rc[@]}" \
    -f dash -seg_duration 2 -use_template 1 -use_timeline 1 -adaptation_sets "id=0,streams=v" \
    "$work/out-ffmpeg/manifest.mpd"
}
run_floor() {
  for i in 0 1 2; do
    x264 --quiet --no-progress --preset "$preset" --tune zerolatency --profile high --bframes 0 \
      --keyint $GOP --min-keyint $GOP --scenecut 0 --bitrate ${rates[$i]} \
      --vbv-maxrate ${rates[$i]} --vbv-bufsize ${rates[$i]} -o /dev/null "$work/floor$i.y4m" 2>/dev/null &
  done
  wait
}
export -f run_gearbox run_gearbox-pipe gearbox_ladder run_ffmpeg run_floor
export work gearbox preset frames W H FPS GOP x264_common
export rates_s="${rates[*]}" widths_s="${widths[*]}" heights_s="${heights[*]}"

# One timed run: wall seconds, CPU seconds (user+sys of every process), peak RSS (KiB).
measure() {
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" bash -c \
    "rates=(\$rates_s) widths=(\$widths_s) heights=(\$heights_s); run_$1"
  read -r wall user sys rss < "$work/time.txt"
  echo "$1 $wall $(echo "$user + $sys" | bc -l) $rss $2" >> "$work/results.txt"
  echo "compare_ffmpeg: run $2 $1: ${wall}s wall" >&2
}
: > "$work/results.txt"
contenders=(gearbox ffmpeg floor gearbox-pipe)
for ((r = 0; r < runs; r++)); do
  for ((k = 0; k < 4; k++)); do
    measure "${contenders[$(((r + k) % 4))]}" "$((r + 1))"
  done
done

# gearbox's own measurement of the CPU it spends outside the encoders (upload, scale,
# package), taken per stage inside the process: steadier than a difference of two totals.
"$gearbox" bench --json -q --frames "$frames" --preset "$preset" > "$work/bench.json"

python3 - "$work/results.txt" "$frames" "$markdown" "$preset" "$work/bench.json" <<'PY'
import json, statistics, sys, os
path, frames, markdown, preset = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
inside = json.load(open(sys.argv[5]))["results"][0]["cpu_ms_per_frame_outside_encoders"]
rows, rounds = {}, {}
for line in open(path):
    name, wall, cpu, rss, rnd = line.split()
    rows.setdefault(name, []).append((float(wall), float(cpu), int(rss)))
    rounds.setdefault(rnd, {})[name] = float(wall)
# The same ratio within each round, whose runs follow each other within a minute: the
# machine's speed drifts less inside a round than across the whole run.
def paired(a, b):
    r = sorted(v[b] / v[a] for v in rounds.values() if a in v and b in v)
    return f"paired by round: median {statistics.median(r):.3f}, range {r[0]:.3f}-{r[-1]:.3f}"
med = {n: tuple(statistics.median(v[i] for v in vals) for i in range(3)) for n, vals in rows.items()}
fps = {n: frames / m[0] for n, m in med.items()}
cpu_ms = {n: m[1] * 1000 / frames for n, m in med.items()}
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"machine: {os.cpu_count()} cores, {cpu_model}")
print(f"workload: 1920x1080 BGR24 piped at 30 fps, {frames} frames, ladder 1080p@4000k/720p@2500k/360p@800k, "
      f"2 s segments, x264 {preset} zerolatency, VBV = bitrate, medians of {len(rows['gearbox'])} alternating runs")
sep = "|" if markdown else " "
hdr = ["contender", "fps", "wall s", "CPU ms/frame", "CPU outside encoding ms/frame", "peak RSS MB"]
if markdown:
    print("\n| " + " | ".join(hdr) + " |\n|" + "---|" * len(hdr))
else:
    print("\n%-12s %7s %7s %13s %30s %12s" % tuple(hdr))
for n in ("gearbox", "gearbox-pipe", "ffmpeg", "floor"):
    wall, cpu, rss = med[n]
    outside = (cpu_ms[n] - cpu_ms["floor"]) if n != "floor" else 0.0
    cells = [n, f"{fps[n]:.1f}", f"{wall:.2f}", f"{cpu_ms[n]:.1f}", f"{outside:.1f}", f"{rss / 1024:.0f}"]
    if n == "floor":
        cells[-1] += " (largest of 3)"
    print(("| " + " | ".join(cells) + " |") if markdown else "%-12s %7s %7s %13s %30s %12s" % tuple(cells))
print()
print(f"gearbox / ffmpeg throughput: {fps['gearbox'] / fps['ffmpeg']:.2f}x   (target >= 1.5x; {paired('gearbox', 'ffmpeg')})")
print(f"gearbox / floor throughput:  {fps['gearbox'] / fps['floor']:.3f}   (target >= 0.95; {paired('gearbox', 'floor')})")
print(f"gearbox CPU outside encoding: {inside:.2f} ms/frame measured per stage in-process "
      f"({cpu_ms['gearbox'] - cpu_ms['floor']:.1f} as the difference of process totals) (target <= 3)")
print(f"peak memory gearbox / ffmpeg: {med['gearbox'][2] / med['ffmpeg'][2]:.2f} (target <= 1)")
print(f"like for like, both reading the pipe: gearbox-pipe / ffmpeg throughput "
      f"{fps['gearbox-pipe'] / fps['ffmpeg']:.2f}x, CPU outside encoding {cpu_ms['gearbox-pipe'] - cpu_ms['floor']:.1f} "
      f"against {cpu_ms['ffmpeg'] - cpu_ms['floor']:.1f} ms/frame")
PY
