"""Order screens' state driven like the views drive them: detail, live tracking, cancel, report,
and the list's filters and manual refresh."""

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

import flet as ft
from fastapi import FastAPI

from app.protocol.entities import ShipmentStatus
from app.state import SessionState
from app.state.order_detail import CANCEL_REQUESTED, PROBLEM_REPORTED, OrderDetailState
from server.db import Database
from server.models import Shipment, TrackingEvent
from server.projections.orders import publish_shipment
from server.seed.ids import demo_id
from server.sync.log import commit_seq
from services.client import ClientCore
from tests.app.test_state import eventually, new_session, run
from tests.support.network import Network

MakeCore = Callable[..., ClientCore]


async def signed_in(make_core: MakeCore) -> SessionState:
    session = new_session(make_core())
    assert await session.sign_in("anna@example.com", "demo-anna")
    await eventually(lambda: len(session.orders.orders) == 7)
    return session


def open_order(session: SessionState, number: str) -> OrderDetailState:
    account = session.account
    assert account is not None
    state = OrderDetailState(order_id=demo_id("order", number))
    state.bind(account.orders, account.sync, session.dispatcher)
    return state


def add_tracking_event(db: Database, tracking: str, status: ShipmentStatus, text: dict[str, str]) -> datetime:
    """What a carrier webhook does on the server: a new checkpoint, published with the next seq."""
    at = datetime.now(UTC).replace(microsecond=0)
    with db.write() as session:
        shipment = session.get_one(Shipment, demo_id("shipment", tracking))
        shipment.events.append(TrackingEvent(id=f"evt-{at.timestamp()}", at=at, status=status, location="Berlin",
                                             description=text))
        shipment.status = status
        session.flush()
        publish_shipment(session, shipment)
        commit_seq(session)
    return at


def test_a_new_tracking_event_shows_on_the_open_screen(make_core: MakeCore,
                                                       server: tuple[FastAPI, Database]) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        screen = open_order(session, "NA-100245")
        await screen.refresh()
        assert screen.loaded and screen.detail is not None
        assert screen.detail.delayed and screen.detail.parcels[0].events[0].status == "delayed"

        at = add_tracking_event(server[1], "H1004523879012", ShipmentStatus.OUT_FOR_DELIVERY,
                                {"de": "In Zustellung", "en": "Out for delivery"})
        account = session.account
        assert account is not None
        account.sync.request_sync()  # what an SSE poke does

        def shows_it() -> bool:
            detail = screen.detail
            return detail is not None and detail.parcels[0].events[0].at == at
        await eventually(shows_it)
        assert screen.detail is not None
        assert screen.detail.parcels[0].status == "out_for_delivery" and not screen.detail.delayed
        screen.unbind()
        await session.sign_out()

    run(scenario)


def test_detail_updates_arrive_on_the_loop_thread(make_core: MakeCore) -> None:
    threads: set[int] = set()

    async def scenario() -> None:
        session = await signed_in(make_core)
        screen = open_order(session, "NA-100260")
        unsubscribe = cast(ft.Observable, screen).subscribe(lambda *_: threads.add(threading.get_ident()))
        await screen.refresh()
        account = session.account
        assert account is not None
        account.sync.request_sync()
        await asyncio.sleep(0.3)
        unsubscribe()
        assert screen.detail is not None and len(screen.detail.parcels) == 2
        screen.unbind()
        await session.sign_out()

    run(scenario)
    assert threads == {threading.get_ident()}


def test_cancel_confirms_and_the_status_follows(make_core: MakeCore) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        screen = open_order(session, "NA-100271")
        await screen.refresh()
        assert screen.detail is not None and screen.detail.can_cancel

        assert await screen.cancel()
        assert screen.notice == CANCEL_REQUESTED
        await eventually(lambda: screen.detail is not None and screen.detail.status in ("cancel_pending", "cancelled"))
        await eventually(lambda: screen.detail is not None and screen.detail.status == "cancelled")
        assert not await screen.cancel()  # nothing left to cancel
        screen.unbind()
        await session.sign_out()

    run(scenario)


def test_report_problem_offline_is_queued_and_opens_a_conversation(make_core: MakeCore, network: Network) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        screen = open_order(session, "NA-100231")
        await screen.refresh()
        assert screen.detail is not None and "wrong_item" in screen.detail.problem_kinds

        network.online = False
        assert not await screen.report_problem("exploded", "")  # not a kind we offer
        assert await screen.report_problem("wrong_item", "  Größe L statt M geliefert  ")
        assert screen.notice == PROBLEM_REPORTED
        await eventually(lambda: screen.detail is not None and [r.pending for r in screen.detail.reports] == [True])

        network.online = True
        account = session.account
        assert account is not None
        account.sync.request_sync()
        await eventually(lambda: screen.detail is not None and [r.pending for r in screen.detail.reports] == [False])
        assert screen.detail.reports[0].status == "waiting_for_agent"
        screen.unbind()
        await session.sign_out()

    run(scenario)


def test_an_order_not_on_this_device_is_loaded_as_none(make_core: MakeCore) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        screen = open_order(session, "NA-100233")  # ben's order
        await screen.refresh()
        assert (screen.loaded, screen.detail) == (True, None)
        screen.unbind()
        await session.sign_out()

    run(scenario)


def test_list_filters_and_manual_refresh(make_core: MakeCore, network: Network) -> None:
    async def scenario() -> None:
        session = await signed_in(make_core)
        orders = session.orders
        assert {o.number for o in orders.visible} == {o.number for o in orders.orders}
        orders.set_filter("delivered")
        assert {o.number for o in orders.visible} == {"NA-100231", "NA-100198"}
        assert (orders.count("open"), orders.count("returns")) == (4, 0)
        orders.set_filter("nonsense")
        assert orders.filter == "all"

        await orders.pull_to_refresh()
        assert (orders.refreshing, orders.offline) == (False, False)
        network.online = False
        await orders.pull_to_refresh()
        assert (orders.refreshing, orders.offline, len(orders.orders)) == (False, True, 7)
        await session.sign_out()
        assert orders.filter == "all"

    run(scenario)

