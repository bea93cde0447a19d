"""Upload photos (warranty claims, messages): `POST /attachments`, which needs the network.

The type and size are checked here first, so a shopper hears at once that a PDF or a 20 MB
photo will not do, without a round trip; the server checks again from the bytes (it decides).
An upload is not a mutation and is never queued: its answer (the attachment id) is what a
queued mutation then refers to.

Photos shown in a thread are kept in a folder of the account's (deleted at sign-out with the
cache): a photo seen once, or sent from this device, shows again offline.
"""

import hashlib
import os
from pathlib import Path

from app.protocol.attachments import AttachmentPublic
from app.protocol.errors import ErrorCode
from app.protocol.returns import ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES
from services.api_client import ApiClient
from services.errors import ApiError, AttachmentRefused

# Server answers that mean "this file", not "try again later".
_REFUSALS = {ErrorCode.UNSUPPORTED_MEDIA_TYPE.value, ErrorCode.PAYLOAD_TOO_LARGE.value,
             ErrorCode.IMAGE_TOO_LARGE.value}


def sniff_image_type(data: bytes) -> str | None:
    """The content type from the magic bytes (JPEG, PNG, WebP), else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_image(data: bytes) -> str:
    """The content type of an acceptable image; raises `AttachmentRefused` otherwise."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRefused(ErrorCode.PAYLOAD_TOO_LARGE.value)
    content_type = sniff_image_type(data)
    if content_type is None or content_type not in ATTACHMENT_TYPES:
        raise AttachmentRefused(ErrorCode.UNSUPPORTED_MEDIA_TYPE.value)
    return content_type


class AttachmentsService:
    def __init__(self, api: ApiClient, photo_dir: Path | None = None) -> None:
        self.api = api
        self.photo_dir = photo_dir

    def upload(self, filename: str, data: bytes) -> AttachmentPublic:
        """Blocking. Raises `AttachmentRefused` (wrong type, too large) or `Offline`."""
        content_type = check_image(data)
        try:
            uploaded = self.api.upload_attachment(filename or "photo", data, content_type)
        except ApiError as exc:
            if exc.code in _REFUSALS:
                raise AttachmentRefused(exc.code) from exc
            raise
        self._keep(uploaded.id, data)
        return uploaded

    def photo(self, attachment_id: str) -> bytes:
        """Blocking. The image's bytes: from this device's folder, else from the server (then kept).
        Raises `Offline`, or `ApiError` (``not_found``) for an id this account may not see."""
        path = self._path(attachment_id)
        if path is not None and path.exists():
            return path.read_bytes()
        data = self.api.attachment(attachment_id)
        if sniff_image_type(data) is None:  # never keep or show what is not one of our image types
            raise AttachmentRefused(ErrorCode.UNSUPPORTED_MEDIA_TYPE.value)
        self._keep(attachment_id, data)
        return data

    def _path(self, attachment_id: str) -> Path | None:
        # Hashed: an id from the server never becomes a path of its own choosing.
        if self.photo_dir is None:
            return None
        return self.photo_dir / hashlib.sha256(attachment_id.encode("utf-8")).hexdigest()

    def _keep(self, attachment_id: str, data: bytes) -> None:
        path = self._path(attachment_id)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
