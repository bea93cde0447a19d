"""Signed codes: every QR or short token the product shows (return drop-off, loyalty card,
pickup, "continue here") has one format, so one verifier serves them all, online or offline.

    NTL1.<base64url(json payload)>.<base64url(Ed25519 signature)>

The signature covers the ASCII text before the last dot ("NTL1." plus the encoded payload);
base64url is unpadded. Devices fetch the public key once from `GET /api/v1/codes/public-key`
and can then check a code without the network; the server holds the private key.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

CODE_PREFIX = "NTL1"
CODE_ALGORITHM = "Ed25519"


class CodeKind(StrEnum):
    RETURN = "return"  # subject: return id
    LOYALTY = "loyalty"  # subject: loyalty account id
    PICKUP = "pickup"  # subject: pickup id
    HANDOFF = "handoff"  # subject: handoff id ("continue on another device")


class CodeFailure(StrEnum):
    """Why a code was refused."""

    FORGED = "forged"  # not made by this server, malformed or altered
    EXPIRED = "expired"
    WRONG_KIND = "wrong_kind"  # a real code, shown where another kind was expected
    OTHER_STORE = "other_store"  # a real code bound to another store than the device's
    ALREADY_USED = "already_used"  # a one-time code (handoff) that was redeemed before


class CodePayload(BaseModel):
    """The signed content. Short keys keep QR codes small."""

    model_config = ConfigDict(extra="forbid")

    k: str = Field(description="kind (CodeKind)")
    s: str = Field(description="subject id")
    x: int = Field(description="expiry, unix seconds (UTC)")
    t: str | None = Field(default=None, description="store id the code is bound to, if any")
    n: str = Field(description="random nonce: two codes for the same subject never look alike")


class PublicKeyResponse(BaseModel):
    algorithm: str = CODE_ALGORITHM
    format: str = CODE_PREFIX
    key_id: str  # first 16 hex digits of SHA-256 over the raw key; changes when the key does
    public_key: str  # the raw 32-byte Ed25519 public key, base64url without padding
