"""CamGear's and VideoGear's reading interface (start, read, framerate, stop) over
cv2.VideoCapture, for running StreamGear's examples on a generated file instead of a camera."""

import cv2


class CamGear:
    def __init__(self, source=0, **options):
        self._cap = cv2.VideoCapture(source)
        if not self._cap.isOpened():
            raise RuntimeError(f"cv2.VideoCapture cannot open {source!r}")
        self.framerate = self._cap.get(cv2.CAP_PROP_FPS)

    def start(self):
        return self

    def read(self):
        grabbed, frame = self._cap.read()
        return frame if grabbed else None

    def stop(self):
        self._cap.release()


VideoGear = CamGear
