"""The orders list: read from the local cache, refreshed when the sync engine changes orders."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import flet as ft

from app.protocol.sync import Entity
from app.state.dispatch import UiDispatcher

if TYPE_CHECKING:
    from services.orders import OrdersService, OrderSummary
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)

# Entities whose changes can alter a row of the list (status, totals, pending overlay).
_WATCHED = frozenset({Entity.ORDER.value})


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

    _service: OrdersService | None = field(default=None, repr=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False)
    _running: bool = field(default=False, repr=False)
    _again: bool = field(default=False, repr=False)

    def bind(self, service: OrdersService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        """Show ``service``'s orders and re-read them whenever the engine reports order changes."""
        self.unbind()
        self._service = service

        def on_changes(entities: set[str]) -> None:
            if _WATCHED & set(entities):
                dispatcher.spawn(self._refresh_for, service)

        self._unsubscribe = engine.on_changes(on_changes)

    def unbind(self) -> None:
        """Forget the account's orders (sign-out): nothing of it may stay on screen."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = None
        self._service = None
        self.orders = []
        self.loaded = False
        self.loading = False
        self.error = None

    async def refresh(self) -> None:
        """User action (pull to refresh) and start-up: re-read the list from the cache."""
        if self._service is not None:
            await self._refresh_for(self._service)

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
