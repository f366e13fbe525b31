"""StreamGear's parameters on gearbox: output rules, every Real-time Frames Mode stream_params
entry working or answered (ValueError naming it, or a StreamGearWarning naming an FFmpeg option
gearbox does not use), the frame rules, the deprecations."""

import os
import warnings

import numpy as np
import pytest

from gearbox import StreamGear
from gearbox.streamgear import StreamGearWarning

import readback
from conftest import pattern

W, H = 128, 72


def push(sg, n=30, width=W, height=H):
    for i in range(n):
        sg.stream(pattern(i, width, height))


def stats(sg):
    return sg.streamer.stats()


# Output rules.
@pytest.mark.parametrize("output, fmt, message", [
    ("", "dash", r"output: empty"),
    ("out.mp4", "dash", r'extension ".mp4" does not match format "dash" \(which needs .mpd\)'),
    ("out.mpd", "hls", r'extension ".mpd" does not match format "hls" \(which needs .m3u8\)'),
    ("rtmp://host/live", "dash", r"not rtmp://"),
    ("no/such/folder/out.mpd", "dash", r"does not exist"),
])
def test_output_rules(in_tmp, output, fmt, message):
    with pytest.raises(ValueError, match=message):
        StreamGear(output=output, format=fmt)


def test_format_is_dash_or_hls(in_tmp):
    with pytest.raises(ValueError, match=r'format: "flv"'):
        StreamGear(output="out.mpd", format="flv")


def test_a_directory_gets_a_named_manifest(in_tmp):
    os.mkdir("site")
    sg = StreamGear(output="site")
    push(sg)
    sg.close()
    assert os.path.isfile("site/manifest.mpd")
    assert sg.streamer.outputs["dash_manifest"] == str(in_tmp / "site" / "manifest.mpd")
    sg = StreamGear(output="site", format="hls")
    push(sg)
    sg.close()
    assert os.path.isfile("site/master.m3u8")


def test_url_output_is_accepted(in_tmp):
    # The URL form is passed on (HTTP PUT); nothing is sent before the first segment.
    sg = StreamGear(output="http://127.0.0.1:9/live/manifest.mpd")
    assert sg.streamer.outputs["upload_url"].startswith("http://127.0.0.1:9/live/")
    sg.streamer.abort()


def test_custom_ffmpeg_is_named_in_a_warning(in_tmp):
    with pytest.warns(StreamGearWarning, match="custom_ffmpeg='/usr/bin/ffmpeg' is not used") as rec:
        StreamGear(output="o.mpd", custom_ffmpeg="/usr/bin/ffmpeg").close()
    assert rec[0].filename == __file__  # the warning points at the caller's line


def test_stream_entry_warnings_point_at_the_caller(in_tmp):
    with pytest.warns(StreamGearWarning) as rec:
        StreamGear(output="o.mpd", **{"-streams": [{"-resolution": "64x36", "-framerate": 99}]}).close()
    assert rec[0].filename == __file__


# -streams
@pytest.mark.parametrize("streams, message", [
    ([{"-video_bitrate": "500k"}], r"-streams\[0\]: no -resolution"),
    ([{"-resolution": "64x36"}], r"-streams\[0\]: neither -video_bitrate nor -framerate"),
    ([{"-resolution": "64x36", "-framerate": 10}, {"-resolution": "64x36", "-bitrate": "1k"}],
     r"-streams\[1\]: unknown key '-bitrate'"),
    ([{"-resolution": "sixty", "-framerate": 10}], r"-streams\[0\]: -resolution"),
    ([{"-resolution": "64x36", "-framerate": "ten"}], r"-streams\[0\]: -framerate: 'ten'"),
    ([{"-resolution": "64x36", "-video_bitrate": True}], r"-streams\[0\]: -video_bitrate"),
    ([{"-resolution": "64x36", "-video_bitrate": "fast"}], r"renditions\[1\]"),
    ("640x360", r"-streams: '640x360' is not a list"),
])
def test_invalid_stream_entries_raise_naming_them(in_tmp, streams, message):
    with pytest.raises(ValueError, match=message):
        StreamGear(output="o.mpd", **{"-streams": streams})


