"""What the sync indicator shows: a mirror of the signed-in account's `SyncStatus`."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import flet as ft

from app.state.dispatch import UiDispatcher

if TYPE_CHECKING:
    from services.sync import SyncEngine, SyncStatus

Connectivity = Literal["online", "offline", "connecting"]


@ft.observable
@dataclass(eq=False)
class SyncStatusState:
    """Observable copy of the sync engine's status, updated on the UI loop.

    ``active`` is False while nobody is signed in: there is nothing to sync then and the
    indicator hides itself.
    """

    active: bool = False
    connectivity: Connectivity = "connecting"
    syncing: bool = False
    pending: int = 0
    last_synced_at: dt.datetime | None = None
    last_error: str | None = None

    _engine: SyncEngine | None = field(default=None, repr=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False)

    def bind(self, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        """Follow ``engine``: copy its status now and after every change it reports."""
        self.unbind()
        self._engine = engine
        self.apply(engine.status)
        self.active = True
        self._unsubscribe = engine.on_status(lambda status: dispatcher.call(self._apply_if_bound, engine, status))

    def unbind(self) -> None:
        """Stop following the engine (sign-out, session end) and show nothing."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = None
        self._engine = None
        self.active = False
        self.connectivity = "connecting"
        self.syncing = False
        self.pending = 0
        self.last_synced_at = None
        self.last_error = None

    def apply(self, status: SyncStatus) -> None:
        """Copy a status snapshot (on the UI loop)."""
        self.connectivity = status.connectivity
        self.syncing = status.syncing
        self.pending = status.pending
        self.last_synced_at = status.last_synced_at
        self.last_error = status.last_error

    async def sync_now(self) -> None:
        """User action: ask the engine to push and pull right away."""
        engine = self._engine
        if engine is not None:
            await asyncio.to_thread(engine.request_sync)

    def _apply_if_bound(self, engine: SyncEngine, status: SyncStatus) -> None:
        # A status queued just before sign-out must not resurrect the old account's state.
        if self._engine is engine:
            self.apply(status)
