"""gearbox: numpy frames in, an ABR ladder out as MPEG-DASH and/or HLS.

    import gearbox

    with gearbox.Streamer("out/", renditions=["1280x720@2500k", "640x360"], format="dash") as s:
        for frame in frames:          # numpy uint8: (H, W) gray, (H, W, 3) BGR, (H, W, 4) BGRA
            s.push(frame)
    # leaving the block closes the stream: encoders flushed, final manifests written

Frames are read in place through the buffer protocol (no copy), with the GIL released while
gearbox converts and queues them; encoding runs on gearbox's own threads. ``from gearbox import
StreamGear`` gives StreamGear's Real-time Frames Mode interface on the same engine.
"""

from __future__ import annotations

import atexit
import fractions
import weakref
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import _gearbox
from ._gearbox import GearboxError

__all__ = ["Streamer", "StreamGear", "GearboxError", "probe", "Rendition"]

#: A rendition: "WxH", "WxH@2500k", "WxH@15fps", or a mapping with "resolution" and
#: "bitrate" (or "video_bitrate") and/or "framerate" keys (StreamGear's keys, "-" optional).
Rendition = Union[str, Mapping[str, Any]]

_RENDITION_KEYS = {
    "resolution": "resolution",
    "bitrate": "video_bitrate",
    "video_bitrate": "video_bitrate",
    "framerate": "framerate",
    "frame_rate": "framerate",
}


def _rate_text(value: Union[int, float, str, fractions.Fraction]) -> str:
    if isinstance(value, fractions.Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, bool):
        raise TypeError("a rate is a number, not a bool")
    return str(value)


def _bitrate_text(value: Union[int, str]) -> str:
    # An int is kbps, as gearbox's config counts (StreamGear writes "2500k").
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}k"
    return str(value)


def _rendition_text(index: int, r: Rendition) -> str:
    if isinstance(r, str):
        return r
    if not isinstance(r, Mapping):
        raise ValueError(f"renditions[{index + 1}]: {r!r} is neither a string nor a mapping")
    parts = []
    for key, value in r.items():
        name = _RENDITION_KEYS.get(str(key).lstrip("-"))
        if name is None:
            raise ValueError(
                f"renditions[{index + 1}]: unknown key {key!r} (resolution, bitrate, framerate)")
        if name == "video_bitrate":
            value = _bitrate_text(value)
        elif name == "framerate":
            value = _rate_text(value)
        parts.append(f"{name}={value}")
    return ",".join(parts)


_live_streamers: "weakref.WeakSet[Streamer]" = weakref.WeakSet()


@atexit.register
def _close_at_exit() -> None:
    # Streams left open close while the interpreter can still run their callbacks.
    for s in list(_live_streamers):
        try:
            s.close()
        except Exception:  # noqa: BLE001 - nothing to report to at exit
            pass


