"""StreamGear's Real-time Frames Mode interface (vidgear 0.3) on gearbox.

    from gearbox import StreamGear          # instead of: from vidgear.gears import StreamGear

    streamer = StreamGear(output="dash_out.mpd", **stream_params)
    streamer.stream(frame)                  # numpy uint8 BGR, gray or BGRA
    streamer.close()

Every Real-time Frames Mode parameter either works or is answered: a wrong value raises
ValueError naming the parameter (where StreamGear skipped it silently), and an FFmpeg option
gearbox has no use for is named in a StreamGearWarning, never dropped silently.
"""

from __future__ import annotations

import logging as _logging
import math
import numbers
import os
import sys
import warnings
from typing import Any, Dict, List, Optional

from . import Streamer

__all__ = ["StreamGear", "StreamGearWarning"]

_log = _logging.getLogger("gearbox.streamgear")


class StreamGearWarning(UserWarning):
    """A StreamGear parameter gearbox takes differently or does not use."""


# -vcodec: the FFmpeg encoder names a StreamGear script uses, and gearbox's backend for each.
_VCODECS = {
    "libx264": "x264",
    "h264": "auto",
    "h264_nvenc": "nvenc",
    "nvenc_h264": "nvenc",
    "h264_qsv": "qsv",
    "h264_vaapi": "vaapi",
}
_STREAM_KEYS = {"-resolution", "-video_bitrate", "-framerate", "-audio_bitrate"}
# FFmpeg options that gearbox does what they ask for on its own; named in a warning when given.
_DONE_BY_GEARBOX = {
    "-gop": "gearbox places an IDR at every segment start on every backend, so the GOP is the "
            "segment (-seg_duration / -hls_time)",
    "-g": "gearbox places an IDR at every segment start on every backend (the segment grid)",
    "-keyint_min": "gearbox places an IDR at every segment start on every backend",
    "-sc_threshold": "gearbox never inserts scene-cut keyframes off the segment grid",
    "-pix_fmt": "gearbox converts to 4:2:0 itself",
    "-map": "gearbox maps its renditions and the -audio track itself",
    "-f": "the container is set by format ('dash' or 'hls')",
    "-c:a": "gearbox encodes audio to AAC",
    "-acodec": "gearbox encodes audio to AAC",
    "-c:v": "use -vcodec to pick the encoder",
    "-movflags": "gearbox writes CMAF fragmented MP4 itself",
}


def _platform_device_error(fmt: str) -> ValueError:
    where = {"dshow": "Windows (DirectShow)", "avfoundation": "macOS (AVFoundation)"}[fmt]
    return ValueError(
        f'-audio: "-f {fmt}" is a {where} capture device, not available on Linux; '
        'use ["-f", "alsa", "-i", "hw:1"] or ["-f", "pulse", "-i", "default"]'
    )


_HERE = os.path.dirname(os.path.abspath(__file__))


def _caller_level() -> int:
    """The stacklevel, for warnings.warn called by our caller, of the first frame outside this
    package: the user's line that made the StreamGear."""
    frame = sys._getframe(2)
    level = 2
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _HERE:
        frame = frame.f_back
        level += 1
    return level


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


