"""`CacheFollower`, the base of the screen states, with a service of the test's own.

The base only needs something to read from and something that reports changed entity names;
the states built on it are tested against the real stack in the other `test_state_*` files.
"""

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import flet as ft

from app.state.cache_follower import ACTION_FAILED, CACHE_UNAVAILABLE, CacheFollower
from app.state.dispatch import UiDispatcher
from tests.app.test_state import eventually, run


class Shelf:
    """A cache to follow: a list of words, read and written from worker threads."""

    def __init__(self, *words: str) -> None:
        self.words = list(words)
        self.reads = 0
        self.broken = False
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()

    def read(self) -> list[str]:
        self.entered.set()
        self.gate.wait(5)
        self.reads += 1
        if self.broken:
            raise OSError("disk I/O error")
        return list(self.words)

    def add(self, word: str) -> None:
        if not word:
            raise ValueError("empty")
        self.words.append(word)


class Changes:
    """Reports changed entity names from another thread, as the sync engine does."""

    def __init__(self) -> None:
        self.listeners: list[Callable[[set[str]], None]] = []

    def on_changes(self, callback: Callable[[set[str]], None]) -> Callable[[], None]:
        self.listeners.append(callback)
        return lambda: self.listeners.remove(callback)

    def report(self, *entities: str) -> None:
        thread = threading.Thread(target=lambda: [fn(set(entities)) for fn in list(self.listeners)])
        thread.start()
        thread.join()


@ft.observable
@dataclass(eq=False)
class WordsState(CacheFollower[Shelf, list[str]]):
    words: list[str] = field(default_factory=list)

    def bind(self, shelf: Shelf, changes: Changes, dispatcher: UiDispatcher) -> None:
        self._follow(shelf, changes, dispatcher, {"word", "*"})

    def _read(self, service: Shelf) -> list[str]:
        return service.read()

    def _show(self, service: Shelf, snapshot: list[str]) -> None:
        self.words = snapshot

    async def add(self, word: str) -> bool:
        shelf = self._service
        return shelf is not None and await self._act(shelf, lambda: shelf.add(word))


def test_it_rereads_after_changes_it_follows_until_unbound() -> None:
    async def scenario() -> None:
        shelf, changes, state = Shelf("a"), Changes(), WordsState()
        state.bind(shelf, changes, UiDispatcher.for_running_loop())
        await state.refresh()
        assert state.words == ["a"]

        shelf.words.append("b")
        changes.report("order")
        await asyncio.sleep(0.1)
        assert state.words == ["a"]  # not an entity it shows
        changes.report("word")
        await eventually(lambda: state.words == ["a", "b"])

        state.unbind()
        assert changes.listeners == []
        await state.refresh()
        assert shelf.reads == 2

    run(scenario)


def test_a_read_that_ends_after_unbind_shows_nothing() -> None:
    async def scenario() -> None:
        shelf, state = Shelf("a"), WordsState()
        state.bind(shelf, Changes(), UiDispatcher.for_running_loop())
        shelf.gate.clear()
        reading = asyncio.create_task(state.refresh())
        await eventually(shelf.entered.is_set)
        state.unbind()  # signed out while the cache was being read
        shelf.gate.set()
        await reading
        assert state.words == []

    run(scenario)


def test_a_failed_read_is_reported_and_cleared_by_the_next_good_one() -> None:
    async def scenario() -> None:
        shelf, state = Shelf("a"), WordsState()
        state.bind(shelf, Changes(), UiDispatcher.for_running_loop())
        shelf.broken = True
        await state.refresh()
        assert (state.words, state.error) == ([], CACHE_UNAVAILABLE)
        shelf.broken = False
        await state.refresh()
        assert (state.words, state.error) == (["a"], None)

    run(scenario)


def test_an_action_is_queued_then_shown_and_a_failed_one_says_so() -> None:
    async def scenario() -> None:
        shelf, state = Shelf(), WordsState()
        state.bind(shelf, Changes(), UiDispatcher.for_running_loop())
        assert await state.add("a")
        assert (state.words, state.busy, state.error) == (["a"], False, None)

        assert not await state.add("")
        assert (state.words, state.busy, state.error) == (["a"], False, ACTION_FAILED)
        await state.refresh()
        assert state.error == ACTION_FAILED  # a good read clears only its own error

    run(scenario)
