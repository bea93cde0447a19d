"""Deterministic 640x480 camera-like frames of real codes, clean and distorted.

A kiosk camera looks at a phone held up to it: the code sits on a dark phone body, somewhere
in the frame, tilted, maybe out of focus, dim, with a reflection across it. `render(token,
distortion, seed)` draws one such frame with Pillow only (no numpy), the same pixels for the
same arguments, so the benchmark (bench.qr_decode) and the tests (tests/services/test_qr_read.py)
see identical images on every machine.
"""

import io
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from services.codes import qr_png

FRAME = (640, 480)
DISTORTIONS = ("clean", "rotated", "blurred", "low_contrast", "small", "glare", "perspective")


def _noise(rng: random.Random, size: tuple[int, int], sigma: float) -> Image.Image:
    """Sensor noise around 128: a small random tile, scaled up (cheap without numpy)."""
    tile = Image.new("L", (80, 60))
    tile.putdata([max(0, min(255, int(rng.gauss(128, sigma)))) for _ in range(80 * 60)])
    return tile.resize(size, Image.Resampling.NEAREST)


def _background(rng: random.Random) -> Image.Image:
    """A room behind the phone: a soft vertical gradient of greys."""
    top, bottom = rng.randint(90, 170), rng.randint(60, 150)
    column = Image.new("L", (1, FRAME[1]))
    column.putdata([int(top + (bottom - top) * y / FRAME[1]) for y in range(FRAME[1])])
    return column.resize(FRAME)


def _code(token: str, side: int, dark: int = 0, light: int = 255) -> Image.Image:
    """The code (with its quiet zone) at about `side` pixels, drawn in `dark` on `light`."""
    image = Image.open(io.BytesIO(qr_png(token, box_size=4))).convert("L")
    image = image.resize((side, side), Image.Resampling.BILINEAR)
    if (dark, light) != (0, 255):
        image = image.point(lambda v: dark + (light - dark) * v // 255)
    return image


def _on_phone(code: Image.Image, rng: random.Random) -> Image.Image:
    """The code on a phone screen: a dark body with the screen a little larger than the code."""
    pad = max(8, code.width // 8)
    phone = Image.new("L", (code.width + 2 * pad, code.height + 4 * pad), 25)
    screen = Image.new("L", (code.width + pad, code.height + 2 * pad), code.getpixel((1, 1)) or 255)
    phone.paste(screen, (pad // 2, pad))
    phone.paste(code, (pad, pad + pad // 2))
    return phone


def _place(frame: Image.Image, item: Image.Image, rng: random.Random, mask: Image.Image | None = None) -> None:
    x = rng.randint(0, max(0, frame.width - item.width))
    y = rng.randint(0, max(0, frame.height - item.height))
    frame.paste(item, (x, y), mask)


def _perspective_coeffs(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping output `dst` corners to input `src` ones."""
    rows: list[list[float]] = []
    rhs: list[float] = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    # Gaussian elimination on the 8x8 system.
    n = 8
    m = [row + [b] for row, b in zip(rows, rhs, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [a - f * b for a, b in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def render(token: str, distortion: str, seed: int) -> Image.Image:
    """One grey 640x480 frame showing the QR code of `token` with `distortion` (see DISTORTIONS)."""
    if distortion not in DISTORTIONS:
        raise ValueError(f"unknown distortion {distortion!r}")
    rng = random.Random(f"{distortion}:{seed}")
    frame = _background(rng)
    side = rng.randint(200, 300)
    if distortion == "small":
        side = rng.randint(105, 125)  # ~2 pixels per module for a ~60-module code
    dark, light = (0, 255)
    if distortion == "low_contrast":
        dark = rng.randint(95, 115)
        light = dark + rng.randint(35, 50)
    phone = _on_phone(_code(token, side, dark, light), rng)
    if distortion == "rotated":
        angle = rng.choice([-1, 1]) * rng.uniform(15, 45)
        mask = Image.new("L", phone.size, 255).rotate(angle, expand=True, resample=Image.Resampling.BILINEAR)
        phone = phone.rotate(angle, expand=True, resample=Image.Resampling.BILINEAR)
        if max(phone.size) > min(FRAME):
            scale = min(FRAME) / max(phone.size) * 0.95
            phone = phone.resize((int(phone.width * scale), int(phone.height * scale)), Image.Resampling.BILINEAR)
            mask = mask.resize(phone.size, Image.Resampling.BILINEAR)
        _place(frame, phone, rng, mask)
    elif distortion == "perspective":
        w, h = phone.size
        k = rng.uniform(0.03, 0.06) * w  # a phone tilted a little; zbar gives up beyond ~7 %
        dst = [(0.0, 0.0), (float(w), k), (float(w), h - k), (0.0, float(h))]  # the right side leans away
        coeffs = _perspective_coeffs([(0, 0), (w, 0), (w, h), (0, h)], dst)
        mask = Image.new("L", phone.size, 255).transform(phone.size, Image.Transform.PERSPECTIVE, coeffs,
                                                          Image.Resampling.BILINEAR)
        phone = phone.transform(phone.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR)
        _place(frame, phone, rng, mask)
    else:
        _place(frame, phone, rng)
    if distortion == "blurred":
        frame = frame.filter(ImageFilter.GaussianBlur(rng.uniform(1.2, 1.8)))
    if distortion == "glare":
        frame = _glare(frame, rng)
    # Every frame gets some sensor noise; camera frames are never clean.
    frame = ImageChops.add(frame, _noise(rng, FRAME, 6), scale=1.0, offset=-128)
    return frame


def _glare(frame: Image.Image, rng: random.Random) -> Image.Image:
    """A reflection: a soft bright ellipse lifting part of the frame towards white."""
    glare = Image.new("L", FRAME, 0)
    cx, cy = rng.randint(200, 440), rng.randint(150, 330)
    rx, ry = rng.randint(70, 120), rng.randint(40, 80)
    ImageDraw.Draw(glare).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=rng.randint(120, 170))
    glare = glare.filter(ImageFilter.GaussianBlur(max(rx, ry) / 2.5))
    return ImageChops.add(frame, glare)


def jpeg(frame: Image.Image, quality: int = 85) -> bytes:
    """The frame as a camera would hand it over (`take_picture()` returns JPEG bytes)."""
    out = io.BytesIO()
    frame.save(out, format="JPEG", quality=quality)
    return out.getvalue()
