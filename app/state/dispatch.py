"""Hop from service threads back onto a Flet session's event loop.

The sync engine calls its listeners on its own threads. Observable state must only be
mutated on the session's event loop: a change schedules component updates through the
session found in the `ft.context` context variable, which only exists there. A
`UiDispatcher` captures the loop and that context once, while a session handler runs,
and replays callbacks inside it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Collection, Coroutine
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class UiDispatcher:
    """Runs callables on one event loop, from any thread, inside a captured context.

    Args:
        loop: the session's event loop.
        context: context variables to run callbacks in (Flet's current page lives here).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, context: contextvars.Context | None = None) -> None:
        self._loop = loop
        self._context = context or contextvars.copy_context()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @classmethod
    def for_running_loop(cls) -> UiDispatcher:
        """Capture the running loop and the caller's context (call it inside a session)."""
        return cls(asyncio.get_running_loop(), contextvars.copy_context())

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Schedule ``fn(*args)`` on the loop; safe from any thread, never blocks."""
        if self._closed:
            return
        try:
            self._loop.call_soon_threadsafe(self._guarded, fn, args, context=self._context.copy())
        except RuntimeError:
            # The loop is closed: the session is gone and nobody is looking any more.
            logger.debug("dropping UI callback %r: loop closed", fn)

    def spawn(self, coro_fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        """Start ``coro_fn(*args)`` as a task on the loop; safe from any thread."""
        self.call(self._start_task, coro_fn, args)

    def close(self) -> None:
        """Drop later callbacks and cancel running tasks (the session ended)."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()

    def _start_task(self, coro_fn: Callable[..., Coroutine[Any, Any, Any]], args: tuple[Any, ...]) -> None:
        task = self._loop.create_task(coro_fn(*args))
        # Keep a strong reference: the loop only holds tasks weakly.
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("UI task failed", exc_info=task.exception())

    def _guarded(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if self._closed:
            return
        try:
            fn(*args)
        except Exception:
            logger.exception("UI callback %r failed", fn)


class ChangeSource(Protocol):
    """What reports changed entity names after a sync (the sync engine)."""

    def on_changes(self, callback: Callable[[set[str]], None]) -> Callable[[], None]: ...


def watch_entities(source: ChangeSource, dispatcher: UiDispatcher, entities: Collection[str],
                   coro_fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> Callable[[], None]:
    """Run ``coro_fn(*args)`` on the UI loop after every sync that changed one of ``entities``
    ("*" stands for a full reset). Returns the function that stops watching."""
    watched = frozenset(entities)

    def on_changes(changed: set[str]) -> None:
        if watched & set(changed):
            dispatcher.spawn(coro_fn, *args)

    return source.on_changes(on_changes)
