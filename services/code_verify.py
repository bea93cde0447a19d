"""Check a scanned code on the device, offline, with the server's public key (format: app.protocol.codes).

The kiosk refuses a bad code at once with a clear reason, without a round trip; the server
checks again (it alone knows whether a one-time code was used). The public key comes from
`GET /codes/public-key` and is cached in a small JSON file, so the check keeps working
without a network; a changed key (the server's secret rotated) is picked up on the next fetch.

    CodeRefused(failure)     failure is an app.protocol.codes.CodeFailure
    (fetch errors of the api_client pass through: Offline, ApiError)
"""

import base64
import binascii
import json
import os
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from app.protocol.codes import (
    CODE_PREFIX,
    CodeFailure,
    CodeKind,
    CodePayload,
    PublicKeyResponse,
)
from app.protocol.handoff import CONTINUE_ROUTE

MAX_CODE_CHARS = 600  # as the server: a longer text is not one of our codes


class CodeRefused(Exception):
    def __init__(self, failure: CodeFailure) -> None:
        super().__init__(failure)
        self.failure = failure


def _unb64(text: str) -> bytes:
    if not text or "=" in text:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_from_scan(text: str) -> str:
    """The code in what a scanner or camera read: a bare token, or a "continue" link carrying `?token=`."""
    text = text.strip()
    if "://" in text or text.startswith(CONTINUE_ROUTE):
        values = parse_qs(urlparse(text).query).get("token")
        return values[0].strip() if values else text
    return text


class DeviceVerifier:
    """Verifies codes with only the public key, as the server's `CodeVerifier` does, plus the store."""

    def __init__(self, key: PublicKeyResponse) -> None:
        self.key = key
        self._key = Ed25519PublicKey.from_public_bytes(_unb64(key.public_key))

    def verify(self, token: str, kinds: Collection[CodeKind], store_id: str | None = None,
               now: datetime | None = None) -> CodePayload:
        """The payload of a genuine, unexpired code of one of `kinds` for this store; else `CodeRefused`.

        The signature is checked first; a code bound to a store (`t`) is refused elsewhere.
        """
        token = token.strip()
        if len(token) > MAX_CODE_CHARS or not token.isascii():
            raise CodeRefused(CodeFailure.FORGED)
        signed, _, signature = token.rpartition(".")
        prefix, _, encoded = signed.partition(".")
        if prefix != CODE_PREFIX or not encoded or "." in encoded:
            raise CodeRefused(CodeFailure.FORGED)
        try:
            self._key.verify(_unb64(signature), signed.encode("ascii"))
            payload = CodePayload.model_validate(json.loads(_unb64(encoded)))
        except (InvalidSignature, ValueError, binascii.Error, ValidationError) as exc:
            raise CodeRefused(CodeFailure.FORGED) from exc
        if payload.k not in {str(k) for k in kinds}:
            raise CodeRefused(CodeFailure.WRONG_KIND)
        if payload.x <= int((now or datetime.now(UTC)).timestamp()):
            raise CodeRefused(CodeFailure.EXPIRED)
        if payload.t is not None and store_id is not None and payload.t != store_id:
            raise CodeRefused(CodeFailure.OTHER_STORE)
        return payload


class PublicKeyCache:
    """The server's code key, fetched when online and kept in `path` for offline use."""

    def __init__(self, path: Path, fetch: Callable[[], PublicKeyResponse]) -> None:
        self.path = path
        self._fetch = fetch
        self._verifier: DeviceVerifier | None = None

    def refresh(self) -> DeviceVerifier:
        """Fetch the key (blocking; raises the api client's Offline/ApiError) and keep it."""
        key = self._fetch()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(key.model_dump_json(), encoding="utf-8")
        os.replace(tmp, self.path)
        self._verifier = DeviceVerifier(key)
        return self._verifier

    def cached(self) -> DeviceVerifier | None:
        """The last key this device saw, or None if it never fetched one."""
        if self._verifier is None:
            try:
                self._verifier = DeviceVerifier(PublicKeyResponse.model_validate_json(self.path.read_text("utf-8")))
            except (OSError, ValueError):
                return None
        return self._verifier

    def verifier(self) -> DeviceVerifier | None:
        """A fresh key when the server answers, else the cached one (None: never online yet)."""
        try:
            return self.refresh()
        except Exception:  # noqa: BLE001 - offline or a server error: the cached key still checks signatures
            return self.cached()
