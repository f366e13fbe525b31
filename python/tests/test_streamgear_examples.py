"""Every example of StreamGear's Real-time Frames Mode usage page (streamgear_examples/, DASH
and HLS), run with only the import changed, on a generated file instead of the camera, and its
output read back: the manifest parses, every rendition is there at its size, segment durations
and counts, frame counts through libavformat, and the audio track where there is one."""

import os
import runpy
import warnings
from pathlib import Path

import pytest

import gearbox
from gearbox.streamgear import StreamGearWarning

import readback
from conftest import SOURCE_FPS, SOURCE_FRAMES

EXAMPLES = Path(__file__).parent / "streamgear_examples"


def run_example(name, **names):
    """Runs streamgear_examples/<name>.py in the current folder with SOURCE etc. defined;
    returns its globals (streamer, stream_params, ...)."""
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), init_globals=names, run_name="__main__")


def check_segments(durations, total, seg=2.0):
    """Segments of `seg` seconds on the grid, the last one shorter, summing to `total`."""
    assert durations, "no segments"
    assert all(abs(d - seg) < 1e-3 for d in durations[:-1]), durations
    assert 0 < durations[-1] <= seg + 1e-3, durations
    assert abs(sum(durations) - total) < 1e-3, (sum(durations), total)


def check_dash(path, sizes, total, frames=None, seg=2.0):
    """The MPD at `path` lists renditions of `sizes` (primary first), each with segments summing
    to `total` seconds, whose files exist; libavformat reads `frames` frames of the primary."""
    info = readback.mpd(path)
    reps = info["representations"]
    assert [(r["width"], r["height"]) for r in reps] == sizes
    folder = os.path.dirname(path)
    for r in reps:
        check_segments(r["segments"], total, seg)
        for n in range(len(r["segments"])):
            name = r["media"].replace("$RepresentationID$", r["id"]).replace("$Number$", str(r["start_number"] + n))
            assert os.path.getsize(os.path.join(folder, name)) > 0
    if frames is not None and readback.have_ffprobe():
        streams = [s for s in readback.ffprobe_streams(path) if s["codec_type"] == "video"]
        assert sorted((s["width"], s["height"]) for s in streams) == sorted(sizes)
        primary = [s for s in streams if (s["width"], s["height"]) == sizes[0]][0]
        assert int(primary["nb_read_packets"]) == frames
    return info


def check_hls(path, sizes, total, frames=None, seg=2.0, ts=True):
    info = readback.hls(path)
    assert [(v["width"], v["height"]) for v in info["variants"]] == sizes
    folder = os.path.dirname(path)
    for v in info["variants"]:
        check_segments(v["segments"], total, seg)
        assert v["ended"]
        for f in v["files"]:
            assert f.endswith(".ts" if ts else ".m4s"), f
            assert os.path.getsize(os.path.join(folder, f)) > 0
    if frames is not None and readback.have_ffprobe():
        first = os.path.join(folder, info["variants"][0]["uri"])
        streams = [s for s in readback.ffprobe_streams(first) if s["codec_type"] == "video"]
        assert (streams[0]["width"], streams[0]["height"]) == sizes[0]
        assert int(streams[0]["nb_read_packets"]) == frames
    return info


# Bare minimum: no -input_framerate, so 25 fps (StreamGear's default): 90 frames are 3.6 s.
def test_bare_minimum_dash(in_tmp, source_360p):
    g = run_example("bare_minimum_dash", SOURCE=source_360p)
    check_dash("dash_out.mpd", [(640, 360)], SOURCE_FRAMES / 25, SOURCE_FRAMES)
    assert g["streamer"].streamer.stats()["frames_pushed"] == SOURCE_FRAMES


def test_bare_minimum_hls(in_tmp, source_360p):
    run_example("bare_minimum_hls", SOURCE=source_360p)
    check_hls("hls_out.m3u8", [(640, 360)], SOURCE_FRAMES / 25, SOURCE_FRAMES)


# -input_framerate from the source (30): 90 frames are 3 s.
def test_input_framerate_dash(in_tmp, source_360p):
    g = run_example("input_framerate_dash", SOURCE=source_360p)
    assert g["stream_params"] == {"-input_framerate": SOURCE_FPS}
    info = check_dash("dash_out.mpd", [(640, 360)], SOURCE_FRAMES / SOURCE_FPS, SOURCE_FRAMES)
    assert info["representations"][0]["frame_rate"] == "30"


def test_input_framerate_hls(in_tmp, source_360p):
    run_example("input_framerate_hls", SOURCE=source_360p)
    check_hls("hls_out.m3u8", [(640, 360)], SOURCE_FRAMES / SOURCE_FPS, SOURCE_FRAMES)


# -livestream: a live window; closed, the output lists the last window (here every segment).
def test_livestream_dash(in_tmp, source_360p):
    g = run_example("livestream_dash", SOURCE=source_360p)
    assert g["streamer"].streamer.stats()["frames_pushed"] == SOURCE_FRAMES
    check_dash("dash_out.mpd", [(640, 360)], SOURCE_FRAMES / SOURCE_FPS)


