# StreamGear's Real-time Frames Mode example "Bare-Minimum Usage with OpenCV" (HLS), from vidgear's documentation
# (docs/gears/streamgear/rtfm/usage.md; Copyright (c) 2019 Abhishek Thakur, Apache License 2.0).
# Changed for gearbox's tests, and only this: the StreamGear import; the camera or file source
# is SOURCE (a generated file) read by cv2.VideoCapture behind CamGear's/VideoGear's interface
# (sources.py); the display calls are removed; python/tests/test_streamgear_examples.py
# runs it and reads the output back.

# import required libraries
from gearbox import StreamGear
import cv2

# Open suitable video stream, such as webcam on first index(i.e. 0)
stream = cv2.VideoCapture(SOURCE) 

# describe a suitable manifest-file location/name
streamer = StreamGear(output="hls_out.m3u8", format = "hls")

# loop over
while True:

    # read frames from stream
    (grabbed, frame) = stream.read()

    # check for frame if not grabbed
    if not grabbed:
      break

    # {do something with the frame here}
    # lets convert frame to gray for this example
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)

    # send frame to streamer
    streamer.stream(gray)

# safely close video stream
stream.release()

# safely close streamer
streamer.close()
