"""The shape shared by the states that show one service's part of the local cache.

Such a state is bound to the signed-in account's service, re-reads the cache whenever a sync
changes an entity it shows, and queues the user's writes in the outbox, then re-reads so the
write shows at once. Reads and writes run in worker threads: SQLite must never block the loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from app.state.coalesce import Coalesced
from app.state.dispatch import ChangeSource, UiDispatcher, watch_entities

logger = logging.getLogger(__name__)

S = TypeVar("S")
T = TypeVar("T")

# Errors the base sets (views translate them).
CACHE_UNAVAILABLE = "cache_unavailable"
ACTION_FAILED = "action_failed"


@dataclass(eq=False)
class CacheFollower(Generic[S, T]):
    """Base of an observable state that follows service `S`'s cache through snapshots `T`.

    A subclass writes `bind` (its own arguments, then `_follow`), `_read` and `_show`. Its
    fields come first in its constructor: the ones here are keyword-only.

    Attributes:
        error: code of the last failure (`CACHE_UNAVAILABLE`, `ACTION_FAILED`, or the
            subclass's own codes).
        busy: a write is being queued.
    """

    error: str | None = field(default=None, kw_only=True)
    busy: bool = field(default=False, kw_only=True)

    _service: S | None = field(default=None, repr=False, kw_only=True)
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False, kw_only=True)
    _reads: Coalesced = field(default_factory=Coalesced, repr=False, kw_only=True)

    def _follow(self, service: S, engine: ChangeSource, dispatcher: UiDispatcher, entities: Collection[str]) -> None:
        """Show `service` and re-read it after every sync that changed one of `entities`."""
        self.unbind()
        self._service = service
        self._unsubscribe = watch_entities(engine, dispatcher, entities, self._refresh_for, service)

    def unbind(self) -> None:
        """Stop following the cache (the screen closed or the account signed out)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = None
        self._service = None

    async def refresh(self) -> None:
        """Read the cache again (on mount, and as a retry)."""
        if self._service is not None:
            await self._refresh_for(self._service)

    def _read(self, service: S) -> T:
        """Read what the state shows from the cache; runs in a worker thread."""
        raise NotImplementedError

    def _show(self, service: S, snapshot: T) -> None:
        """Put a snapshot on screen; runs on the loop, only while `service` is still bound."""
        raise NotImplementedError

    async def _refresh_for(self, service: S) -> None:
        # `service` is checked again after every await: a read that finishes after a sign-out or
        # a switch of account must not put the previous account's data back on screen.
        async def read() -> None:
            if self._service is not service:
                return
            try:
                snapshot = await asyncio.to_thread(self._read, service)
            except Exception:
                logger.exception("%s: reading the cache failed", type(self).__name__)
                if self._service is service:
                    self.error = CACHE_UNAVAILABLE
                return
            if self._service is service:
                self._show(service, snapshot)
                if self.error == CACHE_UNAVAILABLE:
                    self.error = None

        await self._reads.run(read)

    async def _act(self, service: S, write: Callable[[], object]) -> bool:
        """Queue `write` in the outbox, then re-read so it shows; False (and `ACTION_FAILED`) if
        it could not be queued."""
        self.busy = True
        self.error = None
        try:
            await asyncio.to_thread(write)
        except Exception:
            logger.exception("%s: queueing an action failed", type(self).__name__)
            self.error = ACTION_FAILED
            return False
        finally:
            self.busy = False
        await self._refresh_for(service)
        return True
