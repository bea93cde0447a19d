"""Collapse bursts of "re-read the cache" requests into one running read plus one follow-up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Coalesced:
    """Runs an async read at most once at a time.

    A call that arrives while a read runs schedules one more read and waits for it, so whoever
    awaits `run` after a write sees state that includes the write (a sync burst of twenty change
    notifications still causes only two reads).
    """

    def __init__(self) -> None:
        self._again = False
        self._done: asyncio.Future[None] | None = None

    async def run(self, read: Callable[[], Awaitable[None]]) -> None:
        loop = asyncio.get_running_loop()
        if self._done is not None and not self._done.done() and self._done.get_loop() is loop:
            self._again = True
            await asyncio.shield(self._done)
            return
        done: asyncio.Future[None] = loop.create_future()
        self._done = done
        try:
            while True:
                self._again = False
                await read()
                if not self._again:
                    return
        finally:
            done.set_result(None)
