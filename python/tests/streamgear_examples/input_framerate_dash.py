# StreamGear's Real-time Frames Mode example "Bare-Minimum Usage with controlled Input-framerate" (DASH), from vidgear's documentation
# (docs/gears/streamgear/rtfm/usage.md; Copyright (c) 2019 Abhishek Thakur, Apache License 2.0).
# Changed for gearbox's tests, and only this: the StreamGear import; the camera or file source
# is SOURCE (a generated file) read by cv2.VideoCapture behind CamGear's/VideoGear's interface
# (sources.py); the display calls are removed; python/tests/test_streamgear_examples.py
# runs it and reads the output back.

# import required libraries
from sources import CamGear
from gearbox import StreamGear
import cv2

# Open live video stream on webcam at first index(i.e. 0) device
stream = CamGear(source=SOURCE).start()

# retrieve framerate from CamGear Stream and pass it as `-input_framerate` value
stream_params = {"-input_framerate":stream.framerate}

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
