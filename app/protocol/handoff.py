"""Kiosk sign-in by QR (`POST /auth/qr`) and "continue on another device" (`POST /auth/handoff`).

Handoff: a signed-in shopper mints a one-time token (a signed code of kind "handoff", subject =
a server-side handoff row that holds the route and whether it was used) valid for two minutes.
- Scanned on a kiosk: the kiosk device exchanges it (with its own token) at `POST /auth/qr`
  for a *kiosk session* of that shopper, and opens the route.
- Opened on a signed-out web app (`/continue?token=...`): `POST /auth/handoff/redeem` signs
  that browser in as the shopper (an ordinary session) and opens the route.
Either way the token works once: a second use, or one after expiry, gets a stable error code.

A kiosk can also exchange the shopper's loyalty-card code at `POST /auth/qr`. Loyalty codes are
*not* one-time (it is a card, shown again and again within its 24 h), but what they buy is small:

Kiosk sessions (decided here, enforced by the server): an access token of role `customer` with
the claim `kiosk` = the kiosk's store, non-renewable past `KIOSK_SESSION_TTL_S`. It can pull the
shopper's scopes and listen for pokes, push only `KIOSK_SESSION_MUTATIONS`, and reach only
`KIOSK_SESSION_PATHS`; everything else answers `403 kiosk_session_limited` (no profile or
language change, no account deletion, no GDPR export, no loyalty card, no new handoff, no
uploads, no messages, no returns started or cancelled). The kiosk ends it after 60 s without a
touch; the cap here is the backstop if a kiosk crashes.
"""

from pydantic import BaseModel, Field

from app.protocol.auth import TokenResponse

QR_SIGN_IN_PATH = "/auth/qr"
HANDOFF_PATH = "/auth/handoff"
HANDOFF_REDEEM_PATH = "/auth/handoff/redeem"
# The web app's route that redeems a handoff on a signed-out browser: /continue?token=NTL1...
CONTINUE_ROUTE = "/continue"

HANDOFF_TTL_S = 120
KIOSK_SESSION_TTL_S = 15 * 60

# What a kiosk session may do (paths below the API prefix; mutation names).
KIOSK_SESSION_PATHS = frozenset({"/sync/pull", "/sync/push", "/sync/events", "/auth/logout"})
KIOSK_SESSION_MUTATIONS = frozenset({"pickup.check_in", "return.drop_off", "faq.feedback"})

Route = str


class QrSignInRequest(BaseModel):
    """A scanned code: the bare `NTL1...` token, or a link that carries it as `?token=`."""

    token: str = Field(min_length=1, max_length=1000)


class HandoffCreate(BaseModel):
    route: Route = Field(min_length=1, max_length=200, pattern=r"^/[A-Za-z0-9/_\-.]*$")


class HandoffPublic(BaseModel):
    token: str  # NTL1 code, kind "handoff"
    route: Route
    expires_at: str  # UTC ISO 8601
    continue_path: str  # CONTINUE_ROUTE with the token as a query parameter


class HandoffRedeem(BaseModel):
    token: str = Field(min_length=1, max_length=1000)


class CodeSessionResponse(TokenResponse):
    """Tokens of a session opened by a code, and what to show first.

    Attributes:
        route: the handoff's route; None for a loyalty card (start page).
        kiosk_store: the store a kiosk session is limited to; None for a full session.
        session_expires_at: when the session ends at the latest (UTC ISO 8601).
    """

    route: Route | None = None
    kiosk_store: str | None = None
    session_expires_at: str
