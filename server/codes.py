"""Signed codes (format in app.protocol.codes): issue and verify `NTL1.<payload>.<signature>` tokens.

The Ed25519 key pair is derived from `ServerSettings.secret_key` with HKDF-SHA256 (fixed salt
and info below), so no second secret has to be provisioned and every worker of a deployment
signs with the same key. Rotating `secret_key` therefore also rotates the code key: codes
issued before stop verifying, and devices fetch the new public key (its `key_id` changes).

    CodeError(code)      code is a CodeFailure: forged | expired | wrong_kind (verify); other_store |
                         already_used (raised by the routes that check store and single use)
"""

import base64
import binascii
import hashlib
import json
import secrets
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import ValidationError

from app.protocol.codes import (
    CODE_PREFIX,
    CodeFailure,
    CodeKind,
    CodePayload,
    PublicKeyResponse,
)
from app.protocol.errors import ErrorCode
from server.models.base import utcnow

_HKDF_SALT = b"nahtlos/codes"
_HKDF_INFO = b"NTL1 Ed25519 signing key v1"
# A QR of a few hundred characters still scans well; anything longer is not one of ours.
MAX_CODE_CHARS = 600


class CodeError(Exception):
    def __init__(self, code: CodeFailure) -> None:
        super().__init__(code)
        self.code = code

    @property
    def error_code(self) -> ErrorCode:
        """The stable API error code (and message) for this failure."""
        return ERROR_CODES[self.code]


ERROR_CODES: dict[CodeFailure, ErrorCode] = {
    CodeFailure.FORGED: ErrorCode.CODE_FORGED,
    CodeFailure.EXPIRED: ErrorCode.CODE_EXPIRED,
    CodeFailure.WRONG_KIND: ErrorCode.CODE_WRONG_KIND,
    CodeFailure.OTHER_STORE: ErrorCode.CODE_OTHER_STORE,
    CodeFailure.ALREADY_USED: ErrorCode.CODE_ALREADY_USED,
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or "=" in text:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def derive_private_key(secret_key: str) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        secret_key.encode("utf-8"))
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class CodeSigner:
    """Issues codes with the private key; `CodeVerifier` (also what devices do) checks them."""

    def __init__(self, secret_key: str) -> None:
        self._private = derive_private_key(secret_key)
        self.verifier = CodeVerifier(public_key_raw(self._private.public_key()))

    def issue(self, kind: CodeKind | str, subject: str, expires_at: datetime, store_id: str | None = None) -> str:
        payload = CodePayload(k=str(kind), s=subject, x=int(expires_at.timestamp()), t=store_id,
                              n=secrets.token_urlsafe(9))
        body = json.dumps(payload.model_dump(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        signed = f"{CODE_PREFIX}.{_b64(body)}"
        return f"{signed}.{_b64(self._private.sign(signed.encode('ascii')))}"

    def issue_for(self, kind: CodeKind | str, subject: str, ttl: timedelta, now: datetime | None = None,
                  store_id: str | None = None) -> str:
        return self.issue(kind, subject, (now or utcnow()) + ttl, store_id)

    def verify(self, token: str, kind: CodeKind | str, now: datetime | None = None) -> CodePayload:
        return self.verifier.verify(token, kind, now)

    def public_key(self) -> PublicKeyResponse:
        return self.verifier.public_key()


class CodeVerifier:
    """Checks codes with the public key only."""

    def __init__(self, public_key: bytes) -> None:
        self._raw = public_key
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    def public_key(self) -> PublicKeyResponse:
        return PublicKeyResponse(key_id=hashlib.sha256(self._raw).hexdigest()[:16], public_key=_b64(self._raw))

    def verify(self, token: str, kind: CodeKind | str, now: datetime | None = None) -> CodePayload:
        """The payload of a genuine, unexpired code of `kind`; else `CodeError`.

        The signature is checked before anything in the payload is trusted, so a forged
        code never learns whether its kind or expiry would have passed.
        """
        token = token.strip()
        if len(token) > MAX_CODE_CHARS or not token.isascii():
            raise CodeError(CodeFailure.FORGED)
        signed, _, signature = token.rpartition(".")
        prefix, _, encoded = signed.partition(".")
        if prefix != CODE_PREFIX or not encoded or "." in encoded:
            raise CodeError(CodeFailure.FORGED)
        try:
            self._key.verify(_unb64(signature), signed.encode("ascii"))
            payload = CodePayload.model_validate(json.loads(_unb64(encoded)))
        except (InvalidSignature, ValueError, binascii.Error, ValidationError) as exc:
            raise CodeError(CodeFailure.FORGED) from exc
        if payload.k != str(kind):
            raise CodeError(CodeFailure.WRONG_KIND)
        if payload.x <= int((now or utcnow()).timestamp()):
            raise CodeError(CodeFailure.EXPIRED)
        return payload
