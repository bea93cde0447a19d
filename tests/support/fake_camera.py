"""A picture as Chromium's fake webcam shows it: a Y4M video file (`--use-file-for-fake-video-capture`).

Y4M is raw YUV 4:2:0 frames behind a one-line header; Chromium loops the file, so a few frames
of the same still picture make a camera that keeps pointing at it.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from services.codes import qr_png

WIDTH, HEIGHT = 640, 480


def still_y4m(picture: Image.Image, path: Path, frames: int = 10) -> Path:
    frame = picture.convert("RGB").resize((WIDTH, HEIGHT))
    luma, blue, red = frame.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    data = luma.tobytes() + blue.resize(half).tobytes() + red.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n" + data)
    return path


def code_in_front_of_camera(text: str, path: Path) -> Path:
    """A QR code held up in front of the camera: centred, filling most of the height, on white."""
    code = Image.open(io.BytesIO(qr_png(text, box_size=6))).convert("RGB")
    side = int(HEIGHT * 0.85)
    scene = Image.new("RGB", (WIDTH, HEIGHT), "white")
    scene.paste(code.resize((side, side), Image.Resampling.NEAREST), ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    return still_y4m(scene, path)
