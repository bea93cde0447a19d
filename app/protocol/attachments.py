"""Uploaded images (`POST /attachments`): message attachments and warranty photos."""

from pydantic import BaseModel

# Pixel budget of one upload: more is refused as `image_too_large` (decompression bombs).
MAX_ATTACHMENT_PIXELS = 40_000_000


class AttachmentPublic(BaseModel):
    id: str
    content_type: str  # as sniffed from the bytes, never as declared by the client
    size: int
    width: int
    height: int
