"""QR codes: draw a signed code (app.protocol.codes) as a PNG, and read what a code says.

Drawing uses error correction M (15 % of the symbol may be damaged: a scratched phone screen,
glare) and the standard quiet zone of 4 modules, without which scanners miss the code next to
other content. Reading the payload here does not check the signature: a device only reads its
own codes to show their expiry; whoever accepts a code verifies it (server or kiosk).
"""

import base64
import io
import json
from datetime import UTC, datetime

import qrcode  # type: ignore[import-untyped]
from qrcode.constants import ERROR_CORRECT_M  # type: ignore[import-untyped]

from app.protocol.codes import CODE_PREFIX, CodePayload

QUIET_ZONE_MODULES = 4


def qr_png(text: str, box_size: int = 10, border: int = QUIET_ZONE_MODULES) -> bytes:
    """The QR symbol of `text` as PNG bytes, black on white, `box_size` pixels per module."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def read_payload(token: str) -> CodePayload | None:
    """The payload of a code in our format, unverified; None for anything else."""
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != CODE_PREFIX:
        return None
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        return CodePayload.model_validate(json.loads(raw))
    except (ValueError, TypeError):
        return None


def expires_at(token: str) -> datetime | None:
    payload = read_payload(token)
    return datetime.fromtimestamp(payload.x, UTC) if payload is not None else None