def test_streams_follow_streamgears_rules(in_tmp):
    params = {"-input_framerate": 30, "-streams": [
        {"-resolution": "64x36", "-video_bitrate": "150k"},
        {"-resolution": "96x54", "-framerate": 15},        # real 15 fps, bitrate by the bpp rule
        {"-resolution": "64x36", "-framerate": 60},        # above the input rate
        {"-resolution": "32x18", "-video_bitrate": "40k", "-framerate": 10},  # -framerate discarded
    ]}
    with pytest.warns(StreamGearWarning) as rec:
        sg = StreamGear(output="o.mpd", **params)
    messages = [str(w.message) for w in rec]
    assert any("-streams[2]: -framerate 60 is above -input_framerate 30: bitrate 14k" in m for m in messages)
    assert any("-streams[3]: -framerate 10 discarded" in m for m in messages)
    push(sg, 60)
    sg.close()
    r = stats(sg)["renditions"]
    assert [(x["width"], x["height"]) for x in r] == [(128, 72), (64, 36), (96, 54), (64, 36), (32, 18)]
    assert [x["frame_rate"] for x in r] == [30, 30, 15, 30, 30]
    assert [x["target_kbps"] for x in r] == [round(128 * 72 * 0.1 * 30 / 1000), 150,
                                            round(96 * 54 * 0.1 * 15 / 1000), 14, 40]
    assert [x["frames_encoded"] for x in r] == [60, 60, 30, 60, 60]


def test_bpp_int_or_float(in_tmp):
    sg = StreamGear(output="o.mpd", **{"-bpp": 1, "-streams": [{"-resolution": "64x36", "-framerate": 25}]})
    push(sg, 5)
    sg.close()
    assert [x["target_kbps"] for x in stats(sg)["renditions"]] == [round(128 * 72 * 25 / 1000), round(64 * 36 * 25 / 1000)]


@pytest.mark.parametrize("key, value, message", [
    ("-input_framerate", 0, r"-input_framerate: 0 is not a positive number"),
    ("-input_framerate", "25", r"-input_framerate: '25'"),
    ("-bpp", 0, r"-bpp: 0 is not a number in \(0, 24\]"),
    ("-bpp", "0.1", r"-bpp"),
    ("-livestream", "yes", r"-livestream: 'yes' is not True or False"),
    ("-clear_prev_assets", 1, r"-clear_prev_assets: 1 is not True or False"),
    ("-enable_force_termination", None, r"-enable_force_termination"),
    ("-vcodec", "libx265", r'-vcodec: "libx265" is not an H.264 encoder gearbox has'),
    ("-vcodec", "copy", r"-vcodec: copy is not possible"),
    ("-vaapi_device", "", r"-vaapi_device"),
    ("-hls_segment_type", "webm", r'-hls_segment_type: "webm"'),
    ("-seg_duration", None, r"-seg_duration"),
    ("-window_size", 0, r"-window_size: 0 is not a whole number of segments"),
    ("-extra_window_size", -1, r"-extra_window_size"),
    ("-audio", "no_such_file.aac", r'-audio: "no_such_file.aac" is neither a file nor a URL'),
    ("-audio", ["-f", "avfoundation", "-audio_device_index", "0"],
     r"macOS \(AVFoundation\) capture device, not available on Linux"),
    ("-audio", ["-f", "dshow", "-i", "audio=Mic"], r"Windows \(DirectShow\) capture device, not available on Linux"),
    ("-audio", ["-f", "alsa"], r'needs "-f FORMAT" and "-i DEVICE"'),
    ("-audio", 5, r"-audio: 5 is neither"),
    ("-video_source", "foo.mp4", r"-video_source: 'foo.mp4': Single-Source Mode"),
])
def test_invalid_values_raise_value_error_naming_the_parameter(in_tmp, key, value, message):
    with pytest.raises(ValueError, match=message):
        StreamGear(output="o.mpd", **{key: value})


