# StreamGear's Real-time Frames Mode example "Usage with Hardware Video-Encoder" (HLS), from vidgear's documentation
# (docs/gears/streamgear/rtfm/usage.md; Copyright (c) 2019 Abhishek Thakur, Apache License 2.0).
# Changed for gearbox's tests, and only this: the StreamGear import; the camera or file source
# is SOURCE (a generated file) read by cv2.VideoCapture behind CamGear's/VideoGear's interface
# (sources.py); the display calls are removed; the device is VAAPI_DEVICE (the simulated VA driver's render node); python/tests/test_streamgear_examples.py
# runs it and reads the output back.

# import required libraries
from sources import VideoGear
from gearbox import StreamGear
import cv2

# Open suitable video stream, such as webcam on first index(i.e. 0)
stream = VideoGear(source=SOURCE).start() 

# add various streams with custom Video Encoder and optimizations
stream_params = {
    "-streams": [
        {"-resolution": "1920x1080", "-video_bitrate": "4000k"},  # Stream1: 1920x1080 at 4000kbs bitrate
        {"-resolution": "1280x720", "-framerate": 30.0},  # Stream2: 1280x720 at 30fps
        {"-resolution": "640x360", "-framerate": 60.0},  # Stream3: 640x360 at 60fps
    ],
    "-vcodec": "h264_vaapi", # define custom Video encoder
    "-vaapi_device": VAAPI_DEVICE, # define device location
    "-vf": "format=nv12,hwupload",  # define video pixformat
}

# describe a suitable manifest-file location/name and assign params
streamer = StreamGear(output="hls_out.m3u8", format = "hls", **stream_params)

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
