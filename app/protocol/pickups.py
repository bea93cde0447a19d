"""The pickup's signed QR code (`POST /pickups/{pickup_id}/code`) and click & collect constants.

The code the shopper shows at the counter is a signed code (app.protocol.codes) of kind
"pickup", subject = the pickup id, bound to the pickup's store: a staff tablet checks it with
the public key, offline if need be, and a code from another store or for another pickup fails.
Next to it the shopper sees the pickup's short code for typing; both close the same pickup.

Why a route and not a field of the synced `pickup` row: a device cannot sign, and the demo
data (and any pickup made outside a mutation) has no signer at hand; the device asks once
while online and keeps the code in its cache, so it still shows in a store without signal.
"""

from pydantic import BaseModel

PICKUP_CODE_PATH = "/pickups/{pickup_id}/code"
# A code stays valid for as long as the store holds the order, plus a day's grace.
PICKUP_CODE_GRACE_S = 24 * 3600
# Without a hold date (still being prepared) a code lives a week; the device renews it.
PICKUP_CODE_DEFAULT_TTL_S = 7 * 24 * 3600
# How long the store holds a pickup once it is ready.
PICKUP_HOLD_DAYS = 7


class PickupCodePublic(BaseModel):
    pickup_id: str
    token: str  # NTL1.<payload>.<signature>, kind "pickup", subject = pickup_id, store-bound
    short_code: str  # the pickup's short code, for typing at the counter
    issued_at: str  # UTC ISO 8601
    expires_at: str  # UTC ISO 8601, equal to the token's signed expiry


def normalize_short_code(text: str) -> str:
    """What staff type, as stored: upper case without spaces or dashes ("k7m-4q2" -> "K7M4Q2")."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def same_person(a: str | None, b: str | None) -> bool:
    """Names compared as a person reads them on an ID: case and spacing do not matter."""
    if not a or not b:
        return False
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())
