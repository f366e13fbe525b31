"""Fixtures: generated sources (a video written with cv2.VideoWriter, an AAC file written by
FFmpeg), run in a temporary folder."""

import os
import shutil
import subprocess

import cv2
import numpy as np
import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "vaapi_simulation: runs on the simulated VA driver (ctest python.pytest_vaapi_simulation)")


def pattern(i, width, height):
    """Frame i of a moving test picture (BGR): a gradient, a moving box and the frame number."""
    y, x = np.mgrid[0:height, 0:width]
    frame = np.empty((height, width, 3), np.uint8)
    frame[:, :, 0] = (x * 255 // max(1, width - 1) + i * 3) % 256
    frame[:, :, 1] = (y * 255 // max(1, height - 1)) % 256
    frame[:, :, 2] = (i * 7) % 256
    s = max(8, height // 6)
    x0 = (i * max(2, width // 60)) % max(1, width - s)
    frame[height // 3:height // 3 + s, x0:x0 + s] = (255, 255, 255)
    cv2.putText(frame, str(i), (width // 20, height - height // 10), cv2.FONT_HERSHEY_SIMPLEX,
                max(0.5, height / 360), (0, 0, 0), max(1, height // 180))
    return frame


def write_video(path, width, height, frames, fps):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened(), f"cv2.VideoWriter cannot write {path}"
    for i in range(frames):
        writer.write(pattern(i, width, height))
    writer.release()
    return str(path)


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


# The generated sources: 30 fps, so that an example that passes CamGear's framerate as
# -input_framerate and one that leaves the default (25) give different, checkable durations.
SOURCE_FPS = 30
SOURCE_FRAMES = 90  # 3 s at 30 fps, 3.6 s at 25 fps: two 2 s segments either way


@pytest.fixture(scope="session")
def source_360p(media):
    return write_video(media / "foo1_360p.avi", 640, 360, SOURCE_FRAMES, SOURCE_FPS)


@pytest.fixture(scope="session")
def source_1080p(media):
    # The examples with a 1920x1080 rendition need a 1080p source (a rendition is never larger
    # than the frames).
    return write_video(media / "foo1_1080p.avi", 1920, 1080, 75, SOURCE_FPS)


@pytest.fixture(scope="session")
def audio_file(media):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed (it writes the AAC file the audio examples read)")
    path = media / "foo1.aac"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=1000:duration=5", "-c:a", "aac", "-b:a", "96k", str(path)],
                   check=True, timeout=60)
    return str(path)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path
