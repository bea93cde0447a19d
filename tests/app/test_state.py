"""Session, sync status and orders state driven like the views drive them, on one event loop.

Service callbacks arrive on the sync engine's threads; the tests check that what reaches
the observable state arrives on the loop thread, and that sign-out leaves nothing behind.
"""

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import flet as ft
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.state import SessionState, UiDispatcher
from server.db import Database
from server.models import User
from services.client import ClientCore
from tests.support.network import Network

MakeCore = Callable[..., ClientCore]
WAIT_S = 10.0


async def eventually(check: Callable[[], bool], timeout: float = WAIT_S) -> None:
    """State changes arrive from other threads: poll briefly instead of sleeping blindly."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout=60))


def new_session(core: ClientCore) -> SessionState:
    return SessionState(client=core, dispatcher=UiDispatcher.for_running_loop())


def server_locale(server: tuple[FastAPI, Database], email: str) -> str:
    _, db = server
    with db.read() as s:
        return str(s.scalar(select(User.locale).where(User.email == email)))


def test_sign_in_shows_the_accounts_orders_newest_first(make_core: MakeCore) -> None:
    async def scenario() -> None:
        session = new_session(make_core())
        assert await session.sign_in(" anna@example.com ", "demo-anna")
        assert session.user is not None and session.user.email == "anna@example.com"
        assert (session.locale, session.error, session.busy) == ("de", None, False)
        assert session.sync.active

        # The first pull fills the cache; its change notification refreshes the list.
        await eventually(lambda: len(session.orders.orders) == 7)
        placed = [o.placed_at for o in session.orders.orders]
        assert placed == sorted(placed, reverse=True)
        await eventually(lambda: session.sync.connectivity == "online" and session.sync.last_synced_at is not None)
        await session.sign_out()

    run(scenario)


@pytest.mark.parametrize(
    ("email", "password", "online", "code"),
    [
        ("anna@example.com", "wrong", True, "invalid_credentials"),
        ("anna@example.com", "demo-anna", False, "offline"),
        ("  ", "demo-anna", True, "missing_fields"),
        ("anna@example.com", "", True, "missing_fields"),
    ],
)
def test_failed_sign_in_sets_an_error_code(
    make_core: MakeCore, network: Network, email: str, password: str, online: bool, code: str
) -> None:
    async def scenario() -> None:
        network.online = online
        session = new_session(make_core())
        assert not await session.sign_in(email, password)
        assert (session.user, session.error, session.busy, session.sync.active) == (None, code, False, False)
        session.clear_error()
        assert session.error is None

    run(scenario)
    if code == "missing_fields":
        assert network.requests == 0  # nothing was sent for an empty form


def test_sign_out_forgets_the_account_on_this_device(make_core: MakeCore, tmp_path: Path) -> None:
    core = make_core()

    async def scenario() -> None:
        session = new_session(core)
        await session.sign_in("anna@example.com", "demo-anna")
        await eventually(lambda: len(session.orders.orders) == 7)
        await session.sign_out()
        assert (session.user, session.busy, session.sync.active) == (None, False, False)
        assert (list(session.orders.orders), session.orders.loaded) == ([], False)

    run(scenario)
    assert core.restore() is None
    assert list(core.device_dir.glob("account-*.sqlite*")) == []


def test_restore_after_reload_renders_the_cache_while_offline(make_core: MakeCore, network: Network) -> None:
    async def first_visit() -> None:
        session = new_session(make_core())
        await session.sign_in("anna@example.com", "demo-anna")
        await eventually(lambda: len(session.orders.orders) == 7)
        await session.close()  # the tab closes; the device stays signed in

    async def after_reload() -> None:
        network.online = False
        session = new_session(make_core())
        assert session.restoring
        await session.restore()
        assert not session.restoring
        assert session.user is not None and session.user.email == "anna@example.com"
        assert len(session.orders.orders) == 7 and session.orders.loaded
        await eventually(lambda: session.sync.connectivity == "offline")
        await session.close()

    run(first_visit)
    run(after_reload)


def test_restore_without_saved_session_shows_sign_in(make_core: MakeCore) -> None:
    async def scenario() -> None:
        session = new_session(make_core())
        await session.restore()
        assert (session.restoring, session.user, session.sync.active) == (False, None, False)

    run(scenario)


def test_switching_language_is_saved_to_the_profile(make_core: MakeCore, server: tuple[FastAPI, Database]) -> None:
    async def scenario() -> None:
        session = new_session(make_core())
        await session.sign_in("anna@example.com", "demo-anna")
        await session.set_locale("en-GB")
        assert session.locale == "en"
        await eventually(lambda: server_locale(server, "anna@example.com") == "en")
        await eventually(lambda: session.sync.pending == 0)
        await session.sign_out()

    run(scenario)


def test_language_picked_before_sign_in_beats_the_profile(
    make_core: MakeCore, server: tuple[FastAPI, Database]
) -> None:
    async def scenario() -> None:
        session = new_session(make_core())
        await session.set_locale("en")
        await session.sign_in("anna@example.com", "demo-anna")  # her profile says "de"
        assert session.locale == "en"
        await eventually(lambda: server_locale(server, "anna@example.com") == "en")
        await session.sign_out()

        # After sign-out the next person's profile decides again.
        await session.sign_in("anna@example.com", "demo-anna")
        assert session.locale == "en"  # now from her (updated) profile
        await session.sign_out()

    run(scenario)


def test_profile_language_applies_when_nobody_picked_one(make_core: MakeCore) -> None:
    async def scenario() -> None:
        session = SessionState(client=make_core(), dispatcher=UiDispatcher.for_running_loop(), locale="de")
        await session.sign_in("ben@example.com", "demo-ben")
        assert session.locale == "en"
        await session.sign_out()

    run(scenario)


def test_service_callbacks_reach_state_on_the_loop_thread(make_core: MakeCore) -> None:
    threads: set[int] = set()

    async def scenario() -> None:
        session = new_session(make_core())

        def record(_sender: Any, _field: str | None) -> None:
            threads.add(threading.get_ident())

        # `@ft.observable` adds `subscribe` at run time; type checkers can't see it.
        unsubscribe_sync = cast(ft.Observable, session.sync).subscribe(record)
        unsubscribe_orders = cast(ft.Observable, session.orders).subscribe(record)
        await session.sign_in("anna@example.com", "demo-anna")
        await eventually(lambda: len(session.orders.orders) == 7 and session.sync.last_synced_at is not None)
        await session.sign_out()
        unsubscribe_sync()
        unsubscribe_orders()
        assert threads == {threading.get_ident()}

    run(scenario)


def test_dispatcher_runs_callbacks_on_its_loop_in_the_captured_context() -> None:
    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")

    async def scenario() -> None:
        marker.set("session")
        dispatcher = UiDispatcher.for_running_loop()
        seen: list[tuple[int, str]] = []
        done = asyncio.Event()

        def callback(value: int) -> None:
            seen.append((threading.get_ident(), marker.get()))
            if value == 2:
                done.set()

        async def task() -> None:
            seen.append((threading.get_ident(), marker.get()))

        def worker() -> None:
            dispatcher.call(callback, 1)
            dispatcher.spawn(task)
            dispatcher.call(callback, 2)

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        await asyncio.wait_for(done.wait(), timeout=5)
        await asyncio.sleep(0.05)
        loop_thread = threading.get_ident()
        assert seen == [(loop_thread, "session")] * 3

        dispatcher.close()
        dispatcher.call(callback, 3)
        await asyncio.sleep(0.05)
        assert len(seen) == 3  # a closed session's callbacks are dropped

    run(scenario)


def test_dispatcher_survives_a_closed_loop() -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    UiDispatcher(loop).call(print, "never")  # no exception: the session is simply gone
