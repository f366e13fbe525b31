# StreamGear's Real-time Frames Mode example "Usage with Device Audio-Input" (DASH), from vidgear's documentation
# (docs/gears/streamgear/rtfm/usage.md; Copyright (c) 2019 Abhishek Thakur, Apache License 2.0).
# Changed for gearbox's tests, and only this: the StreamGear import; the camera or file source
# is SOURCE (a generated file) read by cv2.VideoCapture behind CamGear's/VideoGear's interface
# (sources.py); the display calls are removed; python/tests/test_streamgear_examples.py
# runs it and reads the output back.

# import required libraries
from sources import CamGear
from gearbox import StreamGear
import cv2

# open any valid DEVICE video stream
stream = CamGear(source=SOURCE).start()

# add various streams, along with custom audio
stream_params = {
    "-streams": [
        {
            "-resolution": "640x360",
            "-video_bitrate": "4000k",
        },  # Stream1: 640x360 at 4000kbs bitrate
        {"-resolution": "320x240", "-framerate": 30.0},  # Stream2: 320x240 at 30fps
    ],
    "-input_framerate": stream.framerate,  # controlled framerate for audio-video sync !!! don't forget this line !!!
    "-livestream": True,
    "-audio": [
        "-f",
        "dshow",
        "-i",
        "audio=Microphone (USB2.0 Camera)",
    ],  # assign appropriate input audio-source device(compatible with video source) and its demuxer
}

# describe a suitable manifest-file location/name and assign params
streamer = StreamGear(output="dash_out.mpd", **stream_params)

# loop over
while True:

    # read frames from stream
    frame = stream.read()

    # check for frame if Nonetype
    if frame is None:
        break

    # {do something with the frame here}

    # send frame to streamer
    streamer.stream(frame)

# safely close video stream
stream.stop()

# safely close streamer
streamer.close()
