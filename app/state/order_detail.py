"""One order's screen: the detail from the cache, live while it is open, and its actions.

A state per open screen: the view creates it, binds it to the signed-in account when it
mounts and unbinds it when it goes away. A tracking event that reaches the cache (SSE poke,
pull) re-reads the detail, so an open screen follows the parcel without a reload.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import flet as ft

from app.state.coalesce import Coalesced
from app.state.dispatch import UiDispatcher, watch_entities
from services.orders import (
    BLOCKED_PICKUP,
    BLOCKED_SHIPPED,
    CANCEL_PENDING,
    ORDER_SCREEN_ENTITIES,
)

if TYPE_CHECKING:
    from services.orders import OrderDetail, OrdersService
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)

__all__ = ["BLOCKED_PICKUP", "BLOCKED_SHIPPED", "CANCEL_PENDING", "OrderDetailState"]

# What the screen confirms after an action (views translate them).
CANCEL_REQUESTED = "cancel_requested"
PROBLEM_REPORTED = "problem_reported"
# Errors the state sets.
CACHE_UNAVAILABLE = "cache_unavailable"
ACTION_FAILED = "action_failed"
DESCRIPTION_TOO_LONG = "description_too_long"
MAX_DESCRIPTION = 4000


@ft.observable
@dataclass(eq=False)
class OrderDetailState:
    """Observable detail of one order.

    Attributes:
        order_id: the order on screen.
        detail: what the cache holds (with pending writes laid on top); None until read or
            when the order is not on this device.
        loaded: the cache has been read once (tells "not found" from "not read yet").
        busy: an action is being queued.
        notice: what the last action did (`CANCEL_REQUESTED`, `PROBLEM_REPORTED`).
        error: code of the last failure.
    """

    order_id: str
    detail: OrderDetail | None = None
    loaded: bool = False
    busy: bool = False
    notice: str | None = None
    error: str | None = None

    _service: OrdersService | None = field(default=None, repr=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False)
    _reads: Coalesced = field(default_factory=Coalesced, repr=False)

    def bind(self, service: OrdersService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        """Follow the account's cache: re-read whenever orders, parcels, returns or threads change."""
        self.unbind()
        self._service = service

        self._unsubscribe = watch_entities(engine, dispatcher, ORDER_SCREEN_ENTITIES, self._refresh_for, service)

    def unbind(self) -> None:
        """The screen closed (or the account signed out): stop following the cache."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = None
        self._service = None

    async def refresh(self) -> None:
        """Read the detail from the cache (on mount, and as a retry)."""
        if self._service is not None:
            await self._refresh_for(self._service)

    async def cancel(self) -> bool:
        """User action (after confirming): queue `order.cancel`. The screen shows it at once."""
        service = self._service
        detail = self.detail
        if service is None or detail is None or not detail.can_cancel or self.busy:
            return False
        return await self._act(service, lambda: service.cancel(detail.id), CANCEL_REQUESTED)

    async def report_problem(self, kind: str, description: str, shipment_id: str | None = None) -> bool:
        """User action: queue `order.report_problem`; it opens a conversation about the order."""
        service = self._service
        detail = self.detail
        if service is None or detail is None or self.busy or kind not in detail.problem_kinds:
            return False
        text = description.strip()
        if len(text) > MAX_DESCRIPTION:
            self.error = DESCRIPTION_TOO_LONG
            return False
        return await self._act(service, lambda: service.report_problem(detail.id, kind, text, shipment_id),
                               PROBLEM_REPORTED)

    def dismiss_notice(self) -> None:
        self.notice = None
        self.error = None

    async def _act(self, service: OrdersService, write: Callable[[], object], notice: str) -> bool:
        self.busy = True
        self.error = None
        try:
            await asyncio.to_thread(write)
        except Exception:
            logger.exception("queueing an order action failed")
            self.error = ACTION_FAILED
            return False
        finally:
            self.busy = False
        self.notice = notice
        await self._refresh_for(service)
        return True

    async def _refresh_for(self, service: OrdersService) -> None:
        async def read() -> None:
            if self._service is not service:
                return
            try:
                detail = await asyncio.to_thread(service.detail, self.order_id)
            except Exception:
                logger.exception("reading the order from the cache failed")
                if self._service is service:
                    self.error = CACHE_UNAVAILABLE
                return
            if self._service is service:
                self.detail = detail
                self.loaded = True
                if self.error == CACHE_UNAVAILABLE:
                    self.error = None

        await self._reads.run(read)
