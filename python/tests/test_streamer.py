"""gearbox.Streamer, the Pythonic API: frames of every layout read in place, the errors it
raises, stats, the segment callback, the context manager, probe()."""

import os
import threading

import numpy as np
import pytest

import gearbox
import readback
from conftest import pattern

W, H = 160, 96


def frames(n, width=W, height=H):
    return [pattern(i, width, height) for i in range(n)]


def open_stream(tmp_path, **kw):
    kw.setdefault("renditions", ["80x48@100k"])
    return gearbox.Streamer(str(tmp_path / "out"), **kw)


def test_probe_lists_every_backend_with_a_reason():
    backends = gearbox.probe()
    assert [b["name"] for b in backends] == ["nvenc", "qsv", "vaapi", "x264"]
    for b in backends:
        assert isinstance(b["available"], bool) and b["reason"]
    x264 = backends[-1]
    assert x264["available"] and x264["codecs"] == ["h264"]


@pytest.mark.parametrize("layout", ["bgr", "rgb", "bgra", "rgba", "gray", "gray1"])
def test_every_channel_layout(tmp_path, layout):
    s = open_stream(tmp_path)
    for f in frames(30):
        if layout in ("bgra", "rgba"):
            f = np.dstack([f, np.full((H, W), 255, np.uint8)])
        elif layout == "gray":
            f = f[:, :, 1].copy()
        elif layout == "gray1":
            f = f[:, :, 1:2].copy()
        s.push(f, rgb=layout in ("rgb", "rgba"))
    s.close()
    st = s.stats()
    assert st["frames_pushed"] == 30 and st["frames_rejected"] == 0
    assert [r["frames_encoded"] for r in st["renditions"]] == [30, 30]


def test_strided_views_are_read_in_place_and_correctly(tmp_path):
    # A crop of a larger frame (row stride > width * 3) against the same picture contiguous:
    # the encoded output is identical byte for byte (x264 is deterministic with one thread).
    big = [pattern(i, W + 40, H + 20) for i in range(20)]
    outs = []
    for name, view in (("strided", lambda f: f[10:10 + H, 20:20 + W]),
                       ("contiguous", lambda f: np.ascontiguousarray(f[10:10 + H, 20:20 + W]))):
        out = tmp_path / name
        s = gearbox.Streamer(str(out), backend_options={"x264.threads": 1})
        for f in big:
            v = view(f)
            assert v.flags["C_CONTIGUOUS"] == (name == "contiguous")
            s.push(v)
        s.close()
        outs.append((out / "v0-1.m4s").read_bytes())
    assert outs[0] == outs[1]


def test_layouts_needing_a_copy_still_work(tmp_path):
    # Every other column (pixels not packed in a row) and a vertically flipped view (negative
    # row stride): pushed through a contiguous copy.
    s = gearbox.Streamer(str(tmp_path / "out"))
    for f in frames(10, W * 2, H):
        s.push(f[:, ::2])
    for f in frames(10, W, H):
        s.push(f[::-1])
    s.close()
    assert s.stats()["frames_pushed"] == 20


@pytest.mark.parametrize("frame, message", [
    (np.zeros((H, W, 3), np.float32), r"frame: dtype float32 is not uint8"),
    (np.zeros((H, W, 3), np.uint16), r"frame: dtype uint16 is not uint8"),
    (np.zeros((H, W, 5), np.uint8), r"5 channels"),
    (np.zeros((H, W, 2), np.uint8), r"2 channels"),
    (np.zeros(W, np.uint8), r"frame: 1 dimensions"),
    (np.zeros((2, H, W, 3), np.uint8), r"frame: 4 dimensions"),
    ([[0, 0], [0, 0]], r"frame: a list is not an array"),
    (np.zeros((0, W, 3), np.uint8), r"frame: size 160x0"),
])
def test_wrong_frames_raise_value_error_naming_them(tmp_path, frame, message):
    s = open_stream(tmp_path)
    with pytest.raises(ValueError, match=message):
        s.push(frame)
    s.close()


def test_size_or_channel_change_is_a_value_error_and_the_stream_goes_on(tmp_path):
    s = open_stream(tmp_path)
    s.push(frames(1)[0])
    with pytest.raises(ValueError) as e:
        s.push(np.zeros((H + 2, W, 3), np.uint8))
    assert "160x96" in str(e.value) and "160x98" in str(e.value)
    assert e.value.code == "frame_mismatch"
    with pytest.raises(ValueError):
        s.push(np.zeros((H, W), np.uint8))
    for f in frames(9):
        s.push(f)
    s.close()
    st = s.stats()
    assert st["frames_pushed"] == 10 and st["frames_rejected"] == 2


def test_timestamps(tmp_path):
    s = open_stream(tmp_path, renditions=[])
    f = frames(1)[0]
    for i in range(50):
        s.push(f, timestamp=i * 0.04)
    with pytest.raises(ValueError, match="timestamp"):
        s.push(f, timestamp=0.5)
    s.close()
    info = readback.mpd(str(tmp_path / "out" / "manifest.mpd"))
    assert abs(sum(info["representations"][0]["segments"]) - 2.0) < 0.05


