"""Order detail from the cache: items and prices, parcels with their timeline, flags, cancel,
problem reports, filters, and the guest lookup (which needs no account)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.protocol.entities import ShipmentStatus
from server.db import Database
from server.models import Message, Shipment, Thread, TrackingEvent
from server.projections.orders import publish_shipment
from server.seed.ids import demo_id
from server.sync.log import commit_seq
from services.client import AccountSession, ClientCore
from services.errors import ApiError, Offline
from services.orders import (
    BLOCKED_SHIPPED,
    FILTER_DELIVERED,
    FILTER_OPEN,
    FILTER_RETURNS,
    matches_filter,
)
from services.tracking import guest_order
from tests.support.network import Network

DELAYED = "NA-100245"  # anna's Hermes parcel, held up at the parcel centre
TWO_PARCELS = "NA-100260"
PROCESSING = "NA-100271"
DELIVERED = "NA-100231"
GUEST = "NA-100280"


def order_id(number: str) -> str:
    return demo_id("order", number)


def signed_in(network: Network, tmp_path: Path, device: str = "phone") -> tuple[ClientCore, AccountSession]:
    core = ClientCore("http://testserver", tmp_path / "client", device, http=network.client())
    account = core.sign_in("anna@example.com", "demo-anna")
    account.sync.sync_once()
    return core, account


def test_detail_has_items_prices_payment_address_and_a_delayed_parcel(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    detail = account.orders.detail(order_id(DELAYED))
    assert detail is not None

    assert (detail.number, detail.status, detail.currency, detail.payment_method) == (
        DELAYED, "shipped", "EUR", "credit_card")
    assert [(line.name, line.variant, line.quantity, line.total) for line in detail.lines] == [
        ("Ledersneaker Classic", "Weiß, 39", 1, 11995)]
    assert (detail.subtotal, detail.shipping_fee, detail.total) == (11995, 0, 11995)
    assert detail.address is not None and detail.address["city"] == "Berlin"

    (parcel,) = detail.parcels
    assert (parcel.carrier, parcel.tracking_number, parcel.status) == ("Hermes", "H1004523879012", "delayed")
    assert parcel.item_names == ("Ledersneaker Classic",)
    assert [e.status for e in parcel.events] == ["delayed", "in_transit", "label_created"]  # newest first
    assert [e.at for e in parcel.events] == sorted((e.at for e in parcel.events), reverse=True)
    assert parcel.events[0].text("en") == "Delayed at the parcel centre due to high volumes"
    assert parcel.events[0].text("de").startswith("Verzögerung")
    assert parcel.estimated_from is not None and parcel.estimated_to is not None
    assert parcel.estimated_from < parcel.estimated_to
    assert (parcel.delayed, parcel.problem, detail.delayed) == (True, False, True)

    # Shipped: no cancelling any more, and only "not received" can be reported before delivery.
    assert (detail.can_cancel, detail.cancel_blocked) == (False, BLOCKED_SHIPPED)
    assert detail.problem_kinds == ("not_received",)


def test_two_parcels_each_with_their_items(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    detail = account.orders.detail(order_id(TWO_PARCELS))
    assert detail is not None

    assert [(p.tracking_number, p.status, p.item_names) for p in detail.parcels] == [
        ("00340434161234560260", "delivered", ("Sofakissen Bouclé 50×50", "Schlüsselanhänger mit Gravur „A.S.“")),
        ("00340434161234560261", "in_transit", ("Stehlampe Messing",)),
    ]
    assert detail.parcels[0].delivered and not detail.parcels[1].delivered
    assert detail.problem_kinds == ("not_received", "damaged", "wrong_item")


def test_a_parcel_past_its_window_counts_as_delayed(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    later = datetime.now(UTC) + timedelta(days=5)
    detail = account.orders.detail(order_id(TWO_PARCELS), now=later)
    assert detail is not None
    assert [p.delayed for p in detail.parcels] == [False, True]  # the delivered one is never late


def test_cancel_shows_at_once_and_lands(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    detail = account.orders.detail(order_id(PROCESSING))
    assert detail is not None and detail.can_cancel and detail.cancel_blocked is None

    network.online = False
    account.orders.cancel(detail.id)
    pending = account.orders.detail(detail.id)
    assert pending is not None and (pending.status, pending.pending, pending.can_cancel) == (
        "cancel_pending", True, False)
    with pytest.raises(Offline):
        account.sync.sync_once()

    network.online = True
    account.sync.sync_once()
    done = account.orders.detail(detail.id)
    assert done is not None and (done.status, done.pending) == ("cancelled", False)
    assert done.cancelled_at is not None and done.refusals == ()


def test_cancelling_a_shipped_order_is_refused_with_a_reason(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    account.orders.cancel(order_id(DELAYED))  # e.g. queued offline before it shipped
    account.sync.sync_once()
    detail = account.orders.detail(order_id(DELAYED))
    assert detail is not None and detail.status == "shipped"
    assert [(r.name, r.code) for r in detail.refusals] == [("order.cancel", "order_not_cancellable")]


def test_report_a_problem_opens_a_conversation_linked_to_the_order(
    network: Network, tmp_path: Path, server: tuple[FastAPI, Database]
) -> None:
    _, account = signed_in(network, tmp_path)
    network.online = False
    thread_id = account.orders.report_problem(order_id(DELIVERED), "damaged", "Die Naht am Ärmel ist offen.")
    detail = account.orders.detail(order_id(DELIVERED))
    assert detail is not None
    assert [(r.thread_id, r.pending) for r in detail.reports] == [(thread_id, True)]

    network.online = True
    account.sync.sync_once()
    detail = account.orders.detail(order_id(DELIVERED))
    assert detail is not None
    (report,) = detail.reports
    assert (report.thread_id, report.pending, report.status) == (thread_id, False, "waiting_for_agent")
    assert report.subject == f"Problem mit Bestellung {DELIVERED}"
    _, db = server
    with db.read() as session:
        thread = session.get(Thread, thread_id)
        assert thread is not None and thread.order_id == order_id(DELIVERED)
        bodies = list(session.scalars(select(Message.body).where(Message.thread_id == thread_id)))
    assert len(bodies) == 1 and "Die Naht am Ärmel ist offen." in bodies[0]


def test_a_damage_report_before_delivery_is_refused(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    account.orders.report_problem(order_id(DELAYED), "damaged")
    account.sync.sync_once()
    detail = account.orders.detail(order_id(DELAYED))
    assert detail is not None and detail.reports == ()
    assert [(r.name, r.code) for r in detail.refusals] == [("order.report_problem", "not_delivered")]


def test_list_flags_and_filters(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    orders = {o.number: o for o in account.orders.list_orders()}
    assert orders[DELAYED].attention == "delayed"
    assert orders[DELIVERED].attention is None

    open_ = {n for n, o in orders.items() if matches_filter(o, FILTER_OPEN)}
    delivered = {n for n, o in orders.items() if matches_filter(o, FILTER_DELIVERED)}
    assert open_ == {"NA-100245", "NA-100252", "NA-100260", "NA-100271"}
    assert delivered == {"NA-100231", "NA-100198"}
    assert not any(matches_filter(o, FILTER_RETURNS) for o in orders.values())

    # A return queued offline already counts: the shopper sees it under "Returns" at once.
    network.online = False
    item_id = demo_id("order_item", f"{DELIVERED}:0")
    account.sync.mutate("return.create", {"return_id": "0192f0f0-0000-7000-8000-000000000001",
                                          "order_id": order_id(DELIVERED), "kind": "withdrawal",
                                          "items": [{"order_item_id": item_id, "quantity": 1}]}, {"return"})
    orders = {o.number: o for o in account.orders.list_orders()}
    assert {n for n, o in orders.items() if matches_filter(o, FILTER_RETURNS)} == {DELIVERED}


def test_a_new_tracking_event_reaches_the_detail_with_the_next_sync(
    network: Network, tmp_path: Path, server: tuple[FastAPI, Database]
) -> None:
    _, account = signed_in(network, tmp_path)
    _, db = server
    at = datetime.now(UTC).replace(microsecond=0)
    with db.write() as session:
        shipment = session.get_one(Shipment, demo_id("shipment", "H1004523879012"))
        shipment.events.append(TrackingEvent(id="evt-new", at=at, status=ShipmentStatus.OUT_FOR_DELIVERY,
                                             location="Berlin", description={"de": "In Zustellung", "en": "Out"}))
        shipment.status = ShipmentStatus.OUT_FOR_DELIVERY
        session.flush()
        publish_shipment(session, shipment)
        commit_seq(session)

    account.sync.sync_once()
    detail = account.orders.detail(order_id(DELAYED))
    assert detail is not None
    (parcel,) = detail.parcels
    assert (parcel.status, parcel.events[0].status, parcel.events[0].at) == ("out_for_delivery", "out_for_delivery", at)
    assert len(parcel.events) == 4 and not parcel.delayed


def test_guest_lookup_right_email_shows_the_reduced_view(network: Network, tmp_path: Path) -> None:
    core = ClientCore("http://testserver", tmp_path / "client", "kiosk", http=network.client())
    view = core.lookup_order(" na-100280 ", " Clara.Wagner@example.com ")
    order = guest_order(view)
    assert (order.number, order.status, order.total, order.currency) == (GUEST, "shipped", 6890, "EUR")
    assert [name for name, _, _ in order.items] == ["Wollschal Fischgrat", "Duftkerze Zeder"]
    (parcel,) = order.parcels
    assert (parcel.carrier, parcel.item_count, parcel.status) == ("DHL", 2, "out_for_delivery")
    assert [e.status for e in parcel.events] == ["out_for_delivery", "in_transit", "label_created"]
    assert not list(core.device_dir.glob("account-*"))  # nothing was signed in or cached


def test_guest_lookup_wrong_email_and_unknown_number_fail_alike(network: Network, tmp_path: Path) -> None:
    core = ClientCore("http://testserver", tmp_path / "client", "kiosk", http=network.client())
    errors = []
    for number, email in ((GUEST, "anna@example.com"), ("NA-999999", "clara.wagner@example.com")):
        with pytest.raises(ApiError) as err:
            core.lookup_order(number, email)
        errors.append((err.value.status, err.value.code, err.value.message))
    assert errors[0] == errors[1] and errors[0][:2] == (404, "not_found")

    network.online = False
    with pytest.raises(Offline):
        core.lookup_order(GUEST, "clara.wagner@example.com")
