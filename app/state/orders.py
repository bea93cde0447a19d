"""The orders list: read from the local cache, refreshed when the sync engine changes orders.

The list can be filtered (all, open, delivered, with a return) and refreshed by hand, which
asks the sync engine for a round first ("pull to refresh").
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import flet as ft

from app.protocol.sync import Entity
from app.state.cache_follower import CacheFollower
from app.state.dispatch import UiDispatcher
from services.errors import NahtlosError, Offline
from services.orders import (
    FILTER_ALL,
    FILTER_DELIVERED,
    FILTER_OPEN,
    FILTER_RETURNS,
    FILTERS,
    matches_filter,
)

if TYPE_CHECKING:
    from services.orders import OrdersService, OrderSummary
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)

__all__ = ["FILTERS", "FILTER_ALL", "FILTER_DELIVERED", "FILTER_OPEN", "FILTER_RETURNS", "OrdersState"]

# Entities whose changes can alter a row of the list (status, totals, pending overlay, the
# "delayed" flag from a parcel, the return filter); "*" is a wiped cache.
_WATCHED = frozenset({Entity.ORDER.value, Entity.SHIPMENT.value, Entity.RETURN.value, "*"})


@ft.observable
@dataclass(eq=False)
class OrdersState(CacheFollower["OrdersService", "list[OrderSummary]"]):
    """Observable orders list of the signed-in account.

    The cache is the source of what is shown: the list renders offline exactly as online,
    and ``loaded`` tells "no orders yet" apart from "not read yet".
    """

    orders: list[OrderSummary] = field(default_factory=list)
    loaded: bool = False
    filter: str = FILTER_ALL
    refreshing: bool = False
    offline: bool = False  # the last manual refresh found no server

    _engine: SyncEngine | None = field(default=None, repr=False)

    def bind(self, service: OrdersService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        """Show ``service``'s orders and re-read them whenever the engine reports order changes."""
        self._follow(service, engine, dispatcher, _WATCHED)
        self._engine = engine

    def unbind(self) -> None:
        """Forget the account's orders (sign-out): nothing of it may stay on screen."""
        super().unbind()
        self._engine = None
        self.orders = []
        self.filter = FILTER_ALL
        self.refreshing = False
        self.offline = False
        self.loaded = False
        self.error = None

    @property
    def visible(self) -> list[OrderSummary]:
        """The orders the current filter lets through, newest first."""
        return [o for o in self.orders if matches_filter(o, self.filter)]

    def count(self, name: str) -> int:
        return sum(1 for o in self.orders if matches_filter(o, name))

    def set_filter(self, name: str) -> None:
        """User action: show all, open, delivered or returned orders."""
        self.filter = name if name in FILTERS else FILTER_ALL

    async def pull_to_refresh(self) -> None:
        """User action: sync with the server now, then re-read. Offline keeps the cached list."""
        engine, service = self._engine, self._service
        if engine is None or service is None or self.refreshing:
            return
        self.refreshing = True
        try:
            await asyncio.to_thread(engine.sync_once)
            self.offline = False
        except Offline:
            self.offline = True
        except NahtlosError:
            logger.warning("manual sync failed", exc_info=True)
        finally:
            if self._engine is engine:
                self.refreshing = False
        await self._refresh_for(service)

    def _read(self, service: OrdersService) -> list[OrderSummary]:
        return service.list_orders()

    def _show(self, service: OrdersService, snapshot: list[OrderSummary]) -> None:
        self.orders = snapshot
        self.loaded = True
