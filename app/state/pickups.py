"""One pickup on the shopper's screen: live status, the pickup QR code, "I'm here", a delegate.

A state per open screen (like the order detail): the view creates it, binds it to the signed-in
account when it mounts and unbinds it when it goes away. A synced change of the pickup (staff
marked it ready, handed it over) re-reads it, so the screen follows the counter live.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import flet as ft

from app.protocol.entities import PickupStatus
from app.protocol.sync import Entity
from app.state.cache_follower import ACTION_FAILED, CacheFollower
from app.state.dispatch import UiDispatcher
from services.codes import qr_png
from services.errors import ApiError, Offline

if TYPE_CHECKING:
    from services.pickups import PickupCode, PickupService
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)

# The steps a shopper sees, in order.
STEPS: tuple[str, ...] = (PickupStatus.PREPARING, PickupStatus.READY, PickupStatus.CHECKED_IN,
                          PickupStatus.HANDED_OVER)
# What the screen confirms after an action, and errors (views translate them).
CHECKED_IN = "checked_in"
DELEGATE_SAVED = "delegate_saved"
DELEGATE_REMOVED = "delegate_removed"
CODE_OFFLINE = "code_offline"  # no signed code on this device yet and no network: the short code still works


def step_index(status: str) -> int:
    return STEPS.index(status) if status in STEPS else -1


# One read of the cache: the pickup row, its store and the signed code held on this device.
_Pickup = tuple[dict[str, Any] | None, dict[str, Any] | None, "PickupCode | None"]


@ft.observable
@dataclass(eq=False)
class PickupState(CacheFollower["PickupService", "_Pickup"]):
    """Observable pickup of the signed-in shopper.

    Attributes:
        pickup_id: the pickup on screen.
        pickup: the cached row with queued writes on top (`_pending`); None until read or unknown.
        code: the signed QR code held on this device (None: not fetched yet).
        code_png: that code drawn as a QR symbol.
        store: the pickup store (name, address, opening hours) from the public scope.
    """

    pickup_id: str
    pickup: dict[str, Any] | None = None
    store: dict[str, Any] | None = None
    code: PickupCode | None = None
    code_png: bytes | None = None
    code_error: str | None = None
    loaded: bool = False
    notice: str | None = None

    def bind(self, service: PickupService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        self._follow(service, engine, dispatcher, {Entity.PICKUP.value, Entity.STORE.value, "*"})

    @property
    def open(self) -> bool:
        """The shopper can still collect it (ready or checked in)."""
        return self.pickup is not None and self.pickup["status"] in (PickupStatus.READY, PickupStatus.CHECKED_IN)

    def _read(self, service: PickupService) -> _Pickup:
        row = service.get(self.pickup_id)
        store = service.store(row["store_id"]) if row else None
        return row, store, service.code(self.pickup_id)

    def _show(self, service: PickupService, snapshot: _Pickup) -> None:
        row, store, code = snapshot
        self.pickup, self.store, self.loaded = row, store, True
        if code is not None and (self.code is None or code.token != self.code.token):
            self._show_code(code)

    def _show_code(self, code: PickupCode) -> None:
        self.code = code
        self.code_png = qr_png(code.token, box_size=8)

    async def load_code(self) -> None:
        """Fetch a fresh signed code when online and the held one is missing or old; keep it offline."""
        service = self._service
        if service is None or not self.open:
            return
        try:
            code = await asyncio.to_thread(service.refresh_code, self.pickup_id)
        except Offline:
            self.code_error = None if self.code is not None else CODE_OFFLINE
            return
        except ApiError as exc:
            self.code_error = exc.code
            return
        if code is not None and self._service is service:
            self.code_error = None
            if self.code is None or code.token != self.code.token:
                self._show_code(code)

    def code_valid(self, now: datetime | None = None) -> bool:
        return self.code is not None and self.code.valid(now or datetime.now(UTC))

    # -- user actions ----------------------------------------------------------------------
    async def check_in(self) -> bool:
        """"I'm here": queued (works offline); staff see it once it syncs."""
        service = self._service
        if service is None or self.busy or self.pickup is None or self.pickup["status"] != PickupStatus.READY:
            return False
        self.busy = True
        try:
            await asyncio.to_thread(service.check_in, self.pickup_id)
        except Exception:
            logger.exception("queueing the check-in failed")
            self.error = ACTION_FAILED
            return False
        finally:
            self.busy = False
        self.notice = CHECKED_IN
        await self.refresh()
        return True

    async def set_delegate(self, name: str | None) -> bool:
        service = self._service
        if service is None or self.busy:
            return False
        self.busy = True
        try:
            queued = await asyncio.to_thread(service.set_delegate, self.pickup_id, name)
        except Exception:
            logger.exception("queueing the delegate failed")
            self.error = ACTION_FAILED
            return False
        finally:
            self.busy = False
        if queued is not None:
            self.notice = DELEGATE_SAVED if (name or "").strip() else DELEGATE_REMOVED
        await self.refresh()
        return True

    def clear_notice(self) -> None:
        self.notice = None
        self.error = None