class StreamGear:
    """StreamGear(output="", format="dash", custom_ffmpeg="", logging=False, **stream_params)

    output: a manifest path whose extension matches the format (.mpd for dash, .m3u8 for hls),
    an existing directory (gearbox names the manifest manifest.mpd / master.m3u8 inside), or an
    http(s):// URL (segments and manifests sent with HTTP PUT). format: "dash" or "hls".
    custom_ffmpeg: not used (gearbox runs no FFmpeg executable; a warning says so).
    logging: gearbox's log lines and the mapping of stream_params go to the "gearbox" logger.
    """

    def __init__(
        self,
        output: str = "",
        format: str = "dash",
        custom_ffmpeg: str = "",
        logging: bool = False,
        **stream_params: Any,
    ) -> None:
        self._logging = bool(logging)
        self._warned_rgb = False
        self._streamer: Optional[Streamer] = None
        self._force_termination = False
        if self._logging:
            _log.setLevel(_logging.DEBUG)
            if not _logging.getLogger().handlers and not _log.handlers:
                _log.addHandler(_logging.StreamHandler())
        if custom_ffmpeg:
            self._warn(f"custom_ffmpeg={custom_ffmpeg!r} is not used: gearbox runs no FFmpeg executable")
        fmt = str(format).strip().lower()
        if fmt not in ("dash", "hls"):
            raise ValueError(f'format: "{format}" is neither "dash" nor "hls"')
        self._format = fmt
        output = self._output(output, fmt)
        params = {str(k).strip(): v for k, v in stream_params.items()}
        kwargs = self._map_params(params, fmt)
        if self._logging:
            kwargs["log"] = self._log_line
            _log.info("StreamGear -> gearbox.Streamer(%r, %s)", output, kwargs)
        self._streamer = Streamer(output, format=fmt, **kwargs)
        if self._logging:
            _log.info("gearbox backend: %s; outputs: %s", self._streamer.backend, self._streamer.outputs)

    # StreamGear's output rules.
    @staticmethod
    def _output(output: Any, fmt: str) -> str:
        if not isinstance(output, str) or not output.strip():
            raise ValueError(
                "output: empty; give a manifest path (.mpd for dash, .m3u8 for hls), an existing "
                "directory or an http(s):// URL")
        output = output.strip()
        ext = ".mpd" if fmt == "dash" else ".m3u8"
        if "://" in output:
            scheme = output.split("://", 1)[0].lower()
            if scheme not in ("http", "https"):
                raise ValueError(
                    f'output: "{output}": gearbox sends output to http:// or https:// URLs '
                    f"(HTTP PUT), not {scheme}://")
            return output
        path = os.path.abspath(os.path.expanduser(output))
        if os.path.isdir(path):
            return path
        _, got = os.path.splitext(path)
        if got.lower() != ext:
            raise ValueError(
                f'output: "{output}" is not a directory and its extension "{got}" does not match '
                f'format "{fmt}" (which needs {ext})')
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            raise ValueError(f'output: "{output}": the folder "{parent}" does not exist')
        return path

    @staticmethod
    def _warn(message: str) -> None:
        warnings.warn(message, StreamGearWarning, stacklevel=_caller_level())

    def _log_line(self, level: str, message: str) -> None:
        {"info": _log.info, "warning": _log.warning}.get(level, _log.error)(message)

    def _map_params(self, params: Dict[str, Any], fmt: str) -> Dict[str, Any]:
        kw: Dict[str, Any] = {}
        options: Dict[str, str] = {}
        p = dict(params)

        if "-video_source" in p:
            source = p.pop("-video_source")
            if source not in (None, ""):
                raise ValueError(
                    f"-video_source: {source!r}: Single-Source Mode (transcode_source()) is not "
                    "provided by gearbox; read the file yourself and stream() its frames")

        rate = p.pop("-input_framerate", 25.0)
        if not _is_number(rate) or rate <= 0:
            raise ValueError(f"-input_framerate: {rate!r} is not a positive number")
        kw["input_frame_rate"] = rate

        bpp = p.pop("-bpp", 0.1)
        if not _is_number(bpp) or not 0 < bpp <= 24:
            raise ValueError(f"-bpp: {bpp!r} is not a number in (0, 24]")
        kw["bpp"] = float(bpp)

        for key, name in (("-livestream", "live"), ("-clear_prev_assets", "clear_previous_assets"),
                          ("-enable_force_termination", None)):
            if key in p:
                value = p.pop(key)
                if not isinstance(value, bool):
                    raise ValueError(f"{key}: {value!r} is not True or False")
                if name:
                    kw[name] = value
                else:
                    self._force_termination = value
        live = kw.get("live", False)

        kw["renditions"] = self._streams(p.pop("-streams", []), rate, float(bpp))

        # -vcodec and the encoder's options.
        backend = "auto"
        if "-vcodec" in p:
            vcodec = p.pop("-vcodec")
            name = str(vcodec).strip().lower()
            if name == "copy":
                raise ValueError("-vcodec: copy is not possible in Real-time Frames Mode: frames are encoded")
            if name not in _VCODECS:
                raise ValueError(
                    f'-vcodec: "{vcodec}" is not an H.264 encoder gearbox has; use one of '
                    + ", ".join(sorted(_VCODECS)))
            backend = _VCODECS[name]
        kw["backend"] = backend
        if "-vaapi_device" in p:
            device = p.pop("-vaapi_device")
            if not isinstance(device, str) or not device:
                raise ValueError(f"-vaapi_device: {device!r} is not a device path")
            if backend != "vaapi":
                self._warn(f'-vaapi_device is used only by the VA-API backend (-vcodec h264_vaapi); backend is "{backend}"')
            options["vaapi.device"] = device
        if "-vf" in p:
            vf = p.pop("-vf")
            chain = [f.strip() for f in str(vf).split(",") if f.strip()]
            upload = {"format=nv12", "hwupload", "format=nv12|vaapi", "hwupload_cuda", "format=yuv420p"}
            other = [f for f in chain if f not in upload]
            if other:
                self._warn(
                    f"-vf {vf!r}: gearbox runs no FFmpeg filters; {', '.join(other)} not applied "
                    "(transform the frame before stream(); gearbox converts and uploads frames itself)")
            elif self._logging:
                _log.info("-vf %r: gearbox converts to NV12 and uploads to the encoder itself", vf)

        x264 = backend in ("auto", "x264")
        for key, option, x264_only in (("-preset", "preset", False), ("-tune", "tune", False),
                                       ("-profile:v", "profile", True), ("-bf", "bframes", True),
                                       ("-threads", "threads", True)):
            if key not in p:
                continue
            value = str(p.pop(key))
            if backend == "nvenc" and not x264_only:
                nv = {"preset": ("nvenc.preset", {"p1", "p2", "p3", "p4", "p5", "p6", "p7"}),
                      "tune": ("nvenc.tuning", {"hq", "ll", "ull"})}[option]
                if value in nv[1]:
                    options[nv[0]] = value
                else:
                    self._warn(f"{key} {value}: not an NVENC {option} gearbox takes ({', '.join(sorted(nv[1]))}); not used")
            elif x264:
                options["x264." + option] = value
            else:
                self._warn(f"{key} {value}: the {backend} backend has no such setting; not used")
        if "-crf" in p:
            crf = p.pop("-crf")
            self._warn(
                f"-crf {crf}: gearbox runs bitrate targets (each rendition's -video_bitrate or the "
                "bpp rule, capped by a VBV), not constant quality; not used")

        # Audio.
        if "-audio" in p:
            kw["audio"] = self._audio(p.pop("-audio"))
        if "-audio_bitrate" in p:
            ab = p.pop("-audio_bitrate")
            kw["audio_bitrate"] = ab if isinstance(ab, int) and not isinstance(ab, bool) else str(ab)

        # Segments and the live window.
        seg_key = "-seg_duration" if fmt == "dash" else "-hls_time"
        other_key = "-hls_time" if fmt == "dash" else "-seg_duration"
        if seg_key in p:
            seg = p.pop(seg_key)
            if not _is_number(seg) and not (isinstance(seg, str) and seg.strip()):
                raise ValueError(f"{seg_key}: {seg!r} is not a duration in seconds")
            kw["segment_duration"] = seg
        if other_key in p:
            self._warn(f"{other_key} {p.pop(other_key)}: applies to the other format, not {fmt}; not used")
        if "-hls_init_time" in p:
            self._warn(
                f"-hls_init_time {p.pop('-hls_init_time')}: gearbox cuts every segment, the first "
                "too, on one grid (-hls_time / -seg_duration); not used")
        if "-hls_segment_type" in p:
            st = str(p.pop("-hls_segment_type")).strip().lower()
            if st not in ("mpegts", "fmp4"):
                raise ValueError(f'-hls_segment_type: "{st}" is neither "mpegts" nor "fmp4"')
            if fmt != "hls":
                self._warn(f"-hls_segment_type {st}: applies to format hls only; not used")
            else:
                kw["hls_segment_type"] = st
        elif fmt == "hls":
            kw["hls_segment_type"] = "mpegts"  # StreamGear's (FFmpeg's) HLS default
        for key, name in (("-window_size", "window_segments"), ("-hls_list_size", "window_segments"),
                          ("-extra_window_size", "delete_delay_segments"),
                          ("-hls_delete_threshold", "delete_delay_segments")):
            if key in p:
                value = p.pop(key)
                if not isinstance(value, int) or isinstance(value, bool) or value < (1 if name == "window_segments" else 0):
                    raise ValueError(f"{key}: {value!r} is not a whole number of segments")
                if not live:
                    self._warn(f"{key} {value}: applies to -livestream only; not used")
                kw[name] = value

        for key in list(p):
            value = p.pop(key)
            if key in _DONE_BY_GEARBOX:
                self._warn(f"{key} {value}: not used: {_DONE_BY_GEARBOX[key]}")
            elif key.startswith("-"):
                self._warn(f"{key} {value}: an FFmpeg option gearbox does not use; not applied")
            else:
                self._warn(f"{key}={value!r}: not a StreamGear parameter (they start with '-'); not used")
        if options:
            kw["backend_options"] = options
        return kw

    def _streams(self, streams: Any, rate: float, bpp: float) -> List[Dict[str, Any]]:
        if not isinstance(streams, (list, tuple)):
            raise ValueError(f"-streams: {streams!r} is not a list of dicts")
        out = []
        for i, s in enumerate(streams):
            field = f"-streams[{i}]"
            if not isinstance(s, dict):
                raise ValueError(f"{field}: {s!r} is not a dict")
            s = {str(k).strip(): v for k, v in s.items()}
            for key in s:
                if key not in _STREAM_KEYS:
                    raise ValueError(
                        f"{field}: unknown key {key!r} (-resolution, -video_bitrate, -framerate, -audio_bitrate)")
            if "-resolution" not in s:
                raise ValueError(f"{field}: no -resolution (StreamGear would skip this stream silently)")
            res = str(s["-resolution"]).strip()
            try:
                from ._gearbox import parse_size

                w, h = parse_size(res)
            except ValueError as e:
                raise ValueError(f"{field}: -resolution: {e}") from None
            entry: Dict[str, Any] = {"resolution": res}
            if "-audio_bitrate" in s:
                self._warn(
                    f"{field}: -audio_bitrate {s['-audio_bitrate']}: gearbox encodes one audio track "
                    "shared by every rendition (set -audio_bitrate at the top level); not used")
            has_bitrate = "-video_bitrate" in s
            has_rate = "-framerate" in s
            if not has_bitrate and not has_rate:
                raise ValueError(
                    f"{field}: neither -video_bitrate nor -framerate (StreamGear would skip this stream silently)")
            if has_rate:
                fr = s["-framerate"]
                if not _is_number(fr) or fr <= 0:
                    raise ValueError(f"{field}: -framerate: {fr!r} is not a positive number")
            if has_bitrate:
                vb = s["-video_bitrate"]
                if isinstance(vb, bool) or not isinstance(vb, (str, int)) or (isinstance(vb, int) and vb <= 0):
                    raise ValueError(f"{field}: -video_bitrate: {vb!r} is not a bitrate like \"2500k\"")
                entry["bitrate"] = str(vb)  # a plain number is bits per second, as FFmpeg reads it
                if has_rate:
                    self._warn(f"{field}: -framerate {s['-framerate']} discarded: -video_bitrate is given (StreamGear's rule)")
            elif fr > rate:
                # StreamGear's rule: the frame rate only feeds the bitrate formula; the rendition
                # runs at the input rate. gearbox cannot output faster than the input.
                kbps = max(1, round(w * h * bpp * fr / 1000))
                entry["bitrate"] = f"{kbps}k"
                self._warn(
                    f"{field}: -framerate {fr} is above -input_framerate {rate}: bitrate {kbps}k by "
                    f"the bpp rule at {fr} fps (as StreamGear), the rendition runs at {rate} fps")
            else:
                entry["framerate"] = fr
            out.append(entry)
        return out

    @staticmethod
    def _audio(audio: Any) -> str:
        if isinstance(audio, str):
            if not audio.strip():
                raise ValueError("-audio: empty")
            source = audio.strip()
            if "://" not in source and not os.path.isfile(source):
                raise ValueError(f'-audio: "{source}" is neither a file nor a URL')
            return source
        if isinstance(audio, (list, tuple)):
            items = [str(a) for a in audio]
            fmt = dev = None
            rest: List[str] = []
            i = 0
            while i < len(items):
                if items[i] in ("-f", "-i") and i + 1 < len(items):
                    if items[i] == "-f":
                        fmt = items[i + 1]
                    else:
                        dev = items[i + 1]
                    i += 2
                else:
                    rest.append(items[i])
                    i += 1
            if fmt in ("dshow", "avfoundation"):
                raise _platform_device_error(fmt)
            if fmt is None or dev is None:
                raise ValueError(f'-audio: {list(audio)!r} needs "-f FORMAT" and "-i DEVICE" (e.g. ["-f", "alsa", "-i", "hw:1"])')
            if rest:
                StreamGear._warn(f"-audio: {' '.join(rest)}: input options gearbox does not use; not applied")
            return f"{fmt}:{dev}"
        raise ValueError(f"-audio: {audio!r} is neither a path, a URL nor a list of FFmpeg input arguments")

    def stream(self, frame: Any, rgb_mode: bool = False) -> None:
        """Encodes one frame: numpy uint8 (H, W) gray, (H, W, 2) gray + alpha, (H, W, 3) BGR
        (RGB with rgb_mode, deprecated as in StreamGear), (H, W, 4) BGRA. The first frame fixes
        the size and channels; another later raises ValueError."""
        if frame is None:
            raise ValueError("frame: None (the source gave no frame)")
        if rgb_mode and not self._warned_rgb:
            self._warned_rgb = True
            warnings.warn("stream(rgb_mode=True) is deprecated (as in StreamGear); give BGR frames",
                          DeprecationWarning, stacklevel=2)
        shape = getattr(frame, "shape", None)
        if shape is not None and len(shape) == 3 and shape[2] == 2:
            frame = frame[:, :, 0]  # gray + alpha: the alpha is dropped (copied through numpy)
        if self._streamer is None:
            raise RuntimeError("stream(): the StreamGear is not open")
        self._streamer.push(frame, rgb=bool(rgb_mode))

    def transcode_source(self) -> None:
        """Single-Source Mode is not provided: RuntimeError, as StreamGear in Real-time Frames Mode."""
        raise RuntimeError(
            "transcode_source(): Real-time Frames Mode: use stream(frame); gearbox has no Single-Source Mode")

    def close(self) -> None:
        """Flushes the encoders and writes the final manifests (with -enable_force_termination:
        stops at once, the manifests listing every complete segment). Returns within 15 s."""
        if self._streamer is not None:
            if self._force_termination:
                self._streamer.abort()
            else:
                self._streamer.close()

    def terminate(self) -> None:
        """Deprecated alias of close() (as in StreamGear)."""
        warnings.warn("terminate() is deprecated: use close()", DeprecationWarning, stacklevel=2)
        self.close()

    @property
    def streamer(self) -> Optional[Streamer]:
        """The gearbox.Streamer underneath (stats(), outputs, backend)."""
        return self._streamer

    def __enter__(self) -> "StreamGear":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close()