def test_livestream_hls(in_tmp, source_360p):
    run_example("livestream_hls", SOURCE=source_360p)
    info = readback.hls("hls_out.m3u8")
    assert [(v["width"], v["height"]) for v in info["variants"]] == [(640, 360)]
    check_segments(info["variants"][0]["segments"], SOURCE_FRAMES / SOURCE_FPS)


# OpenCV's own VideoCapture, gray frames: a gray (luma-only) primary stream.
def test_opencv_gray_dash(in_tmp, source_360p):
    g = run_example("opencv_gray_dash", SOURCE=source_360p)
    assert g["gray"].ndim == 2
    check_dash("dash_out.mpd", [(640, 360)], SOURCE_FRAMES / 25, SOURCE_FRAMES)


def test_opencv_gray_hls(in_tmp, source_360p):
    run_example("opencv_gray_hls", SOURCE=source_360p)
    check_hls("hls_out.m3u8", [(640, 360)], SOURCE_FRAMES / 25, SOURCE_FRAMES)


# Additional streams: the page's example defines stream_params but does not pass it to
# StreamGear (a slip in the example), so, as with StreamGear, only the primary stream is written.
def test_additional_streams_dash_as_written(in_tmp, source_360p):
    g = run_example("additional_streams_dash", SOURCE=source_360p)
    assert len(g["stream_params"]["-streams"]) == 3
    check_dash("dash_out.mpd", [(640, 360)], SOURCE_FRAMES / 25, SOURCE_FRAMES)


def test_additional_streams_hls_as_written(in_tmp, source_360p):
    run_example("additional_streams_hls", SOURCE=source_360p)
    check_hls("hls_out.m3u8", [(640, 360)], SOURCE_FRAMES / 25, SOURCE_FRAMES)


def passing_params(name):
    """The example's source with stream_params passed to StreamGear, as its text intends."""
    text = (EXAMPLES / f"{name}.py").read_text()
    for call in ('StreamGear(output="dash_out.mpd")', 'StreamGear(output="hls_out.m3u8", format = "hls")'):
        text = text.replace(call, call[:-1] + ", **stream_params)")
    assert "**stream_params" in text
    return text


@pytest.mark.parametrize("fmt", ["dash", "hls"])
def test_additional_streams_with_params(in_tmp, media, fmt):
    # On a 1280x720 source at 25 fps (the default input rate): 1280x720 at -framerate 30 and
    # 640x360 at 60 are above the input rate, so (StreamGear's rule) the bitrate comes from the
    # bpp formula at that rate and the rendition runs at 25 fps, with a warning; 320x240 at 500k.
    from conftest import write_video

    source = write_video(media / f"foo1_720p_{fmt}.avi", 1280, 720, 60, 25)
    script = in_tmp / "example.py"
    script.write_text(passing_params(f"additional_streams_{fmt}"))
    with pytest.warns(StreamGearWarning, match=r"-framerate 60.0 is above -input_framerate 25") as rec:
        g = runpy.run_path(str(script), init_globals={"SOURCE": source}, run_name="__main__")
    assert any("-framerate 30.0 is above" in str(w.message) for w in rec)
    sizes = [(1280, 720), (1280, 720), (640, 360), (320, 240)]
    stats = g["streamer"].streamer.stats()["renditions"]
    assert [(r["width"], r["height"]) for r in stats] == sizes
    assert [r["frame_rate"] for r in stats] == [25, 25, 25, 25]
    # bpp rule at the asked rate: round(w * h * 0.1 * fps / 1000) kbps.
    assert stats[1]["target_kbps"] == round(1280 * 720 * 0.1 * 30 / 1000)
    assert stats[2]["target_kbps"] == round(640 * 360 * 0.1 * 60 / 1000)
    assert stats[3]["target_kbps"] == 500
    if fmt == "dash":
        check_dash("dash_out.mpd", sizes, 60 / 25, 60)
    else:
        check_hls("hls_out.m3u8", sizes, 60 / 25, 60)


# File audio: 1080p source, three renditions (1080p at 4000k; 720p at 30 fps and 360p at 60 fps
# from a 30 fps input: 720p at its real 30, 360p above the input rate by StreamGear's rule).
@pytest.mark.parametrize("fmt", ["dash", "hls"])
def test_file_audio(in_tmp, source_1080p, audio_file, fmt):
    with pytest.warns(StreamGearWarning, match=r"-framerate 60.0 is above -input_framerate 30"):
        g = run_example(f"file_audio_{fmt}", SOURCE=source_1080p, AUDIO_FILE=audio_file)
    assert g["stream_params"]["-audio"] == audio_file
    sizes = [(1920, 1080), (1920, 1080), (1280, 720), (640, 360)]
    stats = g["streamer"].streamer.stats()
    assert stats["audio"]["enabled"] and stats["audio"]["packets"] > 0
    assert [r["target_kbps"] for r in stats["renditions"]][1] == 4000
    if fmt == "dash":
        info = check_dash("dash_out.mpd", sizes, 75 / SOURCE_FPS, 75)
        assert len(info["audio"]) == 1
        if readback.have_ffprobe():
            audio = [s for s in readback.ffprobe_streams("dash_out.mpd") if s["codec_type"] == "audio"]
            assert audio and audio[0]["codec_name"] == "aac"
    else:
        info = check_hls("hls_out.m3u8", sizes, 75 / SOURCE_FPS, 75)
        assert len(info["audio"]) == 1