@pytest.mark.parametrize("kw, message", [
    ({"renditions": ["1280x721"]}, r"renditions\[1\].resolution: height 721 is odd"),
    ({"renditions": ["640x360", "12x"]}, r"renditions\[2\]: rendition \"12x\""),
    ({"renditions": [{"resolution": "640x360", "speed": 2}]}, r"renditions\[1\]: unknown key 'speed'"),
    ({"format": "flv"}, r"format"),
    ({"input_frame_rate": "fast"}, r"input_frame_rate"),
    ({"segment_duration": -1}, r"segment_duration"),
    ({"hls_segment_type": "webm"}, r"hls_segment_type"),
    ({"bpp": 0}, r"bpp"),
    ({"backend_options": {"x264.nonsense": "1"}}, r"x264.nonsense"),
    ({"audio_bitrate": "lots"}, r"audio_bitrate"),
])
def test_bad_config_raises_value_error_naming_the_field(tmp_path, kw, message):
    with pytest.raises(ValueError, match=message):
        gearbox.Streamer(str(tmp_path / "out"), **kw)


def test_unavailable_backend_raises_gearbox_error_with_the_reason(tmp_path):
    nvenc = [b for b in gearbox.probe() if b["name"] == "nvenc"][0]
    if nvenc["available"]:
        pytest.skip("an NVIDIA GPU is present")
    with pytest.raises((gearbox.GearboxError, ValueError), match="nvenc") as e:
        s = gearbox.Streamer(str(tmp_path / "out"), backend="nvenc")
        s.push(frames(1)[0])
    assert e.value.code in ("unavailable", "invalid_argument")
    assert isinstance(gearbox.GearboxError("x"), RuntimeError)


def test_context_manager_stats_outputs_and_segment_callback(tmp_path):
    events = []
    with gearbox.Streamer(str(tmp_path / "out"), renditions=["80x48@15fps"], format="both",
                          input_frame_rate=30, segment_duration=1, on_segment=events.append) as s:
        for f in frames(75):
            s.push(f)
        assert s.backend == "x264"
        assert s.outputs["dash_manifest"].endswith("manifest.mpd")
        assert s.outputs["hls_master"].endswith("master.m3u8")
    assert s.closed
    st = s.stats()
    assert [r["frames_encoded"] for r in st["renditions"]] == [75, 38]
    assert [r["segments_written"] for r in st["renditions"]] == [3, 3]
    assert sorted((e["rendition"], e["number"]) for e in events) == sorted(
        (r, n) for r in ("v0", "v1") for n in (1, 2, 3))
    for e in events:
        assert os.path.isfile(tmp_path / "out" / f"{e['rendition']}-{e['number']}.m4s")
        assert e["bytes"] > 0 and e["frames"] > 0
    assert sum(e["duration"] for e in events if e["rendition"] == "v0") == pytest.approx(2.5)
    s.close()  # idempotent
    with pytest.raises(gearbox.GearboxError) as closed:
        s.push(frames(1)[0])
    assert closed.value.code == "closed"


def test_an_exception_in_the_block_aborts_and_leaves_playable_output(tmp_path):
    with pytest.raises(KeyError):
        with gearbox.Streamer(str(tmp_path / "out"), segment_duration=1) as s:
            for f in frames(60):
                s.push(f)
            raise KeyError("boom")
    assert s.closed
    assert os.path.isfile(tmp_path / "out" / "manifest.mpd")


def test_callback_exception_is_raised_on_the_callers_thread(tmp_path):
    def bad(event):
        raise TypeError("callback bug")

    s = gearbox.Streamer(str(tmp_path / "out"), segment_duration=1, on_segment=bad)
    with pytest.raises(RuntimeError, match="on_segment raised TypeError: callback bug"):
        for f in frames(30):
            s.push(f)
        s.close()


def test_the_gil_is_released_while_gearbox_works(tmp_path):
    # Python code runs on another thread while push() and close() work: a counter thread
    # advances meanwhile, and the segment callback (which takes the GIL on a gearbox thread)
    # runs while the caller's thread is inside push()/close(): without the release it deadlocks.
    events = []
    ticks = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    done = threading.Event()

    def work():
        s = gearbox.Streamer(str(tmp_path / "out"), renditions=["640x360@800k"], segment_duration=1,
                             on_segment=events.append)
        big = pattern(0, 1280, 720)
        for _ in range(50):
            s.push(big)
        s.close()
        done.set()

    worker = threading.Thread(target=work)
    before = ticks[0]
    worker.start()
    worker.join(timeout=120)
    stop.set()
    counter.join()
    assert done.is_set(), "push/close did not finish: the GIL was not released"
    assert len(events) == 4
    assert ticks[0] - before > 1000


def test_a_stream_dropped_without_close_is_closed(tmp_path):
    import gc

    events = []
    s = gearbox.Streamer(str(tmp_path / "out"), segment_duration=1, on_segment=events.append)
    for f in frames(40):
        s.push(f)
    del s
    gc.collect()
    info = readback.mpd(str(tmp_path / "out" / "manifest.mpd"))
    assert info["type"] == "static"
    assert sum(info["representations"][0]["segments"]) == pytest.approx(40 / 25)
    assert len(events) == 2


def test_open_at_exit_is_closed_by_the_interpreter(tmp_path):
    import subprocess
    import sys

    code = ("import numpy, gearbox\n"
            f"s = gearbox.Streamer({str(tmp_path / 'out')!r}, on_segment=lambda e: None)\n"
            "for i in range(30): s.push(numpy.full((72, 128, 3), i, numpy.uint8))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert readback.mpd(str(tmp_path / "out" / "manifest.mpd"))["type"] == "static"
