"""Reads gearbox's output back for the tests: the MPD and HLS playlists as text, the media
through ffprobe (libavformat's own DASH / HLS demuxers)."""

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

NS = {"d": "urn:mpeg:dash:schema:mpd:2011"}


def mpd(path):
    """{type, duration, representations: [{id, width, height, bandwidth, frame_rate,
    segments: [seconds, ...]}], audio: [...]} from an MPD."""
    root = ET.parse(path).getroot()
    out = {"type": root.get("type"), "duration": root.get("mediaPresentationDuration"),
           "representations": [], "audio": []}
    for aset in root.iterfind(".//d:AdaptationSet", NS):
        for rep in aset.iterfind("d:Representation", NS):
            tmpl = rep.find("d:SegmentTemplate", NS)
            if tmpl is None:
                tmpl = aset.find("d:SegmentTemplate", NS)
            timescale = int(tmpl.get("timescale", "1"))
            segments = []
            for s in tmpl.iterfind("d:SegmentTimeline/d:S", NS):
                segments += [int(s.get("d")) / timescale] * (1 + int(s.get("r", "0")))
            entry = {"id": rep.get("id"), "bandwidth": int(rep.get("bandwidth")),
                     "segments": segments, "start_number": int(tmpl.get("startNumber", "1")),
                     "media": tmpl.get("media")}
            if aset.get("contentType") == "audio" or (rep.get("mimeType") or aset.get("mimeType", "")).startswith("audio"):
                out["audio"].append(entry)
            else:
                entry.update(width=int(rep.get("width")), height=int(rep.get("height")),
                             frame_rate=rep.get("frameRate") or aset.get("frameRate"))
                out["representations"].append(entry)
    return out


def hls(master_path):
    """{variants: [{uri, bandwidth, width, height, segments: [seconds], files: [...], ended}],
    audio: [uri, ...]} from an HLS master playlist and its media playlists."""
    folder = os.path.dirname(master_path)
    text = open(master_path).read()
    out = {"variants": [], "audio": re.findall(r'#EXT-X-MEDIA:TYPE=AUDIO.*URI="([^"]+)"', text)}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attrs = line.split(":", 1)[1]
            w, h = re.search(r"RESOLUTION=(\d+)x(\d+)", attrs).groups()
            bw = int(re.search(r"(?<!-)BANDWIDTH=(\d+)", attrs).group(1))
            uri = lines[i + 1].strip()
            media = media_playlist(os.path.join(folder, uri))
            out["variants"].append(dict(uri=uri, bandwidth=bw, width=int(w), height=int(h), **media))
    return out


def media_playlist(path):
    text = open(path).read()
    segments = [float(x) for x in re.findall(r"#EXTINF:([0-9.]+)", text)]
    files = [l for l in text.splitlines() if l and not l.startswith("#")]
    return {"segments": segments, "files": files, "ended": "#EXT-X-ENDLIST" in text}


def have_ffprobe():
    return shutil.which("ffprobe") is not None


def ffprobe_streams(path):
    """Every stream libavformat finds behind `path` (an MPD, a playlist, a file): codec_type,
    codec_name, width, height, nb_read_packets."""
    cmd = ["ffprobe", "-v", "error", "-count_packets", "-show_entries",
           "stream=codec_type,codec_name,width,height,nb_read_packets,sample_rate,channels",
           "-of", "json", path]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"ffprobe {path}: {result.stderr}"
    return json.loads(result.stdout)["streams"]