@pytest.mark.parametrize("params, message", [
    ({"-crf": 20}, r"-crf 20: gearbox runs bitrate targets"),
    ({"-gop": 50}, r"-gop 50: not used: gearbox places an IDR at every segment start .* the GOP is the segment"),
    ({"-g": 50}, r"-g 50: not used: gearbox places an IDR at every segment start"),
    ({"-vf": "scale=320:-2"}, r"-vf 'scale=320:-2': gearbox runs no FFmpeg filters; scale=320:-2 not applied"),
    ({"-hls_init_time": 1}, r"-hls_init_time 1: .* not used"),
    ({"-hls_time": 1}, r"-hls_time 1: applies to the other format, not dash"),
    ({"-window_size": 3}, r"-window_size 3: applies to -livestream only"),
    ({"-hls_segment_type": "fmp4"}, r"-hls_segment_type fmp4: applies to format hls only"),
    ({"-foo": "bar"}, r"-foo bar: an FFmpeg option gearbox does not use; not applied"),
    ({"-vaapi_device": "/dev/dri/renderD128"}, r"-vaapi_device is used only by the VA-API backend"),
    ({"-streams": [{"-resolution": "64x36", "-framerate": 10, "-audio_bitrate": "64k"}]},
     r"-audio_bitrate 64k: gearbox encodes one audio track"),
    ({"-audio": ["-thread_queue_size", "512", "-f", "lavfi", "-i", "sine"]},
     r"-audio: -thread_queue_size 512: input options gearbox does not use"),
])
def test_unused_ffmpeg_options_are_named_in_a_warning(in_tmp, params, message):
    with pytest.warns(StreamGearWarning, match=message):
        sg = StreamGear(output="o.mpd", **params)
    sg.streamer.abort()


def test_hardware_upload_filter_chain_is_understood(in_tmp):
    with warnings.catch_warnings():
        warnings.simplefilter("error", StreamGearWarning)
        StreamGear(output="o.mpd", **{"-vf": "format=nv12,hwupload"}).close()


@pytest.mark.parametrize("vcodec, backend", [("h264_nvenc", "nvenc"), ("h264_qsv", "qsv"), ("h264_vaapi", "vaapi")])
def test_vcodec_picks_the_backend(in_tmp, vcodec, backend):
    import gearbox

    info = [b for b in gearbox.probe() if b["name"] == backend][0]
    if info["available"]:
        sg = StreamGear(output="o.mpd", **{"-vcodec": vcodec})
        push(sg, 5)
        sg.close()
        assert sg.streamer.backend == backend
    else:
        with pytest.raises((ValueError, RuntimeError), match=backend):
            sg = StreamGear(output="o.mpd", **{"-vcodec": vcodec})
            push(sg, 1)


def test_libx264_options(in_tmp):
    with warnings.catch_warnings():
        warnings.simplefilter("error", StreamGearWarning)
        sg = StreamGear(output="o.mpd", **{"-vcodec": "libx264", "-preset": "ultrafast", "-tune": "zerolatency",
                                           "-profile:v": "main", "-bf": 0, "-threads": 1})
    push(sg, 10)
    sg.close()
    assert sg.streamer.backend == "x264"
    with pytest.raises(ValueError, match="x264.bframes"):
        StreamGear(output="o.mpd", **{"-bf": 99})


def test_livestream_window_and_segment_duration(in_tmp):
    sg = StreamGear(output="o.mpd", **{"-livestream": True, "-seg_duration": 1, "-window_size": 3,
                                      "-extra_window_size": 1, "-input_framerate": 25})
    push(sg, 200)  # 8 s: 8 segments of 1 s
    sg.close()
    info = readback.mpd("o.mpd")
    segs = info["representations"][0]["segments"]
    assert len(segs) == 3 and all(abs(d - 1) < 1e-3 for d in segs)
    # Segments that left the window are deleted (after the delay of one segment).
    assert len(list(in_tmp.glob("v0-*.m4s"))) <= 3 + 1 + 1


