"""Account screen state: profile edits, export, deletion (now and queued), the device panel."""

import json
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select

from app.state import SessionState
from app.state.account import (
    CACHE_CLEARED,
    CACHE_CLEARED_OFFLINE,
    DELETION_QUEUED,
    EXPORT_READY,
    NAME_REQUIRED,
    OFFLINE,
    PROFILE_SAVED,
    AccountState,
)
from server.db import Database
from server.models import User
from services.client import ClientCore
from tests.app.test_state import eventually, new_session, run
from tests.support.network import Network

MakeCore = Callable[..., ClientCore]


def user_row(server: tuple[FastAPI, Database], user_id: int) -> User:
    with server[1].read() as session:
        return session.get_one(User, user_id)


async def account_screen(make_core: MakeCore) -> tuple[SessionState, AccountState]:
    session = new_session(make_core())
    assert await session.sign_in("anna@example.com", "demo-anna")
    assert session.account is not None
    state = AccountState()
    state.bind(session.account, session.dispatcher, on_deleted=session.sign_out)
    await eventually(lambda: len(session.orders.orders) == 7)
    await state.refresh()
    return session, state


def test_profile_edit_shows_at_once_and_reaches_the_server(make_core: MakeCore,
                                                          server: tuple[FastAPI, Database]) -> None:
    async def scenario() -> None:
        session, state = await account_screen(make_core)
        assert state.profile is not None and state.profile["name"] == "Anna Schmidt"
        assert state.device is not None and state.device.rows["order"] == 7

        assert not await state.save_profile("   ", True, True)
        assert state.error == NAME_REQUIRED
        assert await state.save_profile("  Anna   Maria Schmidt ", True, False)
        assert state.notice == PROFILE_SAVED
        assert state.profile is not None and state.profile["name"] == "Anna Maria Schmidt"
        assert session.user is not None
        await eventually(lambda: user_row(server, session.user.id).name == "Anna Maria Schmidt")  # type: ignore[union-attr]
        saved = user_row(server, session.user.id)
        assert (saved.marketing_email, saved.push_notifications) == (True, False)
        await eventually(lambda: state.device is not None and state.device.pending == ())
        state.unbind()
        await session.sign_out()

    run(scenario)


def test_export_offers_the_file_and_says_offline_when_it_cannot(make_core: MakeCore, network: Network) -> None:
    async def scenario() -> None:
        session, state = await account_screen(make_core)
        exported = await state.export()
        assert exported is not None and state.export_file is exported and state.notice == EXPORT_READY
        assert json.loads(exported.content)["profile"]["email"] == "anna@example.com"
        state.export_saved()
        assert state.export_file is None

        network.online = False
        assert await state.export() is None
        assert (state.error, state.busy) == (OFFLINE, None)
        state.unbind()
        await session.sign_out()

    run(scenario)


def test_clear_cache_keeps_unsent_changes(make_core: MakeCore, network: Network) -> None:
    async def scenario() -> None:
        session, state = await account_screen(make_core)
        network.online = False
        assert await state.save_profile("Anna Offline", False, True)
        await state.clear_cache()
        assert state.notice == CACHE_CLEARED_OFFLINE
        await eventually(lambda: state.device is not None and state.device.rows == {})
        assert state.device is not None and [p.name for p in state.device.pending] == ["profile.update"]
        await eventually(lambda: session.orders.orders == [])  # the list follows the wipe

        network.online = True
        await state.clear_cache()
        assert state.notice == CACHE_CLEARED
        await eventually(lambda: state.device is not None and state.device.pending == ()
                         and state.device.rows.get("order") == 7)
        await eventually(lambda: len(session.orders.orders) == 7)
        state.unbind()
        await session.sign_out()

    run(scenario)


def test_delete_account_signs_out_and_removes_the_cache(make_core: MakeCore, tmp_path: Path,
                                                        server: tuple[FastAPI, Database]) -> None:
    core = make_core()

    async def scenario() -> None:
        session = new_session(core)
        await session.sign_in("anna@example.com", "demo-anna")
        assert session.account is not None and session.user is not None
        user_id = session.user.id
        state = AccountState()
        state.bind(session.account, session.dispatcher, on_deleted=session.sign_out)
        assert await state.delete_account()
        assert (session.user, session.account, session.sync.active) == (None, None, False)
        assert user_row(server, user_id).deleted_at is not None

    run(scenario)
    assert list(core.device_dir.glob("account-*.sqlite*")) == [] and core.restore() is None


def test_delete_offline_is_queued_then_finishes_on_reconnect(make_core: MakeCore, network: Network) -> None:
    core = make_core()

    async def scenario() -> None:
        session = new_session(core)
        await session.sign_in("anna@example.com", "demo-anna")
        assert session.account is not None
        state = AccountState()
        state.bind(session.account, session.dispatcher, on_deleted=session.sign_out)
        network.online = False
        assert not await state.delete_account()
        assert (state.deletion, state.notice) == ("queued", DELETION_QUEUED)
        assert session.user is not None  # still signed in: nothing happened on the server yet

        network.online = True
        session.account.sync.request_sync()
        await eventually(lambda: session.user is None)
        assert session.account is None

    run(scenario)
    assert core.restore() is None


def test_profile_name_survives_a_reload(make_core: MakeCore) -> None:
    async def first_visit() -> None:
        session, state = await account_screen(make_core)
        assert await state.save_profile("Anna Neu", False, True)
        await eventually(lambda: state.device is not None and state.device.pending == ())
        state.unbind()
        await session.close()

    async def after_reload() -> None:
        session = new_session(make_core())
        await session.restore()
        assert session.account is not None
        state = AccountState()
        state.bind(session.account, session.dispatcher, on_deleted=session.sign_out)
        await state.refresh()
        assert state.profile is not None and state.profile["name"] == "Anna Neu"
        state.unbind()
        await session.close()

    run(first_visit)
    run(after_reload)


def test_no_user_row_named_after_anna_remains_after_deletion(make_core: MakeCore,
                                                            server: tuple[FastAPI, Database]) -> None:
    async def scenario() -> None:
        _, state = await account_screen(make_core)
        assert await state.delete_account()

    run(scenario)
    with server[1].read() as s:
        assert s.scalar(select(User).where(User.email == "anna@example.com")) is None
