"""POST /orders/lookup: the guest's reduced view, and one identical answer for every failure."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.protocol.orders import GUEST_EVENTS_PER_SHIPMENT, GuestOrderView
from server.db import Database
from server.errors import message_for
from server.ratelimit import LOOKUP_RULES
from tests.server.dbstate import execute
from tests.server.device import Device
from tests.server.shopper import DELIVERED_5_DAYS, GUEST_ORDER, TWO_PARCELS

LOOKUP = "/api/v1/orders/lookup"


def lookup(client: TestClient, number: str, email: str, **headers: str) -> Any:
    return client.post(LOOKUP, json={"number": number, "email": email}, headers=headers)


def test_a_guest_follows_an_order_by_number_and_email(client: TestClient) -> None:
    response = lookup(client, GUEST_ORDER, "clara.wagner@example.com")

    assert response.status_code == 200, response.text
    view = response.json()
    GuestOrderView.model_validate(view)
    assert (view["number"], view["status"], view["currency"], view["total"]) == (GUEST_ORDER, "shipped", "EUR", 6890)
    assert [(i["name"], i["quantity"]) for i in view["items"]] == [("Wollschal Fischgrat", 1), ("Duftkerze Zeder", 1)]
    (parcel,) = view["shipments"]
    assert (parcel["carrier"], parcel["tracking_number"], parcel["status"]) == (
        "DHL", "00340434161234580280", "out_for_delivery")
    assert [e["status"] for e in parcel["events"]] == ["out_for_delivery", "in_transit", "label_created"]


def test_the_view_leaves_out_address_payment_prices_and_names(client: TestClient) -> None:
    view = lookup(client, DELIVERED_5_DAYS, "anna@example.com").json()

    assert set(view) == {"number", "status", "placed_at", "delivered_at", "cancelled_at", "fulfilment", "store_id",
                         "currency", "total", "items", "shipments"}
    assert set(view["items"][0]) == {"name", "variant", "quantity", "image"}
    text = str(view)
    for private in ("Kastanienallee", "Anna", "anna@example.com", "paypal", "5995", "unit_price", "customer"):
        assert private not in text, private


def test_number_and_email_are_matched_loosely(client: TestClient) -> None:
    assert lookup(client, " na-100280 ", "  Clara.Wagner@Example.COM ").status_code == 200


def test_wrong_email_and_unknown_order_get_byte_identical_answers(client: TestClient) -> None:
    answers = [
        lookup(client, GUEST_ORDER, "anna@example.com"),  # a real order, someone else's address
        lookup(client, "NA-999999", "clara.wagner@example.com"),  # a real address, no such order
        lookup(client, "NA-999999", "nobody@example.com"),
    ]

    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    assert len({tuple(sorted(a.headers.items())) for a in answers}) == 1
    assert answers[0].json() == {"code": "not_found", "message": message_for("not_found", "en"), "detail": None}
    german = [lookup(client, GUEST_ORDER, "x@example.com", **{"Accept-Language": "de"}),
              lookup(client, "NA-000000", "x@example.com", **{"Accept-Language": "de"})]
    assert german[0].content == german[1].content
    assert german[0].json()["message"] == message_for("not_found", "de")


def test_shipments_show_only_the_latest_events_newest_first(client: TestClient, db: Database) -> None:
    view = lookup(client, TWO_PARCELS, "anna@example.com").json()

    assert [s["status"] for s in view["shipments"]] == ["delivered", "in_transit"]
    assert [s["item_count"] for s in view["shipments"]] == [2, 1]
    for shipment in view["shipments"]:
        times = [e["at"] for e in shipment["events"]]
        assert times == sorted(times, reverse=True)
        assert len(times) <= GUEST_EVENTS_PER_SHIPMENT


def test_a_deleted_accounts_orders_are_not_found_by_the_old_email(anna: Device, client: TestClient) -> None:
    assert anna.send("account.delete", {"confirm": True})["status"] == "ok"

    assert lookup(client, DELIVERED_5_DAYS, "anna@example.com").status_code == 404


def test_many_failures_from_one_address_are_slowed_down(client: TestClient) -> None:
    for _ in range(LOOKUP_RULES["address"][0]):
        assert lookup(client, "NA-999999", "guess@example.com").status_code == 404

    braked = lookup(client, GUEST_ORDER, "clara.wagner@example.com")

    assert braked.status_code == 429
    assert braked.json()["code"] == "rate_limited"
    assert int(braked.headers["retry-after"]) > 0


@pytest.mark.parametrize("body", [{}, {"number": "NA-100231"}, {"number": "", "email": "a@b.c"},
                                  {"number": "N" * 21, "email": "a@b.c"}])
def test_a_malformed_lookup_is_invalid_request(client: TestClient, body: dict[str, str]) -> None:
    response = client.post(LOOKUP, json=body)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")


def test_the_lookup_does_not_depend_on_the_order_owner(client: TestClient, db: Database) -> None:
    # Checkout email and account email are separate: the lookup uses the one on the order.
    execute(db, "UPDATE customer_order SET email = :e WHERE number = :n", e="anna.work@example.com", n=DELIVERED_5_DAYS)

    assert lookup(client, DELIVERED_5_DAYS, "anna.work@example.com").status_code == 200
    assert lookup(client, DELIVERED_5_DAYS, "anna@example.com").status_code == 404
