"""Proactive help: the rules as plain functions, and the state over a real account's cache
(the delayed parcel in anna's demo data; dismissals survive a new session on the device)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from app.state.proactive_help import (
    PARCEL_DELAYED,
    PICKUP_WAITING,
    RETURN_FLOW,
    SEARCH,
    Offer,
    ProactiveHelpState,
    backtracks,
    delayed_parcel_offers,
    pickup_offers,
    return_flow_offer,
    search_offer,
    visible,
)
from server.seed.ids import demo_id
from services.client import ClientCore
from services.proactive_help import ProactiveHelpService
from tests.app.test_state import eventually, new_session, run

MakeCore = Callable[..., ClientCore]
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def test_back_and_forth_in_a_return_flow() -> None:
    assert backtracks([0, 1, 2, 1, 2, 3]) == 1
    assert return_flow_offer("o1", [0, 1, 2, 1, 2, 3]) is None  # one step back is normal
    offer = return_flow_offer("o1", [0, 1, 2, 1, 2, 1, 0], number="NA-100231")
    assert offer == Offer("return_flow:o1", RETURN_FLOW, order_id="o1", label="NA-100231",
                          context={"topic": RETURN_FLOW})


def test_several_searches_without_opening_an_article() -> None:
    assert search_offer(["rücksendung", "Rücksendung ", "etikett"]) is None  # the same query twice counts once
    offer = search_offer(["rücksendung", "etikett", "drucker"])
    assert offer is not None
    assert (offer.key, offer.topic, offer.label, dict(offer.context)) == (
        SEARCH, SEARCH, "drucker", {"topic": SEARCH, "query": "drucker"})


def test_a_parcel_flagged_delayed_or_past_its_window() -> None:
    orders = {"o1": {"number": "NA-1"}, "o2": {"number": "NA-2"}}
    shipments = [
        {"id": "s1", "order_id": "o1", "status": "delayed"},
        {"id": "s2", "order_id": "o2", "status": "in_transit", "estimated_to": iso(NOW - timedelta(hours=1))},
        {"id": "s3", "order_id": "o2", "status": "in_transit", "estimated_to": iso(NOW + timedelta(hours=1))},
        {"id": "s4", "order_id": "o2", "status": "delivered", "estimated_to": iso(NOW - timedelta(days=3)),
         "delivered_at": iso(NOW - timedelta(days=2))},
    ]
    offers = delayed_parcel_offers(shipments, orders, NOW)
    assert [(o.key, o.topic, o.label) for o in offers] == [
        ("parcel_delayed:s1", PARCEL_DELAYED, "NA-1"), ("parcel_delayed:s2", PARCEL_DELAYED, "NA-2")]


def test_a_pickup_waiting_longer_than_promised() -> None:
    orders = {"o1": {"placed_at": iso(NOW - timedelta(hours=1))}, "o2": {"placed_at": iso(NOW - timedelta(hours=5))}}
    pickups = [
        {"id": "p1", "order_id": "o1", "order_number": "NA-1", "status": "checked_in",
         "checked_in_at": iso(NOW - timedelta(minutes=11))},
        {"id": "p2", "order_id": "o1", "order_number": "NA-1", "status": "checked_in",
         "checked_in_at": iso(NOW - timedelta(minutes=5))},
        {"id": "p3", "order_id": "o2", "order_number": "NA-2", "status": "preparing"},
        {"id": "p4", "order_id": "o1", "order_number": "NA-1", "status": "preparing"},
        {"id": "p5", "order_id": "o2", "order_number": "NA-2", "status": "handed_over"},
    ]
    assert [o.key for o in pickup_offers(pickups, orders, NOW)] == ["pickup_waiting:p1", "pickup_waiting:p3"]
    assert {o.topic for o in pickup_offers(pickups, orders, NOW)} == {PICKUP_WAITING}


def test_a_dismissed_offer_is_never_shown_again() -> None:
    offers = [Offer("parcel_delayed:s1", PARCEL_DELAYED), Offer(SEARCH, SEARCH)]
    assert visible(offers, {"parcel_delayed:s1"}) == [Offer(SEARCH, SEARCH)]


def test_the_state_offers_help_for_anna_s_delayed_parcel_until_she_dismisses_it(make_core: MakeCore) -> None:
    async def scenario() -> None:
        core = make_core()
        session = new_session(core)
        assert await session.sign_in("anna@example.com", "demo-anna")
        await eventually(lambda: len(session.orders.orders) == 7)
        account = session.account
        assert account is not None
        state = ProactiveHelpState()
        await state.bind(ProactiveHelpService(account.sync))

        delayed = state.offers_for(PARCEL_DELAYED, demo_id("order", "NA-100245"))
        assert [o.label for o in delayed] == ["NA-100245"]

        for query in ("etikett", "drucker", "paketshop"):
            state.note_search(query)
        assert [o.label for o in state.offers_for(SEARCH)] == ["paketshop"]
        state.note_article_opened("return-label-lost")
        assert state.offers_for(SEARCH) == []

        for step in (0, 1, 2, 1, 2, 1):
            state.note_return_step("o-x", step)
        assert [o.key for o in state.offers_for(RETURN_FLOW)] == ["return_flow:o-x"]

        await state.dismiss(delayed[0])
        assert state.offers_for(PARCEL_DELAYED, demo_id("order", "NA-100245")) == []

        # A new session on the same device remembers it.
        later = ProactiveHelpState()
        await later.bind(ProactiveHelpService(account.sync))
        assert later.offers_for(PARCEL_DELAYED, demo_id("order", "NA-100245")) == []
        await session.close()

    run(scenario)
