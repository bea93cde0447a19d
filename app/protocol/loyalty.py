"""The loyalty card's QR token (`POST /loyalty/card`).

The card a cashier or kiosk scans carries a signed, expiring code (app.protocol.codes, kind
"loyalty", subject = the loyalty account id), never the bare card number. Only the server can
sign, so a device asks for a fresh one whenever it is online and keeps the last one in its
cache: the card then still works offline until `expires_at`.

Why a route and not a field of the synced `loyalty_account` row: a token minted when the row
is published would only be renewed when the account changes, and renewing it on a timer would
write to every shopper's sync log (and poke every device) just to move an expiry.
"""

from pydantic import BaseModel

LOYALTY_CARD_PATH = "/loyalty/card"
# Long enough for a weekend without signal, short enough that a screenshot soon stops working.
LOYALTY_CARD_TTL_S = 24 * 3600
# A device asks for a new token once the one it holds is older than this (while online).
LOYALTY_CARD_REFRESH_AFTER_S = 15 * 60


class LoyaltyCardPublic(BaseModel):
    account_id: str
    card_number: str
    token: str  # NTL1.<payload>.<signature>, kind "loyalty", subject = account_id
    issued_at: str  # UTC ISO 8601
    expires_at: str  # UTC ISO 8601, equal to the token's signed expiry
