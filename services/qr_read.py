"""Read QR codes from camera frames and uploaded pictures (pyzbar on Debian's libzbar0).

A kiosk camera sees codes on phone screens: small, tilted, dim, with a reflection across them.
zbar's own binariser handles a clean frame; for the rest this module tries a short ladder of
cheap clean-ups on the grey image, stopping at the first that yields a code:

    1. grey, as is                          (most frames end here: ~5-8 ms at 640x480)
    2. crisp: a strong 3x3 sharpen          out of focus (a camera that has not settled yet):
       (the frame plus 8x its Laplacian)    half of the blurred frames fail step 1, this finds
                                            them all for ~2 ms of filtering, so it comes early
    3. contrast stretch (autocontrast)      dim screens, washed-out prints
    4. sharpen (unsharp mask, radius 2)     held far away (modules of ~2 pixels), and the blurred
                                            frames that step 2 left
    5. local contrast: the frame minus a    glare and uneven light: a reflection lifts one
       blurred copy of itself, stretched    part of the code; subtracting the local mean evens it
    6. half-size                            big codes with sensor noise: averaging calms it
    7. double size (bicubic), stretched     tiny codes (modules under ~2 px) that zbar's finder
                                            misses; the dearest step (~25 ms), so the last

Only QR symbols are searched (`ZBarSymbol.QRCODE`): 2-3x faster than every symbology, and a
kiosk has no use for bar codes. Decoding is blocking CPU work: callers on an event loop run
it with `asyncio.to_thread`.

    QrReadError        the bytes are not an image Pillow can open (or one too large to be a photo)
"""

import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageOps, UnidentifiedImageError
from pyzbar.pyzbar import ZBarSymbol, decode  # type: ignore[import-untyped]

# An upload larger than this is not a photo of a code (and could be a decompression bomb).
MAX_PIXELS = 24_000_000
# Frames and photos are brought to about this size first: enough for a phone-screen code,
# small enough that each attempt stays cheap.
WORK_EDGE = 1024
_SYMBOLS = [ZBarSymbol.QRCODE]


class QrReadError(Exception):
    """The bytes could not be read as an image."""


@dataclass(frozen=True)
class QrReading:
    """What one frame yielded: the decoded texts (in zbar's order) and which step found them."""

    texts: tuple[str, ...]
    step: str | None  # a name of STEPS ("grey", "crisp", ..., "double"); None when nothing was found
    ms: float


def open_image(data: bytes) -> Image.Image:
    """Pillow image of `data` (JPEG/PNG/WebP...), as grey, at most `WORK_EDGE` on its long side."""
    try:
        image: Image.Image = Image.open(io.BytesIO(data))  # exif_transpose below may give a plain Image
        if image.width * image.height > MAX_PIXELS:
            raise QrReadError("image too large")
        image.draft("L", (WORK_EDGE, WORK_EDGE))  # JPEG: decode at a reduced scale, much faster
        image = ImageOps.exif_transpose(image) or image
        grey = image.convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise QrReadError(str(exc)) from exc
    if max(grey.size) > WORK_EDGE:
        grey.thumbnail((WORK_EDGE, WORK_EDGE), Image.Resampling.BILINEAR)
    return grey


def _texts(image: Image.Image) -> tuple[str, ...]:
    found = decode(image, symbols=_SYMBOLS)
    return tuple(dict.fromkeys(s.data.decode("utf-8", errors="replace") for s in found if s.data))


def _stretch(grey: Image.Image) -> Image.Image:
    return ImageOps.autocontrast(grey, cutoff=2)


def _local(grey: Image.Image) -> Image.Image:
    # Light varies slowly across a frame, modules change fast: what is left after subtracting
    # the neighbourhood's mean is the code. The offset keeps mid-grey at 128.
    radius = max(8, min(grey.size) // 24)
    background = grey.filter(ImageFilter.BoxBlur(radius))
    return ImageOps.autocontrast(ImageChops.subtract(grey, background, scale=1.0, offset=128), cutoff=1)


# Measured on bench.qr_decode's 40 blurred frames (Gaussian blur 1.2-1.8 px), each filter alone:
# this kernel decodes 40 (centre 9; 10: 37, 12: 30), the unsharp mask below 40 in 1.5x the time
# (34 at radius 3 / 200 %), Pillow's milder SHARPEN 26. It amplifies noise too, so it is no
# substitute for the plain grey attempt.
_CRISP = ImageFilter.Kernel((3, 3), [-1, -1, -1, -1, 9, -1, -1, -1, -1], scale=1)


def _crisp(grey: Image.Image) -> Image.Image:
    return grey.filter(_CRISP)


def _sharpen(grey: Image.Image) -> Image.Image:
    # Steepens module edges that defocus (or a far-away code's 2-pixel modules) washed out.
    return grey.filter(ImageFilter.UnsharpMask(radius=2, percent=300, threshold=0))


def _half(grey: Image.Image) -> Image.Image:
    return _stretch(grey.reduce(2))


def _double(grey: Image.Image) -> Image.Image:
    return _stretch(grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.BICUBIC))


STEPS: tuple[tuple[str, Callable[[Image.Image], Image.Image]], ...] = (
    ("grey", lambda g: g),
    ("crisp", _crisp),
    ("stretch", _stretch),
    ("sharpen", _sharpen),
    ("local", _local),
    ("half", _half),
    ("double", _double),
)


def _attempts(grey: Image.Image) -> Iterator[tuple[str, Image.Image]]:
    for name, step in STEPS:
        yield name, step(grey)


def read_grey(grey: Image.Image, budget_ms: float | None = None) -> QrReading:
    """Decode a grey image, trying the clean-up ladder until a code is found.

    Args:
        grey: an "L" image (see `open_image`).
        budget_ms: stop trying further steps once this much time is spent (camera polling
            wants empty frames to be cheap); None tries every step.
    """
    started = time.perf_counter()
    for name, image in _attempts(grey):
        texts = _texts(image)
        if texts:
            return QrReading(texts, name, (time.perf_counter() - started) * 1000)
        if budget_ms is not None and (time.perf_counter() - started) * 1000 >= budget_ms:
            break
    return QrReading((), None, (time.perf_counter() - started) * 1000)


def read_codes(data: bytes, budget_ms: float | None = None) -> QrReading:
    """Decode the QR codes in an encoded image (camera JPEG, uploaded photo or screenshot)."""
    started = time.perf_counter()
    reading = read_grey(open_image(data), budget_ms)
    return QrReading(reading.texts, reading.step, (time.perf_counter() - started) * 1000)
