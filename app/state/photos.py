"""Photos a shopper attaches (to a message, to a warranty claim).

A photo is uploaded as soon as it is picked, not queued: the outbox carries only attachment
ids, so a write that names a photo must find it on the server already.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.errors import AttachmentRefused, Offline

if TYPE_CHECKING:
    from services.attachments import AttachmentsService

logger = logging.getLogger(__name__)

# Why an upload failed besides the server's refusal codes (views translate them).
TOO_MANY_PHOTOS = "too_many_photos"
OFFLINE = "offline"
UPLOAD_FAILED = "upload_failed"


@dataclass(frozen=True)
class Photo:
    attachment_id: str
    name: str
    data: bytes


async def upload_photo(attachments: AttachmentsService, name: str, data: bytes) -> Photo | str:
    """Upload one photo now: the uploaded photo, or the code of why it could not be."""
    try:
        uploaded = await asyncio.to_thread(attachments.upload, name, data)
    except AttachmentRefused as exc:
        return exc.code
    except Offline:
        return OFFLINE
    except Exception:
        logger.exception("photo upload failed")
        return UPLOAD_FAILED
    return Photo(uploaded.id, name, data)