def test_hls_time_and_segment_type(in_tmp):
    sg = StreamGear(output="o.m3u8", format="hls", **{"-hls_time": 1, "-input_framerate": 25})
    push(sg, 50)
    sg.close()
    v = readback.hls("o.m3u8")["variants"][0]
    assert v["segments"] == [1.0, 1.0] and all(f.endswith(".ts") for f in v["files"])  # StreamGear's default
    sg = StreamGear(output="f.m3u8", format="hls", **{"-hls_segment_type": "fmp4"})
    push(sg, 10)
    sg.close()
    assert all(f.endswith(".m4s") for f in readback.hls("f.m3u8")["variants"][0]["files"])


def test_clear_prev_assets(in_tmp):
    sg = StreamGear(output="o.mpd", **{"-seg_duration": 1, "-input_framerate": 25})
    push(sg, 100)
    sg.close()
    assert (in_tmp / "v0-4.m4s").exists()
    (in_tmp / "notes.txt").write_text("keep me")
    sg = StreamGear(output="o.mpd", **{"-clear_prev_assets": True, "-seg_duration": 1, "-input_framerate": 25})
    push(sg, 25)
    sg.close()
    assert not (in_tmp / "v0-4.m4s").exists() and (in_tmp / "v0-1.m4s").exists()
    assert (in_tmp / "notes.txt").read_text() == "keep me"


def test_enable_force_termination_stops_at_once_with_playable_output(in_tmp):
    sg = StreamGear(output="o.mpd", **{"-enable_force_termination": True, "-seg_duration": 1, "-input_framerate": 25})
    push(sg, 80)
    sg.close()
    info = readback.mpd("o.mpd")
    segs = info["representations"][0]["segments"]
    assert 1 <= len(segs) <= 4
    for n in range(1, len(segs) + 1):
        assert (in_tmp / f"v0-{n}.m4s").stat().st_size > 0


def test_audio_bitrate(in_tmp, audio_file):
    sg = StreamGear(output="o.mpd", **{"-audio": audio_file, "-audio_bitrate": "64k"})
    push(sg, 50)
    sg.close()
    assert stats(sg)["audio"]["enabled"]
    assert readback.mpd("o.mpd")["audio"][0]["bandwidth"] <= 80000


# Frames.
def test_frame_rules(in_tmp):
    sg = StreamGear(output="o.mpd")
    with pytest.raises(ValueError, match="frame: None"):
        sg.stream(None)
    with pytest.raises(ValueError, match="dtype float64 is not uint8"):
        sg.stream(np.zeros((H, W, 3)))
    sg.stream(pattern(0, W, H))
    with pytest.raises(ValueError, match="128x72"):
        sg.stream(pattern(0, W + 2, H))
    with pytest.raises(ValueError):
        sg.stream(pattern(0, W, H)[:, :, 0])  # channels changed
    sg.stream(pattern(1, W, H))
    sg.close()
    assert stats(sg)["frames_pushed"] == 2


def test_gray_alpha_frames(in_tmp):
    sg = StreamGear(output="o.mpd")
    for i in range(5):
        sg.stream(np.dstack([pattern(i, W, H)[:, :, 1], np.full((H, W), 255, np.uint8)]))
    sg.close()
    assert stats(sg)["frames_pushed"] == 5


def test_rgb_mode_and_terminate_are_deprecated(in_tmp):
    sg = StreamGear(output="o.mpd")
    with pytest.warns(DeprecationWarning, match="rgb_mode"):
        sg.stream(pattern(0, W, H), rgb_mode=True)
    with pytest.warns(DeprecationWarning, match=r"terminate\(\) is deprecated: use close\(\)"):
        sg.terminate()
    assert os.path.isfile("o.mpd")


def test_transcode_source_is_a_runtime_error(in_tmp):
    sg = StreamGear(output="o.mpd")
    with pytest.raises(RuntimeError, match="transcode_source"):
        sg.transcode_source()
    sg.close()


def test_context_manager_and_logging(in_tmp, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="gearbox")
    with StreamGear(output="o.mpd", logging=True) as sg:
        push(sg, 10)
    assert os.path.isfile("o.mpd")
    assert any("StreamGear -> gearbox.Streamer" in r.getMessage() for r in caplog.records)
