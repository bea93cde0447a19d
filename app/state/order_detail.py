"""One order's screen: the detail from the cache, live while it is open, and its actions.

A state per open screen: the view creates it, binds it to the signed-in account when it
mounts and unbinds it when it goes away. A tracking event that reaches the cache (SSE poke,
pull) re-reads the detail, so an open screen follows the parcel without a reload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import flet as ft

from app.state.cache_follower import ACTION_FAILED, CacheFollower
from app.state.dispatch import UiDispatcher
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

__all__ = ["ACTION_FAILED", "BLOCKED_PICKUP", "BLOCKED_SHIPPED", "CANCEL_PENDING", "OrderDetailState"]

# What the screen confirms after an action (views translate them).
CANCEL_REQUESTED = "cancel_requested"
PROBLEM_REPORTED = "problem_reported"
# Errors the state sets besides the base's `ACTION_FAILED` and `CACHE_UNAVAILABLE`.
DESCRIPTION_TOO_LONG = "description_too_long"
MAX_DESCRIPTION = 4000


@ft.observable
@dataclass(eq=False)
class OrderDetailState(CacheFollower["OrdersService", "OrderDetail | None"]):
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
    notice: str | None = None

    def bind(self, service: OrdersService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        """Follow the account's cache: re-read whenever orders, parcels, returns or threads change."""
        self._follow(service, engine, dispatcher, ORDER_SCREEN_ENTITIES)

    async def cancel(self) -> bool:
        """User action (after confirming): queue `order.cancel`. The screen shows it at once."""
        service = self._service
        detail = self.detail
        if service is None or detail is None or not detail.can_cancel or self.busy:
            return False
        return await self._act_and_say(service, lambda: service.cancel(detail.id), CANCEL_REQUESTED)

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
        return await self._act_and_say(service, lambda: service.report_problem(detail.id, kind, text, shipment_id),
                                       PROBLEM_REPORTED)

    def dismiss_notice(self) -> None:
        self.notice = None
        self.error = None

    async def _act_and_say(self, service: OrdersService, write: Callable[[], object], notice: str) -> bool:
        if not await self._act(service, write):
            return False
        self.notice = notice
        return True

    def _read(self, service: OrdersService) -> OrderDetail | None:
        return service.detail(self.order_id)

    def _show(self, service: OrdersService, snapshot: OrderDetail | None) -> None:
        self.detail = snapshot
        self.loaded = True