# Device audio: the example's device is DirectShow's (Windows): on Linux a clear ValueError
# naming the platform, before anything is written.
@pytest.mark.parametrize("fmt", ["dash", "hls"])
def test_device_audio_dshow_is_a_clear_error(in_tmp, source_360p, fmt):
    with pytest.raises(ValueError, match=r"-audio: \"-f dshow\" is a Windows \(DirectShow\) capture device, not available on Linux"):
        run_example(f"device_audio_{fmt}", SOURCE=source_360p)
    assert not list(in_tmp.glob("*.m4s")) and not list(in_tmp.glob("*.ts"))


# The same example with a Linux device in the list form (lavfi's sine generator stands in for
# ["-f", "alsa", "-i", "hw:1"], which needs a sound card): audio in every output.
@pytest.mark.parametrize("fmt", ["dash", "hls"])
def test_device_audio_list_form_on_linux(in_tmp, media, fmt):
    from conftest import write_video

    source = write_video(media / f"foo1_device_{fmt}.avi", 640, 360, 60, SOURCE_FPS)
    text = (EXAMPLES / f"device_audio_{fmt}.py").read_text()
    old = '''"-audio": [
        "-f",
        "dshow",
        "-i",
        "audio=Microphone (USB2.0 Camera)",
    ],'''
    assert old in text
    script = in_tmp / "example.py"
    script.write_text(text.replace(old, '"-audio": ["-f", "lavfi", "-i", "sine=frequency=1000"],'))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StreamGearWarning)  # 640x360 at 4000k: no warning expected, 320x240 at 30 fps
        g = runpy.run_path(str(script), init_globals={"SOURCE": source}, run_name="__main__")
    stats = g["streamer"].streamer.stats()
    assert stats["audio"]["enabled"] and stats["audio"]["packets"] > 0
    assert "sine" in stats["audio"]["source"]
    sizes = [(640, 360), (640, 360), (320, 240)]
    if fmt == "dash":
        info = readback.mpd("dash_out.mpd")
        assert [(r["width"], r["height"]) for r in info["representations"]] == sizes
        assert len(info["audio"]) == 1
    else:
        info = readback.hls("hls_out.m3u8")
        assert [(v["width"], v["height"]) for v in info["variants"]] == sizes
        assert len(info["audio"]) == 1


# The hardware encoder example (-vcodec h264_vaapi, -vaapi_device, -vf format=nv12,hwupload) on
# the simulated VA driver: ctest python.pytest_vaapi_simulation runs this under
# tools/simulated.sh vaapi (the DRM shim preloaded into python, the driver from the build tree).
def vaapi_device():
    if not os.environ.get("GEARBOX_VAAPI_SIMULATION"):
        pytest.skip("needs the simulated VA driver: ctest -R python.pytest_vaapi_simulation")
    node = Path(os.environ["GEARBOX_BUILD_DIR"]) / "vaapi-simulation" / "dri" / "renderD128"
    vaapi = [b for b in gearbox.probe() if b["name"] == "vaapi"][0]
    if not vaapi["available"]:
        pytest.skip(f"the simulated VA driver is not available in this process: {vaapi['reason']}")
    return str(node)


@pytest.mark.vaapi_simulation
@pytest.mark.parametrize("fmt", ["dash", "hls"])
def test_hardware_encoder_vaapi(in_tmp, source_1080p, fmt):
    device = vaapi_device()
    with pytest.warns(StreamGearWarning, match=r"-framerate 30.0 is above -input_framerate 25"):
        g = run_example(f"hardware_encoder_{fmt}", SOURCE=source_1080p, VAAPI_DEVICE=device)
    s = g["streamer"].streamer
    assert s.backend == "vaapi"
    sizes = [(1920, 1080), (1920, 1080), (1280, 720), (640, 360)]
    assert [(r["width"], r["height"]) for r in s.stats()["renditions"]] == sizes
    if fmt == "dash":
        check_dash("dash_out.mpd", sizes, 75 / 25, 75)
    else:
        check_hls("hls_out.m3u8", sizes, 75 / 25, 75)


def test_every_example_is_tested():
    names = {p.stem for p in EXAMPLES.glob("*.py")}
    tested = {n.rsplit("_", 1)[0] for n in names}
    assert tested == {"bare_minimum", "input_framerate", "livestream", "opencv_gray",
                      "additional_streams", "file_audio", "device_audio", "hardware_encoder"}
    assert len(names) == 16
