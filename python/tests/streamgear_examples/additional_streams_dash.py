# StreamGear's Real-time Frames Mode example "Usage with Additional Streams" (DASH), from vidgear's documentation
# (docs/gears/streamgear/rtfm/usage.md; Copyright (c) 2019 Abhishek Thakur, Apache License 2.0).
# Changed for gearbox's tests, and only this: the StreamGear import; the camera or file source
# is SOURCE (a generated file) read by cv2.VideoCapture behind CamGear's/VideoGear's interface
# (sources.py); the display calls are removed; python/tests/test_streamgear_examples.py
# runs it and reads the output back.

# import required libraries
from sources import CamGear
from gearbox import StreamGear
import cv2

# Open suitable video stream, such as webcam on first index(i.e. 0)
stream = CamGear(source=SOURCE).start() 

# define various streams
stream_params = {
    "-streams": [
        {"-resolution": "1280x720", "-framerate": 30.0},  # Stream1: 1280x720 at 30fps framerate
        {"-resolution": "640x360", "-framerate": 60.0},  # Stream2: 640x360 at 60fps framerate
        {"-resolution": "320x240", "-video_bitrate": "500k"},  # Stream3: 320x240 at 500kbs bitrate
    ],
}

# describe a suitable manifest-file location/name and assign params
streamer = StreamGear(output="dash_out.mpd")

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
