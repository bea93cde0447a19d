"""The orders list: read from the local cache, refreshed when the sync engine changes orders.

The list can be filtered (all, open, delivered, with a return) and refreshed by hand, which
asks the sync engine for a round first ("pull to refresh").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import flet as ft

from app.protocol.sync import Entity
from app.state.dispatch import UiDispatcher, watch_entities
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
class OrdersState:
    """Observable orders list of the signed-in account.

    The cache is the source of what is shown: the list renders offline exactly as online,
    and ``loaded`` tells "no orders yet" apart from "not read yet".
    """

    orders: list[OrderSummary] = field(default_factory=list)
    loading: bool = False
    loaded: bool = False
    error: str | None = None
    filter: str = FILTER_ALL
    refreshing: bool = False
    offline: bool = False  # the last manual refresh found no server

    _service: OrdersService | None = field(default=None, repr=False)
    _engine: SyncEngine | None = field(default=None, repr=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False)
    _running: bool = field(default=False, repr=False)
    _again: bool = field(default=False, repr=False)

    def bind(self, service: OrdersService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        """Show ``service``'s orders and re-read them whenever the engine reports order changes."""
        self.unbind()
        self._service = service
        self._engine = engine

        self._unsubscribe = watch_entities(engine, dispatcher, _WATCHED, self._refresh_for, service)

    def unbind(self) -> None:
        """Forget the account's orders (sign-out): nothing of it may stay on screen."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = None
        self._service = None
        self._engine = None
        self.orders = []
        self.filter = FILTER_ALL
        self.refreshing = False
        self.offline = False
        self.loaded = False
        self.loading = False
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

    async def refresh(self) -> None:
        """Start-up and retry: re-read the list from the cache."""
        if self._service is not None:
            await self._refresh_for(self._service)

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

    async def _refresh_for(self, service: OrdersService) -> None:
        # Bursts of change notifications collapse into one running read plus one follow-up.
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            while True:
                self._again = False
                if self._service is not service:
                    return
                self.loading = True
                try:
                    rows = await asyncio.to_thread(service.list_orders)
                except Exception:
                    logger.exception("reading orders from the cache failed")
                    if self._service is service:
                        self.error = "cache_unavailable"
                else:
                    if self._service is service:
                        self.orders = list(rows)
                        self.error = None
                        self.loaded = True
                finally:
                    self.loading = False
                if not self._again:
                    return
        finally:
            self._running = False
