"""Track an order without an account: order number + email -> the reduced view.

The server answers a wrong email and an unknown number identically, and so does this state
(`NOT_FOUND`): the screen must not tell a guesser which of the two was wrong.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import flet as ft

from app.protocol.errors import ErrorCode
from services.errors import ApiError, Offline
from services.tracking import GuestOrder, guest_order

if TYPE_CHECKING:
    from services.client import ClientCore

logger = logging.getLogger(__name__)

MISSING_FIELDS = "missing_fields"
INVALID_EMAIL = "invalid_email"
NOT_FOUND = ErrorCode.NOT_FOUND.value
RATE_LIMITED = ErrorCode.RATE_LIMITED.value
OFFLINE = "offline"
UNKNOWN = "unknown"


@ft.observable
@dataclass(eq=False)
class GuestLookupState:
    """Observable result of the guest lookup.

    Attributes:
        order: the order found, or None.
        busy: a lookup is running.
        error: why the last lookup found nothing (`NOT_FOUND` for every "no", whatever the reason).
    """

    client: ClientCore = field(repr=False)
    order: GuestOrder | None = None
    busy: bool = False
    error: str | None = None

    async def lookup(self, number: str, email: str) -> bool:
        """User action: look the order up. Returns True if found."""
        if self.busy:
            return False
        number, email = number.strip(), email.strip()
        if not number or not email:
            self.error = MISSING_FIELDS
            return False
        if "@" not in email or len(email) < 3:
            self.error = INVALID_EMAIL
            return False
        self.busy = True
        self.error = None
        try:
            view = await asyncio.to_thread(self.client.lookup_order, number, email)
        except Offline:
            self.error = OFFLINE
        except ValueError:
            # A number or address no order can have (too long): the same "no" as any other.
            self.error = NOT_FOUND
        except ApiError as exc:
            # 404 and a rejected (422) number or email are the same "no" for the shopper.
            self.error = RATE_LIMITED if exc.code == RATE_LIMITED else NOT_FOUND
            if exc.status >= 500:
                self.error = UNKNOWN
        except Exception:
            logger.exception("guest lookup failed unexpectedly")
            self.error = UNKNOWN
        else:
            self.order = guest_order(view)
            return True
        finally:
            self.busy = False
        self.order = None
        return False

    def clear(self) -> None:
        """User action: look up another order."""
        self.order = None
        self.error = None

    def clear_error(self) -> None:
        self.error = None