class Streamer:
    """One live or VOD stream: frames pushed in, a ladder of H.264 renditions out.

    Args:
        output: a directory (manifest.mpd / master.m3u8 inside), a manifest path whose extension
            matches the format (.mpd, .m3u8), or an http(s):// URL (HTTP PUT uploads).
        renditions: the secondary renditions, in manifest order, besides the primary one at the
            source size: "1280x720@2500k", "640x360@15fps", "640x360" (bitrate by the bpp rule),
            or {"resolution": "1280x720", "bitrate": "2500k", "framerate": 30}. Errors count the
            primary as renditions[0] (stats id "v0"), so this list's first entry is renditions[1].
        format: "dash", "hls" or "both" (the same segments listed by an MPD and an HLS master).
        live: a live window of segments (old ones deleted after a delay) instead of VOD.
        backend: "auto" (the best available: nvenc, qsv, vaapi, x264) or a backend's name.
        audio: None, a file path, a URL, or "FORMAT:DEVICE" ("alsa:hw:1",
            "lavfi:sine=frequency=1000"); encoded once to AAC and shared by every rendition.
        input_frame_rate: frames per second of the input (default 25); with timestamps given to
            push(), the nominal rate.
        segment_duration: seconds per segment (default 2).
        bpp: bits per pixel of the bitrate rule round(w*h*bpp*fps/1000) kbps (default 0.1).
        primary_bitrate: the primary rendition's bitrate ("4000k" or kbps as an int).
        hls_segment_type: "fmp4" (default) or "mpegts" (format "hls" only).
        clear_previous_assets: delete what an earlier stream left in the output directory.
        backend_options: the backends' own options by "<backend>.<option>", e.g.
            {"x264.preset": "slow", "vaapi.device": "/dev/dri/renderD128"}.
        window_segments, delete_delay_segments, drop_frames_when_behind: live settings.
        chunk_frames: low-latency DASH chunks of this many frames (0: off).
        audio_bitrate: AAC bitrate ("128k" or kbps as an int).
        vbv_maxrate_factor, vbv_buffer_seconds: the rate control's cap (maxrate = factor *
            bitrate) and buffer (seconds of bitrate); defaults 1 and 1.
        on_segment: called with a dict (rendition, number, start, duration, bytes, frames) for
            every segment written, on a gearbox thread; an exception it raises is raised by the
            next push() or close().
        log: called with (level, message) for gearbox's log lines (default: warnings to stderr).
        close_timeout: seconds close() waits before it terminates the stream (default 15).

    Raises:
        ValueError: a wrong argument, naming it.
        GearboxError: the stream cannot be opened (no backend, unwritable output, ...).
    """

    def __init__(
        self,
        output: str,
        renditions: Sequence[Rendition] = (),
        format: str = "dash",
        live: bool = False,
        backend: str = "auto",
        audio: Optional[str] = None,
        *,
        input_frame_rate: Union[int, float, str, fractions.Fraction] = 25,
        segment_duration: Union[int, float, str, fractions.Fraction] = 2,
        bpp: float = 0.1,
        primary_bitrate: Optional[Union[int, str]] = None,
        hls_segment_type: str = "fmp4",
        clear_previous_assets: bool = False,
        backend_options: Optional[Mapping[str, Any]] = None,
        window_segments: int = 6,
        delete_delay_segments: int = -1,
        drop_frames_when_behind: bool = False,
        chunk_frames: int = 0,
        audio_bitrate: Union[int, str] = 128,
        vbv_maxrate_factor: float = 1.0,
        vbv_buffer_seconds: float = 1.0,
        on_segment: Optional[Callable[[Dict[str, Any]], None]] = None,
        log: Optional[Callable[[str, str], None]] = None,
        close_timeout: float = 15,
        queue_depth: int = 2,
    ) -> None:
        if not isinstance(output, str):
            raise ValueError(f"output: {output!r} is not a string")
        if isinstance(renditions, (str, Mapping)):
            renditions = [renditions]
        config: Dict[str, Any] = {
            "output": output,
            "format": format,
            "live": bool(live),
            "backend": backend,
            "audio": audio or None,
            "renditions": [_rendition_text(i, r) for i, r in enumerate(renditions)],
            "input_frame_rate": _rate_text(input_frame_rate),
            "segment_duration": _rate_text(segment_duration),
            "bpp": float(bpp),
            "primary_bitrate": None if primary_bitrate is None else _bitrate_text(primary_bitrate),
            "hls_segment_type": hls_segment_type,
            "clear_previous_assets": bool(clear_previous_assets),
            "backend_options": {str(k): str(v) for k, v in (backend_options or {}).items()},
            "window_segments": int(window_segments),
            "delete_delay_segments": int(delete_delay_segments),
            "drop_frames_when_behind": bool(drop_frames_when_behind),
            "chunk_frames": int(chunk_frames),
            "audio_bitrate": _bitrate_text(audio_bitrate),
            "vbv_maxrate_factor": float(vbv_maxrate_factor),
            "vbv_buffer_seconds": float(vbv_buffer_seconds),
            "on_segment": on_segment,
            "log": log,
            "close_timeout": float(close_timeout),
            "queue_depth": int(queue_depth),
        }
        self._native = _gearbox._Streamer(config)
        self._closed = False
        _live_streamers.add(self)

    def push(self, frame: Any, timestamp: Optional[float] = None, *, rgb: bool = False) -> None:
        """Encodes one frame: a numpy uint8 array (H, W) gray, (H, W, 3) BGR, (H, W, 4) BGRA
        (RGB / RGBA with rgb=True), C-contiguous or with any row stride, read in place.

        timestamp: seconds (float), increasing; without it the frame's time is its index /
        input_frame_rate. A stream uses timestamps on every frame or on none.

        Raises ValueError for a wrong dtype or shape, or a frame whose size or channels differ
        from the first frame's (the stream goes on); GearboxError when the pipeline failed or
        the stream is closed.
        """
        self._native.push(frame, timestamp, rgb)

    def close(self) -> None:
        """Flushes every encoder and writes the final manifests. Idempotent; bounded by
        close_timeout."""
        if not self._closed:
            self._closed = True
            _live_streamers.discard(self)
            self._native.close(False)

    def abort(self) -> None:
        """Stops at once without encoding what is queued; the manifests list every segment that
        was complete in every rendition."""
        if not self._closed:
            self._closed = True
            _live_streamers.discard(self)
            self._native.close(True)

    def stats(self) -> Dict[str, Any]:
        """frames_pushed, frames_rejected, frames_dropped, stages (seconds per stage),
        renditions (per rendition: id, width, height, target_kbps, frame_rate, frames_encoded,
        bytes_written, segments_written, encode_fps, produced_bps, queue_depth, latency_ms_*),
        audio."""
        return self._native.stats()

    @property
    def outputs(self) -> Dict[str, str]:
        """directory, dash_manifest, hls_master (empty when not written), upload_url."""
        return self._native.outputs()

    @property
    def backend(self) -> str:
        """The backend in use (for "auto", the one chosen)."""
        return self._native.backend()

    @property
    def backends_passed_over(self) -> List[str]:
        """For "auto": "name: why" for each backend tried before the one in use."""
        return self._native.passed_over()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Streamer":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            # An exception in the block: stop without encoding the queue, keep what is playable.
            try:
                self.abort()
            except GearboxError:
                pass


def probe() -> List[Dict[str, Any]]:
    """Probes every backend gearbox knows, in automatic-selection order (nvenc, qsv, vaapi,
    x264): each a dict with name, available, reason (why not, or what was probed), simulated,
    and for an available one codecs, max_size, max_sessions. "auto" picks the first available."""
    return _gearbox.probe()


from .streamgear import StreamGear  # noqa: E402  (needs Streamer above)
