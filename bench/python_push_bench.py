#!/usr/bin/env python3
"""CPU cost of pushing 1080p frames from Python (gearbox.Streamer.push on numpy arrays) against
the gearbox CLI's memory-mapped raw input, on the same frames and the same ladder. Not a test.

Both read the same raw BGR24 file (the CLI's test pattern, `gearbox bench --write-frames`): the
CLI memory-maps it and pushes each frame in place; the Python contender maps it with mmap (as
the CLI does: sequential, pushed pages released) and pushes each frame's (H, W, 3) numpy view,
as a numpy/OpenCV loop hands over its own arrays. The ladder is compare_ffmpeg.sh's: 1080p@4000k, 720p@2500k, 360p@800k, 2 s segments,
x264 veryfast + zerolatency, high profile, no B-frames, VBV cap = bitrate with a 1 s buffer.
Each contender runs as its own process (CPU = user + system time of that process, from wait4),
alternating which goes first; ratios are given of the medians and paired by round.

usage: PYTHONPATH=build/python python3 bench/python_push_bench.py [--runs N] [--frames N]
       [--gearbox build/tools/gearbox] [--work DIR] [--markdown]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

W, H, FPS = 1920, 1080, 30

# The Python contender maps the file as the CLI does (MADV_SEQUENTIAL, and the pages of pushed
# frames released with MADV_DONTNEED, so neither holds the whole file resident).
PUSH = r"""
import mmap, sys, numpy, gearbox
path, out, frames, preset = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(path, "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
m.madvise(mmap.MADV_SEQUENTIAL)
raw = numpy.frombuffer(m, dtype=numpy.uint8).reshape(frames, %d, %d, 3)
frame_bytes = raw[0].nbytes
released = 0
s = gearbox.Streamer(out, renditions=["1280x720@2500k", "640x360@800k"], format="dash",
                     primary_bitrate="4000k", input_frame_rate=%d, segment_duration=2,
                     vbv_maxrate_factor=1, vbv_buffer_seconds=1,
                     backend_options={"x264.preset": preset, "x264.tune": "zerolatency",
                                      "x264.profile": "high", "x264.bframes": 0})
for i in range(frames):
    s.push(raw[i])
    done = (i + 1) * frame_bytes // mmap.PAGESIZE * mmap.PAGESIZE
    if done > released:
        m.madvise(mmap.MADV_DONTNEED, released, done - released)
        released = done
s.close()
st = s.stats()
assert st["frames_pushed"] == frames, st
""" % (H, W, FPS)


def run(cmd, env=None):
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"python_push_bench: {cmd[0]} failed ({proc.returncode}): {err[-2000:]}")
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "rss_mb": usage.ru_maxrss / 1024}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--preset", default="veryfast")
    ap.add_argument("--gearbox", default=os.environ.get("GEARBOX", "build/tools/gearbox"))
    ap.add_argument("--work", default="")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    if not os.access(a.gearbox, os.X_OK):
        sys.exit(f"python_push_bench: {a.gearbox} is not built (cmake --build build --target gearbox_cli)")
    work = a.work or tempfile.mkdtemp(prefix="python_push_bench.")
    os.makedirs(work, exist_ok=True)
    raw = os.path.join(work, "frames.bgr")
    try:
        print(f"python_push_bench: writing {a.frames} frames of {W}x{H} to {raw}", file=sys.stderr)
        subprocess.run([a.gearbox, "bench", "--write-frames", raw, "--frames", str(a.frames),
                        "--size", f"{W}x{H}", "--rate", str(FPS)], check=True, stdout=subprocess.DEVNULL)
        cli = [a.gearbox, "stream", "--input", raw, "--pix-fmt", "bgr24", "--size", f"{W}x{H}",
               "--rate", str(FPS), "--bitrate", "4000k", "--rendition", "1280x720@2500k",
               "--rendition", "640x360@800k", "--segment", "2", "--preset", a.preset,
               "--tune", "zerolatency", "--profile", "high", "--bframes", "0",
               "--maxrate-factor", "1", "--vbv-seconds", "1", "--format", "dash", "-q",
               "-o", os.path.join(work, "out-cli")]
        py = [sys.executable, "-c", PUSH, raw, os.path.join(work, "out-python"), str(a.frames), a.preset]
        contenders = {"cli-mmap": cli, "python-push": py}
        rows = {k: [] for k in contenders}
        for r in range(a.runs):
            order = list(contenders) if r % 2 == 0 else list(reversed(contenders))
            for name in order:
                shutil.rmtree(os.path.join(work, "out-cli"), ignore_errors=True)
                shutil.rmtree(os.path.join(work, "out-python"), ignore_errors=True)
                m = run(contenders[name])
                rows[name].append(m)
                print(f"round {r + 1} {name}: cpu {m['cpu']:.2f} s, wall {m['wall']:.2f} s, "
                      f"rss {m['rss_mb']:.0f} MB", file=sys.stderr)
        med = {k: {f: statistics.median(x[f] for x in v) for f in ("cpu", "wall", "rss_mb")} for k, v in rows.items()}
        paired = [p["cpu"] / c["cpu"] for p, c in zip(rows["python-push"], rows["cli-mmap"])]
        ratio = med["python-push"]["cpu"] / med["cli-mmap"]["cpu"]
        title = (f"{a.frames} frames {W}x{H} BGR24, ladder 1080p@4000k/720p@2500k/360p@800k, x264 {a.preset}, "
                 f"medians of {a.runs} alternating runs")
        if a.markdown:
            print(f"{title}\n\n| contender | CPU s | CPU ms/frame | wall s | fps | peak RSS MB |\n|---|---|---|---|---|---|")
            for k, m in med.items():
                print(f"| {k} | {m['cpu']:.2f} | {1000 * m['cpu'] / a.frames:.1f} | {m['wall']:.2f} | "
                      f"{a.frames / m['wall']:.1f} | {m['rss_mb']:.0f} |")
            print(f"\npython-push / cli-mmap CPU: **{ratio:.3f}** (paired by round: median "
                  f"{statistics.median(paired):.3f}, {min(paired):.3f}-{max(paired):.3f})")
        else:
            print(title)
            for k, m in med.items():
                print(f"  {k:12s} cpu {m['cpu']:.2f} s ({1000 * m['cpu'] / a.frames:.1f} ms/frame), wall {m['wall']:.2f} s")
            print(f"  python-push / cli-mmap CPU {ratio:.3f}; paired {', '.join(f'{p:.3f}' for p in paired)}")
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
