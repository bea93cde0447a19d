"""The shopper's notifications, live: the list, and the one that just arrived (for a banner).

What the device already held when the list was first read is not "new": only a notification
that syncs in while the app is open raises the banner (e.g. "your order is ready for pickup").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import flet as ft

from app.protocol.sync import Entity
from app.state.coalesce import Coalesced
from app.state.dispatch import UiDispatcher
from services.returns_eligibility import parse_instant

if TYPE_CHECKING:
    from services.notifications import NotificationsService
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)
FRESH_FOR = timedelta(minutes=15)


@ft.observable
@dataclass(eq=False)
class NotificationsState:
    """Attributes:
        items: newest first.
        fresh: the newest notification that arrived while the app was open and is not yet dismissed.
        unseen: how many arrived while the app was open (the bell's badge).
    """

    items: list[dict[str, Any]] = field(default_factory=list)
    fresh: dict[str, Any] | None = None
    unseen: int = 0
    loaded: bool = False

    _service: NotificationsService | None = field(default=None, repr=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False)
    _known: set[str] | None = field(default=None, repr=False)
    _reads: Coalesced = field(default_factory=Coalesced, repr=False)

    def bind(self, service: NotificationsService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        self.unbind()
        self._service = service

        def on_changes(entities: set[str]) -> None:
            if entities & {Entity.NOTIFICATION.value, "*"}:
                dispatcher.spawn(self.refresh)

        self._unsubscribe = engine.on_changes(on_changes)

    def unbind(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = None
        self._service = None
        self._known = None

    async def refresh(self) -> None:
        service = self._service
        if service is not None:
            await self._reads.run(lambda: self._read(service))

    async def _read(self, service: NotificationsService) -> None:
        try:
            items = await asyncio.to_thread(service.list)
        except Exception:
            logger.exception("reading notifications failed")
            return
        if self._service is not service:
            return
        ids = {n["id"] for n in items}
        if self._known is not None:
            # Only news is announced: a notification this device first sees now, written recently
            # (the first pull after signing in brings old ones, which are not news).
            # A time in the future (seeded demo data, a skewed clock) is not news either.
            now = datetime.now(UTC)
            recent, soon = now - FRESH_FOR, now + timedelta(minutes=1)
            arrived = [n for n in items if n["id"] not in self._known
                       and recent < (parse_instant(n.get("at")) or recent) <= soon]
            if arrived:
                self.fresh = arrived[0]
                self.unseen += len(arrived)
        self._known = ids if self._known is None else self._known | ids
        self.items, self.loaded = items, True

    def dismiss_fresh(self) -> None:
        self.fresh = None

    def mark_seen(self) -> None:
        """The list was opened."""
        self.unseen = 0
        self.fresh = None
