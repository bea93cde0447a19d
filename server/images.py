"""Checking uploaded images by their bytes, never by the declared type.

    ImageRefused(code)    code: unsupported_media_type (not a JPEG/PNG/WebP, or broken)
                                | image_too_large (more pixels than MAX_ATTACHMENT_PIXELS)

The format is sniffed from the magic bytes and only the three decoders we accept are ever
run (Pillow's `Image.open` would try every plugin it has). The pixel count is read from the
header and checked before anything is decoded, so a decompression bomb costs nothing. A
good image is then decoded and re-encoded: that drops metadata a phone adds (GPS position,
camera serial), applies the EXIF rotation, and turns polyglot files into plain pictures.
"""

import io
from dataclasses import dataclass

from PIL import (
    Image,
    ImageFile,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    WebPImagePlugin,
)

from app.protocol.attachments import MAX_ATTACHMENT_PIXELS
from app.protocol.errors import ErrorCode


class ImageRefused(Exception):
    def __init__(self, code: ErrorCode) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CleanImage:
    content_type: str
    data: bytes
    width: int
    height: int


def _sniff(data: bytes) -> tuple[type[ImageFile.ImageFile], str, str] | None:
    """(decoder, Pillow format name, content type) from the magic bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return JpegImagePlugin.JpegImageFile, "JPEG", "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PngImagePlugin.PngImageFile, "PNG", "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WebPImagePlugin.WebPImageFile, "WEBP", "image/webp"
    return None


def clean_image(data: bytes, max_pixels: int = MAX_ATTACHMENT_PIXELS) -> CleanImage:
    sniffed = _sniff(data)
    if sniffed is None:
        raise ImageRefused(ErrorCode.UNSUPPORTED_MEDIA_TYPE)
    decoder, fmt, content_type = sniffed
    try:
        with decoder(io.BytesIO(data)) as img:
            width, height = img.size
            if width <= 0 or height <= 0:
                raise ImageRefused(ErrorCode.UNSUPPORTED_MEDIA_TYPE)
            if width * height > max_pixels:
                raise ImageRefused(ErrorCode.IMAGE_TOO_LARGE)
            img.load()  # a truncated or corrupt file fails here
            upright = ImageOps.exif_transpose(img)
            out = io.BytesIO()
            icc = img.info.get("icc_profile")
            options: dict[str, object] = {"icc_profile": icc} if icc else {}
            if fmt in ("JPEG", "WEBP"):
                options["quality"] = 90
            if fmt == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            upright.save(out, format=fmt, **options)
            width, height = upright.size
    except ImageRefused:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ImageRefused(ErrorCode.UNSUPPORTED_MEDIA_TYPE) from exc
    return CleanImage(content_type=content_type, data=out.getvalue(), width=width, height=height)
