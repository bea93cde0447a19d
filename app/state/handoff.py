""""Continue on another device": a fresh one-time code for the current screen, and its countdown.

The code (app.protocol.handoff) is minted by the server when the sheet opens and lives two
minutes; the sheet counts down and offers a new one when it has run out. The QR carries the
whole "continue" link, so a phone's camera app opens it as well as the kiosk's scanner reads it.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import flet as ft

from services.codes import qr_png
from services.errors import ApiError, Offline

if TYPE_CHECKING:
    from services.api_client import ApiClient

logger = logging.getLogger(__name__)

OFFLINE = "offline"
UNKNOWN = "unknown"


def continue_link(origin: str | None, path: str) -> str:
    """The link a second device opens: the web app's origin plus the continue path (path alone if unknown)."""
    if not origin:
        return path
    base = origin.split("#", 1)[0].split("?", 1)[0]
    scheme, sep, rest = base.partition("://")
    # Flet's web client reports the page's URL as its WebSocket's (ws://, wss://); a camera app
    # or another browser needs the web address of the same host.
    scheme = {"ws": "http", "wss": "https"}.get(scheme.lower(), scheme)
    host = rest.split("/", 1)[0] if sep else ""
    return f"{scheme}://{host}{path}" if sep and host else path


@ft.observable
@dataclass(eq=False)
class HandoffState:
    """Observable handoff sheet.

    Attributes:
        route: the screen to continue.
        link: what the QR encodes (the continue link); None until minted.
        png: the QR code image.
        expires_at: when the code stops working.
        remaining_s: whole seconds left (0: expired, offer a new one).
        error: OFFLINE, UNKNOWN or a server ErrorCode value.
    """

    route: str
    origin: str | None = None
    link: str | None = None
    png: bytes | None = None
    expires_at: datetime | None = None
    remaining_s: int = 0
    busy: bool = False
    error: str | None = None

    async def mint(self, api: ApiClient) -> None:
        """Ask the server for a fresh code for `route` (needs the network)."""
        self.busy = True
        self.error = None
        try:
            minted = await asyncio.to_thread(api.handoff, self.route)
        except Offline:
            self.error = OFFLINE
        except ApiError as exc:
            self.error = exc.code or UNKNOWN
        except Exception:
            logger.exception("minting a handoff code failed")
            self.error = UNKNOWN
        else:
            link = continue_link(self.origin, minted.continue_path)
            self.png = await asyncio.to_thread(qr_png, link)
            self.link = link
            self.expires_at = datetime.fromisoformat(minted.expires_at)
            self.tick()
        finally:
            self.busy = False

    def tick(self, now: datetime | None = None) -> None:
        """Recount the seconds left (the sheet calls it every second)."""
        if self.expires_at is None:
            self.remaining_s = 0
            return
        left = max(0, math.ceil((self.expires_at - (now or datetime.now(UTC))).total_seconds()))
        if left != self.remaining_s:
            self.remaining_s = left
